//! Hardening of what the server reaches and what it holds: webhooks that cannot be aimed at the
//! loopback or the private network nor redirected, images refused before they cost memory, and
//! revocation that takes effect on the next request.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{StatusCode, header};
use dateline_app::SyndicationSettings;
use dateline_domain::destination::DestinationPolicy;
use serde_json::{Value, json};

use crate::harness::{Engine, TestApp, loopback_receivers};

/// Runs each test once per engine on an app built by the given expression from `engine`.
macro_rules! on_both_engines_with {
    ($(async fn $name:ident($app:ident) = $build:expr; $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: TestApp) $body

                #[tokio::test]
                async fn sqlite() {
                    let engine = Engine::Sqlite;
                    run($build(engine).await).await;
                }

                #[tokio::test]
                async fn postgres() {
                    let engine = Engine::Postgres;
                    run($build(engine).await).await;
                }
            }
        )*
    };
}

const SECRET: &str = "partner-shared-secret-2026";

/// The production default: https only, public addresses only.
async fn strict(engine: Engine) -> TestApp {
    TestApp::with_syndication(engine, SyndicationSettings::default()).await
}

/// Plain http allowed (so a test receiver can listen without TLS), private addresses not.
async fn http_but_public_only(engine: Engine) -> TestApp {
    TestApp::with_syndication(
        engine,
        SyndicationSettings {
            webhook_destinations: DestinationPolicy {
                allow_http: true,
                allow_private: false,
            },
            ..SyndicationSettings::default()
        },
    )
    .await
}

async fn loopback(engine: Engine) -> TestApp {
    TestApp::with_syndication(engine, loopback_receivers()).await
}

async fn register(app: &TestApp, url: &str) -> String {
    let response = app
        .as_admin()
        .post_json(
            "/api/v1/webhooks",
            &json!({"url": url, "events": ["article.published"], "secret": SECRET}),
        )
        .await;
    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["data"]["id"].as_str().unwrap().to_owned()
}

/// Writes and approves a story, which queues one delivery per subscribed webhook.
async fn publish(app: &TestApp) {
    app.section("politics", "정치").await;
    let written = app
        .as_editor()
        .post_json(
            "/api/v1/articles",
            &json!({"headline": "웹훅 기사", "section": "politics",
                    "body": [{"type": "paragraph", "text": "본문"}]}),
        )
        .await;
    assert_eq!(written.status, 201);
    let id = written.json()["data"]["id"].as_str().unwrap().to_owned();
    let approved = app
        .as_editor()
        .post_json(&format!("/api/v1/articles/{id}/approve"), &json!({}))
        .await;
    assert_eq!(approved.status, 200);
}

async fn only_delivery(app: &TestApp, webhook: &str) -> Value {
    let response = app
        .as_admin()
        .get(&format!("/api/v1/webhooks/{webhook}/deliveries"))
        .await;
    assert_eq!(response.status, 200);
    let list = response.json()["data"].as_array().unwrap().clone();
    assert_eq!(list.len(), 1);
    list[0].clone()
}

