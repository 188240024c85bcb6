//! The public rate limits, counted in this process with governor: anonymous clients per
//! address, partners per key at their own rate, and unknown API keys per address. On PostgreSQL
//! a request governor admits must also be admitted by the limit every node counts together
//! ([`spend_everywhere`]). Answers carry what the `RateLimit` headers report.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dateline_domain::PartnerId;
use governor::clock::{Clock as _, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

type KeyedLimiter<K> =
    RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;
type DirectLimiter = RateLimiter<NotKeyed, InMemoryState, DefaultClock, StateInformationMiddleware>;

/// A rate-limit decision, with what the `RateLimit` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// The policy's name in the headers.
    pub policy: &'static str,
    /// Requests per window.
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Seconds until a request is allowed again (0 when one is allowed now).
    pub retry_after: u64,
    pub allowed: bool,
}

/// The window the limits are quoted over, in seconds.
pub const WINDOW_SECONDS: u32 = 60;

/// Whose allowance a request spends: an address without a key, or a partner at its rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spender {
    Anonymous(Option<IpAddr>),
    Partner { id: PartnerId, rate: u32 },
}

/// Requests per minute one address may make with API keys no partner holds. Each costs a
/// database lookup; a partner with a working key never comes near this.
pub const UNKNOWN_KEYS_PER_MINUTE: u32 = 20;

/// The limiters: one keyed limiter for anonymous addresses, one limiter per partner at its own
/// rate, and one for unknown API keys per address (with the addresses refused for now, so a
/// refused one costs no lookup).
pub struct RateLimits {
    anonymous: KeyedLimiter<Option<IpAddr>>,
    anonymous_rate: u32,
    partners: Mutex<HashMap<(PartnerId, u32), Arc<DirectLimiter>>>,
    unknown_keys: KeyedLimiter<Option<IpAddr>>,
    /// Until when an address that spent its unknown-key allowance is refused; entries expire
    /// on their own, so the map stays small.
    refused_keys: moka::sync::Cache<Option<IpAddr>, std::time::Instant>,
}

fn per_minute(rate: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(rate.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl RateLimits {
    pub fn new(anonymous_rate: u32) -> Self {
        Self {
            anonymous: RateLimiter::keyed(per_minute(anonymous_rate))
                .with_middleware::<StateInformationMiddleware>(),
            anonymous_rate,
            partners: Mutex::new(HashMap::new()),
            unknown_keys: RateLimiter::keyed(per_minute(UNKNOWN_KEYS_PER_MINUTE))
                .with_middleware::<StateInformationMiddleware>(),
            refused_keys: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(u64::from(WINDOW_SECONDS)))
                .build(),
        }
    }

    /// One request from an address without a key. Requests whose address is unknown share one
    /// allowance.
    pub fn check_anonymous(&self, client: Option<IpAddr>) -> Allowance {
        self.spend(Spender::Anonymous(client), 1)
    }

    /// One request from a partner, at the partner's own rate.
    pub fn check_partner(&self, partner: PartnerId, rate: u32) -> Allowance {
        self.spend(Spender::Partner { id: partner, rate }, 1)
    }

    /// Spends `units` of a spender's allowance at once (a heavy GraphQL query spends several).
    /// More units than the whole allowance holds is refused for a full window.
    pub fn spend(&self, spender: Spender, units: u32) -> Allowance {
        let units = NonZeroU32::new(units).unwrap_or(NonZeroU32::MIN);
        match spender {
            Spender::Anonymous(client) => {
                let decision = self.anonymous.check_key_n(&client, units);
                if self.anonymous.len() > 100_000 {
                    self.anonymous.retain_recent();
                }
                allowance_n("anonymous", self.anonymous_rate, decision)
            }
            Spender::Partner { id, rate } => allowance_n(
                "partner",
                rate,
                self.partner_limiter(id, rate).check_n(units),
            ),
        }
    }

    /// Whether an address is refused keys for now, and for how many more seconds; answered
    /// before the key is looked up.
    pub fn unknown_keys_refused(&self, client: Option<IpAddr>) -> Option<u64> {
        let until = self.refused_keys.get(&client)?;
        let left = until.checked_duration_since(std::time::Instant::now())?;
        Some(left.as_secs().saturating_add(1))
    }

    /// Counts a key no partner holds against its address; past the allowance the address is
    /// refused keys until it refills.
    pub fn note_unknown_key(&self, client: Option<IpAddr>) {
        if let Err(not_until) = self.unknown_keys.check_key(&client) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            self.refused_keys
                .insert(client, std::time::Instant::now() + wait);
        }
        if self.unknown_keys.len() > 100_000 {
            self.unknown_keys.retain_recent();
        }
    }

    fn partner_limiter(&self, partner: PartnerId, rate: u32) -> Arc<DirectLimiter> {
        let mut partners = self
            .partners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        partners
            .entry((partner, rate))
            .or_insert_with(|| {
                Arc::new(
                    RateLimiter::direct(per_minute(rate))
                        .with_middleware::<StateInformationMiddleware>(),
                )
            })
            .clone()
    }
}

impl Spender {
    /// The same allowance as every node counts it.
    fn shared_limit(self, anonymous_rate: u32) -> dateline_app::Limit {
        match self {
            Spender::Anonymous(client) => dateline_app::Limit::anonymous(client, anonymous_rate),
            Spender::Partner { id, rate } => dateline_app::Limit::partner(id, rate),
        }
    }
}

/// Spends `units` of a spender's allowance on this node and then, if this node admits them, of
/// the allowance every node counts together; the stricter answer wins. A database that does not
/// answer leaves this node's decision standing, so reads served from the cache keep flowing.
pub(crate) async fn spend_everywhere(
    app: &dateline_app::App,
    limits: &RateLimits,
    spender: Spender,
    units: u32,
) -> Allowance {
    let local = limits.spend(spender, units);
    if !local.allowed || !app.limits_are_shared() {
        return local;
    }
    match app
        .admit_shared(&spender.shared_limit(limits.anonymous_rate), units)
        .await
    {
        Ok(shared) if shared.allowed => Allowance {
            remaining: local.remaining.min(shared.remaining),
            ..local
        },
        Ok(shared) => Allowance {
            remaining: 0,
            retry_after: shared.retry_after,
            allowed: false,
            ..local
        },
        Err(err) => {
            tracing::warn!(error = %err, "the shared rate limit could not be checked");
            local
        }
    }
}

/// A decision on several units: asking for more than the allowance holds is refused for a
/// whole window.
fn allowance_n(
    policy: &'static str,
    limit: u32,
    decision: Result<
        Result<
            governor::middleware::StateSnapshot,
            governor::NotUntil<governor::clock::QuantaInstant>,
        >,
        governor::InsufficientCapacity,
    >,
) -> Allowance {
    match decision {
        Ok(decision) => allowance(policy, limit, decision),
        Err(_) => Allowance {
            policy,
            limit,
            remaining: 0,
            retry_after: u64::from(WINDOW_SECONDS),
            allowed: false,
        },
    }
}

fn allowance(
    policy: &'static str,
    limit: u32,
    decision: Result<
        governor::middleware::StateSnapshot,
        governor::NotUntil<governor::clock::QuantaInstant>,
    >,
) -> Allowance {
    match decision {
        Ok(snapshot) => Allowance {
            policy,
            limit,
            remaining: snapshot.remaining_burst_capacity(),
            retry_after: 0,
            allowed: true,
        },
        Err(not_until) => Allowance {
            policy,
            limit,
            remaining: 0,
            // Rounded up: a client waiting this long is let in.
            retry_after: not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .saturating_add(1),
            allowed: false,
        },
    }
}
