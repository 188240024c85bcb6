//! The browser pages, `/docs` and GraphiQL: everything they load comes from this server (a
//! newsroom behind a firewall sees them work), under a policy that allows nothing else.

use axum::body::Body;
use axum::http::{Request, header};

use crate::harness::{Engine, TestApp, TestResponse};

/// Attributes that make a browser fetch or navigate, and the ones our pages hand a UI as the
/// address it talks to.
const ADDRESS_ATTRIBUTES: [&str; 7] = [
    "src",
    "href",
    "action",
    "poster",
    "srcset",
    "data-url",
    "data-endpoint",
];

async fn graphiql_page(app: &TestApp) -> TestResponse {
    app.request(
        Request::get("/graphql")
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// Whether `address` stays on the server the page came from: a path from its root, not a
/// scheme (`https:`, `data:`, `javascript:`) nor a network path (`//host`).
fn is_same_origin(address: &str) -> bool {
    address.starts_with('/') && !address.starts_with("//") && !address.contains('\\')
}

/// Every address the page's markup names (attributes, and any `url(…)` in inline styles), each
/// checked to stay on this server; returns the scripts and stylesheets it loads.
fn addresses_in(page: &TestResponse) -> (Vec<String>, Vec<String>) {
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let text = String::from_utf8(page.body.clone()).unwrap();
    assert!(
        !text.contains("://"),
        "no absolute address anywhere:\n{text}"
    );
    assert!(
        !text.contains("url("),
        "no inline style loads anything:\n{text}"
    );
    let html = scraper::Html::parse_document(&text);
    let everything = scraper::Selector::parse("*").unwrap();
    let (mut scripts, mut styles) = (Vec::new(), Vec::new());
    for element in html.select(&everything) {
        let element = element.value();
        for (name, value) in element.attrs() {
            if ADDRESS_ATTRIBUTES.contains(&name) || value.contains(':') {
                assert!(
                    is_same_origin(value),
                    "<{} {name}=\"{value}\"> leaves the server",
                    element.name()
                );
            }
        }
        match (element.name(), element.attr("src"), element.attr("href")) {
            ("script", Some(src), _) => scripts.push(src.to_owned()),
            ("script", None, _) => panic!("an inline script: the policy would refuse it"),
            ("style", _, _) => panic!("an inline style: the policy would refuse it"),
            ("link", _, Some(href)) if element.attr("rel") == Some("stylesheet") => {
                styles.push(href.to_owned());
            }
            _ => {}
        }
    }
    (scripts, styles)
}

/// Each file answers 200 with its type, a body, a strong validator and a year of caching.
async fn assert_served(app: &TestApp, path: &str, content_type: &str) {
    assert!(path.starts_with("/_ui/"), "{path}");
    let file = app.get(path).await;
    assert_eq!(file.status, 200, "{path}");
    assert_eq!(file.header("content-type"), Some(content_type), "{path}");
    assert!(!file.body.is_empty(), "{path} is empty");
    assert_eq!(
        file.header("cache-control"),
        Some("public, max-age=31536000, immutable"),
        "{path}"
    );
    let etag = file.header("etag").unwrap_or_default();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "{path}: {etag}"
    );
}

/// The policy on a page: this server's scripts and styles only, nothing inline, no other host.
fn assert_strict_policy(page: &TestResponse) {
    let policy = page.header("content-security-policy").unwrap_or_default();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    assert!(
        !policy.contains("http") && !policy.contains('*'),
        "{policy}"
    );
}

#[tokio::test]
async fn the_docs_page_loads_nothing_from_another_host() {
    let app = TestApp::new(Engine::Sqlite).await;
    let page = app.get("/docs").await;
    assert_strict_policy(&page);
    let (scripts, styles) = addresses_in(&page);
    assert_eq!(scripts.len(), 2, "the bundle and its start-up: {scripts:?}");
    for script in &scripts {
        assert_served(&app, script, "text/javascript; charset=utf-8").await;
    }
    for style in &styles {
        assert_served(&app, style, "text/css; charset=utf-8").await;
    }
    assert!(!styles.is_empty());
    let text = String::from_utf8_lossy(&page.body);
    assert!(text.contains(r#"data-url="/openapi.json""#), "{text}");
    assert_eq!(app.get("/openapi.json").await.status, 200);
}

#[tokio::test]
async fn the_graphiql_page_loads_nothing_from_another_host() {
    let app = TestApp::new(Engine::Sqlite).await;
    let page = graphiql_page(&app).await;
    assert_strict_policy(&page);
    let (scripts, styles) = addresses_in(&page);
    assert_eq!(
        scripts.len(),
        4,
        "react, react-dom, graphiql, start-up: {scripts:?}"
    );
    for script in &scripts {
        assert_served(&app, script, "text/javascript; charset=utf-8").await;
    }
    for style in &styles {
        assert_served(&app, style, "text/css; charset=utf-8").await;
    }
    assert!(!styles.is_empty());
    let text = String::from_utf8_lossy(&page.body);
    assert!(text.contains(r#"data-endpoint="/graphql""#), "{text}");
}

#[tokio::test]
async fn the_production_builds_are_served_not_the_development_ones() {
    let app = TestApp::new(Engine::Sqlite).await;
    let (scripts, _) = addresses_in(&graphiql_page(&app).await);
    for wanted in [
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
    ] {
        assert!(
            scripts.iter().any(|script| script.ends_with(wanted)),
            "{wanted} in {scripts:?}"
        );
    }
}

#[tokio::test]
async fn an_embedded_file_is_compressed_once_and_revalidates_by_its_etag() {
    let app = TestApp::new(Engine::Sqlite).await;
    let (scripts, _) = addresses_in(&app.get("/docs").await);
    let bundle = scripts
        .iter()
        .find(|script| script.ends_with("swagger-ui-bundle.js"))
        .unwrap();
    let plain = app.get(bundle).await;
    let compressed = app
        .request(
            Request::get(bundle.as_str())
                .header(header::ACCEPT_ENCODING, "gzip, br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(compressed.status, 200);
    assert_eq!(compressed.header("content-encoding"), Some("br"));
    assert!(compressed.body.len() < plain.body.len() / 2);
    let (plain_tag, br_tag) = (
        plain.header("etag").unwrap(),
        compressed.header("etag").unwrap(),
    );
    assert_ne!(plain_tag, br_tag, "each coding is its own representation");
    assert_eq!(compressed.header("vary"), Some("Accept-Encoding"));

    for tag in [plain_tag, br_tag] {
        let again = app
            .request(
                Request::get(bundle.as_str())
                    .header(header::IF_NONE_MATCH, tag)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(again.status, 304, "{tag}");
        assert!(again.body.is_empty());
    }
}

#[tokio::test]
async fn a_file_under_an_address_it_never_had_is_not_found() {
    let app = TestApp::new(Engine::Sqlite).await;
    let (scripts, _) = addresses_in(&app.get("/docs").await);
    let name = scripts[0].rsplit('/').next().unwrap();
    let stale = app
        .get(&format!("/_ui/00000000000000000000000000000000/{name}"))
        .await;
    assert_eq!(stale.status, 404);
    assert_eq!(
        stale.header("content-type"),
        Some("application/problem+json")
    );
    let hash = scripts[0].split('/').nth(2).unwrap();
    assert_eq!(app.get(&format!("/_ui/{hash}/LICENSE")).await.status, 404);
}

#[tokio::test]
async fn a_page_load_spends_no_allowance_on_its_files() {
    let app = TestApp::new(Engine::Sqlite).await;
    let (scripts, _) = addresses_in(&graphiql_page(&app).await);
    let file = app.get(&scripts[0]).await;
    assert!(file.header("ratelimit").is_none(), "{:?}", file.headers);
}
