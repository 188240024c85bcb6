//! The HTTP and GraphQL edge under attack (issue 21): one body limit for every route, GraphQL
//! cost that counts list sizes and aliases, rate limits on every public operation, no mutation
//! over GET in any form, and every answer `nosniff` with errors as problems.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, header};
use chrono::Duration;
use dateline_app::SyndicationSettings;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::harness::{ArticleBuilder, Engine, TestApp, TestResponse, urlencode};
use crate::on_both_engines;

/// The body limit test apps run with (`max_body_bytes`).
const BODY_LIMIT: usize = 1 << 20;

/// A body sent in chunks of 64 KiB without a length, counting how much of it was pulled.
fn chunked_body(total: usize, pulled: Arc<AtomicUsize>) -> Body {
    const CHUNK: usize = 64 * 1024;
    let chunks = total.div_ceil(CHUNK);
    let stream = futures_util::stream::iter((0..chunks).map(move |_| {
        pulled.fetch_add(CHUNK, Ordering::SeqCst);
        Ok::<_, std::io::Error>(Bytes::from(vec![b' '; CHUNK]))
    }));
    Body::from_stream(stream)
}

async fn graphql_post_from(app: &TestApp, address: &str, query: &str) -> TestResponse {
    let mut request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::to_vec(&json!({"query": query})).unwrap(),
        ))
        .unwrap();
    let address: IpAddr = address.parse().unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(address, 40_000)));
    app.request(request).await
}

fn remaining(response: &TestResponse) -> u64 {
    let state = response.header("ratelimit").unwrap();
    let after = state.split(";r=").nth(1).unwrap();
    after.split(';').next().unwrap().parse().unwrap()
}

/// Four `articles(first: 100)` nested through each story's section: 100⁴ stories, within the
/// depth limit.
fn nested_four_deep() -> String {
    let mut inner = String::from("articles(first: 100) { nodes { headline } }");
    for _ in 0..3 {
        inner = format!("articles(first: 100) {{ nodes {{ section {{ {inner} }} }} }}");
    }
    format!("{{ {inner} }}")
}

/// A request from a browser (a view without a User-Agent is a script's, never counted).
async fn from_browser(
    app: &TestApp,
    request: axum::http::request::Builder,
    body: Body,
) -> TestResponse {
    app.request(
        request
            .header(header::USER_AGENT, crate::harness::CHROME)
            .body(body)
            .unwrap(),
    )
    .await
}

