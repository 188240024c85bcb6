//! What syndication keeps in memory while the server runs: the rate limiters (anonymous clients
//! per address, partners per key), the log of stories served to partners waiting to be written
//! in a batch, and the HTTP client webhooks are delivered with.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dateline_domain::destination::DestinationPolicy;
use dateline_domain::syndication::Delivery;

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
