//! Short-lived in-process caches of the use cases (each re-checked for visibility on use).

use std::sync::Arc;
use std::time::Duration;

use dateline_domain::ArticleId;
use moka::future::Cache;

/// How long a story's related list is kept before it is worked out again.
const RELATED_TTL: Duration = Duration::from_secs(60);

/// Related-story ids per story, most related first.
#[derive(Clone)]
pub struct RelatedCache(pub(crate) Cache<ArticleId, Arc<Vec<ArticleId>>>);

impl Default for RelatedCache {
    fn default() -> Self {
        Self(
            Cache::builder()
                .max_capacity(10_000)
                .time_to_live(RELATED_TTL)
                .build(),
        )
    }
}
