//! Reader comments: posting without an account, editing and deleting with the password, replies,
//! moderation (pre-moderated desks, banned words, reports, editors' steps), reactions, sorting
//! and paging, rate limits, escaping, and refusal on stories that are not public.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, header};
use chrono::Duration;
use dateline_domain::Status;
use serde_json::{Value, json};

use crate::harness::{ArticleBuilder, CHROME, TestApp, TestResponse};
use crate::on_both_engines;

/// Someone sending a request from `address` with Chrome's User-Agent, optionally signed in.
async fn send_from(
    app: &TestApp,
    method: Method,
    path: &str,
    address: &str,
    body: Option<&Value>,
    token: Option<&str>,
) -> TestResponse {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::USER_AGENT, CHROME);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(serde_json::to_vec(json).unwrap())
        }
        None => Body::empty(),
    };
    let mut request = request.body(body).unwrap();
    request.extensions_mut().insert(ConnectInfo(SocketAddr::new(
        address.parse().unwrap(),
        40_000,
    )));
    app.request(request).await
}

/// A reader at `address` posts `body` on `article`.
pub(crate) async fn post_comment(
    app: &TestApp,
    article: &str,
    address: &str,
    body: Value,
) -> TestResponse {
    send_from(
        app,
        Method::POST,
        &format!("/api/v1/articles/{article}/comments"),
        address,
        Some(&body),
        None,
    )
    .await
}

fn reader_comment(text: &str) -> Value {
    json!({"nickname": "부산갈매기", "password": "비밀번호1234", "body": text})
}

/// Posts and asserts it was accepted; answers the comment.
async fn posted(app: &TestApp, article: &str, address: &str, text: &str) -> Value {
    let response = post_comment(app, article, address, reader_comment(text)).await;
    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["data"].clone()
}

async fn list(app: &TestApp, article: &str, query: &str) -> Value {
    let response = app
        .get(&format!("/api/v1/articles/{article}/comments{query}"))
        .await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()
}

fn texts(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bodyText"].as_str().unwrap().to_owned())
        .collect()
}

async fn public_story(app: &TestApp) -> String {
    let section = app.section("local", "지역").await;
    ArticleBuilder::new("부산항 신항 물동량 역대 최대", &section)
        .insert(app)
        .await
        .id
        .to_string()
}

async fn moderate(app: &TestApp, comment: &str, action: &str) -> TestResponse {
    app.as_editor()
        .post_json(
            &format!("/api/v1/comments/{comment}/moderation"),
            &json!({"action": action}),
        )
        .await
}

async fn comment_count(app: &TestApp, article: &str) -> u64 {
    let response = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on Article { commentCount } } }",
            json!({"id": article}),
        )
        .await;
    response["data"]["node"]["commentCount"]
        .as_u64()
        .unwrap_or_else(|| panic!("{response}"))
}

