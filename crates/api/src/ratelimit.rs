//! The rate-limit layer on public operations: anonymous clients per address (the same address
//! the view beacon believes, trusted proxies included), partners per API key at their own rate,
//! and API keys no partner holds per address. Every read, every GraphQL request and every
//! write sent without a bearer token spends one unit here; a GraphQL query spends more by its
//! cost before it runs (`graphql/cost.rs`). Answers carry `RateLimit-Policy` and `RateLimit`
//! (IETF httpapi draft); a refused request is a 429 problem with `Retry-After`.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use dateline_app::AppError;
use dateline_app::service::audience::{self, Audience};

use crate::allowance::{Allowance, Spender, WINDOW_SECONDS};
use crate::headers::{API_KEY_HEADER, RATE_LIMIT, RATE_LIMIT_POLICY};
use crate::http_state::HttpState;
use crate::problem::ApiError;
use crate::rest::extract::reader_origin;

/// Operational endpoints probes and scrapers call, and the pages' embedded files (constant
/// bytes, several per page load); never limited.
const EXEMPT: [&str; 6] = [
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "/docs",
    crate::ui::PREFIX,
];

/// Whether requests to `path` may spend an allowance (every path but the operational ones); the
/// OpenAPI description declares 429 on exactly these.
pub(crate) fn is_limited_path(path: &str) -> bool {
    !EXEMPT.iter().any(|exempt| path.starts_with(exempt))
}

/// Whether a request is a public operation that spends an allowance: every read, every
/// GraphQL request (POST included), and every write made without a bearer token (the beacon,
/// comments, reactions, sign-in). Signed-in newsroom writes are bounded by their accounts.
fn is_public_operation(request: &Request) -> bool {
    let path = request.uri().path();
    if !is_limited_path(path) {
        return false;
    }
    matches!(*request.method(), Method::GET | Method::HEAD)
        || path == "/graphql"
        || !request.headers().contains_key(header::AUTHORIZATION)
}

/// Limits public operations; resolves the partner key once and hands the [`Audience`] (and
/// whose allowance it spends, for GraphQL's cost) on to the handler in the request's
/// extensions.
pub async fn limit_public_reads(
    State(http): State<HttpState>,
    request: Request,
    next: Next,
) -> Response {
    if !is_public_operation(&request) {
        return next.run(request).await;
    }
    let state = http.app();
    let (mut parts, body) = request.into_parts();
    let origin = reader_origin(&parts, state);
    let limits = http.limits();
    let key = parts
        .headers
        .get(API_KEY_HEADER)
        .map(|value| value.to_str().unwrap_or("?").to_owned());
    // An address that has sent too many keys no partner holds is refused before the lookup.
    if key.is_some()
        && let Some(retry_after) = limits.unknown_keys_refused(origin.client)
    {
        return ApiError::App(AppError::RateLimited { retry_after }).into_response();
    }
    let audience = match audience::resolve(state, key.as_deref()).await {
        Ok(audience) => audience,
        Err(err) => {
            if matches!(err, AppError::Unauthorized { .. }) {
                limits.note_unknown_key(origin.client);
            }
            return ApiError::from(err).into_response();
        }
    };
    let spender = match &audience {
        Audience::Public => Spender::Anonymous(origin.client),
        Audience::Partner(partner) => Spender::Partner {
            id: partner.id,
            rate: partner.rate_limit_per_minute,
        },
    };
    let allowance = crate::allowance::spend_everywhere(state, limits, spender, 1).await;
    let mut response = if allowance.allowed {
        parts.extensions.insert(audience);
        parts.extensions.insert(spender);
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
        headers.insert(RATE_LIMIT_POLICY, policy);
    }
    if let Ok(state) = HeaderValue::from_str(&format!(
        "\"{}\";r={};t={}",
        allowance.policy,
        allowance.remaining,
        reset_seconds(&allowance)
    )) {
        headers.insert(RATE_LIMIT, state);
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
