//! What goes out, hardened (issue 21): feeds carry a story's text only as text, JSON-LD is safe
//! to paste into a page's `<script>` block, a canonical address is an absolute http(s) URL, and
//! tag and author pages answer only while one of their stories is public.

use axum::http::Method;
use chrono::Duration;
use dateline_api::CacheSettings;
use dateline_app::ViewSettings;
use dateline_domain::{FocalPoint, Media, MediaId};
use serde_json::{Value, json};

use crate::harness::{ArticleBuilder, Engine, TestApp, TestResponse};
use crate::on_both_engines;

/// Markup that runs when a reader renders it: a script, a CDATA breakout, an event handler.
const SCRIPT: &str = "<script>alert(1)</script>";
const BREAKOUT: &str = "]]><script>alert(2)</script>";
const HANDLER: &str = "<img src=x onerror=alert(3)>";

fn hostile(label: &str) -> String {
    format!("{label} {SCRIPT} {BREAKOUT} {HANDLER}")
}

/// Where HTML holds markup that could run: a script element or an `on…` handler attribute.
fn live_markup(html: &str) -> Vec<String> {
    let fragment = scraper::Html::parse_fragment(html);
    let mut found = Vec::new();
    for node in fragment.root_element().descendants() {
        if let Some(element) = node.value().as_element() {
            if matches!(element.name(), "script" | "iframe" | "object") {
                found.push(format!("<{}>", element.name()));
            }
            for (name, _) in element.attrs() {
                if name.to_ascii_lowercase().starts_with("on") {
                    found.push(format!("{} on <{}>", name, element.name()));
                }
            }
        }
    }
    found
}

fn assert_no_live_markup(surface: &str, html: &str) {
    let found = live_markup(html);
    assert!(found.is_empty(), "{surface}: {found:?} live in {html}");
}

fn ok(response: &TestResponse, what: &str) -> Value {
    assert!(
        response.status.is_success(),
        "{what}: {} {}",
        response.status,
        String::from_utf8_lossy(&response.body)
    );
    response.json()
}

/// A story whose every text holds hostile markup, written, submitted and approved over REST.
async fn publish_hostile_story(app: &TestApp) -> Value {
    app.section("politics", &hostile("정치")).await;
    app.author("guest", &hostile("객원")).await;
    let photo = Media {
        id: MediaId::generate(),
        storage_key: "missing/original.jpg".into(),
        content_type: "image/jpeg".into(),
        width: 1600,
        height: 900,
        byte_size: 1000,
        caption: Some(hostile("사진설명")),
        credit: Some(hostile("제공")),
        alt: Some(hostile("대체")),
        focal_point: FocalPoint::CENTRE,
        created_at: app.now(),
    };
    app.db.media().insert(&photo).await.unwrap();
    let story = ok(
        &app.as_reporter()
            .post_json(
                "/api/v1/articles",
                &json!({
                    "headline": hostile("제목"),
                    "summary": hostile("요약"),
                    "section": "politics",
                    "authors": ["guest"],
                    "tags": [format!("태그 {SCRIPT}")],
                    "leadImage": photo.id.to_string(),
                    "body": [
                        {"type": "paragraph", "text": hostile("문단")},
                        {"type": "image", "mediaId": photo.id.to_string(), "caption": hostile("본문사진"), "credit": hostile("본문제공")},
                        {"type": "quote", "text": hostile("인용"), "attribution": hostile("출처")},
                    ],
                }),
            )
            .await,
        "write",
    )["data"]
        .clone();
    let id = story["id"].as_str().unwrap().to_owned();
    ok(
        &app.as_reporter()
            .post_json(&format!("/api/v1/articles/{id}/submit"), &json!({}))
            .await,
        "submit",
    );
    ok(
        &app.as_editor()
            .post_json(&format!("/api/v1/articles/{id}/approve"), &json!({}))
            .await,
        "approve",
    );
    story
}

