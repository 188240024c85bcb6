//! The newsroom's GraphQL types: a story with its workflow status, accounts, revisions, diffs,
//! the audit trail and preview links, and the inputs of the newsroom's mutations.

use async_graphql::{
    Context, Enum, ID, InputObject, Json, MaybeUndefined, Object, Result, SimpleObject,
};
use chrono::{DateTime, FixedOffset};
use dateline_app::service::newsroom::{Preview, StoryInput, StoryPage, StoryView};
use dateline_domain::{AuditEvent, Block, Revision, RevisionDiff, Role, Status, User, UserId};

use crate::graphql::types::article::ArticleObject;
use crate::graphql::types::{app, load_failed, loader};

/// Where a story stands in the workflow.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArticleStatus {
    Draft,
    Submitted,
    Published,
    Scheduled,
    Unpublished,
    Archived,
}

impl From<Status> for ArticleStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Draft => Self::Draft,
            Status::Submitted => Self::Submitted,
            Status::Published => Self::Published,
            Status::Scheduled => Self::Scheduled,
            Status::Unpublished => Self::Unpublished,
            Status::Archived => Self::Archived,
        }
    }
}

impl ArticleStatus {
    pub(crate) fn domain(self) -> Status {
        match self {
            Self::Draft => Status::Draft,
            Self::Submitted => Status::Submitted,
            Self::Published => Status::Published,
            Self::Scheduled => Status::Scheduled,
            Self::Unpublished => Status::Unpublished,
            Self::Archived => Status::Archived,
        }
    }
}

/// A newsroom account's role.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role")]
pub(crate) enum RoleName {
    Reporter,
    Editor,
    Admin,
}

impl From<Role> for RoleName {
    fn from(role: Role) -> Self {
        match role {
            Role::Reporter => Self::Reporter,
            Role::Editor => Self::Editor,
            Role::Admin => Self::Admin,
        }
    }
}

impl RoleName {
    pub(crate) fn wire(self) -> &'static str {
        match self {
            Self::Reporter => Role::Reporter.as_str(),
            Self::Editor => Role::Editor.as_str(),
            Self::Admin => Role::Admin.as_str(),
        }
    }
}

async fn user_by_id(ctx: &Context<'_>, id: Option<UserId>) -> Result<Option<UserObject>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let user = loader(ctx).load_one(id).await.map_err(load_failed)?;
    Ok(user.map(UserObject))
}

/// A story as the newsroom sees it.
pub(crate) struct EditorialArticle(pub(crate) StoryView);

#[Object]
impl EditorialArticle {
    async fn id(&self) -> ID {
        ID(self.0.record.article.id.to_string())
    }

    /// A scheduled story whose time has come reads PUBLISHED.
    async fn status(&self) -> ArticleStatus {
        self.0.status.into()
    }

    /// Send it back with an edit (`updateArticle(version:)`).
    async fn version(&self) -> i32 {
        self.0.record.article.version
    }

    async fn created_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        app(ctx)
            .settings()
            .local_time(self.0.record.article.created_at)
    }

    /// The account that created the story.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<UserObject>> {
        user_by_id(ctx, self.0.trail.created_by).await
    }

    /// The editor who approved it.
    async fn approved_by(&self, ctx: &Context<'_>) -> Result<Option<UserObject>> {
        user_by_id(ctx, self.0.trail.approved_by).await
    }

    /// The story's content: every field of a public article.
    async fn article(&self) -> ArticleObject {
        ArticleObject(self.0.record.article.clone())
    }
}

/// A page of the newsroom's stories, most recently updated first.
pub(crate) struct EditorialConnection(pub(crate) StoryPage);

/// Where a newsroom page ends.
#[derive(SimpleObject)]
pub(crate) struct EditorialPageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[Object]
impl EditorialConnection {
    async fn nodes(&self) -> Vec<EditorialArticle> {
        self.0
            .stories
            .iter()
            .cloned()
            .map(EditorialArticle)
            .collect()
    }

    async fn page_info(&self) -> EditorialPageInfo {
        EditorialPageInfo {
            has_next_page: self.0.next.is_some(),
            end_cursor: self.0.next.map(|cursor| cursor.encode()),
        }
    }
}

/// A newsroom account.
pub(crate) struct UserObject(pub(crate) User);

#[Object(name = "User")]
impl UserObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn email(&self) -> &str {
        self.0.email.as_str()
    }

    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    async fn role(&self) -> RoleName {
        self.0.role.into()
    }

    /// The id of the byline the account writes under.
    async fn author_id(&self) -> Option<ID> {
        self.0.author_id.map(|id| ID(id.to_string()))
    }

    async fn disabled(&self) -> bool {
        self.0.disabled
    }
}

/// One saved version of a story.
pub(crate) struct RevisionObject(pub(crate) Revision);

#[Object(name = "Revision")]
impl RevisionObject {
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// created, edited, submitted, approved, unpublished, archived.
    async fn action(&self) -> &str {
        &self.0.action
    }

    async fn saved_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        app(ctx).settings().local_time(self.0.saved_at)
    }

    async fn editor(&self, ctx: &Context<'_>) -> Result<Option<UserObject>> {
        user_by_id(ctx, self.0.editor).await
    }

    async fn headline(&self) -> &str {
        &self.0.content.headline
    }

    async fn status(&self) -> &str {
        &self.0.content.status
    }
}

