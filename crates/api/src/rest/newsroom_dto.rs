//! The JSON shapes of the newsroom's responses: stories with their status, accounts, tokens,
//! revisions, diffs and the audit trail.

use chrono::{DateTime, FixedOffset};
use dateline_app::service::accounts::Tokens;
use dateline_app::service::newsroom::{Preview, StoryView};
use dateline_app::settings::Settings;
use dateline_domain::{AuditEvent, Revision, RevisionDiff, User};
use serde::Serialize;
use utoipa::ToSchema;

use crate::rest::dto::ArticleResponse;

/// A story as the newsroom sees it: the article with its workflow status and version.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EditorialArticleResponse {
    #[serde(flatten)]
    pub(crate) article: ArticleResponse,
    /// DRAFT, SUBMITTED, PUBLISHED, SCHEDULED, UNPUBLISHED or ARCHIVED. A scheduled story whose
    /// time has come reads PUBLISHED.
    pub(crate) status: String,
    /// Send it back (as `If-Match` or `version`) with an edit.
    pub(crate) version: i32,
    pub(crate) created_at: DateTime<FixedOffset>,
    /// The account that created the story.
    pub(crate) created_by: Option<String>,
    /// The editor who approved it.
    pub(crate) approved_by: Option<String>,
}

impl EditorialArticleResponse {
    pub(crate) fn new(settings: &Settings, view: &StoryView) -> Self {
        let article = &view.record.article;
        Self {
            article: ArticleResponse::new(settings, &view.record, true),
            status: view.status.as_str().to_owned(),
            version: article.version,
            created_at: settings.local_time(article.created_at),
            created_by: view.trail.created_by.map(|id| id.to_string()),
            approved_by: view.trail.approved_by.map(|id| id.to_string()),
        }
    }
}

/// A newsroom account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserResponse {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) display_name: String,
    /// reporter, editor or admin.
    pub(crate) role: String,
    /// The id of the byline the account writes under.
    pub(crate) author_id: Option<String>,
    pub(crate) disabled: bool,
    pub(crate) created_at: DateTime<FixedOffset>,
}

impl UserResponse {
    pub(crate) fn new(settings: &Settings, user: &User) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email.to_string(),
            display_name: user.display_name.clone(),
            role: user.role.as_str().to_owned(),
            author_id: user.author_id.map(|id| id.to_string()),
            disabled: user.disabled,
            created_at: settings.local_time(user.created_at),
        }
    }
}

/// A signed-in session.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenResponse {
    /// Send as `Authorization: Bearer …`.
    pub(crate) access_token: String,
    /// Trade at `/api/v1/auth/refresh` for a new pair; works once.
    pub(crate) refresh_token: String,
    /// Seconds the access token lives.
    pub(crate) expires_in: i64,
    pub(crate) token_type: &'static str,
}

impl From<Tokens> for TokenResponse {
    fn from(tokens: Tokens) -> Self {
        Self {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_in: tokens.expires_in,
            token_type: "Bearer",
        }
    }
}

/// A preview link.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PreviewResponse {
    pub(crate) token: String,
    pub(crate) expires_at: DateTime<FixedOffset>,
    /// The story's unpublished version, for whoever holds the link until it expires.
    pub(crate) url: String,
}

impl PreviewResponse {
    pub(crate) fn new(settings: &Settings, preview: &Preview) -> Self {
        Self {
            url: settings.absolute(&format!(
                "/api/v1/articles/{}?preview={}",
                preview.article, preview.token
            )),
            token: preview.token.clone(),
            expires_at: settings.local_time(preview.expires_at),
        }
    }
}

/// One saved version of a story.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RevisionResponse {
    pub(crate) version: i32,
    /// created, edited, submitted, approved, unpublished, archived.
    pub(crate) action: String,
    /// The account that saved it.
    pub(crate) editor_id: Option<String>,
    pub(crate) saved_at: DateTime<FixedOffset>,
    pub(crate) headline: String,
    pub(crate) status: String,
}

impl RevisionResponse {
    pub(crate) fn new(settings: &Settings, revision: &Revision) -> Self {
        Self {
            version: revision.version,
            action: revision.action.clone(),
            editor_id: revision.editor.map(|id| id.to_string()),
            saved_at: settings.local_time(revision.saved_at),
            headline: revision.content.headline.clone(),
            status: revision.content.status.clone(),
        }
    }
}

/// One changed field.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FieldChangeResponse {
    pub(crate) field: String,
    /// The field's value in the older revision, as the story's JSON writes it (text, a list,
    /// blocks); `null` where it was empty.
    #[schema(value_type = Value)]
    pub(crate) before: serde_json::Value,
    /// Its value in the newer revision.
    #[schema(value_type = Value)]
    pub(crate) after: serde_json::Value,
}

/// How two revisions differ.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DiffResponse {
    pub(crate) from: i32,
    pub(crate) to: i32,
    pub(crate) fields: Vec<FieldChangeResponse>,
    /// The body text as a unified diff; empty when unchanged.
    pub(crate) body: String,
}

impl DiffResponse {
    pub(crate) fn new(from: i32, to: i32, diff: RevisionDiff) -> Self {
        Self {
            from,
            to,
            fields: diff
                .fields
                .into_iter()
                .map(|change| FieldChangeResponse {
                    field: change.field,
                    before: change.before,
                    after: change.after,
                })
                .collect(),
            body: diff.body,
        }
    }
}

/// One entry of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuditResponse {
    pub(crate) id: String,
    pub(crate) at: DateTime<FixedOffset>,
    pub(crate) actor_id: Option<String>,
    pub(crate) action: String,
    pub(crate) subject: String,
    #[schema(value_type = Object)]
    pub(crate) detail: serde_json::Value,
}

impl AuditResponse {
    pub(crate) fn new(settings: &Settings, event: &AuditEvent) -> Self {
        Self {
            id: event.id.to_string(),
            at: settings.local_time(event.at),
            actor_id: event.actor.map(|id| id.to_string()),
            action: event.action.clone(),
            subject: event.subject.clone(),
            detail: event.detail.clone(),
        }
    }
}
