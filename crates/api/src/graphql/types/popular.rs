//! `PopularArticle` and `RankingWindow`: a place in the most-viewed ranking, and stories' view
//! counts loaded in batches.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Enum, Object};
use dateline_domain::{ArticleId, Window};

use crate::graphql::loaders::RelationLoader;
use crate::graphql::types::article::ArticleObject;
use dateline_app::AppError;
use dateline_app::service::popular::PopularEntry;

/// How far back a ranking looks (REST: 1h, 24h, 7d, 30d). Views are kept per hour: a window
/// counts the current hour and the whole hours before it, so it covers its length at least.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RankingWindow {
    /// The current hour and the one before it.
    Hour,
    /// The current hour and the 24 before it.
    Day,
    /// The current hour and the 7 × 24 before it.
    Week,
    /// The current hour and the 30 × 24 before it.
    Month,
}

impl From<RankingWindow> for Window {
    fn from(window: RankingWindow) -> Self {
        match window {
            RankingWindow::Hour => Window::Hour,
            RankingWindow::Day => Window::Day,
            RankingWindow::Week => Window::Week,
            RankingWindow::Month => Window::Month,
        }
    }
}

pub(crate) struct PopularArticleObject(pub(crate) PopularEntry);

/// A place in the most-viewed ranking.
#[Object(name = "PopularArticle")]
impl PopularArticleObject {
    /// 1 for the most viewed.
    async fn rank(&self) -> usize {
        self.0.rank
    }

    /// Views in the window.
    async fn views(&self) -> u64 {
        self.0.views
    }

    async fn article(&self) -> ArticleObject {
        ArticleObject(self.0.record.article.clone())
    }
}

/// A story's views of all time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ViewCountOf(pub(crate) ArticleId);

impl Loader<ViewCountOf> for RelationLoader {
    type Value = u64;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[ViewCountOf]) -> Result<HashMap<ViewCountOf, u64>, Self::Error> {
        let ids: Vec<ArticleId> = keys.iter().map(|key| key.0).collect();
        let totals = self
            .db
            .article_views()
            .totals_of(&ids)
            .await
            .map_err(crate::graphql::loaders::failed)?;
        Ok(totals
            .into_iter()
            .map(|(id, views)| (ViewCountOf(id), views))
            .collect())
    }
}
