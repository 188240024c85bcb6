//! Admins add and rename desks over REST and GraphQL; everyone else is refused.

use serde_json::json;

use crate::on_both_engines;

on_both_engines! {
    async fn admins_add_and_rename_desks_and_others_are_refused(app) {
        let mut changes = app.state.subscribe_changes();
        let local = app.as_admin().post_json("/api/v1/sections", &json!({"slug": "local", "name": "지역"})).await;
        assert_eq!(local.status, 201, "{}", String::from_utf8_lossy(&local.body));
        let busan = app.as_admin().post_json("/api/v1/sections", &json!({"slug": "busan", "name": "부산", "parent": "local", "description": "부산 소식"})).await;
        assert_eq!(busan.status, 201);
        let created = app.as_admin().graphql("mutation { createSection(input: {slug: \"gyeongnam\", name: \"경남\", parent: \"local\"}) { slug parent { slug } position } }", json!({})).await;
        assert_eq!(created["data"]["createSection"], json!({"slug": "gyeongnam", "parent": {"slug": "local"}, "position": 2}));

        let tree = app.get("/api/v1/sections").await.json();
        let children: Vec<&str> = tree["data"][0]["children"].as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
        assert_eq!(children, ["busan", "gyeongnam"]);

        let renamed = app.as_admin().patch_json("/api/v1/sections/busan", &json!({"name": "부산·울산", "description": null})).await;
        assert_eq!(renamed.status, 200);
        assert_eq!(app.get("/api/v1/sections/busan").await.json()["data"]["name"], "부산·울산");

        let moved = app.as_admin().patch_json("/api/v1/sections/busan", &json!({"parent": "politics"})).await;
        assert_eq!(moved.status, 422, "desks keep their place in the tree");
        let duplicate = app.as_admin().post_json("/api/v1/sections", &json!({"slug": "local", "name": "또 지역"})).await;
        assert_eq!(duplicate.status, 409);
        assert_eq!(app.as_editor().post_json("/api/v1/sections", &json!({"slug": "x", "name": "x"})).await.status, 403);
        assert_eq!(app.as_anon().patch_json("/api/v1/sections/busan", &json!({"name": "x"})).await.status, 401);
        assert_eq!(app.as_admin().patch_json("/api/v1/sections/nowhere", &json!({"name": "x"})).await.status, 404);

        use dateline_app::events::ChangeKind;
        let first = changes.try_recv().unwrap();
        assert_eq!((first.kind, first.article, first.sections.len()), (ChangeKind::SectionChanged, None, 1));
        let under_parent = changes.try_recv().unwrap();
        assert_eq!(under_parent.sections.len(), 2, "a subsection's change touches its parent's front");
    }
}
