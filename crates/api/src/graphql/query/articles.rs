//! `article`, `articles`, `latest`.

use async_graphql::{Context, ID, Object, Result};
use axum::http::header::CACHE_CONTROL;
use chrono::{DateTime, FixedOffset};
use dateline_app::AppError;
use dateline_app::service::articles::{
    ListArticles, Named, breaking_news, find_article_for, list_articles_for,
};
use dateline_app::service::newsroom::find_preview;
use dateline_domain::{Timestamp, ValidationError};

use crate::graphql::answer_keys::note;
use crate::graphql::types::article::ArticleObject;
use crate::graphql::types::connection::ArticleConnection;
use crate::graphql::types::{app, audience, note_list, record_served};
use crate::problem::GraphqlResult as _;

#[derive(Default)]
pub(crate) struct ArticleQuery;

#[Object]
impl ArticleQuery {
    /// One public story, by id or by slug (exactly one of them). Null when nothing public
    /// answers to it. With `preview` (a preview token), the story's unpublished version; the
    /// response is then marked `Cache-Control: private, no-store`.
    async fn article(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
        preview: Option<String>,
    ) -> Result<Option<ArticleObject>> {
        let key = match (id, slug) {
            (Some(id), None) => id.0,
            (None, Some(slug)) => slug,
            _ => {
                return Err(AppError::InvalidParameter(ValidationError::new(
                    "id",
                    "give exactly one of id and slug",
                )))
                .or_graphql_error();
            }
        };
        if let Some(token) = preview {
            ctx.insert_http_header(CACHE_CONTROL, "private, no-store");
            return find_preview(app(ctx), &key, &token)
                .await
                .map(|article| Some(ArticleObject(article)))
                .or_graphql_error();
        }
        match find_article_for(app(ctx), audience(ctx), &key).await {
            Ok(article) => {
                note(ctx, |keys| {
                    keys.story(article.id);
                });
                audience(ctx).record_served(app(ctx), [&article]);
                Ok(Some(ArticleObject(article)))
            }
            Err(AppError::NotFound(_)) => {
                // Absent until it is published: any story joining the public set may be it.
                note(ctx, |keys| {
                    keys.story_list([]);
                });
                Ok(None)
            }
            Err(err) => Err(err).or_graphql_error(),
        }
    }

    /// Public stories, newest first, optionally filtered.
    #[expect(
        clippy::too_many_arguments,
        reason = "the contract names each filter as a root argument"
    )]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100", default = 20)] first: i32,
        #[graphql(desc = "The endCursor of the previous page")] after: Option<String>,
        #[graphql(desc = "A section slug; subsections included")] section: Option<String>,
        #[graphql(desc = "A tag slug")] tag: Option<String>,
        #[graphql(desc = "An author slug")] author: Option<String>,
        #[graphql(desc = "Only stories with a lead image")] has_image: Option<bool>,
        #[graphql(desc = "Only stories published at or after this time")] since: Option<
            DateTime<FixedOffset>,
        >,
    ) -> Result<ArticleConnection> {
        let page = list_articles_for(
            app(ctx),
            audience(ctx),
            ListArticles {
                section: section.as_deref().map(Named::Slug),
                tag: tag.as_deref().map(Named::Slug),
                author: author.as_deref().map(Named::Slug),
                has_image,
                since: since.map(|at| Timestamp::from(at.to_utc())),
                limit: Some(i64::from(first)),
                cursor: after.as_deref(),
            },
        )
        .await
        .or_graphql_error()?;
        note_list(ctx, &page);
        record_served(ctx, &page);
        Ok(ArticleConnection(page))
    }

    /// Breaking news (속보): public stories the desk flagged, newest first, while their flag
    /// lasts.
    async fn breaking(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1–100", default = 20)] first: i32,
    ) -> Result<Vec<ArticleObject>> {
        let breaking = breaking_news(app(ctx), audience(ctx), Some(i64::from(first)))
            .await
            .or_graphql_error()?;
        note(ctx, |keys| {
            keys.story_list([]);
            for record in &breaking.stories {
                keys.story(record.article.id);
            }
            if let Some(until) = breaking.first_flag_ends {
                keys.fresh_until(until, app(ctx).now());
            }
        });
        Ok(breaking
            .stories
            .into_iter()
            .map(|record| ArticleObject(record.article))
            .collect())
    }

    /// The latest news: public stories newest first, optionally for one section.
    async fn latest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100", default = 20)] first: i32,
        after: Option<String>,
        section: Option<String>,
    ) -> Result<ArticleConnection> {
        let page = list_articles_for(
            app(ctx),
            audience(ctx),
            ListArticles {
                section: section.as_deref().map(Named::Slug),
                limit: Some(i64::from(first)),
                cursor: after.as_deref(),
                ..ListArticles::default()
            },
        )
        .await
        .or_graphql_error()?;
        note_list(ctx, &page);
        record_served(ctx, &page);
        Ok(ArticleConnection(page))
    }
}
