//! Limits that hold across nodes: the public rate limits, the sign-in throttle and the comment
//! limits, counted in sliding windows whose counts every node adds to in PostgreSQL (note 0606).
//!
//! The hot read path never waits for the database while a key is within its credit: a node
//! admits up to `max(1, limit / 20)` units of a key on its own, then pushes them and reads back
//! every node's count before admitting more, and a background task pushes and reads every half
//! second. So each node can run at most one credit ahead of what the others see: N nodes admit
//! at most the limit plus N credits a window. The write paths' throttles (sign-in failures, the
//! comment limits, wrong comment passwords) keep their exact in-process rules and states, read
//! and written under a row lock ([`SharedLimits::with_states`]). On SQLite there is one node,
//! and its in-process limits are exact: this is then a no-op.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use dateline_domain::PartnerId;
use dateline_domain::Timestamp;
use dateline_domain::throttle::{FailurePolicy, Failures, SlidingWindow};
use dateline_storage::repo::shared_counts::WindowCount;
use dateline_storage::{Database, Engine};

use crate::error::AppError;

/// One limit: what it counts (its name in the shared table) and how much of it per window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub name: String,
    pub window: SlidingWindow,
}

impl Limit {
    pub fn per_minute(name: String, limit: u32) -> Self {
        Self {
            name,
            window: SlidingWindow {
                limit,
                window_seconds: 60,
            },
        }
    }

    /// An anonymous client address's public requests.
    pub fn anonymous(client: Option<IpAddr>, per_minute: u32) -> Self {
        let client = client.map_or_else(|| "unknown".to_owned(), |client| client.to_string());
        Self::per_minute(format!("anonymous:{client}"), per_minute)
    }

    /// A partner's requests, at its own rate.
    pub fn partner(partner: PartnerId, per_minute: u32) -> Self {
        Self::per_minute(format!("partner:{partner}"), per_minute)
    }

    /// Units a node may admit before the other nodes have seen them.
    fn credit(&self) -> u64 {
        u64::from(self.window.limit / 20).max(1)
    }
}

/// A decision, with what the `RateLimit` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub allowed: bool,
    pub remaining: u32,
    /// Seconds until it would be admitted (0 when it is).
    pub retry_after: u64,
}

impl Admission {
    fn open(limit: &Limit) -> Self {
        Self {
            allowed: true,
            remaining: limit.window.limit,
            retry_after: 0,
        }
    }
}

/// What this node knows of one limit: every node's counts as of the last reconcile, and what
/// it admitted since.
#[derive(Debug, Clone, Copy)]
struct Tally {
    window: SlidingWindow,
    /// The window `current` and `pending` belong to.
    start: i64,
    previous: u64,
    current: u64,
    /// Admitted here and not yet added to the shared count.
    pending: u64,
    last_used: i64,
}

impl Tally {
    fn new(window: SlidingWindow, now: i64) -> Self {
        Self {
            window,
            start: window.window_start(now),
            previous: 0,
            current: 0,
            pending: 0,
            last_used: now,
        }
    }

    /// Moves to `now`'s window; only without pending units, which belong to the old one.
    fn roll(&mut self, now: i64) -> bool {
        let start = self.window.window_start(now);
        if start == self.start {
            return true;
        }
        if self.pending > 0 {
            return false;
        }
        self.previous = if start - self.window.window_seconds == self.start {
            self.current
        } else {
            0
        };
        self.current = 0;
        self.start = start;
        true
    }

    fn judge(&self, units: u32, now: i64) -> Admission {
        let (previous, current) = (self.previous, self.current + self.pending);
        if self.window.allows(previous, current, units, now) {
            Admission {
                allowed: true,
                remaining: self
                    .window
                    .remaining(previous, current + u64::from(units), now),
                retry_after: 0,
            }
        } else {
            Admission {
                allowed: false,
                remaining: 0,
                retry_after: self.window.wait(previous, current, units, now).max(1),
            }
        }
    }
}

/// Whole seconds from `now` until `until`, at least one (a `Retry-After`).
pub(crate) fn seconds_until(until: Timestamp, now: Timestamp) -> u64 {
    u64::try_from(until.unix_seconds() - now.unix_seconds())
        .unwrap_or(1)
        .max(1)
}

/// How long the hot path leaves the limits to this node after the database failed to answer.
const UNREACHABLE_PAUSE_SECONDS: i64 = 5;

/// Limits this node keeps before idle ones are forgotten.
const FORGET_AT: usize = 50_000;

/// The shared limits of one node.
#[derive(Debug)]
pub struct SharedLimits {
    shared: bool,
    tallies: Mutex<HashMap<String, Tally>>,
    /// The longest window seen, so pruning keeps what any limit still looks back at.
    longest_window: AtomicI64,
    last_pruned: AtomicI64,
    /// Until when (unix seconds) the hot path stops asking a database that just failed to
    /// answer, so each read past its credit does not wait out a connection timeout.
    unreachable_until: AtomicI64,
}

