//! The newsroom side's settings (signing keys, token lifetimes, the upload limit) and the login
//! throttle, held in the application state, with the same throttle's limits shared by every
//! node.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::Duration;
use dateline_domain::Timestamp;
use dateline_domain::throttle::{FailurePolicy, Failures};
use sha2::{Digest as _, Sha256};

use dateline_storage::Database;

use crate::desks::shared_limits::{SharedLimits, seconds_until};
use crate::error::AppError;

use crate::keys::SigningKeys;

/// How the newsroom side runs.
#[derive(Debug, Clone)]
pub struct NewsroomSettings {
    pub keys: SigningKeys,
    /// How long an access token lives.
    pub access_ttl: Duration,
    /// How long a refresh token lives unused.
    pub refresh_ttl: Duration,
    /// How long a preview link works.
    pub preview_ttl: Duration,
    /// The largest image upload, in bytes.
    pub max_upload_bytes: usize,
}

impl Default for NewsroomSettings {
    /// Random keys (tokens die with the process) and the usual lifetimes.
    fn default() -> Self {
        Self {
            keys: SigningKeys::random(),
            access_ttl: Duration::minutes(15),
            refresh_ttl: Duration::days(30),
            preview_ttl: Duration::hours(1),
            max_upload_bytes: 20 * 1024 * 1024,
        }
    }
}

/// Failed sign-ins allowed per account before it is locked for a while.
const PER_ACCOUNT: FailurePolicy = FailurePolicy {
    max_failures: 5,
    window: Duration::minutes(15),
    lockout: Duration::minutes(15),
};

/// Failed sign-ins allowed per client address: more, since a newsroom may share one address.
const PER_ADDRESS: FailurePolicy = FailurePolicy {
    max_failures: 20,
    window: Duration::minutes(15),
    lockout: Duration::minutes(15),
};

/// Entries kept before stale ones are swept, so a flood of addresses cannot grow memory forever.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ThrottleKey {
    Account(String),
    /// The client's network as `ReaderOrigin::network` gives it, so that a trusted proxy's
    /// clients are counted apart and an IPv6 client cannot step around its lock in its /64.
    Address(IpAddr),
}

impl ThrottleKey {
    fn policy(&self) -> FailurePolicy {
        match self {
            ThrottleKey::Account(_) => PER_ACCOUNT,
            ThrottleKey::Address(_) => PER_ADDRESS,
        }
    }
}

/// The keys every node stores one sign-in's failures under, with their policies: the
/// account's (by a hash of its e-mail, so the shared table names nobody) and the address's.
fn shared_keys(email: &str, address: Option<IpAddr>) -> Vec<(String, FailurePolicy)> {
    keys(email, address)
        .into_iter()
        .map(|key| {
            let name = match &key {
                ThrottleKey::Account(email) => {
                    format!("sign-in:account:{}", hex::encode(Sha256::digest(email)))
                }
                ThrottleKey::Address(address) => format!("sign-in:address:{address}"),
            };
            (name, key.policy())
        })
        .collect()
}

/// Counts failed sign-ins per account and per address, in this process; on PostgreSQL every
/// node's failures are counted together as well, by the same rules (`*_everywhere`).
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<ThrottleKey, Failures>>,
}

fn keys(email: &str, address: Option<IpAddr>) -> Vec<ThrottleKey> {
    let mut keys = vec![ThrottleKey::Account(email.trim().to_lowercase())];
    keys.extend(address.map(ThrottleKey::Address));
    keys
}

impl LoginThrottle {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ThrottleKey, Failures>> {
        // A panic while holding the lock leaves whole entries behind; keep using them.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Seconds until the account or address may try again, if either is locked.
    pub fn retry_after(&self, email: &str, address: Option<IpAddr>, now: Timestamp) -> Option<u64> {
        let failures = self.lock();
        keys(email, address)
            .iter()
            .filter_map(|key| failures.get(key)?.locked_until(now))
            .max()
            .map(|until| seconds_until(until, now))
    }

    pub fn record_failure(&self, email: &str, address: Option<IpAddr>, now: Timestamp) {
        let mut failures = self.lock();
        if failures.len() >= SWEEP_AT {
            failures.retain(|key, entry| !entry.is_stale(key.policy(), now));
        }
        for key in keys(email, address) {
            let policy = key.policy();
            failures
                .entry(key)
                .or_insert_with(|| Failures::new(now))
                .record(policy, now);
        }
    }

    /// [`Self::retry_after`] as every node's failures together say it (none on SQLite).
    pub(crate) async fn retry_after_everywhere(
        &self,
        shared: &SharedLimits,
        db: &Database,
        email: &str,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<Option<u64>, AppError> {
        let keys: Vec<String> = shared_keys(email, address)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        let until = shared.failures_locked_until(db, &keys, now).await?;
        Ok(until.map(|until| seconds_until(until, now)))
    }

    /// [`Self::record_failure`] on the failures every node counts together.
    pub(crate) async fn record_failure_everywhere(
        &self,
        shared: &SharedLimits,
        db: &Database,
        email: &str,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<(), AppError> {
        shared
            .record_failures(db, &shared_keys(email, address), now)
            .await
    }

    /// [`Self::record_success`] on the failures every node counts together.
    pub(crate) async fn record_success_everywhere(
        &self,
        shared: &SharedLimits,
        db: &Database,
        email: &str,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let account: Vec<String> = shared_keys(email, None)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        shared.forget_states(db, &account, now).await
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn record_success(&self, email: &str) {
        self.lock()
            .remove(&ThrottleKey::Account(email.trim().to_lowercase()));
    }
}
