//! Live news: GraphQL subscriptions over a real WebSocket (`graphql-transport-ws`) on a second
//! node, and the server-sent event stream with `Last-Event-ID`. Only public news is told, a
//! scheduled story at its time and not before; an address holds a bounded number of live
//! connections; a follower that falls behind is dropped and resumes without losing an event; a
//! node shutting down closes its sockets with 1001.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Duration as Span;
use dateline_api::{HttpSettings, HttpState, LivePerAddress, build_router};
use dateline_app::App;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tower::ServiceExt as _;

use crate::comments::post_comment;
use crate::harness::{ArticleBuilder, Engine, TestApp};
use crate::on_both_engines;

/// Longer than the wire's poll: another node's change has reached this node by then.
const REACHES: Duration = Duration::from_secs(5);
/// How long "nothing came" is watched for: three polls of the wire.
const QUIET: Duration = Duration::from_millis(1_500);

/// Another node over the same database and clock, with its own process state; answers its
/// application (to watch its followers, or shut it down) and its router.
fn node(app: &TestApp, per_address: u32) -> (App, Router) {
    let node = App::new(
        app.db.clone(),
        app.clock.clone(),
        app.state.media().clone(),
        app.state.settings().clone(),
    );
    let router = build_router(HttpState::new(
        node.clone(),
        HttpSettings {
            live_connections_per_address: LivePerAddress(per_address),
            ..HttpSettings::default()
        },
    ));
    (node, router)
}

/// Serves `router` on a loopback socket of its own (a WebSocket needs a real connection).
async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    address
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A GraphQL client speaking graphql-transport-ws, as Apollo Client and urql do.
struct Subscriber {
    socket: Socket,
}

impl Subscriber {
    async fn try_connect(
        address: SocketAddr,
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let mut request = format!("ws://{address}/graphql")
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, response) = tokio_tungstenite::connect_async(request).await?;
        assert_eq!(
            response.headers()[header::SEC_WEBSOCKET_PROTOCOL],
            "graphql-transport-ws"
        );
        let mut subscriber = Self { socket };
        subscriber.send(json!({"type": "connection_init"})).await;
        let ack = subscriber.message(REACHES).await.expect("connection_ack");
        assert_eq!(ack["type"], "connection_ack");
        Ok(subscriber)
    }

    async fn connect(address: SocketAddr) -> Self {
        Self::try_connect(address).await.unwrap()
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }

    async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({"id": id, "type": "subscribe",
                         "payload": {"query": query, "variables": variables}}))
            .await;
    }

    /// The next protocol message within `within` (pings answered and skipped); `None` if
    /// nothing came.
    async fn message(&mut self, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()??;
            match frame.unwrap() {
                Message::Text(text) => return Some(serde_json::from_str(&text).unwrap()),
                Message::Close(frame) => {
                    return Some(
                        json!({"type": "closed", "code": frame.map(|f| u16::from(f.code))}),
                    );
                }
                _ => {}
            }
        }
    }

    /// The next `next` payload's data for subscription `id`, asserting nothing else came first.
    async fn next_for(&mut self, id: &str) -> Value {
        let message = self.message(REACHES).await.expect("an event in time");
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(message["id"], id, "{message}");
        message["payload"]["data"].clone()
    }
}

