//! The editorial workflow, driven through REST and GraphQL alike: each role's allowed and
//! forbidden steps (written once, as data), embargoes, stale edits, sanitised HTML, revisions,
//! previews, announcements and the audit trail.

use chrono::Duration;
use dateline_domain::Role;
use serde_json::{Value, json};

use crate::harness::{Persona, TestApp, TestResponse};
use crate::on_both_engines;

/// Who acts in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anon,
    /// The reporter who wrote the story.
    Reporter,
    /// Another reporter.
    OtherReporter,
    Editor,
    Admin,
}

/// What they try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Edit,
    Submit,
    Approve,
    /// Approve with a publishAt an hour ahead.
    ApproveLater,
    Unpublish,
    Archive,
    Delete,
}

/// What should happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Allowed: the story ends in this status.
    To(&'static str),
    Deleted,
    /// Refused with this HTTP status and code (GraphQL: the same code).
    Refused(u16, &'static str),
}

use Act::*;
use Expect::*;
use Who::*;

/// The workflow, case by case: (who, story's status before, what they try, outcome).
const CASES: &[(Who, &str, Act, Expect)] = &[
    // Reporters: their own drafts, until submitted.
    (Reporter, "DRAFT", Edit, To("DRAFT")),
    (Reporter, "DRAFT", Submit, To("SUBMITTED")),
    (Reporter, "DRAFT", Delete, Deleted),
    (Reporter, "DRAFT", Approve, Refused(403, "FORBIDDEN")),
    (Reporter, "SUBMITTED", Edit, Refused(403, "FORBIDDEN")),
    (Reporter, "SUBMITTED", Submit, Refused(409, "CONFLICT")),
    (Reporter, "SUBMITTED", Approve, Refused(403, "FORBIDDEN")),
    (Reporter, "SUBMITTED", Delete, Refused(403, "FORBIDDEN")),
    (Reporter, "PUBLISHED", Edit, Refused(403, "FORBIDDEN")),
    (Reporter, "PUBLISHED", Unpublish, Refused(403, "FORBIDDEN")),
    (Reporter, "UNPUBLISHED", Archive, Refused(403, "FORBIDDEN")),
    // Another reporter's stories do not exist for them.
    (OtherReporter, "DRAFT", Edit, Refused(404, "NOT_FOUND")),
    (OtherReporter, "DRAFT", Submit, Refused(404, "NOT_FOUND")),
    // Without a token: 401, never 400.
    (Anon, "DRAFT", Edit, Refused(401, "UNAUTHORIZED")),
    (Anon, "SUBMITTED", Approve, Refused(401, "UNAUTHORIZED")),
    (Anon, "DRAFT", Delete, Refused(401, "UNAUTHORIZED")),
    // Editors run the desk.
    (Editor, "DRAFT", Edit, To("DRAFT")),
    (Editor, "SUBMITTED", Edit, To("SUBMITTED")),
    (Editor, "PUBLISHED", Edit, To("PUBLISHED")),
    (Editor, "ARCHIVED", Edit, Refused(409, "CONFLICT")),
    (Editor, "SUBMITTED", Submit, Refused(409, "CONFLICT")),
    (Editor, "SUBMITTED", Approve, To("PUBLISHED")),
    (Editor, "DRAFT", Approve, To("PUBLISHED")),
    (Editor, "SUBMITTED", ApproveLater, To("SCHEDULED")),
    (Editor, "SCHEDULED", ApproveLater, To("SCHEDULED")),
    (Editor, "UNPUBLISHED", Approve, To("PUBLISHED")),
    (Editor, "PUBLISHED", Approve, Refused(409, "CONFLICT")),
    (Editor, "ARCHIVED", Approve, Refused(409, "CONFLICT")),
    (Editor, "PUBLISHED", Unpublish, To("UNPUBLISHED")),
    (Editor, "SCHEDULED", Unpublish, To("UNPUBLISHED")),
    (Editor, "DRAFT", Unpublish, Refused(409, "CONFLICT")),
    (Editor, "UNPUBLISHED", Archive, To("ARCHIVED")),
    (Editor, "PUBLISHED", Archive, Refused(409, "CONFLICT")),
    (Editor, "PUBLISHED", Delete, Refused(409, "CONFLICT")),
    (Editor, "UNPUBLISHED", Delete, Deleted),
    // Admins hold an editor's powers.
    (Admin, "SUBMITTED", Approve, To("PUBLISHED")),
    (Admin, "PUBLISHED", Unpublish, To("UNPUBLISHED")),
];

/// A story for the cases: written by the reporter in `local`, then moved to `status` by the
/// editor. Answers its id and version.
async fn story_in(app: &TestApp, status: &str) -> (String, i64) {
    let created = app
        .as_reporter()
        .post_json(
            "/api/v1/articles",
            &json!({"headline": "부산 수소트램 착공", "section": "local", "tags": ["부산"],
                    "body": [{"type": "paragraph", "text": "부산시가 트램을 놓는다."}]}),
        )
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let id = created.json()["data"]["id"].as_str().unwrap().to_owned();
    let later = app.now().plus(Duration::hours(2)).to_string();
    let steps: &[(&str, Value)] = match status {
        "DRAFT" => &[],
        "SUBMITTED" => &[("submit", json!({}))],
        "PUBLISHED" => &[("approve", json!({}))],
        "SCHEDULED" => &[("approve", json!({"publishAt": later}))],
        "UNPUBLISHED" => &[("approve", json!({})), ("unpublish", json!({}))],
        "ARCHIVED" => &[
            ("approve", json!({})),
            ("unpublish", json!({})),
            ("archive", json!({})),
        ],
        other => panic!("no setup for {other}"),
    };
    let mut version = 1;
    for (step, body) in steps {
        let moved = app
            .as_editor()
            .post_json(&format!("/api/v1/articles/{id}/{step}"), body)
            .await;
        assert_eq!(
            moved.status,
            200,
            "{step}: {}",
            String::from_utf8_lossy(&moved.body)
        );
        version = moved.json()["data"]["version"].as_i64().unwrap();
    }
    (id, version)
}

fn persona<'a>(app: &'a TestApp, who: Who, other: &dateline_domain::User) -> Persona<'a> {
    match who {
        Anon => app.as_anon(),
        Reporter => app.as_reporter(),
        OtherReporter => app.as_user(other),
        Editor => app.as_editor(),
        Admin => app.as_admin(),
    }
}

