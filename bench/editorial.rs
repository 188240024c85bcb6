//! The newsroom side's closing figures, measured against this machine's own `/healthz` rate in
//! the same run (the machine is shared and noisy, so only ratios travel):
//!
//! - sign-ins per second (`POST /api/v1/auth/token`, argon2id verification),
//! - token verifications per second, end to end (`GET /api/v1/users/me`: JWT check plus the
//!   account lookup) and in process (`auth::authenticate`),
//! - upload-to-first-rendition latency for a 4000×3000 JPEG (`POST /api/v1/media`, then the
//!   first `GET …/medium.webp`, which makes the rendition).
//!
//! Run it with `cargo run --release --example editorial-bench`. Everything runs on loopback with
//! bounded loops and stops by itself.

use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dateline_api::{HttpSettings, HttpState, build_router};
use dateline_app::service::accounts::{NewAccount, register};
use dateline_app::{
    App, CommentSettings, NewsroomSettings, Publisher, Settings, ViewSettings, local_media_store,
};
use dateline_domain::{SystemClock, Timestamp};
use dateline_storage::Database;
use image::{ImageFormat, Rgb, RgbImage};
use secrecy::SecretString;

const CONCURRENCY: usize = 8;
const WINDOW: Duration = Duration::from_secs(3);
const MAX_REQUESTS: usize = 200_000;
const PASSWORD: &str = "부산 앞바다 갈매기 2026";

/// Requests per second for `make_request`, from `CONCURRENCY` clients over `WINDOW` (at most
/// `limit` requests).
async fn rate<F, Fut>(make_request: F, limit: usize) -> f64
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let make_request = Arc::new(make_request);
    let started = Instant::now();
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (make_request, done) = (make_request.clone(), done.clone());
        workers.push(tokio::spawn(async move {
            while started.elapsed() < WINDOW
                && done.load(std::sync::atomic::Ordering::Relaxed) < limit
            {
                assert!(make_request().await, "a request failed");
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }));
    }
    for worker in workers {
        worker.await.expect("a worker panicked");
    }
    done.load(std::sync::atomic::Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

fn photo(width: u32, height: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        let noise = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 24;
        Rgb([
            ((x * 200 / width) + noise) as u8,
            ((y * 200 / height) + noise) as u8,
            (((x + y) / 40) % 200) as u8,
        ])
    });
    let mut bytes = Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, ImageFormat::Jpeg)
        .expect("encoding the test photo");
    bytes.into_inner()
}

