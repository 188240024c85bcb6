//! The real binary's newsroom commands: `serve` refuses to run without a proper JWT secret, and
//! `user add` takes the password from standard input.

use std::io::Write as _;
use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_dateline");

#[test]
fn serve_refuses_to_start_without_a_jwt_secret_of_32_bytes() {
    let folder = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/dateline.db?mode=rwc", folder.path().display());
    for secret in [None, Some("only-31-bytes-long-not-enough!!")] {
        let mut command = Command::new(BINARY);
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--migrate"])
            .env("DATABASE_URL", &database)
            .env("DATELINE_MEDIA_DIR", folder.path().join("media"))
            .env_remove("DATELINE_JWT_SECRET")
            .env_remove("DATELINE_DEV");
        if let Some(secret) = secret {
            command.env("DATELINE_JWT_SECRET", secret);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success(), "started with secret {secret:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("DATELINE_JWT_SECRET"), "{stderr}");
        assert!(
            !stderr.contains("only-31"),
            "the secret is never printed: {stderr}"
        );
    }
}

#[test]
fn help_hides_the_secret_and_names_the_new_settings() {
    let output = Command::new(BINARY)
        .args(["serve", "--help"])
        .env(
            "DATELINE_JWT_SECRET",
            "a secret that must not show in help output",
        )
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for setting in [
        "DATELINE_JWT_SECRET",
        "DATELINE_JWT_PREVIOUS_SECRET",
        "DATELINE_MAX_UPLOAD_BYTES",
        "--dev",
    ] {
        assert!(help.contains(setting), "{setting} missing from --help");
    }
    assert!(!help.contains("must not show"), "{help}");
}

fn add_user(database: &str, email: &str, password: &str) -> std::process::Output {
    let mut child = Command::new(BINARY)
        .args([
            "user",
            "add",
            "--email",
            email,
            "--role",
            "editor",
            "--name",
            "데스크",
        ])
        .env("DATABASE_URL", database)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn user_add_reads_the_password_from_standard_input() {
    let folder = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/dateline.db?mode=rwc", folder.path().display());
    let output = add_user(&database, "desk@news.example", "부산 앞바다 갈매기 2026");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("Created desk@news.example (데스크, editor)"),
        "{stdout}"
    );
    assert!(!stdout.contains("갈매기"), "the password is never echoed");

    let again = add_user(&database, "desk@news.example", "부산 앞바다 갈매기 2026");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let weak = add_user(&database, "weak@news.example", "short");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 12 characters"));
}
