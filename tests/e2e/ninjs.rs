//! ninjs against the official IPTC ninjs 2.4 JSON Schema it names in `standard.schema`: every
//! story of the demo newsroom, and stories of every shape (lead image or none, several bylines,
//! tags, a correction, a Korean slug, a partner's summary-only view, the not-for-syndication
//! mark), over REST and GraphQL. The schema is kept in `fixtures/ninjs` with IPTC's licence; no
//! test fetches anything.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use chrono::Duration;
use dateline_domain::Timestamp;
use serde_json::{Value, json};

use crate::harness::{ArticleBuilder, ChildProcess, TestApp, TestResponse, printed_address};
use crate::on_both_engines;

const BINARY: &str = env!("CARGO_BIN_EXE_dateline");

const SCHEMA: &str = include_str!("fixtures/ninjs/ninjs-schema_2.4.json");

/// The one external schema the IPTC schema refers to (for `places[].geojson`).
const GEOJSON: &str = "https://geojson.org/schema/GeoJSON.json";

/// Answers the GeoJSON reference with the schema `false` instead of fetching it: Dateline writes
/// no `geojson`, and if it ever does this fails until the real GeoJSON schema is kept here too.
/// Anything else is refused, so a test never reaches the network.
struct Offline;

impl jsonschema::Retrieve for Offline {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str().trim_end_matches('#') == GEOJSON {
            Ok(Value::Bool(false))
        } else {
            Err(format!("the ninjs test fetches nothing, not {uri}").into())
        }
    }
}

/// The IPTC validator, formats (`uri`, `date-time`) checked as partners' validators do.
fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(Offline)
        .build(&schema)
        .unwrap()
}

/// Fails with every schema error of `document`, each at its place in the document.
fn assert_valid(validator: &jsonschema::Validator, document: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not valid ninjs 2.4:\n{}\n{document:#}",
        errors.join("\n")
    );
}

