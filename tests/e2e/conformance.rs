//! What the ecosystem's own clients and caches expect of us: browsers' CORS rules for page
//! scripts, and answers no browser or CDN can hand to the wrong audience.

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, header};
use dateline_api::{CorsOrigins, HttpSettings};

use chrono::Duration;

use crate::cache::{cached_app, get_with};
use crate::harness::{ArticleBuilder, Engine, TestApp, TestResponse};
use crate::on_both_engines;
use crate::syndication_partners::{create_partner, get_with_key};

fn preflight(origin: &str, method: &str, headers: &str) -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/v1/articles")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, method)
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, headers)
        .body(Body::empty())
        .unwrap()
}

/// A header's comma-separated names, lowercased.
fn names(response: &TestResponse, name: header::HeaderName) -> Vec<String> {
    response
        .headers
        .get(name)
        .map(|value| {
            value
                .to_str()
                .unwrap()
                .split(',')
                .map(|part| part.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
}

on_both_engines! {
    async fn a_page_script_may_send_a_bearer_token_and_read_the_headers_it_must_act_on(app) {
        let allowed = app
            .request(preflight("https://app.example", "POST", "authorization,content-type,x-api-key,if-match,if-none-match"))
            .await;
        assert!(allowed.status.is_success(), "{}", allowed.status);
        assert_eq!(allowed.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        let headers = names(&allowed, header::ACCESS_CONTROL_ALLOW_HEADERS);
        for wanted in ["authorization", "content-type", "x-api-key", "if-none-match", "if-match"] {
            assert!(headers.contains(&wanted.to_owned()), "{wanted} not in {headers:?}");
        }
        assert!(names(&allowed, header::ACCESS_CONTROL_ALLOW_METHODS).contains(&"patch".to_owned()));

        let read = app
            .request(Request::get("/api/v1/articles").header(header::ORIGIN, "https://app.example").body(Body::empty()).unwrap())
            .await;
        assert_eq!(read.status, 200);
        let exposed = names(&read, header::ACCESS_CONTROL_EXPOSE_HEADERS);
        for wanted in ["etag", "ratelimit", "ratelimit-policy", "retry-after", "location"] {
            assert!(exposed.contains(&wanted.to_owned()), "{wanted} not in {exposed:?}");
        }
    }

    async fn only_the_configured_origins_are_answered_when_a_list_is_set(app) {
        let app = app.with_http(HttpSettings {
            cors: CorsOrigins::parse(&["https://www.news.example".into()]).unwrap(),
            ..HttpSettings::default()
        });
        let ours = app.request(preflight("https://www.news.example", "GET", "authorization")).await;
        assert_eq!(ours.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://www.news.example");
        assert!(names(&ours, header::VARY).iter().any(|name| name == "origin"));
        let theirs = app.request(preflight("https://evil.example", "GET", "authorization")).await;
        assert_eq!(theirs.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN), None::<&HeaderValue>);
    }
}

/// The answers of one public path for the public, a partner and a signed-in editor, through
/// the response cache, asked in an order that would leak if the cache or Vary were wrong.
async fn answers_stay_with_their_audience(engine: Engine) {
    let app: TestApp = cached_app(engine).await;
    let politics = app.section("politics", "정치").await;
    let economy = app.section("economy", "경제").await;
    ArticleBuilder::new("정치 기사", &politics)
        .published_ago(Duration::minutes(10))
        .insert(&app)
        .await;
    ArticleBuilder::new("경제 기사", &economy)
        .published_ago(Duration::minutes(5))
        .insert(&app)
        .await;
    let partner = create_partner(&app, &["politics"], "summary", 100).await;
    let key = partner["apiKey"].as_str().unwrap();

    let public = app.get("/api/v1/articles").await;
    assert_eq!(public.status, 200);
    let vary = names(&public, header::VARY);
    for wanted in ["accept-encoding", "x-api-key", "authorization"] {
        assert!(
            vary.contains(&wanted.to_owned()),
            "{wanted} not in {vary:?}"
        );
    }
    assert!(
        public
            .header("cache-control")
            .unwrap()
            .starts_with("public")
    );
    assert_eq!(public.json()["data"].as_array().unwrap().len(), 2);

    // Kept for the public now; the partner must still get its own answer, privately.
    let keyed = get_with_key(&app, "/api/v1/articles", key).await;
    assert_eq!(keyed.status, 200);
    assert!(
        keyed
            .header("cache-control")
            .unwrap()
            .starts_with("private"),
        "{:?}",
        keyed.header("cache-control")
    );
    assert!(names(&keyed, header::VARY).contains(&"x-api-key".to_owned()));
    let headlines: Vec<_> = keyed.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["headline"].clone())
        .collect();
    assert_eq!(headlines, ["정치 기사"]);

    let unknown = get_with_key(&app, "/api/v1/articles", "dlk_unknown").await;
    assert_eq!(unknown.status, 401);
    assert!(
        unknown.header("cache-control").unwrap().contains("private")
            || unknown
                .header("cache-control")
                .unwrap()
                .contains("no-store")
    );

    let editor = app.as_editor().get("/api/v1/articles").await;
    assert!(
        editor
            .header("cache-control")
            .unwrap()
            .starts_with("private"),
        "{:?}",
        editor.header("cache-control")
    );

    // And the public's copy is still the public's.
    let again = app.get("/api/v1/articles").await;
    assert_eq!(again.json()["data"].as_array().unwrap().len(), 2);
}

/// Each content coding of an answer is a different body, so it carries a different ETag
/// (RFC 9110 §8.8.3), on kept lists and on answers made for one request alike.
async fn each_coding_of_an_answer_has_its_own_etag(engine: Engine) {
    let app: TestApp = cached_app(engine).await;
    let local = app.section("local", "지역").await;
    let story = ArticleBuilder::new("부산 수소트램 착공", &local)
        .published_ago(Duration::minutes(10))
        .insert(&app)
        .await;
    for n in 0..3 {
        ArticleBuilder::new(&format!("기사 {n}"), &local)
            .published_ago(Duration::minutes(20 + n))
            .insert(&app)
            .await;
    }
    let paths = [
        "/api/v1/articles".to_owned(),
        "/api/v1/popular".to_owned(),
        format!("/api/v1/articles/{}/comments", story.id),
    ];
    for path in &paths {
        let mut seen: Vec<(String, String)> = Vec::new();
        for coding in ["identity", "gzip", "br"] {
            let response = get_with(&app, path, &[("accept-encoding", coding)]).await;
            assert_eq!(
                response.status,
                200,
                "{path}: {}",
                String::from_utf8_lossy(&response.body)
            );
            let sent = response
                .header("content-encoding")
                .unwrap_or("identity")
                .to_owned();
            let tag = response.header("etag").unwrap_or_default().to_owned();
            for (other_coding, other_tag) in &seen {
                if *other_coding != sent && !tag.is_empty() {
                    assert_ne!(
                        &tag, other_tag,
                        "{path}: {sent} and {other_coding} share {tag}"
                    );
                }
            }
            seen.push((sent, tag));
        }
    }
}

mod audiences {
    #[tokio::test]
    async fn sqlite() {
        super::answers_stay_with_their_audience(super::Engine::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        super::answers_stay_with_their_audience(super::Engine::Postgres).await;
    }
}

mod etags_by_coding {
    #[tokio::test]
    async fn sqlite() {
        super::each_coding_of_an_answer_has_its_own_etag(super::Engine::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        super::each_coding_of_an_answer_has_its_own_etag(super::Engine::Postgres).await;
    }
}