impl SharedLimits {
    pub fn new(engine: Engine) -> Self {
        Self {
            shared: engine == Engine::Postgres,
            tallies: Mutex::new(HashMap::new()),
            longest_window: AtomicI64::new(60),
            last_pruned: AtomicI64::new(0),
            unreachable_until: AtomicI64::new(0),
        }
    }

    /// Whether the limits are counted with other nodes (PostgreSQL) at all.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    fn tallies(&self) -> std::sync::MutexGuard<'_, HashMap<String, Tally>> {
        // A panic while holding the lock leaves whole entries behind; keep using them.
        self.tallies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn note_window(&self, window: SlidingWindow) {
        self.longest_window
            .fetch_max(window.window_seconds, Ordering::Relaxed);
    }

    /// Spends `units` of a hot-path limit: decided here while the key is within this node's
    /// credit, otherwise after reconciling the key with every node's count.
    pub async fn admit(
        &self,
        db: &Database,
        limit: &Limit,
        units: u32,
        now: i64,
    ) -> Result<Admission, AppError> {
        if !self.shared {
            return Ok(Admission::open(limit));
        }
        if let Some(admission) = self.admit_within_credit(limit, units, now) {
            return Ok(admission);
        }
        if now < self.unreachable_until.load(Ordering::Relaxed) {
            return Ok(Admission::open(limit));
        }
        if let Err(err) = self
            .reconcile(db, std::slice::from_ref(&limit.name), now)
            .await
        {
            self.unreachable_until
                .store(now + UNREACHABLE_PAUSE_SECONDS, Ordering::Relaxed);
            return Err(err);
        }
        let (admission, push_now) = {
            let mut tallies = self.tallies();
            let tally = tallies
                .entry(limit.name.clone())
                .or_insert_with(|| Tally::new(limit.window, now));
            tally.window = limit.window;
            tally.last_used = now;
            let admission = tally.judge(units, now);
            let mut push_now = false;
            if admission.allowed {
                if tally.pending + u64::from(units) <= limit.credit() {
                    tally.pending += u64::from(units);
                } else {
                    // More than a credit at once (a heavy GraphQL query): counted where every
                    // node sees it before it runs.
                    tally.current += u64::from(units);
                    push_now = true;
                }
            }
            (admission, push_now.then_some(tally.start))
        };
        if let Some(start) = push_now {
            db.shared_counts()
                .add(&[WindowCount {
                    name: limit.name.clone(),
                    window_start: start,
                    hits: u64::from(units),
                }])
                .await?;
        }
        Ok(admission)
    }

    /// The decision without the database, or `None` when the key must be reconciled first.
    fn admit_within_credit(&self, limit: &Limit, units: u32, now: i64) -> Option<Admission> {
        let mut tallies = self.tallies();
        if tallies.len() > FORGET_AT {
            let idle_before = now - 2 * self.longest_window.load(Ordering::Relaxed);
            tallies.retain(|_, tally| tally.pending > 0 || tally.last_used >= idle_before);
        }
        // Looked up before inserting, so a known key costs no copy of its name.
        if !tallies.contains_key(&limit.name) {
            self.note_window(limit.window);
            tallies.insert(limit.name.clone(), Tally::new(limit.window, now));
        }
        let tally = tallies.get_mut(&limit.name)?;
        tally.window = limit.window;
        tally.last_used = now;
        if !tally.roll(now) || tally.pending + u64::from(units) > limit.credit() {
            return None;
        }
        let admission = tally.judge(units, now);
        if admission.allowed {
            tally.pending += u64::from(units);
        }
        Some(admission)
    }

    /// Adds what this node admitted of `names` to the shared counts and reads back every
    /// node's.
    async fn reconcile(&self, db: &Database, names: &[String], now: i64) -> Result<(), AppError> {
        let pushed: Vec<WindowCount> = {
            let mut tallies = self.tallies();
            names
                .iter()
                .filter_map(|name| {
                    let tally = tallies.get_mut(name)?;
                    let hits = std::mem::take(&mut tally.pending);
                    (hits > 0).then(|| WindowCount {
                        name: name.clone(),
                        window_start: tally.start,
                        hits,
                    })
                })
                .collect()
        };
        if let Err(err) = db.shared_counts().add(&pushed).await {
            // Given back, to be pushed next time.
            let mut tallies = self.tallies();
            for count in pushed {
                if let Some(tally) = tallies.get_mut(&count.name)
                    && tally.start == count.window_start
                {
                    tally.pending += count.hits;
                }
            }
            return Err(err.into());
        }
        let since = now - 2 * self.longest_window.load(Ordering::Relaxed);
        let counts = db.shared_counts().counts(names, since).await?;
        let mut by_name: HashMap<&str, Vec<&WindowCount>> = HashMap::new();
        for count in &counts {
            by_name.entry(count.name.as_str()).or_default().push(count);
        }
        let mut tallies = self.tallies();
        for name in names {
            let Some(tally) = tallies.get_mut(name) else {
                continue;
            };
            let start = tally.window.window_start(now);
            if tally.pending > 0 && tally.start != start {
                // Admitted meanwhile in the old window: pushed next time, read then.
                continue;
            }
            let hits_in = |window_start: i64| {
                by_name.get(name.as_str()).map_or(0, |counts| {
                    counts
                        .iter()
                        .filter(|count| count.window_start == window_start)
                        .map(|count| count.hits)
                        .sum()
                })
            };
            tally.start = start;
            tally.current = hits_in(start);
            tally.previous = hits_in(start - tally.window.window_seconds);
        }
        Ok(())
    }

