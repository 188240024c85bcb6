//! Views counted but not yet flushed — each as a claim (story, reader, when) that the flush
//! confirms against every node's — gathered without a global lock.
//!
//! Each worker thread adds to a shard of its own (picked once per thread), so a breaking story's
//! thousands of beacons a second do not queue on one lock, and a shard's lock is only ever
//! contended by the flush that empties it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use dateline_domain::{ArticleId, Timestamp, ViewClaim};

/// When each (story, reader) was first counted since the last flush.
type Counts = HashMap<(ArticleId, u64), Timestamp>;

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

    /// Claims one view of `article` by `reader` at `at`.
    pub(crate) fn add(&self, article: ArticleId, reader: u64, at: Timestamp) {
        let mut counts = self.own_shard().lock();
        counts
            .entry((article, reader))
            .and_modify(|first| *first = (*first).min(at))
            .or_insert(at);
    }

    /// Takes every pending claim, leaving none behind.
    pub(crate) fn drain(&self) -> Vec<ViewClaim> {
        let mut claims = Vec::new();
        for shard in &self.shards {
            let taken = std::mem::take(&mut *shard.lock());
            claims.extend(taken.into_iter().map(|((article, reader), at)| ViewClaim {
                article,
                reader,
                at,
            }));
        }
        claims
    }

    /// Puts back claims a flush could not store, so that the next flush tries them again.
    pub(crate) fn restore(&self, claims: &[ViewClaim]) {
        let mut counts = self.own_shard().lock();
        for claim in claims {
            counts
                .entry((claim.article, claim.reader))
                .and_modify(|first| *first = (*first).min(claim.at))
                .or_insert(claim.at);
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
    fn claims_from_many_threads_are_all_kept() {
        let pending = Arc::new(PendingViews::new());
        let story = ArticleId::generate();
        let threads: Vec<_> = (0..8_u64)
            .map(|thread| {
                let pending = Arc::clone(&pending);
                std::thread::spawn(move || {
                    for reader in 0..1_000 {
                        pending.add(story, thread * 1_000 + reader, hour(reader as i64 % 2));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(pending.drain().len(), 8_000);
        assert!(pending.drain().is_empty(), "a drain leaves nothing behind");
    }

    #[test]
    fn restored_claims_join_the_next_drain_keeping_the_first_time() {
        let pending = PendingViews::new();
        let story = ArticleId::generate();
        pending.add(story, 7, hour(0));
        let claims = pending.drain();
        pending.add(story, 7, hour(1));
        pending.add(story, 8, hour(1));
        pending.restore(&claims);
        let mut drained = pending.drain();
        drained.sort_by_key(|claim| claim.reader);
        assert_eq!(
            drained,
            [
                ViewClaim {
                    article: story,
                    reader: 7,
                    at: hour(0)
                },
                ViewClaim {
                    article: story,
                    reader: 8,
                    at: hour(1)
                }
            ]
        );
    }
}
