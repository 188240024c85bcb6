//! The change feed and webhooks: events in order, paged by cursor, a scheduled publication only
//! once it happened, an unpublish once it happened; signed deliveries retried until the receiver
//! answers 2xx, from an outbox that survives a restart, and tried by one node of several.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use chrono::Duration;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::harness::{ArticleBuilder, Engine, TestApp};
use crate::on_both_engines;

/// Writes and approves a story as the desk would; answers its id.
async fn publish(app: &TestApp, headline: &str, publish_at: Option<&str>) -> String {
    let written = app
        .as_editor()
        .post_json(
            "/api/v1/articles",
            &json!({"headline": headline, "section": "politics",
                    "body": [{"type": "paragraph", "text": "본문"}]}),
        )
        .await;
    assert_eq!(written.status, 201);
    let id = written.json()["data"]["id"].as_str().unwrap().to_owned();
    let approval = match publish_at {
        Some(at) => json!({"publishAt": at}),
        None => json!({}),
    };
    let approved = app
        .as_editor()
        .post_json(&format!("/api/v1/articles/{id}/approve"), &approval)
        .await;
    assert_eq!(
        approved.status,
        200,
        "{}",
        String::from_utf8_lossy(&approved.body)
    );
    id
}

/// Every event from `since` on, following the cursor; answers (type, article id) pairs and the
/// cursor to continue from.
async fn changes_since(
    app: &TestApp,
    since: Option<&str>,
) -> (Vec<(String, String)>, Option<String>) {
    let mut events = Vec::new();
    let mut cursor = since.map(str::to_owned);
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/changes?limit=2&since={cursor}"),
            None => "/api/v1/changes?limit=2".to_owned(),
        };
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
        let page = page.json();
        for event in page["data"].as_array().unwrap() {
            events.push((
                event["type"].as_str().unwrap().to_owned(),
                event["articleId"].as_str().unwrap().to_owned(),
            ));
        }
        cursor = page["page"]["nextCursor"].as_str().map(str::to_owned);
        if page["page"]["hasMore"] != true {
            return (events, cursor);
        }
    }
}

fn event(kind: &str, id: &str) -> (String, String) {
    (kind.to_owned(), id.to_owned())
}

