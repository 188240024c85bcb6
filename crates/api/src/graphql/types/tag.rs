//! `Tag`: a keyword and its stories.

use async_graphql::{Context, ID, Object, Result};
use dateline_app::service::articles::{ListArticles, Named, list_articles_for};
use dateline_domain::Tag;

use crate::graphql::types::connection::ArticleConnection;
use crate::graphql::types::{app, audience, note_list, record_served};
use crate::problem::GraphqlResult as _;

pub(crate) struct TagObject(pub(crate) Tag);

/// A keyword gathering stories across sections.
#[Object(name = "Tag")]
impl TagObject {
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn slug(&self) -> &str {
        self.0.slug.as_str()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The tag's public stories, newest first.
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
                tag: Some(Named::Id(self.0.id)),
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
