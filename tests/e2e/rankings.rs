//! The view beacon and most-viewed rankings, in process on both engines: de-duplication, crawler
//! filtering, exact counts after a flush, window edges on an injected clock, sections, visibility,
//! `viewCount`, and the GraphQL mirror.

use chrono::Duration;
use dateline_app::ViewSettings;
use dateline_domain::{Article, Status, Timestamp};
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

use crate::harness::{ArticleBuilder, Engine, Reader, TestApp};
use crate::on_both_engines;

const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

/// (headline, views) in ranking order.
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

fn pairs(expected: &[(&str, u64)]) -> Vec<(String, u64)> {
    expected
        .iter()
        .map(|(headline, views)| ((*headline).to_owned(), *views))
        .collect()
}

async fn popular(app: &TestApp, query: &str) -> Vec<(String, u64)> {
    let response = app.get(&format!("/api/v1/popular?{query}")).await;
    assert_eq!(
        response.status,
        200,
        "{query}: {}",
        String::from_utf8_lossy(&response.body)
    );
    ranked(&response.json())
}

async fn view_count(app: &TestApp, article: &Article) -> u64 {
    app.get(&format!("/api/v1/articles/{}", article.id))
        .await
        .json()["data"]["viewCount"]
        .as_u64()
        .unwrap()
}

/// Runs a GraphQL request as a browser would send it (crawlers' views do not count).
async fn graphql_from_browser(app: &TestApp, query: &str, variables: Value) -> Value {
    app.request(
        axum::http::Request::post("/graphql")
            .header("content-type", "application/json")
            .header("user-agent", crate::harness::CHROME)
            .body(axum::body::Body::from(
                serde_json::to_vec(&json!({"query": query, "variables": variables})).unwrap(),
            ))
            .unwrap(),
    )
    .await
    .json()
}

/// Changes a story's status behind the API's back, as an editor's unpublish would.
async fn set_status(app: &TestApp, article: &Article, status: Status) {
    let connection = sea_orm::Database::connect(&app.database_url).await.unwrap();
    connection
        .execute_unprepared(&format!(
            "UPDATE articles SET status = '{}' WHERE id = '{}'",
            status.as_str(),
            article.id
        ))
        .await
        .unwrap();
    connection.close().await.unwrap();
}

