//! The GraphQL endpoint: root fields, relations, errors with codes, GraphiQL, and the SDL file.

use axum::body::Body;
use axum::http::{Request, header};
use chrono::Duration;
use serde_json::json;

use crate::harness::{ArticleBuilder, urlencode};
use crate::on_both_engines;

#[test]
fn schema_graphql_is_the_schema_the_code_serves() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == dateline_api::graphql::sdl(),
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql` and review the diff"
    );
}

/// The REST contract as served: any change to a path, parameter or schema shows as a snapshot
/// diff to review (`cargo insta review`), as the SDL check does for GraphQL.
#[tokio::test]
async fn openapi_json_is_the_contract_the_snapshot_holds() {
    let app = crate::harness::TestApp::new(crate::harness::Engine::Sqlite).await;
    let spec = app.get("/openapi.json").await.json();
    insta::assert_json_snapshot!("openapi", spec);
}

on_both_engines! {
    async fn an_article_page_comes_in_one_query(app) {
        let local = app.section("local", "지역").await;
        let busan = app.subsection(&local, "busan", "부산").await;
        let reporter = app.author("kim-minji", "김민지").await;
        let tag = app.tag("수소트램").await;
        let photo = app.photo("착공식 현장").await;
        let story = ArticleBuilder::new("부산 수소트램 착공", &busan)
            .by(&reporter)
            .tagged(&tag)
            .lead_image(&photo)
            .insert(&app)
            .await;
        let response = app
            .graphql(
                "query($slug: String!) { article(slug: $slug) {
                    id headline subheadline summary bodyHtml bodyText copyright sourceLabel url
                    publishedAt approvedAt updatedAt
                    section { slug name parent { slug } }
                    authors { name role byline }
                    tags { slug name }
                    leadImage { url caption credit alt width height focalPoint { x y } renditions { name } }
                    body { __typename ... on ParagraphBlock { type text } }
                    corrections { note }
                } }",
                json!({"slug": story.slug.as_str()}),
            )
            .await;
        assert!(response.get("errors").is_none(), "{response}");
        let article = &response["data"]["article"];
        assert_eq!(article["id"], story.id.to_string());
        assert_eq!(article["section"], json!({"slug": "busan", "name": "부산", "parent": {"slug": "local"}}));
        assert_eq!(article["authors"], json!([{"name": "김민지", "role": "기자", "byline": "김민지 기자"}]));
        assert_eq!(article["tags"], json!([{"slug": "수소트램", "name": "수소트램"}]));
        assert_eq!(article["leadImage"]["caption"], "착공식 현장");
        assert_eq!(article["publishedAt"], "2026-11-30T08:00:00+09:00");
        assert_eq!(article["body"][0]["__typename"], "ParagraphBlock");
        assert_eq!(article["body"][0]["type"], "paragraph");
    }

    async fn every_root_field_answers(app) {
        let politics = app.section("politics", "정치").await;
        let assembly = app.subsection(&politics, "national-assembly", "국회").await;
        let reporter = app.author("kim-minji", "김민지").await;
        let tag = app.tag("예산").await;
        let story = ArticleBuilder::new("국회 예산 심사", &assembly).by(&reporter).tagged(&tag).insert(&app).await;
        ArticleBuilder::new("정치 일반", &politics).published_ago(Duration::hours(3)).insert(&app).await;

        let response = app
            .graphql(
                "query($id: ID!, $section: ID!, $author: ID!, $tag: ID!) {
                    article(id: $id) { headline }
                    articles(first: 1, section: \"politics\") { totalCount nodes { headline } pageInfo { hasNextPage } }
                    latest(first: 5, section: \"national-assembly\") { nodes { headline } }
                    sections { slug position children { slug } }
                    section(slug: \"national-assembly\") { name parent { slug } articles { totalCount } }
                    author(slug: \"kim-minji\") { byline articles { nodes { headline } } }
                    tag(slug: \"예산\") { name articles { totalCount } }
                    article2: node(id: $id) { __typename id ... on Article { headline } }
                    section2: node(id: $section) { __typename ... on Section { slug } }
                    author2: node(id: $author) { __typename ... on Author { slug } }
                    tag2: node(id: $tag) { __typename ... on Tag { slug } }
                    missing: node(id: \"art_01JD0000000000000000000000\") { id }
                    garbage: node(id: \"whatever\") { id }
                    noSection: section(slug: \"nowhere\") { id }
                }",
                json!({"id": story.id.to_string(), "section": assembly.id.to_string(), "author": reporter.id.to_string(), "tag": tag.id.to_string()}),
            )
            .await;
        assert!(response.get("errors").is_none(), "{response}");
        let data = &response["data"];
        assert_eq!(data["article"]["headline"], "국회 예산 심사");
        assert_eq!(data["articles"]["totalCount"], 2);
        assert_eq!(data["articles"]["pageInfo"]["hasNextPage"], true);
        assert_eq!(data["latest"]["nodes"], json!([{"headline": "국회 예산 심사"}]));
        assert_eq!(data["sections"], json!([{"slug": "politics", "position": 1, "children": [{"slug": "national-assembly"}]}]));
        assert_eq!(data["section"]["parent"]["slug"], "politics");
        assert_eq!(data["section"]["articles"]["totalCount"], 1);
        assert_eq!(data["author"]["byline"], "김민지 기자");
        assert_eq!(data["tag"]["articles"]["totalCount"], 1);
        assert_eq!(data["article2"]["__typename"], "Article");
        assert_eq!(data["section2"], json!({"__typename": "Section", "slug": "national-assembly"}));
        assert_eq!(data["author2"], json!({"__typename": "Author", "slug": "kim-minji"}));
        assert_eq!(data["tag2"], json!({"__typename": "Tag", "slug": "예산"}));
        assert!(data["missing"].is_null() && data["garbage"].is_null() && data["noSection"].is_null());
    }

    async fn errors_carry_a_code_and_never_a_500(app) {
        app.section("politics", "정치").await;
        let cases = [
            ("{ articles(first: 0) { totalCount } }", "BAD_REQUEST"),
            ("{ articles(first: 1000) { totalCount } }", "BAD_REQUEST"),
            ("{ articles(after: \"garbage\") { totalCount } }", "BAD_REQUEST"),
            ("{ articles(section: \"nowhere\") { totalCount } }", "NOT_FOUND"),
            ("{ article { id } }", "BAD_REQUEST"),
            ("{ article(id: \"x\", slug: \"y\") { id } }", "BAD_REQUEST"),
            ("{ latest(first: ", "GRAPHQL_PARSE_FAILED"),
            ("{ nothing }", "GRAPHQL_VALIDATION_FAILED"),
            ("{ articles(first: \"ten\") { totalCount } }", "GRAPHQL_VALIDATION_FAILED"),
        ];
        for (query, code) in cases {
            let response = app.send_json(axum::http::Method::POST, "/graphql", &json!({"query": query})).await;
            assert!(response.status == 200 || response.status == 400, "{query}: {}", response.status);
            let body = response.json();
            let errors = body["errors"].as_array().unwrap_or_else(|| panic!("{query}: {body}"));
            assert_eq!(errors[0]["extensions"]["code"], code, "{query}: {body}");
        }

        let malformed = app
            .request(
                Request::post("/graphql")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{not json"))
                    .unwrap(),
            )
            .await;
        assert_eq!(malformed.status, 400);
        assert_eq!(malformed.json()["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }

    async fn syntax_errors_follow_graphql_over_http_status_rules(app) {
        let graphql_response = app
            .request(
                Request::post("/graphql")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::ACCEPT, "application/graphql-response+json")
                    .body(Body::from(r#"{"query": "{ latest("}"#))
                    .unwrap(),
            )
            .await;
        assert_eq!(graphql_response.status, 400);
        assert_eq!(graphql_response.header("content-type"), Some("application/graphql-response+json"));

        let json_response = app
            .request(
                Request::post("/graphql")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::ACCEPT, "application/json")
                    .body(Body::from(r#"{"query": "{ latest("}"#))
                    .unwrap(),
            )
            .await;
        assert_eq!(json_response.status, 200);
        assert_eq!(json_response.header("content-type"), Some("application/json"));
        assert!(json_response.json()["errors"].is_array());
    }

    async fn graphql_answers_get_and_shows_graphiql_to_a_browser(app) {
        let page = app
            .request(Request::get("/graphql").header(header::ACCEPT, "text/html").body(Body::empty()).unwrap())
            .await;
        assert_eq!(page.status, 200);
        assert!(String::from_utf8_lossy(&page.body).to_lowercase().contains("graphiql"));

        let response = app.get("/graphql?query=%7B%20sections%20%7B%20slug%20%7D%20%7D").await;
        assert_eq!(response.status, 200);
        assert_eq!(response.json()["data"], json!({"sections": []}));
    }

    async fn the_standard_introspection_query_is_answered_over_post_and_get(app) {
        let query = include_str!("fixtures/introspection-query.graphql");
        let answer = app.graphql(query, json!({})).await;
        assert!(answer["errors"].is_null(), "{}", answer["errors"]);
        let types = answer["data"]["__schema"]["types"].as_array().unwrap();
        let article = types.iter().find(|t| t["name"] == "Article").unwrap();
        assert!(article["fields"].as_array().unwrap().iter().any(|f| f["name"] == "headline"));
        assert_eq!(answer["data"]["__schema"]["queryType"]["name"], "Query");
        // Priced by the schema's size: a few allowance units, far from the limit.
        let cost = &answer["extensions"]["cost"];
        assert!(cost["complexity"].as_u64().unwrap() < cost["maxComplexity"].as_u64().unwrap() / 4, "{cost}");

        let over_get = app.get(&format!("/graphql?query={}", urlencode(query))).await;
        assert_eq!(over_get.status, 200, "{}", String::from_utf8_lossy(&over_get.body));
        assert_eq!(over_get.json()["data"], answer["data"]);

        let endless = format!("{{ __type(name: \"Article\") {{ {}name{} }} }}", "ofType { ".repeat(25), " }".repeat(25));
        let refused = app.graphql(&endless, json!({})).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "QUERY_TOO_DEEP", "{refused}");
    }
}
