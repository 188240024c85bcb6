//! The rendered responses kept in memory, the reverse index from keys to the responses holding
//! them, and the generations that keep a response filled before a change from being served
//! after it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::{HeaderMap, StatusCode};
use dateline_domain::Timestamp;
use dateline_storage::Database;
use moka::notification::RemovalCause;

use crate::cache::encoding::Encoded;
use crate::cache::{CacheKeys, CacheSettings};

/// One kept response.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) status: StatusCode,
    /// The handler's headers (content type and any other), without length or coding.
    pub(crate) headers: HeaderMap,
    pub(crate) body: Encoded,
    pub(crate) keys: CacheKeys,
    /// Not served at or after this moment: the next scheduled lift, or the end of a short TTL.
    pub(crate) fresh_until: Option<Timestamp>,
    /// When its rendering began: how old a stale copy is (`Age`).
    pub(crate) rendered_at: Timestamp,
    /// The generation when its rendering began: a key invalidated later makes it stale.
    filled_at: u64,
    /// The latest generation it was found current at (skips the key check until the next
    /// invalidation).
    checked_at: AtomicU64,
}

impl Entry {
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        body: Encoded,
        keys: CacheKeys,
        fresh_until: Option<Timestamp>,
        rendered_at: Timestamp,
        filled_at: u64,
    ) -> Self {
        Self {
            status,
            headers,
            body,
            keys,
            fresh_until,
            rendered_at,
            filled_at,
            checked_at: AtomicU64::new(filled_at),
        }
    }

    fn weight(&self, key: &str) -> u32 {
        let keys: usize = self.keys.iter().map(str::len).sum();
        u32::try_from(key.len() + keys + self.body.weight() + 256).unwrap_or(u32::MAX)
    }
}

/// Which cache entries hold each key.
type ReverseIndex = Arc<Mutex<HashMap<String, HashSet<String>>>>;

/// Generations: every invalidation takes the next number and stamps the keys it names.
#[derive(Debug, Default)]
struct Generations {
    /// The generation each invalidated key was last invalidated at.
    keys: HashMap<String, u64>,
    /// Everything filled before this generation is stale (after a lost notice).
    cleared: u64,
}

/// The rendered-response cache and the caching policy it serves with. Without a capacity it
/// keeps nothing, but the policy (headers) still applies.
pub struct ResponseCache {
    settings: CacheSettings,
    entries: Option<moka::future::Cache<String, Arc<Entry>>>,
    /// Entries past their freshness (a TTL, a scheduled lift) whose refill has not succeeded
    /// yet: served, marked stale, when the refill fails for want of the database
    /// (stale-if-error), never past `stale_if_error` after their rendering, and never once
    /// anything they show has changed.
    stale: Option<moka::future::Cache<String, Arc<Entry>>>,
    index: ReverseIndex,
    generation: AtomicU64,
    generations: Mutex<Generations>,
    /// The next scheduled lift: `None` until looked up again, `Some(None)` when nothing waits.
    lift: tokio::sync::Mutex<Option<Option<Timestamp>>>,
    /// This node's name on the LISTEN/NOTIFY channel, so it skips its own notices.
    pub(crate) node: String,
    /// Whether the other nodes' notices reach this node yet (see [`Self::listening`]).
    listening: tokio::sync::watch::Sender<bool>,
    /// How many of the other nodes' notices this node has applied.
    heard: tokio::sync::watch::Sender<u64>,
    /// How far this node's own change bus has been applied (see [`Applied`]).
    applied: tokio::sync::watch::Sender<Applied>,
}

/// How far the cache has followed this node's change bus.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Changes applied since the cache started.
    pub changes: u64,
    /// No announced change waits to be applied.
    pub caught_up: bool,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("settings", &self.settings)
            .field(
                "entries",
                &self.entries.as_ref().map(moka::future::Cache::entry_count),
            )
            .finish_non_exhaustive()
    }
}

