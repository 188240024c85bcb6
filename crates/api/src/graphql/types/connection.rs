//! Relay connections over keyset pages.

use async_graphql::{Context, Object, Result, SimpleObject};
use dateline_app::service::articles::{ArticlePage, count_articles};

use crate::graphql::preload::{load_page, selects_relations};
use crate::graphql::types::app;
use crate::graphql::types::article::ArticleObject;
use crate::problem::GraphqlResult as _;

/// A page of stories, newest first.
pub(crate) struct ArticleConnection(pub(crate) ArticlePage);

pub(crate) struct ArticleEdge {
    cursor: String,
    node: ArticleObject,
}

/// Where this page sits in the list.
#[derive(SimpleObject)]
pub(crate) struct PageInfo {
    pub(crate) has_next_page: bool,
    /// Keyset pages only go forward.
    pub(crate) has_previous_page: bool,
    pub(crate) start_cursor: Option<String>,
    pub(crate) end_cursor: Option<String>,
}

#[Object(name = "ArticleEdge")]
impl ArticleEdge {
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    async fn node(&self) -> &ArticleObject {
        &self.node
    }
}

impl ArticleConnection {
    fn cursor_of(article: &dateline_domain::Article) -> String {
        article
            .published_at
            .map(|published_at| {
                dateline_domain::ArticleCursor {
                    published_at,
                    id: article.id,
                }
                .encode()
            })
            .unwrap_or_default()
    }
}

#[Object(name = "ArticleConnection")]
impl ArticleConnection {
    async fn edges(&self, ctx: &Context<'_>) -> Result<Vec<ArticleEdge>> {
        if selects_relations(&ctx.look_ahead().field("node")) {
            load_page(ctx, &self.0.articles).await?;
        }
        Ok(self
            .0
            .articles
            .iter()
            .map(|article| ArticleEdge {
                cursor: Self::cursor_of(article),
                node: ArticleObject(article.clone()),
            })
            .collect())
    }

    async fn nodes(&self, ctx: &Context<'_>) -> Result<Vec<ArticleObject>> {
        if selects_relations(&ctx.look_ahead()) {
            load_page(ctx, &self.0.articles).await?;
        }
        Ok(self.0.articles.iter().cloned().map(ArticleObject).collect())
    }

    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.0.next.is_some(),
            has_previous_page: false,
            start_cursor: self.0.articles.first().map(Self::cursor_of),
            end_cursor: self.0.articles.last().map(Self::cursor_of),
        }
    }

    /// How many public stories the whole list holds (counted only when asked for).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        count_articles(app(ctx), &self.0.filter, self.0.now)
            .await
            .or_graphql_error()
    }
}
