//! The visibility rule on every public surface: drafts, submitted, future-scheduled, unpublished
//! and archived stories appear nowhere — no list, item, count or node — and a scheduled story
//! appears at its time with no restart.

use chrono::Duration;
use dateline_domain::{Article, Status};
use serde_json::{Value, json};

use crate::harness::{ArticleBuilder, TestApp};
use crate::on_both_engines;

/// Every public surface a story could show up on, as (surface, ids found).
async fn visible_ids(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let mut surfaces = Vec::new();
    for path in [
        "/api/v1/articles?limit=100",
        "/api/v1/articles?section=local&limit=100",
        "/api/v1/articles?section=busan&limit=100",
        "/api/v1/articles?tag=%EB%B6%80%EC%82%B0&limit=100",
        "/api/v1/articles?author=reporter&limit=100",
        "/api/v1/articles?hasImage=true&limit=100",
    ] {
        let list = app.get(path).await.json();
        surfaces.push((path.to_owned(), ids(&list["data"])));
    }
    let graphql = app
        .graphql(
            "{ articles(first: 100) { nodes { id } } latest(first: 100) { nodes { id } }
               section(slug: \"local\") { articles(first: 100) { nodes { id } } }
               tag(slug: \"부산\") { articles(first: 100) { nodes { id } } }
               author(slug: \"reporter\") { articles(first: 100) { nodes { id } } } }",
            json!({}),
        )
        .await;
    let data = &graphql["data"];
    surfaces.push(("graphql articles".into(), ids(&data["articles"]["nodes"])));
    surfaces.push(("graphql latest".into(), ids(&data["latest"]["nodes"])));
    surfaces.push((
        "graphql section".into(),
        ids(&data["section"]["articles"]["nodes"]),
    ));
    surfaces.push(("graphql tag".into(), ids(&data["tag"]["articles"]["nodes"])));
    surfaces.push((
        "graphql author".into(),
        ids(&data["author"]["articles"]["nodes"]),
    ));
    surfaces
}

/// The ids a list shows; a list that is not there (a 404 for a tag or author with no public
/// story, a null GraphQL tag) shows none.
fn ids(nodes: &Value) -> Vec<String> {
    nodes
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn total_count(app: &TestApp) -> i64 {
    let response = app
        .graphql("{ articles { totalCount } latest { totalCount } section(slug: \"busan\") { articles { totalCount } } }", json!({}))
        .await;
    let data = &response["data"];
    assert_eq!(data["articles"]["totalCount"], data["latest"]["totalCount"]);
    assert_eq!(
        data["articles"]["totalCount"],
        data["section"]["articles"]["totalCount"]
    );
    data["articles"]["totalCount"].as_i64().unwrap()
}

/// Whether a story can be reached by id, slug and node.
async fn reachable(app: &TestApp, story: &Article) -> [bool; 4] {
    let by_id = app
        .get(&format!("/api/v1/articles/{}", story.id))
        .await
        .status
        == 200;
    let slug: String = story
        .slug
        .as_str()
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect();
    let by_slug = app.get(&format!("/api/v1/articles/{slug}")).await.status == 200;
    let response = app
        .graphql(
            "query($id: ID!, $slug: String!) { byId: article(id: $id) { id } bySlug: article(slug: $slug) { id } node(id: $id) { id } }",
            json!({"id": story.id.to_string(), "slug": story.slug.as_str()}),
        )
        .await;
    let data = &response["data"];
    [
        by_id,
        by_slug,
        !data["byId"].is_null() && !data["bySlug"].is_null(),
        !data["node"].is_null(),
    ]
}

on_both_engines! {
    async fn only_public_stories_appear_on_any_public_surface(app) {
        let local = app.section("local", "지역").await;
        let busan = app.subsection(&local, "busan", "부산").await;
        let reporter = app.author("reporter", "박기자").await;
        let tag = app.tag("부산").await;
        let photo = app.photo("사진").await;
        let story = |headline: &str| {
            ArticleBuilder::new(headline, &busan).by(&reporter).tagged(&tag).lead_image(&photo)
        };
        let public = story("공개 기사").published_ago(Duration::hours(2)).insert(&app).await;
        let hidden = [
            story("초안").status(Status::Draft).insert(&app).await,
            story("송고").status(Status::Submitted).insert(&app).await,
            story("예약").scheduled_in(Duration::minutes(10)).insert(&app).await,
            story("미래 날짜").published_ago(Duration::minutes(-5)).insert(&app).await,
            story("내림").published_ago(Duration::hours(3)).status(Status::Unpublished).insert(&app).await,
            story("보관").published_ago(Duration::hours(4)).status(Status::Archived).insert(&app).await,
        ];

        for (surface, found) in visible_ids(&app).await {
            assert_eq!(found, vec![public.id.to_string()], "{surface}");
        }
        assert_eq!(total_count(&app).await, 1);
        assert_eq!(reachable(&app, &public).await, [true; 4]);
        for story in &hidden {
            assert_eq!(reachable(&app, story).await, [false; 4], "{}", story.headline);
        }
    }

    async fn a_scheduled_story_appears_at_its_time_without_a_restart(app) {
        let local = app.section("local", "지역").await;
        let _busan = app.subsection(&local, "busan", "부산").await;
        let _reporter = app.author("reporter", "박기자").await;
        let _tag = app.tag("부산").await;
        let embargoed = ArticleBuilder::new("엠바고 기사", &local).scheduled_in(Duration::minutes(10)).insert(&app).await;

        app.clock.advance(Duration::minutes(10) - Duration::seconds(1));
        assert_eq!(reachable(&app, &embargoed).await, [false; 4], "one second before its time");
        assert_eq!(total_count(&app).await, 0);

        app.clock.advance(Duration::seconds(1));
        assert_eq!(reachable(&app, &embargoed).await, [true; 4], "at its time");
        let latest = app.get("/api/v1/articles").await.json();
        assert_eq!(latest["data"][0]["id"], embargoed.id.to_string());
        assert_eq!(latest["data"][0]["publishedAt"], "2026-11-30T09:10:00+09:00");
    }
}
