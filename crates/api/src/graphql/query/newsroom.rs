//! The newsroom's root queries: `me`, `users`, `newsroom`, `editorialArticle`, `revisions`,
//! `revisionDiff`, `auditTrail`. Each needs a bearer token.

use async_graphql::{Context, ID, Object, Result};
use dateline_app::service::{accounts, newsroom};

use crate::graphql::types::newsroom::{
    ArticleStatus, AuditEntry, EditorialArticle, EditorialConnection, RevisionDiffObject,
    RevisionObject, UserObject,
};
use crate::graphql::types::{app, principal};
use crate::problem::GraphqlResult as _;

#[derive(Default)]
pub(crate) struct NewsroomQuery;

#[Object]
impl NewsroomQuery {
    /// The signed-in account.
    async fn me(&self, ctx: &Context<'_>) -> Result<UserObject> {
        let principal = principal(ctx).await.or_graphql_error()?;
        Ok(UserObject(principal.user))
    }

    /// Every account (admins).
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<UserObject>> {
        let principal = principal(ctx).await.or_graphql_error()?;
        let users = accounts::list_users(app(ctx), &principal)
            .await
            .or_graphql_error()?;
        Ok(users.into_iter().map(UserObject).collect())
    }

    /// The newsroom's stories in any status, most recently updated first; reporters see only
    /// their own.
    async fn newsroom(
        &self,
        ctx: &Context<'_>,
        status: Option<ArticleStatus>,
        #[graphql(desc = "Only the signed-in account's stories", default = false)] mine: bool,
        #[graphql(desc = "Page size, 1–100", default = 20)] first: i32,
        after: Option<String>,
    ) -> Result<EditorialConnection> {
        let principal = principal(ctx).await.or_graphql_error()?;
        let status = status.map(|status| status.domain());
        let page = newsroom::list_stories(
            app(ctx),
            &principal,
            newsroom::ListStories {
                status,
                mine,
                limit: Some(i64::from(first)),
                cursor: after.as_deref(),
            },
        )
        .await
        .or_graphql_error()?;
        Ok(EditorialConnection(page))
    }

    /// One story in any status, with its status and version.
    async fn editorial_article(&self, ctx: &Context<'_>, id: ID) -> Result<EditorialArticle> {
        let principal = principal(ctx).await.or_graphql_error()?;
        let view = newsroom::find_story(app(ctx), &principal, &id)
            .await
            .or_graphql_error()?;
        Ok(EditorialArticle(view))
    }

    /// A story's revisions, newest first (editors).
    async fn revisions(&self, ctx: &Context<'_>, id: ID) -> Result<Vec<RevisionObject>> {
        let principal = principal(ctx).await.or_graphql_error()?;
        let revisions = newsroom::list_revisions(app(ctx), &principal, &id)
            .await
            .or_graphql_error()?;
        Ok(revisions.into_iter().map(RevisionObject).collect())
    }

    /// How two revisions of a story differ (editors).
    async fn revision_diff(
        &self,
        ctx: &Context<'_>,
        id: ID,
        from: i32,
        to: i32,
    ) -> Result<RevisionDiffObject> {
        let principal = principal(ctx).await.or_graphql_error()?;
        let diff = newsroom::diff_revisions(app(ctx), &principal, &id, from, to)
            .await
            .or_graphql_error()?;
        Ok(RevisionDiffObject::new(from, to, diff))
    }

    /// The audit trail, newest first (editors and admins).
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        subject: Option<ID>,
        before: Option<ID>,
        #[graphql(default = 20)] first: i32,
    ) -> Result<Vec<AuditEntry>> {
        let principal = principal(ctx).await.or_graphql_error()?;
        let events = accounts::audit_trail(
            app(ctx),
            &principal,
            subject.as_ref().map(|id| id.as_str()),
            before.as_ref().map(|id| id.as_str()),
            Some(i64::from(first)),
        )
        .await
        .or_graphql_error()?;
        Ok(events.into_iter().map(AuditEntry).collect())
    }
}
