//! Webhooks: admins register endpoints and the events they want; every event is queued for each
//! subscribed endpoint in the same transaction as the story write (an outbox), and a worker
//! delivers due entries, signed, retrying with exponential backoff and jitter until the receiver
//! answers 2xx or the attempts run out. The outbox lives in the database, so deliveries survive
//! a restart.

use std::collections::HashMap;
use std::time::Duration;

use dateline_domain::syndication::{
    MAX_DELIVERY_ATTEMPTS, retry_delay, validate_webhook, webhook_events, webhook_secret,
    webhook_url,
};
use dateline_domain::{Timestamp, Webhook, WebhookId};
use dateline_storage::{AttemptOutcome, WebhookDelivery};
use hmac::{Hmac, KeyInit as _, Mac as _};
use rand::Rng as _;
use sha2::Sha256;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::app::App;
use crate::auth::Principal;
use crate::desks::syndication::DestinationRefused;
use crate::error::AppError;

/// The header a delivery's signature travels in.
pub const SIGNATURE_HEADER: &str = "x-dateline-signature";

/// How many due deliveries one pass attempts.
const BATCH: u64 = 50;
/// How long a worker holds the deliveries it claimed: longer than a batch of attempts can take
/// (50 one after another, each bounded by the 10-second client timeout). Past it, another node
/// may try them again.
const CLAIM_LEASE: chrono::Duration = chrono::Duration::minutes(15);

/// A registration as an admin sends it.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
}

pub async fn create_webhook(
    state: &App,
    principal: &Principal,
    input: NewWebhook,
) -> Result<Webhook, AppError> {
    principal.require_admin("manage webhooks")?;
    let policy = state.settings().syndication.webhook_destinations;
    let (url, events) = validate_webhook(&input.url, &input.events, &input.secret, policy)
        .map_err(AppError::Invalid)?;
    let hook = Webhook {
        id: WebhookId::generate(),
        url,
        events,
        secret: input.secret,
        created_at: state.now(),
    };
    state.db().webhooks().insert(&hook).await?;
    tracing::info!(webhook.id = %hook.id, "webhook registered");
    Ok(hook)
}

pub async fn list_webhooks(state: &App, principal: &Principal) -> Result<Vec<Webhook>, AppError> {
    principal.require_admin("manage webhooks")?;
    Ok(state.db().webhooks().all().await?)
}

/// A change to a registration; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct WebhookChange {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// A new signing secret (rotation): every delivery from now on, pending ones included, is
    /// signed with it.
    pub secret: Option<String>,
}

/// One registered endpoint.
pub async fn find_webhook(
    state: &App,
    principal: &Principal,
    id: &str,
) -> Result<Webhook, AppError> {
    principal.require_admin("manage webhooks")?;
    load(state, id).await
}

/// Changes an endpoint's URL, events or secret, each checked as at registration.
pub async fn update_webhook(
    state: &App,
    principal: &Principal,
    id: &str,
    change: WebhookChange,
) -> Result<Webhook, AppError> {
    principal.require_admin("manage webhooks")?;
    let mut hook = load(state, id).await?;
    if let Some(url) = change.url {
        let policy = state.settings().syndication.webhook_destinations;
        hook.url = webhook_url(&url, policy).map_err(AppError::Invalid)?;
    }
    if let Some(events) = change.events {
        hook.events = webhook_events(&events).map_err(AppError::Invalid)?;
    }
    if let Some(secret) = change.secret {
        webhook_secret(&secret).map_err(AppError::Invalid)?;
        hook.secret = secret;
    }
    state.db().webhooks().update(&hook).await?;
    tracing::info!(webhook.id = %hook.id, "webhook changed");
    Ok(hook)
}

/// Removes an endpoint with its deliveries, sent or pending.
pub async fn delete_webhook(state: &App, principal: &Principal, id: &str) -> Result<(), AppError> {
    principal.require_admin("manage webhooks")?;
    let hook = load(state, id).await?;
    state.db().webhooks().delete(hook.id).await?;
    tracing::info!(webhook.id = %hook.id, "webhook removed");
    Ok(())
}

async fn load(state: &App, id: &str) -> Result<Webhook, AppError> {
    let missing = || AppError::not_found(format!("no webhook {id:?}"));
    let id = WebhookId::parse(id).map_err(|_| missing())?;
    state.db().webhooks().find(id).await?.ok_or_else(missing)
}