/// Waits until `node` has this many live followers (subscriptions or streams): a subscribe
/// message has no answer, so a test waits for the server to have it before changing things.
async fn followed_by(node: &App, count: usize) {
    for _ in 0..200 {
        if node.live().followers() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{count} followers were never in place");
}

/// Writes a story in `section` and approves it (at `publish_at`, or now) as the desk would.
async fn publish(
    app: &TestApp,
    headline: &str,
    section: &str,
    publish_at: Option<String>,
) -> String {
    let id = draft(app, headline, section).await;
    let approval = publish_at.map_or_else(|| json!({}), |at| json!({"publishAt": at}));
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

async fn draft(app: &TestApp, headline: &str, section: &str) -> String {
    let written = app
        .as_editor()
        .post_json(
            "/api/v1/articles",
            &json!({"headline": headline, "section": section,
                    "body": [{"type": "paragraph", "text": "본문"}]}),
        )
        .await;
    assert_eq!(
        written.status,
        201,
        "{}",
        String::from_utf8_lossy(&written.body)
    );
    written.json()["data"]["id"].as_str().unwrap().to_owned()
}

async fn edit(app: &TestApp, id: &str, subheadline: &str) {
    let read = app
        .as_editor()
        .get(&format!("/api/v1/newsroom/articles/{id}"))
        .await;
    let version = read.json()["data"]["version"].clone();
    let edited = app
        .as_editor()
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &json!({"subheadline": subheadline, "version": version}),
        )
        .await;
    assert_eq!(
        edited.status,
        200,
        "{}",
        String::from_utf8_lossy(&edited.body)
    );
}

async fn unpublish(app: &TestApp, id: &str) {
    let done = app
        .as_editor()
        .post_json(&format!("/api/v1/articles/{id}/unpublish"), &json!({}))
        .await;
    assert_eq!(done.status, 200, "{}", String::from_utf8_lossy(&done.body));
}

async fn set_moderation(app: &TestApp, section: &str, mode: &str) {
    let set = app
        .as_editor()
        .send(
            Method::PUT,
            &format!("/api/v1/newsroom/sections/{section}/comments"),
            Some(&json!({"moderation": mode})),
            &[],
        )
        .await;
    assert_eq!(set.status, 200, "{}", String::from_utf8_lossy(&set.body));
}

fn comment(text: &str) -> Value {
    json!({"nickname": "부산갈매기", "password": "비밀번호1234", "body": text})
}

const PUBLISHED: &str = "subscription($section: String) { articlePublished(section: $section) { id headline section { slug } } }";
const UPDATED: &str = "subscription($id: ID!) { articleUpdated(id: $id) { articleId removed article { subheadline } } }";
const COMMENTS: &str =
    "subscription($id: ID!) { commentAdded(articleId: $id) { articleId bodyText } }";

/// One server-sent event as a client parses it.
#[derive(Debug, Clone, PartialEq)]
struct Sse {
    id: String,
    event: String,
    data: Value,
}

/// An open `/api/v1/stream`, read as the bytes arrive.
struct EventStream {
    body: axum::body::BodyDataStream,
    buffer: String,
}

impl EventStream {
    async fn open(
        app: &TestApp,
        query: &str,
        last_event_id: Option<&str>,
    ) -> Result<Self, (StatusCode, Value)> {
        let mut request = Request::get(format!("/api/v1/stream{query}"));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let mut request = request.body(Body::empty()).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40_000))));
        let response = app.router.clone().oneshot(request).await.unwrap();
        if response.status() != StatusCode::OK {
            let status = response.status();
            let body = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            return Err((status, serde_json::from_slice(&body).unwrap()));
        }
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/event-stream"
        );
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()["x-accel-buffering"], "no");
        Ok(Self {
            body: response.into_body().into_data_stream(),
            buffer: String::new(),
        })
    }

    /// The next event within `within`; `None` if none came or the stream ended.
    async fn next(&mut self, within: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = Sse {
                    id: String::new(),
                    event: String::new(),
                    data: Value::Null,
                };
                for line in block.lines() {
                    if let Some(id) = line.strip_prefix("id:") {
                        event.id = id.trim().to_owned();
                    } else if let Some(kind) = line.strip_prefix("event:") {
                        event.event = kind.trim().to_owned();
                    } else if let Some(data) = line.strip_prefix("data:") {
                        event.data = serde_json::from_str(data.trim()).unwrap();
                    }
                }
                if event.event.is_empty() {
                    continue; // a heartbeat comment
                }
                return Some(event);
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()??;
            self.buffer
                .push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        }
    }
}

