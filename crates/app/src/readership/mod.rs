//! The view tracker: everything between a reader's beacon and the hourly buckets.
//!
//! A beacon is decided in memory: is the story public (a short-lived cache of each story's status
//! and publication time, filled on a miss), is the sender a known crawler (the `isbot` pattern
//! list), has this reader counted for this story in the last 30 minutes (a bounded cache). Counted
//! views gather in [`pending::PendingViews`] as claims (story, reader, when) and are flushed
//! every few seconds by [`flusher::ViewFlusher`]; a crash loses at most one interval.
//!
//! De-duplication holds across nodes without a database round trip per beacon: each node first
//! drops its own repeats in memory, then the flush upserts its claims into a table shared by every
//! node, keyed by (story, reader), and counts only the rows that went in — a reader seen by two
//! nodes within 30 minutes counts once. Readers are keyed with the newsroom's reader secret, the
//! same on every node.

pub(crate) mod flusher;
pub mod origin;
mod pending;
pub(crate) mod rankings;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use dateline_domain::ranking::{self, hour_start, retention_start};
use dateline_domain::{ArticleId, Status, Timestamp, visibility};
use dateline_storage::{Database, StorageError};
use moka::ops::compute::{CompResult, Op};
use moka::policy::EvictionPolicy;

use crate::readership::origin::{ReaderKeys, ReaderOrigin};
use crate::readership::pending::PendingViews;
use crate::readership::rankings::{CachedRanking, RankingKey};
use crate::settings::ViewSettings;

pub use flusher::ViewFlusher;

/// How long a story's status is trusted before it is read again. Short, so that an unpublished
/// story stops counting within seconds; long enough that a story read a thousand times a second
/// costs one lookup in this time.
const PUBLICATION_TTL: Duration = Duration::from_secs(5);
/// The most stories whose status is remembered at once.
const PUBLICATION_CAPACITY: u64 = 100_000;
/// The most (reader, story) pairs remembered for de-duplication; past it the least recently seen
/// are forgotten first, so the oldest readers may count again early.
const READER_CAPACITY: u64 = 1_000_000;
/// The most rankings (window × hour × section) kept.
const RANKING_CAPACITY: u64 = 1_000;
/// A ranking nobody asked for in this many cache TTLs is dropped rather than served stale.
const RANKING_IDLE_TTLS: u32 = 15;

/// What the beacon needs to know to tell whether a story is public at any moment.
type Publication = Option<(Status, Option<Timestamp>)>;

/// What became of a beacon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewOutcome {
    Counted,
    /// The same reader counted for this story less than 30 minutes ago.
    Repeat,
    /// A known crawler, or no User-Agent at all.
    Bot,
}

/// The beacon's state: caches, crawler patterns and pending counts. One per process.
pub struct ViewTracker {
    publications: moka::future::Cache<ArticleId, Publication>,
    /// When each (story, reader) pair last counted. Judged against the injected clock; the
    /// cache's own expiry only bounds memory.
    last_counted: moka::sync::Cache<(ArticleId, u64), Timestamp>,
    bots: isbot::Bots,
    readers: ReaderKeys,
    pending: PendingViews,
    /// Rankings computed lately; `None` when caching is switched off.
    pub(crate) rankings: Option<moka::future::Cache<RankingKey, Arc<CachedRanking>>>,
    /// The hour (Unix seconds) buckets were last pruned in.
    pruned_in_hour: AtomicI64,
}

impl ViewTracker {
    pub(crate) fn new(settings: &ViewSettings) -> Self {
        let repeat_memory = ranking::REPEAT_VIEW_PERIOD
            .to_std()
            .unwrap_or(Duration::from_secs(1_800));
        Self {
            publications: moka::future::Cache::builder()
                .max_capacity(PUBLICATION_CAPACITY)
                .time_to_live(PUBLICATION_TTL)
                .build(),
            last_counted: moka::sync::Cache::builder()
                .max_capacity(READER_CAPACITY)
                .eviction_policy(EvictionPolicy::lru())
                .time_to_live(repeat_memory)
                .build(),
            bots: isbot::Bots::default(),
            readers: ReaderKeys::new(&settings.reader_secret),
            pending: PendingViews::new(),
            rankings: (!settings.ranking_cache_ttl.is_zero()).then(|| {
                moka::future::Cache::builder()
                    .max_capacity(RANKING_CAPACITY)
                    // Past its TTL a ranking is still served while it is recomputed; one nobody
                    // asked for in a while is dropped.
                    .time_to_idle(settings.ranking_cache_ttl * RANKING_IDLE_TTLS)
                    .build()
            }),
            pruned_in_hour: AtomicI64::new(i64::MIN),
        }
    }

