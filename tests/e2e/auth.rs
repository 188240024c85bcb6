//! Signing in and who may do what: tokens, rotation, 401 against 403, throttling, and accounts.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, header};
use chrono::Duration;
use dateline_app::ViewSettings;
use dateline_domain::Role;
use serde_json::json;

use crate::harness::{Engine, PASSWORD, TestApp, TestResponse};
use crate::on_both_engines;

async fn login(app: &TestApp, email: &str, password: &str) -> TestResponse {
    app.as_anon()
        .post_json(
            "/api/v1/auth/token",
            &json!({"email": email, "password": password}),
        )
        .await
}

async fn me_with(app: &TestApp, authorization: &str) -> TestResponse {
    app.as_anon()
        .send(
            Method::GET,
            "/api/v1/users/me",
            None,
            &[("authorization", authorization)],
        )
        .await
}

on_both_engines! {
    async fn signing_in_gives_tokens_and_refresh_tokens_rotate_and_are_single_use(app) {
        let response = login(&app, "Editor@News.Example", PASSWORD).await;
        assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
        let tokens = response.json();
        assert_eq!(tokens["expiresIn"], 900);
        assert_eq!(tokens["tokenType"], "Bearer");
        let access = tokens["accessToken"].as_str().unwrap();
        let me = me_with(&app, &format!("Bearer {access}")).await.json();
        assert_eq!(me["data"]["email"], "editor@news.example");
        assert_eq!(me["data"]["role"], "editor");

        let first = tokens["refreshToken"].as_str().unwrap();
        let rotated = app.as_anon().post_json("/api/v1/auth/refresh", &json!({"refreshToken": first})).await;
        assert_eq!(rotated.status, 200);
        let second = rotated.json()["refreshToken"].as_str().unwrap().to_owned();
        assert_ne!(second, first);

        let replayed = app.as_anon().post_json("/api/v1/auth/refresh", &json!({"refreshToken": first})).await;
        assert_eq!(replayed.status, 401, "a used refresh token is refused");
        let after_reuse = app.as_anon().post_json("/api/v1/auth/refresh", &json!({"refreshToken": second})).await;
        assert_eq!(after_reuse.status, 401, "reuse revokes the whole family");

        let fresh = login(&app, "editor@news.example", PASSWORD).await.json();
        app.clock.advance(Duration::days(31));
        let expired = app.as_anon().post_json("/api/v1/auth/refresh", &json!({"refreshToken": fresh["refreshToken"]})).await;
        assert_eq!(expired.status, 401);
        let garbage = app.as_anon().post_json("/api/v1/auth/refresh", &json!({"refreshToken": "rt_nonsense"})).await;
        assert_eq!(garbage.status, 401);
    }

    async fn missing_expired_and_tampered_tokens_are_401_with_www_authenticate_never_400(app) {
        let missing = app.as_anon().get("/api/v1/users/me").await;
        assert_eq!(missing.status, 401);
        assert_eq!(missing.header("www-authenticate"), Some("Bearer realm=\"dateline\""));
        assert_eq!(missing.json()["code"], "UNAUTHORIZED");

        let token = app.token_for(&app.editor);
        let mut tampered = token.clone();
        tampered.replace_range(token.len() - 4.., "AAAA");
        for authorization in [format!("Bearer {tampered}"), "Bearer not.a.jwt".into(), "Basic ZWRpdG9yOnB3".into(), "Bearer ".into()] {
            let response = me_with(&app, &authorization).await;
            assert_eq!(response.status, 401, "{authorization}");
            assert_eq!(response.header("www-authenticate"), Some("Bearer realm=\"dateline\", error=\"invalid_token\""));
        }

        app.clock.advance(Duration::minutes(15));
        let expired = me_with(&app, &format!("Bearer {token}")).await;
        assert_eq!(expired.status, 401);
        assert!(expired.json()["detail"].as_str().unwrap().contains("expired"));
        let graphql = app.as_anon().send(Method::POST, "/graphql", Some(&json!({"query": "{ me { email } }"})), &[("authorization", &format!("Bearer {token}"))]).await;
        assert_eq!(graphql.json()["errors"][0]["extensions"]["code"], "UNAUTHORIZED");

        let public = app.as_anon().send(Method::GET, "/api/v1/articles", None, &[("authorization", "Bearer garbage")]).await;
        assert_eq!(public.status, 200, "public reads never look at credentials");
    }

    async fn the_wrong_role_is_403_and_the_right_one_passes(app) {
        for (persona, status) in [(app.as_reporter(), 403), (app.as_editor(), 403), (app.as_admin(), 200)] {
            assert_eq!(persona.get("/api/v1/users").await.status, status);
        }
        let forbidden = app.as_editor().post_json("/api/v1/users", &json!({"email": "new@news.example", "role": "editor", "password": "a long enough password"})).await;
        assert_eq!(forbidden.status, 403);
        assert_eq!(forbidden.json()["code"], "FORBIDDEN");
        let graphql = app.as_reporter().graphql("{ users { email } }", json!({})).await;
        assert_eq!(graphql["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert_eq!(app.as_reporter().get("/api/v1/audit").await.status, 403);
    }

    async fn failed_sign_ins_are_throttled_per_account_until_the_lockout_passes(app) {
        for attempt in 1..=5 {
            let wrong = login(&app, "reporter@news.example", "not the password at all").await;
            assert_eq!(wrong.status, 401, "attempt {attempt}");
        }
        let locked = login(&app, "reporter@news.example", PASSWORD).await;
        assert_eq!(locked.status, 429, "locked even with the right password");
        assert_eq!(locked.header("retry-after"), Some("900"));
        assert_eq!(locked.json()["code"], "TOO_MANY_REQUESTS");
        assert_eq!(login(&app, "editor@news.example", PASSWORD).await.status, 200, "other accounts are unaffected");
        let unknown = login(&app, "nobody@news.example", PASSWORD).await;
        assert_eq!(unknown.status, 401);
        assert_eq!(unknown.json()["detail"], "wrong e-mail or password", "no hint whether the account exists");

        app.clock.advance(Duration::minutes(15));
        assert_eq!(login(&app, "reporter@news.example", PASSWORD).await.status, 200);
    }

    async fn admins_manage_accounts_over_rest_and_graphql(app) {
        let reporter_author = app.author("kim-minji", "김민지").await;
        let created = app.as_admin().post_json("/api/v1/users", &json!({"email": "Kim@News.Example", "displayName": "김민지",
            "role": "reporter", "password": "광안리 바다 보러 가자", "author": "kim-minji"})).await;
        assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
        let user = created.json()["data"].clone();
        assert_eq!(user["email"], "kim@news.example");
        assert_eq!(user["authorId"], reporter_author.id.to_string());
        let duplicate = app.as_admin().post_json("/api/v1/users", &json!({"email": "kim@news.example", "role": "reporter", "password": "광안리 바다 보러 가자"})).await;
        assert_eq!(duplicate.status, 409);
        let weak = app.as_admin().post_json("/api/v1/users", &json!({"email": "weak@news.example", "role": "reporter", "password": "short"})).await;
        assert_eq!(weak.status, 422);
        let bad_role = app.as_admin().post_json("/api/v1/users", &json!({"email": "x@news.example", "role": "owner", "password": "광안리 바다 보러 가자"})).await;
        assert_eq!(bad_role.status, 422);

        let tokens = login(&app, "kim@news.example", "광안리 바다 보러 가자").await.json();
        app.section("local", "지역").await;
        let story = app.as_anon().send(Method::POST, "/api/v1/articles", Some(&json!({"headline": "바이라인", "section": "local",
            "body": [{"type": "paragraph", "text": "본문"}]})), &[("authorization", &format!("Bearer {}", tokens["accessToken"].as_str().unwrap()))]).await.json();
        assert_eq!(story["data"]["authors"][0]["name"], "김민지", "a reporter's stories carry their byline");

        let id = user["id"].as_str().unwrap();
        let promoted = app.as_admin().graphql("mutation($id: ID!) { updateUser(id: $id, input: {role: EDITOR}) { role } }", json!({"id": id})).await;
        assert_eq!(promoted["data"]["updateUser"]["role"], "EDITOR");
        let disabled = app.as_admin().patch_json(&format!("/api/v1/users/{id}"), &json!({"disabled": true})).await;
        assert_eq!(disabled.json()["data"]["disabled"], true);
        let refused = me_with(&app, &format!("Bearer {}", tokens["accessToken"].as_str().unwrap())).await;
        assert_eq!(refused.status, 401, "a disabled account's tokens stop working");
        let refresh = app.as_anon().post_json("/api/v1/auth/refresh", &json!({"refreshToken": tokens["refreshToken"]})).await;
        assert_eq!(refresh.status, 401);
        assert_eq!(login(&app, "kim@news.example", "광안리 바다 보러 가자").await.status, 401);

        let self_demotion = app.as_admin().patch_json(&format!("/api/v1/users/{}", app.admin.id), &json!({"role": "reporter"})).await;
        assert_eq!(self_demotion.status, 409, "a newsroom always keeps its admin");
        let created_over_graphql = app.as_admin().graphql("mutation { createUser(input: {email: \"park@news.example\", role: EDITOR, password: \"해운대 모래사장 아침 산책\"}) { email role displayName } }", json!({})).await;
        assert_eq!(created_over_graphql["data"]["createUser"], json!({"email": "park@news.example", "role": "EDITOR", "displayName": "park"}), "{created_over_graphql}");
        let second_admin = app.add_user("boss@news.example", Role::Admin).await;
        assert_eq!(app.as_user(&second_admin).get("/api/v1/users").await.json()["data"].as_array().unwrap().len(), 6);
    }
}

/// Signs in through the load balancer at 10.0.0.2, which forwards for `client`.
async fn login_behind_proxy(
    app: &TestApp,
    client: &str,
    email: &str,
    password: &str,
) -> TestResponse {
    let mut request = Request::post("/api/v1/auth/token")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", client)
        .body(Body::from(
            serde_json::to_vec(&json!({"email": email, "password": password})).unwrap(),
        ))
        .unwrap();
    let proxy: IpAddr = "10.0.0.2".parse().unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(proxy, 40_000)));
    app.request(request).await
}

