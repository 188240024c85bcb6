//! Rankings as the readership keeps them between computations.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use dateline_domain::{Slug, Timestamp, Window};

use crate::record::ArticleRecord;

/// What a cached ranking is kept under: the window, the first hour it covers (so that a ranking
/// never outlives the hour it was summed for), and the section's slug.
pub(crate) type RankingKey = (Window, Timestamp, Option<Slug>);

/// A ranking as computed: the top stories with their views, most viewed first.
pub(crate) struct CachedRanking {
    pub(crate) generated_at: Timestamp,
    /// When it was summed, on the monotonic clock that cache ages are measured by.
    pub(crate) summed: Instant,
    /// Set while a background recomputation is under way, so only one runs.
    pub(crate) refreshing: AtomicBool,
    pub(crate) entries: Vec<(u64, ArticleRecord)>,
}
