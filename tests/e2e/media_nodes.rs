//! Media on S3-compatible storage shared by several nodes: a photo uploaded through one node is
//! served by another, a rendition is made once by whichever node first needs it and read by
//! the rest, and storage that stops answering is a 503, not a hang. The tests start their own
//! S3-compatible server (moto, installed by scripts/test).

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use dateline_app::MediaStore;
use object_store::ObjectStoreExt as _;
use object_store::path::Path;
use tower::ServiceExt as _;

use crate::harness::{ChildProcess, Engine, TestApp};

/// An S3-compatible server on a free loopback port, stopped when dropped.
struct S3Server {
    _child: ChildProcess,
    endpoint: String,
}

impl S3Server {
    async fn start() -> Self {
        let program = "moto_server";
        assert!(
            Command::new("sh")
                .args(["-c", &format!("command -v {program}")])
                .stdout(Stdio::null())
                .status()
                .unwrap()
                .success(),
            "{program} is missing: scripts/test installs it (pip install 'moto[server]')"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = ChildProcess::spawn(
            Command::new(program)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client.get(&endpoint).send().await.is_ok() {
                return Self {
                    _child: child,
                    endpoint,
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{program} did not answer on {endpoint}");
    }

    async fn create_bucket(&self, name: &str) {
        let created = reqwest::Client::new()
            .put(format!("{}/{name}", self.endpoint))
            .send()
            .await
            .unwrap();
        assert!(created.status().is_success(), "{}", created.status());
    }

    /// A node's media store at `url`, as `--media-url` with the AWS_* variables would make it.
    fn store(&self, url: &str) -> MediaStore {
        dateline_app::s3_media_store(
            url,
            [
                ("aws_endpoint_url", self.endpoint.as_str()),
                ("aws_allow_http", "true"),
                ("aws_access_key_id", "dateline-test"),
                ("aws_secret_access_key", "dateline-test-secret"),
                ("aws_region", "ap-northeast-2"),
            ],
        )
        .unwrap()
    }
}

async fn fetch(node: &Router, path: &str) -> (u16, Vec<u8>, Option<String>) {
    let response = node
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, bytes.to_vec(), content_type)
}

#[tokio::test]
async fn a_photo_uploaded_through_one_node_is_served_by_another_and_rendered_once() {
    // The app first: it installs the TLS provider the HTTP clients below look for.
    let app = TestApp::new(Engine::Postgres).await;
    let s3 = S3Server::start().await;
    s3.create_bucket("newsroom-media").await;
    let url = "s3://newsroom-media/dateline";
    let first = app.with_media_store(s3.store(url));
    let second = first.other_node(s3.store(url));

    let uploaded = first
        .as_editor()
        .upload(
            "harbour.jpg",
            &crate::media::jpeg(1600, 1000),
            &[("caption", "부산항 야경")],
        )
        .await;
    assert_eq!(
        uploaded.status,
        201,
        "{}",
        String::from_utf8_lossy(&uploaded.body)
    );
    let id = uploaded.json()["data"]["id"].as_str().unwrap().to_owned();

    // The other node serves the original it never saw uploaded.
    let from_first = first.get(&format!("/media/{id}/original")).await;
    assert_eq!(from_first.status, 200);
    let (status, bytes, content_type) = fetch(&second, &format!("/media/{id}/original")).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, from_first.body, "the same stored bytes");
    assert_eq!(content_type.as_deref(), Some("image/jpeg"));

    // The second node makes the rendition; the first reads it instead of making its own.
    let bucket = s3.store("s3://newsroom-media");
    let key = Path::from(format!("dateline/{id}/medium-16x9.webp"));
    assert!(matches!(
        bucket.head(&key).await,
        Err(object_store::Error::NotFound { .. })
    ));
    let (status, made, content_type) =
        fetch(&second, &format!("/media/{id}/medium-16x9.webp")).await;
    assert_eq!(status, 200);
    assert_eq!(content_type.as_deref(), Some("image/webp"));
    let stored = bucket.head(&key).await.unwrap();
    let read = first.get(&format!("/media/{id}/medium-16x9.webp")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, made);
    let again = bucket.head(&key).await.unwrap();
    assert_eq!(
        (again.e_tag, again.last_modified),
        (stored.e_tag, stored.last_modified),
        "read, not made again"
    );
    assert!(
        !first.media_dir().join(&id).exists(),
        "nothing went to the node's own folder"
    );

    // Storage that stops answering: a clear 503 within seconds, and the node stays up.
    drop(s3);
    let started = std::time::Instant::now();
    let unreachable = first.get(&format!("/media/{id}/large.jpg")).await;
    assert_eq!(
        unreachable.status,
        503,
        "{}",
        String::from_utf8_lossy(&unreachable.body)
    );
    assert_eq!(
        unreachable.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(first.get("/healthz").await.status, 200);
}
