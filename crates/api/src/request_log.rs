//! Every request once, at the edge: its id (the caller's `X-Request-Id` when sane, else a fresh
//! one, echoed back), route template, status and latency — logged as one line and counted for
//! `/metrics`. Labels are route templates (`/api/v1/articles/{id}`), never raw paths, so the
//! number of series stays bounded whatever clients request.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;

/// The header a request id travels in, both ways.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The route label of a request no route matched (404s, probes for random paths).
const UNMATCHED: &str = "unmatched";

/// The longest caller-chosen request id kept; anything longer or odder is replaced.
const MAX_REQUEST_ID: usize = 64;

/// Counts and logs the request it wraps. Added with `Router::layer`, so the matched route's
/// template is known here.
pub(crate) async fn log_and_count(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let method = request.method().clone();
    let id = request_id(request.headers().get(&REQUEST_ID));
    let span = tracing::info_span!("request", request.id = %id, http.route = %route);
    let mut response = next.run(request).instrument(span).await;
    let elapsed = started.elapsed();
    let status = response.status();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    crate::metrics::record_request(method.as_str(), &route, status.as_u16(), elapsed);
    tracing::info!(
        request.id = %id,
        http.method = %method,
        http.route = %route,
        http.status = status.as_u16(),
        latency_ms = elapsed.as_secs_f64() * 1_000.0,
        "request"
    );
    response
}

/// The caller's request id when it is short visible ASCII (a proxy's or a client's trace id),
/// otherwise a fresh random one: an id goes into log lines, so nothing else is copied there.
fn request_id(given: Option<&HeaderValue>) -> String {
    given
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= MAX_REQUEST_ID
                && id
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b"-_.:".contains(&byte))
        })
        .map_or_else(|| format!("{:032x}", rand::random::<u128>()), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_request_id_is_kept_and_anything_else_replaced() {
        let kept = HeaderValue::from_static("edge-7f3a.1:2");
        assert_eq!(request_id(Some(&kept)), "edge-7f3a.1:2");
        for odd in ["", "with space", "quote\"", &"x".repeat(65)] {
            let value = HeaderValue::from_str(odd).unwrap_or(HeaderValue::from_static(""));
            let fresh = request_id(Some(&value));
            assert_eq!(fresh.len(), 32, "{odd:?} was replaced by a fresh id");
            assert_ne!(fresh, odd);
        }
        assert_eq!(request_id(None).len(), 32);
    }
}