fn ok_json(response: &TestResponse, what: &str) -> Value {
    assert_eq!(
        response.status,
        200,
        "{what}: {}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()
}

async fn create_partner(app: &TestApp, sections: &[String], rights: &str) -> String {
    let response = app
        .as_admin()
        .post_json(
            "/api/v1/partners",
            &json!({"name": format!("{rights} 파트너"), "sections": sections, "rights": rights, "rateLimitPerMinute": 10_000}),
        )
        .await;
    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["data"]["apiKey"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn ninjs_for(app: &TestApp, id: &str, key: Option<&str>) -> Value {
    let path = format!("/api/v1/articles/{id}/ninjs");
    let mut request = axum::http::Request::get(&path);
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let response = app
        .request(request.body(axum::body::Body::empty()).unwrap())
        .await;
    ok_json(&response, &path)
}

/// Every public story, newest first, as the list shows them.
async fn public_stories(app: &TestApp) -> Vec<Value> {
    let mut stories = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/articles?limit=100&cursor={cursor}"),
            None => "/api/v1/articles?limit=100".to_owned(),
        };
        let page = ok_json(&app.get(&path).await, &path);
        stories.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["page"]["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    stories
}

/// Loads the demo newsroom into `app`'s database with the real `dateline demo` (the loader
/// lives in the binary), stopped as soon as it serves; then moves `app`'s clock to the time
/// the demo was written at, so its published stories are public here too.
async fn load_demo(app: &TestApp) {
    let media = tempfile::tempdir().unwrap();
    let mut child = ChildProcess::spawn(
        Command::new(BINARY)
            .args(["demo", "--listen", "127.0.0.1:0"])
            .env("DATABASE_URL", &app.database_url)
            .env(
                "DATELINE_JWT_SECRET",
                "a-test-secret-of-at-least-32-bytes!!",
            )
            .env("DATELINE_MEDIA_DIR", media.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit()),
    );
    printed_address(&mut child).await;
    drop(child);
    app.clock.set(Timestamp::from_datetime(chrono::Utc::now()));
}

/// The validator is not one that passes everything: the old shape's faults are each refused.
#[test]
fn the_schema_refuses_what_dateline_used_to_write() {
    let validator = validator();
    let story = "https://news.example/articles/budget";
    assert!(validator.is_valid(&json!({"uri": story})));
    for (fault, document) in [
        (
            "$schema is not a ninjs property",
            json!({"uri": story, "$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.0.json"}),
        ),
        (
            "representationtype is full or partial",
            json!({"uri": story, "representationtype": "complete"}),
        ),
        (
            "bylines is not a ninjs 2.x property",
            json!({"uri": story, "bylines": [{"byline": "홍길동 기자"}]}),
        ),
        (
            "an image has no creditline",
            json!({"uri": story, "associations": [{"name": "leadImage", "uri": story, "creditline": "사진"}]}),
        ),
        (
            "null is not a date-time",
            json!({"uri": story, "contentcreated": null}),
        ),
        (
            "a date-time is RFC 3339",
            json!({"uri": story, "versioncreated": "2026-11-30 09:00"}),
        ),
        (
            "a uri is ASCII",
            json!({"uri": "https://news.example/articles/예산안"}),
        ),
    ] {
        assert!(!validator.is_valid(&document), "{fault}");
    }
}

on_both_engines! {
    async fn every_demo_story_validates_for_the_public_and_for_partners(app) {
        load_demo(&app).await;
        let validator = validator();
        let stories = public_stories(&app).await;
        assert!(stories.len() >= 20, "the demo newsroom has its public stories: {}", stories.len());

        // The demo covers every shape ninjs takes; say so, so a thinner demo cannot pass quietly.
        let count = |test: &dyn Fn(&Value) -> bool| stories.iter().filter(|s| test(s)).count();
        assert!(count(&|s| s["leadImage"].is_object()) > 0, "with a lead image");
        assert!(count(&|s| s["leadImage"].is_null()) > 0, "without a lead image");
        assert!(count(&|s| s["authors"].as_array().unwrap().len() > 1) > 0, "several bylines");
        assert!(count(&|s| !s["tags"].as_array().unwrap().is_empty()) > 0, "tags");
        assert!(count(&|s| s["subheadline"].is_string()) > 0, "a subheadline");

        let sections: BTreeSet<String> = stories
            .iter()
            .map(|s| s["section"]["slug"].as_str().unwrap().to_owned())
            .collect();
        let sections: Vec<String> = sections.into_iter().collect();
        let summary = create_partner(&app, &sections, "summary").await;
        let full = create_partner(&app, &sections, "full").await;

        for story in &stories {
            let id = story["id"].as_str().unwrap();
            let public = ninjs_for(&app, id, None).await;
            assert_valid(&validator, &public, &format!("the public ninjs of {id}"));
            assert_eq!(public["representationtype"], "full");
            assert_eq!(public.get("by").is_some(), !story["authors"].as_array().unwrap().is_empty());

            let partial = ninjs_for(&app, id, Some(&summary)).await;
            assert_valid(&validator, &partial, &format!("a summary partner's ninjs of {id}"));
            assert_eq!(partial["representationtype"], "partial");
            assert!(partial.get("bodies").is_none());

            let whole = ninjs_for(&app, id, Some(&full)).await;
            assert_valid(&validator, &whole, &format!("a full-text partner's ninjs of {id}"));
        }
    }

    async fn stories_of_every_shape_validate_over_rest_and_graphql(app) {
        let validator = validator();
        let politics = app.section("politics", "정치").await;
        let hong = app.author("hong", "홍길동").await;
        let kim = app.author("kim", "김영희").await;
        let budget = app.tag("예산").await;
        let assembly = app.tag("국회").await;
        let photo = app.photo("국회 본회의장").await;

        let rich = ArticleBuilder::new("예산안 국회 본회의 통과", &politics)
            .by(&hong)
            .by(&kim)
            .tagged(&budget)
            .tagged(&assembly)
            .lead_image(&photo)
            .published_ago(Duration::minutes(30))
            .insert(&app)
            .await;
        let bare = ArticleBuilder::new("짧은 소식", &politics)
            .published_ago(Duration::minutes(20))
            .insert(&app)
            .await;
        let closed = ArticleBuilder::new("전재 불가 기사", &politics)
            .by(&hong)
            .not_for_syndication()
            .published_ago(Duration::minutes(10))
            .insert(&app)
            .await;
        // A correction, through the newsroom's own edit, which also drops the subheadline.
        app.clock.advance(Duration::hours(1));
        let corrected = app
            .as_editor()
            .patch_json(
                &format!("/api/v1/articles/{}", bare.id),
                &json!({"version": bare.version, "subheadline": null, "correction": "숫자를 바로잡습니다."}),
            )
            .await;
        let corrected = ok_json(&corrected, "the correction");
        assert_eq!(corrected["data"]["corrections"][0]["note"], "숫자를 바로잡습니다.");

        let summary = create_partner(&app, &["politics".to_owned()], "summary").await;
        let full = create_partner(&app, &["politics".to_owned()], "full").await;
        for story in [&rich, &bare, &closed] {
            let id = story.id.to_string();
            for (key, who) in [(None, "the public"), (Some(summary.as_str()), "a summary partner"), (Some(full.as_str()), "a full-text partner")] {
                let document = ninjs_for(&app, &id, key).await;
                assert_valid(&validator, &document, &format!("{who}'s ninjs of {}", story.headline));
            }
        }

        // The shape itself, where it moved from the old invalid one.
        let document = ninjs_for(&app, &rich.id.to_string(), None).await;
        assert!(document.get("$schema").is_none() && document.get("bylines").is_none());
        assert_eq!(document["standard"], json!({"name": "ninjs", "version": "2.4", "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.4.json"}));
        assert_eq!(document["representationtype"], "full");
        assert_eq!(document["by"], "홍길동 기자, 김영희 기자");
        assert_eq!(document["people"][1], json!({"name": "김영희", "rel": "author", "literal": "kim", "uri": "https://news.example/authors/kim"}));
        assert_eq!(document["subjects"][0]["rel"], "section");
        assert_eq!(document["subjects"][2], json!({"name": "국회", "rel": "tag", "literal": assembly.slug.as_str()}));
        assert!(document["firstcreated"].as_str().unwrap().ends_with("+09:00"));
        let image = &document["associations"][0];
        assert_eq!(image["type"], "picture");
        assert!(image.get("creditline").is_none());
        assert!(image["renditions"].as_array().unwrap().iter().all(|r| r["href"].as_str().unwrap().starts_with("https://")));
        // A Korean slug reaches `uri` percent-encoded, as RFC 3986 asks.
        assert!(document["uri"].as_str().unwrap().is_ascii());
        assert!(!rich.slug.as_str().is_ascii(), "the slug is Korean");

        let bare_document = ninjs_for(&app, &bare.id.to_string(), None).await;
        assert!(bare_document.get("by").is_none() && bare_document.get("people").is_none());
        assert!(bare_document.get("associations").is_none());
        assert_eq!(bare_document["headlines"].as_array().unwrap().len(), 1, "no subheadline");
        assert_eq!(bare_document["version"], "2", "the correction is a new version");

        let closed_for_full = ninjs_for(&app, &closed.id.to_string(), Some(&full)).await;
        assert_eq!(closed_for_full["representationtype"], "partial", "not for syndication: never in full");
        assert!(closed_for_full.get("bodies").is_none());

        let graphql = app
            .graphql("query($id: ID!) { article(id: $id) { ninjs } }", json!({"id": rich.id.to_string()}))
            .await;
        let over_graphql = &graphql["data"]["article"]["ninjs"];
        assert_valid(&validator, over_graphql, "GraphQL's ninjs");
        assert_eq!(over_graphql, &document);
    }
}
