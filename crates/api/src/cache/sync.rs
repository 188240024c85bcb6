//! Keeping the cache true: every committed change drops the responses holding what it names —
//! here from the in-process change bus, on the other nodes through PostgreSQL LISTEN/NOTIFY.
//!
//! A notice is `<node> <key> <key> …`, or `<node> *` for "drop everything"; a node skips its own.

use std::sync::Arc;
use std::time::Duration;

use dateline_app::App;
use dateline_storage::{Database, Heard};
use tokio::sync::broadcast::error::RecvError;

use crate::cache::{ResponseCache, stale_keys};

/// PostgreSQL refuses notices longer than 8000 bytes; a change naming more keys clears all.
const MAX_NOTICE: usize = 7_900;
/// How long to wait before listening again after the connection failed.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// Starts the tasks that keep `cache` true. They end when the state's change bus closes.
pub(crate) fn start(state: &App, cache: &Arc<ResponseCache>) {
    let mut changes = state.subscribe_changes();
    let db = state.db().clone();
    let local = Arc::clone(cache);
    tokio::spawn(async move {
        loop {
            let notice = match changes.recv().await {
                Ok(change) => {
                    let keys = stale_keys(&change);
                    local.forget_lift().await;
                    local.invalidate(keys.iter().map(String::as_str)).await;
                    notice(&local.node, &keys)
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "the cache fell behind the change bus; dropping it all"
                    );
                    local.clear().await;
                    format!("{} *", local.node)
                }
                Err(RecvError::Closed) => break,
            };
            // Applied here before the other nodes are told: what this node serves is true now.
            local.count_change(changes.is_empty());
            if let Err(err) = db.notify_change(&notice).await {
                tracing::warn!(error = %err, "could not tell the other nodes about a change");
            }
        }
    });
    let remote = Arc::clone(cache);
    let db = state.db().clone();
    tokio::spawn(async move { listen(&db, &remote).await });
}

fn notice(node: &str, keys: &[String]) -> String {
    let notice = format!("{node} {}", keys.join(" "));
    if notice.len() > MAX_NOTICE {
        format!("{node} *")
    } else {
        notice
    }
}

/// Follows the other nodes' notices for as long as the process runs (PostgreSQL only).
async fn listen(db: &Database, cache: &ResponseCache) {
    let mut first = true;
    loop {
        let mut listener = match db.listen_changes().await {
            Ok(Some(listener)) => {
                cache.mark_listening();
                listener
            }
            Ok(None) => {
                // Nothing to hear: a single-node engine has no other nodes.
                cache.mark_listening();
                return;
            }
            Err(err) => {
                tracing::warn!(error = %err, "could not listen for other nodes' changes");
                tokio::time::sleep(RELISTEN_AFTER).await;
                continue;
            }
        };
        // Notices sent while the connection was down were not heard.
        if !first {
            cache.clear().await;
        }
        first = false;
        loop {
            match listener.recv().await {
                Ok(Heard::Notice(notice)) => {
                    apply(cache, &notice).await;
                    cache.count_notice();
                }
                // Lost: listen afresh, and clear once the channel is back (above). Clearing now
                // would throw away, while the database is down, the very answers stale-if-error
                // serves until it returns.
                Ok(Heard::Reconnected) => {
                    tracing::warn!("lost the change channel; listening again");
                    break;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "lost the change channel");
                    break;
                }
            }
        }
    }
}

async fn apply(cache: &ResponseCache, notice: &str) {
    let mut words = notice.split(' ');
    if words.next() == Some(cache.node.as_str()) {
        return;
    }
    let keys: Vec<&str> = words.filter(|key| !key.is_empty()).collect();
    if keys.contains(&"*") {
        cache.clear().await;
    } else {
        cache.forget_lift().await;
        cache.invalidate(keys).await;
    }
}