on_both_engines! {
    async fn a_story_published_on_one_node_reaches_a_subscriber_on_another_and_only_public_news_is_told(app) {
        app.section("politics", "정치").await;
        app.section("economy", "경제").await;
        app.section("opinion", "오피니언").await;
        let (node_b, router_b) = node(&app, 20);
        let address = serve(router_b).await;
        let watched = publish(&app, "지켜보는 기사", "politics", None).await;
        let column = publish(&app, "댓글 받는 칼럼", "opinion", None).await;

        let mut subscriber = Subscriber::connect(address).await;
        subscriber.subscribe("published", PUBLISHED, json!({"section": "politics"})).await;
        subscriber.subscribe("updated", UPDATED, json!({"id": watched})).await;
        subscriber.subscribe("comments", COMMENTS, json!({"id": column})).await;
        followed_by(&node_b, 3).await;

        // A draft, a story on another desk and a story scheduled for later send nothing: the
        // next story the politics subscription hears is the one published now.
        draft(&app, "아직 초안", "politics").await;
        publish(&app, "경제면 기사", "economy", None).await;
        let later = app.now().plus(Span::minutes(10)).as_datetime().to_rfc3339();
        let scheduled = publish(&app, "엠바고 기사", "politics", Some(later)).await;
        let breaking = publish(&app, "속보 정치 기사", "politics", None).await;
        let data = subscriber.next_for("published").await;
        assert_eq!(data["articlePublished"]["id"], breaking.as_str());
        assert_eq!(data["articlePublished"]["section"]["slug"], "politics");

        // An edit of the watched story, then its removal.
        edit(&app, &watched, "고친 부제").await;
        let data = subscriber.next_for("updated").await;
        assert_eq!(data["articleUpdated"], json!({"articleId": watched, "removed": false,
                                                  "article": {"subheadline": "고친 부제"}}));
        unpublish(&app, &watched).await;
        let data = subscriber.next_for("updated").await;
        assert_eq!(data["articleUpdated"], json!({"articleId": watched, "removed": true, "article": null}));

        // A held comment sends nothing; the visible one after it does.
        set_moderation(&app, "opinion", "pre").await;
        assert_eq!(post_comment(&app, &column, "203.0.113.7", comment("보류될 댓글")).await.status, 201);
        set_moderation(&app, "opinion", "post").await;
        assert_eq!(post_comment(&app, &column, "203.0.113.8", comment("보이는 댓글")).await.status, 201);
        let data = subscriber.next_for("comments").await;
        assert_eq!(data["commentAdded"], json!({"articleId": column, "bodyText": "보이는 댓글"}));

        // The scheduled story arrives at its time and not before.
        assert_eq!(subscriber.message(QUIET).await, None, "nothing before its time");
        app.clock.advance(Span::minutes(11));
        let data = subscriber.next_for("published").await;
        assert_eq!(data["articlePublished"]["id"], scheduled.as_str());
        assert_eq!(subscriber.message(QUIET).await, None, "nothing else");
    }

    async fn the_event_stream_resumes_with_last_event_id_and_misses_nothing(app) {
        app.section("politics", "정치").await;
        let mut stream = EventStream::open(&app, "", None).await.unwrap();
        let first = publish(&app, "첫 기사", "politics", None).await;
        let event = stream.next(REACHES).await.unwrap();
        assert_eq!((event.event.as_str(), event.data["articleId"].as_str()), ("published", Some(first.as_str())));
        assert_eq!(event.data["article"]["headline"], "첫 기사");
        assert!(event.data["article"].get("body").is_none(), "a summary, not the body");
        drop(stream);

        // Away for a while: a story published, the first edited, the second taken down.
        let second = publish(&app, "둘째 기사", "politics", None).await;
        edit(&app, &first, "고친 부제").await;
        unpublish(&app, &second).await;
        draft(&app, "초안은 말하지 않는다", "politics").await;

        // The second story's publication is not told: it is no longer public, and its
        // takedown follows.
        let mut resumed = EventStream::open(&app, "", Some(&event.id)).await.unwrap();
        let mut told = Vec::new();
        for _ in 0..2 {
            let event = resumed.next(REACHES).await.unwrap();
            told.push((event.event, event.data["articleId"].as_str().unwrap().to_owned(), event.id));
        }
        let third = publish(&app, "셋째 기사", "politics", None).await;
        let live = resumed.next(REACHES).await.unwrap();
        told.push((live.event, live.data["articleId"].as_str().unwrap().to_owned(), live.id));
        let kinds: Vec<(&str, &str)> = told.iter().map(|(kind, id, _)| (kind.as_str(), id.as_str())).collect();
        assert_eq!(kinds, [("updated", first.as_str()), ("removed", second.as_str()),
                           ("published", third.as_str())]);
        let ids: Vec<&str> = told.iter().map(|(_, _, id)| id.as_str()).collect();
        let mut distinct = ids.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 3, "every event once: {ids:?}");
        assert_eq!(resumed.next(QUIET).await, None, "nothing told twice");

        // Filters: only removals, and a desk's stories.
        let mut removals = EventStream::open(&app, "?types=removed", Some(&event.id)).await.unwrap();
        let removal = removals.next(REACHES).await.unwrap();
        assert_eq!((removal.event.as_str(), removal.data["articleId"].as_str()), ("removed", Some(second.as_str())));
        assert!(removal.data.get("article").is_none());

        // Bad input: clear problems, never a stream.
        let (status, problem) = EventStream::open(&app, "?types=published,gossip", None).await.err().unwrap();
        assert_eq!((status, problem["status"].as_u64()), (StatusCode::BAD_REQUEST, Some(400)));
        let (status, _) = EventStream::open(&app, "?section=no-such-desk", None).await.err().unwrap();
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = EventStream::open(&app, "", Some("not-a-cursor")).await.err().unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    async fn a_follower_that_falls_behind_is_dropped_and_resumes_without_losing_an_event(app) {
        let politics = app.section("politics", "정치").await;
        let mut stream = EventStream::open(&app, "", None).await.unwrap();
        let first = publish(&app, "첫 기사", "politics", None).await;
        let seen = stream.next(REACHES).await.unwrap();
        assert_eq!(seen.data["articleId"], first.as_str());
        // Far more events than a follower may fall behind by, while this one reads nothing.
        let mut published = Vec::new();
        for n in 0..300 {
            published.push(ArticleBuilder::new(&format!("밀린 기사 {n}"), &politics).insert(&app).await.id.to_string());
        }
        publish(&app, "마지막 기사", "politics", None).await;
        let mut dropped = false;
        for _ in 0..400 {
            match stream.next(REACHES).await {
                Some(_) => {}
                None => { dropped = true; break; }
            }
        }
        assert!(dropped, "a follower 300 events behind is dropped, not buffered without bound");

        let mut resumed = EventStream::open(&app, "?types=published", Some(&seen.id)).await.unwrap();
        let mut told = Vec::new();
        while told.len() < 301 {
            let event = resumed.next(REACHES).await.expect("every event is still told");
            told.push(event.data["articleId"].as_str().unwrap().to_owned());
        }
        assert_eq!(&told[..300], &published[..]);
    }
}

