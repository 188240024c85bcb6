//! Sections, authors and tags over REST.

use serde_json::json;

use crate::harness::ArticleBuilder;
use crate::on_both_engines;

on_both_engines! {
    async fn the_section_tree_and_one_section_answer(app) {
        let local = app.section("local", "지역").await;
        app.subsection(&local, "busan", "부산").await;
        app.section("politics", "정치").await;

        let tree = app.get("/api/v1/sections").await.json();
        let slugs: Vec<_> = tree["data"].as_array().unwrap().iter().map(|s| s["slug"].as_str().unwrap().to_owned()).collect();
        assert_eq!(slugs, ["local", "politics"]);
        assert_eq!(tree["data"][0]["children"][0]["slug"], "busan");

        let busan = app.get("/api/v1/sections/busan").await.json();
        assert_eq!(busan["data"]["name"], "부산");
        assert_eq!(busan["data"]["parent"]["slug"], "local");
        assert_eq!(busan["data"]["children"], json!([]));
        let local = app.get("/api/v1/sections/local").await.json();
        assert!(local["data"].get("parent").is_none());
        assert_eq!(local["data"]["children"][0]["name"], "부산");
    }

    async fn authors_and_tags_answer_by_slug(app) {
        let author = app.author("kim-minji", "김민지").await;
        let tag = app.tag("지방선거").await;
        // A tag or author answers only while one of its stories is public (decision 0603).
        let section = app.section("politics", "정치").await;
        ArticleBuilder::new("지방선거 D-100", &section)
            .published_ago(chrono::Duration::hours(1))
            .by(&author)
            .tagged(&tag)
            .insert(&app)
            .await;
        let author = app.get("/api/v1/authors/kim-minji").await.json();
        assert_eq!(author["data"]["name"], "김민지");
        assert_eq!(author["data"]["role"], "기자");
        assert_eq!(author["data"]["byline"], "김민지 기자");
        let tag = app.get("/api/v1/tags/%EC%A7%80%EB%B0%A9%EC%84%A0%EA%B1%B0").await.json();
        assert_eq!(tag["data"]["name"], "지방선거");
        insta::assert_json_snapshot!("author_page", author, {".data.id" => "[author id]"});
        insta::assert_json_snapshot!("tag_page", tag, {".data.id" => "[tag id]"});
    }

    async fn the_section_tree_answers_in_a_stable_shape(app) {
        let local = app.section("local", "지역").await;
        app.subsection(&local, "busan", "부산").await;
        app.subsection(&local, "gyeongnam", "경남").await;
        app.section("politics", "정치").await;
        let tree = app.get("/api/v1/sections").await.json();
        insta::assert_json_snapshot!("section_tree", tree, {".data[].id" => "[section id]", ".data[].children[].id" => "[section id]"});
        let busan = app.get("/api/v1/sections/busan").await.json();
        insta::assert_json_snapshot!("section_item", busan, {".data.id" => "[section id]", ".data.parent.id" => "[section id]"});
    }
}
