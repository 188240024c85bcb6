//! Readers' abuse-sensitive counts (issue 21, finding 10): a reader is their client address (an
//! IPv6 client its /64), not address + User-Agent, for reports, reactions and limits; a
//! comment's password cannot be guessed by spreading tries over addresses; passwords are at
//! least six characters; closed stories take no reactions.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, header};
use chrono::Duration;
use serde_json::{Value, json};

use crate::harness::{ArticleBuilder, CHROME, TestApp, TestResponse};
use crate::on_both_engines;

const PASSWORD: &str = "바다가보이는창";

/// A request from `address` with `agent` as its User-Agent.
async fn send_as(
    app: &TestApp,
    method: Method,
    path: &str,
    address: &str,
    agent: &str,
    body: &Value,
) -> TestResponse {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::USER_AGENT, agent)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap();
    request.extensions_mut().insert(ConnectInfo(SocketAddr::new(
        address.parse().unwrap(),
        40_000,
    )));
    app.request(request).await
}

async fn public_story(app: &TestApp) -> String {
    let section = app.section("local", "지역").await;
    ArticleBuilder::new("해운대 해수욕장 개장", &section)
        .insert(app)
        .await
        .id
        .to_string()
}

/// Posts a reader's comment from `address` and answers its id.
async fn comment_on(app: &TestApp, article: &str, address: &str, text: &str) -> String {
    let response = send_as(
        app,
        Method::POST,
        &format!("/api/v1/articles/{article}/comments"),
        address,
        CHROME,
        &json!({"nickname": "갈매기", "password": PASSWORD, "body": text}),
    )
    .await;
    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["data"]["id"].as_str().unwrap().to_owned()
}

async fn report(app: &TestApp, comment: &str, address: &str, agent: &str) -> TestResponse {
    send_as(
        app,
        Method::POST,
        &format!("/api/v1/comments/{comment}/report"),
        address,
        agent,
        &json!({"reason": "욕설"}),
    )
    .await
}

async fn react(app: &TestApp, comment: &str, address: &str, agent: &str) -> TestResponse {
    send_as(
        app,
        Method::POST,
        &format!("/api/v1/comments/{comment}/reactions"),
        address,
        agent,
        &json!({"kind": "agree"}),
    )
    .await
}

/// How many comments the public list of `article` shows.
async fn visible_count(app: &TestApp, article: &str) -> usize {
    let list = app
        .get(&format!("/api/v1/articles/{article}/comments"))
        .await;
    assert_eq!(list.status, 200);
    list.json()["data"].as_array().unwrap().len()
}

async fn set_closed(app: &TestApp, article: &str, closed: bool) {
    let response = app
        .as_editor()
        .send(
            Method::PUT,
            &format!("/api/v1/newsroom/articles/{article}/comments"),
            Some(&json!({"closed": closed})),
            &[],
        )
        .await;
    assert_eq!(response.status, 200);
}