/// One changed field.
#[derive(SimpleObject)]
pub(crate) struct FieldChange {
    field: String,
    before: Json<serde_json::Value>,
    after: Json<serde_json::Value>,
}

/// How two revisions of a story differ.
#[derive(SimpleObject)]
#[graphql(name = "RevisionDiff")]
pub(crate) struct RevisionDiffObject {
    from: i32,
    to: i32,
    fields: Vec<FieldChange>,
    /// The body text as a unified diff; empty when unchanged.
    body: String,
}

impl RevisionDiffObject {
    pub(crate) fn new(from: i32, to: i32, diff: RevisionDiff) -> Self {
        Self {
            from,
            to,
            fields: diff
                .fields
                .into_iter()
                .map(|change| FieldChange {
                    field: change.field,
                    before: Json(change.before),
                    after: Json(change.after),
                })
                .collect(),
            body: diff.body,
        }
    }
}

/// One entry of the audit trail.
pub(crate) struct AuditEntry(pub(crate) AuditEvent);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        app(ctx).settings().local_time(self.0.at)
    }

    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<UserObject>> {
        user_by_id(ctx, self.0.actor).await
    }

    /// What was done: article.approved, article.unpublished, article.deleted, user.role_changed, …
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The id of what it was done to.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    async fn detail(&self) -> Json<serde_json::Value> {
        Json(self.0.detail.clone())
    }
}

/// A preview link for one story.
pub(crate) struct PreviewObject(pub(crate) Preview);

#[Object(name = "Preview")]
impl PreviewObject {
    /// Pass as `article(id:, preview:)` or `?preview=` on the REST item.
    async fn token(&self) -> &str {
        &self.0.token
    }

    async fn expires_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        app(ctx).settings().local_time(self.0.expires_at)
    }

    async fn url(&self, ctx: &Context<'_>) -> String {
        app(ctx).settings().absolute(&format!(
            "/api/v1/articles/{}?preview={}",
            self.0.article, self.0.token
        ))
    }
}

/// A story to write, or the changes to make to one. Send `body` (blocks as JSON) or `bodyHtml`.
#[derive(InputObject, Default)]
pub(crate) struct ArticleInput {
    headline: Option<String>,
    subheadline: MaybeUndefined<String>,
    summary: MaybeUndefined<String>,
    /// Blocks, as in REST: `[{"type": "paragraph", "text": "…"}]`.
    body: Option<Json<Vec<Block>>>,
    /// Sanitised, then turned into blocks.
    body_html: Option<String>,
    /// A section slug.
    section: Option<String>,
    /// Author slugs, in byline order.
    authors: Option<Vec<String>>,
    /// Tag names; new ones are created.
    tags: Option<Vec<String>>,
    /// A media id, or null to remove.
    lead_image: MaybeUndefined<ID>,
    source_label: MaybeUndefined<String>,
    canonical_url: MaybeUndefined<String>,
    /// New stories only.
    slug: Option<String>,
    /// Edits of published stories only: a public correction note.
    correction: Option<String>,
    /// True when the story must never reach a syndication partner in full.
    not_for_syndication: Option<bool>,
    /// Breaking news (속보) until this time, at most 48 hours ahead; null clears the flag.
    breaking_until: MaybeUndefined<DateTime<FixedOffset>>,
}

fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

impl From<ArticleInput> for StoryInput {
    fn from(input: ArticleInput) -> Self {
        Self {
            headline: input.headline,
            subheadline: maybe(input.subheadline),
            summary: maybe(input.summary),
            body: input.body.map(|Json(blocks)| blocks),
            body_html: input.body_html,
            section: input.section,
            authors: input.authors,
            tags: input.tags,
            lead_image: maybe(input.lead_image).map(|id| id.map(|id| id.0)),
            source_label: maybe(input.source_label),
            canonical_url: maybe(input.canonical_url),
            slug: input.slug,
            correction: input.correction,
            not_for_syndication: input.not_for_syndication,
            breaking_until: maybe(input.breaking_until).map(|until| {
                until.map(|at| {
                    dateline_domain::Timestamp::from_datetime(at.with_timezone(&chrono::Utc))
                })
            }),
        }
    }
}

/// A new account.
#[derive(InputObject)]
pub(crate) struct NewUserInput {
    pub(crate) email: String,
    pub(crate) display_name: Option<String>,
    pub(crate) role: RoleName,
    /// At least 12 characters.
    #[graphql(secret)]
    pub(crate) password: String,
    /// The slug of the byline the account writes under.
    pub(crate) author: Option<String>,
}

/// Changes to an account; absent fields stay as they are.
#[derive(InputObject)]
pub(crate) struct UserChangesInput {
    pub(crate) display_name: Option<String>,
    pub(crate) role: Option<RoleName>,
    pub(crate) disabled: Option<bool>,
    #[graphql(secret)]
    pub(crate) password: Option<String>,
    /// An author slug, or null to unlink.
    pub(crate) author: MaybeUndefined<String>,
}

impl UserChangesInput {
    pub(crate) fn author(&self) -> Option<Option<String>> {
        maybe(self.author.clone())
    }
}
