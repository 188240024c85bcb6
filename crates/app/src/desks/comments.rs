//! How reader comments run: the settings (report threshold, automatic closing, rate limits,
//! duplicate window, banned words, password guesses), the rate limiters, the per-comment
//! password-guess counter, and the keyed hash a reader is known by.
//!
//! A reader without an account is their client address (an IPv6 client its /64), never the
//! User-Agent, which a client may change at will (note 0801). Limits are kept per process with
//! GCRA allowances on the application's clock, per client address and per reader (that address, or a signed-in
//! account). On PostgreSQL every node's actions and wrong passwords are counted together as well
//! by the same rules (`CommentDesk::*_everywhere`), so N nodes do not give a
//! sender N times the rate.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;

use chrono::Duration;
use dateline_domain::throttle::{FailurePolicy, Failures};
use dateline_domain::{BannedWords, CommentId, Timestamp, UserId};
use sha2::{Digest as _, Sha256};

use dateline_storage::Database;

use crate::desks::shared_limits::{SharedLimits, seconds_until};
use crate::error::AppError;
use crate::readership::origin::ReaderOrigin;

/// How many actions a minute one reader, and one address, may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_reader: NonZeroU32,
    /// Higher than per reader: an office or a carrier's NAT puts many readers behind one address.
    pub per_address: NonZeroU32,
}

impl RateLimit {
    const fn per_minute(per_reader: u32, per_address: u32) -> Self {
        Self {
            per_reader: nonzero(per_reader),
            per_address: nonzero(per_address),
        }
    }
}

const fn nonzero(value: u32) -> NonZeroU32 {
    match NonZeroU32::new(value) {
        Some(value) => value,
        None => NonZeroU32::MIN,
    }
}

/// The comment settings, parsed once by the binary.
#[derive(Debug, Clone)]
pub struct CommentSettings {
    /// Distinct readers' reports that hide a comment pending review.
    pub report_threshold: NonZeroU32,
    /// Stories stop taking comments this long after publication; `None`: never by age.
    pub auto_close_after: Option<Duration>,
    pub post_rate: RateLimit,
    pub report_rate: RateLimit,
    pub reaction_rate: RateLimit,
    /// The same text from the same reader, or on the same story, within this window is refused
    /// as a duplicate.
    pub duplicate_window: Duration,
    pub banned_words: BannedWords,
    /// The key reader identities are hashed with, so stored reader keys reveal no address.
    pub reader_secret: Vec<u8>,
    /// Wrong passwords one comment takes within the window, from anyone, before it refuses
    /// every try (429) for the rest of the window.
    pub password_guesses: NonZeroU32,
    pub password_guess_window: Duration,
}

impl CommentSettings {
    pub const DEFAULT_REPORT_THRESHOLD: NonZeroU32 = nonzero(3);
    pub const DEFAULT_POST_RATE: RateLimit = RateLimit::per_minute(3, 12);
    pub const DEFAULT_REPORT_RATE: RateLimit = RateLimit::per_minute(10, 40);
    pub const DEFAULT_REACTION_RATE: RateLimit = RateLimit::per_minute(30, 120);
    pub const DEFAULT_PASSWORD_GUESSES: NonZeroU32 = nonzero(10);
    pub const DEFAULT_PASSWORD_GUESS_WINDOW: Duration = Duration::hours(1);

    /// The guess counter's policy: locked for as long as the window once the guesses are spent.
    fn guess_policy(&self) -> FailurePolicy {
        FailurePolicy {
            max_failures: self.password_guesses.get(),
            window: self.password_guess_window,
            lockout: self.password_guess_window,
        }
    }
}

impl Default for CommentSettings {
    /// The defaults, the built-in banned-word list, and a random reader secret (reader keys
    /// then change with every start, which only weakens de-duplication across restarts).
    fn default() -> Self {
        Self {
            report_threshold: Self::DEFAULT_REPORT_THRESHOLD,
            auto_close_after: Some(Duration::days(30)),
            post_rate: Self::DEFAULT_POST_RATE,
            report_rate: Self::DEFAULT_REPORT_RATE,
            reaction_rate: Self::DEFAULT_REACTION_RATE,
            duplicate_window: Duration::minutes(10),
            banned_words: BannedWords::default_list(),
            reader_secret: rand::random::<[u8; 32]>().to_vec(),
            password_guesses: Self::DEFAULT_PASSWORD_GUESSES,
            password_guess_window: Self::DEFAULT_PASSWORD_GUESS_WINDOW,
        }
    }
}

