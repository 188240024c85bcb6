//! Korean-aware search and related stories on both engines: two-syllable words, particles,
//! ranking, visibility, hostile queries, snippets, paging, the index kept in step with the
//! newsroom's writes, and related stories.

use chrono::Duration;
use dateline_domain::{Block, Status};
use serde_json::{Value, json};

use crate::harness::{ArticleBuilder, TestApp};
use crate::on_both_engines;

fn paragraph(text: &str) -> Vec<Block> {
    vec![Block::Paragraph { text: text.into() }]
}

/// The headlines a REST search answers, in order.
async fn headlines(app: &TestApp, query: &str) -> Vec<String> {
    let response = app
        .get(&format!("/api/v1/search?q={}", urlencoding(query)))
        .await;
    assert_eq!(
        response.status,
        200,
        "{query}: {}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["headline"].as_str().unwrap().to_owned())
        .collect()
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

on_both_engines! {
    async fn two_syllable_words_are_found_inside_longer_ones(app) {
        let local = app.section("local", "지역").await;
        ArticleBuilder::new("수소 트램 시범 운행", &local)
            .body(paragraph("부산시가 수소트램을 시범 운행한다."))
            .insert(&app).await;
        ArticleBuilder::new("날씨 맑음", &local)
            .body(paragraph("전국이 대체로 맑겠다."))
            .insert(&app).await;
        assert_eq!(headlines(&app, "수소").await, ["수소 트램 시범 운행"]);
        assert_eq!(headlines(&app, "트램").await, ["수소 트램 시범 운행"]);
        assert_eq!(headlines(&app, "수소트램").await, ["수소 트램 시범 운행"]);
        assert_eq!(headlines(&app, "맑음").await, ["날씨 맑음"]);
        assert!(headlines(&app, "태풍").await.is_empty());
        // Every word must match.
        assert!(headlines(&app, "수소 날씨").await.is_empty());
        // A three-syllable word is a phrase: its bigrams adjacent, not scattered.
        assert!(headlines(&app, "시범트").await.is_empty());
    }

    async fn particles_and_endings_are_taken_off_query_words(app) {
        let local = app.section("local", "지역").await;
        ArticleBuilder::new("부산 엑스포 유치 재도전", &local).insert(&app).await;
        for query in ["부산에서", "부산은", "부산의", "부산으로", "엑스포를", "유치도"] {
            assert_eq!(headlines(&app, query).await, ["부산 엑스포 유치 재도전"], "{query}");
        }
    }

    async fn whole_words_and_headlines_rank_above_parts_of_words(app) {
        let local = app.section("local", "지역").await;
        // The by-product story is newer, so only the ranking puts the city first.
        ArticleBuilder::new("부산시, 신청사 이전 확정", &local)
            .published_ago(Duration::hours(5))
            .body(paragraph("시청 이전이 확정됐다."))
            .insert(&app).await;
        ArticleBuilder::new("부산물 재활용 늘린다", &local)
            .published_ago(Duration::hours(1))
            .body(paragraph("음식 부산물이 자원이 된다."))
            .insert(&app).await;
        ArticleBuilder::new("해운대 해수욕장 개장", &local)
            .published_ago(Duration::minutes(30))
            .body(paragraph("부산 해운대 해수욕장이 문을 연다."))
            .insert(&app).await;
        assert_eq!(
            headlines(&app, "부산").await,
            ["부산시, 신청사 이전 확정", "부산물 재활용 늘린다", "해운대 해수욕장 개장"]
        );
        let newest = app.get("/api/v1/search?q=%EB%B6%80%EC%82%B0&sort=newest").await.json();
        let order: Vec<&str> = newest["data"].as_array().unwrap().iter()
            .map(|item| item["headline"].as_str().unwrap()).collect();
        assert_eq!(order, ["해운대 해수욕장 개장", "부산물 재활용 늘린다", "부산시, 신청사 이전 확정"]);
        assert_eq!(newest["data"][0]["score"], 0);
    }

    async fn only_public_stories_are_found(app) {
        let local = app.section("local", "지역").await;
        ArticleBuilder::new("공개 수소 기사", &local).insert(&app).await;
        ArticleBuilder::new("초안 수소 기사", &local).status(Status::Draft).insert(&app).await;
        ArticleBuilder::new("송고 수소 기사", &local).status(Status::Submitted).insert(&app).await;
        ArticleBuilder::new("예약 수소 기사", &local).scheduled_in(Duration::hours(1)).insert(&app).await;
        ArticleBuilder::new("내린 수소 기사", &local).status(Status::Unpublished).insert(&app).await;
        ArticleBuilder::new("보관 수소 기사", &local).status(Status::Archived).insert(&app).await;
        assert_eq!(headlines(&app, "수소").await, ["공개 수소 기사"]);
        let graphql = app.graphql("{ search(query: \"수소\") { nodes { headline } } }", json!({})).await;
        assert_eq!(graphql["data"]["search"]["nodes"], json!([{"headline": "공개 수소 기사"}]));

        // The scheduled story appears at its time, with no reindexing.
        app.clock.advance(Duration::hours(1));
        assert_eq!(headlines(&app, "수소").await.len(), 2);
    }

    async fn the_index_follows_every_newsroom_write(app) {
        app.section("local", "지역").await;
        let created = app.as_reporter().post_json("/api/v1/articles", &json!({
            "headline": "원전 수출 협상", "section": "local",
            "body": [{"type": "paragraph", "text": "체코 원전 수출 협상이 이어진다."}]})).await;
        assert_eq!(created.status, 201);
        let id = created.json()["data"]["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/articles/{id}");
        assert!(headlines(&app, "원전").await.is_empty(), "a draft is not found");

        app.as_editor().post_json(&format!("{path}/approve"), &json!({})).await;
        assert_eq!(headlines(&app, "원전").await, ["원전 수출 협상"]);

        let edited = app.as_editor().patch_json(&path, &json!({"version": 2, "headline": "방산 수출 협상",
            "body": [{"type": "paragraph", "text": "방산 수출 협상이 이어진다."}]})).await;
        assert_eq!(edited.status, 200, "{}", String::from_utf8_lossy(&edited.body));
        assert!(headlines(&app, "원전").await.is_empty(), "the old words are gone");
        assert_eq!(headlines(&app, "방산").await, ["방산 수출 협상"]);

        app.as_editor().post_json(&format!("{path}/unpublish"), &json!({})).await;
        assert!(headlines(&app, "방산").await.is_empty());
        assert_eq!(app.as_editor().delete(&path).await.status, 204);
        assert!(headlines(&app, "방산").await.is_empty());
    }

    async fn hostile_queries_are_refused_or_harmless(app) {
        let local = app.section("local", "지역").await;
        ArticleBuilder::new("부산 서울 고속철", &local).insert(&app).await;
        let too_long = "a".repeat(201);
        for (query, status) in [
            ("", 400),
            ("%22%2A%5E%28%29%3A", 400),
            ("%EB%B6%80%EC%82%B0%00", 400),
            ("%EB%B6%80%EC%82%B0%0A", 400),
            (too_long.as_str(), 400),
            ("a+b+c+d+e+f+g+h+i", 400),
        ] {
            let response = app.get(&format!("/api/v1/search?q={query}")).await;
            assert_eq!(response.status, status, "{query}");
            assert_eq!(response.header("content-type"), Some("application/problem+json"));
            assert_eq!(response.json()["code"], "BAD_REQUEST", "{query}");
        }
        assert_eq!(app.get("/api/v1/search").await.status, 400);
        // FTS5 and tsquery syntax is inert: quotes, operators, column filters, prefixes.
        for query in ["\"부산\"", "부산 OR", "부산*", "headline:부산", "NEAR(부산 서울)", "부산 & 서울 | !x",
                      "'부산':A", "부산 -서울", "{headline}:부산", "부산^", "(부산)"] {
            let response = app.get(&format!("/api/v1/search?q={}", urlencoding(query))).await;
            assert_eq!(response.status, 200, "{query}: {}", String::from_utf8_lossy(&response.body));
        }
        assert_eq!(headlines(&app, "\"부산\" (서울)").await, ["부산 서울 고속철"]);
        for bad in ["sort=best", "limit=0", "cursor=abc", "from=yesterday", "section=nowhere"] {
            let response = app.get(&format!("/api/v1/search?q=x&{bad}")).await;
            assert!(matches!(response.status.as_u16(), 400 | 404), "{bad}");
        }
        let graphql = app.graphql("{ search(query: \"\\u0000\") { nodes { id } } }", json!({})).await;
        assert_eq!(graphql["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }

    async fn snippets_highlight_matches_in_escaped_body_text(app) {
        let local = app.section("local", "지역").await;
        ArticleBuilder::new("수소 경제", &local)
            .body(paragraph("<b>정부</b>가 수소 경제 & 수소트램을 키운다."))
            .insert(&app).await;
        let found = app.get("/api/v1/search?q=%EC%88%98%EC%86%8C%EB%A5%BC").await.json();
        assert_eq!(
            found["data"][0]["snippet"],
            "&lt;b&gt;정부&lt;/b&gt;가 <mark>수소</mark> 경제 &amp; <mark>수소</mark>트램을 키운다."
        );
        let graphql = app.graphql("{ search(query: \"수소\") { edges { snippet node { headline } } } }", json!({})).await;
        assert_eq!(graphql["data"]["search"]["edges"][0]["snippet"], found["data"][0]["snippet"]);
    }

    async fn results_page_by_cursor_without_repeats(app) {
        let local = app.section("local", "지역").await;
        let economy = app.section("economy", "경제").await;
        for n in 0..7 {
            let headline = if n % 2 == 0 { format!("반도체 수출 {n}") } else { format!("수출 동향 {n}") };
            let section = if n < 5 { &local } else { &economy };
            ArticleBuilder::new(&headline, section)
                .published_ago(Duration::hours(n + 1))
                .body(paragraph("반도체 수출이 늘었다."))
                .insert(&app).await;
        }
        for sort in ["relevance", "newest"] {
            let mut seen: Vec<String> = Vec::new();
            let mut path = format!("/api/v1/search?q=%EC%88%98%EC%B6%9C&limit=3&sort={sort}");
            loop {
                let page = app.get(&path).await.json();
                seen.extend(page["data"].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap().to_owned()));
                match page["page"]["nextCursor"].as_str() {
                    Some(cursor) => path = format!("/api/v1/search?q=%EC%88%98%EC%B6%9C&limit=3&sort={sort}&cursor={cursor}"),
                    None => break,
                }
            }
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!((seen.len(), unique.len()), (7, 7), "{sort}");
        }
        let section = headlines_of(&app.get("/api/v1/search?q=%EC%88%98%EC%B6%9C&section=economy").await.json());
        assert_eq!(section.len(), 2);
        let graphql = app.graphql(
            "query($after: String) { search(query: \"수출\", first: 4, after: $after, section: \"local\") {
                pageInfo { hasNextPage endCursor } edges { cursor } } }", json!({})).await;
        let info = &graphql["data"]["search"]["pageInfo"];
        assert_eq!(info["hasNextPage"], true);
        let rest = app.graphql(
            "query($after: String) { search(query: \"수출\", first: 4, after: $after, section: \"local\") {
                pageInfo { hasNextPage } nodes { id } } }", json!({"after": info["endCursor"]})).await;
        assert_eq!(rest["data"]["search"]["nodes"].as_array().unwrap().len(), 1);
    }

    async fn related_stories_share_tags_then_section_and_are_only_public(app) {
        let local = app.section("local", "지역").await;
        let sports = app.section("sports", "스포츠").await;
        let hydrogen = app.tag("수소").await;
        let story = ArticleBuilder::new("부산 수소트램 착공", &local).tagged(&hydrogen).insert(&app).await;
        let tagged = ArticleBuilder::new("울산 수소 충전소", &sports).tagged(&hydrogen).insert(&app).await;
        let same_desk = ArticleBuilder::new("동네 도서관 개관", &local).insert(&app).await;
        let similar = ArticleBuilder::new("수소트램 노선 발표", &sports).insert(&app).await;
        ArticleBuilder::new("야구 개막", &sports).insert(&app).await;
        ArticleBuilder::new("초안 수소 기사", &local).tagged(&hydrogen).status(Status::Draft).insert(&app).await;
        ArticleBuilder::new("예약 수소 기사", &local).tagged(&hydrogen).scheduled_in(Duration::hours(2)).insert(&app).await;

        let related = app.get(&format!("/api/v1/articles/{}/related", story.slug.as_str())).await;
        assert_eq!(related.status, 200, "{}", String::from_utf8_lossy(&related.body));
        let ids: Vec<String> = related.json()["data"].as_array().unwrap().iter()
            .map(|item| item["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids, [tagged.id.to_string(), same_desk.id.to_string(), similar.id.to_string()]);

        let graphql = app.graphql("query($id: ID) { article(id: $id) { related(first: 1) { headline } } }",
            json!({"id": story.id.to_string()})).await;
        assert_eq!(graphql["data"]["article"]["related"], json!([{"headline": "울산 수소 충전소"}]));

        // Unpublished meanwhile: gone at once, though the list is cached.
        app.as_editor().post_json(&format!("/api/v1/articles/{}/unpublish", tagged.id), &json!({})).await;
        let after = app.get(&format!("/api/v1/articles/{}/related?limit=5", story.id)).await.json();
        let first: Vec<&str> = after["data"].as_array().unwrap().iter().map(|item| item["headline"].as_str().unwrap()).collect();
        assert_eq!(first, ["동네 도서관 개관", "수소트램 노선 발표"]);

        assert_eq!(app.get("/api/v1/articles/nothing-here/related").await.status, 404);
        assert_eq!(app.get(&format!("/api/v1/articles/{}/related?limit=21", story.id)).await.status, 400);
    }
}

fn headlines_of(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["headline"].as_str().unwrap().to_owned())
        .collect()
}
