//! The read path's cache: exact invalidation (by ETag: a response changes only when a story in
//! it changed), scheduled lifts on the injected clock, 304s, caching headers, coalesced misses,
//! GraphQL limits, costs and persisted queries, and a constant number of queries per page.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::Request;
use chrono::Duration;
use dateline_api::CacheSettings;
use dateline_app::ViewSettings;
use dateline_domain::Status;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tower::ServiceExt as _;

use crate::harness::{ArticleBuilder, Engine, TestApp, TestResponse, urlencode};

/// Runs each test on both engines against an app whose response cache is on (and whose
/// rankings are kept a few seconds, so GraphQL answers may be kept too).
macro_rules! with_cache_on_both_engines {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: TestApp) $body

                #[tokio::test]
                async fn sqlite() {
                    run(cached_app(Engine::Sqlite).await).await;
                }

                #[tokio::test]
                async fn postgres() {
                    run(cached_app(Engine::Postgres).await).await;
                }
            }
        )*
    };
}

pub(crate) async fn cached_app(engine: Engine) -> TestApp {
    TestApp::with_views(engine, ViewSettings::default())
        .await
        .with_response_cache(CacheSettings {
            capacity_bytes: 32 << 20,
            // Long enough that only changes and scheduled lifts end a kept response here.
            counts_ttl: std::time::Duration::from_secs(3_600),
            ..CacheSettings::default()
        })
}

pub(crate) async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> TestResponse {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.request(request.body(Body::empty()).unwrap()).await
}

fn etag(response: &TestResponse) -> String {
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response
        .header("etag")
        .expect("every public GET has an ETag")
        .to_owned()
}

/// How many changes the cache had applied before a write.
pub(crate) fn applied_so_far(app: &TestApp) -> u64 {
    let http = app.cached.as_ref().expect("the cache is on");
    http.response_cache().changes_applied().borrow().changes
}

/// Waits until the write's change has reached the cache: a change applied after `before` and
/// none left behind it (the bound only keeps a lost change from hanging the test).
pub(crate) async fn settle(app: &TestApp, before: u64) {
    let http = app.cached.as_ref().expect("the cache is on");
    let mut applied = http.response_cache().changes_applied();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        applied.wait_for(|applied| applied.caught_up && applied.changes > before),
    )
    .await
    .expect("the change reaches the cache")
    .unwrap();
}

fn headlines(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["headline"].as_str().unwrap().to_owned())
        .collect()
}