/// What a reader is doing, each limited on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activity {
    Posting,
    Reporting,
    Reacting,
}

/// The allowances of one activity, per reader and per address, kept as GCRA "theoretical
/// arrival times" (unix milliseconds) against the application's clock.
///
/// Both are judged before either is spent, under one lock: a request is admitted only when
/// both allow it, and a refusal names the longer of the two waits. Checking one and stopping
/// at its refusal told a reader the address's short wait while their own longer one was still
/// running, so a client that waited its `Retry-After` was refused again with a new one.
struct Limiters {
    rate: RateLimit,
    arrivals: Mutex<Arrivals>,
}

#[derive(Default)]
struct Arrivals {
    by_reader: HashMap<String, i64>,
    by_address: HashMap<IpAddr, i64>,
}

/// One GCRA allowance: `per_minute` actions, all of them available at once after a quiet
/// minute, refilling one every `60 / per_minute` seconds.
#[derive(Clone, Copy)]
struct Gcra {
    interval_ms: i64,
    tolerance_ms: i64,
}

impl Gcra {
    fn per_minute(rate: NonZeroU32) -> Self {
        let interval_ms = 60_000 / i64::from(rate.get());
        Self {
            interval_ms,
            tolerance_ms: interval_ms * (i64::from(rate.get()) - 1),
        }
    }

    /// Milliseconds until one more action is allowed (0: now).
    fn wait(self, arrival: Option<i64>, now_ms: i64) -> i64 {
        let arrival = arrival.unwrap_or(now_ms).max(now_ms);
        (arrival - self.tolerance_ms - now_ms).max(0)
    }

    /// The theoretical arrival time after spending one action now.
    fn spend(self, arrival: Option<i64>, now_ms: i64) -> i64 {
        arrival.unwrap_or(now_ms).max(now_ms) + self.interval_ms
    }
}

impl Limiters {
    fn new(rate: RateLimit) -> Self {
        Self {
            rate,
            arrivals: Mutex::new(Arrivals::default()),
        }
    }

    /// Spends one action of `reader`'s and its address's allowance, or answers how many whole
    /// seconds until both allow one (rounded up: a client waiting that long is admitted).
    fn admit(&self, reader: &CommentReader, now: Timestamp) -> Result<(), u64> {
        let now_ms = now.unix_seconds().saturating_mul(1000);
        let by_reader = Gcra::per_minute(self.rate.per_reader);
        let by_address = Gcra::per_minute(self.rate.per_address);
        // A panic while holding the lock leaves whole entries behind; keep using them.
        let mut arrivals = self
            .arrivals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let arrivals = &mut *arrivals;
        // A key whose arrival time has passed holds a full allowance, the same as no entry.
        if arrivals.by_reader.len() > SWEEP_AT {
            arrivals.by_reader.retain(|_, arrival| *arrival > now_ms);
        }
        if arrivals.by_address.len() > SWEEP_AT {
            arrivals.by_address.retain(|_, arrival| *arrival > now_ms);
        }
        let reader_arrival = arrivals.by_reader.get(&reader.key).copied();
        let address_arrival = reader
            .address
            .and_then(|address| arrivals.by_address.get(&address).copied());
        let mut wait = by_reader.wait(reader_arrival, now_ms);
        if reader.address.is_some() {
            wait = wait.max(by_address.wait(address_arrival, now_ms));
        }
        if wait > 0 {
            // Whole seconds, rounded up: a client that waits this long finds both allowing it.
            return Err(u64::try_from(wait).unwrap_or(1).div_ceil(1000).max(1));
        }
        arrivals
            .by_reader
            .insert(reader.key.clone(), by_reader.spend(reader_arrival, now_ms));
        if let Some(address) = reader.address {
            arrivals
                .by_address
                .insert(address, by_address.spend(address_arrival, now_ms));
        }
        Ok(())
    }
}

/// The key every node keeps one comment's wrong passwords under.
fn guess_key(comment: CommentId) -> String {
    format!("comment-password:{comment}")
}

/// Keys kept before idle ones are swept, so a flood of addresses cannot grow memory forever.
const SWEEP_AT: usize = 50_000;

/// The comment settings with their limiters, held in the application state.
pub struct CommentDesk {
    settings: CommentSettings,
    posting: Limiters,
    reporting: Limiters,
    reacting: Limiters,
    /// Wrong-password counts per comment, whoever sent them: spreading guesses over many
    /// addresses does not get around it.
    guesses: Mutex<HashMap<CommentId, Failures>>,
}

