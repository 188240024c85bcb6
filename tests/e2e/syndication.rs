//! Feeds, sitemaps and structured data: each lists exactly the public stories (no drafts,
//! nothing scheduled ahead, nothing unpublished), parses with a real feed parser, escapes every
//! text and answers conditional GETs.

use chrono::Duration;
use dateline_domain::{Article, Status, Timestamp};
use serde_json::json;

use dateline_api::CacheSettings;

use crate::harness::{ArticleBuilder, Engine, TestApp};
use crate::on_both_engines;

/// A story's address as feeds and sitemaps write it: percent-encoded.
fn url_of(article: &Article) -> String {
    url::Url::parse(&format!("https://news.example/articles/{}", article.slug))
        .unwrap()
        .to_string()
}

/// The story addresses a feed lists, in its order, parsed with feed-rs.
fn feed_links(body: &[u8]) -> Vec<String> {
    let feed = feed_rs::parser::parse(body).unwrap();
    feed.entries
        .iter()
        .map(|entry| entry.links.first().unwrap().href.clone())
        .collect()
}

/// Three public stories in 정치 (newest first) and one in 경제, beside a draft, a submitted
/// story, one scheduled an hour ahead and one unpublished.
async fn newsroom(app: &TestApp) -> (Vec<Article>, Article) {
    let politics = app.section("politics", "정치").await;
    let economy = app.section("economy", "경제").await;
    let newest = ArticleBuilder::new("<국회> \"예산\" & 합의", &politics)
        .published_ago(Duration::minutes(10))
        .insert(app)
        .await;
    let economy_story = ArticleBuilder::new("환율 안정세", &economy)
        .published_ago(Duration::minutes(20))
        .insert(app)
        .await;
    let second = ArticleBuilder::new("여야 원내대표 회동", &politics)
        .published_ago(Duration::hours(2))
        .insert(app)
        .await;
    let third = ArticleBuilder::new("선거구 획정 논의", &politics)
        .published_ago(Duration::hours(5))
        .insert(app)
        .await;
    for status in [Status::Draft, Status::Submitted] {
        ArticleBuilder::new("아직 쓰는 중", &politics)
            .status(status)
            .insert(app)
            .await;
    }
    ArticleBuilder::new("내일 아침 공개", &politics)
        .scheduled_in(Duration::hours(1))
        .insert(app)
        .await;
    ArticleBuilder::new("내려간 기사", &politics)
        .published_ago(Duration::minutes(5))
        .status(Status::Unpublished)
        .insert(app)
        .await;
    (vec![newest, second, third], economy_story)
}

