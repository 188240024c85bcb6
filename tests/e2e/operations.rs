//! Operating Dateline: `/metrics` as Prometheus text counting requests by route template, who
//! may read it, the JSON request log of the real binary, and degraded mode — a PostgreSQL
//! cluster of the test's own stopped under a running server (stale public reads, 503 with
//! Retry-After for everything else, /readyz not ready, recovery without a restart) and a media
//! folder that cannot be written.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use dateline_api::{CacheSettings, HttpSettings};
use serde_json::json;
use tower::ServiceExt as _;

use crate::harness::{ArticleBuilder, TestApp, TestResponse};
use crate::on_both_engines;

/// A GET from `peer`, as a TCP connection from there would arrive.
async fn get_from(app: &TestApp, path: &str, peer: &str, headers: &[(&str, &str)]) -> TestResponse {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 40_000)));
    app.request(request).await
}

/// One sample of a Prometheus text exposition.
#[derive(Debug)]
struct Sample {
    metric: String,
    labels: std::collections::BTreeMap<String, String>,
    value: f64,
}

/// Parses a Prometheus text exposition (format 0.0.4) strictly: every line is a `# HELP` or
/// `# TYPE` comment, blank, or `name{label="value",…} number`; anything else fails the test.
fn scrape(body: &[u8]) -> Vec<Sample> {
    let text = String::from_utf8(body.to_vec()).unwrap();
    let name_ok = |name: &str| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    };
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            let kind = words.next().unwrap();
            assert!(["HELP", "TYPE"].contains(&kind), "odd comment {line:?}");
            assert!(
                name_ok(words.next().unwrap_or_default()),
                "odd name in {line:?}"
            );
            if kind == "TYPE" {
                let kind = words.next().unwrap_or_default();
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                    "{line:?}"
                );
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value in {line:?}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            other => other
                .parse()
                .unwrap_or_else(|_| panic!("not a number in {line:?}")),
        };
        let (metric, labels) = match series.split_once('{') {
            Some((metric, rest)) => (
                metric,
                rest.strip_suffix('}')
                    .unwrap_or_else(|| panic!("unclosed labels in {line:?}")),
            ),
            None => (series, ""),
        };
        assert!(name_ok(metric), "odd metric name in {line:?}");
        let mut parsed = std::collections::BTreeMap::new();
        let mut rest = labels;
        while !rest.is_empty() {
            let (name, after) = rest
                .split_once("=\"")
                .unwrap_or_else(|| panic!("odd label in {line:?}"));
            assert!(name_ok(name), "odd label name in {line:?}");
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => value.push(chars.next().unwrap().1),
                    Some((at, '"')) => break at,
                    Some((_, c)) => value.push(c),
                    None => panic!("unterminated label value in {line:?}"),
                }
            };
            parsed.insert(name.to_owned(), value);
            rest = after[end + 1..]
                .strip_prefix(',')
                .unwrap_or(&after[end + 1..]);
        }
        samples.push(Sample {
            metric: metric.to_owned(),
            labels: parsed,
            value,
        });
    }
    samples
}

fn counter(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|sample| {
            sample.metric == name
                && labels.iter().all(|(label, value)| {
                    sample.labels.get(*label).map(String::as_str) == Some(*value)
                })
        })
        .map(|sample| sample.value)
        .sum()
}

