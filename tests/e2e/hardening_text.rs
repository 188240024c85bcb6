//! Text that comes in: HTML nested to crash a reader is refused (`BODY_TOO_DEEP`), control
//! characters in every kind of free-text field answer 422 `VALIDATION` naming the field (never a
//! 500), and rows that already hold such characters still make well-formed feeds and sitemaps.

use chrono::Duration;
use dateline_domain::Block;
use serde_json::{Value, json};

use crate::harness::{ArticleBuilder, TestResponse};
use crate::on_both_engines;

/// The crash reproductions of issue 21, finding 1.
pub(crate) fn deep_html() -> Vec<String> {
    vec![
        format!("{}부산{}", "<div>".repeat(5_000), "</div>".repeat(5_000)),
        format!("{}<li>부산{}", "<ul>".repeat(5_000), "</ul>".repeat(5_000)),
        format!("<p>{}부산</p>", "<b>".repeat(50_000)),
    ]
}

fn assert_refused(response: &TestResponse, code: &str, field: &str) {
    let body = String::from_utf8_lossy(&response.body);
    assert_eq!(response.status, 422, "{field}: {body}");
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json"),
        "{field}"
    );
    let problem = response.json();
    assert_eq!(problem["code"], code, "{field}: {body}");
    assert_eq!(problem["errors"][0]["field"], field, "{field}: {body}");
    if code == "VALIDATION" {
        // Refused by the text rule itself, not by some other rule the value happened to break.
        let message = problem["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("control characters"), "{field}: {body}");
    }
}

/// A valid new story with `extra`'s fields laid over it.
fn story(extra: Value) -> Value {
    let mut story = json!({"headline": "부산 수소트램 착공", "section": "local",
        "body": [{"type": "paragraph", "text": "부산시가 트램을 놓는다."}]});
    if let (Some(story), Value::Object(extra)) = (story.as_object_mut(), extra) {
        story.extend(extra);
    }
    story
}