on_both_engines! {
    async fn a_reader_counts_once_per_story_in_thirty_minutes_and_crawlers_never(app) {
        let local = app.section("local", "지역").await;
        let story = ArticleBuilder::new("부산 수소트램 착공", &local).insert(&app).await;
        let other = ArticleBuilder::new("광안대교 마라톤", &local).insert(&app).await;
        let id = story.id.to_string();

        // The same reader id three times, from two addresses: one view.
        for address in ["203.0.113.1", "203.0.113.1", "198.51.100.2"] {
            let response = app.view(&id, &Reader::browser().at(address).reader_id("reader-a")).await;
            assert_eq!(response.status, 202);
            assert!(response.body.is_empty(), "the beacon answers with no body");
            assert_eq!(response.header("cache-control"), Some("no-store"));
        }
        // The same reader on another story counts there.
        app.view(&other.id.to_string(), &Reader::browser().reader_id("reader-a")).await;
        // Without a reader id: the address and the User-Agent together are the reader.
        let anonymous = Reader::browser().at("203.0.113.50");
        app.view(&id, &anonymous).await;
        app.view(&id, &anonymous).await;
        app.view(&id, &anonymous.clone().user_agent(Some(IPHONE))).await;
        app.view(&id, &anonymous.clone().at("203.0.113.51")).await;
        // Crawlers and clients without a User-Agent are accepted but never counted.
        for agent in [Some(GOOGLEBOT), Some("curl/8.5.0"), Some("python-requests/2.32"), Some(""), None] {
            let response = app.view(&id, &Reader::browser().at("203.0.113.99").user_agent(agent)).await;
            assert_eq!(response.status, 202, "{agent:?}");
        }
        assert_eq!(app.flush_views().await, 5);
        assert_eq!(popular(&app, "").await, pairs(&[("부산 수소트램 착공", 4), ("광안대교 마라톤", 1)]));

        // 29 minutes later the same readers are still repeats; at 30 minutes they count again.
        app.clock.advance(Duration::minutes(29));
        app.view(&id, &Reader::browser().reader_id("reader-a")).await;
        app.view(&id, &anonymous).await;
        assert_eq!(app.flush_views().await, 0);
        app.clock.advance(Duration::minutes(1));
        app.view(&id, &Reader::browser().reader_id("reader-a")).await;
        app.view(&id, &anonymous).await;
        assert_eq!(app.flush_views().await, 2);
        assert_eq!(view_count(&app, &story).await, 6);
    }

    async fn order_and_counts_are_exact_after_a_flush(app) {
        let economy = app.section("economy", "경제").await;
        let reporter = app.author("kim-minji", "김민지").await;
        let first = ArticleBuilder::new("금리 동결", &economy).by(&reporter).insert(&app).await;
        let second = ArticleBuilder::new("수출 반등", &economy).published_ago(Duration::hours(3)).insert(&app).await;
        let third = ArticleBuilder::new("물가 안정", &economy).published_ago(Duration::hours(5)).insert(&app).await;
        ArticleBuilder::new("읽지 않은 기사", &economy).insert(&app).await;

        assert_eq!(popular(&app, "").await, [], "nothing ranks before anyone reads");
        app.views_from_distinct_readers(&second, 7).await;
        app.views_from_distinct_readers(&first, 12).await;
        app.views_from_distinct_readers(&third, 3).await;
        assert_eq!(popular(&app, "").await, [], "views wait in memory until the flush");
        assert_eq!(app.flush_views().await, 22);

        let response = app.get("/api/v1/popular").await;
        assert_eq!(response.status, 200);
        let ranking = response.json();
        assert_eq!(ranked(&ranking), pairs(&[("금리 동결", 12), ("수출 반등", 7), ("물가 안정", 3)]));
        assert_eq!(ranking["window"], "24h");
        assert_eq!(ranking["generatedAt"], "2026-11-30T09:00:00+09:00");
        let ranks: Vec<_> = ranking["data"].as_array().unwrap().iter().map(|item| item["rank"].clone()).collect();
        assert_eq!(ranks, [json!(1), json!(2), json!(3)]);
        insta::assert_json_snapshot!("popular_ranking", ranking["data"][0], {
            ".article.id" => "[article id]",
            ".article.slug" => "[slug]",
            ".article.url" => "[url]",
            ".article.section.id" => "[section id]",
            ".article.authors[].id" => "[author id]",
        });
        assert_eq!(popular(&app, "limit=2").await, pairs(&[("금리 동결", 12), ("수출 반등", 7)]));

        // More views after the first flush add to the stored counts.
        for n in 0..10 {
            app.view(&third.id.to_string(), &Reader::browser().reader_id(&format!("late-{n}"))).await;
        }
        app.flush_views().await;
        assert_eq!(popular(&app, "").await, pairs(&[("물가 안정", 13), ("금리 동결", 12), ("수출 반등", 7)]));
    }

    async fn a_view_25_hours_ago_is_in_7d_but_not_in_24h(app) {
        let society = app.section("society", "사회").await;
        let old = ArticleBuilder::new("어제 아침 기사", &society).published_ago(Duration::hours(2)).insert(&app).await;
        let recent = ArticleBuilder::new("어제 오후 기사", &society).published_ago(Duration::hours(2)).insert(&app).await;
        let fresh = ArticleBuilder::new("방금 기사", &society).published_ago(Duration::hours(2)).insert(&app).await;

        // 09:00 (+09:00): one view of the first story; two hours later, two of the second.
        app.views_from_distinct_readers(&old, 1).await;
        app.clock.advance(Duration::hours(2));
        app.views_from_distinct_readers(&recent, 2).await;
        app.flush_views().await;

        // 25 hours after the first view, 23 after the second.
        app.clock.advance(Duration::hours(23));
        app.views_from_distinct_readers(&fresh, 3).await;
        app.flush_views().await;
        assert_eq!(popular(&app, "window=1h").await, pairs(&[("방금 기사", 3)]));
        assert_eq!(popular(&app, "window=24h").await, pairs(&[("방금 기사", 3), ("어제 오후 기사", 2)]));
        assert_eq!(popular(&app, "window=7d").await, pairs(&[("방금 기사", 3), ("어제 오후 기사", 2), ("어제 아침 기사", 1)]));
        assert_eq!(popular(&app, "window=30d").await, popular(&app, "window=7d").await);

        // Two hours on, the last hour's ranking has moved past the fresh views; a week on, only
        // 30d remembers any of it.
        app.clock.advance(Duration::hours(2));
        app.flush_views().await;
        assert_eq!(popular(&app, "window=1h").await, []);
        app.clock.advance(Duration::days(7));
        app.flush_views().await;
        assert_eq!(popular(&app, "window=7d").await, []);
        assert_eq!(popular(&app, "window=30d").await.len(), 3);
    }

    async fn buckets_older_than_the_longest_window_are_pruned_but_totals_stay(app) {
        let culture = app.section("culture", "문화").await;
        let story = ArticleBuilder::new("부산국제영화제 개막", &culture).insert(&app).await;
        app.views_from_distinct_readers(&story, 4).await;
        app.flush_views().await;
        let since_ever = Timestamp::from_unix_seconds(0).unwrap();
        let stored = |app: &TestApp| {
            let db = app.db.clone();
            let now = app.now();
            async move { db.article_views().ranking(since_ever, now, None, 10).await.unwrap() }
        };
        assert_eq!(stored(&app).await.len(), 1);

        app.clock.advance(Duration::days(30));
        app.flush_views().await;
        assert_eq!(stored(&app).await.len(), 1, "a bucket 30 days old is still in the 30d window");
        app.clock.advance(Duration::hours(2));
        app.flush_views().await;
        assert_eq!(stored(&app).await, [], "past the longest window, the bucket is gone");
        assert_eq!(view_count(&app, &story).await, 4, "the all-time count stays");
    }

    async fn only_public_stories_are_counted_and_ranked(app) {
        let politics = app.section("politics", "정치").await;
        let public = ArticleBuilder::new("공개 기사", &politics).insert(&app).await;
        let draft = ArticleBuilder::new("초안", &politics).status(Status::Draft).insert(&app).await;
        let scheduled = ArticleBuilder::new("엠바고 기사", &politics).scheduled_in(Duration::minutes(10)).insert(&app).await;
        let archived = ArticleBuilder::new("보관 기사", &politics).status(Status::Archived).insert(&app).await;

        for (id, what) in [
            (draft.id.to_string(), "a draft"),
            (scheduled.id.to_string(), "a story under embargo"),
            (archived.id.to_string(), "an archived story"),
            ("art_01JD0000000000000000000000".to_owned(), "an unknown id"),
            ("art_garbage".to_owned(), "a malformed id"),
            (public.slug.to_string(), "a slug"),
        ] {
            let response = app.view(&id, &Reader::browser()).await;
            assert_eq!(response.status, 404, "{what}");
            assert_eq!(response.header("content-type"), Some("application/problem+json"));
            assert_eq!(response.json()["code"], "NOT_FOUND");
        }
        assert_eq!(app.flush_views().await, 0, "nothing that is not public is counted");

        // The embargo lifts at its time: the beacon counts with no restart.
        app.clock.advance(Duration::minutes(10));
        app.views_from_distinct_readers(&scheduled, 5).await;
        app.views_from_distinct_readers(&public, 3).await;
        app.flush_views().await;
        assert_eq!(popular(&app, "").await, pairs(&[("엠바고 기사", 5), ("공개 기사", 3)]));

        // Unpublished: gone from the ranking at once, on REST and GraphQL alike.
        set_status(&app, &scheduled, Status::Unpublished).await;
        assert_eq!(popular(&app, "").await, pairs(&[("공개 기사", 3)]));
        let graphql = app.graphql("{ popular { rank views article { headline } } }", json!({})).await;
        assert_eq!(graphql["data"]["popular"], json!([{"rank": 1, "views": 3, "article": {"headline": "공개 기사"}}]));
    }

    async fn when_unpublished_stories_crowd_the_top_the_ranking_reaches_further_down(app) {
        let society = app.section("society", "사회").await;
        let mut hot = Vec::new();
        for n in 0..200 {
            let story = ArticleBuilder::new(&format!("hot {n}"), &society).insert(&app).await;
            app.views_from_distinct_readers(&story, 2).await;
            hot.push(story);
        }
        for n in 0..60 {
            let story = ArticleBuilder::new(&format!("warm {n}"), &society).insert(&app).await;
            app.views_from_distinct_readers(&story, 1).await;
        }
        app.flush_views().await;
        // All but ten of the 200 most viewed are taken down.
        let connection = sea_orm::Database::connect(&app.database_url).await.unwrap();
        let ids: Vec<String> = hot[10..].iter().map(|story| format!("'{}'", story.id)).collect();
        connection
            .execute_unprepared(&format!("UPDATE articles SET status = 'UNPUBLISHED' WHERE id IN ({})", ids.join(",")))
            .await
            .unwrap();
        connection.close().await.unwrap();

        let ranking = popular(&app, "limit=100").await;
        assert_eq!(ranking.len(), 70, "the ten left and all sixty below them");
        assert!(ranking[..10].iter().all(|(headline, views)| headline.starts_with("hot") && *views == 2));
        assert!(ranking[10..].iter().all(|(headline, views)| headline.starts_with("warm") && *views == 1));
    }

    async fn a_section_ranking_includes_its_subsections_and_nothing_else(app) {
        let local = app.section("local", "지역").await;
        let busan = app.subsection(&local, "busan", "부산").await;
        let sports = app.section("sports", "스포츠").await;
        let harbour = ArticleBuilder::new("부산항 물동량", &busan).insert(&app).await;
        let council = ArticleBuilder::new("도의회 개원", &local).insert(&app).await;
        let baseball = ArticleBuilder::new("야구 개막", &sports).insert(&app).await;
        app.views_from_distinct_readers(&baseball, 9).await;
        app.views_from_distinct_readers(&harbour, 4).await;
        app.views_from_distinct_readers(&council, 2).await;
        app.flush_views().await;

        assert_eq!(popular(&app, "section=local").await, pairs(&[("부산항 물동량", 4), ("도의회 개원", 2)]));
        assert_eq!(popular(&app, "section=busan").await, pairs(&[("부산항 물동량", 4)]));
        assert_eq!(popular(&app, "section=sports&window=7d").await, pairs(&[("야구 개막", 9)]));
        assert_eq!(popular(&app, "").await.len(), 3);
        let graphql = app
            .graphql("{ popular(window: WEEK, section: \"local\", first: 1) { rank views article { headline section { slug } } } }", json!({}))
            .await;
        assert_eq!(
            graphql["data"]["popular"],
            json!([{"rank": 1, "views": 4, "article": {"headline": "부산항 물동량", "section": {"slug": "busan"}}}])
        );
    }

    async fn stories_carry_their_all_time_view_count_in_rest_and_graphql(app) {
        let world = app.section("world", "국제").await;
        let read = ArticleBuilder::new("많이 읽힌 기사", &world).insert(&app).await;
        ArticleBuilder::new("아무도 안 읽은 기사", &world).published_ago(Duration::hours(2)).insert(&app).await;
        app.views_from_distinct_readers(&read, 6).await;
        assert_eq!(view_count(&app, &read).await, 0, "as of the last flush");
        app.flush_views().await;
        app.clock.advance(Duration::days(2));
        app.views_from_distinct_readers(&read, 1).await;
        app.flush_views().await;

        assert_eq!(view_count(&app, &read).await, 7);
        let list = app.get("/api/v1/articles").await.json();
        let counts: Vec<_> = list["data"].as_array().unwrap().iter().map(|a| a["viewCount"].clone()).collect();
        assert_eq!(counts, [json!(7), json!(0)]);
        let graphql = app
            .graphql(
                "query($id: ID!) { article(id: $id) { viewCount } latest { nodes { headline viewCount } } }",
                json!({"id": read.id.to_string()}),
            )
            .await;
        assert!(graphql.get("errors").is_none(), "{graphql}");
        assert_eq!(graphql["data"]["article"]["viewCount"], 7);
        assert_eq!(
            graphql["data"]["latest"]["nodes"],
            json!([{"headline": "많이 읽힌 기사", "viewCount": 7}, {"headline": "아무도 안 읽은 기사", "viewCount": 0}])
        );
    }

    async fn the_graphql_mutation_counts_like_the_beacon(app) {
        let opinion = app.section("opinion", "오피니언").await;
        let story = ArticleBuilder::new("사설", &opinion).insert(&app).await;
        let draft = ArticleBuilder::new("초안 사설", &opinion).status(Status::Draft).insert(&app).await;
        let mutation = "mutation($id: ID!, $reader: String) { recordView(articleId: $id, readerId: $reader) }";
        for reader in ["a", "b", "a"] {
            let response = graphql_from_browser(&app, mutation, json!({"id": story.id.to_string(), "reader": reader})).await;
            assert_eq!(response["data"], json!({"recordView": true}));
        }
        let response = graphql_from_browser(&app, mutation, json!({"id": draft.id.to_string(), "reader": "a"})).await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "NOT_FOUND");
        // Without a User-Agent (as a script sends it): accepted, never counted.
        let response = app.graphql(mutation, json!({"id": story.id.to_string(), "reader": "c"})).await;
        assert_eq!(response["data"], json!({"recordView": true}));
        let response = graphql_from_browser(&app, mutation, json!({"id": story.id.to_string(), "reader": ""})).await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_REQUEST");
        assert_eq!(response["errors"][0]["extensions"]["field"], "readerId");
        assert_eq!(app.flush_views().await, 2);
        let graphql = app.graphql("{ popular(window: HOUR) { rank views article { headline viewCount } } }", json!({})).await;
        assert_eq!(graphql["data"]["popular"], json!([{"rank": 1, "views": 2, "article": {"headline": "사설", "viewCount": 2}}]));
    }

    async fn bad_ranking_and_beacon_input_answers_problem_json_and_never_500(app) {
        let tech = app.section("tech", "IT").await;
        let story = ArticleBuilder::new("반도체 수출", &tech).insert(&app).await;
        for (path, field) in [
            ("/api/v1/popular?window=2h", "window"),
            ("/api/v1/popular?window=day", "window"),
            ("/api/v1/popular?limit=0", "limit"),
            ("/api/v1/popular?limit=101", "limit"),
            ("/api/v1/popular?limit=lots", "limit"),
            ("/api/v1/popular?section=Not%20A%20Slug", "section"),
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status, 400, "{path}");
            assert_eq!(response.header("content-type"), Some("application/problem+json"));
            assert_eq!(response.json()["errors"][0]["field"], field, "{path}");
        }
        let response = app.get("/api/v1/popular?section=nowhere").await;
        assert_eq!(response.status, 404);
        assert_eq!(response.json()["code"], "NOT_FOUND");

        let path = format!("/api/v1/articles/{}/views", story.id);
        for (body, field) in [
            ("{not json", "body"),
            ("[1, 2]", "body"),
            ("{\"readerId\": 42}", "body"),
            ("{\"readerId\": \"\"}", "readerId"),
        ] {
            let response = app
                .request(
                    axum::http::Request::post(&path)
                        .header("user-agent", crate::harness::CHROME)
                        .header("content-type", "text/plain;charset=UTF-8")
                        .body(axum::body::Body::from(body))
                        .unwrap(),
                )
                .await;
            assert_eq!(response.status, 400, "{body}");
            assert_eq!(response.json()["errors"][0]["field"], field, "{body}");
        }
        let long = "r".repeat(201);
        assert_eq!(app.view(&story.id.to_string(), &Reader::browser().reader_id(&long)).await.status, 400);
        // sendBeacon posts text/plain; unknown fields are ignored.
        let response = app
            .request(
                axum::http::Request::post(&path)
                    .header("user-agent", crate::harness::CHROME)
                    .header("content-type", "text/plain;charset=UTF-8")
                    .body(axum::body::Body::from("{\"readerId\": \"r-1\", \"referrer\": \"https://news.example/\"}"))
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, 202);
        assert_eq!(app.get(&path).await.status, 405);

        let graphql = app.graphql("{ popular(first: 0) { rank } }", json!({})).await;
        assert_eq!(graphql["errors"][0]["extensions"]["code"], "BAD_REQUEST");
        let graphql = app.graphql("{ popular(section: \"nowhere\") { rank } }", json!({})).await;
        assert_eq!(graphql["errors"][0]["extensions"]["code"], "NOT_FOUND");
        let graphql = app.graphql("{ popular(window: YEAR) { rank } }", json!({})).await;
        assert_eq!(graphql["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    }

    async fn the_api_documents_the_beacon_and_the_ranking(app) {
        let spec = app.get("/openapi.json").await.json();
        assert!(spec["paths"]["/api/v1/popular"]["get"].is_object());
        assert!(spec["paths"]["/api/v1/articles/{id}/views"]["post"]["responses"]["202"].is_object());
    }
}

#[tokio::test]
async fn x_forwarded_for_is_believed_only_from_trusted_proxies() {
    let app = TestApp::with_views(
        Engine::Sqlite,
        ViewSettings {
            trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
            ..ViewSettings::default()
        },
    )
    .await;
    let local = app.section("local", "지역").await;
    let story = ArticleBuilder::new("부산 지하철 개통", &local)
        .insert(&app)
        .await;
    let id = story.id.to_string();

    // Behind the trusted load balancer, two readers are two readers.
    let proxy = Reader::browser().at("10.0.0.2");
    app.view(&id, &proxy.clone().forwarded_for("203.0.113.1"))
        .await;
    app.view(&id, &proxy.clone().forwarded_for("203.0.113.2"))
        .await;
    app.view(&id, &proxy.clone().forwarded_for("203.0.113.2"))
        .await;
    // A client that is not a trusted proxy cannot pose as many readers.
    let stranger = Reader::browser().at("198.51.100.7");
    for n in 0..5 {
        app.view(
            &id,
            &stranger.clone().forwarded_for(&format!("192.0.2.{n}")),
        )
        .await;
    }
    // Nor can one that writes hops in front of a trusted proxy's.
    app.view(&id, &proxy.forwarded_for("192.0.2.77, 203.0.113.1"))
        .await;
    assert_eq!(app.flush_views().await, 3);
}

#[tokio::test]
async fn a_cached_ranking_is_reused_but_an_unpublished_story_leaves_it_at_once() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let app = TestApp::with_views(
            engine,
            ViewSettings {
                ranking_cache_ttl: std::time::Duration::from_secs(3_600),
                ..ViewSettings::default()
            },
        )
        .await;
        let economy = app.section("economy", "경제").await;
        let rates = ArticleBuilder::new("금리 인하", &economy)
            .insert(&app)
            .await;
        let exports = ArticleBuilder::new("수출 회복", &economy)
            .insert(&app)
            .await;
        app.views_from_distinct_readers(&rates, 3).await;
        app.views_from_distinct_readers(&exports, 2).await;
        app.flush_views().await;
        let first = app.get("/api/v1/popular").await.json();
        assert_eq!(
            ranked(&first),
            pairs(&[("금리 인하", 3), ("수출 회복", 2)]),
            "{engine:?}"
        );

        // Within the cache's lifetime the ranking is reused as summed…
        for n in 0..5 {
            app.view(
                &exports.id.to_string(),
                &Reader::browser().reader_id(&format!("later-{n}")),
            )
            .await;
        }
        app.flush_views().await;
        let cached = app.get("/api/v1/popular").await.json();
        assert_eq!(ranked(&cached), ranked(&first), "{engine:?}");
        assert_eq!(cached["generatedAt"], first["generatedAt"]);

        // …but a story unpublished meanwhile is gone from it at once.
        set_status(&app, &rates, Status::Unpublished).await;
        let response = app.get("/api/v1/popular").await.json();
        assert_eq!(ranked(&response), pairs(&[("수출 회복", 2)]), "{engine:?}");
        assert_eq!(response["data"][0]["rank"], 1);
        let graphql = app
            .graphql("{ popular { rank article { headline } } }", json!({}))
            .await;
        assert_eq!(
            graphql["data"]["popular"],
            json!([{"rank": 1, "article": {"headline": "수출 회복"}}])
        );
    }
}
