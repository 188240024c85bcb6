//! Partners: API keys shown once, section entitlements, summary or full-text rights, the
//! not-for-syndication mark, the usage log and report, and rate limits for partners and
//! anonymous clients.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use chrono::Duration;
use dateline_app::SyndicationSettings;
use serde_json::{Value, json};

use crate::harness::{ArticleBuilder, Engine, TestApp, TestResponse};
use crate::on_both_engines;

pub(crate) async fn create_partner(
    app: &TestApp,
    sections: &[&str],
    rights: &str,
    rate: u32,
) -> Value {
    let response = app
        .as_admin()
        .post_json(
            "/api/v1/partners",
            &json!({"name": "지역일보", "sections": sections, "rights": rights, "rateLimitPerMinute": rate}),
        )
        .await;
    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["data"].clone()
}

pub(crate) async fn get_with_key(app: &TestApp, path: &str, key: &str) -> TestResponse {
    app.request(
        Request::get(path)
            .header("x-api-key", key)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

on_both_engines! {
    async fn a_partner_entitled_to_one_section_sees_only_it_and_summary_rights_never_carry_the_body(app) {
        let politics = app.section("politics", "정치").await;
        let economy = app.section("economy", "경제").await;
        let assembly = app.subsection(&politics, "assembly", "국회").await;
        let in_politics = ArticleBuilder::new("정치 기사", &politics)
            .published_ago(Duration::minutes(10))
            .insert(&app)
            .await;
        let in_assembly = ArticleBuilder::new("국회 기사", &assembly)
            .published_ago(Duration::minutes(20))
            .insert(&app)
            .await;
        let in_economy = ArticleBuilder::new("경제 기사", &economy)
            .published_ago(Duration::minutes(5))
            .insert(&app)
            .await;

        let partner = create_partner(&app, &["politics"], "summary", 100).await;
        let key = partner["apiKey"].as_str().unwrap();
        assert!(key.starts_with("dlk_"));
        assert_eq!(partner["rights"], "summary");

        let list = get_with_key(&app, "/api/v1/articles?include=body", key).await;
        assert_eq!(list.status, 200);
        let list = list.json();
        assert_eq!(
            ids(&list["data"]),
            vec![in_politics.id.to_string(), in_assembly.id.to_string()]
        );
        for item in list["data"].as_array().unwrap() {
            assert!(item.get("body").is_none() && item.get("bodyHtml").is_none(), "{item}");
        }
        let item = get_with_key(&app, &format!("/api/v1/articles/{}", in_politics.id), key).await;
        assert_eq!(item.status, 200);
        let item = item.json();
        assert!(item["data"].get("body").is_none() && item["data"].get("bodyHtml").is_none());
        assert_eq!(item["data"]["summary"], in_politics.summary);
        let elsewhere = get_with_key(&app, &format!("/api/v1/articles/{}", in_economy.id), key).await;
        assert_eq!(elsewhere.status, 404);

        let feed = get_with_key(&app, "/feeds/latest.json", key).await;
        assert_eq!(feed.header("cache-control"), Some("private, no-cache"));
        let feed = feed.json();
        assert_eq!(
            feed["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect::<Vec<_>>(),
            vec![in_politics.id.to_string(), in_assembly.id.to_string()]
        );
        assert!(feed["items"][0].get("content_html").is_none());
        let rss = get_with_key(&app, "/feeds/latest.rss", key).await;
        assert!(!String::from_utf8(rss.body).unwrap().contains("content:encoded"));
        let ninjs = get_with_key(&app, &format!("/api/v1/articles/{}/ninjs", in_politics.id), key).await.json();
        assert!(ninjs.get("bodies").is_none());

        // The public still reads everything in full.
        let public = app.get(&format!("/api/v1/articles/{}", in_economy.id)).await.json();
        assert!(public["data"]["body"].is_array());
    }

    async fn over_graphql_a_partner_has_the_same_sections_rights_and_usage_as_over_rest(app) {
        let politics = app.section("politics", "정치").await;
        let economy = app.section("economy", "경제").await;
        let in_politics = ArticleBuilder::new("정치 기사", &politics)
            .published_ago(Duration::minutes(10))
            .insert(&app)
            .await;
        let in_economy = ArticleBuilder::new("경제 기사", &economy)
            .published_ago(Duration::minutes(5))
            .insert(&app)
            .await;
        let partner = create_partner(&app, &["politics"], "summary", 100).await;
        let key = partner["apiKey"].as_str().unwrap();
        let id = partner["id"].as_str().unwrap();
        let query = r#"query($politics: ID!, $economy: ID!) {
            latest(first: 10) { nodes { id hasFullText bodyText bodyHtml body { __typename } ninjs } }
            articles(first: 10) { nodes { id } }
            mine: article(id: $politics) { headline summary hasFullText bodyText }
            other: article(id: $economy) { headline }
            node(id: $economy) { id }
            section(slug: "economy") { articles(first: 10) { nodes { id } } }
        }"#;
        let variables = json!({"politics": in_politics.id.to_string(), "economy": in_economy.id.to_string()});
        let ask = |key: Option<&str>, method: &str| {
            let body = json!({"query": query, "variables": variables}).to_string();
            let request = if method == "GET" {
                Request::get(format!(
                    "/graphql?query={}&variables={}",
                    crate::harness::urlencode(query),
                    crate::harness::urlencode(&variables.to_string())
                ))
                .body(Body::empty())
            } else {
                Request::post("/graphql")
                    .header("content-type", "application/json")
                    .body(Body::from(body))
            };
            let mut request = request.unwrap();
            if let Some(key) = key {
                request.headers_mut().insert("x-api-key", key.parse().unwrap());
            }
            app.request(request)
        };
        for method in ["POST", "GET"] {
            let answer = ask(Some(key), method).await;
            assert_eq!(answer.status, 200, "{method}");
            let data = answer.json()["data"].clone();
            let latest = data["latest"]["nodes"].as_array().unwrap();
            assert_eq!(ids(&data["latest"]["nodes"]), vec![in_politics.id.to_string()], "{method}");
            assert_eq!(ids(&data["articles"]["nodes"]), vec![in_politics.id.to_string()], "{method}");
            // Summary rights: the story is there, its body is not, in any form.
            assert_eq!(latest[0]["hasFullText"], false);
            assert_eq!(latest[0]["bodyText"], "");
            assert_eq!(latest[0]["bodyHtml"], "");
            assert_eq!(latest[0]["body"], json!([]));
            assert!(latest[0]["ninjs"].get("bodies").is_none(), "{}", latest[0]["ninjs"]);
            assert_eq!(latest[0]["ninjs"]["representationtype"], "partial");
            assert_eq!(data["mine"]["summary"], in_politics.summary);
            assert_eq!(data["mine"]["bodyText"], "");
            // Another desk's story is as absent as over REST.
            assert_eq!(data["other"], Value::Null, "{method}");
            assert_eq!(data["node"], Value::Null, "{method}");
            assert_eq!(data["section"]["articles"]["nodes"], json!([]), "{method}");
        }

        // The public, asking the same, reads every desk in full.
        let public = ask(None, "POST").await.json()["data"].clone();
        assert_eq!(public["latest"]["nodes"].as_array().unwrap().len(), 2);
        assert_eq!(public["mine"]["hasFullText"], true);
        assert_eq!(public["mine"]["bodyText"], in_politics.body_text);
        assert_eq!(public["other"]["headline"], "경제 기사");

        // An unknown key is refused as over REST; a known one's reads are in its usage report.
        assert_eq!(ask(Some("dlk_nobody"), "POST").await.status, 401);
        app.flush_partner_log().await.unwrap();
        let report = app
            .as_admin()
            .get(&format!("/api/v1/partners/{id}/usage?month=2026-11"))
            .await
            .json();
        // Each of the two requests served the story three times (latest, articles, article).
        assert_eq!(report["data"]["served"], 6, "{report}");
    }

    async fn full_rights_carry_the_body_except_for_stories_not_for_syndication(app) {
        let politics = app.section("politics", "정치").await;
        let open = ArticleBuilder::new("전재 가능", &politics)
            .published_ago(Duration::minutes(10))
            .insert(&app)
            .await;
        let closed = ArticleBuilder::new("전재 불가", &politics)
            .published_ago(Duration::minutes(20))
            .not_for_syndication()
            .insert(&app)
            .await;
        let partner = create_partner(&app, &["politics"], "full", 100).await;
        let key = partner["apiKey"].as_str().unwrap();

        let list = get_with_key(&app, "/api/v1/articles?include=body", key).await.json();
        assert!(list["data"][0]["body"].is_array());
        assert_eq!(list["data"][1]["id"], closed.id.to_string());
        assert!(list["data"][1].get("body").is_none());
        let item = get_with_key(&app, &format!("/api/v1/articles/{}", closed.id), key).await.json();
        assert!(item["data"].get("bodyHtml").is_none());
        let item = get_with_key(&app, &format!("/api/v1/articles/{}", open.id), key).await.json();
        assert!(item["data"]["bodyHtml"].is_string());
        let feed = get_with_key(&app, "/feeds/latest.json", key).await.json();
        assert!(feed["items"][0]["content_html"].is_string());
        assert!(feed["items"][1].get("content_html").is_none());

        // The desk can mark a story through the editorial API too.
        let marked = app
            .as_editor()
            .send(
                axum::http::Method::PATCH,
                &format!("/api/v1/articles/{}", open.id),
                Some(&json!({"notForSyndication": true, "version": 1})),
                &[],
            )
            .await;
        assert_eq!(marked.status, 200, "{}", String::from_utf8_lossy(&marked.body));
        let item = get_with_key(&app, &format!("/api/v1/articles/{}", open.id), key).await.json();
        assert!(item["data"].get("bodyHtml").is_none());
    }

    async fn an_unknown_key_answers_401_problem_json(app) {
        let politics = app.section("politics", "정치").await;
        ArticleBuilder::new("기사", &politics).insert(&app).await;
        for path in ["/api/v1/articles", "/feeds/latest.rss", "/sitemap.xml"] {
            for key in ["dlk_0000", "nonsense"] {
                let response = get_with_key(&app, path, key).await;
                assert_eq!(response.status, 401, "{path}");
                assert_eq!(response.header("content-type"), Some("application/problem+json"));
                assert_eq!(response.json()["code"], "UNAUTHORIZED");
            }
        }
    }

    async fn only_admins_create_partners_and_bad_input_is_refused(app) {
        app.section("politics", "정치").await;
        let body = json!({"name": "지역일보", "sections": ["politics"], "rights": "full", "rateLimitPerMinute": 60});
        assert_eq!(app.as_editor().post_json("/api/v1/partners", &body).await.status, 403);
        assert_eq!(app.as_anon().post_json("/api/v1/partners", &body).await.status, 401);
        for bad in [
            json!({"name": "x", "sections": ["nowhere"], "rights": "full", "rateLimitPerMinute": 60}),
            json!({"name": "x", "sections": ["politics"], "rights": "all", "rateLimitPerMinute": 60}),
            json!({"name": "x", "sections": ["politics"], "rights": "full", "rateLimitPerMinute": 0}),
            json!({"name": "x", "sections": [], "rights": "full", "rateLimitPerMinute": 60}),
        ] {
            let response = app.as_admin().post_json("/api/v1/partners", &bad).await;
            assert_eq!(response.status, 422, "{bad}");
        }
    }

    async fn every_story_served_to_a_partner_is_logged_and_reported_by_month(app) {
        let politics = app.section("politics", "정치").await;
        let first = ArticleBuilder::new("첫 기사", &politics)
            .published_ago(Duration::minutes(10))
            .insert(&app)
            .await;
        let second = ArticleBuilder::new("둘째 기사", &politics)
            .published_ago(Duration::minutes(20))
            .not_for_syndication()
            .insert(&app)
            .await;
        let partner = create_partner(&app, &["politics"], "full", 100).await;
        let key = partner["apiKey"].as_str().unwrap();
        let id = partner["id"].as_str().unwrap();
        get_with_key(&app, "/api/v1/articles", key).await;
        get_with_key(&app, &format!("/api/v1/articles/{}", first.id), key).await;
        get_with_key(&app, "/feeds/latest.rss", key).await;
        // The public's reads are nobody's usage.
        app.get("/api/v1/articles").await;
        assert_eq!(app.flush_partner_log().await.unwrap(), 5);

        let report = app
            .as_admin()
            .get(&format!("/api/v1/partners/{id}/usage?month=2026-11"))
            .await;
        assert_eq!(report.status, 200, "{}", String::from_utf8_lossy(&report.body));
        let report = report.json()["data"].clone();
        assert_eq!(report["month"], "2026-11");
        assert_eq!(report["served"], 5);
        let line = |article: &dateline_domain::Article| {
            report["stories"]
                .as_array()
                .unwrap()
                .iter()
                .find(|line| line["articleId"] == article.id.to_string())
                .unwrap()
                .clone()
        };
        assert_eq!(line(&first)["fullText"], 3);
        assert_eq!(line(&first)["summary"], 0);
        assert_eq!(line(&second)["fullText"], 0);
        assert_eq!(line(&second)["summary"], 2, "not for syndication: served as a summary");
        assert_eq!(line(&first)["headline"], "첫 기사");

        let next_month = app
            .as_admin()
            .get(&format!("/api/v1/partners/{id}/usage?month=2026-12"))
            .await
            .json();
        assert_eq!(next_month["data"]["served"], 0);
        assert_eq!(app.as_editor().get(&format!("/api/v1/partners/{id}/usage")).await.status, 403);
        assert_eq!(app.as_admin().get(&format!("/api/v1/partners/{id}/usage?month=2026-13")).await.status, 400);
        assert_eq!(app.as_admin().get("/api/v1/partners/ptn_nope/usage").await.status, 404);
    }

    async fn the_api_documents_syndication(app) {
        let openapi = app.get("/openapi.json").await.json();
        for path in [
            "/feeds/{file}",
            "/feeds/sections/{file}",
            "/sitemap.xml",
            "/sitemap-news.xml",
            "/sitemaps/{file}",
            "/api/v1/articles/{idOrSlug}/jsonld",
            "/api/v1/articles/{idOrSlug}/ninjs",
            "/api/v1/partners",
            "/api/v1/partners/{id}/usage",
            "/api/v1/changes",
            "/api/v1/webhooks",
            "/api/v1/webhooks/{id}/deliveries",
        ] {
            assert!(openapi["paths"].get(path).is_some(), "{path} is documented");
        }
    }

    async fn a_partner_past_its_rate_limit_gets_429_with_retry_after(app) {
        app.section("politics", "정치").await;
        let partner = create_partner(&app, &["politics"], "summary", 2).await;
        let key = partner["apiKey"].as_str().unwrap();
        for remaining in ["1", "0"] {
            let ok = get_with_key(&app, "/api/v1/articles", key).await;
            assert_eq!(ok.status, 200);
            assert_eq!(ok.header("ratelimit-policy"), Some("\"partner\";q=2;w=60"));
            assert!(ok.header("ratelimit").unwrap().contains(&format!(";r={remaining};")));
        }
        let refused = get_with_key(&app, "/feeds/latest.rss", key).await;
        assert_eq!(refused.status, 429);
        assert_eq!(refused.header("content-type"), Some("application/problem+json"));
        let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=31).contains(&retry), "{retry}");
        // Anonymous readers are not held up by a partner's limit.
        assert_eq!(app.get("/api/v1/articles").await.status, 200);
    }
}