#[tokio::test]
async fn behind_a_trusted_proxy_failed_sign_ins_lock_out_that_client_and_not_another() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let app = TestApp::with_views(
            engine,
            ViewSettings {
                trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
                ranking_cache_ttl: std::time::Duration::ZERO,
                ..ViewSettings::default()
            },
        )
        .await;
        // Twenty guesses at as many accounts, so that only the address limit can trip.
        for n in 0..20 {
            let wrong = login_behind_proxy(
                &app,
                "203.0.113.1",
                &format!("guess-{n}@news.example"),
                "wrong",
            )
            .await;
            assert_eq!(wrong.status, 401, "guess {n} on {engine:?}");
        }
        let guesser =
            login_behind_proxy(&app, "203.0.113.1", "editor@news.example", PASSWORD).await;
        assert_eq!(
            guesser.status, 429,
            "the guessing client is locked out on {engine:?}"
        );
        let other = login_behind_proxy(&app, "203.0.113.2", "editor@news.example", PASSWORD).await;
        assert_eq!(
            other.status, 200,
            "another client behind the same proxy is not, on {engine:?}"
        );

        // An IPv6 client is counted by its /64: a fresh address inside it is the same client.
        for n in 0..20 {
            let wrong = login_behind_proxy(
                &app,
                "2001:db8:1:2::1",
                &format!("v6-{n}@news.example"),
                "wrong",
            )
            .await;
            assert_eq!(wrong.status, 401, "IPv6 guess {n} on {engine:?}");
        }
        let same_network = login_behind_proxy(
            &app,
            "2001:db8:1:2::ffff",
            "reporter@news.example",
            PASSWORD,
        )
        .await;
        assert_eq!(
            same_network.status, 429,
            "the same /64 is the same client on {engine:?}"
        );
        let next_network =
            login_behind_proxy(&app, "2001:db8:1:3::1", "reporter@news.example", PASSWORD).await;
        assert_eq!(
            next_network.status, 200,
            "the next /64 is another client on {engine:?}"
        );
    }
}
