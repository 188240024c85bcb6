//! What the ecosystem's own clients expect of us: browsers' CORS rules for page scripts.

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, header};
use dateline_api::{CorsOrigins, HttpSettings};

use crate::harness::TestResponse;
use crate::on_both_engines;

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