    /// Whether `id` names a story that is public at `now`. Reads the database only when the
    /// story's status is not cached; concurrent misses for one story share one read.
    pub(crate) async fn is_public(
        &self,
        db: &Database,
        id: ArticleId,
        now: Timestamp,
    ) -> Result<bool, Arc<StorageError>> {
        let publication = self
            .publications
            .try_get_with(id, db.article_views().publication_of(id))
            .await?;
        Ok(publication
            .is_some_and(|(status, published_at)| visibility::is_public(status, published_at, now)))
    }

    /// Decides a view of a public story and counts it if it is a reader's first in 30 minutes.
    pub(crate) fn record(
        &self,
        id: ArticleId,
        reader_id: Option<&str>,
        origin: &ReaderOrigin,
        now: Timestamp,
    ) -> ViewOutcome {
        if self.is_bot(origin) {
            return ViewOutcome::Bot;
        }
        let reader = self.readers.key(reader_id, origin);
        let result = self
            .last_counted
            .entry((id, reader))
            .and_compute_with(|last| match last {
                Some(last) if !ranking::counts_again(*last.value(), now) => Op::Nop,
                _ => Op::Put(now),
            });
        match result {
            CompResult::Inserted(_) | CompResult::ReplacedWith(_) => {
                self.pending.add(id, reader, now);
                ViewOutcome::Counted
            }
            _ => ViewOutcome::Repeat,
        }
    }

    /// A browser always sends a User-Agent; a request without one is a script.
    fn is_bot(&self, origin: &ReaderOrigin) -> bool {
        match &origin.user_agent {
            Some(agent) if !agent.is_empty() => {
                self.bots.is_bot(&String::from_utf8_lossy(agent.as_bytes()))
            }
            _ => true,
        }
    }

    /// Confirms every pending claim against every node's and stores the views that count, and
    /// once an hour prunes the buckets older than the longest window. Claims that cannot be
    /// stored are kept for the next flush. Answers how many views were stored.
    pub(crate) async fn flush(&self, db: &Database, now: Timestamp) -> Result<u64, StorageError> {
        let claims = self.pending.drain();
        let views = if claims.is_empty() {
            0
        } else {
            match db
                .article_views()
                .add_claimed(&claims, ranking::REPEAT_VIEW_PERIOD)
                .await
            {
                Ok(views) => views,
                Err(err) => {
                    self.pending.restore(&claims);
                    return Err(err);
                }
            }
        };
        self.prune_if_due(db, now).await;
        Ok(views)
    }

    /// Deletes buckets older than the longest window, once per hour per node. A failure is
    /// logged and tried again at the next flush; it loses nothing.
    async fn prune_if_due(&self, db: &Database, now: Timestamp) {
        let hour = hour_start(now).unix_seconds();
        let last = self.pruned_in_hour.swap(hour, Ordering::Relaxed);
        if last == hour {
            return;
        }
        let views = db.article_views();
        let pruned = match views.prune_before(retention_start(now)).await {
            Ok(buckets) => views
                .forget_readers_before(now.minus(ranking::REPEAT_VIEW_PERIOD))
                .await
                .map(|readers| (buckets, readers)),
            Err(err) => Err(err),
        };
        match pruned {
            Ok((buckets, readers)) => tracing::debug!(
                views.buckets_pruned = buckets,
                views.readers_forgotten = readers,
                "pruned old view buckets and readers"
            ),
            Err(err) => {
                self.pruned_in_hour.store(last, Ordering::Relaxed);
                tracing::warn!(error = %err, "pruning old view buckets failed");
            }
        }
    }
}
