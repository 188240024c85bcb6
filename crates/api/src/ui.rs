//! The two browser pages — `/docs` (Swagger UI over `/openapi.json`) and GraphiQL (`GET /graphql`
//! from a browser) — and every file they load, embedded in the binary; and the default newsroom
//! logo that structured data names, served the same way.
//!
//! Vendored because a newsroom behind a firewall must see both pages work: no request may leave
//! the server. The CDN builds the pages loaded before showed blank pages there, and ran whatever
//! the CDN sent, unpinned and unchecked. The files are npm builds at pinned versions, byte for
//! byte (`crates/api/assets/*/README.md`; `scripts/refresh-ui-assets` is the only way to change
//! them); our start-up scripts are files beside them, so each page's Content-Security-Policy
//! allows `'self'` and nothing inline. Every file is served under `/_ui/<hash of its bytes>/<name>`:
//! a changed file gets a new address, so browsers may keep each one for a year without asking.
//! Decision `0008` says why these two UIs.

use std::sync::{Arc, LazyLock};

use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use dateline_app::NewsroomLogo;
use tokio::sync::OnceCell;
use url::Url;

use crate::cache::encoding::{Coding, Encoded};
use crate::problem::ApiError;

/// Where the files are served; the rate limit leaves this prefix alone (constant bytes, and a
/// page load fetches several).
pub(crate) const PREFIX: &str = "/_ui/";

/// Both pages: scripts and styles from this server only, nothing inline, no frames, no forms
/// sent anywhere. `data:` images and fonts are the icons and typefaces inside the vendored
/// stylesheets; `connect-src 'self'` is the UIs' own requests (`/openapi.json`, `/graphql`).
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// A file is named by the hash of its bytes, so it never changes at its address.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const PNG: &str = "image/png";

/// One file a page loads.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($folder:literal, $name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../assets/", $folder, "/", $name)),
        }
    };
}

const SWAGGER_JS: usize = 0;
const SWAGGER_CSS: usize = 1;
const REACT_JS: usize = 2;
const REACT_DOM_JS: usize = 3;
const GRAPHIQL_JS: usize = 4;
const GRAPHIQL_CSS: usize = 5;
const DOCS_INIT_JS: usize = 6;
const GRAPHIQL_INIT_JS: usize = 7;
const PAGES_CSS: usize = 8;
const NEWSROOM_LOGO: usize = 9;

/// The default logo's size in pixels (`scripts/draw-default-logo` draws it).
const NEWSROOM_LOGO_SIZE: (u32, u32) = (512, 512);

/// Every file served under [`PREFIX`], in the order of the indices above.
const ASSETS: [Asset; 10] = [
    asset!("docs", "swagger-ui-bundle.js", JAVASCRIPT),
    asset!("docs", "swagger-ui.css", CSS),
    asset!("graphiql", "react.production.min.js", JAVASCRIPT),
    asset!("graphiql", "react-dom.production.min.js", JAVASCRIPT),
    asset!("graphiql", "graphiql.min.js", JAVASCRIPT),
    asset!("graphiql", "graphiql.min.css", CSS),
    asset!("dateline", "docs.js", JAVASCRIPT),
    asset!("dateline", "graphiql.js", JAVASCRIPT),
    asset!("dateline", "pages.css", CSS),
    asset!("dateline", "logo.png", PNG),
];

/// A file as served: its bytes with their hash, and the br/gzip renderings once some client
/// has asked for them.
struct Served {
    asset: &'static Asset,
    identity: Encoded,
    path: String,
    compressed: OnceCell<Arc<Encoded>>,
}

/// Made on first use, from bytes fixed at compile time: hashing them is the only work, and
/// compressing waits for a client that takes br or gzip.
static SERVED: LazyLock<Vec<Served>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            let identity = Encoded::one(Bytes::from_static(asset.bytes), Coding::Identity);
            let path = format!("{PREFIX}{}/{}", identity.hash(), asset.name);
            Served {
                asset,
                identity,
                path,
                compressed: OnceCell::new(),
            }
        })
        .collect()
});

fn path_of(index: usize) -> &'static str {
    SERVED.get(index).map_or("", |served| served.path.as_str())
}

/// The logo structured data names when the newsroom set none: the embedded one, at its
/// address under `public_url`.
pub fn default_newsroom_logo(public_url: &Url) -> NewsroomLogo {
    let mut url = public_url.clone();
    url.set_path(path_of(NEWSROOM_LOGO));
    NewsroomLogo {
        url,
        size: Some(NEWSROOM_LOGO_SIZE),
    }
}