/// Every text of every entry a feed parser reads, checked: HTML fields hold no live markup,
/// plain-text fields still hold the hostile text (escaped on the wire, whole once parsed).
fn check_feed(path: &str, body: &[u8]) {
    let feed = feed_rs::parser::parse(body).unwrap_or_else(|err| {
        panic!(
            "{path} does not parse ({err}): {}",
            String::from_utf8_lossy(body)
        )
    });
    assert_eq!(feed.entries.len(), 1, "{path}");
    let entry = &feed.entries[0];
    let mut texts = Vec::new();
    texts.extend(
        entry
            .title
            .iter()
            .map(|t| ("title", t.content_type.to_string(), t.content.clone())),
    );
    texts.extend(
        entry
            .summary
            .iter()
            .map(|t| ("summary", t.content_type.to_string(), t.content.clone())),
    );
    if let Some(content) = &entry.content {
        texts.push((
            "content",
            content.content_type.to_string(),
            content.body.clone().unwrap_or_default(),
        ));
    }
    for media in &entry.media {
        texts.extend(
            media
                .title
                .iter()
                .map(|t| ("media title", t.content_type.to_string(), t.content.clone())),
        );
        texts.extend(media.description.iter().map(|t| {
            (
                "media description",
                t.content_type.to_string(),
                t.content.clone(),
            )
        }));
        texts.extend(
            media
                .credits
                .iter()
                .map(|c| ("media credit", "text/plain".to_owned(), c.entity.clone())),
        );
    }
    assert!(
        texts.iter().any(|(field, ..)| *field == "summary"),
        "{path}: no summary"
    );
    for (field, content_type, text) in &texts {
        let surface = format!("{path} {field} ({content_type})");
        if content_type.ends_with("html") {
            assert_no_live_markup(&surface, text);
        } else {
            assert!(
                text.contains(SCRIPT) || text.is_empty(),
                "{surface}: the text was not kept whole: {text}"
            );
        }
    }
    if path.ends_with(".rss") {
        assert_eq!(entry.media.len(), 1, "{path}: the lead image");
        assert!(
            entry.media[0]
                .description
                .as_ref()
                .is_some_and(|d| d.content.contains(SCRIPT)),
            "{path}: the caption is text"
        );
    }
}