on_both_engines! {
    async fn a_graphql_body_declared_over_the_limit_is_refused_before_it_is_read(app) {
        let response = app
            .request(
                Request::post("/graphql")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::CONTENT_LENGTH, 400 * 1024 * 1024)
                    .body(Body::from(r#"{"query": "{ sections { slug } }"}"#))
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, 413);
        assert_eq!(response.json()["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    }

    async fn a_chunked_graphql_body_is_cut_at_the_limit(app) {
        let pulled = Arc::new(AtomicUsize::new(0));
        let response = app
            .request(
                Request::post("/graphql")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(chunked_body(8 * BODY_LIMIT, pulled.clone()))
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, 413);
        assert_eq!(response.json()["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
        let read = pulled.load(Ordering::SeqCst);
        assert!(read <= BODY_LIMIT + 64 * 1024, "read {read} bytes of a body over the limit");
    }

    async fn a_rest_body_over_the_limit_is_a_413_problem_the_beacon_included(app) {
        let local = app.section("local", "지역").await;
        let story = ArticleBuilder::new("지역 소식", &local).insert(&app).await;
        let beacon = format!("/api/v1/articles/{}/views", story.id);
        let pulled = Arc::new(AtomicUsize::new(0));
        let chunked = app
            .request(Request::post(&beacon).body(chunked_body(4 * BODY_LIMIT, pulled)).unwrap())
            .await;
        assert_eq!(chunked.status, 413);
        assert_eq!(chunked.header("content-type"), Some("application/problem+json"));
        assert_eq!(chunked.json()["code"], "PAYLOAD_TOO_LARGE");
        let declared = app
            .request(
                Request::post("/api/v1/sections")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::CONTENT_LENGTH, 2 * BODY_LIMIT)
                    .body(Body::from("{}"))
                    .unwrap(),
            )
            .await;
        assert_eq!(declared.status, 413);
        assert_eq!(declared.json()["code"], "PAYLOAD_TOO_LARGE");
    }

    async fn a_thousand_aliases_of_a_big_search_are_refused_before_running_with_their_cost(app) {
        let local = app.section("local", "지역").await;
        ArticleBuilder::new("지역 소식", &local).insert(&app).await;
        let aliases: String = (0..1000)
            .map(|n| format!("a{n}: search(query: \"지역\", first: 100) {{ nodes {{ bodyHtml }} }} "))
            .collect();
        let before = app.db.statements_run();
        let refused = app.graphql(&format!("{{ {aliases} }}"), json!({})).await;
        assert_eq!(app.db.statements_run(), before, "nothing ran");
        let error = &refused["errors"][0];
        assert_eq!(error["extensions"]["code"], "QUERY_TOO_COMPLEX", "{refused}");
        let cost = &error["extensions"]["cost"];
        assert!(cost["complexity"].as_u64().unwrap() > cost["maxComplexity"].as_u64().unwrap(), "{cost}");
        assert!(refused["data"].is_null());
    }

    async fn pages_nested_four_deep_are_refused_for_the_stories_they_would_return(app) {
        let refused = app.graphql(&nested_four_deep(), json!({})).await;
        let error = &refused["errors"][0];
        assert_eq!(error["extensions"]["code"], "QUERY_TOO_COMPLEX", "{refused}");
        assert!(error["extensions"]["cost"]["nodes"].as_u64().unwrap() > 100_000_000);
    }

    async fn a_front_page_and_a_fifty_story_page_stay_well_within_the_limits(app) {
        let local = app.section("local", "지역").await;
        ArticleBuilder::new("지역 소식", &local).insert(&app).await;
        let home = "{ latest(first: 5) { totalCount nodes { headline summary url publishedAt section { name } \
            authors { byline } leadImage { url caption credit width height } } pageInfo { endCursor hasNextPage } } \
            photos: articles(first: 4, hasImage: true) { nodes { headline leadImage { url alt } } } \
            sections { slug name children { slug name } } }";
        let fifty = "{ articles(first: 50) { nodes { headline summary url section { name slug } authors { name } \
            tags { name } leadImage { url caption renditions { url } } } } }";
        for query in [home, fifty] {
            let answer = app.graphql(query, json!({})).await;
            assert!(answer["errors"].is_null(), "{answer}");
            let cost = &answer["extensions"]["cost"];
            assert!(
                cost["complexity"].as_u64().unwrap() * 4 < cost["maxComplexity"].as_u64().unwrap(),
                "{cost}"
            );
            assert!(cost["nodes"].as_u64().unwrap() * 4 < cost["maxNodes"].as_u64().unwrap(), "{cost}");
            assert!(cost["depth"].as_u64().unwrap() > 0);
        }
    }

    async fn a_persisted_mutation_is_refused_over_get_and_does_nothing(app) {
        let local = app.section("local", "지역").await;
        let story = ArticleBuilder::new("지역 소식", &local).insert(&app).await;
        let mutation = format!("mutation {{ recordView(articleId: \"{}\", readerId: \"r-get\") }}", story.id);
        let hash = hex::encode(Sha256::digest(mutation.as_bytes()));
        let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
        let registered = from_browser(
            &app,
            Request::post("/graphql").header(header::CONTENT_TYPE, "application/json"),
            Body::from(json!({"query": mutation, "extensions": extensions}).to_string()),
        )
        .await
        .json();
        assert_eq!(registered["data"]["recordView"], true, "{registered}");
        assert_eq!(app.flush_views().await, 1);

        let path = format!("/graphql?extensions={}", urlencode(&extensions.to_string()));
        let by_hash = from_browser(&app, Request::get(&path), Body::empty()).await;
        assert_eq!(by_hash.status, 405);
        assert_eq!(by_hash.header("allow"), Some("POST"));
        assert_eq!(by_hash.json()["errors"][0]["extensions"]["code"], "METHOD_NOT_ALLOWED");
        let plain_path = format!("/graphql?query={}", urlencode(&mutation.replace("r-get", "r-plain")));
        let plain = from_browser(&app, Request::get(&plain_path), Body::empty()).await;
        assert_eq!(plain.status, 405);
        assert_eq!(app.flush_views().await, 0, "neither GET counted a view");

        let query = "{ sections { slug } }";
        let hash = hex::encode(Sha256::digest(query.as_bytes()));
        let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
        app.send_json(Method::POST, "/graphql", &json!({"query": query, "extensions": extensions})).await;
        let read = app.get(&format!("/graphql?extensions={}", urlencode(&extensions.to_string()))).await;
        assert_eq!(read.status, 200, "persisted queries still run over GET");
    }

    async fn every_answer_says_nosniff_and_every_error_is_a_problem(app) {
        for path in ["/api/v1/articles", "/api/v1/nothing-here", "/graphql?query=%7B%20sections%20%7B%20slug%20%7D%20%7D", "/healthz"] {
            let response = app.get(path).await;
            assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{path}");
        }
        let response = app.send_json(Method::DELETE, "/api/v1/sections", &json!({})).await;
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(response.header("content-type"), Some("application/problem+json"));
    }

    async fn unknown_api_keys_are_limited_per_address_before_they_are_looked_up(app) {
        let send = |address: &'static str| {
            let mut request = Request::get("/api/v1/articles")
                .header("x-api-key", format!("dlk_{}", "0".repeat(64)))
                .body(Body::empty())
                .unwrap();
            let address: IpAddr = address.parse().unwrap();
            request.extensions_mut().insert(ConnectInfo(SocketAddr::new(address, 40_000)));
            app.request(request)
        };
        for _ in 0..dateline_api::allowance::UNKNOWN_KEYS_PER_MINUTE {
            assert_eq!(send("203.0.113.50").await.status, 401);
        }
        // The one that spends the allowance is still told its key is wrong; after it, refused
        // without a lookup.
        assert_eq!(send("203.0.113.50").await.status, 401);
        let before = app.db.statements_run();
        let refused = send("203.0.113.50").await;
        assert_eq!(refused.status, 429);
        assert_eq!(refused.json()["code"], "TOO_MANY_REQUESTS");
        assert!(refused.header("retry-after").is_some());
        assert_eq!(app.db.statements_run(), before, "a refused key costs no lookup");
        assert_eq!(send("203.0.113.51").await.status, 401, "other addresses are unaffected");
    }
}

async fn limited_app(engine: Engine, rate: u32) -> TestApp {
    TestApp::with_syndication(
        engine,
        SyndicationSettings {
            anonymous_rate_per_minute: rate,
            ..SyndicationSettings::default()
        },
    )
    .await
}

#[tokio::test]
async fn graphql_posts_spend_the_anonymous_allowance() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let app = limited_app(engine, 3).await;
        for _ in 0..3 {
            let ok = graphql_post_from(&app, "203.0.113.7", "{ sections { slug } }").await;
            assert_eq!(ok.status, 200);
            assert_eq!(
                ok.header("ratelimit-policy"),
                Some("\"anonymous\";q=3;w=60")
            );
        }
        let refused = graphql_post_from(&app, "203.0.113.7", "{ sections { slug } }").await;
        assert_eq!(refused.status, 429);
        assert!(refused.header("retry-after").is_some());
        let other = graphql_post_from(&app, "203.0.113.8", "{ sections { slug } }").await;
        assert_eq!(other.status, 200);
    }
}

#[tokio::test]
async fn a_heavy_graphql_query_spends_more_of_the_allowance_than_a_small_one() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let app = limited_app(engine, 60).await;
        let local = app.section("local", "지역").await;
        ArticleBuilder::new("지역 소식", &local)
            .published_ago(Duration::hours(1))
            .insert(&app)
            .await;
        let small = graphql_post_from(&app, "203.0.113.9", "{ sections { slug } }").await;
        let after_small = remaining(&small);
        let heavy_query = "{ articles(first: 100) { nodes { headline bodyHtml section { name } authors { name } } } }";
        let heavy = graphql_post_from(&app, "203.0.113.9", heavy_query).await;
        let heavy_json: Value = heavy.json();
        assert!(heavy_json["errors"].is_null(), "{heavy_json}");
        let units = heavy_json["extensions"]["cost"]["complexity"]
            .as_u64()
            .unwrap()
            .div_ceil(250);
        assert!(units > 10, "{heavy_json}");
        let next = graphql_post_from(&app, "203.0.113.9", "{ sections { slug } }").await;
        // After the small one: the heavy one's `units` and this one's 1 are gone, less what
        // refilled meanwhile (one a second at 60 a minute; the test takes a second or two).
        assert!(
            remaining(&next) + units < after_small + 3,
            "{} {after_small} {units}",
            remaining(&next)
        );

        // More than is left is refused before it runs, with a code and a Retry-After.
        let mut refused = None;
        for _ in 0..10 {
            let response = graphql_post_from(&app, "203.0.113.9", heavy_query).await;
            if response.status == 429 {
                refused = Some(response);
                break;
            }
        }
        let refused = refused.expect("heavy queries run out the allowance");
        assert!(refused.header("retry-after").is_some());
        let code = refused.json();
        let code = code["errors"][0]["extensions"]["code"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| code["code"].as_str().map(str::to_owned));
        assert_eq!(code.as_deref(), Some("TOO_MANY_REQUESTS"));
    }
}