with_cache_on_both_engines! {
    async fn editing_one_story_changes_exactly_the_responses_that_contain_it(app) {
        let politics = app.section("politics", "정치").await;
        let economy = app.section("economy", "경제").await;
        let edited = ArticleBuilder::new("국회 본회의 통과", &politics).published_ago(Duration::hours(2)).insert(&app).await;
        let other = ArticleBuilder::new("수출 석 달째 증가", &economy).published_ago(Duration::hours(1)).insert(&app).await;
        let paths = [
            "/api/v1/articles".to_owned(),
            "/api/v1/articles?section=politics".to_owned(),
            "/api/v1/articles?section=economy".to_owned(),
            format!("/api/v1/articles/{}", edited.slug),
            format!("/api/v1/articles/{}", other.slug),
            "/api/v1/sections".to_owned(),
            "/api/v1/sections/economy".to_owned(),
        ];
        let mut before = BTreeMap::new();
        for path in &paths {
            before.insert(path.clone(), etag(&app.get(path).await));
        }
        // Served from memory now: no statement runs.
        let statements = app.db.statements_run();
        for path in &paths {
            assert_eq!(etag(&app.get(path).await), before[path]);
        }
        assert_eq!(app.db.statements_run(), statements, "a second read is a cache hit");

        let before_edit = applied_so_far(&app);
        let edit = app
            .as_editor()
            .patch_json(&format!("/api/v1/articles/{}", edited.id), &json!({"headline": "국회 본회의 통과, 공포 절차", "version": 1}))
            .await;
        assert_eq!(edit.status, 200, "{}", String::from_utf8_lossy(&edit.body));
        settle(&app, before_edit).await;

        let mut changed = Vec::new();
        for path in &paths {
            if etag(&app.get(path).await) != before[path] {
                changed.push(path);
            }
        }
        let expected = [&paths[0], &paths[1], &paths[3]];
        assert_eq!(changed, expected);
        let item = app.get(&paths[3]).await.json();
        assert_eq!(item["data"]["headline"], "국회 본회의 통과, 공포 절차");
        assert_eq!(headlines(&app.get("/api/v1/articles").await.json())[1], "국회 본회의 통과, 공포 절차");
    }

    async fn an_edit_that_moves_no_story_in_any_list_keeps_the_pages_it_is_not_on(app) {
        let local = app.section("local", "지역").await;
        app.section("economy", "경제").await;
        let archived = ArticleBuilder::new("지난주 부산 기사", &local).published_ago(Duration::days(7)).insert(&app).await;
        let front = ArticleBuilder::new("오늘 부산 기사", &local).published_ago(Duration::hours(1)).insert(&app).await;
        ArticleBuilder::new("어제 부산 기사", &local).published_ago(Duration::hours(20)).insert(&app).await;
        let graphql = format!(
            "/graphql?query={}",
            urlencode("{ latest(first: 2) { nodes { id headline } } }")
        );
        let front_pages = ["/api/v1/articles?limit=2".to_owned(), "/api/v1/articles?section=local&limit=2".to_owned(), graphql.clone()];
        let search = format!("/api/v1/search?q={}", urlencode("부산"));
        let mut before = BTreeMap::new();
        for path in front_pages.iter().chain([&search]) {
            before.insert(path.clone(), etag(&app.get(path).await));
        }

        // A correction to a week-old story: no list moves, so the front pages stay kept; a
        // search, which reads what stories say, goes.
        let edit = |id: String, version: i32, change: Value| {
            let app = &app;
            async move {
                let before_edit = applied_so_far(app);
                let mut body = change;
                body["version"] = json!(version);
                let edited = app.as_editor().patch_json(&format!("/api/v1/articles/{id}"), &body).await;
                assert_eq!(edited.status, 200, "{}", String::from_utf8_lossy(&edited.body));
                settle(app, before_edit).await;
            }
        };
        edit(archived.id.to_string(), 1, json!({"headline": "지난주 부산 기사 (바로잡음)"})).await;
        let statements = app.db.statements_run();
        for path in &front_pages {
            assert_eq!(etag(&app.get(path).await), before[path], "{path}");
        }
        assert_eq!(app.db.statements_run(), statements, "the front pages are still kept");
        let found = app.get(&search).await;
        assert_ne!(etag(&found), before[&search]);
        assert!(found.json().to_string().contains("바로잡음"));

        // Moving it to another desk moves it between lists: the lists go.
        edit(archived.id.to_string(), 2, json!({"section": "economy"})).await;
        let statements = app.db.statements_run();
        app.get(&front_pages[1]).await;
        assert_ne!(app.db.statements_run(), statements, "a desk change drops the lists");

        // An edit of a story on the front pages drops them, and they show it.
        edit(front.id.to_string(), 1, json!({"headline": "오늘 부산 기사, 고침"})).await;
        assert_eq!(headlines(&app.get(&front_pages[0]).await.json())[0], "오늘 부산 기사, 고침");
        let latest = app.get(&graphql).await.json();
        assert_eq!(latest["data"]["latest"]["nodes"][0]["headline"], "오늘 부산 기사, 고침");
    }

    async fn a_scheduled_story_joins_a_cached_list_at_its_time(app) {
        let local = app.section("local", "지역").await;
        ArticleBuilder::new("이미 나간 기사", &local).published_ago(Duration::hours(1)).insert(&app).await;
        ArticleBuilder::new("엠바고 기사", &local).scheduled_in(Duration::minutes(30)).insert(&app).await;
        let first = app.get("/api/v1/articles?section=local").await;
        assert_eq!(headlines(&first.json()), ["이미 나간 기사"]);
        // The CDN is not told to keep it past the lift either.
        let cache_control = first.header("cache-control").unwrap().to_owned();
        assert!(cache_control.contains("public"), "{cache_control}");

        app.clock.advance(Duration::minutes(29));
        let statements = app.db.statements_run();
        assert_eq!(headlines(&app.get("/api/v1/articles?section=local").await.json()), ["이미 나간 기사"]);
        assert_eq!(app.db.statements_run(), statements, "kept until the lift");

        app.clock.advance(Duration::minutes(1));
        assert_eq!(
            headlines(&app.get("/api/v1/articles?section=local").await.json()),
            ["엠바고 기사", "이미 나간 기사"]
        );
        assert_eq!(headlines(&app.get("/api/v1/articles").await.json()), ["엠바고 기사", "이미 나간 기사"]);
    }

    async fn a_matching_etag_answers_304_and_headers_name_what_is_inside(app) {
        let local = app.section("local", "지역").await;
        let author = app.author("hong", "홍길동").await;
        let story = ArticleBuilder::new("부산 수소트램 착공", &local).by(&author).published_ago(Duration::hours(1)).insert(&app).await;
        let path = format!("/api/v1/articles/{}", story.slug);

        for cached in [false, true] {
            let response = app.get(&path).await;
            let tag = etag(&response);
            assert!(tag.starts_with('"') && !tag.starts_with("W/"), "strong: {tag} (cached: {cached})");
            let keys = response.header("surrogate-key").unwrap();
            assert!(keys.contains(&story.id.to_string()) && keys.contains(&local.id.to_string()) && keys.contains(&author.id.to_string()), "{keys}");
            let cache_control = response.header("cache-control").unwrap();
            for part in ["public", "max-age=", "s-maxage=", "stale-while-revalidate=", "stale-if-error="] {
                assert!(cache_control.contains(part), "{cache_control}");
            }
            assert!(response.header("vary").unwrap().contains("Accept-Encoding"));

            let again = get_with(&app, &path, &[("if-none-match", &tag)]).await;
            assert_eq!(again.status, 304);
            assert!(again.body.is_empty());
            assert_eq!(again.header("etag"), Some(tag.as_str()));
            let other = get_with(&app, &path, &[("if-none-match", "\"someone-else\"")]).await;
            assert_eq!(other.status, 200);
        }

        // br and gzip are negotiated; each coding has its own validator, and any of them
        // revalidates.
        let plain = app.get(&path).await;
        let gzip = get_with(&app, &path, &[("accept-encoding", "gzip")]).await;
        assert_eq!(gzip.header("content-encoding"), Some("gzip"));
        let brotli = get_with(&app, &path, &[("accept-encoding", "gzip, br")]).await;
        assert_eq!(brotli.header("content-encoding"), Some("br"));
        assert!(brotli.body.len() < plain.body.len());
        assert_ne!(gzip.header("etag"), plain.header("etag"));
        let revalidated = get_with(&app, &path, &[("accept-encoding", "br"), ("if-none-match", gzip.header("etag").unwrap())]).await;
        assert_eq!(revalidated.status, 304);

        // Signed-in reads are never shared.
        let editor = app.as_editor().get(&path).await;
        assert_eq!(editor.header("cache-control"), Some("private, no-store"));
        assert!(editor.header("surrogate-key").is_none());
    }

    async fn a_stampede_of_misses_on_one_key_makes_one_rendering(app) {
        let local = app.section("local", "지역").await;
        let warm = ArticleBuilder::new("먼저 읽힌 기사", &local).published_ago(Duration::hours(2)).insert(&app).await;
        let hot = ArticleBuilder::new("속보", &local).published_ago(Duration::hours(1)).insert(&app).await;
        // The first rendering also looks up the next scheduled lift; later ones reuse it.
        assert_eq!(app.get("/api/v1/sections").await.status, 200);
        let before = app.db.statements_run();
        assert_eq!(app.get(&format!("/api/v1/articles/{}", warm.slug)).await.status, 200);
        let one_rendering = app.db.statements_run() - before;
        assert!(one_rendering > 0);

        let before = app.db.statements_run();
        let path = format!("/api/v1/articles/{}", hot.slug);
        let readers: Vec<_> = (0..100)
            .map(|_| {
                let router = app.router.clone();
                let request = Request::get(path.as_str()).body(Body::empty()).unwrap();
                tokio::spawn(async move { router.oneshot(request).await.unwrap().status() })
            })
            .collect();
        for reader in readers {
            assert_eq!(reader.await.unwrap(), 200);
        }
        assert_eq!(app.db.statements_run() - before, one_rendering, "100 concurrent misses, one rendering");
    }

    async fn a_reader_without_a_validator_waiting_on_a_fill_gets_the_body_not_a_304(app) {
        let local = app.section("local", "지역").await;
        ArticleBuilder::new("피드에 실린 기사", &local).published_ago(Duration::hours(1)).insert(&app).await;
        // The feed handler answers 304 itself; the first reader to miss holds a validator that
        // matches anything, the ones arriving while its fill renders hold none.
        let path = "/feeds/latest.rss";
        let conditional = {
            let router = app.router.clone();
            let request = Request::get(path).header("if-none-match", "*").body(Body::empty()).unwrap();
            tokio::spawn(async move { router.oneshot(request).await.unwrap().status() })
        };
        let readers: Vec<_> = (0..20)
            .map(|_| {
                let router = app.router.clone();
                let request = Request::get(path).body(Body::empty()).unwrap();
                tokio::spawn(async move { router.oneshot(request).await.unwrap().status() })
            })
            .collect();
        assert_eq!(conditional.await.unwrap(), 304);
        for reader in readers {
            assert_eq!(reader.await.unwrap(), 200, "a reader that sent no validator");
        }
    }

    async fn unpublishing_removes_the_story_from_cached_items_and_lists_at_once(app) {
        let local = app.section("local", "지역").await;
        let story = ArticleBuilder::new("정정 대상 기사", &local).published_ago(Duration::hours(1)).insert(&app).await;
        ArticleBuilder::new("남는 기사", &local).published_ago(Duration::hours(2)).insert(&app).await;
        let path = format!("/api/v1/articles/{}", story.slug);
        assert_eq!(app.get(&path).await.status, 200);
        assert_eq!(headlines(&app.get("/api/v1/articles").await.json()), ["정정 대상 기사", "남는 기사"]);
        let graphql = "/graphql?query=%7Blatest(first%3A5)%7Bnodes%7Bheadline%7D%7D%7D";
        assert_eq!(app.get(graphql).await.json()["data"]["latest"]["nodes"].as_array().unwrap().len(), 2);

        let before_unpublish = applied_so_far(&app);
        let unpublished = app.as_editor().post_json(&format!("/api/v1/articles/{}/unpublish", story.id), &json!({})).await;
        assert_eq!(unpublished.status, 200, "{}", String::from_utf8_lossy(&unpublished.body));
        settle(&app, before_unpublish).await;

        assert_eq!(app.get(&path).await.status, 404);
        assert_eq!(headlines(&app.get("/api/v1/articles").await.json()), ["남는 기사"]);
        assert_eq!(app.get(graphql).await.json()["data"]["latest"]["nodes"].as_array().unwrap().len(), 1);
    }

    async fn graphql_gets_are_cached_and_persisted_queries_work(app) {
        let local = app.section("local", "지역").await;
        ArticleBuilder::new("지역 소식", &local).published_ago(Duration::hours(1)).insert(&app).await;
        let query = "{ latest(first: 20) { nodes { id headline section { name } authors { name } } } }";
        let path = format!("/graphql?query={}", urlencode(query));
        let first = app.get(&path).await;
        let tag = etag(&first);
        // A list: it changes with the public set, as REST's lists do.
        assert!(first.header("surrogate-key").unwrap().contains("latest"), "{:?}", first.header("surrogate-key"));
        assert!(first.json()["extensions"]["cost"]["complexity"].as_u64().unwrap() > 0);
        let statements = app.db.statements_run();
        assert_eq!(etag(&app.get(&path).await), tag);
        assert_eq!(app.db.statements_run(), statements, "a repeated GraphQL GET is a cache hit");

        let hash = hex::encode(Sha256::digest(query.as_bytes()));
        let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}}).to_string();
        let by_hash = format!("/graphql?extensions={}", urlencode(&extensions));
        let unknown = app.get(&by_hash).await.json();
        assert_eq!(unknown["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
        let registered = app
            .send_json(axum::http::Method::POST, "/graphql", &json!({"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}}))
            .await
            .json();
        assert_eq!(registered["data"]["latest"]["nodes"][0]["headline"], "지역 소식");
        let known = app.get(&by_hash).await;
        assert_eq!(known.json()["data"]["latest"]["nodes"][0]["headline"], "지역 소식");
        assert!(known.header("etag").is_some());

        let wrong = app
            .send_json(axum::http::Method::POST, "/graphql", &json!({"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}}))
            .await
            .json();
        assert_eq!(wrong["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_INVALID");
    }

    async fn graphql_refuses_queries_too_deep_or_too_complex_with_a_code(app) {
        let mut deep = String::from("id");
        for _ in 0..14 {
            deep = format!("children {{ {deep} }}");
        }
        let refused = app.graphql(&format!("{{ sections {{ {deep} }} }}"), json!({})).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "QUERY_TOO_DEEP", "{refused}");

        let fields = "id slug headline summary publishedAt section { name slug } authors { name slug }";
        let aliases: String = (0..600).map(|n| format!("a{n}: latest(first: 1) {{ nodes {{ {fields} }} }} ")).collect();
        let refused = app.graphql(&format!("{{ {aliases} }}"), json!({})).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX", "{refused}");

        let fine = app.graphql("{ sections { name } }", json!({})).await;
        assert!(fine["errors"].is_null(), "{fine}");
        assert!(fine["extensions"]["cost"]["depth"].as_u64().unwrap() >= 2);
        assert_eq!(fine["extensions"]["cost"]["maxDepth"], 12);
    }

    async fn a_page_of_fifty_stories_costs_a_constant_number_of_queries(app) {
        let local = app.section("local", "지역").await;
        let busan = app.subsection(&local, "busan", "부산").await;
        for n in 0..50 {
            let author = app.author(&format!("reporter-{n}"), &format!("기자{n}")).await;
            let tag = app.tag(&format!("태그{n}")).await;
            let photo = app.photo(&format!("사진 {n}")).await;
            ArticleBuilder::new(&format!("기사 {n}"), &busan)
                .by(&author)
                .tagged(&tag)
                .lead_image(&photo)
                .published_ago(Duration::minutes(n + 1))
                .insert(&app)
                .await;
        }
        let page = |first: usize| {
            format!("{{ articles(first: {first}) {{ nodes {{ headline section {{ name slug }} authors {{ name }} tags {{ name }} leadImage {{ url caption renditions {{ url }} }} }} }} }}")
        };
        // POST: never cached, so each query runs in full.
        let mut costs = Vec::new();
        for first in [5, 50] {
            let before = app.db.statements_run();
            let answer = app.graphql(&page(first), json!({})).await;
            assert!(answer["errors"].is_null(), "{answer}");
            assert_eq!(answer["data"]["articles"]["nodes"].as_array().unwrap().len(), first);
            assert_eq!(answer["data"]["articles"]["nodes"][0]["section"]["name"], "부산");
            costs.push(app.db.statements_run() - before);
        }
        assert_eq!(costs[0], costs[1], "5 and 50 stories cost the same number of queries");
        // The first kept response looks up the next scheduled lift; do that before counting.
        assert_eq!(app.get("/api/v1/sections").await.status, 200);
        let mut rest = Vec::new();
        for limit in [5, 50] {
            let before = app.db.statements_run();
            let path = format!("/api/v1/articles?limit={limit}&hasImage=true");
            assert_eq!(app.get(&path).await.json()["data"].as_array().unwrap().len(), limit);
            rest.push(app.db.statements_run() - before);
        }
        assert_eq!(rest[0], rest[1]);
    }
}

/// Stories of every status are in the database; only public ones are in a cached list.
#[tokio::test]
async fn nothing_unpublished_reaches_a_cached_list() {
    let app = cached_app(Engine::Sqlite).await;
    let local = app.section("local", "지역").await;
    for status in [
        Status::Draft,
        Status::Submitted,
        Status::Unpublished,
        Status::Archived,
    ] {
        ArticleBuilder::new(&format!("{status:?}"), &local)
            .status(status)
            .insert(&app)
            .await;
    }
    ArticleBuilder::new("공개 기사", &local)
        .published_ago(Duration::hours(1))
        .insert(&app)
        .await;
    for _ in 0..2 {
        assert_eq!(
            headlines(&app.get("/api/v1/articles").await.json()),
            ["공개 기사"]
        );
    }
}

/// Two nodes over one PostgreSQL database: a write on one drops the other's cached copy through
/// LISTEN/NOTIFY.
#[tokio::test]
async fn a_change_on_one_node_reaches_the_other_nodes_cache() {
    let app = cached_app(Engine::Postgres).await;
    let other = dateline_app::App::new(
        app.db.clone(),
        app.clock.clone(),
        app.state.media().clone(),
        app.state.settings().clone(),
    );
    let other_http = dateline_api::HttpState::new(
        other,
        dateline_api::HttpSettings {
            cache: CacheSettings {
                capacity_bytes: 8 << 20,
                counts_ttl: std::time::Duration::from_secs(3_600),
                ..CacheSettings::default()
            },
            ..dateline_api::HttpSettings::default()
        },
    );
    let other_node = dateline_api::build_router(other_http.clone());
    let read_other = |path: String| {
        let router = other_node.clone();
        async move {
            let response = router
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let body = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            serde_json::from_slice::<Value>(&body).unwrap()
        }
    };
    let local = app.section("local", "지역").await;
    let story = ArticleBuilder::new("첫 제목", &local)
        .published_ago(Duration::hours(1))
        .insert(&app)
        .await;
    let path = format!("/api/v1/articles/{}", story.id);
    // The other node hears changes once its LISTEN is in place.
    other_http.response_cache().listening().await;
    let mut heard = other_http.response_cache().notices_heard();
    assert_eq!(
        read_other(path.clone()).await["data"]["headline"],
        "첫 제목"
    );
    let statements = app.db.statements_run();
    assert_eq!(
        read_other(path.clone()).await["data"]["headline"],
        "첫 제목"
    );
    assert_eq!(
        app.db.statements_run(),
        statements,
        "the other node keeps its copy"
    );

    let edit = app
        .as_editor()
        .patch_json(&path, &json!({"headline": "고친 제목", "version": 1}))
        .await;
    assert_eq!(edit.status, 200);
    // Read again after each notice the other node applies (the story's own insert may be heard
    // first); the bound only keeps a lost notice from hanging the test.
    let mut seen = String::new();
    for _ in 0..50 {
        seen = read_other(path.clone()).await["data"]["headline"]
            .as_str()
            .unwrap()
            .to_owned();
        if seen == "고친 제목" {
            break;
        }
        tokio::time::timeout(std::time::Duration::from_secs(5), heard.changed())
            .await
            .expect("the other node hears the change")
            .unwrap();
    }
    assert_eq!(seen, "고친 제목");
}

/// Two nodes over one PostgreSQL database, GraphQL answers cached on the second: a story edited
/// through the first leaves the second's cached answer that shows it, and only that one; a
/// comment drops only the answers that show that story's comments.
#[tokio::test]
async fn a_graphql_answer_is_dropped_on_every_node_exactly_when_what_it_read_changes() {
    let app = cached_app(Engine::Postgres).await;
    let other = dateline_app::App::new(
        app.db.clone(),
        app.clock.clone(),
        app.state.media().clone(),
        app.state.settings().clone(),
    );
    let other_http = dateline_api::HttpState::new(
        other,
        dateline_api::HttpSettings {
            cache: CacheSettings {
                capacity_bytes: 8 << 20,
                counts_ttl: std::time::Duration::from_secs(3_600),
                ..CacheSettings::default()
            },
            ..dateline_api::HttpSettings::default()
        },
    );
    let other_node = dateline_api::build_router(other_http.clone());
    let ask_other = |query: &str| {
        let router = other_node.clone();
        let path = format!("/graphql?query={}", urlencode(query));
        async move {
            let response = router
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let body = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            serde_json::from_slice::<Value>(&body).unwrap()["data"].clone()
        }
    };
    let politics = app.section("politics", "정치").await;
    let economy = app.section("economy", "경제").await;
    let edited = ArticleBuilder::new("첫 제목", &politics)
        .published_ago(Duration::hours(2))
        .insert(&app)
        .await;
    let untouched = ArticleBuilder::new("수출 석 달째 증가", &economy)
        .published_ago(Duration::hours(1))
        .insert(&app)
        .await;
    let showing_it = format!(
        "{{ article(slug: \"{}\") {{ headline section {{ name }} authors {{ name }} }} }}",
        edited.slug
    );
    let unrelated = [
        format!(
            "{{ article(slug: \"{}\") {{ headline section {{ name }} }} }}",
            untouched.slug
        ),
        "{ sections { name children { name } } }".to_owned(),
        "{ section(slug: \"economy\") { name } }".to_owned(),
    ];
    let comments_of_untouched = format!(
        "{{ article(slug: \"{}\") {{ commentCount }} }}",
        untouched.slug
    );
    other_http.response_cache().listening().await;
    let mut heard = other_http.response_cache().notices_heard();
    assert_eq!(
        ask_other(&showing_it).await["article"]["headline"],
        "첫 제목"
    );
    for query in &unrelated {
        ask_other(query).await;
    }
    assert_eq!(
        ask_other(&comments_of_untouched).await["article"]["commentCount"],
        0
    );
    let statements = app.db.statements_run();
    for query in unrelated
        .iter()
        .chain([&showing_it, &comments_of_untouched])
    {
        ask_other(query).await;
    }
    assert_eq!(
        app.db.statements_run(),
        statements,
        "every answer is kept on the other node"
    );

    let edit = app
        .as_editor()
        .patch_json(
            &format!("/api/v1/articles/{}", edited.id),
            &json!({"headline": "고친 제목", "version": 1}),
        )
        .await;
    assert_eq!(edit.status, 200, "{}", String::from_utf8_lossy(&edit.body));
    // Ask again after each notice the other node applies; the bound only keeps a lost notice
    // from hanging the test.
    let mut seen = Value::Null;
    for _ in 0..50 {
        seen = ask_other(&showing_it).await["article"]["headline"].clone();
        if seen == "고친 제목" {
            break;
        }
        tokio::time::timeout(std::time::Duration::from_secs(5), heard.changed())
            .await
            .expect("the other node hears the edit")
            .unwrap();
    }
    assert_eq!(seen, "고친 제목");
    let statements = app.db.statements_run();
    for query in unrelated.iter().chain([&comments_of_untouched]) {
        ask_other(query).await;
    }
    assert_eq!(
        app.db.statements_run(),
        statements,
        "the edit left the other node's unrelated answers cached"
    );

    let comment = crate::comments::post_comment(
        &app,
        &untouched.id.to_string(),
        "203.0.113.9",
        json!({"nickname": "독자", "password": "1234abcd", "body": "좋은 기사"}),
    )
    .await;
    assert_eq!(
        comment.status,
        201,
        "{}",
        String::from_utf8_lossy(&comment.body)
    );
    let mut count = Value::Null;
    for _ in 0..50 {
        count = ask_other(&comments_of_untouched).await["article"]["commentCount"].clone();
        if count == 1 {
            break;
        }
        tokio::time::timeout(std::time::Duration::from_secs(5), heard.changed())
            .await
            .expect("the other node hears the comment")
            .unwrap();
    }
    assert_eq!(count, 1);
    let statements = app.db.statements_run();
    for query in unrelated.iter().chain([&showing_it]) {
        ask_other(query).await;
    }
    assert_eq!(
        app.db.statements_run(),
        statements,
        "a comment drops only the answers that show that story's comments"
    );
}
