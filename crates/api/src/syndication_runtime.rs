//! What syndication keeps in memory while the server runs: the rate limiters (anonymous clients
//! per address, partners per key), the log of stories served to partners waiting to be written
//! in a batch, and the HTTP client webhooks are delivered with.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dateline_domain::PartnerId;
use dateline_domain::destination::DestinationPolicy;
use dateline_domain::syndication::Delivery;
use governor::clock::{Clock as _, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

/// How syndication behaves; the binary fills it from flags.
#[derive(Debug, Clone)]
pub struct SyndicationSettings {
    /// Requests per minute one address may make to public GETs without an API key. Generous,
    /// so a browser or a newsroom behind one NAT is never refused.
    pub anonymous_rate_per_minute: u32,
    /// How often the webhook worker looks for due deliveries.
    pub webhook_interval: Duration,
    /// How long one webhook attempt may take.
    pub webhook_timeout: Duration,
    /// Which schemes and addresses webhooks may be delivered to (https to public addresses
    /// unless widened).
    pub webhook_destinations: DestinationPolicy,
}

impl SyndicationSettings {
    pub const DEFAULT_ANONYMOUS_RATE_PER_MINUTE: u32 = 1_200;
}

impl Default for SyndicationSettings {
    fn default() -> Self {
        Self {
            anonymous_rate_per_minute: Self::DEFAULT_ANONYMOUS_RATE_PER_MINUTE,
            webhook_interval: Duration::from_secs(2),
            webhook_timeout: Duration::from_secs(10),
            webhook_destinations: DestinationPolicy::default(),
        }
    }
}

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

/// Stories served to partners, kept in memory and written in batches so that serving a feed
/// never waits on an insert.
#[derive(Default)]
pub struct UsageLog {
    pending: Mutex<Vec<Delivery>>,
}

impl UsageLog {
    pub fn record(&self, deliveries: impl IntoIterator<Item = Delivery>) {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(deliveries);
    }

    /// Everything recorded since the last take.
    pub fn take(&self) -> Vec<Delivery> {
        std::mem::take(
            &mut *self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Puts back entries a failed write could not store, so the next flush tries again.
    pub fn restore(&self, deliveries: Vec<Delivery>) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let newer = std::mem::replace(&mut *pending, deliveries);
        pending.extend(newer);
    }
}

/// Everything above, held once in the application state.
pub struct SyndicationRuntime {
    pub settings: SyndicationSettings,
    pub limits: RateLimits,
    pub usage: UsageLog,
    pub http: reqwest::Client,
}

impl SyndicationRuntime {
    pub fn new(settings: SyndicationSettings) -> Self {
        // reqwest's own TLS setup (used only if ours fails) looks for a process-wide provider;
        // installing one twice is refused harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = reqwest::Client::builder()
            .timeout(settings.webhook_timeout)
            .user_agent("Dateline-Webhooks/1")
            // A redirect would re-send the body and its signature to a host nobody checked: a
            // 3xx is a failed attempt like any other non-2xx.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy from the environment would connect somewhere other than the checked
            // address.
            .no_proxy()
            .https_only(!settings.webhook_destinations.allow_http)
            .dns_resolver(Arc::new(CheckedResolver {
                policy: settings.webhook_destinations,
            }));
        let http = match webhook_tls() {
            Ok(tls) => builder.use_preconfigured_tls(tls),
            Err(err) => {
                tracing::error!(error = %err, "no TLS for webhooks: https receivers cannot be reached");
                builder
            }
        }
        .build()
        .unwrap_or_else(|err| {
            tracing::error!(error = %err, "webhook client: falling back to plain settings");
            reqwest::Client::new()
        });
        Self {
            limits: RateLimits::new(settings.anonymous_rate_per_minute),
            usage: UsageLog::default(),
            http,
            settings,
        }
    }
}

/// Resolves webhook hosts and refuses a name if ANY of its addresses is not allowed, then hands
/// the client exactly the addresses it checked: the connection goes where the check looked, so
/// a name cannot be re-pointed (DNS rebinding) between the check and the connect.
struct CheckedResolver {
    policy: DestinationPolicy,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A destination the policy refuses; delivery logs it as "refused" and nothing more.
#[derive(Debug, thiserror::Error)]
#[error("the destination resolves to an address webhooks may not reach")]
pub(crate) struct DestinationRefused;

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // The port is replaced by the URL's own when the client connects.
            let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|err| Box::new(err) as BoxError)?
                .collect();
            if addresses.is_empty()
                || addresses
                    .iter()
                    .any(|address| policy.check_address(address.ip()).is_err())
            {
                return Err(Box::new(DestinationRefused) as BoxError);
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// TLS for webhook receivers: rustls with the ring provider (the one the database driver already
/// uses) and the Mozilla root certificates compiled in, so https receivers work the same on every
/// machine, with or without a system certificate store.
fn webhook_tls() -> Result<rustls::ClientConfig, rustls::Error> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_get_tls_with_the_compiled_in_roots() {
        let tls = webhook_tls().unwrap();
        assert!(tls.crypto_provider().cipher_suites.len() > 1);
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .build();
        assert!(http.is_ok());
    }
}