/// Asserts subscription `id` was answered with one error of `code` and then completed.
async fn refused_with(subscriber: &mut Subscriber, id: &str, code: &str) {
    let refused = subscriber.message(REACHES).await.unwrap();
    assert_eq!(
        (refused["id"].as_str(), refused["payload"]["data"].is_null()),
        (Some(id), true),
        "{refused}"
    );
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], code,
        "{refused}"
    );
    let complete = subscriber.message(REACHES).await.unwrap();
    assert_eq!(complete, json!({"id": id, "type": "complete"}));
}

#[tokio::test]
async fn live_connections_are_limited_per_address_and_closed_when_the_node_shuts_down() {
    let app = TestApp::new(Engine::Sqlite).await;
    app.section("politics", "정치").await;
    let (node_b, router_b) = node(&app, 2);
    let address = serve(router_b).await;

    let mut first = Subscriber::connect(address).await;
    first.subscribe("published", PUBLISHED, json!({})).await;
    let mut second = Subscriber::connect(address).await;
    followed_by(&node_b, 1).await;
    let refused = Subscriber::try_connect(address)
        .await
        .err()
        .expect("a third is refused");
    match refused {
        tokio_tungstenite::tungstenite::Error::Http(response) => {
            assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            assert!(response.headers().contains_key(header::RETRY_AFTER));
        }
        other => panic!("refused with {other}"),
    }
    // A stream from the same address counts against the same places.
    let stream = reqwest::get(format!("http://{address}/api/v1/stream"))
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::TOO_MANY_REQUESTS);
    // Open connections are a gauge on /metrics (loopback may read it without a token).
    let metrics = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("dateline_live_connections{transport=\"websocket\"}"),
        "the live connections gauge is exported"
    );

    // A subscription nested past the depth limit is refused with its code before it runs
    // (async-graphql answers one result carrying the errors, then completes it), and the
    // connection stays up for the next.
    let deep = "subscription { articlePublished { section { articles { nodes { section { articles { nodes { section { articles { nodes { section { articles { nodes { id } } } } } } } } } } } } } }";
    second.subscribe("deep", deep, json!({})).await;
    refused_with(&mut second, "deep", "QUERY_TOO_DEEP").await;
    // An unknown section is an error too, not a silent subscription.
    second
        .subscribe("nowhere", PUBLISHED, json!({"section": "no-such-desk"}))
        .await;
    refused_with(&mut second, "nowhere", "NOT_FOUND").await;

    // A socket that never says connection_init is closed with 4408 and gives its place back.
    drop(second);
    let mut request = format!("ws://{address}/graphql")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut silent = Subscriber { socket };
    assert_eq!(
        silent.message(REACHES).await.unwrap(),
        json!({"type": "closed", "code": 4408})
    );
    drop(silent);
    // The place is given back once the server has finished with the socket, just after it
    // closed it.
    let mut second = None;
    for _ in 0..100 {
        if let Ok(subscriber) = Subscriber::try_connect(address).await {
            second = Some(subscriber);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut second = second.expect("the silent socket's place is free again");

    // Shutting down: every subscription is completed and every socket told 1001.
    node_b.live().close();
    for subscriber in [&mut first, &mut second] {
        loop {
            let message = subscriber.message(REACHES).await.expect("closed in time");
            if message["type"] == "complete" {
                continue;
            }
            assert_eq!(message, json!({"type": "closed", "code": 1001}));
            break;
        }
    }
}

/// Flags (or with `None`, unflags) a story as breaking news until `until`; answers the status.
async fn flag(app: &TestApp, id: &str, until: Option<String>) -> axum::http::StatusCode {
    let read = app
        .as_editor()
        .get(&format!("/api/v1/newsroom/articles/{id}"))
        .await;
    let version = read.json()["data"]["version"].clone();
    app.as_editor()
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &json!({"breakingUntil": until, "version": version}),
        )
        .await
        .status
}