/// How the embargoed tag and author (and a draft's and an unpublished story's tags) answer.
async fn absent(app: &TestApp) -> (Vec<(&'static str, u16)>, Value) {
    let mut answers = Vec::new();
    for path in [
        "/api/v1/tags/embargo",
        "/api/v1/authors/guest",
        "/api/v1/articles?tag=embargo",
        "/api/v1/articles?author=guest",
        "/api/v1/tags/drafted",
        "/api/v1/tags/retracted",
    ] {
        answers.push((path, app.get(path).await.status.as_u16()));
    }
    let graphql = app
        .graphql(
            "{ tag(slug: \"embargo\") { name } author(slug: \"guest\") { name } }",
            json!({}),
        )
        .await;
    (answers, graphql)
}

on_both_engines! {
    async fn feeds_carry_scripts_cdata_breakouts_and_handlers_only_as_text(app) {
        publish_hostile_story(&app).await;
        for path in [
            "/feeds/latest.rss",
            "/feeds/latest.atom",
            "/feeds/latest.json",
            "/feeds/sections/politics.rss",
            "/feeds/sections/politics.atom",
            "/feeds/sections/politics.json",
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status, 200, "{path}");
            check_feed(path, &response.body);
            if !path.ends_with(".json") {
                // Nothing in an XML feed is markup to the XML parser but the feed's own
                // elements: every story text is escaped or inside CDATA that holds no `<`.
                let xml = String::from_utf8_lossy(&response.body);
                assert!(!xml.contains("<script") && !xml.contains("<img src=x"), "{path}: {xml}");
            }
        }

        let sitemap = app.get("/sitemap-news.xml").await;
        assert_eq!(sitemap.status, 200);
        let mut reader = quick_xml::Reader::from_reader(sitemap.body.as_slice());
        let mut buffer = Vec::new();
        let mut titles = Vec::new();
        let mut in_title = false;
        loop {
            match reader.read_event_into(&mut buffer).unwrap() {
                quick_xml::events::Event::Start(start) => {
                    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                    assert!(!matches!(name.as_str(), "script" | "img"), "markup in the news sitemap");
                    in_title = name == "news:title";
                }
                quick_xml::events::Event::Text(text) if in_title => {
                    titles.push(text.xml10_content().unwrap().into_owned());
                }
                quick_xml::events::Event::GeneralRef(_) if in_title => {}
                quick_xml::events::Event::End(_) => in_title = false,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
            buffer.clear();
        }
        assert!(!titles.is_empty(), "the story is in the news sitemap");
    }

    async fn json_ld_is_safe_to_paste_into_a_script_block_over_rest_and_graphql(app) {
        let section = app.section("politics", "정치").await;
        let headline = "</script><script>alert(1)</script> & <국회>";
        let story = ArticleBuilder::new(headline, &section)
            .published_ago(Duration::minutes(5))
            .insert(&app)
            .await;

        let rest = app.get(&format!("/api/v1/articles/{}/jsonld", story.id)).await;
        assert_eq!(rest.status, 200);
        let text = String::from_utf8(rest.body.clone()).unwrap();
        assert!(!text.contains(['<', '>', '&']), "raw markup characters in {text}");
        assert!(text.contains("\\u003c/script\\u003e"), "{text}");
        assert_eq!(rest.json()["headline"], headline, "the same JSON once parsed");

        let graphql = app
            .send_json(
                Method::POST,
                "/graphql",
                &json!({"query": "query($id: ID!) { article(id: $id) { jsonLd } }", "variables": {"id": story.id.to_string()}}),
            )
            .await;
        let text = String::from_utf8(graphql.body.clone()).unwrap();
        assert!(!text.contains("</script"), "{text}");
        assert!(!text.contains(['<', '>', '&']), "raw markup characters in {text}");
        assert_eq!(graphql.json()["data"]["article"]["jsonLd"]["headline"], headline);
    }

    async fn a_canonical_url_must_be_an_absolute_http_url_on_create_and_update_over_rest_and_graphql(app) {
        app.section("politics", "정치").await;
        let refused = |response: TestResponse, what: &str| {
            assert_eq!(response.status, 422, "{what}: {}", String::from_utf8_lossy(&response.body));
            let problem = response.json();
            assert_eq!(problem["code"], "VALIDATION", "{what}");
            assert_eq!(problem["errors"][0]["field"], "canonicalUrl", "{what}: {problem}");
        };
        for bad in ["javascript:alert(1)", "/articles/relative", "https://news.example@evil.example/a"] {
            refused(
                app.as_reporter()
                    .post_json("/api/v1/articles", &json!({"headline": "정상 기사", "section": "politics", "bodyHtml": "<p>본문</p>", "canonicalUrl": bad}))
                    .await,
                bad,
            );
            let over_graphql = app
                .as_reporter()
                .graphql(
                    "mutation($url: String!) { createArticle(input: {headline: \"정상 기사\", section: \"politics\", bodyHtml: \"<p>본문</p>\", canonicalUrl: $url}) { article { id } } }",
                    json!({"url": bad}),
                )
                .await;
            assert_eq!(over_graphql["errors"][0]["extensions"]["code"], "VALIDATION", "{bad}: {over_graphql}");
            assert!(over_graphql["errors"][0]["message"].as_str().unwrap().contains("canonicalUrl"), "{bad}: {over_graphql}");
        }

        let written = ok(
            &app.as_reporter()
                .post_json(
                    "/api/v1/articles",
                    &json!({"headline": "정상 기사", "section": "politics", "bodyHtml": "<p>본문</p>", "canonicalUrl": "https://news.example/a\"><script>x</script>"}),
                )
                .await,
            "write",
        )["data"]
            .clone();
        let id = written["id"].as_str().unwrap().to_owned();
        ok(&app.as_reporter().post_json(&format!("/api/v1/articles/{id}/submit"), &json!({})).await, "submit");
        ok(&app.as_editor().post_json(&format!("/api/v1/articles/{id}/approve"), &json!({})).await, "approve");
        let json_ld = app.get(&format!("/api/v1/articles/{id}/jsonld")).await.json();
        assert_eq!(
            json_ld["url"], "https://news.example/a%22%3E%3Cscript%3Ex%3C/script%3E",
            "kept in its normalised, percent-encoded form"
        );
        let version = app.as_editor().get(&format!("/api/v1/newsroom/articles/{id}")).await.json()["data"]["version"].as_i64().unwrap();
        refused(
            app.as_editor()
                .patch_json(&format!("/api/v1/articles/{id}"), &json!({"canonicalUrl": "data:text/html,hi", "version": version}))
                .await,
            "update over REST",
        );
        let over_graphql = app
            .as_editor()
            .graphql(
                "mutation($id: ID!, $v: Int!) { updateArticle(id: $id, version: $v, input: {canonicalUrl: \"ftp://news.example/a\"}) { version } }",
                json!({"id": id, "v": version}),
            )
            .await;
        assert_eq!(over_graphql["errors"][0]["extensions"]["code"], "VALIDATION", "{over_graphql}");
        assert!(over_graphql["errors"][0]["message"].as_str().unwrap().contains("canonicalUrl"), "{over_graphql}");
    }

    async fn a_tag_or_author_with_no_public_story_is_absent_until_its_story_is_out(app) {
        let section = app.section("politics", "정치").await;
        let author = app.author("guest", "객원").await;
        let tag = app.tag("embargo").await;
        let draft_tag = app.tag("drafted").await;
        let gone_tag = app.tag("retracted").await;
        ArticleBuilder::new("엠바고 기사", &section)
            .scheduled_in(Duration::hours(1))
            .by(&author)
            .tagged(&tag)
            .insert(&app)
            .await;
        ArticleBuilder::new("쓰는 중", &section)
            .status(dateline_domain::Status::Draft)
            .tagged(&draft_tag)
            .insert(&app)
            .await;
        ArticleBuilder::new("내려간 기사", &section)
            .published_ago(Duration::hours(3))
            .status(dateline_domain::Status::Unpublished)
            .tagged(&gone_tag)
            .insert(&app)
            .await;

        let (answers, graphql) = absent(&app).await;
        for (path, status) in &answers {
            assert_eq!(*status, 404, "{path} before the story is out");
        }
        assert_eq!(graphql["data"], json!({"tag": null, "author": null}));

        app.clock.advance(Duration::hours(1));
        let (answers, graphql) = absent(&app).await;
        for (path, status) in &answers {
            let expected = if path.contains("drafted") || path.contains("retracted") { 404 } else { 200 };
            assert_eq!(*status, expected, "{path} once the story is out");
        }
        assert_eq!(graphql["data"], json!({"tag": {"name": "embargo"}, "author": {"name": "객원"}}));
        let by_id = app
            .graphql(&format!("{{ node(id: \"{}\") {{ id }} }}", draft_tag.id), json!({}))
            .await;
        assert_eq!(by_id["data"]["node"], Value::Null, "nor by id");
    }
}

async fn cached_app(engine: Engine) -> TestApp {
    TestApp::with_views(engine, ViewSettings::default())
        .await
        .with_response_cache(CacheSettings {
            capacity_bytes: 8 << 20,
            counts_ttl: std::time::Duration::from_secs(3_600),
            ..CacheSettings::default()
        })
}

/// With the response cache on: a tag's absence is never kept past its story's publication, and
/// its kept page goes when its last public story does.
async fn a_kept_tag_answer_lasts_no_longer_than_the_stories_behind_it(engine: Engine) {
    let app = cached_app(engine).await;
    let section = app.section("politics", "정치").await;
    let tag = app.tag("embargo").await;
    let story = ArticleBuilder::new("엠바고 기사", &section)
        .scheduled_in(Duration::minutes(30))
        .tagged(&tag)
        .insert(&app)
        .await;
    // Over GET, so that the cache keeps the answer.
    let graphql = format!(
        "/graphql?query={}",
        url::form_urlencoded::byte_serialize(b"{ tag(slug: \"embargo\") { name } }")
            .collect::<String>()
    );
    let tag_over_graphql = || async { app.get(&graphql).await.json()["data"]["tag"].clone() };

    let before = app.get("/api/v1/tags/embargo").await;
    assert_eq!(before.status, 404);
    assert_eq!(
        before.header("cache-control"),
        Some("no-cache"),
        "no shared cache may keep it"
    );
    for _ in 0..2 {
        assert_eq!(tag_over_graphql().await, Value::Null);
    }

    app.clock.advance(Duration::minutes(30));
    assert_eq!(
        app.get("/api/v1/tags/embargo").await.status,
        200,
        "at its time"
    );
    assert_eq!(
        tag_over_graphql().await["name"],
        "embargo",
        "the kept null did not outlive the publication"
    );
    // Kept now; unpublishing the tag's only story takes it out.
    assert_eq!(app.get("/api/v1/tags/embargo").await.status, 200);
    ok(
        &app.as_editor()
            .post_json(
                &format!("/api/v1/articles/{}/unpublish", story.id),
                &json!({}),
            )
            .await,
        "unpublish",
    );
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(
        app.get("/api/v1/tags/embargo").await.status,
        404,
        "its last public story is gone"
    );
    assert_eq!(tag_over_graphql().await, Value::Null);
}

mod a_kept_tag_answer_lasts_no_longer_than_the_stories_behind_it {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        a_kept_tag_answer_lasts_no_longer_than_the_stories_behind_it(Engine::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        a_kept_tag_answer_lasts_no_longer_than_the_stories_behind_it(Engine::Postgres).await;
    }
}
