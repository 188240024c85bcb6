//! Text that comes in: HTML nested to crash a reader is refused (`BODY_TOO_DEEP`), control
//! characters in every kind of free-text field answer 422 `VALIDATION` naming the field (never a
//! 500), and rows that already hold such characters still make well-formed feeds and sitemaps.

use serde_json::{Value, json};

use crate::harness::TestResponse;
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
}