/// A receiver on 127.0.0.1 that counts its requests and answers `status` (with a `Location`
/// when one is given); answers its base URL and the count.
async fn receiver(status: StatusCode, location: Option<String>) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().fallback(move || {
        let counted = counted.clone();
        let location = location.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut response = axum::response::Response::new(axum::body::Body::empty());
            *response.status_mut() = status;
            if let Some(location) = location {
                response
                    .headers_mut()
                    .insert(header::LOCATION, location.parse().unwrap());
            }
            response
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{address}"), hits)
}

on_both_engines_with! {
    async fn webhooks_to_non_public_or_plain_http_urls_are_refused_at_registration(app) = strict; {
        for url in [
            "https://127.0.0.1/hook",
            "https://127.1/hook",
            "https://2130706433/hook",
            "https://0x7f000001/hook",
            "https://[::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.8/hook",
            "https://172.16.0.1/hook",
            "https://192.168.0.10/hook",
            "https://100.64.0.1/hook",
            "https://[fe80::1]/hook",
            "https://[fd12::1]/hook",
            "https://0.0.0.0/hook",
            "https://224.0.0.1/hook",
            "https://192.0.2.10/hook",
            "https://198.18.0.1/hook",
            "http://partner.example/hook",
        ] {
            let response = app
                .as_admin()
                .post_json(
                    "/api/v1/webhooks",
                    &json!({"url": url, "events": ["article.published"], "secret": SECRET}),
                )
                .await;
            assert_eq!(response.status, 422, "{url}");
            assert_eq!(response.json()["code"], "VALIDATION", "{url}");
            assert_eq!(response.json()["errors"][0]["field"], "url", "{url}");
        }
        register(&app, "https://partner.example/hook").await;
    }

    async fn a_webhook_name_resolving_to_loopback_is_refused_at_delivery(app) = http_but_public_only; {
        let (base, hits) = receiver(StatusCode::NO_CONTENT, None).await;
        let port = base.rsplit(':').next().unwrap();
        // A name passes registration (what it resolves to can change); delivery resolves it.
        let hook = register(&app, &format!("http://localhost:{port}/hook")).await;
        publish(&app).await;
        assert_eq!(app.deliver_webhooks().await.unwrap(), 1);
        assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached the loopback");
        let delivery = only_delivery(&app, &hook).await;
        assert_eq!(delivery["status"], "pending");
        assert_eq!(delivery["lastStatusCode"], Value::Null);
        assert_eq!(delivery["lastError"], "refused");
    }

    async fn a_webhook_redirect_is_not_followed(app) = loopback; {
        let (elsewhere, elsewhere_hits) = receiver(StatusCode::NO_CONTENT, None).await;
        let (base, hits) =
            receiver(StatusCode::TEMPORARY_REDIRECT, Some(format!("{elsewhere}/stolen"))).await;
        let hook = register(&app, &format!("{base}/hook")).await;
        publish(&app).await;
        assert_eq!(app.deliver_webhooks().await.unwrap(), 1);
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        assert_eq!(elsewhere_hits.load(Ordering::SeqCst), 0, "the body and signature stayed home");
        let delivery = only_delivery(&app, &hook).await;
        assert_eq!(delivery["status"], "pending", "a 3xx is a failed attempt");
        assert_eq!(delivery["lastStatusCode"], 307);
    }

    async fn the_deliveries_log_does_not_say_why_a_socket_failed(app) = loopback; {
        // A port nobody listens on: bound, then released.
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let hook = register(&app, &format!("http://127.0.0.1:{closed}/hook")).await;
        publish(&app).await;
        assert_eq!(app.deliver_webhooks().await.unwrap(), 1);
        let delivery = only_delivery(&app, &hook).await;
        assert_eq!(delivery["lastStatusCode"], Value::Null);
        assert_eq!(delivery["lastError"], "refused", "not \"connection refused\"");
    }
}

/// A PNG of one flat colour, written a row at a time so a huge canvas costs the test almost no
/// memory; flat rows compress to a few hundred bytes each.
fn flat_png(width: u32, height: u32, colour: png::ColorType, depth: png::BitDepth) -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(colour);
        encoder.set_depth(depth);
        let mut writer = encoder.write_header().unwrap();
        let mut stream = writer.stream_writer().unwrap();
        let channels: usize = match colour {
            png::ColorType::Rgba => 4,
            png::ColorType::Rgb => 3,
            _ => 1,
        };
        let bytes_per_sample = if depth == png::BitDepth::Sixteen {
            2
        } else {
            1
        };
        let row = vec![0x7f_u8; width as usize * channels * bytes_per_sample];
        for _ in 0..height {
            std::io::Write::write_all(&mut stream, &row).unwrap();
        }
        stream.finish().unwrap();
    }
    bytes
}

fn small_jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 256) as u8])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Jpeg)
        .unwrap();
    bytes.into_inner()
}

crate::on_both_engines! {
    async fn an_image_over_forty_megapixels_is_refused_before_it_is_decoded(app) {
        let huge = flat_png(7_000, 6_000, png::ColorType::Rgb, png::BitDepth::Eight);
        assert!(huge.len() < 1024 * 1024, "a flat canvas is small on the wire: {}", huge.len());
        let response = app.as_reporter().upload("flat.png", &huge, &[]).await;
        assert_eq!(response.status, 422, "{}", String::from_utf8_lossy(&response.body));
        assert_eq!(response.json()["code"], "IMAGE_TOO_LARGE");
    }

    async fn a_sixteen_bit_image_within_the_pixel_budget_is_refused_by_its_memory(app) {
        // 25 megapixels, under the pixel budget, but 8 bytes a pixel: 200 MB decoded.
        let deep = flat_png(5_000, 5_000, png::ColorType::Rgba, png::BitDepth::Sixteen);
        let response = app.as_reporter().upload("deep.png", &deep, &[]).await;
        assert_eq!(response.status, 422, "{}", String::from_utf8_lossy(&response.body));
        assert_eq!(response.json()["code"], "IMAGE_TOO_LARGE");
    }

    async fn a_jpeg_cut_short_is_refused(app) {
        let whole = small_jpeg();
        assert_eq!(app.as_reporter().upload("whole.jpg", &whole, &[]).await.status, 201);
        let cut = &whole[..whole.len() * 2 / 3];
        let response = app.as_reporter().upload("cut.jpg", cut, &[]).await;
        assert_eq!(response.status, 422, "{}", String::from_utf8_lossy(&response.body));
        assert_eq!(response.json()["code"], "IMAGE_TRUNCATED");
    }

    async fn a_stored_original_over_the_budget_is_not_decoded_for_a_rendition(app) {
        // An original stored before the budget existed (or put there by hand).
        let huge = flat_png(7_000, 6_000, png::ColorType::Rgb, png::BitDepth::Eight);
        let mut media = app.photo("오래된 원본").await;
        media.id = dateline_domain::MediaId::generate();
        media.storage_key = format!("{}/original.png", media.id);
        media.content_type = "image/png".into();
        media.width = 7_000;
        media.height = 6_000;
        dateline_app::put_media_file(app.state.media(), &media.storage_key, huge)
            .await
            .unwrap();
        app.db.media().insert(&media).await.unwrap();
        let response = app.get(&format!("/media/{}/medium.jpg", media.id)).await;
        assert_eq!(response.status, 422, "{}", String::from_utf8_lossy(&response.body));
        assert_eq!(response.json()["code"], "IMAGE_TOO_LARGE");
    }
}

