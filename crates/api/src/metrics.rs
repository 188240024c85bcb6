//! Prometheus metrics: the exporter (one per process), what only HTTP measures (requests by
//! route template and status, the response cache), and `/metrics` with its access rule.
//!
//! On the main listener `/metrics` takes the bearer token `--metrics-token` names; without
//! one it answers loopback clients only (the client as the trusted-proxy rule sees it, so a
//! proxy on the same host does not make the world loopback). On the separate
//! `--metrics-listen` address, whose reach the operator chose, only the token is asked for.

use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dateline_app::AppError;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::{ExposeSecret as _, SecretString};
use sha2::{Digest as _, Sha256};

use crate::http_state::HttpState;
use crate::problem::ApiError;
use crate::rest::extract::reader_origin;

/// Requests answered, by `method`, `route` (template) and `status`.
pub const HTTP_REQUESTS: &str = "dateline_http_requests_total";
/// Seconds from a request's arrival to its answer's headers, by `method` and `route`.
pub const HTTP_SECONDS: &str = "dateline_http_request_duration_seconds";
/// Public reads looked up in the response cache, by `result` (`hit`, `miss`, `stale`).
pub const CACHE_LOOKUPS: &str = "dateline_cache_lookups_total";
/// Entries leaving the response cache, by `cause` (`size`, `expired`, `invalidated`).
pub const CACHE_EVICTIONS: &str = "dateline_cache_evictions_total";
/// Bytes the response cache holds (its weigher's measure).
pub const CACHE_BYTES: &str = "dateline_cache_bytes";
/// Responses the response cache holds.
pub const CACHE_ENTRIES: &str = "dateline_cache_entries";
/// Seconds from a scheduled story's publication moment to the first public answer rendered
/// after it (the cache's scheduled lift).
pub const SCHEDULED_LAG: &str = "dateline_scheduled_publication_lag_seconds";

/// Latency buckets, in seconds: a cached read is well under a millisecond, a database outage
/// waits out the pool's acquire timeout.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Views per flush.
const BATCH_BUCKETS: [f64; 10] = [
    1.0, 10.0, 50.0, 100.0, 500.0, 1_000.0, 5_000.0, 10_000.0, 50_000.0, 100_000.0,
];

/// The process's exporter, installed as the global recorder the first time it is asked for
/// (a process has one recorder; every router built in it, tests' included, shares it).
pub(crate) fn exporter() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&LATENCY_BUCKETS)
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Full(dateline_app::telemetry::VIEW_FLUSH_BATCH.to_owned()),
                        &BATCH_BUCKETS,
                    )
                })
                .map(PrometheusBuilder::build_recorder)
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            // Another recorder already installed (an embedding program's): this one then
            // renders nothing, which is all that can be done without two globals.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
            }
            describe();
            dateline_app::telemetry::describe();
            handle
        })
        .clone()
}

fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS,
        "requests by method, route template and status"
    );
    metrics::describe_histogram!(
        HTTP_SECONDS,
        metrics::Unit::Seconds,
        "request latency by method and route template"
    );
    metrics::describe_counter!(CACHE_LOOKUPS, "response cache lookups by result");
    metrics::describe_counter!(CACHE_EVICTIONS, "response cache removals by cause");
    metrics::describe_gauge!(
        CACHE_BYTES,
        metrics::Unit::Bytes,
        "bytes the response cache holds"
    );
    metrics::describe_gauge!(CACHE_ENTRIES, "responses the response cache holds");
    metrics::describe_gauge!(
        crate::live_connections::LIVE_CONNECTIONS,
        "open WebSocket subscriptions and event streams, by transport"
    );
    metrics::describe_histogram!(
        SCHEDULED_LAG,
        metrics::Unit::Seconds,
        "from a scheduled publication to the first answer rendered after it"
    );
}

/// One request answered.
pub(crate) fn record_request(method: &str, route: &str, status: u16, took: Duration) {
    let method = known_method(method);
    metrics::counter!(
        HTTP_REQUESTS,
        "method" => method,
        "route" => route.to_owned(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!(HTTP_SECONDS, "method" => method, "route" => route.to_owned()).record(took);
}

/// The method as a label: the standard ones, anything else as `other` (a client may send any
/// token as a method).
fn known_method(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// One public read looked up in the cache: `hit`, `miss` or `stale`.
pub(crate) fn cache_lookup(result: &'static str) {
    metrics::counter!(CACHE_LOOKUPS, "result" => result).increment(1);
}

/// One entry leaving the cache: `size`, `expired` or `invalidated`.
pub(crate) fn cache_eviction(cause: &'static str) {
    metrics::counter!(CACHE_EVICTIONS, "cause" => cause).increment(1);
}

/// The cache lift passed `late` ago when the next answer was rendered.
pub(crate) fn scheduled_lag(late: Duration) {
    metrics::histogram!(SCHEDULED_LAG).record(late);
}

/// Who may read `/metrics` on a listener.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// The main listener: the token, or a loopback client when there is none.
    Main,
    /// The metrics listener: the token when there is one, anyone otherwise.
    Separate,
}

/// `/metrics` on the main listener.
pub(crate) async fn metrics_main(State(http): State<HttpState>, parts: Parts) -> Response {
    answer(&http, &parts, Reach::Main).await
}

async fn metrics_separate(State(http): State<HttpState>, parts: Parts) -> Response {
    answer(&http, &parts, Reach::Separate).await
}

/// The router for `--metrics-listen`: `/metrics` and nothing else.
pub fn metrics_router(state: HttpState) -> Router {
    exporter();
    Router::new()
        .route("/metrics", get(metrics_separate))
        .fallback(|| async { ApiError::NoRoute })
        .with_state(state)
}

async fn answer(http: &HttpState, parts: &Parts, reach: Reach) -> Response {
    if let Err(refused) = admit(http, parts, reach) {
        return refused.into_response();
    }
    // Gauges of state, read now rather than kept up to date on every change.
    dateline_app::telemetry::db_pools(http.app());
    let cache = http.response_cache();
    let (entries, bytes) = cache.size().await;
    metrics::gauge!(CACHE_ENTRIES).set(entries as f64);
    metrics::gauge!(CACHE_BYTES).set(bytes as f64);
    let exporter = exporter();
    exporter.run_upkeep();
    let mut response = (StatusCode::OK, exporter.render()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    // Never kept by the response cache, a browser or a proxy: every scrape reads now.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Whether this request may read the metrics.
fn admit(http: &HttpState, parts: &Parts, reach: Reach) -> Result<(), ApiError> {
    if let Some(token) = http.metrics_token() {
        return if bearer_matches(parts, token) {
            Ok(())
        } else {
            Err(ApiError::App(AppError::Unauthorized {
                detail: "the metrics need the bearer token --metrics-token names".into(),
                invalid_token: parts.headers.contains_key(header::AUTHORIZATION),
            }))
        };
    }
    if reach == Reach::Separate {
        return Ok(());
    }
    let client = reader_origin(parts, http.app()).client;
    if client.is_some_and(|address| address.to_canonical().is_loopback()) {
        Ok(())
    } else {
        Err(ApiError::App(AppError::Forbidden(
            "without --metrics-token the metrics answer only this host".into(),
        )))
    }
}

/// The request's bearer token is `token`, compared through digests so that the time taken
/// tells nothing about how much of it matched.
fn bearer_matches(parts: &Parts, token: &SecretString) -> bool {
    let Some(given) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.expose_secret().as_bytes())
}