fn breaking_ids(answer: &Value) -> Vec<String> {
    answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|story| story["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Breaking news through the response cache: listed while the flag lasts and the story is
/// public, dropped when the flag runs out, is cleared, or the story leaves.
/// Flags a story and waits until the change has reached the response cache.
async fn flag_settled(app: &TestApp, id: &str, until: Option<String>) {
    let before = crate::cache::applied_so_far(app);
    assert_eq!(flag(app, id, until).await, StatusCode::OK);
    crate::cache::settle(app, before).await;
}

async fn breaking_news_lasts_as_long_as_its_flag(engine: Engine) {
    let app = crate::cache::cached_app(engine).await;
    app.section("politics", "정치").await;
    let older = publish(&app, "먼저 난 속보", "politics", None).await;
    let newer = publish(&app, "나중 속보", "politics", None).await;
    let quiet = publish(&app, "평범한 기사", "politics", None).await;
    let in_an_hour = app.now().plus(Span::hours(1)).as_datetime().to_rfc3339();
    let in_two_hours = app.now().plus(Span::hours(2)).as_datetime().to_rfc3339();
    assert!(breaking_ids(&app.get("/api/v1/breaking").await.json()).is_empty());

    flag_settled(&app, &older, Some(in_two_hours.clone())).await;
    flag_settled(&app, &newer, Some(in_an_hour.clone())).await;
    let answer = app.get("/api/v1/breaking").await;
    assert_eq!(
        breaking_ids(&answer.json()),
        [newer.clone(), older.clone()],
        "newest first"
    );
    assert!(answer.json()["data"][0]["breakingUntil"].is_string());
    let story = app.get(&format!("/api/v1/articles/{quiet}")).await.json();
    assert!(
        story["data"].get("breakingUntil").is_none(),
        "no flag, no field"
    );
    let graphql = app
        .graphql("{ breaking { id breakingUntil } }", json!({}))
        .await;
    assert_eq!(graphql["data"]["breaking"][0]["id"], newer.as_str());

    // Bad flags: a past time, past 48 hours, not a time.
    let past = app.now().minus(Span::minutes(1)).as_datetime().to_rfc3339();
    let too_late = app.now().plus(Span::hours(49)).as_datetime().to_rfc3339();
    for bad in [past, too_late] {
        let read = app
            .as_editor()
            .get(&format!("/api/v1/newsroom/articles/{quiet}"))
            .await;
        let refused = app
            .as_editor()
            .patch_json(
                &format!("/api/v1/articles/{quiet}"),
                &json!({"breakingUntil": bad, "version": read.json()["data"]["version"]}),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            String::from_utf8_lossy(&refused.body)
        );
    }
    let refused = app
        .as_editor()
        .patch_json(
            &format!("/api/v1/articles/{quiet}"),
            &json!({"breakingUntil": "soon", "version": 1}),
        )
        .await;
    assert!(refused.status.is_client_error());

    // A draft or a scheduled story flagged is not breaking news until it is public.
    let scheduled = draft(&app, "엠바고 속보", "politics").await;
    flag_settled(&app, &scheduled, Some(in_an_hour.clone())).await;
    assert_eq!(
        breaking_ids(&app.get("/api/v1/breaking").await.json()),
        [newer.clone(), older.clone()]
    );
    let at = app.now().plus(Span::minutes(10)).as_datetime().to_rfc3339();
    let before = crate::cache::applied_so_far(&app);
    let approved = app
        .as_editor()
        .post_json(
            &format!("/api/v1/articles/{scheduled}/approve"),
            &json!({"publishAt": at}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK);
    crate::cache::settle(&app, before).await;
    assert_eq!(
        breaking_ids(&app.get("/api/v1/breaking").await.json()),
        [newer.clone(), older.clone()]
    );
    app.clock.advance(Span::minutes(11));
    assert_eq!(
        breaking_ids(&app.get("/api/v1/breaking").await.json()),
        [scheduled.clone(), newer.clone(), older.clone()]
    );

    // The first flag runs out: the cached answer goes with it, without any write.
    app.clock.advance(Span::minutes(50));
    assert_eq!(
        breaking_ids(&app.get("/api/v1/breaking").await.json()),
        [older.as_str()]
    );
    // Cleared: gone at once.
    flag_settled(&app, &older, None).await;
    assert!(breaking_ids(&app.get("/api/v1/breaking").await.json()).is_empty());
}

#[tokio::test]
async fn breaking_news_lasts_as_long_as_its_flag_on_sqlite() {
    breaking_news_lasts_as_long_as_its_flag(Engine::Sqlite).await;
}

#[tokio::test]
async fn breaking_news_lasts_as_long_as_its_flag_on_postgres() {
    breaking_news_lasts_as_long_as_its_flag(Engine::Postgres).await;
}

on_both_engines! {
    async fn a_story_flagged_as_breaking_reaches_breaking_news_subscribers_once(app) {
        app.section("politics", "정치").await;
        let (node_b, router_b) = node(&app, 20);
        let address = serve(router_b).await;
        let story = publish(&app, "평범하던 기사", "politics", None).await;
        let mut subscriber = Subscriber::connect(address).await;
        subscriber
            .subscribe("breaking", "subscription { breakingNews { id headline breakingUntil } }", json!({}))
            .await;
        followed_by(&node_b, 1).await;

        // Publishing without a flag sends nothing; flagging a public story sends it.
        publish(&app, "속보 아닌 기사", "politics", None).await;
        let in_an_hour = app.now().plus(Span::hours(1)).as_datetime().to_rfc3339();
        assert_eq!(flag(&app, &story, Some(in_an_hour)).await, StatusCode::OK);
        let data = subscriber.next_for("breaking").await;
        assert_eq!(data["breakingNews"]["id"], story.as_str());
        assert!(data["breakingNews"]["breakingUntil"].is_string());
        // Another edit of the same flagged story is not news again.
        edit(&app, &story, "고친 부제").await;
        assert_eq!(subscriber.message(QUIET).await, None);
    }
}