impl std::fmt::Debug for CommentDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommentDesk")
            .field("report_threshold", &self.settings.report_threshold)
            .finish_non_exhaustive()
    }
}

/// Who is acting, as the comment side knows them.
#[derive(Debug, Clone)]
pub(crate) struct CommentReader {
    /// The keyed hash stored with comments, reactions and reports (64 hex characters).
    pub(crate) key: String,
    /// The client's network (an IPv6 client's /64) the per-address limits are kept by.
    pub(crate) address: Option<IpAddr>,
}

impl CommentDesk {
    pub fn new(settings: CommentSettings) -> Self {
        Self {
            posting: Limiters::new(settings.post_rate),
            reporting: Limiters::new(settings.report_rate),
            reacting: Limiters::new(settings.reaction_rate),
            guesses: Mutex::new(HashMap::new()),
            settings,
        }
    }

    pub fn settings(&self) -> &CommentSettings {
        &self.settings
    }

    /// A reader: a signed-in account when there is one, else the client's network (an IPv6
    /// client's /64). Not the User-Agent: a client that rotates it must not become many
    /// readers, each with its own report, reaction and allowance.
    pub(crate) fn reader(&self, origin: &ReaderOrigin, account: Option<UserId>) -> CommentReader {
        let network = origin.network();
        let mut hasher = Sha256::new();
        hasher.update(&self.settings.reader_secret);
        match account {
            Some(user) => {
                hasher.update(b"\0account\0");
                hasher.update(user.to_string().as_bytes());
            }
            None => {
                // A tag of its own, so keys stored under the old address + User-Agent scheme
                // can never collide with these.
                hasher.update(b"\0network\0");
                hasher.update(
                    network
                        .map(|address| address.to_string())
                        .unwrap_or_default()
                        .as_bytes(),
                );
            }
        }
        let digest = hasher.finalize();
        let key = hex::encode(digest);
        CommentReader {
            key,
            address: network,
        }
    }

    fn guesses(&self) -> std::sync::MutexGuard<'_, HashMap<CommentId, Failures>> {
        // A panic while holding the lock leaves whole entries behind; keep using them.
        self.guesses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes one password try for `comment`, or answers 429 with how long the comment stays
    /// locked. The try is counted as wrong before it is checked, so concurrent guesses cannot
    /// all slip in under the limit; [`Self::password_matched`] takes it back.
    pub(crate) fn admit_password_try(
        &self,
        comment: CommentId,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let policy = self.settings.guess_policy();
        let mut guesses = self.guesses();
        if guesses.len() >= SWEEP_AT {
            guesses.retain(|_, entry| !entry.is_stale(policy, now));
        }
        let entry = guesses.entry(comment).or_insert_with(|| Failures::new(now));
        if let Some(until) = entry.locked_until(now) {
            return Err(AppError::RateLimited {
                retry_after: seconds_until(until, now),
            });
        }
        entry.record(policy, now);
        Ok(())
    }

    /// The right password was given: the comment's wrong tries are forgotten, as a successful
    /// sign-in clears an account's.
    pub(crate) fn password_matched(&self, comment: CommentId) {
        self.guesses().remove(&comment);
    }

    /// [`Self::admit`] on the allowances every node keeps together, by the same rule (a no-op
    /// on SQLite).
    pub(crate) async fn admit_everywhere(
        &self,
        shared: &SharedLimits,
        db: &Database,
        activity: Activity,
        reader: &CommentReader,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let (name, rate) = match activity {
            Activity::Posting => ("post", self.settings.post_rate),
            Activity::Reporting => ("report", self.settings.report_rate),
            Activity::Reacting => ("react", self.settings.reaction_rate),
        };
        let mut keys = vec![(
            format!("comment-{name}:reader:{}", reader.key),
            Gcra::per_minute(rate.per_reader),
        )];
        keys.extend(reader.address.map(|address| {
            (
                format!("comment-{name}:address:{address}"),
                Gcra::per_minute(rate.per_address),
            )
        }));
        let names: Vec<String> = keys.iter().map(|(name, _)| name.clone()).collect();
        let now_ms = now.unix_seconds().saturating_mul(1000);
        let decided = shared
            .with_states(
                db,
                &names,
                now.unix_seconds(),
                |arrivals: &mut [Option<i64>]| {
                    let wait = arrivals
                        .iter()
                        .zip(&keys)
                        .map(|(arrival, (_, gcra))| gcra.wait(*arrival, now_ms))
                        .max()
                        .unwrap_or(0);
                    if wait > 0 {
                        return (Err(wait), vec![None; arrivals.len()]);
                    }
                    let expiries = arrivals
                        .iter_mut()
                        .zip(&keys)
                        .map(|(arrival, (_, gcra))| {
                            let next = gcra.spend(*arrival, now_ms);
                            *arrival = Some(next);
                            Some(next.div_euclid(1000) + 1)
                        })
                        .collect();
                    (Ok(()), expiries)
                },
            )
            .await?;
        match decided {
            Some(Err(wait)) => Err(AppError::RateLimited {
                retry_after: u64::try_from(wait).unwrap_or(1).div_ceil(1000).max(1),
            }),
            _ => Ok(()),
        }
    }