on_both_engines! {
    async fn the_change_feed_shows_an_unpublish_once_it_happened(app) {
        app.section("politics", "정치").await;
        let first = publish(&app, "첫 기사", None).await;
        let second = publish(&app, "둘째 기사", None).await;
        let (events, cursor) = changes_since(&app, None).await;
        assert_eq!(events, vec![event("article.published", &first), event("article.published", &second)]);
        let cursor = cursor.unwrap();

        let (nothing, same) = changes_since(&app, Some(&cursor)).await;
        assert!(nothing.is_empty());
        assert_eq!(same.as_deref(), Some(cursor.as_str()), "the cursor is kept while nothing happens");

        app.clock.advance(Duration::minutes(1));
        let unpublished = app
            .as_editor()
            .post_json(&format!("/api/v1/articles/{first}/unpublish"), &json!({}))
            .await;
        assert_eq!(unpublished.status, 200);
        let (events, cursor) = changes_since(&app, Some(&cursor)).await;
        assert_eq!(events, vec![event("article.unpublished", &first)]);

        app.clock.advance(Duration::minutes(1));
        assert_eq!(app.as_editor().delete(&format!("/api/v1/articles/{first}")).await.status, 204);
        let (events, _) = changes_since(&app, cursor.as_deref()).await;
        assert_eq!(events, vec![event("article.deleted", &first)]);

        // A gone story carries nothing but its id; a public one its public face.
        let all = app.get("/api/v1/changes?limit=100").await.json();
        for item in all["data"].as_array().unwrap() {
            if item["articleId"] == first.as_str() {
                assert!(item["article"].is_null(), "{item}");
            } else {
                assert_eq!(item["article"]["headline"], "둘째 기사", "{item}");
            }
        }
    }

    async fn a_scheduled_publication_appears_in_order_once_its_time_comes(app) {
        app.section("politics", "정치").await;
        let scheduled = publish(&app, "예약 기사", Some("2026-11-30T09:30:00+09:00")).await;
        let withdrawn = publish(&app, "철회될 예약", Some("2026-11-30T09:40:00+09:00")).await;
        app.clock.advance(Duration::minutes(1));
        let now = publish(&app, "지금 기사", None).await;

        let (events, cursor) = changes_since(&app, None).await;
        assert_eq!(events, vec![event("article.published", &now)], "nothing ahead of its time");
        let item = app.get("/api/v1/changes").await.json();
        assert_eq!(item["data"][0]["article"]["headline"], "지금 기사");

        app.clock.advance(Duration::minutes(5));
        let pulled = app
            .as_editor()
            .post_json(&format!("/api/v1/articles/{withdrawn}/unpublish"), &json!({}))
            .await;
        assert_eq!(pulled.status, 200);

        app.clock.advance(Duration::minutes(60));
        let (events, _) = changes_since(&app, cursor.as_deref()).await;
        assert_eq!(
            events,
            vec![event("article.published", &scheduled)],
            "the mirror gets the publication after what it saw, and never the withdrawn one"
        );
    }

    async fn stories_inserted_by_imports_are_in_the_feed_too(app) {
        let section = app.section("politics", "정치").await;
        let story = ArticleBuilder::new("가져온 기사", &section).insert(&app).await;
        let (events, _) = changes_since(&app, None).await;
        assert_eq!(events, vec![event("article.published", &story.id.to_string())]);
        assert_eq!(app.get("/api/v1/changes?since=garbage").await.status, 400);
        assert_eq!(app.get("/api/v1/changes?limit=0").await.status, 400);
    }

    async fn a_partners_feed_holds_only_its_sections_and_still_hears_a_story_leave_them(app) {
        let politics = app.section("politics", "정치").await;
        let economy = app.section("economy", "경제").await;
        let assembly = app.subsection(&politics, "assembly", "국회").await;
        let moved = ArticleBuilder::new("옮겨갈 기사", &politics).published_ago(Duration::minutes(30)).insert(&app).await;
        let elsewhere = ArticleBuilder::new("경제 기사", &economy).published_ago(Duration::minutes(20)).insert(&app).await;
        let deleted = ArticleBuilder::new("국회 기사", &assembly).published_ago(Duration::minutes(10)).insert(&app).await;
        let stays = ArticleBuilder::new("남는 기사", &politics).published_ago(Duration::minutes(5)).insert(&app).await;
        let partner = crate::syndication_partners::create_partner(&app, &["politics"], "full", 1000).await;
        let key = partner["apiKey"].as_str().unwrap();

        let filed = app
            .as_editor()
            .patch_json(&format!("/api/v1/articles/{}", moved.id), &json!({"section": "economy", "version": moved.version}))
            .await;
        assert_eq!(filed.status, 200, "{}", String::from_utf8_lossy(&filed.body));
        let pulled = app.as_editor().post_json(&format!("/api/v1/articles/{}/unpublish", deleted.id), &json!({})).await;
        assert_eq!(pulled.status, 200);
        let gone = app.as_editor().delete(&format!("/api/v1/articles/{}", deleted.id)).await;
        assert_eq!(gone.status, 204);

        let feed = |page: Value| -> Vec<(String, String, Option<String>)> {
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| (
                    item["type"].as_str().unwrap().to_owned(),
                    item["articleId"].as_str().unwrap().to_owned(),
                    item["article"]["headline"].as_str().map(str::to_owned),
                ))
                .collect()
        };
        let theirs = crate::syndication_partners::get_with_key(&app, "/api/v1/changes?limit=100", key).await;
        assert_eq!(theirs.status, 200);
        let (moved_id, deleted_id, stays_id) = (moved.id.to_string(), deleted.id.to_string(), stays.id.to_string());
        assert_eq!(
            feed(theirs.json()),
            vec![
                ("article.published".into(), moved_id.clone(), None),
                ("article.published".into(), deleted_id.clone(), None),
                ("article.published".into(), stays_id.clone(), Some("남는 기사".into())),
                ("article.updated".into(), moved_id.clone(), None),
                ("article.unpublished".into(), deleted_id.clone(), None),
                ("article.deleted".into(), deleted_id.clone(), None),
            ],
            "the economy story never appears; the moved one is a bare id, to be taken down"
        );

        // Paging through the partner's feed two at a time gives the same events, once each.
        let mut cursor: Option<String> = None;
        let mut paged = Vec::new();
        loop {
            let path = match &cursor {
                Some(cursor) => format!("/api/v1/changes?limit=2&since={cursor}"),
                None => "/api/v1/changes?limit=2".to_owned(),
            };
            let page = crate::syndication_partners::get_with_key(&app, &path, key).await.json();
            paged.extend(feed(page.clone()));
            cursor = page["page"]["nextCursor"].as_str().map(str::to_owned);
            if page["page"]["hasMore"] != true {
                break;
            }
        }
        assert_eq!(paged.len(), 6);

        // The public feed holds everything, the moved story under its new desk.
        let public = feed(app.get("/api/v1/changes?limit=100").await.json());
        assert_eq!(public.len(), 7);
        assert!(public.contains(&("article.published".into(), elsewhere.id.to_string(), Some("경제 기사".into()))));
        assert!(public.contains(&("article.updated".into(), moved_id, Some("옮겨갈 기사".into()))));
        assert_eq!(crate::syndication_partners::get_with_key(&app, "/api/v1/changes", "dlk_nobody").await.status, 401);
    }

    async fn a_receiver_that_fails_twice_gets_one_signed_delivery(app) {
        let receiver = Receiver::start(2).await;
        let id = register(&app, &receiver).await;
        let story = publish(&app, "웹훅 기사", None).await;

        assert_eq!(app.deliver_webhooks().await.unwrap(), 1);
        let pending = deliveries(&app, &id).await;
        assert_eq!(pending[0]["status"], "pending");
        assert_eq!(pending[0]["attempts"], 1);
        assert_eq!(pending[0]["lastStatusCode"], 500);
        assert_eq!(app.deliver_webhooks().await.unwrap(), 0, "backing off");

        app.clock.advance(Duration::seconds(15));
        assert_eq!(app.deliver_webhooks().await.unwrap(), 1);
        app.clock.advance(Duration::seconds(15));
        assert_eq!(app.deliver_webhooks().await.unwrap(), 0, "the second wait is longer");
        app.clock.advance(Duration::seconds(20));
        assert_eq!(app.deliver_webhooks().await.unwrap(), 1);
        app.clock.advance(Duration::hours(2));
        assert_eq!(app.deliver_webhooks().await.unwrap(), 0, "delivered once, never again");

        receiver.assert_one_signed_success(&story, 3);
        let done = deliveries(&app, &id).await;
        assert_eq!(done.len(), 1);
        assert_eq!(done[0]["status"], "delivered");
        assert_eq!(done[0]["attempts"], 3);
    }

    async fn a_delivery_survives_a_restart(app) {
        let receiver = Receiver::start(2).await;
        let id = register(&app, &receiver).await;
        let story = publish(&app, "재시작 기사", None).await;
        assert_eq!(app.deliver_webhooks().await.unwrap(), 1);

        let app = app.restarted().await;
        app.clock.advance(Duration::seconds(15));
        assert_eq!(app.deliver_webhooks().await.unwrap(), 1);
        let app = app.restarted().await;
        app.clock.advance(Duration::seconds(30));
        assert_eq!(app.deliver_webhooks().await.unwrap(), 1);
        app.clock.advance(Duration::hours(2));
        assert_eq!(app.deliver_webhooks().await.unwrap(), 0);

        receiver.assert_one_signed_success(&story, 3);
        assert_eq!(deliveries(&app, &id).await[0]["status"], "delivered");
    }

    async fn only_admins_manage_webhooks_and_bad_registrations_are_refused(app) {
        let body = json!({"url": "https://partner.example/hook", "events": ["article.published"], "secret": SECRET});
        assert_eq!(app.as_editor().post_json("/api/v1/webhooks", &body).await.status, 403);
        assert_eq!(app.as_editor().get("/api/v1/webhooks").await.status, 403);
        for bad in [
            json!({"url": "ftp://partner.example", "events": ["article.published"], "secret": SECRET}),
            json!({"url": "https://partner.example", "events": [], "secret": SECRET}),
            json!({"url": "https://partner.example", "events": ["Published!"], "secret": SECRET}),
            json!({"url": "https://partner.example", "events": ["article.published"], "secret": "short"}),
        ] {
            assert_eq!(app.as_admin().post_json("/api/v1/webhooks", &bad).await.status, 422, "{bad}");
        }
        assert_eq!(app.as_admin().post_json("/api/v1/webhooks", &body).await.status, 201);
        let list = app.as_admin().get("/api/v1/webhooks").await.json();
        assert_eq!(list["data"][0]["url"], "https://partner.example/hook");
        assert!(list["data"][0].get("secret").is_none(), "the secret is never shown");
        assert_eq!(app.as_admin().get("/api/v1/webhooks/whk_nope/deliveries").await.status, 404);
    }

    async fn an_endpoint_is_changed_with_its_secret_rotated_and_then_removed(app) {
        let receiver = Receiver::start(0).await;
        let id = register(&app, &receiver).await;
        let path = format!("/api/v1/webhooks/{id}");
        let rotated = "rotated-partner-secret-2027";

        assert_eq!(app.as_editor().patch_json(&path, &json!({"secret": rotated})).await.status, 403);
        assert_eq!(app.as_admin().patch_json("/api/v1/webhooks/whk_nope", &json!({"secret": rotated})).await.status, 404);
        for bad in [json!({"url": "ftp://partner.example"}), json!({"events": []}), json!({"events": ["Published!"]}), json!({"secret": "short"})] {
            assert_eq!(app.as_admin().patch_json(&path, &bad).await.status, 422, "{bad}");
        }
        let refused = app.as_admin().patch_json(&path, &json!({"colour": "red"})).await;
        assert!(refused.status.is_client_error(), "unknown fields are refused: {}", refused.status);

        let changed = app.as_admin().patch_json(&path, &json!({"secret": rotated, "events": ["article.published", "article.published", "article.unpublished"]})).await;
        assert_eq!(changed.status, 200, "{}", String::from_utf8_lossy(&changed.body));
        let changed = changed.json();
        assert_eq!(changed["data"]["events"], json!(["article.published", "article.unpublished"]));
        assert_eq!(changed["data"]["url"], receiver.url, "an absent field stays");
        assert!(changed["data"].get("secret").is_none(), "the secret is never shown");
        assert_eq!(app.as_admin().get(&path).await.json()["data"], changed["data"]);

        let story = publish(&app, "비밀 교체 뒤 기사", None).await;
        assert_eq!(app.deliver_webhooks().await.unwrap(), 1);
        receiver.assert_one_success_signed_with(&story, 1, rotated);

        assert_eq!(app.as_editor().delete(&path).await.status, 403);
        assert_eq!(app.as_admin().delete(&path).await.status, 204);
        assert_eq!(app.as_admin().get(&path).await.status, 404);
        assert_eq!(app.as_admin().get(&format!("{path}/deliveries")).await.status, 404);
        assert_eq!(app.as_admin().delete(&path).await.status, 404);
        assert_eq!(app.as_admin().get("/api/v1/webhooks").await.json()["data"], json!([]));
    }

    async fn a_removed_endpoint_gets_nothing_more_and_leaves_no_delivery_due(app) {
        let failing = Receiver::start(usize::MAX).await;
        let gone = register(&app, &failing).await;
        publish(&app, "보낼 수 없는 기사", None).await;
        assert_eq!(app.deliver_webhooks().await.unwrap(), 1);
        assert_eq!(deliveries(&app, &gone).await[0]["status"], "pending");

        assert_eq!(app.as_admin().delete(&format!("/api/v1/webhooks/{gone}")).await.status, 204);
        app.clock.advance(Duration::hours(2));
        assert_eq!(app.deliver_webhooks().await.unwrap(), 0, "its pending delivery went with it");
        assert_eq!(failing.received.lock().unwrap().len(), 1);

        // A new endpoint is served at once, with nothing stuck in front of it.
        let receiver = Receiver::start(0).await;
        let response = app.as_admin().post_json("/api/v1/webhooks", &json!({"url": receiver.url, "events": ["article.published"], "secret": SECRET})).await;
        assert_eq!(response.status, 201);
        let story = publish(&app, "새 수신처 기사", None).await;
        assert_eq!(app.deliver_webhooks().await.unwrap(), 1);
        receiver.assert_one_signed_success(&story, 1);
    }
}