/// An outcome as both surfaces can report it: the status reached, deletion, or (code, HTTP
/// status for REST, current status for 409s).
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Status(String),
    Deleted,
    Error(String, Option<String>),
}

async fn act_over_rest(
    app: &TestApp,
    who: &Persona<'_>,
    id: &str,
    version: i64,
    act: Act,
) -> (u16, Outcome) {
    let path = format!("/api/v1/articles/{id}");
    let later = app.now().plus(Duration::hours(1)).to_string();
    let response: TestResponse = match act {
        Edit => {
            who.patch_json(&path, &json!({"headline": "고친 제목", "version": version}))
                .await
        }
        Submit => who.post_json(&format!("{path}/submit"), &json!({})).await,
        Approve => who.post_json(&format!("{path}/approve"), &json!({})).await,
        ApproveLater => {
            who.post_json(&format!("{path}/approve"), &json!({"publishAt": later}))
                .await
        }
        Unpublish => {
            who.post_json(&format!("{path}/unpublish"), &json!({}))
                .await
        }
        Archive => who.post_json(&format!("{path}/archive"), &json!({})).await,
        Delete => who.delete(&path).await,
    };
    let status = response.status.as_u16();
    let outcome = if status == 204 {
        Outcome::Deleted
    } else if status < 300 {
        Outcome::Status(
            response.json()["data"]["status"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    } else {
        assert_eq!(
            response.header("content-type"),
            Some("application/problem+json")
        );
        if status == 401 {
            assert!(
                response
                    .header("www-authenticate")
                    .unwrap()
                    .starts_with("Bearer")
            );
        }
        let problem = response.json();
        Outcome::Error(
            problem["code"].as_str().unwrap().to_owned(),
            problem["currentStatus"].as_str().map(str::to_owned),
        )
    };
    (status, outcome)
}

async fn act_over_graphql(
    app: &TestApp,
    who: &Persona<'_>,
    id: &str,
    version: i64,
    act: Act,
) -> Outcome {
    let later = app.now().plus(Duration::hours(1)).to_string();
    let (query, field, variables) = match act {
        Edit => (
            "mutation($id: ID!, $v: Int!) { r: updateArticle(id: $id, version: $v, input: {headline: \"고친 제목\"}) { status } }",
            "status",
            json!({"id": id, "v": version}),
        ),
        Submit => (
            "mutation($id: ID!) { r: submitArticle(id: $id) { status } }",
            "status",
            json!({"id": id}),
        ),
        Approve => (
            "mutation($id: ID!) { r: approveArticle(id: $id) { status } }",
            "status",
            json!({"id": id}),
        ),
        ApproveLater => (
            "mutation($id: ID!, $at: DateTime!) { r: approveArticle(id: $id, publishAt: $at) { status } }",
            "status",
            json!({"id": id, "at": later}),
        ),
        Unpublish => (
            "mutation($id: ID!) { r: unpublishArticle(id: $id) { status } }",
            "status",
            json!({"id": id}),
        ),
        Archive => (
            "mutation($id: ID!) { r: archiveArticle(id: $id) { status } }",
            "status",
            json!({"id": id}),
        ),
        Delete => (
            "mutation($id: ID!) { r: deleteArticle(id: $id) }",
            "",
            json!({"id": id}),
        ),
    };
    let response = who.graphql(query, variables).await;
    if let Some(error) = response["errors"].get(0) {
        let extensions = &error["extensions"];
        return Outcome::Error(
            extensions["code"].as_str().unwrap_or("NO CODE").to_owned(),
            extensions["currentStatus"].as_str().map(str::to_owned),
        );
    }
    if field.is_empty() {
        assert_eq!(response["data"]["r"], id);
        Outcome::Deleted
    } else {
        Outcome::Status(response["data"]["r"][field].as_str().unwrap().to_owned())
    }
}

fn expected_outcome(expect: Expect, before: &str) -> Outcome {
    match expect {
        To(status) => Outcome::Status(status.to_owned()),
        Deleted => Outcome::Deleted,
        Refused(409, code) => Outcome::Error(code.to_owned(), Some(before.to_owned())),
        Refused(_, code) => Outcome::Error(code.to_owned(), None),
    }
}

/// Where the story stands afterwards, as an editor sees it.
async fn stored_status(app: &TestApp, id: &str) -> Option<String> {
    let response = app
        .as_editor()
        .get(&format!("/api/v1/newsroom/articles/{id}"))
        .await;
    (response.status == 200).then(|| {
        response.json()["data"]["status"]
            .as_str()
            .unwrap()
            .to_owned()
    })
}

on_both_engines! {
    async fn a_past_publish_time_is_refused_unless_the_editor_means_to_backdate(app) {
        app.section("local", "지역").await;
        let story = write(&app.as_reporter(), json!({"headline": "지면 기사", "section": "local", "body": [{"type": "paragraph", "text": "본문"}]})).await;
        let id = story["id"].as_str().unwrap();
        // The demo clock reads 2026-11-30 09:00 KST; yesterday's print edition is in the past.
        let yesterday = "2026-11-29T06:00:00+09:00";
        let refused = app.as_editor().post_json(&format!("/api/v1/articles/{id}/approve"), &json!({"publishAt": yesterday})).await;
        assert_eq!(refused.status, 422, "{}", String::from_utf8_lossy(&refused.body));
        assert_eq!(refused.json()["errors"][0]["field"], "publishAt");
        assert!(app.get(&format!("/api/v1/articles/{id}")).await.status == 404, "nothing was published");

        let over_graphql = app.as_editor().graphql(
            "mutation($id: ID!, $at: DateTime!) { approveArticle(id: $id, publishAt: $at) { status } }",
            json!({"id": id, "at": yesterday}),
        ).await;
        assert_eq!(over_graphql["errors"][0]["extensions"]["code"], "VALIDATION", "{over_graphql}");

        let backdated = app.as_editor().post_json(&format!("/api/v1/articles/{id}/approve"), &json!({"publishAt": yesterday, "backdate": true})).await;
        assert_eq!(backdated.status, 200, "{}", String::from_utf8_lossy(&backdated.body));
        assert_eq!(backdated.json()["data"]["status"], "PUBLISHED");
        assert_eq!(app.get(&format!("/api/v1/articles/{id}")).await.json()["data"]["publishedAt"], yesterday);
    }

    async fn each_role_may_take_exactly_its_steps_through_rest_and_graphql(app) {
        app.section("local", "지역").await;
        let other = app.add_user("other@news.example", Role::Reporter).await;
        for &(who, before, act, expect) in CASES {
            let case = format!("{who:?} {act:?} on {before}");
            let wanted = expected_outcome(expect, before);

            let (id, version) = story_in(&app, before).await;
            let (http, got) = act_over_rest(&app, &persona(&app, who, &other), &id, version, act).await;
            assert_eq!(got, wanted, "REST: {case}");
            match expect {
                Refused(status, _) => {
                    assert_eq!(http, status, "REST status: {case}");
                    assert_eq!(stored_status(&app, &id).await.as_deref(), Some(before), "refused steps change nothing: {case}");
                }
                To(status) => assert_eq!(stored_status(&app, &id).await.as_deref(), Some(status), "{case}"),
                Deleted => assert_eq!(stored_status(&app, &id).await, None, "{case}"),
            }

            let (id, version) = story_in(&app, before).await;
            let got = act_over_graphql(&app, &persona(&app, who, &other), &id, version, act).await;
            assert_eq!(got, wanted, "GraphQL: {case}");
        }
    }
}

/// Writes a story as `who` and answers its data.
async fn write(who: &Persona<'_>, story: Value) -> Value {
    let response = who.post_json("/api/v1/articles", &story).await;
    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["data"].clone()
}

/// Every public surface, as the ids each shows.
async fn public_ids(app: &TestApp, story: &Value) -> Vec<(String, Vec<String>)> {
    let mut surfaces = Vec::new();
    for path in [
        "/api/v1/articles",
        "/api/v1/articles?section=local",
        "/api/v1/articles?section=busan",
        "/api/v1/articles?tag=%EB%B6%80%EC%82%B0",
        "/api/v1/articles?author=kim-minji",
    ] {
        let list = app.get(path).await.json();
        // A 404 (a tag or author with no public story yet) shows no story.
        let ids = list["data"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect();
        surfaces.push((path.to_owned(), ids));
    }
    let id = story["id"].as_str().unwrap();
    let slug: String = story["slug"]
        .as_str()
        .unwrap()
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect();
    for path in [
        format!("/api/v1/articles/{id}"),
        format!("/api/v1/articles/{slug}"),
    ] {
        let found = app.get(&path).await;
        surfaces.push((
            path,
            if found.status == 200 {
                vec![id.to_owned()]
            } else {
                Vec::new()
            },
        ));
    }
    let graphql = app
        .graphql(
            "query($id: ID!, $slug: String!) {
                articles { totalCount nodes { id } } latest { nodes { id } }
                section(slug: \"busan\") { articles { totalCount nodes { id } } }
                tag(slug: \"부산\") { articles { nodes { id } } }
                article(id: $id) { id } bySlug: article(slug: $slug) { id } node(id: $id) { id } }",
            json!({"id": id, "slug": story["slug"]}),
        )
        .await;
    let data = &graphql["data"];
    for (name, nodes) in [
        ("articles", &data["articles"]["nodes"]),
        ("latest", &data["latest"]["nodes"]),
        ("section", &data["section"]["articles"]["nodes"]),
        ("tag", &data["tag"]["articles"]["nodes"]),
    ] {
        // A null tag (no public story yet) shows no story.
        let ids = nodes
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect();
        surfaces.push((format!("graphql {name}"), ids));
    }
    for name in ["article", "bySlug", "node"] {
        let ids = data[name]["id"]
            .as_str()
            .map(str::to_owned)
            .into_iter()
            .collect();
        surfaces.push((format!("graphql {name}"), ids));
    }
    let counts = vec![
        data["articles"]["totalCount"].to_string(),
        data["section"]["articles"]["totalCount"].to_string(),
    ];
    surfaces.push(("graphql totalCount".into(), counts));
    surfaces
}

on_both_engines! {
    async fn a_story_approved_for_later_is_invisible_everywhere_until_its_time(app) {
        let local = app.section("local", "지역").await;
        app.subsection(&local, "busan", "부산").await;
        let reporter = app.author("kim-minji", "김민지").await;
        let story = write(&app.as_reporter(), json!({
            "headline": "부산항 신항 개장", "section": "busan", "authors": ["kim-minji"], "tags": ["부산"],
            "body": [{"type": "paragraph", "text": "신항이 문을 연다."}]})).await;
        assert_eq!(story["authors"][0]["id"], reporter.id.to_string());
        let id = story["id"].as_str().unwrap();
        app.as_reporter().post_json(&format!("/api/v1/articles/{id}/submit"), &json!({})).await;
        let publish_at = "2026-11-30T09:30:00+09:00";
        let approved = app.as_editor().post_json(&format!("/api/v1/articles/{id}/approve"), &json!({"publishAt": publish_at})).await.json();
        assert_eq!(approved["data"]["status"], "SCHEDULED");
        assert_eq!(approved["data"]["publishedAt"], publish_at);
        assert_eq!(approved["data"]["approvedAt"], "2026-11-30T09:00:00+09:00");

        app.clock.advance(Duration::minutes(30) - Duration::seconds(1));
        for (surface, ids) in public_ids(&app, &story).await {
            if surface == "graphql totalCount" {
                assert_eq!(ids, ["0", "0"], "{surface}");
            } else {
                assert!(ids.is_empty(), "visible before its time on {surface}");
            }
        }
        let desk = app.as_editor().get("/api/v1/newsroom/articles?status=SCHEDULED").await.json();
        assert_eq!(desk["data"][0]["id"], id, "editors see it with its status");
        assert_eq!(desk["data"][0]["status"], "SCHEDULED");

        app.clock.advance(Duration::seconds(1));
        for (surface, ids) in public_ids(&app, &story).await {
            if surface == "graphql totalCount" {
                assert_eq!(ids, ["1", "1"], "{surface}");
            } else {
                assert_eq!(ids, [id], "not visible at its time on {surface}");
            }
        }
        let desk = app.as_editor().get(&format!("/api/v1/newsroom/articles/{id}")).await.json();
        assert_eq!(desk["data"]["status"], "PUBLISHED");
    }

    async fn a_stale_concurrent_edit_is_refused_and_nothing_is_lost(app) {
        app.section("local", "지역").await;
        let second_editor = app.add_user("desk2@news.example", Role::Editor).await;
        let story = write(&app.as_editor(), json!({"headline": "원래 제목", "section": "local",
            "body": [{"type": "paragraph", "text": "본문"}]})).await;
        let id = story["id"].as_str().unwrap();
        let path = format!("/api/v1/articles/{id}");
        let read = app.as_editor().get(&format!("/api/v1/newsroom/articles/{id}")).await;
        assert_eq!(read.header("etag"), Some("\"v1\""));

        let first = app.as_editor().send(axum::http::Method::PATCH, &path, Some(&json!({"headline": "첫 편집자의 제목"})), &[("if-match", "\"v1\"")]).await;
        assert_eq!(first.status, 200);
        assert_eq!(first.header("etag"), Some("\"v2\""));

        let second = app.as_user(&second_editor);
        let stale = second.send(axum::http::Method::PATCH, &path, Some(&json!({"headline": "둘째 편집자의 제목"})), &[("if-match", "\"v1\"")]).await;
        assert_eq!(stale.status, 412);
        assert_eq!(stale.json()["currentVersion"], 2);
        let stale = second.patch_json(&path, &json!({"headline": "둘째 편집자의 제목", "version": 1})).await;
        assert_eq!(stale.status, 409);
        assert_eq!(stale.json()["code"], "STALE_VERSION");
        let stale = second.graphql("mutation($id: ID!) { updateArticle(id: $id, version: 1, input: {headline: \"둘째\"}) { version } }", json!({"id": id})).await;
        assert_eq!(stale["errors"][0]["extensions"]["code"], "STALE_VERSION");
        assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);
        let unversioned = second.patch_json(&path, &json!({"headline": "버전 없이"})).await;
        assert_eq!(unversioned.status, 428);

        let now = app.as_editor().get(&format!("/api/v1/newsroom/articles/{id}")).await.json();
        assert_eq!(now["data"]["headline"], "첫 편집자의 제목");
        assert_eq!(now["data"]["version"], 2);
        let revisions = app.as_editor().get(&format!("/api/v1/newsroom/articles/{id}/revisions")).await.json();
        let actions: Vec<&str> = revisions["data"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["edited", "created"], "the refused edits left no revision");
    }

    async fn scripts_event_handlers_and_javascript_urls_are_stripped_from_html(app) {
        app.section("local", "지역").await;
        let html = "<p onclick=\"steal()\">부산 <a href=\"javascript:alert(1)\">트램</a> 착공</p>\
                    <script>alert('xss')</script><img src=x onerror=alert(2)>\
                    <h2 onmouseover=\"x()\">소제목</h2><iframe src=\"javascript:alert(3)\"></iframe>";
        let over_rest = write(&app.as_reporter(), json!({"headline": "안전한 본문", "section": "local", "bodyHtml": html})).await;
        let over_graphql = app.as_reporter().graphql(
            "mutation($html: String!) { createArticle(input: {headline: \"안전한 본문\", section: \"local\", bodyHtml: $html}) { article { body { __typename } bodyHtml } } }",
            json!({"html": html}),
        ).await;
        let rendered_graphql = over_graphql["data"]["createArticle"]["article"]["bodyHtml"].as_str().unwrap().to_owned();
        for rendered in [over_rest["bodyHtml"].as_str().unwrap(), rendered_graphql.as_str()] {
            assert_eq!(rendered, "<p>부산 트램 착공</p><h2>소제목</h2>");
            for bad in ["script", "alert", "onclick", "onerror", "onmouseover", "javascript:"] {
                assert!(!rendered.contains(bad), "{bad} survived: {rendered}");
            }
        }
        assert_eq!(over_rest["body"], json!([{"type": "paragraph", "text": "부산 트램 착공"}, {"type": "heading", "text": "소제목", "level": 2}]));
        let nothing_left = app.as_reporter().post_json("/api/v1/articles", &json!({"headline": "빈 본문", "section": "local", "bodyHtml": "<script>alert(1)</script>"})).await;
        assert_eq!(nothing_left.status, 422);
        assert_eq!(nothing_left.json()["errors"][0]["field"], "bodyHtml");
    }

    async fn editors_list_revisions_and_see_what_changed_between_two(app) {
        app.section("local", "지역").await;
        app.section("economy", "경제").await;
        let story = write(&app.as_reporter(), json!({"headline": "부산 트램", "section": "local",
            "body": [{"type": "paragraph", "text": "첫 문단"}, {"type": "paragraph", "text": "둘째 문단"}]})).await;
        let id = story["id"].as_str().unwrap();
        let path = format!("/api/v1/articles/{id}");
        app.as_reporter().patch_json(&path, &json!({"version": 1, "headline": "부산 수소트램"})).await;
        app.as_editor().patch_json(&path, &json!({"version": 2, "section": "economy",
            "body": [{"type": "paragraph", "text": "첫 문단"}, {"type": "paragraph", "text": "고친 둘째 문단"}]})).await;
        app.as_editor().post_json(&format!("{path}/approve"), &json!({})).await;

        let revisions = app.as_editor().get(&format!("/api/v1/newsroom/articles/{id}/revisions")).await.json();
        let seen: Vec<(i64, &str)> = revisions["data"].as_array().unwrap().iter().map(|r| (r["version"].as_i64().unwrap(), r["action"].as_str().unwrap())).collect();
        assert_eq!(seen, [(4, "approved"), (3, "edited"), (2, "edited"), (1, "created")]);
        assert_eq!(revisions["data"][3]["editorId"], app.reporter.id.to_string());
        assert_eq!(revisions["data"][0]["editorId"], app.editor.id.to_string());

        let diff = app.as_editor().get(&format!("/api/v1/newsroom/articles/{id}/diff?from=1&to=3")).await.json();
        let fields: Vec<&str> = diff["data"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["headline", "sectionId"]);
        assert_eq!(diff["data"]["fields"][0]["after"], "부산 수소트램");
        let body = diff["data"]["body"].as_str().unwrap();
        assert!(body.contains("-둘째 문단") && body.contains("+고친 둘째 문단"), "{body}");

        let graphql = app.as_editor().graphql("query($id: ID!) { revisions(id: $id) { version editor { email } } revisionDiff(id: $id, from: 3, to: 4) { fields { field after } body } }", json!({"id": id})).await;
        assert_eq!(graphql["data"]["revisions"][0]["editor"]["email"], "editor@news.example");
        assert_eq!(graphql["data"]["revisionDiff"]["fields"][0]["field"], "publishedAt");
        assert_eq!(graphql["data"]["revisionDiff"]["body"], "");

        let reporter = app.as_reporter().get(&format!("/api/v1/newsroom/articles/{id}/revisions")).await;
        assert_eq!(reporter.status, 403);
        let missing = app.as_editor().get(&format!("/api/v1/newsroom/articles/{id}/diff?from=1&to=9")).await;
        assert_eq!(missing.status, 404);
    }

    async fn a_preview_link_shows_one_unpublished_story_uncacheably_until_it_expires(app) {
        app.section("local", "지역").await;
        let draft = write(&app.as_reporter(), json!({"headline": "엠바고 초안", "section": "local",
            "body": [{"type": "paragraph", "text": "아직 비공개"}]})).await;
        let other = write(&app.as_reporter(), json!({"headline": "다른 초안", "section": "local",
            "body": [{"type": "paragraph", "text": "다른 기사"}]})).await;
        let id = draft["id"].as_str().unwrap();
        assert_eq!(app.get(&format!("/api/v1/articles/{id}")).await.status, 404);

        let preview = app.as_reporter().post_json(&format!("/api/v1/articles/{id}/preview"), &json!({})).await;
        assert_eq!(preview.status, 201);
        let preview = preview.json()["data"].clone();
        let token = preview["token"].as_str().unwrap();
        assert!(preview["url"].as_str().unwrap().ends_with(&format!("/api/v1/articles/{id}?preview={token}")));

        let shown = app.get(&format!("/api/v1/articles/{id}?preview={token}")).await;
        assert_eq!(shown.status, 200);
        assert_eq!(shown.header("cache-control"), Some("private, no-store"));
        assert_eq!(shown.json()["data"]["headline"], "엠바고 초안");
        assert!(shown.json()["data"].get("status").is_none(), "the public shape, not the newsroom's");

        let graphql = app.as_anon().send(axum::http::Method::POST, "/graphql", Some(&json!({
            "query": "query($id: ID!, $p: String!) { article(id: $id, preview: $p) { headline } }",
            "variables": {"id": id, "p": token}})), &[]).await;
        assert_eq!(graphql.header("cache-control"), Some("private, no-store"));
        assert_eq!(graphql.json()["data"]["article"]["headline"], "엠바고 초안");

        let wrong_story = app.get(&format!("/api/v1/articles/{}?preview={token}", other["id"].as_str().unwrap())).await;
        assert_eq!(wrong_story.status, 401);
        let access_token = app.token_for(&app.reporter);
        assert_eq!(app.get(&format!("/api/v1/articles/{id}?preview={access_token}")).await.status, 401, "an access token is no preview token");
        let as_bearer = app.as_anon().send(axum::http::Method::GET, "/api/v1/users/me", None, &[("authorization", &format!("Bearer {token}"))]).await;
        assert_eq!(as_bearer.status, 401, "a preview token is no access token");

        app.clock.advance(Duration::hours(1));
        let expired = app.get(&format!("/api/v1/articles/{id}?preview={token}")).await;
        assert_eq!(expired.status, 401);
        assert_eq!(expired.header("content-type"), Some("application/problem+json"));
    }

    async fn every_committed_change_is_announced_with_what_it_touched(app) {
        let local = app.section("local", "지역").await;
        let busan = app.subsection(&local, "busan", "부산").await;
        let mut changes = app.state.subscribe_changes();
        let story = write(&app.as_reporter(), json!({"headline": "알림 기사", "section": "busan", "tags": ["부산"],
            "body": [{"type": "paragraph", "text": "본문"}]})).await;
        let id = story["id"].as_str().unwrap();
        app.as_editor().patch_json(&format!("/api/v1/articles/{id}"), &json!({"version": 1, "section": "local"})).await;
        app.as_editor().post_json(&format!("/api/v1/articles/{id}/approve"), &json!({})).await;
        let refused = app.as_editor().post_json(&format!("/api/v1/articles/{id}/archive"), &json!({})).await;
        assert_eq!(refused.status, 409);

        use dateline_app::events::ChangeKind;
        let created = changes.try_recv().unwrap();
        assert_eq!((created.kind, created.article.map(|a| a.to_string())), (ChangeKind::Created, Some(id.to_owned())));
        assert_eq!(created.sections.len(), 2, "the section and its parent");
        assert_eq!(created.tags.len(), 1);
        let moved = changes.try_recv().unwrap();
        assert_eq!(moved.kind, ChangeKind::Updated);
        assert!(moved.sections.contains(&busan.id) && moved.sections.contains(&local.id), "both the old and the new desk");
        let published = changes.try_recv().unwrap();
        assert_eq!(published.kind, ChangeKind::Published);
        assert_eq!(published.published_at, Some(app.now()));
        assert!(changes.try_recv().is_err(), "a refused step announces nothing");
    }

    async fn approvals_unpublishing_deletions_and_role_changes_are_audited(app) {
        app.section("local", "지역").await;
        let story = write(&app.as_reporter(), json!({"headline": "감사 기록", "section": "local",
            "body": [{"type": "paragraph", "text": "본문"}]})).await;
        let id = story["id"].as_str().unwrap();
        let path = format!("/api/v1/articles/{id}");
        app.as_editor().post_json(&format!("{path}/approve"), &json!({})).await;
        app.as_editor().post_json(&format!("{path}/unpublish"), &json!({})).await;
        assert_eq!(app.as_editor().delete(&path).await.status, 204);
        let promoted = app.as_admin().patch_json(&format!("/api/v1/users/{}", app.reporter.id), &json!({"role": "editor"})).await;
        assert_eq!(promoted.status, 200);
        assert_eq!(promoted.json()["data"]["role"], "editor");

        let trail = app.as_admin().get("/api/v1/audit").await.json();
        let entries: Vec<(&str, &str)> = trail["data"].as_array().unwrap().iter()
            .map(|e| (e["action"].as_str().unwrap(), e["actorId"].as_str().unwrap())).collect();
        let editor = app.editor.id.to_string();
        let admin = app.admin.id.to_string();
        assert_eq!(entries, [
            ("user.role_changed", admin.as_str()),
            ("article.deleted", editor.as_str()),
            ("article.unpublished", editor.as_str()),
            ("article.approved", editor.as_str()),
        ]);
        assert_eq!(trail["data"][0]["detail"], json!({"from": "reporter", "to": "editor"}));
        assert_eq!(trail["data"][1]["detail"]["headline"], "감사 기록");
        let about_story = app.as_editor().graphql("query($id: ID!) { auditTrail(subject: $id) { action actor { email } } }", json!({"id": id})).await;
        assert_eq!(about_story["data"]["auditTrail"].as_array().unwrap().len(), 3);
        assert_eq!(about_story["data"]["auditTrail"][0]["actor"]["email"], "editor@news.example");
        assert_eq!(app.as_user(&app.add_user("r2@news.example", Role::Reporter).await).get("/api/v1/audit").await.status, 403);
    }

    async fn korean_headlines_get_readable_unique_slugs(app) {
        app.section("local", "지역").await;
        let story = json!({"headline": "부산시, 수소트램 착공!", "section": "local", "body": [{"type": "paragraph", "text": "본문"}]});
        let first = write(&app.as_reporter(), story.clone()).await;
        let second = write(&app.as_reporter(), story).await;
        assert_eq!(first["slug"], "부산시-수소트램-착공");
        assert_eq!(second["slug"], "부산시-수소트램-착공-2");
        let punctuation = write(&app.as_reporter(), json!({"headline": "“…!?”", "section": "local", "body": [{"type": "paragraph", "text": "본문"}]})).await;
        assert!(punctuation["slug"].as_str().unwrap().starts_with("story-"));
        let edited = app.as_reporter().patch_json(&format!("/api/v1/articles/{}", first["id"].as_str().unwrap()), &json!({"version": 1, "headline": "전혀 다른 제목"})).await.json();
        assert_eq!(edited["data"]["slug"], "부산시-수소트램-착공", "a slug holds when the headline changes");
    }

    async fn an_edit_to_a_published_story_moves_updated_at_and_may_carry_a_correction(app) {
        app.section("local", "지역").await;
        let story = write(&app.as_reporter(), json!({"headline": "오보 기사", "section": "local", "body": [{"type": "paragraph", "text": "틀린 숫자 3"}]})).await;
        let id = story["id"].as_str().unwrap();
        app.as_editor().post_json(&format!("/api/v1/articles/{id}/approve"), &json!({})).await;
        app.clock.advance(Duration::hours(2));
        let corrected = app.as_editor().patch_json(&format!("/api/v1/articles/{id}"), &json!({"version": 2,
            "body": [{"type": "paragraph", "text": "맞는 숫자 4"}], "correction": "숫자를 바로잡습니다."})).await;
        assert_eq!(corrected.status, 200, "{}", String::from_utf8_lossy(&corrected.body));
        let public = app.get(&format!("/api/v1/articles/{id}")).await.json();
        assert_eq!(public["data"]["updatedAt"], "2026-11-30T11:00:00+09:00");
        assert_eq!(public["data"]["publishedAt"], "2026-11-30T09:00:00+09:00");
        assert_eq!(public["data"]["corrections"], json!([{"note": "숫자를 바로잡습니다.", "correctedAt": "2026-11-30T11:00:00+09:00"}]));
        assert_eq!(public["data"]["bodyText"], "맞는 숫자 4");
        let draft = write(&app.as_reporter(), json!({"headline": "초안", "section": "local", "body": [{"type": "paragraph", "text": "본문"}]})).await;
        let refused = app.as_reporter().patch_json(&format!("/api/v1/articles/{}", draft["id"].as_str().unwrap()), &json!({"version": 1, "correction": "정정"})).await;
        assert_eq!(refused.status, 422);
    }

    async fn reporters_see_their_own_stories_and_editors_see_the_whole_desk(app) {
        app.section("local", "지역").await;
        let other = app.add_user("other@news.example", Role::Reporter).await;
        write(&app.as_reporter(), json!({"headline": "내 기사", "section": "local", "body": [{"type": "paragraph", "text": "본문"}]})).await;
        write(&app.as_user(&other), json!({"headline": "남의 기사", "section": "local", "body": [{"type": "paragraph", "text": "본문"}]})).await;
        let mine = app.as_reporter().get("/api/v1/newsroom/articles").await.json();
        let headlines: Vec<&str> = mine["data"].as_array().unwrap().iter().map(|a| a["headline"].as_str().unwrap()).collect();
        assert_eq!(headlines, ["내 기사"]);
        let desk = app.as_editor().graphql("{ newsroom(status: DRAFT) { nodes { status article { headline } createdBy { email } } } }", json!({})).await;
        assert_eq!(desk["data"]["newsroom"]["nodes"].as_array().unwrap().len(), 2);
        assert_eq!(desk["data"]["newsroom"]["nodes"][0]["createdBy"]["email"], "other@news.example");
        assert_eq!(app.as_anon().get("/api/v1/newsroom/articles").await.status, 401);
        assert!(app.get("/api/v1/articles").await.json()["data"].as_array().unwrap().is_empty(), "drafts stay off public lists");
    }
}
