//! The background task that flushes counted views every few seconds, and once more when the
//! server shuts down, so that a graceful stop loses nothing and a crash loses at most one
//! interval.

use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::app::App;

/// A running flusher. Stop it with [`ViewFlusher::stop`] after the server has drained its
/// requests.
pub struct ViewFlusher {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl ViewFlusher {
    /// Starts flushing `state`'s views every `every` (which must not be zero).
    pub fn start(state: App, every: Duration) -> Self {
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            // A slow database delays the next flush rather than stacking flushes up.
            ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
            // The first tick is immediate; nothing has been counted yet.
            ticker.tick().await;
            let mut stored = Instant::now();
            loop {
                tokio::select! {
                    _ = ticker.tick() => {
                        if flush(&state, false).await {
                            stored = Instant::now();
                        }
                        crate::telemetry::view_flush_lag(stored.elapsed());
                    }
                    // Asked to stop, or the handle was dropped: flush one last time either way.
                    _ = &mut stopped => break,
                }
            }
            flush(&state, true).await;
        });
        Self { stop, task }
    }

    /// Flushes one last time and waits for it.
    pub async fn stop(self) {
        // The task may already be gone (it only ends when told to); nothing is lost then.
        let _ = self.stop.send(());
        if let Err(err) = self.task.await {
            tracing::error!(error = %err, "the view flusher failed");
        }
    }
}

/// One flush; answers whether the counts were stored.
async fn flush(state: &App, last: bool) -> bool {
    let started = Instant::now();
    match state.flush_views().await {
        Ok(views) => {
            crate::telemetry::view_flush_stored(views, started.elapsed());
            if views > 0 {
                tracing::debug!(views.flushed = views, "flushed views");
            }
            true
        }
        Err(err) => {
            crate::telemetry::view_flush_failed();
            if last {
                tracing::error!(error = %err, "storing the last views before shutdown failed; they are lost");
            } else {
                tracing::warn!(error = %err, "flushing views failed; the counts are kept for the next try");
            }
            false
        }
    }
}