const SECRET: &str = "partner-shared-secret-2026";

/// Two nodes' delivery workers on one PostgreSQL database, trying at the same moments: a
/// scheduled publication's webhook reaches the receiver once, when its time comes.
#[tokio::test]
async fn two_nodes_deliver_a_scheduled_publications_webhook_once() {
    let app = TestApp::new(Engine::Postgres).await;
    let other = dateline_app::App::new(
        app.db.clone(),
        app.clock.clone(),
        app.state.media().clone(),
        app.state.settings().clone(),
    );
    let receiver = Receiver::start(0).await;
    register(&app, &receiver).await;
    let story = publish(&app, "예약 기사", Some("2026-11-30T09:30:00+09:00")).await;
    let both_try = || async {
        let (here, there) = tokio::join!(
            app.deliver_webhooks(),
            dateline_app::service::webhooks::deliver_due(&other)
        );
        here.unwrap() + there.unwrap()
    };
    assert_eq!(both_try().await, 0, "nothing before its time");
    app.clock.advance(Duration::hours(1));
    let mut attempts = 0;
    for _ in 0..5 {
        attempts += both_try().await;
    }
    assert_eq!(attempts, 1, "one node made the one attempt");
    receiver.assert_one_signed_success(&story, 1);
}

async fn register(app: &TestApp, receiver: &Receiver) -> String {
    let response = app
        .as_admin()
        .post_json(
            "/api/v1/webhooks",
            &json!({"url": receiver.url, "events": ["article.published"], "secret": SECRET}),
        )
        .await;
    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    app.section("politics", "정치").await;
    response.json()["data"]["id"].as_str().unwrap().to_owned()
}