on_both_engines! {
    async fn metrics_parse_as_prometheus_text_and_count_requests_by_route_template(app) {
        let section = app.section("local", "지역").await;
        let story = ArticleBuilder::new("부산 수소트램 착공", &section).insert(&app).await;
        let path = format!("/api/v1/articles/{}", story.id);
        for _ in 0..2 {
            assert_eq!(get_from(&app, &path, "203.0.113.10", &[]).await.status, 200);
        }

        let metrics = get_from(&app, "/metrics", "127.0.0.1", &[]).await;
        assert_eq!(metrics.status, 200, "{}", String::from_utf8_lossy(&metrics.body));
        assert!(metrics.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
        // Never cached, never rate-limited: every scrape reads now.
        assert_eq!(metrics.header("cache-control"), Some("no-store"));
        assert!(metrics.header("etag").is_none());
        assert!(metrics.header("ratelimit").is_none());
        let scrape = scrape(&metrics.body);
        // The process's recorder is shared by every test running beside this one: at least ours.
        let counted = counter(&scrape, "dateline_http_requests_total", &[
            ("method", "GET"), ("route", "/api/v1/articles/{idOrSlug}"), ("status", "200"),
        ]);
        assert!(counted >= 2.0, "counted {counted}");
        let raw = story.id.to_string();
        assert!(
            scrape.iter().all(|sample| sample.labels.values().all(|value| !value.contains(&raw))),
            "a raw path became a label"
        );
        for name in [
            "dateline_http_request_duration_seconds_count",
            "dateline_db_statement_duration_seconds_count",
            "dateline_db_pool_connections",
            "dateline_cache_bytes",
        ] {
            assert!(scrape.iter().any(|sample| sample.metric == name), "{name} missing");
        }
    }

    async fn metrics_answer_a_loopback_client_only_unless_a_token_is_set(app) {
        let refused = get_from(&app, "/metrics", "203.0.113.10", &[]).await;
        assert_eq!(refused.status, 403);
        assert_eq!(refused.header("content-type"), Some("application/problem+json"));
        assert_eq!(get_from(&app, "/metrics", "::1", &[]).await.status, 200);
        // In-process requests without a peer address are no loopback client either.
        assert_eq!(app.get("/metrics").await.status, 403);

        let token = "scrape-me-0123456789";
        let app = app.with_http(HttpSettings {
            metrics_token: Some(token.into()),
            ..HttpSettings::default()
        });
        let bearer = format!("Bearer {token}");
        let missing = get_from(&app, "/metrics", "127.0.0.1", &[]).await;
        assert_eq!(missing.status, 401);
        assert!(missing.header("www-authenticate").is_some());
        let wrong = get_from(&app, "/metrics", "127.0.0.1", &[("authorization", "Bearer nope")]).await;
        assert_eq!(wrong.status, 401);
        let from_afar = get_from(&app, "/metrics", "203.0.113.10", &[("authorization", &bearer)]).await;
        assert_eq!(from_afar.status, 200);

        // The separate metrics listener asks for the token too, and for nothing else.
        let separate = dateline_api::metrics_router(app.cached.clone().unwrap());
        let call = |authorization: Option<&str>| {
            let mut request = Request::get("/metrics");
            if let Some(value) = authorization {
                request = request.header(header::AUTHORIZATION, value);
            }
            let mut request = request.body(Body::empty()).unwrap();
            request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([203, 0, 113, 10], 40_000))));
            separate.clone().oneshot(request)
        };
        assert_eq!(call(None).await.unwrap().status(), 401);
        assert_eq!(call(Some(&bearer)).await.unwrap().status(), 200);
        let other = separate.clone().oneshot(Request::get("/api/v1/articles").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(other.status(), 404);
    }

    async fn an_upload_into_a_media_folder_that_cannot_be_written_answers_503_problem(app) {
        let media = app.media_dir();
        make_unwritable(&media);
        let upload = app.as_reporter().upload("photo.jpg", &small_jpeg(), &[]).await;
        assert_eq!(upload.status, 503, "{}", String::from_utf8_lossy(&upload.body));
        assert_eq!(upload.header("content-type"), Some("application/problem+json"));
        assert!(upload.header("retry-after").is_some());
        assert_eq!(upload.json()["code"], "UNAVAILABLE");
    }
}

/// Makes `dir` a folder nothing can be written into: read-only, or — where that does not stop
/// this process (root ignores permissions) — a regular file where the folder was, which fails
/// every write under it as surely.
fn make_unwritable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = dir.join("probe");
    if std::fs::write(&probe, b"x").is_ok() {
        std::fs::remove_file(&probe).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::remove_dir_all(dir).unwrap();
        std::fs::write(dir, b"not a folder").unwrap();
    }
}