impl ResponseCache {
    pub fn new(settings: CacheSettings) -> Self {
        let index = ReverseIndex::default();
        let entries = (settings.capacity_bytes > 0).then(|| {
            let index = Arc::clone(&index);
            moka::future::Cache::builder()
                .max_capacity(settings.capacity_bytes)
                .weigher(|key: &String, entry: &Arc<Entry>| entry.weight(key))
                .eviction_listener(move |key: Arc<String>, entry: Arc<Entry>, cause| {
                    // A replacement registered its own keys already.
                    if cause != RemovalCause::Replaced {
                        unindex(&index, &key, &entry.keys);
                    }
                    match cause {
                        RemovalCause::Size => crate::metrics::cache_eviction("size"),
                        RemovalCause::Expired => crate::metrics::cache_eviction("expired"),
                        RemovalCause::Explicit => crate::metrics::cache_eviction("removed"),
                        RemovalCause::Replaced => {}
                    }
                })
                .build()
        });
        // Half the cache's memory at most: in an outage the stale copies are what is left to
        // serve, but they must not double what the operator gave the cache.
        let stale =
            (settings.capacity_bytes > 0 && !settings.stale_if_error.is_zero()).then(|| {
                moka::future::Cache::builder()
                    .max_capacity(settings.capacity_bytes / 2)
                    .weigher(|key: &String, entry: &Arc<Entry>| entry.weight(key))
                    .time_to_live(settings.stale_if_error)
                    .build()
            });
        Self {
            settings,
            entries,
            stale,
            index,
            generation: AtomicU64::new(0),
            generations: Mutex::default(),
            lift: tokio::sync::Mutex::new(None),
            node: format!("{:016x}", rand::random::<u64>()),
            listening: tokio::sync::watch::Sender::new(false),
            heard: tokio::sync::watch::Sender::new(0),
            applied: tokio::sync::watch::Sender::new(Applied {
                changes: 0,
                caught_up: true,
            }),
        }
    }

    pub fn settings(&self) -> &CacheSettings {
        &self.settings
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// Returns once the other nodes' changes reach this cache: its LISTEN is in place on
    /// PostgreSQL, or it found no channel to listen on (SQLite). A cache keeping nothing follows
    /// no changes and never returns, so await it only on one with a capacity.
    pub async fn listening(&self) {
        // The sender lives in `self`, so the wait cannot end with it closed.
        let _ = self.listening.subscribe().wait_for(|on| *on).await;
    }

    pub(crate) fn mark_listening(&self) {
        self.listening.send_replace(true);
    }

    /// The count of other nodes' notices applied here; it changes as each one is, so a reader
    /// can await a change from elsewhere instead of polling on a timer.
    pub fn notices_heard(&self) -> tokio::sync::watch::Receiver<u64> {
        self.heard.subscribe()
    }

    pub(crate) fn count_notice(&self) {
        self.heard.send_modify(|heard| *heard += 1);
    }

    /// How far this node's changes have been applied; it changes as each one is, so a writer
    /// can await its change reaching the cache instead of sleeping.
    pub fn changes_applied(&self) -> tokio::sync::watch::Receiver<Applied> {
        self.applied.subscribe()
    }

    pub(crate) fn count_change(&self, caught_up: bool) {
        self.applied.send_modify(|applied| {
            applied.changes += 1;
            applied.caught_up = caught_up;
        });
    }

    /// The generation a rendering starting now belongs to.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The entry under `key`, or the one `fill` renders; concurrent misses on a key wait for one
    /// rendering. `fill` answers `Err` with a response that must not be kept; every waiter gets
    /// it.
    pub(crate) async fn get_or_fill<F, E>(&self, key: &str, fill: F) -> Result<Arc<Entry>, Arc<E>>
    where
        F: Future<Output = Result<Arc<Entry>, E>>,
        E: Send + Sync + 'static,
    {
        let Some(entries) = &self.entries else {
            return fill.await.map_err(Arc::new);
        };
        let key = key.to_owned();
        let index = Arc::clone(&self.index);
        let registered = key.clone();
        entries
            .try_get_with(key, async move {
                let entry = fill.await?;
                // Indexed before it can be found, so an invalidation cannot miss it.
                let mut index = index.lock().unwrap_or_else(PoisonError::into_inner);
                for name in entry.keys.iter() {
                    index
                        .entry(name.to_owned())
                        .or_default()
                        .insert(registered.clone());
                }
                Ok(entry)
            })
            .await
    }

    /// Whether `entry` may still be served at `now`.
    pub(crate) fn is_current(&self, entry: &Entry, now: Timestamp) -> bool {
        if entry.fresh_until.is_some_and(|until| now >= until) {
            return false;
        }
        self.is_unchanged(entry)
    }

    /// Whether nothing `entry` shows has changed since its rendering began.
    fn is_unchanged(&self, entry: &Entry) -> bool {
        let generation = self.generation();
        if entry.checked_at.load(Ordering::Acquire) == generation {
            return true;
        }
        let generations = self
            .generations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if entry.filled_at < generations.cleared {
            return false;
        }
        let invalidated = entry.keys.iter().any(|name| {
            generations
                .keys
                .get(name)
                .is_some_and(|&at| at > entry.filled_at)
        });
        if !invalidated {
            entry.checked_at.store(generation, Ordering::Release);
        }
        !invalidated
    }

    /// Drops one entry found past its time on reading, keeping it aside for stale-if-error
    /// while it shows nothing that has changed.
    pub(crate) async fn retire(&self, key: &str, entry: Arc<Entry>) {
        if let Some(stale) = &self.stale
            && self.is_unchanged(&entry)
        {
            stale.insert(key.to_owned(), entry).await;
        }
        if let Some(entries) = &self.entries {
            entries.invalidate(key).await;
        }
    }

    /// The copy kept aside for `key` that may be served stale at `now`: rendered no longer
    /// than `stale_if_error` ago, and nothing it shows changed since.
    pub(crate) async fn stale_copy(&self, key: &str, now: Timestamp) -> Option<Arc<Entry>> {
        let entry = self.stale.as_ref()?.get(key).await?;
        let age = (now.as_datetime() - entry.rendered_at.as_datetime())
            .to_std()
            .unwrap_or_default();
        (age <= self.settings.stale_if_error && self.is_unchanged(&entry)).then_some(entry)
    }

    /// Forgets the copy kept aside for `key` (a fresh one was rendered).
    pub(crate) async fn refreshed(&self, key: &str) {
        if let Some(stale) = &self.stale {
            stale.invalidate(key).await;
        }
    }

    /// Drops every response holding any of `keys`, and no other.
    pub(crate) async fn invalidate<'a>(&self, keys: impl IntoIterator<Item = &'a str>) {
        let keys: Vec<&str> = keys.into_iter().collect();
        {
            let mut generations = self
                .generations
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let next = self.generation() + 1;
            for name in &keys {
                generations.keys.insert((*name).to_owned(), next);
            }
            self.generation.store(next, Ordering::SeqCst);
        }
        let Some(entries) = &self.entries else {
            return;
        };
        let doomed: HashSet<String> = {
            let mut index = self.index.lock().unwrap_or_else(PoisonError::into_inner);
            keys.iter()
                .filter_map(|name| index.remove(*name))
                .flatten()
                .collect()
        };
        for key in doomed {
            entries.invalidate(&key).await;
        }
    }

