//! The real binary: `dateline schema` prints the checked-in SDL, and `dateline serve` on port 0
//! answers HTTP, survives HTML nested to overflow a stack, and stops cleanly on SIGTERM.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::{ChildProcess, printed_address};

const BINARY: &str = env!("CARGO_BIN_EXE_dateline");

#[test]
fn dateline_schema_prints_exactly_schema_graphql() {
    let output = Command::new(BINARY).arg("schema").output().unwrap();
    assert!(output.status.success());
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), checked_in);
}

#[test]
fn dateline_help_explains_every_setting() {
    let output = Command::new(BINARY)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for setting in [
        "DATELINE_LISTEN",
        "DATABASE_URL",
        "DATELINE_MEDIA_DIR",
        "DATELINE_MEDIA_URL",
        "DATELINE_PUBLIC_URL",
    ] {
        assert!(help.contains(setting), "{setting} missing from --help");
    }
    let refused = Command::new(BINARY)
        .args(["serve", "--media-url", "https://example.com/media"])
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "a media address that is not s3:// is refused"
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("s3://"));
}

#[tokio::test]
async fn the_server_starts_on_a_free_port_serves_and_stops_on_sigterm() {
    let folder = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/dateline.db?mode=rwc", folder.path().display());
    let (mut child, address) = serve(&database, folder.path(), &["--migrate"]).await;

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let health = client
        .get(format!("{address}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let list = client
        .get(format!("{address}/api/v1/articles"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let body: serde_json::Value = list.json().await.unwrap();
    assert_eq!(body["data"], serde_json::json!([]));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
}

/// Runs `dateline <args>` against `database` to completion, feeding `stdin`.
fn run_to_end(args: &[&str], database: &str, stdin: &str) {
    use std::io::Write as _;
    let mut child = Command::new(BINARY)
        .args(args)
        .env("DATABASE_URL", database)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "dateline {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn the_server_survives_bodies_nested_thousands_deep_and_answers_afterwards() {
    // reqwest here is built without a TLS provider; the API's runtime installs the process-wide
    // one, which this test needs even when it runs alone.
    let _ = dateline_app::desks::syndication::SyndicationRuntime::new(Default::default());
    let folder = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/dateline.db?mode=rwc", folder.path().display());
    run_to_end(&["migrate"], &database, "");
    let password = "광안리 바다 보러 가자";
    run_to_end(
        &[
            "user",
            "add",
            "--email",
            "desk@news.example",
            "--role",
            "admin",
        ],
        &database,
        &format!("{password}\n"),
    );
    let (mut child, address) = serve(&database, folder.path(), &[]).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let signed_in: serde_json::Value = client
        .post(format!("{address}/api/v1/auth/token"))
        .json(&serde_json::json!({"email": "desk@news.example", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signed_in["accessToken"].as_str().unwrap().to_owned();
    let section = client
        .post(format!("{address}/api/v1/sections"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"slug": "local", "name": "지역"}))
        .send()
        .await
        .unwrap();
    assert_eq!(section.status(), 201);

    for html in crate::hardening_text::deep_html() {
        let story =
            serde_json::json!({"headline": "깊은 본문", "section": "local", "bodyHtml": html});
        let rest = client
            .post(format!("{address}/api/v1/articles"))
            .bearer_auth(&token)
            .json(&story)
            .send()
            .await
            .unwrap();
        assert_eq!(rest.status(), 422);
        let problem: serde_json::Value = rest.json().await.unwrap();
        assert_eq!(problem["code"], "BODY_TOO_DEEP");
        let graphql: serde_json::Value = client
            .post(format!("{address}/graphql"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "query": "mutation($html: String!) { createArticle(input: {headline: \"깊은 본문\", section: \"local\", bodyHtml: $html}) { article { id } } }",
                "variables": {"html": html},
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(graphql["errors"][0]["extensions"]["code"], "BODY_TOO_DEEP");
    }

    assert!(
        child.try_wait().unwrap().is_none(),
        "the server is still running"
    );
    let health = client
        .get(format!("{address}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let fine = client
        .post(format!("{address}/api/v1/articles"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"headline": "얕은 본문", "section": "local", "bodyHtml": "<div><p>부산 트램</p></div>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status(), 201);

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
}

/// Starts `dateline serve` on a free port over `database`, media under `folder`; answers the
/// running server (killed when dropped) and the address it printed.
async fn serve(database: &str, folder: &std::path::Path, extra: &[&str]) -> (ChildProcess, String) {
    let mut child = ChildProcess::spawn(
        Command::new(BINARY)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("DATABASE_URL", database)
            .env("DATELINE_MEDIA_DIR", folder.join("media"))
            .env(
                "DATELINE_JWT_SECRET",
                "a test secret that is at least 32 bytes long",
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let address = printed_address(&mut child).await;
    (child, address)
}
