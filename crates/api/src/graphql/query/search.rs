//! `search`: Korean-aware full-text search over public stories.

use async_graphql::{Context, Enum, Object, Result};
use chrono::{DateTime, FixedOffset};
use dateline_app::service::search::{SearchRequest, search};
use dateline_domain::Timestamp;
use dateline_domain::search::SearchOrder;

use crate::graphql::answer_keys::note;
use crate::graphql::types::app;
use crate::graphql::types::search::SearchConnection;
use crate::problem::GraphqlResult as _;

#[derive(Default)]
pub(crate) struct SearchQueryRoot;

/// The order search results come in.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SearchSort {
    /// Whole words and headline matches first, then newer stories.
    Relevance,
    Newest,
}

#[Object]
impl SearchQueryRoot {
    /// Public stories matching `query` (every word must match; Korean particles are taken off,
    /// a one-syllable word matches only where it stands alone), with highlighted snippets.
    #[expect(
        clippy::too_many_arguments,
        reason = "the contract names each filter as a root argument"
    )]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for: at most 200 characters and 8 words")] query: String,
        #[graphql(desc = "Page size, 1–100", default = 20)] first: i32,
        #[graphql(desc = "The endCursor of the previous page")] after: Option<String>,
        #[graphql(desc = "A section slug; subsections included")] section: Option<String>,
        #[graphql(desc = "Only stories published at or after this time")] from: Option<
            DateTime<FixedOffset>,
        >,
        #[graphql(desc = "Only stories published at or before this time")] to: Option<
            DateTime<FixedOffset>,
        >,
        #[graphql(
            desc = "Best first (default) or newest first",
            default_with = "SearchSort::Relevance"
        )]
        sort: SearchSort,
    ) -> Result<SearchConnection> {
        // Any story joining or leaving the public set, or any edit of one's text, may match.
        note(ctx, |keys| {
            keys.story_list([]).any_story();
        });
        let page = search(
            app(ctx),
            SearchRequest {
                q: Some(&query),
                section: section.as_deref(),
                from: from.map(|at| Timestamp::from(at.to_utc())),
                to: to.map(|at| Timestamp::from(at.to_utc())),
                limit: Some(i64::from(first)),
                cursor: after.as_deref(),
                sort: Some(match sort {
                    SearchSort::Relevance => SearchOrder::Relevance,
                    SearchSort::Newest => SearchOrder::Newest,
                }),
            },
        )
        .await
        .or_graphql_error()?;
        Ok(SearchConnection(page))
    }
}