/// An endpoint's latest deliveries, newest first, with their status.
pub async fn list_deliveries(
    state: &App,
    principal: &Principal,
    id: &str,
) -> Result<Vec<WebhookDelivery>, AppError> {
    principal.require_admin("manage webhooks")?;
    let hook = load(state, id).await?;
    Ok(state.db().webhooks().deliveries(hook.id, 100).await?)
}

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub fn signature(secret: &str, at: Timestamp, body: &str) -> String {
    let t = at.unix_seconds();
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(format!("{t}.{body}").as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex = hex::encode(digest);
    format!("t={t},v1={hex}")
}

/// Attempts every delivery due now; answers how many attempts were made.
pub async fn deliver_due(state: &App) -> Result<usize, AppError> {
    let now = state.now();
    let repo = state.db().webhooks();
    let due = repo.claim_due(now, BATCH, CLAIM_LEASE).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let hooks: HashMap<WebhookId, Webhook> = repo
        .all()
        .await?
        .into_iter()
        .map(|hook| (hook.id, hook))
        .collect();
    let mut attempts = 0;
    for delivery in due {
        let Some(hook) = hooks.get(&delivery.webhook) else {
            continue;
        };
        attempt(state, hook, &delivery).await?;
        attempts += 1;
    }
    Ok(attempts)
}

async fn attempt(state: &App, hook: &Webhook, delivery: &WebhookDelivery) -> Result<(), AppError> {
    let now = state.now();
    // Judged again at every attempt: the settings may have narrowed since registration, and an
    // address in the URL never reaches the resolver, which judges names.
    let allowed = state
        .settings()
        .syndication
        .webhook_destinations
        .check_url(&hook.url)
        .is_ok();
    let sent = if allowed {
        send(state, hook, delivery, now).await
    } else {
        Err(Failure::Refused)
    };
    let status = sent.as_ref().ok().copied();
    let delivered = status.is_some_and(|code| (200..300).contains(&code));
    let tries = delivery.attempts + 1;
    let outcome = if delivered {
        AttemptOutcome::Delivered
    } else if tries >= MAX_DELIVERY_ATTEMPTS {
        AttemptOutcome::GaveUp
    } else {
        let jitter: f64 = rand::rng().random();
        AttemptOutcome::Retry(now.plus(retry_delay(tries, jitter)))
    };
    tracing::debug!(
        webhook.id = %hook.id,
        delivery.id = delivery.id,
        delivery.attempt = tries,
        http.status = status,
        delivered,
        "webhook attempt"
    );
    // The log an admin reads says only "refused" or the status: why a socket failed (refused,
    // reset, timed out) would tell an open port from a closed one, making webhooks a scanner.
    let error = match (&sent, delivered) {
        (Err(_), _) => Some("refused".to_owned()),
        (Ok(code), false) => Some(format!("the receiver answered {code}")),
        (Ok(_), true) => None,
    };
    state
        .db()
        .webhooks()
        .record_attempt(delivery, now, status, error.as_deref(), &outcome)
        .await?;
    crate::telemetry::webhook_attempt(match outcome {
        AttemptOutcome::Delivered => "delivered",
        AttemptOutcome::Retry(_) => "retry",
        AttemptOutcome::GaveUp => "gave_up",
    });
    Ok(())
}

/// Why an attempt got no HTTP status.
enum Failure {
    /// The destination policy refused the URL or what its name resolved to.
    Refused,
    /// No answer: the connection, TLS or the wait failed.
    NoAnswer,
}

/// POSTs one delivery; answers the receiver's status. Redirects are not followed (the client
/// is built so), so a 3xx comes back as a status and counts as a failure.
async fn send(
    state: &App,
    hook: &Webhook,
    delivery: &WebhookDelivery,
    now: Timestamp,
) -> Result<u16, Failure> {
    let sent = state
        .syndication()
        .http
        .post(hook.url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            SIGNATURE_HEADER,
            signature(&hook.secret, now, &delivery.payload),
        )
        .header("x-dateline-event", delivery.kind.as_str())
        .header("x-dateline-delivery", delivery.id.to_string())
        .body(delivery.payload.clone())
        .send()
        .await;
    match sent {
        Ok(response) => Ok(response.status().as_u16()),
        Err(err) => {
            let refused = std::error::Error::source(&err).is_some_and(|mut cause| {
                loop {
                    if cause.is::<DestinationRefused>() {
                        break true;
                    }
                    match cause.source() {
                        Some(next) => cause = next,
                        None => break false,
                    }
                }
            });
            // The cause stays in the server's log, for the operator, not the admin API.
            tracing::debug!(webhook.id = %hook.id, error = %err, refused, "webhook not answered");
            Err(if refused {
                Failure::Refused
            } else {
                Failure::NoAnswer
            })
        }
    }
}

/// The background task of the serve path: every few seconds it writes the partner log and
/// delivers due webhooks; on shutdown it writes the log once more.
pub struct SyndicationWorker {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl SyndicationWorker {
    pub fn start(state: App, every: Duration) -> Self {
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticker.tick() => run_once(&state).await,
                    _ = &mut stopped => break,
                }
            }
            if let Err(err) = crate::service::audience::flush_usage(&state).await {
                tracing::error!(error = %err, "writing the partner log before shutdown failed");
            }
        });
        Self { stop, task }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(err) = self.task.await {
            tracing::error!(error = %err, "the syndication worker failed");
        }
    }
}

async fn run_once(state: &App) {
    if let Err(err) = crate::service::audience::flush_usage(state).await {
        tracing::warn!(error = %err, "writing the partner log failed; kept for the next try");
    }
    if let Err(err) = deliver_due(state).await {
        tracing::warn!(error = %err, "delivering webhooks failed; they stay due");
    }
    match state.db().webhooks().pending_count().await {
        Ok(pending) => crate::telemetry::webhook_outbox_depth(pending),
        Err(err) => tracing::debug!(error = %err, "counting the webhook outbox failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_time_and_the_body() {
        let at = Timestamp::from_unix_seconds(1_700_000_000).unwrap_or_else(|| unreachable!());
        let signed = signature("secret", at, "{}");
        assert!(signed.starts_with("t=1700000000,v1="));
        assert_eq!(signed.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(signed, signature("secret", at, "{ }"));
        assert_ne!(signed, signature("other", at, "{}"));
    }
}
