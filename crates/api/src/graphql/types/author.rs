//! `Author`: a byline and its page.

use async_graphql::{Context, ID, Object, Result};
use dateline_app::service::articles::{ListArticles, Named, list_articles_for};
use dateline_domain::Author;

use crate::graphql::types::connection::ArticleConnection;
use crate::graphql::types::media::MediaObject;
use crate::graphql::types::{app, audience, load_failed, loader, note_list, record_served};
use crate::problem::GraphqlResult as _;

pub(crate) struct AuthorObject(pub(crate) Author);

/// A reporter or contributor.
#[Object(name = "Author")]
impl AuthorObject {
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn slug(&self) -> &str {
        self.0.slug.as_str()
    }

    /// Display name, e.g. 홍길동.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Role label printed after the name: 기자, 특파원, 논설위원.
    async fn role(&self) -> &str {
        &self.0.role
    }

    /// Name and role as printed: 홍길동 기자.
    async fn byline(&self) -> String {
        self.0.byline()
    }

    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }

    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    async fn photo(&self, ctx: &Context<'_>) -> Result<Option<MediaObject>> {
        let Some(id) = self.0.photo_id else {
            return Ok(None);
        };
        let media = loader(ctx).load_one(id).await.map_err(load_failed)?;
        Ok(media.map(MediaObject))
    }

    /// The author's public stories, newest first.
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100", default = 20)] first: i32,
        after: Option<String>,
    ) -> Result<ArticleConnection> {
        let page = list_articles_for(
            app(ctx),
            audience(ctx),
            ListArticles {
                author: Some(Named::Id(self.0.id)),
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