async fn deliveries(app: &TestApp, webhook: &str) -> Vec<Value> {
    let response = app
        .as_admin()
        .get(&format!("/api/v1/webhooks/{webhook}/deliveries"))
        .await;
    assert_eq!(response.status, 200);
    response.json()["data"].as_array().unwrap().clone()
}

/// What the receiver was sent: each request's signature header, body and the status it answered.
type Received = Arc<Mutex<Vec<(Option<String>, String, StatusCode)>>>;

/// A partner's endpoint on a port of its own that answers 500 to its first `failures` requests.
struct Receiver {
    url: String,
    received: Received,
}

impl Receiver {
    async fn start(failures: usize) -> Self {
        let received: Received = Arc::default();
        let log = received.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let log = log.clone();
                async move {
                    let mut log = log.lock().unwrap();
                    let status = if log.len() < failures {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::NO_CONTENT
                    };
                    let signature = headers
                        .get("x-dateline-signature")
                        .map(|v| v.to_str().unwrap().to_owned());
                    log.push((signature, body, status));
                    status
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            url: format!("http://{address}/hook"),
            received,
        }
    }

    /// Exactly one request succeeded, after `attempts - 1` failures, and every request was
    /// signed over its own time and body with the shared secret.
    fn assert_one_signed_success(&self, story: &str, attempts: usize) {
        self.assert_one_success_signed_with(story, attempts, SECRET);
    }

    /// As [`Self::assert_one_signed_success`], with the secret the endpoint has now.
    fn assert_one_success_signed_with(&self, story: &str, attempts: usize, secret: &str) {
        let received = self.received.lock().unwrap();
        assert_eq!(received.len(), attempts);
        let successes: Vec<_> = received
            .iter()
            .filter(|(_, _, status)| status.is_success())
            .collect();
        assert_eq!(successes.len(), 1);
        for (signature, body, _) in received.iter() {
            let signature = signature.as_deref().expect("every delivery is signed");
            let (t, v1) = signature.split_once(',').unwrap();
            let t = t.strip_prefix("t=").unwrap();
            let v1 = v1.strip_prefix("v1=").unwrap();
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(format!("{t}.{body}").as_bytes());
            let expected = hex::encode(mac.finalize().into_bytes());
            assert_eq!(v1, expected, "signature of {body}");
            let payload: Value = serde_json::from_str(body).unwrap();
            assert_eq!(payload["type"], "article.published");
            assert_eq!(payload["articleId"], story);
        }
    }
}