on_both_engines! {
    async fn a_reader_edits_and_deletes_with_the_right_password_and_not_with_a_wrong_one(app) {
        let article = public_story(&app).await;
        let comment = posted(&app, &article, "203.0.113.1", "좋은 기사 감사합니다").await;
        assert_eq!(comment["state"], "visible");
        assert_eq!(comment["staff"], false);
        let id = comment["id"].as_str().unwrap();
        let path = format!("/api/v1/comments/{id}");

        let wrong = send_from(&app, Method::PATCH, &path, "198.51.100.31", Some(&json!({"body": "고쳐 봄", "password": "틀린비밀번호"})), None)
            .await;
        assert_eq!(wrong.status, 403);
        assert_eq!(wrong.json()["code"], "FORBIDDEN");
        let missing = send_from(&app, Method::PATCH, &path, "198.51.100.32", Some(&json!({"body": "고쳐 봄"})), None).await;
        assert_eq!(missing.status, 403);

        let edited = send_from(&app, Method::PATCH, &path, "198.51.100.33", Some(&json!({"body": "고쳐 쓴 댓글", "password": "비밀번호1234"})), None)
            .await;
        assert_eq!(edited.status, 200);
        assert_eq!(edited.json()["data"]["bodyText"], "고쳐 쓴 댓글");
        assert!(edited.json()["data"]["editedAt"].is_string());
        assert_eq!(texts(&list(&app, &article, "").await), ["고쳐 쓴 댓글"]);
        assert_eq!(comment_count(&app, &article).await, 1);

        let wrong = send_from(&app, Method::DELETE, &path, "198.51.100.34", Some(&json!({"password": "nope-nope"})), None)
            .await;
        assert_eq!(wrong.status, 403);
        let deleted = send_from(&app, Method::DELETE, &path, "198.51.100.35", Some(&json!({"password": "비밀번호1234"})), None)
            .await;
        assert_eq!(deleted.status, 204);
        assert!(texts(&list(&app, &article, "").await).is_empty());
        assert_eq!(comment_count(&app, &article).await, 0);
        let again = send_from(&app, Method::DELETE, &path, "198.51.100.36", Some(&json!({"password": "비밀번호1234"})), None)
            .await;
        assert_eq!(again.status, 404);

        // Guessing a password meets the posting limit.
        let comment = posted(&app, &article, "203.0.113.1", "비밀번호를 맞혀 보세요").await;
        let path = format!("/api/v1/comments/{}", comment["id"].as_str().unwrap());
        let mut statuses = Vec::new();
        for guess in ["0000", "1111", "2222", "3333"] {
            let body = json!({"body": "바꿔치기", "password": guess});
            statuses.push(send_from(&app, Method::PATCH, &path, "192.0.2.1", Some(&body), None).await.status);
        }
        assert_eq!(statuses, [403, 403, 403, 429]);
    }

    async fn an_editor_edits_and_deletes_any_comment_and_is_audited(app) {
        let article = public_story(&app).await;
        let comment = posted(&app, &article, "203.0.113.2", "편집자가 지울 댓글").await;
        let id = comment["id"].as_str().unwrap();
        let deleted = app.as_editor().delete(&format!("/api/v1/comments/{id}")).await;
        assert_eq!(deleted.status, 204);
        let reporter = app.as_reporter().delete(&format!("/api/v1/comments/{id}")).await;
        assert_eq!(reporter.status, 404);
        let trail = app.as_editor().get(&format!("/api/v1/audit?subject={id}")).await;
        assert_eq!(trail.json()["data"][0]["action"], "comment.deleted");
    }

    async fn replies_are_one_level_deep_and_listed_under_their_comment(app) {
        let article = public_story(&app).await;
        let parent = posted(&app, &article, "203.0.113.3", "첫 댓글").await;
        let parent_id = parent["id"].as_str().unwrap();
        let mut reply = reader_comment("답글입니다");
        reply["parentId"] = json!(parent_id);
        let response = post_comment(&app, &article, "203.0.113.4", reply).await;
        assert_eq!(response.status, 201);
        let reply_id = response.json()["data"]["id"].as_str().unwrap().to_owned();
        assert_eq!(response.json()["data"]["parentId"], parent_id);

        let mut deeper = reader_comment("답글의 답글");
        deeper["parentId"] = json!(reply_id);
        let response = post_comment(&app, &article, "203.0.113.5", deeper).await;
        assert_eq!(response.status, 422);
        assert_eq!(response.json()["errors"][0]["field"], "parentId");

        let top = list(&app, &article, "").await;
        assert_eq!(texts(&top), ["첫 댓글"]);
        assert_eq!(top["data"][0]["replyCount"], 1);
        let replies = list(&app, &article, &format!("?parentId={parent_id}")).await;
        assert_eq!(texts(&replies), ["답글입니다"]);
        assert_eq!(comment_count(&app, &article).await, 2);

        // A reply must answer a comment on the same story.
        let other = ArticleBuilder::new("다른 기사", &app.section("society", "사회").await)
            .insert(&app)
            .await;
        let mut elsewhere = reader_comment("엉뚱한 답글");
        elsewhere["parentId"] = json!(parent_id);
        let response = post_comment(&app, &other.id.to_string(), "203.0.113.6", elsewhere).await;
        assert_eq!(response.status, 422);
    }

    async fn a_pre_moderated_desk_holds_comments_until_an_editor_approves(app) {
        let article = public_story(&app).await;
        let set = app
            .as_editor()
            .send(
                Method::PUT,
                "/api/v1/newsroom/sections/local/comments",
                Some(&json!({"moderation": "pre"})),
                &[],
            )
            .await;
        assert_eq!(set.status, 200, "{}", String::from_utf8_lossy(&set.body));
        let reporter = app
            .as_reporter()
            .send(
                Method::PUT,
                "/api/v1/newsroom/sections/local/comments",
                Some(&json!({"moderation": "post"})),
                &[],
            )
            .await;
        assert_eq!(reporter.status, 403);

        let comment = posted(&app, &article, "203.0.113.7", "검토를 기다리는 댓글").await;
        assert_eq!(comment["state"], "held");
        assert_eq!(comment["holdReason"], "pre_moderation");
        let id = comment["id"].as_str().unwrap();
        assert!(texts(&list(&app, &article, "").await).is_empty());
        assert_eq!(comment_count(&app, &article).await, 0);
        // A held comment takes no reactions or reports.
        let react = send_from(
            &app,
            Method::POST,
            &format!("/api/v1/comments/{id}/reactions"),
            "198.51.100.1",
            Some(&json!({"kind": "agree"})),
            None,
        )
        .await;
        assert_eq!(react.status, 404);

        let queue = app.as_editor().get("/api/v1/newsroom/comments").await;
        assert_eq!(queue.status, 200);
        assert_eq!(queue.json()["data"][0]["id"], id);
        assert_eq!(app.as_anon().get("/api/v1/newsroom/comments").await.status, 401);

        let approved = moderate(&app, id, "approve").await;
        assert_eq!(approved.status, 200);
        assert_eq!(approved.json()["data"]["state"], "visible");
        assert_eq!(texts(&list(&app, &article, "").await), ["검토를 기다리는 댓글"]);
        let again = moderate(&app, id, "approve").await;
        assert_eq!(again.status, 409);

        let trail = app.as_editor().get(&format!("/api/v1/audit?subject={id}")).await;
        assert_eq!(trail.json()["data"][0]["action"], "comment.approved");

        // Staff comment under their byline and are not held.
        let token = app.token_for(&app.editor);
        let staff = send_from(
            &app,
            Method::POST,
            &format!("/api/v1/articles/{article}/comments"),
            "203.0.113.8",
            Some(&json!({"body": "편집국입니다. 정정했습니다."})),
            Some(&token),
        )
        .await;
        assert_eq!(staff.status, 201);
        assert_eq!(staff.json()["data"]["staff"], true);
        assert_eq!(staff.json()["data"]["nickname"], app.editor.display_name.as_str());
        assert_eq!(staff.json()["data"]["state"], "visible");
    }

    async fn reports_from_enough_readers_hide_a_comment_pending_review(app) {
        let article = public_story(&app).await;
        let comment = posted(&app, &article, "203.0.113.9", "신고당할 댓글").await;
        let id = comment["id"].as_str().unwrap();
        let path = format!("/api/v1/comments/{id}/report");
        let report = |address: &'static str| {
            let path = path.clone();
            let app = &app;
            async move {
                send_from(app, Method::POST, &path, address, Some(&json!({"reason": "욕설"})), None)
                    .await
            }
        };
        let first = report("198.51.100.1").await;
        assert_eq!(first.status, 202);
        assert_eq!(first.json()["data"]["counted"], true);
        // The same reader again does not count.
        let repeat = report("198.51.100.1").await;
        assert_eq!(repeat.json()["data"]["counted"], false);
        assert_eq!(report("198.51.100.2").await.status, 202);
        assert_eq!(texts(&list(&app, &article, "").await), ["신고당할 댓글"]);
        assert_eq!(report("198.51.100.3").await.status, 202);

        assert!(texts(&list(&app, &article, "").await).is_empty());
        let queue = app.as_editor().get("/api/v1/newsroom/comments").await.json();
        assert_eq!(queue["data"][0]["state"], "hidden");
        assert_eq!(queue["data"][0]["holdReason"], "reports");
        assert_eq!(queue["data"][0]["reports"], 3);
        let trail = app.as_editor().get(&format!("/api/v1/audit?subject={id}")).await;
        assert_eq!(trail.json()["data"][0]["action"], "comment.hidden_by_reports");
        // Hidden, it can be reported no further; an editor restores it.
        assert_eq!(report("198.51.100.4").await.status, 404);
        assert_eq!(moderate(&app, id, "restore").await.status, 200);
        assert_eq!(texts(&list(&app, &article, "").await), ["신고당할 댓글"]);
    }

    async fn banned_words_hold_a_comment_for_review_however_they_are_spelled(app) {
        let article = public_story(&app).await;
        for (n, text) in ["시발 뭐야", "시.발 뭐냐", "ㅅㅣㅂㅏㄹ 이게", "카 지 노 가입하세요"].iter().enumerate() {
            let comment = posted(&app, &article, &format!("203.0.113.{}", 20 + n), text).await;
            assert_eq!(comment["state"], "held", "{text}");
            assert_eq!(comment["holdReason"], "banned_word");
        }
        assert!(texts(&list(&app, &article, "").await).is_empty());
        let queue = app.as_editor().get("/api/v1/newsroom/comments").await.json();
        assert_eq!(queue["data"].as_array().unwrap().len(), 4);
    }

    async fn reactions_count_once_per_reader_and_sort_the_list(app) {
        let article = public_story(&app).await;
        let plain = posted(&app, &article, "203.0.113.30", "평범한 댓글").await;
        let liked = posted(&app, &article, "203.0.113.31", "공감 받을 댓글").await;
        let liked_id = liked["id"].as_str().unwrap();
        let react = |address: &'static str, kind: &'static str| {
            let path = format!("/api/v1/comments/{liked_id}/reactions");
            let app = &app;
            async move {
                send_from(app, Method::POST, &path, address, Some(&json!({"kind": kind})), None)
                    .await
            }
        };
        let first = react("198.51.100.10", "agree").await;
        assert_eq!(first.status, 200);
        assert_eq!(first.json()["data"], json!({"counted": true, "agrees": 1, "disagrees": 0}));
        let repeat = react("198.51.100.10", "agree").await.json()["data"].clone();
        assert_eq!(repeat, json!({"counted": false, "agrees": 1, "disagrees": 0}));
        let switch = react("198.51.100.10", "disagree").await.json()["data"].clone();
        assert_eq!(switch["counted"], false);
        assert_eq!(react("198.51.100.11", "agree").await.json()["data"]["agrees"], 2);
        assert_eq!(react("198.51.100.12", "disagree").await.json()["data"]["disagrees"], 1);
        assert_eq!(react("198.51.100.13", "love").await.status, 422);

        assert_eq!(
            texts(&list(&app, &article, "?sort=most_agreed").await),
            ["공감 받을 댓글", "평범한 댓글"]
        );
        assert_eq!(
            texts(&list(&app, &article, "?sort=oldest").await),
            ["평범한 댓글", "공감 받을 댓글"]
        );
        assert_eq!(plain["agrees"], 0);
    }

    async fn pages_follow_the_cursor_and_picks_come_first_on_request(app) {
        let article = public_story(&app).await;
        let mut ids = Vec::new();
        for n in 0..5 {
            let comment = posted(&app, &article, &format!("203.0.113.{}", 40 + n), &format!("댓글 {n}")).await;
            ids.push(comment["id"].as_str().unwrap().to_owned());
            app.clock.advance(Duration::seconds(30));
        }
        let first = list(&app, &article, "?limit=2").await;
        assert_eq!(texts(&first), ["댓글 4", "댓글 3"]);
        let cursor = first["page"]["nextCursor"].as_str().unwrap();
        let second = list(&app, &article, &format!("?limit=2&cursor={cursor}")).await;
        assert_eq!(texts(&second), ["댓글 2", "댓글 1"]);
        let cursor = second["page"]["nextCursor"].as_str().unwrap();
        let third = list(&app, &article, &format!("?limit=2&cursor={cursor}")).await;
        assert_eq!(texts(&third), ["댓글 0"]);
        assert!(third["page"]["nextCursor"].is_null());
        // A cursor belongs to its order.
        let wrong = app
            .get(&format!("/api/v1/articles/{article}/comments?sort=oldest&cursor={cursor}"))
            .await;
        assert_eq!(wrong.status, 400);

        assert_eq!(moderate(&app, &ids[1], "pick").await.status, 200);
        let picked = list(&app, &article, "?picksFirst=true&limit=2").await;
        assert_eq!(texts(&picked), ["댓글 1", "댓글 4"]);
        assert_eq!(picked["data"][0]["picked"], true);
        let cursor = picked["page"]["nextCursor"].as_str().unwrap();
        let rest = list(&app, &article, &format!("?picksFirst=true&limit=10&cursor={cursor}")).await;
        assert_eq!(texts(&rest), ["댓글 3", "댓글 2", "댓글 0"]);
        assert_eq!(texts(&list(&app, &article, "?limit=1").await), ["댓글 4"]);
    }

    async fn posting_too_fast_answers_429_with_retry_after(app) {
        let article = public_story(&app).await;
        for n in 0..3 {
            posted(&app, &article, "203.0.113.50", &format!("빠른 댓글 {n}")).await;
        }
        let refused = post_comment(&app, &article, "203.0.113.50", reader_comment("네 번째 댓글")).await;
        assert_eq!(refused.status, 429);
        assert_eq!(refused.header("content-type"), Some("application/problem+json"));
        assert_eq!(refused.json()["code"], "TOO_MANY_REQUESTS");
        let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait));
        // Another reader is not held back by this one.
        posted(&app, &article, "203.0.113.51", "다른 독자의 댓글").await;
    }

    async fn a_reader_who_waits_exactly_its_retry_after_is_served(app) {
        // Four readers behind one address (three accounts and an anonymous reader) spend its
        // twelve posts a minute, three each. The next post is refused by the address (5 s to
        // its next one) and by the reader (20 s): the answer must name the longer wait, or a
        // client that honours it is refused again.
        let article = public_story(&app).await;
        let address = "203.0.113.90";
        let staff = [&app.editor, &app.reporter, &app.admin].map(|user| app.token_for(user));
        for (who, token) in staff.iter().enumerate() {
            for n in 0..3 {
                let body = json!({"body": format!("편집국 댓글 {who}-{n}")});
                let path = format!("/api/v1/articles/{article}/comments");
                let sent = send_from(&app, Method::POST, &path, address, Some(&body), Some(token)).await;
                assert_eq!(sent.status, 201, "{}", String::from_utf8_lossy(&sent.body));
            }
        }
        for n in 0..3 {
            posted(&app, &article, address, &format!("독자 댓글 {n}")).await;
        }
        let refused = post_comment(&app, &article, address, reader_comment("기다린 댓글")).await;
        assert_eq!(refused.status, 429);
        let wait: i64 = refused.header("retry-after").unwrap().parse().unwrap();
        assert_eq!(wait, 20, "the reader's own wait, not the address's shorter one");
        app.clock.advance(Duration::seconds(wait - 1));
        let early = post_comment(&app, &article, address, reader_comment("기다린 댓글")).await;
        assert_eq!(early.status, 429, "a second short is still too soon");
        app.clock.advance(Duration::seconds(1));
        posted(&app, &article, address, "기다린 댓글").await;
    }

    async fn the_same_text_again_is_refused_as_a_duplicate(app) {
        let article = public_story(&app).await;
        posted(&app, &article, "203.0.113.60", "도배 댓글입니다").await;
        let again = post_comment(&app, &article, "203.0.113.61", reader_comment("도배  댓글입니다!!")).await;
        assert_eq!(again.status, 409);
        app.clock.advance(Duration::minutes(11));
        posted(&app, &article, "203.0.113.61", "도배 댓글입니다").await;
    }

    async fn markup_arrives_escaped_and_bad_input_is_a_problem_never_a_500(app) {
        let article = public_story(&app).await;
        let comment = posted(&app, &article, "203.0.113.70", "<script>alert('x')</script>\n<b>굵게</b>").await;
        let html = comment["bodyHtml"].as_str().unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("<br>"));

        let cases = [
            json!({"nickname": "<b>관리자</b>", "password": "abcd1234", "body": "x"}),
            json!({"nickname": "독자", "password": "abc", "body": "짧은 비밀번호"}),
            json!({"nickname": "독자", "body": "비밀번호 없음"}),
            json!({"password": "abcd1234", "body": "닉네임 없음"}),
            json!({"nickname": "독자", "password": "abcd1234", "body": "   "}),
            json!({"nickname": "독자", "password": "abcd1234", "body": "가".repeat(1_001)}),
            json!({"nickname": "독자", "password": "abcd1234", "body": "https://a.example http://b.example www.c.example"}),
            json!({"nickname": "독자", "password": "abcd1234", "body": 7}),
            json!({"nickname": "독자", "password": "abcd1234", "body": "x", "parentId": "nope"}),
        ];
        for (n, case) in cases.iter().enumerate() {
            let response = post_comment(&app, &article, &format!("198.51.100.{}", 100 + n), case.clone()).await;
            assert_eq!(response.status, 422, "{case}: {}", String::from_utf8_lossy(&response.body));
        }
        let huge = json!({"nickname": "독자", "password": "abcd1234", "body": "가".repeat(20_000)});
        assert_eq!(post_comment(&app, &article, "198.51.100.120", huge).await.status, 413);
        assert_eq!(app.get(&format!("/api/v1/articles/{article}/comments?sort=best")).await.status, 400);
        assert_eq!(app.get(&format!("/api/v1/articles/{article}/comments?limit=0")).await.status, 400);
        assert_eq!(app.get("/api/v1/articles/nonsense/comments").await.status, 404);
        assert_eq!(app.as_anon().patch_json("/api/v1/comments/cmt_bad", &json!({"body": "x"})).await.status, 404);
    }

    async fn drafts_and_scheduled_stories_refuse_comments_with_404(app) {
        let section = app.section("politics", "정치").await;
        let draft = ArticleBuilder::new("초안", &section).status(Status::Draft).insert(&app).await;
        let scheduled = ArticleBuilder::new("예약", &section)
            .scheduled_in(Duration::hours(1))
            .insert(&app)
            .await;
        for story in [&draft, &scheduled] {
            let id = story.id.to_string();
            let response = post_comment(&app, &id, "203.0.113.80", reader_comment("보이면 안 됨")).await;
            assert_eq!(response.status, 404);
            assert_eq!(app.get(&format!("/api/v1/articles/{id}/comments")).await.status, 404);
        }
        app.clock.advance(Duration::hours(2));
        let id = scheduled.id.to_string();
        posted(&app, &id, "203.0.113.81", "이제 공개된 기사").await;
        // Unpublishing takes its comments off every public surface.
        let unpublished = app
            .as_editor()
            .post_json(&format!("/api/v1/articles/{id}/unpublish"), &json!({}))
            .await;
        assert_eq!(unpublished.status, 200, "{}", String::from_utf8_lossy(&unpublished.body));
        assert_eq!(app.get(&format!("/api/v1/articles/{id}/comments")).await.status, 404);
    }

    async fn closed_stories_take_no_comments_by_editor_or_by_age(app) {
        let article = public_story(&app).await;
        let closed = app
            .as_editor()
            .send(
                Method::PUT,
                &format!("/api/v1/newsroom/articles/{article}/comments"),
                Some(&json!({"closed": true})),
                &[],
            )
            .await;
        assert_eq!(closed.status, 200);
        let refused = post_comment(&app, &article, "203.0.113.90", reader_comment("닫힌 기사")).await;
        assert_eq!(refused.status, 409);
        assert_eq!(list(&app, &article, "").await["page"]["closed"], true);
        app.as_editor()
            .send(
                Method::PUT,
                &format!("/api/v1/newsroom/articles/{article}/comments"),
                Some(&json!({"closed": false})),
                &[],
            )
            .await;
        posted(&app, &article, "203.0.113.91", "다시 열린 기사").await;
        app.clock.advance(Duration::days(31));
        let old = post_comment(&app, &article, "203.0.113.92", reader_comment("한 달 지난 기사")).await;
        assert_eq!(old.status, 409);
    }

    async fn graphql_posts_lists_counts_reacts_and_moderates_like_rest(app) {
        let article = public_story(&app).await;
        let added = app
            .graphql(
                r#"mutation($id: ID!) {
                    addComment(articleId: $id, input: {nickname: "독자", password: "abcd1234", body: "<i>그래프큐엘</i> 댓글"}) {
                        id status bodyHtml staff
                    }
                }"#,
                json!({"id": article}),
            )
            .await;
        let comment = &added["data"]["addComment"];
        assert_eq!(comment["status"], "VISIBLE", "{added}");
        assert!(comment["bodyHtml"].as_str().unwrap().starts_with("&lt;i&gt;"));
        let id = comment["id"].as_str().unwrap();

        let reacted = app
            .graphql(
                "mutation($id: ID!) { reactToComment(id: $id, kind: AGREE) { counted agrees } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(reacted["data"]["reactToComment"]["agrees"], 1, "{reacted}");

        let picked = app
            .as_editor()
            .graphql(
                "mutation($id: ID!) { moderateComment(id: $id, action: PICK) { picked status } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(picked["data"]["moderateComment"]["picked"], true, "{picked}");
        let anon = app
            .graphql(
                "mutation($id: ID!) { moderateComment(id: $id, action: HIDE) { status } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(anon["errors"][0]["extensions"]["code"], "UNAUTHORIZED");

        let read = app
            .graphql(
                r#"query($id: ID!) { node(id: $id) { ... on Article {
                    commentCount
                    comments(sort: MOST_AGREED, first: 5, picksFirst: true) {
                        closed
                        pageInfo { hasNextPage }
                        nodes { id agrees picked nickname }
                    }
                } } }"#,
                json!({"id": article}),
            )
            .await;
        let story = &read["data"]["node"];
        assert_eq!(story["commentCount"], 1, "{read}");
        assert_eq!(story["comments"]["nodes"][0]["id"], id);
        assert_eq!(story["comments"]["nodes"][0]["agrees"], 1);
        assert_eq!(story["comments"]["pageInfo"]["hasNextPage"], false);

        let deleted = app
            .graphql(
                r#"mutation($id: ID!) { deleteComment(id: $id, password: "wrong-one") }"#,
                json!({"id": id}),
            )
            .await;
        assert_eq!(deleted["errors"][0]["extensions"]["code"], "FORBIDDEN");
        let deleted = app
            .graphql(
                r#"mutation($id: ID!) { deleteComment(id: $id, password: "abcd1234") }"#,
                json!({"id": id}),
            )
            .await;
        assert_eq!(deleted["data"]["deleteComment"], true, "{deleted}");
    }

    async fn comment_writes_are_announced_for_feeds_and_webhooks(app) {
        let article = public_story(&app).await;
        let mut changes = app.state.subscribe_changes();
        let mut comments = app.state.subscribe_comments();
        posted(&app, &article, "203.0.113.95", "알림 가는 댓글").await;
        posted(&app, &article, "203.0.113.96", "바카라 사이트").await;
        let created = changes.recv().await.unwrap();
        assert_eq!(created.kind, dateline_app::events::ChangeKind::CommentCreated);
        assert_eq!(created.article.map(|id| id.to_string()), Some(article.clone()));
        let held = changes.recv().await.unwrap();
        assert_eq!(held.kind, dateline_app::events::ChangeKind::CommentHeld);
        let first = comments.recv().await.unwrap();
        assert_eq!(first.kind, dateline_app::events::CommentChangeKind::Created);
        let second = comments.recv().await.unwrap();
        assert_eq!(second.kind, dateline_app::events::CommentChangeKind::Held);
        assert_eq!(second.state, dateline_domain::CommentState::Held);
    }
}

