//! Two nodes on one PostgreSQL database, requests alternating between them: the public rate
//! limits, the sign-in throttle and the comment limits hold for the pair as for one node (within
//! the documented credit of the public limits, note 0606).

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use dateline_app::SyndicationSettings;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::harness::{ArticleBuilder, Engine, PASSWORD, TestApp};
use crate::syndication_partners::create_partner;

/// A second node: its own process state (limiters, caches) over the first one's database.
fn second_node(app: &TestApp) -> Router {
    app.other_node(app.state.media().clone())
}

/// Sends a request from `address` to a node; answers the status and body.
async fn send(
    node: &Router,
    method: Method,
    path: &str,
    address: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> (u16, Value) {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => request.body(Body::empty()).unwrap(),
    };
    let address: IpAddr = address.parse().unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(address, 40_000)));
    let response = node.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// How many of `count` GETs alternating between the nodes were admitted.
async fn admitted(
    nodes: &[Router; 2],
    path: &str,
    headers: &[(&str, &str)],
    count: usize,
) -> usize {
    let mut admitted = 0;
    for n in 0..count {
        let (status, _) = send(
            &nodes[n % 2],
            Method::GET,
            path,
            "203.0.113.20",
            headers,
            None,
        )
        .await;
        assert!(status == 200 || status == 429, "{status}");
        if status == 200 {
            admitted += 1;
        }
    }
    admitted
}

#[tokio::test]
async fn a_partners_quota_holds_across_two_nodes_within_the_credit() {
    let app = TestApp::new(Engine::Postgres).await;
    let politics = app.section("politics", "정치").await;
    ArticleBuilder::new("국회 본회의", &politics)
        .insert(&app)
        .await;
    let partner = create_partner(&app, &["politics"], "full", 60).await;
    let key = partner["apiKey"].as_str().unwrap().to_owned();
    let nodes = [app.router.clone(), second_node(&app)];
    let served = admitted(&nodes, "/api/v1/articles", &[("x-api-key", &key)], 150).await;
    // One node alone would admit 60; each node runs at most one credit (60 / 20) ahead of what
    // the other has seen.
    assert!((60..=66).contains(&served), "{served} of 150 admitted");
}

#[tokio::test]
async fn the_anonymous_limit_holds_across_two_nodes_within_the_credit() {
    let app = TestApp::with_syndication(
        Engine::Postgres,
        SyndicationSettings {
            anonymous_rate_per_minute: 40,
            ..crate::harness::loopback_receivers()
        },
    )
    .await;
    let nodes = [app.router.clone(), second_node(&app)];
    let served = admitted(&nodes, "/api/v1/articles", &[], 100).await;
    assert!((40..=44).contains(&served), "{served} of 100 admitted");
    // Another address has its own allowance on both nodes.
    let (status, _) = send(
        &nodes[1],
        Method::GET,
        "/api/v1/articles",
        "203.0.113.21",
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn sign_in_locks_out_after_the_allowed_failures_spread_over_two_nodes() {
    let app = TestApp::new(Engine::Postgres).await;
    let nodes = [app.router.clone(), second_node(&app)];
    let email = app.reporter.email.to_string();
    let sign_in = |node: usize, password: &str| {
        let body = json!({"email": email, "password": password});
        let node = nodes[node].clone();
        async move {
            send(
                &node,
                Method::POST,
                "/api/v1/auth/token",
                "203.0.113.30",
                &[],
                Some(&body),
            )
            .await
        }
    };
    // Five wrong passwords, three on one node and two on the other: neither node alone has
    // seen enough to lock the account.
    for n in 0..5 {
        let (status, _) = sign_in(n % 2, "틀린 비밀번호").await;
        assert_eq!(status, 401, "try {n}");
    }
    for node in 0..2 {
        let (status, body) = sign_in(node, PASSWORD).await;
        assert_eq!(
            status, 429,
            "node {node}: locked even with the right password"
        );
        assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    }
    app.clock.advance(chrono::Duration::minutes(15));
    let (status, _) = sign_in(1, PASSWORD).await;
    assert_eq!(status, 200, "the lockout passes on every node");
}

#[tokio::test]
async fn a_readers_comment_limit_holds_across_two_nodes() {
    let app = TestApp::new(Engine::Postgres).await;
    let section = app.section("local", "지역").await;
    let story = ArticleBuilder::new("부산항 신항 물동량 역대 최대", &section)
        .insert(&app)
        .await;
    let nodes = [app.router.clone(), second_node(&app)];
    let path = format!("/api/v1/articles/{}/comments", story.id);
    // Three comments a minute per reader: alternating nodes, the fourth is refused.
    for n in 0..3 {
        let body = json!({"nickname": "부산갈매기", "password": "비밀번호1234", "body": format!("댓글 {n}")});
        let (status, answer) = send(
            &nodes[n % 2],
            Method::POST,
            &path,
            "203.0.113.40",
            &[],
            Some(&body),
        )
        .await;
        assert_eq!(status, 201, "{answer}");
    }
    let body =
        json!({"nickname": "부산갈매기", "password": "비밀번호1234", "body": "네 번째 댓글"});
    let (status, answer) = send(
        &nodes[1],
        Method::POST,
        &path,
        "203.0.113.40",
        &[],
        Some(&body),
    )
    .await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(answer["code"], "TOO_MANY_REQUESTS");
}