async fn get_from(app: &TestApp, path: &str, address: &str) -> TestResponse {
    let mut request = Request::get(path).body(Body::empty()).unwrap();
    let address: IpAddr = address.parse().unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(address, 40_000)));
    app.request(request).await
}

#[tokio::test]
async fn anonymous_clients_past_the_limit_get_429_with_retry_after_per_address() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let app = TestApp::with_syndication(
            engine,
            SyndicationSettings {
                anonymous_rate_per_minute: 3,
                ..SyndicationSettings::default()
            },
        )
        .await;
        for _ in 0..3 {
            let ok = get_from(&app, "/api/v1/articles", "203.0.113.7").await;
            assert_eq!(ok.status, 200);
            assert_eq!(
                ok.header("ratelimit-policy"),
                Some("\"anonymous\";q=3;w=60")
            );
        }
        let refused = get_from(&app, "/feeds/latest.json", "203.0.113.7").await;
        assert_eq!(refused.status, 429);
        assert!(
            refused
                .header("retry-after")
                .unwrap()
                .parse::<u64>()
                .unwrap()
                >= 1
        );
        assert_eq!(refused.json()["code"], "TOO_MANY_REQUESTS");
        assert_eq!(
            get_from(&app, "/api/v1/articles", "203.0.113.8")
                .await
                .status,
            200
        );
        // Health checks are never limited.
        assert_eq!(get_from(&app, "/healthz", "203.0.113.7").await.status, 200);
    }
}