/// One of the two pages: its stylesheets, one mount element and its scripts, every file named
/// by its served (hashed) path, nothing inline.
fn html_page(title: &str, stylesheets: &[usize], mount: &str, scripts: &[usize]) -> String {
    let links: String = stylesheets
        .iter()
        .map(|&file| format!("<link rel=\"stylesheet\" href=\"{}\">\n", path_of(file)))
        .collect();
    let script_tags: String = scripts
        .iter()
        .map(|&file| format!("<script src=\"{}\"></script>\n", path_of(file)))
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{links}</head>
<body>
{mount}
{script_tags}</body>
</html>
"#
    )
}

/// `/docs`: Swagger UI reading `/openapi.json`.
static DOCS_PAGE: LazyLock<String> = LazyLock::new(|| {
    html_page(
        "Dateline API",
        &[SWAGGER_CSS, PAGES_CSS],
        r#"<div id="swagger-ui" data-url="/openapi.json"></div>"#,
        &[SWAGGER_JS, DOCS_INIT_JS],
    )
});

/// GraphiQL, posting to `/graphql`.
static GRAPHIQL_PAGE: LazyLock<String> = LazyLock::new(|| {
    html_page(
        "Dateline GraphQL",
        &[GRAPHIQL_CSS, PAGES_CSS],
        r#"<div id="graphiql" data-endpoint="/graphql">Loading GraphiQL…</div>"#,
        &[REACT_JS, REACT_DOM_JS, GRAPHIQL_JS, GRAPHIQL_INIT_JS],
    )
});

/// `GET /docs`.
pub(crate) async fn docs() -> Response {
    page(&DOCS_PAGE)
}

/// The GraphiQL page `GET /graphql` answers a browser with.
pub(crate) fn graphiql() -> Response {
    page(&GRAPHIQL_PAGE)
}

/// A page's HTML under its policy. No validator here: the response layers add the ETag and
/// `no-cache`, so a new binary's page (naming new files) is seen at once.
fn page(html: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(PAGE_POLICY),
            ),
        ],
        html,
    )
        .into_response()
}

/// `GET /_ui/{hash}/{name}`: one embedded file, in the best coding the client takes, with its
/// strong ETag. A hash that is not the file's current one is 404: that address never held
/// these bytes.
pub(crate) async fn asset(
    Path((hash, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(served) = SERVED
        .iter()
        .find(|served| served.asset.name == name && served.identity.hash() == hash)
    else {
        return ApiError::NoRoute.into_response();
    };
    let condition = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok());
    let coding = Coding::negotiate(&headers);
    let (body, sent, tag) = match coding {
        Coding::Identity => served.identity.pick(Coding::Identity),
        wanted => compressed(served).await.pick(wanted),
    };
    let mut response = if condition.is_some_and(|condition| served.identity.matches(condition)) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = Response::new(Body::from(body));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(served.asset.content_type),
        );
        if let Some(coding) = sent.header() {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        response
    };
    let headers = response.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, tag);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// The file's br and gzip renderings, made once, off the async threads (a bundle of a few MB
/// takes a moment).
async fn compressed(served: &'static Served) -> Arc<Encoded> {
    served
        .compressed
        .get_or_init(|| async move {
            let bytes = Bytes::from_static(served.asset.bytes);
            let fallback = bytes.clone();
            tokio::task::spawn_blocking(move || Encoded::all(bytes))
                .await
                .map(Arc::new)
                // A compression task that panicked leaves the bytes as they are.
                .unwrap_or_else(|_| Arc::new(Encoded::one(fallback, Coding::Identity)))
        })
        .await
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_named_at_its_index() {
        let names: Vec<&str> = ASSETS.iter().map(|asset| asset.name).collect();
        assert_eq!(names[SWAGGER_JS], "swagger-ui-bundle.js");
        assert_eq!(names[SWAGGER_CSS], "swagger-ui.css");
        assert_eq!(names[REACT_JS], "react.production.min.js");
        assert_eq!(names[REACT_DOM_JS], "react-dom.production.min.js");
        assert_eq!(names[GRAPHIQL_JS], "graphiql.min.js");
        assert_eq!(names[GRAPHIQL_CSS], "graphiql.min.css");
        assert_eq!(names[DOCS_INIT_JS], "docs.js");
        assert_eq!(names[GRAPHIQL_INIT_JS], "graphiql.js");
        assert_eq!(names[PAGES_CSS], "pages.css");
    }

    #[test]
    fn the_pages_name_only_files_served_here() {
        for page in [&*DOCS_PAGE, &*GRAPHIQL_PAGE] {
            assert!(!page.contains("://"), "{page}");
            assert!(!page.contains("href=\"\"") && !page.contains("src=\"\""));
        }
    }
}
