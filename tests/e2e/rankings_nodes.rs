//! Views counted by real server processes: SIGTERM stores the views still in memory, SIGKILL
//! loses at most the views of one flush interval and nothing committed; two nodes on one
//! PostgreSQL database, each counting part of the same stories' views, rank them by the exact
//! total; and a reader heard by both nodes counts once.

use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use chrono::Utc;
use dateline_domain::{Article, Timestamp};
use serde_json::{Value, json};

use crate::harness::{ArticleBuilder, CHROME, ChildProcess, Engine, TestApp, printed_address};

const BINARY: &str = env!("CARGO_BIN_EXE_dateline");

/// A `dateline serve` process on a free port.
struct Node {
    child: ChildProcess,
    address: String,
    client: reqwest::Client,
    _media: tempfile::TempDir,
}

impl Node {
    async fn start(database_url: &str, flush_interval: &str) -> Self {
        let media = tempfile::tempdir().unwrap();
        let mut child = ChildProcess::spawn(
            Command::new(BINARY)
                .args(["serve", "--listen", "127.0.0.1:0"])
                .args(["--view-flush-interval", flush_interval])
                .env("DATABASE_URL", database_url)
                .env(
                    "DATELINE_JWT_SECRET",
                    "a-test-secret-of-at-least-32-bytes!!",
                )
                .env("DATELINE_MEDIA_DIR", media.path())
                .env("RUST_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit()),
        );
        let address = printed_address(&mut child).await;
        let client = reqwest::Client::builder()
            .user_agent(CHROME)
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self {
            child,
            address,
            client,
            _media: media,
        }
    }

    /// Sends `count` views of `article`, each from a reader of its own (named after `node`).
    async fn views(&self, article: &Article, node: &str, count: usize) {
        for n in 0..count {
            let response = self
                .client
                .post(format!(
                    "{}/api/v1/articles/{}/views",
                    self.address, article.id
                ))
                .json(&json!({"readerId": format!("{node}-reader-{n}")}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202);
        }
    }

    /// Sends SIGKILL: no shutdown, no last flush.
    async fn kill(self) -> ExitStatus {
        self.signal("-KILL").await
    }

    /// Sends SIGTERM and waits for the process to exit.
    async fn terminate(self) -> ExitStatus {
        self.signal("-TERM").await
    }

    /// Sends `signal` and waits for the process to exit.
    async fn signal(mut self, signal: &str) -> ExitStatus {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        tokio::task::spawn_blocking(move || self.child.wait())
            .await
            .unwrap()
            .unwrap()
    }
}

/// A test app whose clock reads the real time, as the server processes' clocks do.
async fn app_on_real_time(engine: Engine) -> TestApp {
    let app = TestApp::new(engine).await;
    app.clock.set(Timestamp::from_datetime(Utc::now()));
    app
}

fn ranked(ranking: &Value) -> Vec<(String, u64)> {
    ranking["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["article"]["headline"].as_str().unwrap().to_owned(),
                item["views"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn serve_help_explains_the_view_settings() {
    let output = Command::new(BINARY)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for setting in [
        "DATELINE_TRUSTED_PROXIES",
        "DATELINE_VIEW_FLUSH_INTERVAL",
        "DATELINE_RANKING_CACHE_TTL",
    ] {
        assert!(help.contains(setting), "{setting} missing from --help");
    }
    let refused = Command::new(BINARY)
        .args(["serve", "--view-flush-interval", "0s"])
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "a zero flush interval is refused"
    );
    let refused = Command::new(BINARY)
        .args(["serve", "--trusted-proxies", "10.0.0.0/8,not-an-address"])
        .output()
        .unwrap();
    assert!(!refused.status.success(), "a garbled proxy is refused");
}

#[tokio::test]
async fn sigterm_stores_the_views_still_in_memory() {
    let app = app_on_real_time(Engine::Sqlite).await;
    let local = app.section("local", "지역").await;
    let story = ArticleBuilder::new("부산 불꽃축제", &local)
        .insert(&app)
        .await;

    // An hour between flushes: only the shutdown can store these.
    let node = Node::start(&app.database_url, "1h").await;
    node.views(&story, "only", 7).await;
    let exit = node.terminate().await;
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");

    let stored = app
        .get(&format!("/api/v1/articles/{}", story.id))
        .await
        .json();
    assert_eq!(stored["data"]["viewCount"], 7);
}

#[tokio::test]
async fn two_server_processes_on_one_postgres_database_rank_by_the_exact_total() {
    let app = app_on_real_time(Engine::Postgres).await;
    let economy = app.section("economy", "경제").await;
    let rates = ArticleBuilder::new("금리 인하", &economy)
        .insert(&app)
        .await;
    let exports = ArticleBuilder::new("수출 회복", &economy)
        .insert(&app)
        .await;
    let housing = ArticleBuilder::new("집값 안정", &economy)
        .insert(&app)
        .await;

    // Both nodes flush every 50 ms, so their additive upserts of the same rows overlap.
    let (first, second) = tokio::join!(
        Node::start(&app.database_url, "50ms"),
        Node::start(&app.database_url, "50ms")
    );
    // Alone, the first node would rank 집값 > 금리 > 수출 and the second 금리 > 수출; only the
    // sums rank 금리 (55) > 집값 (50) > 수출 (40).
    tokio::join!(
        async {
            first.views(&rates, "first", 30).await;
            first.views(&exports, "first", 20).await;
            first.views(&housing, "first", 50).await;
        },
        async {
            second.views(&rates, "second", 25).await;
            second.views(&exports, "second", 20).await;
        }
    );
    let (first_exit, second_exit) = tokio::join!(first.terminate(), second.terminate());
    assert!(first_exit.success() && second_exit.success());

    app.clock.set(Timestamp::from_datetime(Utc::now()));
    let ranking = app.get("/api/v1/popular?window=1h").await.json();
    assert_eq!(
        ranked(&ranking),
        [
            ("금리 인하".to_owned(), 55),
            ("집값 안정".to_owned(), 50),
            ("수출 회복".to_owned(), 40)
        ]
    );
    assert_eq!(ranking["data"][0]["article"]["viewCount"], 55);
}

/// A load balancer that spreads one reader's beacons over two nodes (a mobile network changing
/// paths, a CDN without stickiness) still counts that reader once per story per 30 minutes: the
/// nodes confirm their counts at flush time against the table they share.
#[tokio::test]
async fn the_same_reader_heard_by_two_nodes_counts_once() {
    let app = app_on_real_time(Engine::Postgres).await;
    let local = app.section("local", "지역").await;
    let story = ArticleBuilder::new("해운대 해수욕장 개장", &local)
        .insert(&app)
        .await;
    let (first, second) = tokio::join!(
        Node::start(&app.database_url, "50ms"),
        Node::start(&app.database_url, "50ms")
    );
    // Ten readers, each heard by both nodes, alternately first; five more by one node only.
    for round in 0..2 {
        for node in [&first, &second] {
            node.views(&story, "shared", 10).await;
        }
        if round == 0 {
            first.views(&story, "first-only", 5).await;
        }
        // Let a flush pass between the rounds, so the second node's claims meet stored rows
        // as well as each other in the same instant.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (first_exit, second_exit) = tokio::join!(first.terminate(), second.terminate());
    assert!(first_exit.success() && second_exit.success());

    let stored = app
        .get(&format!("/api/v1/articles/{}", story.id))
        .await
        .json();
    assert_eq!(stored["data"]["viewCount"], 15, "{stored}");
}

/// A node lost without warning (SIGKILL, the OOM killer, a host gone) takes with it only the views
/// it heard since its last flush; what it had flushed, and every write it had answered, stay; the
/// surviving node goes on counting on top of them.
#[tokio::test]
async fn a_node_killed_with_sigkill_loses_at_most_one_flush_interval_of_views_and_nothing_committed()
 {
    let app = app_on_real_time(Engine::Postgres).await;
    let local = app.section("local", "지역").await;
    let story = ArticleBuilder::new("광안대교 야경", &local)
        .insert(&app)
        .await;
    let (doomed, survivor) = tokio::join!(
        Node::start(&app.database_url, "200ms"),
        Node::start(&app.database_url, "200ms")
    );
    doomed.views(&story, "flushed", 20).await;
    // Several flush intervals: these 20 are in the database by now.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let comment = doomed
        .client
        .post(format!("{}/api/v1/articles/{}/comments", doomed.address, story.id))
        .json(&json!({"nickname": "부산갈매기", "password": "비밀번호1234", "body": "야경이 멋집니다"}))
        .send()
        .await
        .unwrap();
    assert_eq!(comment.status(), 201);
    let comment: Value = comment.json().await.unwrap();
    // Heard, answered 202, and at most one flush interval old when the node dies.
    doomed.views(&story, "in-memory", 15).await;
    let exit = doomed.kill().await;
    assert!(!exit.success(), "SIGKILL is not a clean exit: {exit}");

    survivor.views(&story, "survivor", 5).await;
    let exit = survivor.terminate().await;
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");

    let stored = app
        .get(&format!("/api/v1/articles/{}", story.id))
        .await
        .json();
    let counted = stored["data"]["viewCount"].as_u64().unwrap();
    assert!(
        (25..=40).contains(&counted),
        "the 20 flushed and the survivor's 5 stay, at most the last 15 are lost: {counted}"
    );
    let comments = app
        .get(&format!("/api/v1/articles/{}/comments", story.id))
        .await
        .json();
    assert_eq!(
        comments["data"][0]["id"], comment["data"]["id"],
        "{comments}"
    );
    assert_eq!(comments["data"][0]["bodyText"], "야경이 멋집니다");
}