    /// [`Self::admit_password_try`] on the wrong tries every node counts together.
    pub(crate) async fn admit_password_try_everywhere(
        &self,
        shared: &SharedLimits,
        db: &Database,
        comment: CommentId,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let policy = self.settings.guess_policy();
        let keys = [guess_key(comment)];
        let locked = shared
            .with_states(
                db,
                &keys,
                now.unix_seconds(),
                |states: &mut [Option<Failures>]| {
                    let failures = states[0].get_or_insert_with(|| Failures::new(now));
                    if let Some(until) = failures.locked_until(now) {
                        return (Some(until), vec![None]);
                    }
                    failures.record(policy, now);
                    let expires = now.plus(policy.window).plus(policy.lockout);
                    (None, vec![Some(expires.unix_seconds())])
                },
            )
            .await?;
        match locked.flatten() {
            Some(until) => Err(AppError::RateLimited {
                retry_after: seconds_until(until, now),
            }),
            None => Ok(()),
        }
    }

    /// [`Self::password_matched`] on the wrong tries every node counts together.
    pub(crate) async fn password_matched_everywhere(
        &self,
        shared: &SharedLimits,
        db: &Database,
        comment: CommentId,
        now: Timestamp,
    ) -> Result<(), AppError> {
        shared.forget_states(db, &[guess_key(comment)], now).await
    }