fn small_jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Jpeg)
        .unwrap();
    bytes.into_inner()
}

const BINARY: &str = env!("CARGO_BIN_EXE_dateline");

#[tokio::test]
async fn json_logs_carry_request_id_route_status_and_latency_without_colour() {
    use std::io::BufRead as _;
    let folder = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/dateline.db?mode=rwc", folder.path().display());
    let mut child = crate::harness::ChildProcess::spawn(
        Command::new(BINARY)
            .args([
                "--log-format",
                "json",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--migrate",
                "--dev",
            ])
            .env("DATABASE_URL", &database)
            .env("DATELINE_MEDIA_DIR", folder.path().join("media"))
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let stderr = child.stderr.take().unwrap();
    let (lines, logged) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let address = crate::harness::printed_address(&mut child).await;
    let missing = reqwest::Client::new()
        .get(format!("{address}/api/v1/articles/no-such-story?x=1"))
        .header("x-request-id", "edge-42.a")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["x-request-id"], "edge-42.a");

    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    let line = loop {
        let line = logged
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("no request line among {seen:#?}"));
        assert!(
            !line.contains('\u{1b}'),
            "colour codes in a log that is no terminal: {line:?}"
        );
        let parsed: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|err| panic!("not one JSON object a line ({err}): {line:?}"));
        if parsed["request.id"] == "edge-42.a" && parsed["target"] == "dateline_api::request_log" {
            break parsed;
        }
        seen.push(line);
    };
    assert_eq!(line["http.route"], "/api/v1/articles/{idOrSlug}");
    assert_eq!(line["http.status"], 404);
    assert_eq!(line["http.method"], "GET");
    assert_eq!(line["level"], "INFO");
    assert!(
        line["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{line}"
    );
    assert!(line["timestamp"].is_string());
}

#[test]
fn text_logs_written_to_a_pipe_carry_no_colour_codes() {
    let folder = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/dateline.db?mode=rwc", folder.path().display());
    let output = Command::new(BINARY)
        .args(["migrate"])
        .env("DATABASE_URL", &database)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(output.status.success());
    let log = String::from_utf8(output.stderr).unwrap();
    assert!(log.contains("INFO"), "{log}");
    assert!(!log.contains('\u{1b}'), "colour codes in {log:?}");
}

/// A PostgreSQL cluster of this test's own on a free port, stopped for good when dropped.
struct OwnCluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    // Held for its Drop: the cluster's files.
    _folder: tempfile::TempDir,
}

impl OwnCluster {
    fn start() -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's binaries are installed under /usr/lib/postgresql")
            .filter_map(Result::ok)
            .map(|entry| entry.path().join("bin"))
            .filter(|bin| bin.join("pg_ctl").exists())
            .max()
            .expect("a PostgreSQL version with pg_ctl");
        let folder = tempfile::tempdir().unwrap();
        let data = folder.path().join("data");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self {
            bin,
            data,
            port,
            _folder: folder,
        };
        if is_root() {
            // PostgreSQL refuses to run as root: the cluster is the postgres user's.
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(cluster._folder.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data.display().to_string(),
                "-U",
                "postgres",
                "--auth=trust",
                "--locale=C.UTF-8",
                "-E",
                "UTF8",
            ],
        );
        cluster.pg_ctl("start");
        cluster
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, action: &str) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self._folder.path().display()
        );
        let data = self.data.display().to_string();
        let log = self._folder.path().join("server.log").display().to_string();
        match action {
            "start" => self.run(
                "pg_ctl",
                &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
            ),
            _ => self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", action]),
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let output = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .output()
        } else {
            Command::new(&program).args(args).output()
        }
        .unwrap();
        assert!(
            output.status.success(),
            "{} {args:?}: {}{}",
            program.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let program = self.bin.join("pg_ctl");
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .output()
        } else {
            Command::new(&program).args(args).output()
        };
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