    /// The background reconcile: every key with units admitted here since the last one, and
    /// once a minute the windows no limit looks back at any more are deleted.
    pub async fn reconcile_all(&self, db: &Database, now: i64) -> Result<(), AppError> {
        if !self.shared {
            return Ok(());
        }
        let names: Vec<String> = self
            .tallies()
            .iter()
            .filter(|(_, tally)| tally.pending > 0)
            .map(|(name, _)| name.clone())
            .collect();
        if !names.is_empty() {
            self.reconcile(db, &names, now).await?;
        }
        if now - self.last_pruned.load(Ordering::Relaxed) >= 60 {
            self.last_pruned.store(now, Ordering::Relaxed);
            let longest = self.longest_window.load(Ordering::Relaxed);
            db.shared_counts().forget_before(now - 2 * longest).await?;
            db.shared_counts().forget_throttles_before(now).await?;
        }
        Ok(())
    }

    /// Runs `decide` on the states every node keeps for `keys` (the sign-in throttle, the
    /// comment limits), under a row lock so nodes take turns, and stores the states it leaves
    /// with the expiry it names for each (`None`: unchanged). Answers `None` on SQLite, where
    /// the in-process state is the whole truth.
    pub(crate) async fn with_states<T, R>(
        &self,
        db: &Database,
        keys: &[String],
        now: i64,
        decide: impl FnOnce(&mut [Option<T>]) -> (R, Vec<Option<i64>>),
    ) -> Result<Option<R>, AppError>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        if !self.shared || keys.is_empty() {
            return Ok(None);
        }
        let answer = db
            .shared_counts()
            .update_throttles(keys, now, |stored| {
                // A state this version cannot read is as good as none: the limit starts over.
                let mut states: Vec<Option<T>> = stored
                    .iter()
                    .map(|state| {
                        state
                            .as_deref()
                            .and_then(|state| serde_json::from_str(state).ok())
                    })
                    .collect();
                let (answer, expiries) = decide(&mut states);
                let writes = states
                    .iter()
                    .zip(expiries)
                    .map(|(state, expires_at)| {
                        let state = state
                            .as_ref()
                            .and_then(|state| serde_json::to_string(state).ok())
                            .unwrap_or_default();
                        expires_at.map(|expires_at| (state, expires_at))
                    })
                    .collect();
                (answer, writes)
            })
            .await?;
        Ok(Some(answer))
    }

    /// When the latest lock on `keys` ends, as every node's failures say (none on SQLite).
    pub(crate) async fn failures_locked_until(
        &self,
        db: &Database,
        keys: &[String],
        now: Timestamp,
    ) -> Result<Option<Timestamp>, AppError> {
        let until = self
            .with_states(
                db,
                keys,
                now.unix_seconds(),
                |states: &mut [Option<Failures>]| {
                    let until = states
                        .iter()
                        .flatten()
                        .filter_map(|failures| failures.locked_until(now))
                        .max();
                    (until, vec![None; states.len()])
                },
            )
            .await?;
        Ok(until.flatten())
    }

    /// Counts one failure on each key by its policy, in the state every node shares.
    pub(crate) async fn record_failures(
        &self,
        db: &Database,
        keys: &[(String, FailurePolicy)],
        now: Timestamp,
    ) -> Result<(), AppError> {
        let names: Vec<String> = keys.iter().map(|(name, _)| name.clone()).collect();
        self.with_states(
            db,
            &names,
            now.unix_seconds(),
            |states: &mut [Option<Failures>]| {
                let expiries = states
                    .iter_mut()
                    .zip(keys)
                    .map(|(state, (_, policy))| {
                        state
                            .get_or_insert_with(|| Failures::new(now))
                            .record(*policy, now);
                        Some(now.plus(policy.window).plus(policy.lockout).unix_seconds())
                    })
                    .collect();
                ((), expiries)
            },
        )
        .await?;
        Ok(())
    }

    /// Forgets the shared states of `keys` (a right password clears the wrong ones).
    pub(crate) async fn forget_states(
        &self,
        db: &Database,
        keys: &[String],
        now: Timestamp,
    ) -> Result<(), AppError> {
        self.with_states(
            db,
            keys,
            now.unix_seconds(),
            |states: &mut [Option<Failures>]| {
                states.fill(None);
                ((), vec![Some(0); states.len()])
            },
        )
        .await?;
        Ok(())
    }
}
