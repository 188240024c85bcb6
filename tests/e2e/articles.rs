//! The REST story endpoints: lists, filters, one story, and their errors.

use chrono::Duration;
use dateline_domain::{Block, MediaId};
use serde_json::{Value, json};

use crate::harness::ArticleBuilder;
use crate::on_both_engines;

fn headlines(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["headline"].as_str().unwrap().to_owned())
        .collect()
}

on_both_engines! {
    async fn the_latest_list_is_newest_first_with_everything_a_rail_needs(app) {
        let economy = app.section("economy", "경제").await;
        let reporter = app.author("hong-gildong", "홍길동").await;
        let photo = app.photo("부산항 신선대부두").await;
        ArticleBuilder::new("어제 기사", &economy).published_ago(Duration::days(1)).insert(&app).await;
        ArticleBuilder::new("오늘 기사", &economy)
            .published_ago(Duration::minutes(5))
            .by(&reporter)
            .lead_image(&photo)
            .insert(&app)
            .await;

        let response = app.get("/api/v1/articles").await;
        assert_eq!(response.status, 200);
        assert_eq!(response.header("content-type"), Some("application/json"));
        let list = response.json();
        assert_eq!(headlines(&list), ["오늘 기사", "어제 기사"]);
        assert_eq!(list["page"], json!({"nextCursor": null, "limit": 20}));
        let first = &list["data"][0];
        assert_eq!(first["authors"][0]["byline"], "홍길동 기자");
        assert_eq!(first["section"]["slug"], "economy");
        assert_eq!(first["leadImage"]["caption"], "부산항 신선대부두");
        assert_eq!(first["leadImage"]["url"], format!("https://news.example/media/{}/original", photo.id));
        assert_eq!(first["publishedAt"], "2026-11-30T08:55:00+09:00");
        assert!(first.get("body").is_none(), "lists leave out the body unless asked");

        let with_body = app.get("/api/v1/articles?include=body&limit=1").await.json();
        assert_eq!(with_body["data"][0]["body"][0]["type"], "paragraph");
        assert!(with_body["data"][0]["bodyHtml"].as_str().unwrap().starts_with("<p>"));
    }

    async fn one_story_has_its_full_body_in_three_forms(app) {
        let local = app.section("local", "지역").await;
        let media = MediaId::generate();
        let story = ArticleBuilder::new("부산 수소트램 착공", &local)
            .body(vec![
                Block::Paragraph { text: "R&D 예산 <2배> 늘린다".into() },
                Block::Heading { text: "소제목".into(), level: 2 },
                Block::Image { media_id: media, caption: Some("착공식".into()), credit: Some("부산시 제공".into()) },
                Block::Quote { text: "시민의 발".into(), attribution: Some("부산시장".into()) },
                Block::Embed { url: "https://video.example/1".into() },
            ])
            .insert(&app)
            .await;

        for key in [story.id.to_string(), story.slug.to_string()] {
            let response = app.get(&format!("/api/v1/articles/{}", urlencode(&key))).await;
            assert_eq!(response.status, 200, "{key}");
            let data = &response.json()["data"];
            assert_eq!(data["id"], story.id.to_string());
            assert_eq!(data["body"].as_array().unwrap().len(), 5);
            assert_eq!(data["body"][2]["mediaId"], media.to_string());
            assert_eq!(data["body"][2]["url"], format!("https://news.example/media/{media}/original"));
            let html = data["bodyHtml"].as_str().unwrap();
            assert!(html.starts_with("<p>R&amp;D 예산 &lt;2배&gt; 늘린다</p><h2>소제목</h2><figure>"), "{html}");
            assert!(html.contains("<figcaption>▲ 착공식 <span class=\"credit\">부산시 제공</span></figcaption>"));
            assert_eq!(data["bodyText"], "R&D 예산 <2배> 늘린다\n\n소제목\n\n“시민의 발” — 부산시장");
            assert_eq!(data["copyright"], "© 데이트라인뉴스 무단전재 및 재배포 금지");
            assert_eq!(data["sourceLabel"], "[데이트라인뉴스]");
            assert_eq!(data["url"], format!("https://news.example/articles/{}", story.slug));
        }
    }

    async fn a_story_answers_in_a_stable_shape(app) {
        let politics = app.section("politics", "정치").await;
        let reporter = app.author("kim-minji", "김민지").await;
        let tag = app.tag("지방선거").await;
        let photo = app.photo("개표 현장").await;
        let story = ArticleBuilder::new("지방선거 개표 시작", &politics)
            .by(&reporter)
            .tagged(&tag)
            .lead_image(&photo)
            .insert(&app)
            .await;
        let data = app.get(&format!("/api/v1/articles/{}", story.id)).await.json();
        insta::assert_json_snapshot!("article_item", data, {
            ".data.id" => "[article id]",
            ".data.slug" => "[slug]",
            ".data.url" => "[url]",
            ".data.section.id" => "[section id]",
            ".data.authors[].id" => "[author id]",
            ".data.tags[].id" => "[tag id]",
            ".data.leadImage.id" => "[media id]",
            ".data.leadImage.url" => "[media url]",
            ".data.leadImage.renditions[].url" => "[rendition url]",
            ".data.leadImage.renditions[].webpUrl" => "[rendition url]",
        });
    }

    async fn a_list_page_answers_in_a_stable_shape(app) {
        let economy = app.section("economy", "경제").await;
        let reporter = app.author("hong-gildong", "홍길동").await;
        ArticleBuilder::new("수출 회복세", &economy).by(&reporter).published_ago(Duration::minutes(30)).insert(&app).await;
        ArticleBuilder::new("물가 안정", &economy).published_ago(Duration::hours(2)).insert(&app).await;
        let list = app.get("/api/v1/articles?limit=1").await.json();
        insta::assert_json_snapshot!("article_list_page", list, {
            ".data[].id" => "[article id]",
            ".data[].slug" => "[slug]",
            ".data[].url" => "[url]",
            ".data[].section.id" => "[section id]",
            ".data[].authors[].id" => "[author id]",
            ".page.nextCursor" => "[cursor]",
        });
    }

    async fn filters_select_by_section_tag_author_image_and_time(app) {
        let local = app.section("local", "지역").await;
        let busan = app.subsection(&local, "busan", "부산").await;
        let sports = app.section("sports", "스포츠").await;
        let reporter = app.author("lee-seoyeon", "이서연").await;
        let tag = app.tag("수소").await;
        let photo = app.photo("사진").await;
        ArticleBuilder::new("부산 소식", &busan).published_ago(Duration::hours(1)).by(&reporter).insert(&app).await;
        ArticleBuilder::new("지역 소식", &local).published_ago(Duration::hours(2)).tagged(&tag).lead_image(&photo).insert(&app).await;
        ArticleBuilder::new("야구 소식", &sports).published_ago(Duration::days(3)).tagged(&tag).insert(&app).await;

        let get = |query: &'static str| {
            let app = &app;
            async move { headlines(&app.get(&format!("/api/v1/articles?{query}")).await.json()) }
        };
        assert_eq!(get("section=local").await, ["부산 소식", "지역 소식"], "a desk front includes its subsections");
        assert_eq!(get("section=busan").await, ["부산 소식"]);
        assert_eq!(get("tag=%EC%88%98%EC%86%8C").await, ["지역 소식", "야구 소식"]);
        assert_eq!(get("author=lee-seoyeon").await, ["부산 소식"]);
        assert_eq!(get("hasImage=true").await, ["지역 소식"]);
        assert_eq!(get("section=local&tag=%EC%88%98%EC%86%8C").await, ["지역 소식"]);
        assert_eq!(get("since=2026-11-29T09:00:00%2B09:00").await, ["부산 소식", "지역 소식"]);
    }

    async fn bad_parameters_answer_problem_json_and_never_500(app) {
        let cases = [
            ("/api/v1/articles?limit=0", 400, "limit"),
            ("/api/v1/articles?limit=100000", 400, "limit"),
            ("/api/v1/articles?limit=ten", 400, "limit"),
            ("/api/v1/articles?cursor=garbage", 400, "cursor"),
            ("/api/v1/articles?cursor=%F0%9F%92%A5", 400, "cursor"),
            ("/api/v1/articles?since=yesterday", 400, "since"),
            ("/api/v1/articles?hasImage=maybe", 400, "hasImage"),
            ("/api/v1/articles?section=Not%20A%20Slug", 400, "section"),
            ("/api/v1/articles?include=everything", 400, "include"),
        ];
        for (path, status, field) in cases {
            let response = app.get(path).await;
            assert_eq!(response.status, status, "{path}");
            assert_eq!(response.header("content-type"), Some("application/problem+json"), "{path}");
            let problem = response.json();
            assert_eq!(problem["status"], status, "{path}");
            assert_eq!(problem["code"], "BAD_REQUEST");
            assert_eq!(problem["errors"][0]["field"], field, "{path}");
            assert!(problem["type"].as_str().is_some() && problem["title"].as_str().is_some() && problem["detail"].as_str().is_some());
        }
        for path in [
            "/api/v1/articles?section=nowhere",
            "/api/v1/articles?tag=nothing",
            "/api/v1/articles?author=nobody",
            "/api/v1/articles/no-such-story",
            "/api/v1/articles/art_01JD0000000000000000000000",
            "/api/v1/articles/art_garbage",
            "/api/v1/articles/%00%01",
            "/api/v1/sections/nowhere",
            "/api/v1/authors/nobody",
            "/api/v1/tags/nothing",
            "/api/v1/nothing-here",
            "/media/med_garbage/original",
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status, 404, "{path}");
            assert_eq!(response.json()["code"], "NOT_FOUND", "{path}");
        }
        let response = app.send_json(axum::http::Method::DELETE, "/api/v1/sections", &json!({})).await;
        assert_eq!(response.status, 405);
        assert_eq!(response.header("content-type"), Some("application/problem+json"));
    }

    async fn health_and_readiness_answer(app) {
        assert_eq!(app.get("/healthz").await.json(), json!({"status": "ok"}));
        assert_eq!(app.get("/readyz").await.json(), json!({"status": "ready"}));
    }

    async fn the_api_describes_itself_in_openapi_with_an_interactive_page(app) {
        let spec = app.get("/openapi.json").await.json();
        assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in ["/api/v1/articles", "/api/v1/articles/{idOrSlug}", "/api/v1/sections", "/api/v1/sections/{slug}", "/api/v1/authors/{slug}", "/api/v1/tags/{slug}", "/healthz", "/readyz"] {
            assert!(spec["paths"].get(path).is_some(), "{path} is documented");
        }
        let docs = app.get("/docs").await;
        assert_eq!(docs.status, 200);
        assert!(String::from_utf8_lossy(&docs.body).contains("<html"));
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
