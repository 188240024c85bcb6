//! The real binary: `dateline schema` prints the checked-in SDL, and `dateline serve` on port 0
//! answers HTTP and stops cleanly on SIGTERM.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

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
        "DATELINE_PUBLIC_URL",
    ] {
        assert!(help.contains(setting), "{setting} missing from --help");
    }
}

#[tokio::test]
async fn the_server_starts_on_a_free_port_serves_and_stops_on_sigterm() {
    let folder = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/dateline.db?mode=rwc", folder.path().display());
    let mut child = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0", "--migrate"])
        .env("DATABASE_URL", &database)
        .env("DATELINE_MEDIA_DIR", folder.path().join("media"))
        .env(
            "DATELINE_JWT_SECRET",
            "a test secret that is at least 32 bytes long",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let address = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                line.strip_prefix("Dateline is listening on ")
                    .map(str::to_owned)
            })
    })
    .await
    .unwrap()
    .expect("the server prints its address");

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
