//! What the use cases and workers measure, named once: search and ranking latency, view
//! flushes, webhook deliveries and the outbox, database statements. Recorded through the
//! `metrics` facade, which costs nothing until a transport installs an exporter (the API's
//! `/metrics`); this crate stays free of any. Labels take a few fixed values only.

use std::time::{Duration, Instant};

/// Seconds a search took, from parsing the query to the page with its snippets.
pub const SEARCH_SECONDS: &str = "dateline_search_duration_seconds";
/// Seconds a most-viewed answer took (summing the buckets on a cache miss, trimming always).
pub const RANKING_SECONDS: &str = "dateline_ranking_duration_seconds";
/// Seconds one view flush took to write its batch.
pub const VIEW_FLUSH_SECONDS: &str = "dateline_view_flush_duration_seconds";
/// Views one flush stored.
pub const VIEW_FLUSH_BATCH: &str = "dateline_view_flush_batch_views";
/// Seconds since views were last stored: grows past the flush interval when flushes fail.
pub const VIEW_FLUSH_LAG: &str = "dateline_view_flush_lag_seconds";
/// Flushes that failed (the counts are kept for the next).
pub const VIEW_FLUSH_FAILURES: &str = "dateline_view_flush_failures_total";
/// Webhook delivery attempts, by `outcome` (`delivered`, `retry`, `gave_up`).
pub const WEBHOOK_ATTEMPTS: &str = "dateline_webhook_attempts_total";
/// Deliveries still pending in the outbox, counted at each worker tick.
pub const WEBHOOK_OUTBOX_DEPTH: &str = "dateline_webhook_outbox_depth";
/// Seconds a database statement took, by `outcome` (`ok`, `error`).
pub const DB_STATEMENT_SECONDS: &str = "dateline_db_statement_duration_seconds";
/// Connections of a pool (`pool`: `read`, `write`; `state`: `idle`, `in_use`).
pub const DB_POOL_CONNECTIONS: &str = "dateline_db_pool_connections";
/// The most connections a pool opens (`pool`).
pub const DB_POOL_MAX: &str = "dateline_db_pool_max_connections";

/// Says what each of the metrics above means, for the exporter's `# HELP` lines.
pub fn describe() {
    metrics::describe_histogram!(
        SEARCH_SECONDS,
        metrics::Unit::Seconds,
        "search, from the query to the page"
    );
    metrics::describe_histogram!(
        RANKING_SECONDS,
        metrics::Unit::Seconds,
        "most-viewed rankings, cached or summed"
    );
    metrics::describe_histogram!(VIEW_FLUSH_SECONDS, metrics::Unit::Seconds, "one view flush");
    metrics::describe_histogram!(
        VIEW_FLUSH_BATCH,
        metrics::Unit::Count,
        "views one flush stored"
    );
    metrics::describe_gauge!(
        VIEW_FLUSH_LAG,
        metrics::Unit::Seconds,
        "time since counted views were last stored"
    );
    metrics::describe_counter!(VIEW_FLUSH_FAILURES, "view flushes that failed");
    metrics::describe_counter!(WEBHOOK_ATTEMPTS, "webhook delivery attempts by outcome");
    metrics::describe_gauge!(
        WEBHOOK_OUTBOX_DEPTH,
        "webhook deliveries pending in the outbox"
    );
    metrics::describe_histogram!(
        DB_STATEMENT_SECONDS,
        metrics::Unit::Seconds,
        "database statements by outcome"
    );
    metrics::describe_gauge!(DB_POOL_CONNECTIONS, "pooled database connections by state");
    metrics::describe_gauge!(DB_POOL_MAX, "the most connections a pool opens");
}

/// Records the time from its making to its drop in a histogram, on every way out of a use case
/// (errors included).
pub(crate) struct Timer {
    name: &'static str,
    started: Instant,
}

impl Timer {
    pub(crate) fn start(name: &'static str) -> Self {
        Self {
            name,
            started: Instant::now(),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        metrics::histogram!(self.name).record(self.started.elapsed());
    }
}

/// One view flush that stored `views` in `took`.
pub(crate) fn view_flush_stored(views: u64, took: Duration) {
    metrics::histogram!(VIEW_FLUSH_SECONDS).record(took);
    metrics::histogram!(VIEW_FLUSH_BATCH).record(views as f64);
}

/// The time since views were last stored, at a flush attempt.
pub(crate) fn view_flush_lag(since_stored: Duration) {
    metrics::gauge!(VIEW_FLUSH_LAG).set(since_stored);
}

pub(crate) fn view_flush_failed() {
    metrics::counter!(VIEW_FLUSH_FAILURES).increment(1);
}

/// One webhook attempt's outcome: `delivered`, `retry` or `gave_up`.
pub(crate) fn webhook_attempt(outcome: &'static str) {
    metrics::counter!(WEBHOOK_ATTEMPTS, "outcome" => outcome).increment(1);
}

pub(crate) fn webhook_outbox_depth(pending: u64) {
    metrics::gauge!(WEBHOOK_OUTBOX_DEPTH).set(pending as f64);
}

/// One database statement (the storage crate's statement observer).
pub(crate) fn db_statement(took: Duration, failed: bool) {
    let outcome = if failed { "error" } else { "ok" };
    metrics::histogram!(DB_STATEMENT_SECONDS, "outcome" => outcome).record(took);
}

/// Sets the pool gauges from the pools' state now (called when metrics are read).
pub fn db_pools(app: &crate::App) {
    for pool in app.db().pool_stats() {
        let in_use = pool.size.saturating_sub(pool.idle);
        metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => pool.name, "state" => "idle")
            .set(f64::from(pool.idle));
        metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => pool.name, "state" => "in_use")
            .set(f64::from(in_use));
        metrics::gauge!(DB_POOL_MAX, "pool" => pool.name).set(f64::from(pool.max));
    }
}