    /// Takes one action from the reader's and the address's allowance at `now`, or answers
    /// 429 with how long until both allow one.
    pub(crate) fn admit(
        &self,
        activity: Activity,
        reader: &CommentReader,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let limiters = match activity {
            Activity::Posting => &self.posting,
            Activity::Reporting => &self.reporting,
            Activity::Reacting => &self.reacting,
        };
        limiters
            .admit(reader, now)
            .map_err(|retry_after| AppError::RateLimited { retry_after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(address: &str, agent: &'static str) -> ReaderOrigin {
        ReaderOrigin {
            client: Some(address.parse().unwrap()),
            user_agent: Some(agent.into()),
        }
    }

    #[test]
    fn reader_keys_are_stable_per_reader_and_reveal_no_address() {
        let desk = CommentDesk::new(CommentSettings::default());
        let phone = desk.reader(&origin("203.0.113.7", "iPhone"), None);
        assert_eq!(
            phone.key,
            desk.reader(&origin("203.0.113.7", "iPhone"), None).key
        );
        assert_ne!(
            phone.key,
            desk.reader(&origin("203.0.113.8", "Mac"), None).key
        );
        assert_eq!(phone.key.len(), 64);
        // The key is a keyed hash, so it is hex digits only (no dotted address can hide in it)
        // and another desk, with another secret, cannot recompute it from the address.
        assert!(phone.key.chars().all(|c| c.is_ascii_hexdigit()));
        let other_desk = CommentDesk::new(CommentSettings::default());
        assert_ne!(
            phone.key,
            other_desk
                .reader(&origin("203.0.113.7", "iPhone"), None)
                .key
        );
        let staff = desk.reader(&origin("203.0.113.7", "iPhone"), Some(UserId::generate()));
        assert_ne!(staff.key, phone.key);
    }

    #[test]
    fn a_client_that_changes_its_user_agent_or_its_ipv6_host_bits_stays_one_reader() {
        let desk = CommentDesk::new(CommentSettings::default());
        let reader = desk.reader(&origin("203.0.113.7", "iPhone"), None);
        assert_eq!(
            reader.key,
            desk.reader(&origin("203.0.113.7", "curl/8"), None).key
        );
        let v6 = desk.reader(&origin("2001:db8:5:6::1", "a"), None);
        let same_64 = desk.reader(&origin("2001:db8:5:6:dead:beef:0:1", "b"), None);
        assert_eq!(v6.key, same_64.key);
        assert_eq!(v6.address, same_64.address);
        assert_ne!(
            v6.key,
            desk.reader(&origin("2001:db8:5:7::1", "a"), None).key
        );
    }

    #[test]
    fn a_comment_refuses_every_password_try_once_its_wrong_guesses_are_spent() {
        let desk = CommentDesk::new(CommentSettings {
            password_guesses: nonzero(3),
            password_guess_window: Duration::minutes(10),
            ..CommentSettings::default()
        });
        let start = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let comment = CommentId::generate();
        for _ in 0..3 {
            assert!(desk.admit_password_try(comment, start).is_ok());
        }
        let Err(AppError::RateLimited { retry_after }) = desk.admit_password_try(comment, start)
        else {
            panic!("the fourth try must be refused");
        };
        assert_eq!(retry_after, 600);
        // Another comment keeps its own budget; the locked one opens after the window.
        assert!(
            desk.admit_password_try(CommentId::generate(), start)
                .is_ok()
        );
        let later = start.plus(Duration::minutes(10));
        assert!(desk.admit_password_try(comment, later).is_ok());
    }

    #[test]
    fn the_right_password_forgets_the_wrong_ones_before_it() {
        let desk = CommentDesk::new(CommentSettings {
            password_guesses: nonzero(2),
            ..CommentSettings::default()
        });
        let now = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let comment = CommentId::generate();
        assert!(desk.admit_password_try(comment, now).is_ok());
        desk.password_matched(comment);
        assert!(desk.admit_password_try(comment, now).is_ok());
        assert!(desk.admit_password_try(comment, now).is_ok());
        assert!(desk.admit_password_try(comment, now).is_err());
    }

    #[test]
    fn a_reader_past_the_rate_is_told_when_to_come_back() {
        let desk = CommentDesk::new(CommentSettings {
            post_rate: RateLimit::per_minute(2, 100),
            ..CommentSettings::default()
        });
        let reader = desk.reader(&origin("203.0.113.7", "iPhone"), None);
        assert!(desk.admit(Activity::Posting, &reader, now()).is_ok());
        assert!(desk.admit(Activity::Posting, &reader, now()).is_ok());
        let Err(AppError::RateLimited { retry_after }) =
            desk.admit(Activity::Posting, &reader, now())
        else {
            panic!("the third post in a minute must be refused");
        };
        assert_eq!(retry_after, 30);
        // Other activities keep their own allowance.
        assert!(desk.admit(Activity::Reacting, &reader, now()).is_ok());
    }

    #[test]
    fn one_address_is_limited_across_its_readers() {
        let desk = CommentDesk::new(CommentSettings {
            post_rate: RateLimit::per_minute(5, 2),
            ..CommentSettings::default()
        });
        assert!(
            desk.admit(
                Activity::Posting,
                &desk.reader(&origin("198.51.100.1", "a"), None),
                now()
            )
            .is_ok()
        );
        assert!(
            desk.admit(
                Activity::Posting,
                &desk.reader(&origin("198.51.100.1", "b"), None),
                now()
            )
            .is_ok()
        );
        assert!(
            desk.admit(
                Activity::Posting,
                &desk.reader(&origin("198.51.100.1", "c"), None),
                now()
            )
            .is_err()
        );
        assert!(
            desk.admit(
                Activity::Posting,
                &desk.reader(&origin("198.51.100.2", "c"), None),
                now()
            )
            .is_ok()
        );
    }

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000).unwrap()
    }

    #[test]
    fn the_wait_named_is_the_longest_of_the_readers_and_the_addresss() {
        // Four readers (accounts) behind one address spend its 12, three each; the fifth
        // request is refused by both, and the answer names the reader's 20 s, not the
        // address's 5 s: waiting that long is enough, and waiting less is not.
        let desk = CommentDesk::new(CommentSettings::default());
        let origin = origin("198.51.100.9", "a");
        let readers: Vec<_> = (0..4)
            .map(|_| desk.reader(&origin, Some(UserId::generate())))
            .collect();
        for reader in &readers {
            for _ in 0..3 {
                assert!(desk.admit(Activity::Posting, reader, now()).is_ok());
            }
        }
        let Err(AppError::RateLimited { retry_after }) =
            desk.admit(Activity::Posting, &readers[0], now())
        else {
            panic!("the thirteenth post from one address in a minute must be refused");
        };
        assert_eq!(retry_after, 20);
        let early = now().plus(Duration::seconds(19));
        assert!(desk.admit(Activity::Posting, &readers[0], early).is_err());
        let on_time = now().plus(Duration::seconds(20));
        assert!(desk.admit(Activity::Posting, &readers[0], on_time).is_ok());
    }
}