on_both_engines! {
    async fn three_reports_from_one_address_with_three_user_agents_count_once(app) {
        let article = public_story(&app).await;
        let comment = comment_on(&app, &article, "203.0.113.9", "가려지면 안 되는 댓글").await;
        let mut counted = Vec::new();
        for agent in ["Mozilla/5.0 (iPhone)", "Mozilla/5.0 (Macintosh)", "Mozilla/5.0 (X11; Linux)"] {
            let response = report(&app, &comment, "198.51.100.7", agent).await;
            assert_eq!(response.status, 202);
            counted.push(response.json()["data"]["counted"].as_bool().unwrap());
        }
        assert_eq!(counted, [true, false, false]);
        assert_eq!(visible_count(&app, &article).await, 1);
        // Other addresses are other readers: two more reach the threshold of three.
        report(&app, &comment, "198.51.100.8", CHROME).await;
        report(&app, &comment, "198.51.100.9", CHROME).await;
        assert_eq!(visible_count(&app, &article).await, 0);
    }

    async fn an_ipv6_64_counts_as_one_reader(app) {
        let article = public_story(&app).await;
        let comment = comment_on(&app, &article, "203.0.113.10", "IPv6 독자들의 댓글").await;
        for host in ["2001:db8:77:1::1", "2001:db8:77:1::2", "2001:db8:77:1:ffff:ffff:ffff:fffe"] {
            assert_eq!(report(&app, &comment, host, CHROME).await.status, 202);
        }
        assert_eq!(visible_count(&app, &article).await, 1);
        let agreed = react(&app, &comment, "2001:db8:77:1::3", CHROME).await;
        assert_eq!(agreed.json()["data"]["counted"], true);
        let again = react(&app, &comment, "2001:db8:77:1::4", CHROME).await;
        assert_eq!(again.json()["data"], json!({"counted": false, "agrees": 1, "disagrees": 0}));
        // Neighbouring /64s are other subscribers.
        report(&app, &comment, "2001:db8:77:2::1", CHROME).await;
        report(&app, &comment, "2001:db8:77:3::1", CHROME).await;
        assert_eq!(visible_count(&app, &article).await, 0);
    }

    async fn rotating_user_agents_do_not_multiply_agrees(app) {
        let article = public_story(&app).await;
        let comment = comment_on(&app, &article, "203.0.113.11", "공감 부풀리기 대상").await;
        for n in 0..20 {
            let agent = format!("Mozilla/5.0 (rotating {n})");
            let response = react(&app, &comment, "198.51.100.20", &agent).await;
            assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
        }
        let last = react(&app, &comment, "198.51.100.20", CHROME).await;
        assert_eq!(last.json()["data"], json!({"counted": false, "agrees": 1, "disagrees": 0}));
        let list = app.get(&format!("/api/v1/articles/{article}/comments")).await.json();
        assert_eq!(list["data"][0]["agrees"], 1);
    }

    async fn a_comment_password_cannot_be_guessed_by_spreading_tries_over_addresses(app) {
        let article = public_story(&app).await;
        let comment = comment_on(&app, &article, "203.0.113.12", "비밀번호를 맞혀 보세요").await;
        let path = format!("/api/v1/comments/{comment}");
        // Ten wrong passwords, each from its own address, so no address's allowance is spent.
        for n in 0..10 {
            let guess = json!({"body": "바꿔치기", "password": format!("guess-{n:04}")});
            let wrong = send_as(&app, Method::PATCH, &path, &format!("192.0.2.{}", 10 + n), CHROME, &guess).await;
            assert_eq!(wrong.status, 403, "guess {n}");
        }
        // Now even the right password waits: the comment, not the sender, is out of tries.
        let right = json!({"body": "주인이 고친 댓글", "password": PASSWORD});
        let refused = send_as(&app, Method::PATCH, &path, "192.0.2.200", CHROME, &right).await;
        assert_eq!(refused.status, 429);
        assert_eq!(refused.header("content-type"), Some("application/problem+json"));
        assert_eq!(refused.json()["code"], "TOO_MANY_REQUESTS");
        let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
        assert!((3_000..=3_600).contains(&wait), "{wait}");
        let deleting = send_as(&app, Method::DELETE, &path, "192.0.2.201", CHROME, &json!({"password": PASSWORD})).await;
        assert_eq!(deleting.status, 429);
        // Another comment is not held back by this one's guessers.
        let other = comment_on(&app, &article, "203.0.113.13", "다른 댓글").await;
        let edited = send_as(&app, Method::PATCH, &format!("/api/v1/comments/{other}"), "192.0.2.202", CHROME, &right).await;
        assert_eq!(edited.status, 200);

        app.clock.advance(Duration::hours(1));
        let later = send_as(&app, Method::PATCH, &path, "192.0.2.203", CHROME, &right).await;
        assert_eq!(later.status, 200, "{}", String::from_utf8_lossy(&later.body));
    }

    async fn a_five_character_comment_password_is_refused(app) {
        let article = public_story(&app).await;
        let short = send_as(
            &app,
            Method::POST,
            &format!("/api/v1/articles/{article}/comments"),
            "203.0.113.14",
            CHROME,
            &json!({"nickname": "갈매기", "password": "12345", "body": "짧은 비밀번호"}),
        )
        .await;
        assert_eq!(short.status, 422);
        assert_eq!(short.header("content-type"), Some("application/problem+json"));
        assert_eq!(short.json()["code"], "VALIDATION");
        let over_graphql = app
            .graphql(
                r#"mutation($id: ID!) {
                    addComment(articleId: $id, input: {nickname: "갈매기", password: "abcde", body: "짧은 비밀번호"}) { id }
                }"#,
                json!({"id": article}),
            )
            .await;
        assert_eq!(over_graphql["errors"][0]["extensions"]["code"], "VALIDATION", "{over_graphql}");
        comment_on(&app, &article, "203.0.113.15", "여섯 글자 이상").await;
    }

    async fn a_reaction_on_a_closed_story_is_refused_as_posting_is(app) {
        let article = public_story(&app).await;
        let comment = comment_on(&app, &article, "203.0.113.16", "닫히기 전 댓글").await;
        set_closed(&app, &article, true).await;
        let posting = send_as(
            &app,
            Method::POST,
            &format!("/api/v1/articles/{article}/comments"),
            "203.0.113.17",
            CHROME,
            &json!({"nickname": "갈매기", "password": PASSWORD, "body": "닫힌 기사"}),
        )
        .await;
        let reacting = react(&app, &comment, "198.51.100.30", CHROME).await;
        assert_eq!(posting.status, 409);
        assert_eq!(reacting.status, 409);
        assert_eq!(reacting.json()["code"], posting.json()["code"]);
        assert_eq!(reacting.json()["detail"], posting.json()["detail"]);
        let over_graphql = app
            .graphql(
                r#"mutation($id: ID!) { reactToComment(id: $id, kind: AGREE) { counted } }"#,
                json!({"id": comment}),
            )
            .await;
        assert!(over_graphql["errors"][0]["extensions"]["code"].is_string(), "{over_graphql}");

        // Reopened it takes them again; closed by age it refuses them once more.
        set_closed(&app, &article, false).await;
        assert_eq!(react(&app, &comment, "198.51.100.31", CHROME).await.status, 200);
        app.clock.advance(Duration::days(31));
        assert_eq!(react(&app, &comment, "198.51.100.32", CHROME).await.status, 409);
        let list = app.get(&format!("/api/v1/articles/{article}/comments")).await.json();
        assert_eq!(list["data"][0]["agrees"], 1);
    }
}
