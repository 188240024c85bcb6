//! `createArticle`, `updateArticle`, `submitArticle`, `approveArticle`, `unpublishArticle`,
//! `archiveArticle`, `deleteArticle`, `createPreview`.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, FixedOffset};
use dateline_app::service::newsroom::{self, Expected, Step};
use dateline_domain::{PublishAt, Timestamp};

use crate::graphql::types::newsroom::{ArticleInput, EditorialArticle, PreviewObject};
use crate::graphql::types::{app, principal};
use crate::problem::GraphqlResult as _;

#[derive(Default)]
pub(crate) struct ArticleMutation;

fn expected(version: Option<i32>) -> Option<Expected> {
    version.map(|version| Expected {
        version,
        from_header: false,
    })
}

async fn step(
    ctx: &Context<'_>,
    id: &ID,
    step: Step,
    version: Option<i32>,
) -> Result<EditorialArticle> {
    let principal = principal(ctx).await.or_graphql_error()?;
    newsroom::transition(app(ctx), &principal, id, step, expected(version))
        .await
        .map(EditorialArticle)
        .or_graphql_error()
}

#[Object]
impl ArticleMutation {
    /// Writes a new story as a DRAFT.
    async fn create_article(
        &self,
        ctx: &Context<'_>,
        input: ArticleInput,
    ) -> Result<EditorialArticle> {
        let principal = principal(ctx).await.or_graphql_error()?;
        newsroom::create_article(app(ctx), &principal, input.into())
            .await
            .map(EditorialArticle)
            .or_graphql_error()
    }

    /// Edits a story; `version` is the one edited, and a stale one is refused
    /// (`STALE_VERSION`) with nothing written.
    async fn update_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: ArticleInput,
    ) -> Result<EditorialArticle> {
        let principal = principal(ctx).await.or_graphql_error()?;
        newsroom::update_article(
            app(ctx),
            &principal,
            &id,
            input.into(),
            expected(Some(version)),
        )
        .await
        .map(EditorialArticle)
        .or_graphql_error()
    }

    /// Submits a draft to the desk.
    async fn submit_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> Result<EditorialArticle> {
        step(ctx, &id, Step::Submit, version).await
    }

    /// Approves a story (editors): published now, or scheduled for a future `publishAt`. A
    /// past `publishAt` is refused unless `backdate` is true.
    async fn approve_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        publish_at: Option<DateTime<FixedOffset>>,
        #[graphql(default = false)] backdate: bool,
        version: Option<i32>,
    ) -> Result<EditorialArticle> {
        let at = publish_at.map(|at| Timestamp::from_datetime(at.to_utc()));
        let when = PublishAt::requested(at, backdate);
        step(ctx, &id, Step::Approve(when), version).await
    }

    /// Takes a published or scheduled story down (editors).
    async fn unpublish_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> Result<EditorialArticle> {
        step(ctx, &id, Step::Unpublish, version).await
    }

    /// Archives an unpublished story (editors).
    async fn archive_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> Result<EditorialArticle> {
        step(ctx, &id, Step::Archive, version).await
    }

    /// Deletes a story that is not public; answers its id.
    async fn delete_article(&self, ctx: &Context<'_>, id: ID, version: Option<i32>) -> Result<ID> {
        let principal = principal(ctx).await.or_graphql_error()?;
        newsroom::delete_article(app(ctx), &principal, &id, expected(version))
            .await
            .map(|id| ID(id.to_string()))
            .or_graphql_error()
    }

    /// A preview link for one story, valid for an hour.
    async fn create_preview(&self, ctx: &Context<'_>, id: ID) -> Result<PreviewObject> {
        let principal = principal(ctx).await.or_graphql_error()?;
        newsroom::create_preview(app(ctx), &principal, &id)
            .await
            .map(PreviewObject)
            .or_graphql_error()
    }
}
