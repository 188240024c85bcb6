//! `popular`: the most-viewed ranking.

use async_graphql::{Context, Object, Result};
use dateline_app::service::popular::{PopularRequest, popular};

use crate::graphql::answer_keys::note;
use crate::graphql::types::app;
use crate::graphql::types::popular::{PopularArticleObject, RankingWindow};
use crate::problem::GraphqlResult as _;

#[derive(Default)]
pub(crate) struct PopularQuery;

#[Object]
impl PopularQuery {
    /// The most-viewed public stories in a window, most viewed first; recomputed every few
    /// seconds.
    async fn popular(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "RankingWindow::Day")] window: RankingWindow,
        #[graphql(desc = "A section slug; subsections included")] section: Option<String>,
        #[graphql(desc = "How many stories, 1–100", default = 10)] first: i32,
    ) -> Result<Vec<PopularArticleObject>> {
        // A ranking is recomputed on its own clock and spans every public story.
        note(ctx, |keys| {
            keys.story_list([])
                .shows_view_counts()
                .fresh_for(app(ctx).settings().views.ranking_cache_ttl);
        });
        let ranking = popular(
            app(ctx),
            PopularRequest {
                window: window.into(),
                section: section.as_deref(),
                limit: Some(i64::from(first)),
            },
        )
        .await
        .or_graphql_error()?;
        note(ctx, |keys| {
            for entry in &ranking.entries {
                keys.story(entry.record.article.id);
            }
        });
        Ok(ranking
            .entries
            .into_iter()
            .map(PopularArticleObject)
            .collect())
    }
}