    /// Drops everything (a change may have been missed).
    pub(crate) async fn clear(&self) {
        {
            let mut generations = self
                .generations
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let next = self.generation() + 1;
            generations.keys.clear();
            generations.cleared = next;
            self.generation.store(next, Ordering::SeqCst);
        }
        *self.lift.lock().await = None;
        if let Some(stale) = &self.stale {
            stale.invalidate_all();
        }
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
            self.index
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
        }
    }

    /// Forgets the next scheduled lift, so the next rendering looks it up again.
    pub(crate) async fn forget_lift(&self) {
        *self.lift.lock().await = None;
    }

    /// The next moment an approved story goes public by itself, after `now`.
    pub(crate) async fn next_lift(
        &self,
        db: &Database,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, dateline_storage::StorageError> {
        let mut lift = self.lift.lock().await;
        if let Some(known) = *lift {
            match known {
                Some(at) if at <= now => {
                    // The lift has passed: this rendering is the first to show it.
                    let late = (now.as_datetime() - at.as_datetime())
                        .to_std()
                        .unwrap_or_default();
                    crate::metrics::scheduled_lag(late);
                    // Counted once, even if looking up the next one fails now.
                    *lift = None;
                }
                _ => return Ok(known),
            }
        }
        let next = db.schedule().next_lift(now).await?;
        *lift = Some(next);
        Ok(next)
    }

    /// How many responses are kept and their weight in bytes (after pending maintenance).
    pub(crate) async fn size(&self) -> (u64, u64) {
        match &self.entries {
            Some(entries) => {
                entries.run_pending_tasks().await;
                (entries.entry_count(), entries.weighted_size())
            }
            None => (0, 0),
        }
    }

    /// How many responses are kept (after pending maintenance).
    pub async fn kept(&self) -> u64 {
        match &self.entries {
            Some(entries) => {
                entries.run_pending_tasks().await;
                entries.entry_count()
            }
            None => 0,
        }
    }
}

fn unindex(index: &ReverseIndex, key: &str, keys: &CacheKeys) {
    let mut index = index.lock().unwrap_or_else(PoisonError::into_inner);
    for name in keys.iter() {
        if let Some(holders) = index.get_mut(name) {
            holders.remove(key);
            if holders.is_empty() {
                index.remove(name);
            }
        }
    }
}