/// Signs in as `email` with the test password; answers the token pair.
async fn sign_in(app: &TestApp, email: &str) -> Value {
    let response = app
        .as_anon()
        .post_json(
            "/api/v1/auth/token",
            &json!({"email": email, "password": crate::harness::PASSWORD}),
        )
        .await;
    assert_eq!(response.status, 200);
    response.json()
}

async fn me(app: &TestApp, access_token: &str) -> StatusCode {
    app.as_anon()
        .send(
            axum::http::Method::GET,
            "/api/v1/users/me",
            None,
            &[("authorization", &format!("Bearer {access_token}"))],
        )
        .await
        .status
}

async fn change_account(app: &TestApp, user: dateline_domain::UserId, change: Value) {
    let response = app
        .as_admin()
        .patch_json(&format!("/api/v1/users/{user}"), &change)
        .await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
}

crate::on_both_engines! {
    async fn an_access_token_is_refused_right_after_its_refresh_token_is_reused(app) {
        let tokens = sign_in(&app, "editor@news.example").await;
        let access = tokens["accessToken"].as_str().unwrap();
        let refresh = tokens["refreshToken"].as_str().unwrap();
        assert_eq!(me(&app, access).await, 200, "judged once, so the cache holds it");
        let rotated = app.as_anon().post_json("/api/v1/auth/refresh", &json!({"refreshToken": refresh})).await;
        assert_eq!(rotated.status, 200);
        let rotated_access = rotated.json()["accessToken"].as_str().unwrap().to_owned();
        assert_eq!(me(&app, &rotated_access).await, 200);

        let replayed = app.as_anon().post_json("/api/v1/auth/refresh", &json!({"refreshToken": refresh})).await;
        assert_eq!(replayed.status, 401);
        assert_eq!(me(&app, access).await, 401, "the family's first access token");
        assert_eq!(me(&app, &rotated_access).await, 401, "and its latest");
        let other = sign_in(&app, "editor@news.example").await;
        assert_eq!(me(&app, other["accessToken"].as_str().unwrap()).await, 200, "another sign-in is untouched");
    }

    async fn an_access_token_is_refused_right_after_the_password_changes(app) {
        let tokens = sign_in(&app, "reporter@news.example").await;
        let access = tokens["accessToken"].as_str().unwrap();
        assert_eq!(me(&app, access).await, 200);
        change_account(&app, app.reporter.id, json!({"password": "새 비밀번호는 충분히 길다 2027"})).await;
        assert_eq!(me(&app, access).await, 401);
        let fresh = app
            .as_anon()
            .post_json("/api/v1/auth/token", &json!({"email": "reporter@news.example", "password": "새 비밀번호는 충분히 길다 2027"}))
            .await;
        assert_eq!(fresh.status, 200);
        assert_eq!(me(&app, fresh.json()["accessToken"].as_str().unwrap()).await, 200, "the new password's token works");
    }

    async fn an_access_token_is_refused_right_after_the_account_is_disabled(app) {
        let tokens = sign_in(&app, "reporter@news.example").await;
        let access = tokens["accessToken"].as_str().unwrap();
        assert_eq!(me(&app, access).await, 200);
        change_account(&app, app.reporter.id, json!({"disabled": true})).await;
        assert_eq!(me(&app, access).await, 401);
        change_account(&app, app.reporter.id, json!({"disabled": false})).await;
        assert_eq!(me(&app, access).await, 401, "enabling again does not revive old tokens");
    }

    async fn a_preview_link_is_refused_right_after_its_editor_is_disabled(app) {
        app.section("local", "지역").await;
        let written = app.as_editor().post_json("/api/v1/articles", &json!({"headline": "엠바고 초안", "section": "local",
            "body": [{"type": "paragraph", "text": "아직 비공개"}]})).await;
        assert_eq!(written.status, 201);
        let id = written.json()["data"]["id"].as_str().unwrap().to_owned();
        let preview = app.as_editor().post_json(&format!("/api/v1/articles/{id}/preview"), &json!({})).await;
        assert_eq!(preview.status, 201);
        let token = preview.json()["data"]["token"].as_str().unwrap().to_owned();
        assert_eq!(app.get(&format!("/api/v1/articles/{id}?preview={token}")).await.status, 200);

        change_account(&app, app.editor.id, json!({"disabled": true})).await;
        let refused = app.get(&format!("/api/v1/articles/{id}?preview={token}")).await;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.json()["code"], "UNAUTHORIZED");
    }
}
