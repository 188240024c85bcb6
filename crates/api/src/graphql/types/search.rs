//! Search results as a Relay connection: each edge carries the story and its snippet.

use async_graphql::{Object, SimpleObject};
use dateline_app::service::search::{Found, SearchPage};

use crate::graphql::types::article::ArticleObject;

/// A page of search results, best first (or newest first).
pub(crate) struct SearchConnection(pub(crate) SearchPage);

/// One story found.
pub(crate) struct SearchEdge {
    cursor: String,
    found: Found,
}

#[Object(name = "SearchEdge")]
impl SearchEdge {
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    async fn node(&self) -> ArticleObject {
        ArticleObject(self.found.article.clone())
    }

    /// HTML: a passage of the body, escaped, each match in `<mark>`.
    async fn snippet(&self) -> &str {
        &self.found.snippet
    }

    /// The relevance score (0 in newest-first order); higher ranks first.
    async fn score(&self) -> u32 {
        self.found.hit.score
    }
}

/// Where this page sits in the results.
#[derive(SimpleObject)]
#[graphql(name = "SearchPageInfo")]
pub(crate) struct SearchPageInfo {
    has_next_page: bool,
    /// Keyset pages only go forward.
    has_previous_page: bool,
    start_cursor: Option<String>,
    end_cursor: Option<String>,
}

#[Object(name = "SearchConnection")]
impl SearchConnection {
    async fn edges(&self) -> Vec<SearchEdge> {
        self.0
            .found
            .iter()
            .map(|found| SearchEdge {
                cursor: found.cursor(self.0.order),
                found: found.clone(),
            })
            .collect()
    }

    async fn nodes(&self) -> Vec<ArticleObject> {
        self.0
            .found
            .iter()
            .map(|found| ArticleObject(found.article.clone()))
            .collect()
    }

    async fn page_info(&self) -> SearchPageInfo {
        let order = self.0.order;
        SearchPageInfo {
            has_next_page: self.0.next.is_some(),
            has_previous_page: false,
            start_cursor: self.0.found.first().map(|found| found.cursor(order)),
            end_cursor: self.0.found.last().map(|found| found.cursor(order)),
        }
    }
}