/// How long a request may wait for a connection while the database is down in this test.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);
/// The most any answer may take while the database is down: the acquire timeout and change.
const NO_HANG: Duration = Duration::from_secs(8);

async fn timed(send: impl std::future::Future<Output = TestResponse>) -> TestResponse {
    let started = Instant::now();
    let response = send.await;
    assert!(started.elapsed() < NO_HANG, "took {:?}", started.elapsed());
    response
}

#[tokio::test]
async fn while_postgresql_is_down_reads_are_served_stale_writes_503_and_it_recovers_by_itself() {
    let cluster = OwnCluster::start();
    let app = TestApp::on_postgres_at(&cluster.url(), ACQUIRE_TIMEOUT)
        .await
        .with_response_cache(CacheSettings {
            capacity_bytes: 16 << 20,
            counts_ttl: Duration::from_secs(10),
            ..CacheSettings::default()
        });
    let section = app.section("local", "지역").await;
    let story = ArticleBuilder::new("부산 수소트램 착공", &section)
        .insert(&app)
        .await;
    let path = format!("/api/v1/articles/{}", story.id);
    let fresh = app.get(&path).await;
    assert_eq!(fresh.status, 200);
    // Past the counts' TTL the kept copy is no longer fresh: the next read must render again.
    app.clock.advance(chrono::Duration::seconds(11));

    cluster.pg_ctl("stop");

    let stale = timed(app.get(&path)).await;
    assert_eq!(
        stale.status,
        200,
        "{}",
        String::from_utf8_lossy(&stale.body)
    );
    assert_eq!(stale.body, fresh.body);
    assert_eq!(stale.header("age"), Some("11"));
    assert_eq!(
        stale.header("warning"),
        Some("111 - \"Revalidation Failed\"")
    );
    assert!(stale.header("cache-control").unwrap().contains("max-age=0"));
    // Again: the copy stays kept aside while the database is away.
    assert_eq!(timed(app.get(&path)).await.status, 200);

    let write = timed(
        app.as_editor().post_json(
            "/api/v1/articles",
            &json!({"headline": "정전 중 기사", "section": "local", "body": [{"type": "paragraph", "text": "본문"}]}),
        ),
    )
    .await;
    assert_eq!(
        write.status,
        503,
        "{}",
        String::from_utf8_lossy(&write.body)
    );
    assert_eq!(
        write.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(write.header("retry-after"), Some("5"));
    assert_eq!(write.json()["code"], "UNAVAILABLE");
    let never_kept = timed(app.get("/api/v1/sections")).await;
    assert_eq!(never_kept.status, 503);
    assert!(never_kept.header("retry-after").is_some());
    let graphql = timed(app.as_editor().send(
        axum::http::Method::POST,
        "/graphql",
        Some(&json!({"query": "{ sections { slug } }"})),
        &[],
    ))
    .await;
    assert_eq!(
        graphql.status,
        503,
        "{}",
        String::from_utf8_lossy(&graphql.body)
    );
    let ready = timed(app.get("/readyz")).await;
    assert_eq!(ready.status, 503);
    assert_eq!(app.get("/healthz").await.status, 200);

    cluster.pg_ctl("start");

    // The pool reconnects by itself: no restart, no new state.
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.get("/readyz").await.status != 200 {
        assert!(
            Instant::now() < deadline,
            "not ready again after the database returned"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let again = app.get(&path).await;
    assert_eq!(again.status, 200);
    assert!(
        again.header("warning").is_none(),
        "a fresh answer once the database is back"
    );
    let written = app.as_editor().post_json(
        "/api/v1/articles",
        &json!({"headline": "복구 후 기사", "section": "local", "body": [{"type": "paragraph", "text": "본문"}]}),
    ).await;
    assert_eq!(
        written.status,
        201,
        "{}",
        String::from_utf8_lossy(&written.body)
    );
    // The change reaches the cache on this node again (its LISTEN reconnected too).
    let listed = app.get("/api/v1/sections").await;
    assert_eq!(listed.status, 200);
}
