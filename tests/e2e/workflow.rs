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
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    let id = created.json()["data"]["id"].as_str().unwrap().to_owned();
    let later = app.now().plus(Duration::hours(2)).to_string();
    let steps: &[(&str, Value)] = match status {
        "DRAFT" => &[],
        "SUBMITTED" => &[("submit", json!({}))],
        "PUBLISHED" => &[("approve", json!({}))],
        "SCHEDULED" => &[("approve", json!({"publishAt": later}))],
        "UNPUBLISHED" => &[("approve", json!({})), ("unpublish", json!({}))],
        "ARCHIVED" => &[("approve", json!({})), ("unpublish", json!({})), ("archive", json!({}))],
        other => panic!("no setup for {other}"),
    };
    let mut version = 1;
    for (step, body) in steps {
        let moved = app
            .as_editor()
            .post_json(&format!("/api/v1/articles/{id}/{step}"), body)
            .await;
        assert_eq!(moved.status, 200, "{step}: {}", String::from_utf8_lossy(&moved.body));
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

async fn act_over_rest(app: &TestApp, who: &Persona<'_>, id: &str, version: i64, act: Act) -> (u16, Outcome) {
    let path = format!("/api/v1/articles/{id}");
    let later = app.now().plus(Duration::hours(1)).to_string();
    let response: TestResponse = match act {
        Edit => who.patch_json(&path, &json!({"headline": "고친 제목", "version": version})).await,
        Submit => who.post_json(&format!("{path}/submit"), &json!({})).await,
        Approve => who.post_json(&format!("{path}/approve"), &json!({})).await,
        ApproveLater => who.post_json(&format!("{path}/approve"), &json!({"publishAt": later})).await,
        Unpublish => who.post_json(&format!("{path}/unpublish"), &json!({})).await,
        Archive => who.post_json(&format!("{path}/archive"), &json!({})).await,
        Delete => who.delete(&path).await,
    };
    let status = response.status.as_u16();
    let outcome = if status == 204 {
        Outcome::Deleted
    } else if status < 300 {
        Outcome::Status(response.json()["data"]["status"].as_str().unwrap().to_owned())
    } else {
        assert_eq!(response.header("content-type"), Some("application/problem+json"));
        if status == 401 {
            assert!(response.header("www-authenticate").unwrap().starts_with("Bearer"));
        }
        let problem = response.json();
        Outcome::Error(
            problem["code"].as_str().unwrap().to_owned(),
            problem["currentStatus"].as_str().map(str::to_owned),
        )
    };
    (status, outcome)
}

async fn act_over_graphql(app: &TestApp, who: &Persona<'_>, id: &str, version: i64, act: Act) -> Outcome {
    let later = app.now().plus(Duration::hours(1)).to_string();
    let (query, field, variables) = match act {
        Edit => (
            "mutation($id: ID!, $v: Int!) { r: updateArticle(id: $id, version: $v, input: {headline: \"고친 제목\"}) { status } }",
            "status",
            json!({"id": id, "v": version}),
        ),
        Submit => ("mutation($id: ID!) { r: submitArticle(id: $id) { status } }", "status", json!({"id": id})),
        Approve => ("mutation($id: ID!) { r: approveArticle(id: $id) { status } }", "status", json!({"id": id})),
        ApproveLater => (
            "mutation($id: ID!, $at: DateTime!) { r: approveArticle(id: $id, publishAt: $at) { status } }",
            "status",
            json!({"id": id, "at": later}),
        ),
        Unpublish => ("mutation($id: ID!) { r: unpublishArticle(id: $id) { status } }", "status", json!({"id": id})),
        Archive => ("mutation($id: ID!) { r: archiveArticle(id: $id) { status } }", "status", json!({"id": id})),
        Delete => ("mutation($id: ID!) { r: deleteArticle(id: $id) }", "", json!({"id": id})),
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
    let response = app.as_editor().get(&format!("/api/v1/newsroom/articles/{id}")).await;
    (response.status == 200).then(|| response.json()["data"]["status"].as_str().unwrap().to_owned())
}

on_both_engines! {
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