on_both_engines! {
    async fn comments_reach_the_change_feed_and_moderation_webhooks(app) {
        let article = public_story(&app).await;
        let hook = app
            .as_admin()
            .post_json(
                "/api/v1/webhooks",
                &json!({"url": "http://127.0.0.1:9/moderation", "events": ["comment.created", "comment.held"],
                        "secret": "moderation-tool-secret-2026"}),
            )
            .await;
        assert_eq!(hook.status, 201, "{}", String::from_utf8_lossy(&hook.body));
        let hook = hook.json()["data"]["id"].as_str().unwrap().to_owned();

        let shown = posted(&app, &article, "203.0.113.97", "좋은 기사 감사합니다").await;
        let held = posted(&app, &article, "203.0.113.98", "바카라 사이트 가입").await;
        assert_eq!(held["state"], "held");

        // The public feed names the visible comment and never the held one.
        let feed = app.get("/api/v1/changes?limit=100").await.json();
        let comment_events: Vec<&Value> = feed["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|event| event["type"].as_str().unwrap().starts_with("comment."))
            .collect();
        assert_eq!(comment_events.len(), 1, "{feed}");
        assert_eq!(comment_events[0]["type"], "comment.created");
        assert_eq!(comment_events[0]["commentId"], shown["id"]);
        assert_eq!(comment_events[0]["articleId"], article.as_str());

        // The moderation tool is owed both events.
        let deliveries = app
            .as_admin()
            .get(&format!("/api/v1/webhooks/{hook}/deliveries"))
            .await
            .json();
        let mut kinds: Vec<&str> = deliveries["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|delivery| delivery["type"].as_str().unwrap())
            .collect();
        kinds.sort_unstable();
        assert_eq!(kinds, ["comment.created", "comment.held"]);
    }
}
