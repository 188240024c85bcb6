//! Views counted but not yet flushed, gathered without a global lock.
//!
//! Each worker thread adds to a shard of its own (picked once per thread), so a breaking story's
//! thousands of beacons a second do not queue on one lock, and a shard's lock is only ever
//! contended by the flush that empties it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use dateline_domain::{ArticleId, Timestamp, ViewTally};

/// Counts keyed by story and the start of the hour they fall in.
type Counts = HashMap<(ArticleId, Timestamp), u64>;

/// One shard, alone on its cache lines so that threads counting side by side do not slow each
/// other down.
#[repr(align(128))]
#[derive(Default)]
struct Shard(Mutex<Counts>);

impl Shard {
    fn lock(&self) -> MutexGuard<'_, Counts> {
        // A panic while holding the lock leaves whole counts behind: keep them.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Hands every thread its own shard number, round robin.
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static THREAD_SHARD: usize = NEXT_SHARD.fetch_add(1, Ordering::Relaxed);
}

pub(crate) struct PendingViews {
    shards: Box<[Shard]>,
}

impl PendingViews {
    pub(crate) fn new() -> Self {
        // Twice the cores keeps two threads off one shard even when the runtime adds some.
        let cores = std::thread::available_parallelism().map_or(4, std::num::NonZeroUsize::get);
        let shards = (0..(cores * 2).max(8)).map(|_| Shard::default()).collect();
        Self { shards }
    }

    fn own_shard(&self) -> &Shard {
        let index = THREAD_SHARD.with(|index| *index) % self.shards.len();
        &self.shards[index]
    }

    /// Counts one view of `article` in the bucket starting at `hour`.
    pub(crate) fn add(&self, article: ArticleId, hour: Timestamp) {
        let mut counts = self.own_shard().lock();
        let count = counts.entry((article, hour)).or_default();
        *count = count.saturating_add(1);
    }

    /// Takes every pending count, merged, leaving none behind.
    pub(crate) fn drain(&self) -> Vec<ViewTally> {
        let mut merged = Counts::new();
        for shard in &self.shards {
            let taken = std::mem::take(&mut *shard.lock());
            if merged.is_empty() {
                merged = taken;
            } else {
                for (key, views) in taken {
                    let count = merged.entry(key).or_default();
                    *count = count.saturating_add(views);
                }
            }
        }
        merged
            .into_iter()
            .map(|((article, hour), views)| ViewTally {
                article,
                hour,
                views,
            })
            .collect()
    }

    /// Puts back counts a flush could not store, so that the next flush tries them again.
    pub(crate) fn restore(&self, tallies: &[ViewTally]) {
        let mut counts = self.own_shard().lock();
        for tally in tallies {
            let count = counts.entry((tally.article, tally.hour)).or_default();
            *count = count.saturating_add(tally.views);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn hour(n: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000 + n * 3_600).unwrap()
    }

    #[test]
    fn counts_from_many_threads_add_up_exactly() {
        let pending = Arc::new(PendingViews::new());
        let story = ArticleId::generate();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let pending = Arc::clone(&pending);
                std::thread::spawn(move || {
                    for i in 0..1_000 {
                        pending.add(story, hour(i % 2));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let mut tallies = pending.drain();
        tallies.sort_by_key(|tally| tally.hour);
        assert_eq!(
            tallies.iter().map(|t| t.views).collect::<Vec<_>>(),
            [4_000, 4_000]
        );
        assert!(pending.drain().is_empty(), "a drain leaves nothing behind");
    }

    #[test]
    fn restored_counts_join_the_next_drain() {
        let pending = PendingViews::new();
        let story = ArticleId::generate();
        pending.add(story, hour(0));
        let tallies = pending.drain();
        pending.add(story, hour(0));
        pending.restore(&tallies);
        assert_eq!(
            pending.drain(),
            [ViewTally {
                article: story,
                hour: hour(0),
                views: 2
            }]
        );
    }
}
