//! The rate-limit layer on public reads: anonymous clients per address (the same address the
//! view beacon believes, trusted proxies included), partners per API key at their own rate.
//! Answers carry `RateLimit-Policy` and `RateLimit` (IETF httpapi draft); a refused request is
//! a 429 problem with `Retry-After`.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use dateline_app::AppError;
use dateline_app::desks::syndication::{Allowance, WINDOW_SECONDS};
use dateline_app::service::audience::{self, API_KEY_HEADER, Audience};

use crate::http_state::HttpState;
use crate::problem::ApiError;
use crate::rest::extract::reader_origin;

/// Operational endpoints probes and scrapers call; never limited.
const EXEMPT: [&str; 5] = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"];

/// Limits GET and HEAD requests; resolves the partner key once and hands the [`Audience`] on to
/// the handler in the request's extensions.
pub async fn limit_public_reads(
    State(http): State<HttpState>,
    request: Request,
    next: Next,
) -> Response {
    let state = http.app();
    let exempt = EXEMPT
        .iter()
        .any(|path| request.uri().path().starts_with(path));
    if !matches!(*request.method(), Method::GET | Method::HEAD) || exempt {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let key = parts
        .headers
        .get(API_KEY_HEADER)
        .map(|value| value.to_str().unwrap_or("?").to_owned());
    let audience = match audience::resolve(state, key.as_deref()).await {
        Ok(audience) => audience,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let limits = &state.syndication().limits;
    let allowance = match &audience {
        Audience::Public => limits.check_anonymous(reader_origin(&parts, state).client),
        Audience::Partner(partner) => {
            limits.check_partner(partner.id, partner.rate_limit_per_minute)
        }
    };
    let mut response = if allowance.allowed {
        parts.extensions.insert(audience);
        next.run(Request::from_parts(parts, body)).await
    } else {
        ApiError::App(AppError::RateLimited {
            retry_after: allowance.retry_after,
        })
        .into_response()
    };
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&format!(
        "\"{}\";q={};w={WINDOW_SECONDS}",
        allowance.policy, allowance.limit
    )) {
        headers.insert("ratelimit-policy", policy);
    }
    if let Ok(state) = HeaderValue::from_str(&format!(
        "\"{}\";r={};t={}",
        allowance.policy,
        allowance.remaining,
        reset_seconds(&allowance)
    )) {
        headers.insert("ratelimit", state);
    }
    response
}

/// Seconds until the whole allowance is back: the used part refills evenly over the window.
fn reset_seconds(allowance: &Allowance) -> u64 {
    if !allowance.allowed {
        return allowance.retry_after;
    }
    let used = u64::from(allowance.limit.saturating_sub(allowance.remaining));
    (used * u64::from(WINDOW_SECONDS)).div_ceil(u64::from(allowance.limit.max(1)))
}