fn multipart(bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "dateline-bench-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n부산항 신항 전경\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"credit\"\r\n\r\n데이트라인뉴스\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}/bench.db?mode=rwc", folder.path().display());
    let db = Database::connect(&url).await.expect("the database");
    db.migrate().await.expect("migrations");
    let now = Timestamp::from_datetime(chrono::Utc::now());
    let editor = register(
        &db,
        NewAccount {
            email: "editor@bench.example".into(),
            display_name: None,
            role: "editor".into(),
            password: SecretString::from(PASSWORD),
            author: None,
        },
        now,
        None,
    )
    .await
    .expect("the bench account");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("the address");
    let base = format!("http://{address}");
    let settings = Settings {
        public_url: base.parse().expect("the public URL"),
        time_zone: chrono_tz::Asia::Seoul,
        publisher: Publisher {
            name: "데이트라인뉴스".into(),
            copyright: "© 데이트라인뉴스".into(),
            logo: dateline_api::default_newsroom_logo(&base.parse().expect("the public URL")),
        },
        max_body_bytes: 1 << 20,
        newsroom: NewsroomSettings::default(),
        views: ViewSettings::default(),
        syndication: dateline_app::SyndicationSettings::default(),
        comments: CommentSettings::default(),
    };
    let media = local_media_store(&folder.path().join("media")).expect("the media folder");
    let state = App::new(db.clone(), Arc::new(SystemClock), media, settings);
    let router = build_router(HttpState::new(state.clone(), HttpSettings::default()));
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .expect("serving");
    });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .expect("an HTTP client");

    println!("Dateline newsroom bench ({CONCURRENCY} clients, {WINDOW:?} windows, release build)");
    let health = {
        let (client, url) = (client.clone(), format!("{base}/healthz"));
        rate(
            move || {
                let (client, url) = (client.clone(), url.clone());
                async move {
                    client
                        .get(url)
                        .send()
                        .await
                        .is_ok_and(|r| r.status() == 200)
                }
            },
            MAX_REQUESTS,
        )
        .await
    };
    println!("reference  GET /healthz                    {health:>10.0} req/s  (1.000)");

    let logins = {
        let (client, url) = (client.clone(), format!("{base}/api/v1/auth/token"));
        let body = serde_json::json!({"email": "editor@bench.example", "password": PASSWORD});
        rate(
            move || {
                let (client, url, body) = (client.clone(), url.clone(), body.clone());
                async move {
                    client
                        .post(url)
                        .json(&body)
                        .send()
                        .await
                        .is_ok_and(|r| r.status() == 200)
                }
            },
            MAX_REQUESTS,
        )
        .await
    };
    println!(
        "sign-in    POST /api/v1/auth/token         {logins:>10.1} req/s  ({:.4} of /healthz)",
        logins / health
    );

    let settings = &state.settings().newsroom;
    let token = settings
        .keys
        .issue_access(
            &editor,
            Timestamp::from_datetime(chrono::Utc::now()),
            chrono::Duration::hours(1),
        )
        .expect("a token");
    let bearer = format!("Bearer {token}");
    let verified = {
        let (client, url, bearer) = (
            client.clone(),
            format!("{base}/api/v1/users/me"),
            bearer.clone(),
        );
        rate(
            move || {
                let (client, url, bearer) = (client.clone(), url.clone(), bearer.clone());
                async move {
                    client
                        .get(url)
                        .header("authorization", bearer)
                        .send()
                        .await
                        .is_ok_and(|r| r.status() == 200)
                }
            },
            MAX_REQUESTS,
        )
        .await
    };
    println!(
        "verify     GET /api/v1/users/me (bearer)   {verified:>10.0} req/s  ({:.3} of /healthz)",
        verified / health
    );

    let in_process = {
        let started = Instant::now();
        let mut count = 0u32;
        while started.elapsed() < WINDOW && count < 1_000_000 {
            dateline_app::auth::authenticate(&state, Some(&bearer))
                .await
                .expect("a valid token");
            count += 1;
        }
        f64::from(count) / started.elapsed().as_secs_f64()
    };
    println!(
        "verify     auth::authenticate in process   {in_process:>10.0} /s     (one task; JWT check + account lookup)"
    );

    let jpeg = photo(4000, 3000);
    println!(
        "upload     a {:.1} MB 4000×3000 JPEG, three times:",
        jpeg.len() as f64 / 1e6
    );
    let (mut uploads, mut renditions, mut totals, mut cached) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        let (content_type, body) = multipart(&jpeg);
        let started = Instant::now();
        let response = client
            .post(format!("{base}/api/v1/media"))
            .header("authorization", &bearer)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("the upload");
        assert_eq!(response.status(), 201, "upload refused");
        let uploaded = started.elapsed();
        let media: serde_json::Value = response.json().await.expect("the media JSON");
        let webp = media["data"]["renditions"]
            .as_array()
            .and_then(|all| all.iter().find(|r| r["name"] == "medium"))
            .and_then(|r| r["webpUrl"].as_str())
            .expect("a medium rendition")
            .to_owned();
        let first = Instant::now();
        let rendition = client.get(&webp).send().await.expect("the rendition");
        assert_eq!(rendition.status(), 200);
        rendition.bytes().await.expect("the rendition bytes");
        renditions.push(first.elapsed());
        uploads.push(uploaded);
        totals.push(started.elapsed());
        let again = Instant::now();
        client
            .get(&webp)
            .send()
            .await
            .expect("the rendition")
            .bytes()
            .await
            .expect("bytes");
        cached.push(again.elapsed());
    }
    println!(
        "           upload (decode, orient, strip, store)     median {:>8.1?}",
        median(uploads)
    );
    println!(
        "           first medium.webp (decode, cut, encode)   median {:>8.1?}",
        median(renditions)
    );
    println!(
        "           upload-to-first-rendition                 median {:>8.1?}",
        median(totals)
    );
    println!(
        "           the same rendition again (stored)         median {:>8.1?}",
        median(cached)
    );
}
