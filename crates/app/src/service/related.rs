//! Related stories: for `GET /api/v1/articles/{idOrSlug}/related` and GraphQL `Article.related`.
//!
//! Candidates come from three cheap reads — stories sharing a tag, the newest in the same section,
//! and stories matching the headline's words in the search index — and are ordered by the domain's
//! rule (shared tags, then section, then text similarity, then the newer). The ordered ids are
//! cached briefly per story; every answer loads them again through the visibility rule, so a story
//! unpublished meanwhile drops out at once.

use std::collections::HashMap;
use std::sync::Arc;

use dateline_domain::search::{Relatedness, SearchQuery, rank_related};
use dateline_domain::{Article, ArticleFilter, ArticleId, PageSize, ValidationError};

use crate::app::App;
use crate::error::AppError;
use crate::service::articles::find_articles_by_ids;

/// The most related stories one answer holds.
pub const MAX_RELATED: usize = 20;
/// Related stories answered unless asked otherwise.
pub const DEFAULT_RELATED: usize = 5;
/// Candidates read from each source.
const CANDIDATES: u64 = 50;

/// How many related stories a client asked for: 1–20, 5 unless asked.
pub fn parse_limit(requested: Option<i64>) -> Result<usize, ValidationError> {
    match requested {
        None => Ok(DEFAULT_RELATED),
        Some(n) => usize::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_RELATED).contains(n))
            .ok_or_else(|| {
                ValidationError::new("limit", format!("must be between 1 and {MAX_RELATED}"))
            }),
    }
}

/// The public stories related to `story`, most related first, at most `limit`.
pub async fn related(state: &App, story: &Article, limit: usize) -> Result<Vec<Article>, AppError> {
    let ids = state
        .related_cache()
        .0
        .try_get_with(story.id, candidates(state, story))
        .await
        .map_err(AppError::unshare)?;
    let mut found = find_articles_by_ids(state, &ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.remove(id))
        .take(limit)
        .collect())
}

async fn candidates(state: &App, story: &Article) -> Result<Arc<Vec<ArticleId>>, AppError> {
    let db = state.db();
    let now = state.now();
    let tags: Vec<_> = db
        .articles()
        .tags_of(&[story.id])
        .await?
        .remove(&story.id)
        .unwrap_or_default()
        .into_iter()
        .map(|tag| tag.id)
        .collect();
    let sharing = db
        .search_index()
        .sharing_tags(&tags, story.id, now, CANDIDATES)
        .await?;
    let similar = match SearchQuery::similar_to(&story.headline) {
        Some(query) => {
            db.search_index()
                .similar(&query, story.id, now, CANDIDATES)
                .await?
        }
        None => Vec::new(),
    };
    let section = ArticleFilter {
        section: Some(story.section_id),
        ..ArticleFilter::default()
    };
    let same_section = db
        .articles()
        .list_public(&section, None, PageSize::parse(Some(20))?, now)
        .await?
        .items;

    let shared: HashMap<ArticleId, u32> = sharing.into_iter().collect();
    let text: HashMap<ArticleId, u32> = similar.into_iter().collect();
    let mut ids: Vec<ArticleId> = shared.keys().chain(text.keys()).copied().collect();
    ids.extend(same_section.iter().map(|article| article.id));
    ids.retain(|id| *id != story.id);
    ids.sort_unstable();
    ids.dedup();
    let stories = find_articles_by_ids(state, &ids).await?;
    let ranked = rank_related(
        stories
            .values()
            .map(|candidate| Relatedness {
                id: candidate.id,
                shared_tags: shared.get(&candidate.id).copied().unwrap_or(0),
                same_section: candidate.section_id == story.section_id,
                text_score: text.get(&candidate.id).copied().unwrap_or(0),
                published_at: candidate.published_at,
            })
            .collect(),
        MAX_RELATED,
    );
    Ok(Arc::new(ranked))
}