on_both_engines! {
    async fn the_three_feeds_parse_and_list_exactly_the_latest_public_stories(app) {
        let (politics, economy) = newsroom(&app).await;
        let latest = vec![
            url_of(&politics[0]),
            url_of(&economy),
            url_of(&politics[1]),
            url_of(&politics[2]),
        ];
        for (path, content_type) in [
            ("/feeds/latest.rss", "application/rss+xml"),
            ("/feeds/latest.atom", "application/atom+xml"),
            ("/feeds/latest.json", "application/feed+json"),
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status, 200, "{path}");
            assert!(
                response.header("content-type").unwrap().starts_with(content_type),
                "{path}: {:?}",
                response.header("content-type")
            );
            assert_eq!(feed_links(&response.body), latest, "{path}");
            let feed = feed_rs::parser::parse(response.body.as_slice()).unwrap();
            assert_eq!(
                feed.entries[0].title.as_ref().unwrap().content,
                "<국회> \"예산\" & 합의",
                "{path}: the headline survives escaping"
            );
        }
        for format in ["rss", "atom", "json"] {
            let response = app.get(&format!("/feeds/sections/politics.{format}")).await;
            assert_eq!(response.status, 200);
            let expected: Vec<String> = politics.iter().map(url_of).collect();
            assert_eq!(feed_links(&response.body), expected, "politics.{format}");
        }
        assert_eq!(app.get("/feeds/sections/nowhere.rss").await.status, 404);
        assert_eq!(app.get("/feeds/latest.csv").await.status, 404);
    }

    async fn a_scheduled_story_enters_the_feeds_at_its_time(app) {
        let section = app.section("politics", "정치").await;
        let scheduled = ArticleBuilder::new("예약 기사", &section)
            .scheduled_in(Duration::minutes(30))
            .insert(&app)
            .await;
        let before = app.get("/feeds/latest.atom").await;
        assert!(feed_links(&before.body).is_empty());
        app.clock.advance(Duration::minutes(31));
        let after = app.get("/feeds/latest.atom").await;
        assert_eq!(feed_links(&after.body), vec![url_of(&scheduled)]);
    }

    async fn the_json_feed_pages_with_next_url_and_rss_carries_the_lead_image(app) {
        let section = app.section("politics", "정치").await;
        let photo = app.photo("국회 본회의장").await;
        let mut stories = Vec::new();
        for n in 0..3 {
            stories.push(
                ArticleBuilder::new(&format!("기사 {n}"), &section)
                    .published_ago(Duration::minutes(10 * (n + 1)))
                    .lead_image(&photo)
                    .insert(&app)
                    .await,
            );
        }
        let first = app.get("/feeds/latest.json?limit=2").await.json();
        assert_eq!(first["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        let next = first["next_url"].as_str().unwrap();
        let path = next.strip_prefix("https://news.example").unwrap();
        let second = app.get(path).await.json();
        assert_eq!(second["items"][0]["id"], stories[2].id.to_string());
        assert!(second.get("next_url").is_none());

        let rss = String::from_utf8(app.get("/feeds/latest.rss").await.body).unwrap();
        assert!(rss.contains("xmlns:media=\"http://search.yahoo.com/mrss/\""), "{rss}");
        assert!(rss.contains("<media:content"), "{rss}");
        let credit = photo.credit.clone().unwrap();
        assert!(rss.contains(&format!("<media:credit>{credit}</media:credit>")), "{rss}");
        let parsed = feed_rs::parser::parse(rss.as_bytes()).unwrap();
        assert!(!parsed.entries[0].media.is_empty());
    }

    async fn rss_names_itself_and_its_next_page_and_repeats_no_category(app) {
        let section = app.section("busan", "부산").await;
        let same_name = app.tag("부산").await;
        let other = app.tag("수소트램").await;
        for n in 0..3 {
            ArticleBuilder::new(&format!("부산 기사 {n}"), &section)
                .published_ago(Duration::minutes(10 * (n + 1)))
                .tagged(&same_name)
                .tagged(&other)
                .insert(&app)
                .await;
        }
        let rss = String::from_utf8(app.get("/feeds/latest.rss?limit=2").await.body).unwrap();
        assert!(rss.contains("xmlns:atom=\"http://www.w3.org/2005/Atom\""), "{rss}");
        let parsed = feed_rs::parser::parse(rss.as_bytes()).unwrap();
        let links: Vec<(Option<&str>, &str)> = parsed.links.iter().map(|l| (l.rel.as_deref(), l.href.as_str())).collect();
        assert!(links.contains(&(Some("self"), "https://news.example/feeds/latest.rss?limit=2")) || links.iter().any(|(rel, href)| *rel == Some("self") && href.starts_with("https://news.example/feeds/latest.rss")), "{links:?}");
        let next = links.iter().find(|(rel, _)| *rel == Some("next")).map(|(_, href)| *href).unwrap_or_else(|| panic!("no next link: {links:?}"));
        let path = next.strip_prefix("https://news.example").unwrap();
        let second = feed_rs::parser::parse(&app.get(path).await.body[..]).unwrap();
        assert_eq!(second.entries.len(), 1, "the next page holds the third story");
        assert!(!second.links.iter().any(|l| l.rel.as_deref() == Some("next")), "the last page has no next");

        for format in ["rss", "atom", "json"] {
            let body = app.get(&format!("/feeds/latest.{format}")).await.body;
            let parsed = feed_rs::parser::parse(&body[..]).unwrap();
            let terms: Vec<&str> = parsed.entries[0].categories.iter().map(|c| c.term.as_str()).collect();
            assert_eq!(terms, ["부산", "수소트램"], "{format}: the section and a tag of its name are one category");
        }
    }

    async fn feeds_answer_conditional_gets(app) {
        let section = app.section("politics", "정치").await;
        ArticleBuilder::new("기사", &section).insert(&app).await;
        let first = app.get("/feeds/latest.rss").await;
        let etag = first.header("etag").unwrap().to_owned();
        let again = app
            .request(
                axum::http::Request::get("/feeds/latest.rss")
                    .header("if-none-match", &etag)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(again.status, 304);
        assert!(again.body.is_empty());
    }

    async fn the_news_sitemap_holds_only_the_last_48_hours(app) {
        let section = app.section("politics", "정치").await;
        let recent = ArticleBuilder::new("방금 기사", &section)
            .published_ago(Duration::hours(1))
            .insert(&app)
            .await;
        let yesterday = ArticleBuilder::new("어제 기사", &section)
            .published_ago(Duration::hours(47))
            .insert(&app)
            .await;
        let old = ArticleBuilder::new("사흘 전 기사", &section)
            .published_ago(Duration::hours(49))
            .insert(&app)
            .await;
        let scheduled = ArticleBuilder::new("예약 기사", &section)
            .scheduled_in(Duration::hours(1))
            .insert(&app)
            .await;
        ArticleBuilder::new("초안", &section).status(Status::Draft).insert(&app).await;

        let news = app.get("/sitemap-news.xml").await;
        assert_eq!(news.status, 200);
        assert!(news.header("content-type").unwrap().starts_with("application/xml"));
        let xml = String::from_utf8(news.body).unwrap();
        let locations = locs(&xml);
        assert_eq!(locations, vec![url_of(&recent), url_of(&yesterday)]);
        assert!(xml.contains("<news:name>데이트라인뉴스</news:name>"), "{xml}");
        assert!(xml.contains("<news:language>ko</news:language>"), "{xml}");

        // Two hours on, yesterday's story has aged out and the scheduled one is in.
        app.clock.advance(Duration::hours(2));
        let later = String::from_utf8(app.get("/sitemap-news.xml").await.body).unwrap();
        assert_eq!(locs(&later), vec![url_of(&scheduled), url_of(&recent)]);

        let index = String::from_utf8(app.get("/sitemap.xml").await.body).unwrap();
        assert_eq!(
            locs(&index),
            vec![
                "https://news.example/sitemaps/articles-1.xml".to_owned(),
                "https://news.example/sitemap-news.xml".to_owned(),
            ]
        );
        // Each sitemap is dated by its latest publication or edit: every public story is in the
        // first, and the two of the last 48 hours are in the news sitemap.
        let changed = |stories: &[&Article]| {
            stories
                .iter()
                .map(|story| story.updated_at.max(story.published_at.unwrap()))
                .max()
                .unwrap()
        };
        let dates: Vec<Timestamp> = lastmods(&index)
            .iter()
            .map(|date| Timestamp::parse_rfc3339(date).unwrap())
            .collect();
        assert_eq!(
            dates,
            vec![
                changed(&[&old, &yesterday, &recent, &scheduled]),
                changed(&[&recent, &scheduled]),
            ],
            "{index}"
        );
        let articles = String::from_utf8(app.get("/sitemaps/articles-1.xml").await.body).unwrap();
        assert_eq!(
            locs(&articles),
            vec![url_of(&old), url_of(&yesterday), url_of(&recent), url_of(&scheduled)],
            "oldest first, every public story, nothing else"
        );
        assert_eq!(app.get("/sitemaps/articles-2.xml").await.status, 404);
        assert_eq!(app.get("/sitemaps/whatever.xml").await.status, 404);
    }

    async fn a_story_has_json_ld_and_ninjs_over_rest_and_graphql(app) {
        let section = app.section("politics", "정치").await;
        let author = app.author("hong", "홍길동").await;
        let photo = app.photo("국회 본회의장").await;
        let story = ArticleBuilder::new("예산안 통과", &section)
            .by(&author)
            .lead_image(&photo)
            .insert(&app)
            .await;
        let draft = ArticleBuilder::new("초안", &section).status(Status::Draft).insert(&app).await;

        let response = app.get(&format!("/api/v1/articles/{}/jsonld", story.slug)).await;
        assert_eq!(response.status, 200);
        assert!(response.header("content-type").unwrap().starts_with("application/ld+json"));
        let ld = response.json();
        assert_eq!(ld["@type"], "NewsArticle");
        assert_eq!(ld["headline"], "예산안 통과");
        assert_eq!(ld["image"].as_array().unwrap().len(), 3, "16:9, 4:3 and 1:1");
        assert!(ld["image"][0].as_str().unwrap().contains("16x9"));
        assert!(ld["image"][2].as_str().unwrap().contains("1x1"));
        assert!(ld["datePublished"].as_str().unwrap().ends_with("+09:00"));
        assert!(ld["dateModified"].is_string());
        assert_eq!(ld["author"][0]["name"], "홍길동");
        assert_eq!(ld["publisher"]["name"], "데이트라인뉴스");
        assert_eq!(ld["copyrightHolder"]["name"], "데이트라인뉴스");
        // The built-in logo, since the test newsroom set none: a PNG this server serves, of the
        // size the structured data claims, at least the 112 px Google asks.
        let logo = &ld["publisher"]["logo"];
        assert_eq!(logo["@type"], "ImageObject");
        assert_eq!((logo["width"].as_u64(), logo["height"].as_u64()), (Some(512), Some(512)));
        let logo_url = url::Url::parse(logo["url"].as_str().unwrap()).unwrap();
        assert_eq!(logo_url.host_str(), Some("news.example"));
        let image = app.get(logo_url.path()).await;
        assert_eq!(image.status, 200);
        assert_eq!(image.header("content-type"), Some("image/png"));
        assert_eq!(&image.body[1..4], b"PNG");
        let dimension = |at: usize| u32::from_be_bytes(image.body[at..at + 4].try_into().unwrap());
        assert_eq!((dimension(16), dimension(20)), (512, 512), "the IHDR chunk's size");

        let ninjs = app.get(&format!("/api/v1/articles/{}/ninjs", story.id)).await.json();
        assert_eq!(ninjs["headlines"][0]["value"], "예산안 통과");
        assert_eq!(ninjs["bodies"][0]["contenttype"], "text/html");
        assert_eq!(ninjs["associations"][0]["type"], "picture");

        for path in ["jsonld", "ninjs"] {
            let hidden = app.get(&format!("/api/v1/articles/{}/{path}", draft.id)).await;
            assert_eq!(hidden.status, 404, "{path}");
        }

        let graphql = app
            .graphql(
                "query($id: ID!) { article(id: $id) { jsonLd ninjs } }",
                json!({"id": story.id.to_string()}),
            )
            .await;
        assert_eq!(graphql["data"]["article"]["jsonLd"], ld);
        assert_eq!(graphql["data"]["article"]["ninjs"]["headlines"][0]["value"], "예산안 통과");
    }
}

/// The `<loc>` values of a sitemap, in order.
fn locs(xml: &str) -> Vec<String> {
    elements(xml, "loc")
}

fn lastmods(xml: &str) -> Vec<String> {
    elements(xml, "lastmod")
}

/// The text of every `<name>` element, in order.
fn elements(xml: &str, name: &str) -> Vec<String> {
    xml.split(&format!("<{name}>"))
        .skip(1)
        .map(|rest| rest.split(&format!("</{name}>")).next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_feeds_cache_control_follows_the_cache_settings() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let app = TestApp::new(engine)
            .await
            .with_response_cache(CacheSettings {
                max_age: std::time::Duration::from_secs(5),
                s_maxage: std::time::Duration::from_secs(7),
                stale_while_revalidate: std::time::Duration::from_secs(11),
                stale_if_error: std::time::Duration::from_secs(13),
                ..CacheSettings::default()
            });
        let section = app.section("politics", "정치").await;
        ArticleBuilder::new("기사", &section).insert(&app).await;
        for path in [
            "/feeds/latest.rss",
            "/feeds/sections/politics.json",
            "/sitemap.xml",
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status, 200, "{path} on {engine:?}");
            assert_eq!(
                response.header("cache-control"),
                Some("public, max-age=5, s-maxage=7, stale-while-revalidate=11, stale-if-error=13"),
                "{path} on {engine:?}"
            );
        }
    }
}