on_both_engines! {
    async fn deeply_nested_body_html_is_refused_as_too_deep_over_rest_and_graphql(app) {
        app.section("local", "지역").await;
        for html in deep_html() {
            let created = app.as_reporter().post_json("/api/v1/articles", &json!({"headline": "깊은 본문", "section": "local", "bodyHtml": html})).await;
            assert_refused(&created, "BODY_TOO_DEEP", "bodyHtml");
            let over_graphql = app.as_reporter().graphql(
                "mutation($html: String!) { createArticle(input: {headline: \"깊은 본문\", section: \"local\", bodyHtml: $html}) { article { id } } }",
                json!({"html": html}),
            ).await;
            assert_eq!(over_graphql["errors"][0]["extensions"]["code"], "BODY_TOO_DEEP", "{over_graphql}");
        }
        let created = app.as_reporter().post_json("/api/v1/articles", &story(json!({}))).await;
        assert_eq!(created.status, 201);
        let id = created.json()["data"]["id"].as_str().unwrap().to_owned();
        let edited = app.as_reporter().patch_json(&format!("/api/v1/articles/{id}"), &json!({"version": 1, "bodyHtml": deep_html()[0]})).await;
        assert_refused(&edited, "BODY_TOO_DEEP", "bodyHtml");
        let edited = app.as_reporter().graphql(
            "mutation($id: ID!, $html: String!) { updateArticle(id: $id, version: 1, input: {bodyHtml: $html}) { article { id } } }",
            json!({"id": id, "html": deep_html()[2]}),
        ).await;
        assert_eq!(edited["errors"][0]["extensions"]["code"], "BODY_TOO_DEEP", "{edited}");
        // Ordinary nesting still reads.
        let fine = app.as_reporter().post_json("/api/v1/articles", &json!({"headline": "얕은 본문", "section": "local",
            "bodyHtml": "<article><section><div><ul><li><b><i>부산</i></b></li></ul></div></section></article>"})).await;
        assert_eq!(fine.status, 201, "{}", String::from_utf8_lossy(&fine.body));
    }

    async fn nul_and_u0001_in_every_story_field_answer_422_naming_the_field(app) {
        app.section("local", "지역").await;
        for bad in ["\u{0}", "\u{1}"] {
            let cases: Vec<(Value, &str)> = vec![
                (json!({"headline": format!("부산{bad}트램")}), "headline"),
                (json!({"subheadline": format!("부제{bad}")}), "subheadline"),
                (json!({"summary": format!("요약{bad}")}), "summary"),
                (json!({"sourceLabel": format!("연합{bad}")}), "sourceLabel"),
                (json!({"tags": [format!("부산{bad}")]}), "tags"),
                (json!({"body": [{"type": "paragraph", "text": format!("문단{bad}")}]}), "body[0]"),
                (json!({"body": [{"type": "quote", "text": "인용", "attribution": format!("시민{bad}")}]}), "body[0]"),
                (json!({"body": [{"type": "paragraph", "text": "첫 문단"}, {"type": "heading", "text": format!("소제목{bad}"), "level": 2}]}), "body[1]"),
                (json!({"body": null, "bodyHtml": "<p>문단\u{1}</p>"}), "bodyHtml"),
            ];
            for (extra, field) in cases {
                let mut input = story(extra);
                if input["body"].is_null() {
                    input.as_object_mut().unwrap().remove("body");
                }
                let created = app.as_reporter().post_json("/api/v1/articles", &input).await;
                assert_refused(&created, "VALIDATION", field);
            }
            let over_graphql = app.as_reporter().graphql(
                "mutation($headline: String!, $body: JSON!) { createArticle(input: {headline: $headline, section: \"local\", body: $body}) { article { id } } }",
                json!({"headline": format!("부산{bad}트램"), "body": [{"type": "paragraph", "text": "문단"}]}),
            ).await;
            assert_eq!(over_graphql["errors"][0]["extensions"]["code"], "VALIDATION", "{over_graphql}");
        }
        // A published story's edit: the headline and the correction note.
        let created = app.as_reporter().post_json("/api/v1/articles", &story(json!({}))).await;
        let id = created.json()["data"]["id"].as_str().unwrap().to_owned();
        let approved = app.as_editor().post_json(&format!("/api/v1/articles/{id}/approve"), &json!({})).await;
        assert_eq!(approved.status, 200, "{}", String::from_utf8_lossy(&approved.body));
        let version = approved.json()["data"]["version"].as_i64().unwrap();
        for (edit, field) in [
            (json!({"headline": "제목\u{0}"}), "headline"),
            (json!({"correction": "정정\u{0}"}), "correction"),
            (json!({"correction": "정정\u{1}"}), "correction"),
        ] {
            let mut edit = edit;
            edit["version"] = json!(version);
            let edited = app.as_editor().patch_json(&format!("/api/v1/articles/{id}"), &edit).await;
            assert_refused(&edited, "VALIDATION", field);
        }
        // A carriage return from a browser form is not refused: CRLF becomes LF.
        let crlf = app.as_reporter().post_json("/api/v1/articles", &story(json!({"summary": "첫 줄\r\n둘째 줄"}))).await;
        assert_eq!(crlf.status, 201, "{}", String::from_utf8_lossy(&crlf.body));
        assert_eq!(crlf.json()["data"]["summary"], "첫 줄\n둘째 줄");
    }

    async fn nul_and_u0001_in_names_secrets_and_captions_answer_422_naming_the_field(app) {
        app.section("local", "지역").await;
        for bad in ["\u{0}", "\u{1}"] {
            let section = app.as_admin().post_json("/api/v1/sections", &json!({"slug": "busan", "name": format!("부산{bad}")})).await;
            assert_refused(&section, "VALIDATION", "name");
            let section = app.as_admin().post_json("/api/v1/sections", &json!({"slug": "busan", "name": "부산", "description": format!("소식{bad}")})).await;
            assert_refused(&section, "VALIDATION", "description");
            let user = app.as_admin().post_json("/api/v1/users", &json!({"email": "kim@news.example", "displayName": format!("김{bad}민지"), "role": "reporter", "password": "광안리 바다 보러 가자"})).await;
            assert_refused(&user, "VALIDATION", "displayName");
            let partner = app.as_admin().post_json("/api/v1/partners", &json!({"name": format!("포털{bad}"), "sections": ["local"], "rights": "summary", "rateLimitPerMinute": 60})).await;
            assert_refused(&partner, "VALIDATION", "name");
            let webhook = app.as_admin().post_json("/api/v1/webhooks", &json!({"url": "https://partner.example/hook", "events": ["article.published"], "secret": format!("a secret of enough length{bad}")})).await;
            assert_refused(&webhook, "VALIDATION", "secret");
            for field in ["caption", "credit", "alt"] {
                let value = format!("사진{bad}");
                let upload = app.as_reporter().upload("photo.jpg", &tiny_jpeg(), &[(field, value.as_str())]).await;
                assert_refused(&upload, "VALIDATION", field);
            }
        }
    }

    async fn a_stored_control_character_still_makes_well_formed_feeds_and_sitemaps(app) {
        let section = app.section("politics", "정치").await;
        // Written straight to the database, as rows from before input was checked may be.
        ArticleBuilder::new("국회\u{1} 예산\u{B} 합의\u{1F}", &section)
            .body(vec![Block::Paragraph { text: "본문 첫 문단이다.".into() }])
            .published_ago(Duration::minutes(10))
            .insert(&app)
            .await;
        for path in ["/feeds/latest.rss", "/feeds/latest.atom", "/feeds/sections/politics.rss", "/feeds/sections/politics.atom"] {
            let response = app.get(path).await;
            assert_eq!(response.status, 200, "{path}");
            let feed = feed_rs::parser::parse(response.body.as_slice()).unwrap_or_else(|err| panic!("{path}: {err}"));
            let title = feed.entries[0].title.as_ref().unwrap().content.clone();
            assert_eq!(title, "국회 예산 합의", "{path}");
            well_formed(path, &response.body);
        }
        for path in ["/sitemap-news.xml", "/sitemap.xml"] {
            let response = app.get(path).await;
            assert_eq!(response.status, 200, "{path}");
            well_formed(path, &response.body);
        }
        let index = String::from_utf8(app.get("/sitemap.xml").await.body).unwrap();
        let chunk = index.split("<loc>").nth(1).and_then(|rest| rest.split("</loc>").next()).unwrap();
        let chunk = url::Url::parse(chunk).unwrap();
        let response = app.get(chunk.path()).await;
        assert_eq!(response.status, 200);
        well_formed(chunk.path(), &response.body);
        let news = String::from_utf8(app.get("/sitemap-news.xml").await.body).unwrap();
        assert!(news.contains("국회 예산 합의"), "{news}");
    }
}

/// Reads every event with quick-xml, which refuses characters XML cannot hold.
fn well_formed(path: &str, xml: &[u8]) {
    let text = std::str::from_utf8(xml).unwrap();
    assert!(
        !text.chars().any(dateline_domain::text::is_refused),
        "{path} holds a control character"
    );
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer) {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(err) => panic!("{path} is not well-formed: {err}"),
        }
        buffer.clear();
    }
}

/// A small real JPEG, for uploads whose text fields are under test.
fn tiny_jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([x as u8 * 8, y as u8 * 8, 90]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Jpeg)
        .unwrap();
    bytes.into_inner()
}
