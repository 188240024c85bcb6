//! The middleware every request passes: for a public GET it adds the validator and caching
//! headers, answers `304` to a matching `If-None-Match`, negotiates br/gzip, and serves or fills
//! the cache for responses that carry [`CacheKeys`]. Other requests pass untouched.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use chrono::Duration as ChronoDuration;
use dateline_app::App;
use dateline_app::AppError;
use dateline_domain::Timestamp;

use crate::cache::encoding::{Coding, Encoded};
use crate::cache::store::Entry;
use crate::cache::{CacheKeys, CacheSettings, ResponseCache};
use crate::http_state::HttpState;
use crate::problem::ApiError;

/// The largest body rendered into memory for a validator; bigger ones (there are none on the
/// public JSON paths) pass as they are.
const MAX_RENDERED: usize = 16 << 20;
/// How often a read retries after finding its entry made stale by a change meanwhile.
const ATTEMPTS: usize = 3;

/// Paths whose answers may be kept. Media files carry their own validators and never change.
pub(crate) fn is_cacheable_path(path: &str) -> bool {
    (path.starts_with("/api/v1/")
        || path == "/graphql"
        || path.starts_with("/feeds/")
        || path.starts_with("/sitemap"))
        && !path.starts_with("/api/v1/media")
        // Endless: a live stream is never one answer to keep.
        && path != "/api/v1/stream"
}

/// A request whose answer depends on who sends it: never shared, never kept. Cookies are not
/// among the signs: Dateline reads none, and a site's analytics cookies would otherwise defeat
/// the cache.
fn is_personal(parts: &Parts) -> bool {
    parts.headers.contains_key(header::AUTHORIZATION)
        || parts.headers.contains_key(crate::headers::API_KEY_HEADER)
        || parts
            .uri
            .query()
            .is_some_and(|query| query.split('&').any(|pair| pair.starts_with("preview=")))
}

/// A response as rendered by its handler, before validators and coding.
struct Rendered {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    keys: Option<CacheKeys>,
}

pub(crate) async fn public_responses(
    State(http): State<HttpState>,
    request: Request,
    next: Next,
) -> Response {
    let state = http.app();
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    if !is_read || request.headers().contains_key(header::UPGRADE) {
        return next.run(request).await;
    }
    let cache = http.response_cache();
    let (parts, body) = request.into_parts();
    let coding = Coding::negotiate(&parts.headers);
    let condition = parts
        .headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let vary = vary_for(parts.uri.path());
    let personal = is_personal(&parts);

    if cache.is_enabled() && !personal && is_cacheable_path(parts.uri.path()) {
        let key = cache_key(&parts);
        let unconditional = without_conditions(&parts);
        for _ in 0..ATTEMPTS {
            let filled = AtomicBool::new(false);
            let fill = async {
                filled.store(true, Ordering::Relaxed);
                fill(
                    state,
                    cache,
                    Request::from_parts(unconditional.clone(), Body::empty()),
                    next.clone(),
                )
                .await
            };
            match cache.get_or_fill(&key, fill).await {
                Ok(entry) => {
                    let now = state.now();
                    if cache.is_current(&entry, now) {
                        if filled.load(Ordering::Relaxed) {
                            crate::metrics::cache_lookup("miss");
                            cache.refreshed(&key).await;
                        } else {
                            crate::metrics::cache_lookup("hit");
                        }
                        return from_entry(
                            cache.settings(),
                            &entry,
                            coding,
                            condition.as_deref(),
                            vary,
                            now,
                        );
                    }
                    cache.retire(&key, entry).await;
                }
                Err(rendered) => {
                    let now = state.now();
                    // The database is away (or the rendering broke): the copy kept aside, if
                    // there is one, rather than the error (stale-if-error).
                    if rendered.status.is_server_error()
                        && let Some(stale) = cache.stale_copy(&key, now).await
                    {
                        crate::metrics::cache_lookup("stale");
                        return serve_stale(
                            cache.settings(),
                            &stale,
                            coding,
                            condition.as_deref(),
                            vary,
                            now,
                        );
                    }
                    crate::metrics::cache_lookup("miss");
                    let rendered = match Arc::try_unwrap(rendered) {
                        Ok(rendered) => rendered,
                        Err(shared) => shared.duplicate(),
                    };
                    return finish(
                        cache.settings(),
                        rendered,
                        coding,
                        condition.as_deref(),
                        vary,
                        state.now(),
                    );
                }
            }
        }
    }

    let response = next.run(Request::from_parts(parts, body)).await;
    if personal {
        if revalidates_privately(&response) {
            return match render(response).await {
                Ok(rendered) => own_copy(
                    cache.settings(),
                    rendered,
                    coding,
                    condition.as_deref(),
                    vary,
                    state.now(),
                ),
                Err(response) => response,
            };
        }
        return private(response, vary);
    }
    if !is_bufferable(&response) {
        return response;
    }
    match render(response).await {
        Ok(rendered) => finish(
            cache.settings(),
            rendered,
            coding,
            condition.as_deref(),
            vary,
            state.now(),
        ),
        Err(response) => response,
    }
}

impl Rendered {
    fn duplicate(&self) -> Self {
        Self {
            status: self.status,
            headers: self.headers.clone(),
            body: self.body.clone(),
            keys: self.keys.clone(),
        }
    }
}

/// Renders the response for a missed key. It is kept only when it is a `200` carrying
/// [`CacheKeys`] and not marked private; otherwise it goes back to the waiting readers as is.
async fn fill(
    state: &App,
    cache: &ResponseCache,
    request: Request,
    next: Next,
) -> Result<Arc<Entry>, Rendered> {
    let generation = cache.generation();
    let now = state.now();
    // Side by side: while the database is away each waits out the pool's acquire timeout, and
    // one after the other would double the wait. Both belong to `generation`, taken first.
    let (lift, response) = tokio::join!(cache.next_lift(state.db(), now), next.run(request));
    let rendered = match render(response).await {
        Ok(rendered) => rendered,
        Err(response) => {
            // Unreadable bodies do not happen for rendered JSON; answer with the error status.
            return Err(Rendered {
                status: response.status(),
                headers: HeaderMap::new(),
                body: Bytes::new(),
                keys: None,
            });
        }
    };
    let (Ok(lift), Some(keys)) = (lift, rendered.keys.as_ref()) else {
        return Err(rendered);
    };
    if rendered.status != StatusCode::OK || is_marked_private(&rendered.headers) {
        return Err(rendered);
    }
    let ttl_end = keys
        .ttl(cache.settings())
        .map(|ttl| now.plus(ChronoDuration::from_std(ttl).unwrap_or(ChronoDuration::zero())));
    let fresh_until = match (lift, ttl_end) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if fresh_until.is_some_and(|until| until <= now) {
        // Already due (a zero TTL): serve it, keep nothing.
        return Err(rendered);
    }
    let keys = keys.clone();
    Ok(Arc::new(Entry::new(
        rendered.status,
        rendered.headers,
        Encoded::all(rendered.body),
        keys,
        fresh_until,
        now,
        generation,
    )))
}

/// The request a fill renders: without the caller's validators. The fill's answer goes to every
/// reader waiting on the key (and may be kept), so a handler that answers `304` itself must
/// see no `If-None-Match`; each reader's own validator is judged against the rendered answer.
fn without_conditions(parts: &Parts) -> Parts {
    let mut parts = parts.clone();
    parts.headers.remove(header::IF_NONE_MATCH);
    parts.headers.remove(header::IF_MODIFIED_SINCE);
    parts
}

/// The key a response is kept under: path and query, parameters sorted so their order does not
/// split the cache; GraphQL also by the media type asked for (it changes the answer).
fn cache_key(parts: &Parts) -> String {
    let mut pairs: Vec<&str> = parts
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .collect();
    pairs.sort_unstable();
    let mut key = format!("{}?{}", parts.uri.path(), pairs.join("&"));
    if parts.uri.path() == "/graphql" {
        key.push('#');
        key.push_str(
            parts
                .headers
                .get(header::ACCEPT)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default(),
        );
    }
    key
}

/// What an answer depends on beyond its URL. Every answer depends on who asks: a partner's
/// key changes its sections and rights (an unknown one is 401) and a bearer token makes it
/// the newsroom's, so a browser or CDN must never hand the public's copy to a keyed or
/// signed-in request, nor the reverse.
fn vary_for(path: &str) -> &'static str {
    if path == "/graphql" {
        "Accept-Encoding, Accept, X-Api-Key, Authorization"
    } else {
        "Accept-Encoding, X-Api-Key, Authorization"
    }
}

/// The layer's `Vary` with the names a handler added that it does not already hold.
fn combined_vary(vary: &'static str, own: Option<&str>) -> Option<HeaderValue> {
    let extra: Vec<&str> = own
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| {
            !name.is_empty() && !vary.split(", ").any(|held| held.eq_ignore_ascii_case(name))
        })
        .collect();
    if extra.is_empty() {
        return Some(HeaderValue::from_static(vary));
    }
    HeaderValue::from_str(&format!("{vary}, {}", extra.join(", "))).ok()
}

fn is_marked_private(headers: &HeaderMap) -> bool {
    headers
        .get(header::CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("no-store") || value.contains("private"))
}

/// Files, streams and answers that already carry a validator or a coding pass untouched.
fn is_bufferable(response: &Response) -> bool {
    let headers = response.headers();
    let streaming_or_binary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|kind| kind.starts_with("text/event-stream") || kind.starts_with("image/"));
    response.status() == StatusCode::OK
        && !streaming_or_binary
        && !headers.contains_key(header::ETAG)
        && !headers.contains_key(header::CONTENT_ENCODING)
        && !is_marked_private(headers)
}

async fn render(response: Response) -> Result<Rendered, Response> {
    let (mut parts, body) = response.into_parts();
    let keys = parts.extensions.remove::<CacheKeys>();
    match axum::body::to_bytes(body, MAX_RENDERED).await {
        Ok(body) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Ok(Rendered {
                status: parts.status,
                headers: parts.headers,
                body,
                keys,
            })
        }
        Err(err) => {
            tracing::warn!(error = %err, "a response body could not be read");
            Err(ApiError::App(AppError::internal("internal", err.to_string())).into_response())
        }
    }
}

/// The marking of an answer that is its reader's own (a partner's feed) but worth revalidating:
/// no shared cache keeps it, its reader gets a validator and `304`.
pub(crate) const PRIVATE_REVALIDATE: &str = "private, no-cache";

fn revalidates_privately(response: &Response) -> bool {
    response.status() == StatusCode::OK
        && !response.headers().contains_key(header::ETAG)
        && !response.headers().contains_key(header::CONTENT_ENCODING)
        && response
            .headers()
            .get(header::CACHE_CONTROL)
            .is_some_and(|value| value.as_bytes() == PRIVATE_REVALIDATE.as_bytes())
}

/// A reader's own answer with the validator and coding every answer gets; its
/// `Cache-Control` stays the handler's.
fn own_copy(
    settings: &CacheSettings,
    rendered: Rendered,
    coding: Coding,
    condition: Option<&str>,
    vary: &'static str,
    now: Timestamp,
) -> Response {
    let entry = Entry::new(
        rendered.status,
        rendered.headers,
        Encoded::one(rendered.body, coding),
        CacheKeys::default(),
        None,
        now,
        0,
    );
    respond(settings, &entry, false, coding, condition, vary, now)
}

/// An answer that depends on its reader: no shared cache may keep it, whatever its handler
/// would tell the public (a feed's `public, max-age` is not for a partner's copy).
fn private(mut response: Response, vary: &'static str) -> Response {
    let headers = response.headers_mut();
    if !is_marked_private(headers) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    let own = headers.get(header::VARY).and_then(|own| own.to_str().ok());
    if let Some(vary) = combined_vary(vary, own) {
        headers.insert(header::VARY, vary);
    }
    response
}

/// A rendered response not kept: validator, coding and headers, computed for this reader only.
fn finish(
    settings: &CacheSettings,
    rendered: Rendered,
    coding: Coding,
    condition: Option<&str>,
    vary: &'static str,
    now: Timestamp,
) -> Response {
    if rendered.status != StatusCode::OK || is_marked_private(&rendered.headers) {
        let mut response = (rendered.status, rendered.body).into_response();
        *response.headers_mut() = rendered.headers;
        // An error is never kept here, and nothing names it for a purge: a shared cache must
        // not keep it either (a 404 for a scheduled story or its tag turns 200 at the lift).
        if rendered.status.is_client_error() || rendered.status.is_server_error() {
            response
                .headers_mut()
                .entry(header::CACHE_CONTROL)
                .or_insert(HeaderValue::from_static("no-cache"));
        }
        return response;
    }
    let entry = Entry::new(
        rendered.status,
        rendered.headers,
        Encoded::one(rendered.body, coding),
        rendered.keys.clone().unwrap_or_default(),
        None,
        now,
        0,
    );
    let shared = rendered.keys.is_some();
    respond(settings, &entry, shared, coding, condition, vary, now)
}

fn from_entry(
    settings: &CacheSettings,
    entry: &Entry,
    coding: Coding,
    condition: Option<&str>,
    vary: &'static str,
    now: Timestamp,
) -> Response {
    respond(settings, entry, true, coding, condition, vary, now)
}

/// A copy past its freshness, served because rendering a fresh one failed: `Age` says how
/// old it is and `Warning: 111` that revalidating failed; its `Cache-Control` (freshness
/// already spent, so `max-age=0`) keeps browsers and CDNs asking again.
fn serve_stale(
    settings: &CacheSettings,
    entry: &Entry,
    coding: Coding,
    condition: Option<&str>,
    vary: &'static str,
    now: Timestamp,
) -> Response {
    let mut response = respond(settings, entry, true, coding, condition, vary, now);
    let age = (now.as_datetime() - entry.rendered_at.as_datetime())
        .num_seconds()
        .max(0);
    let headers = response.headers_mut();
    headers.insert(header::AGE, HeaderValue::from(age));
    headers.insert(
        header::WARNING,
        HeaderValue::from_static("111 - \"Revalidation Failed\""),
    );
    response
}

/// The answer for one reader: `304` when its copy is current, else the body in its coding.
fn respond(
    settings: &CacheSettings,
    entry: &Entry,
    shared: bool,
    coding: Coding,
    condition: Option<&str>,
    vary: &'static str,
    now: Timestamp,
) -> Response {
    let (body, sent_coding, tag) = entry.body.pick(coding);
    let not_modified = condition.is_some_and(|condition| entry.body.matches(condition));
    let mut response = if not_modified {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        // The handler's own marking (a partner's `private`) holds for the 304 too.
        if let Some(own) = entry.headers.get(header::CACHE_CONTROL) {
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, own.clone());
        }
        response
    } else {
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = entry.status;
        response.headers_mut().clone_from(&entry.headers);
        if let Some(coding) = sent_coding.header() {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        response
    };
    let headers = response.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, tag);
    }
    // A handler's own Vary is kept beside the layer's.
    let own = entry
        .headers
        .get(header::VARY)
        .and_then(|own| own.to_str().ok());
    if let Some(vary) = combined_vary(vary, own) {
        headers.insert(header::VARY, vary);
    }
    let cache_control = if shared {
        public_policy(settings, entry, now)
    } else {
        // Nothing names what is inside, so nobody could purge it: ask every time (cheaply,
        // with the validator).
        "no-cache".to_owned()
    };
    if !headers.contains_key(header::CACHE_CONTROL)
        && let Ok(value) = HeaderValue::from_str(&cache_control)
    {
        headers.insert(header::CACHE_CONTROL, value);
    }
    if shared {
        let keys: Vec<&str> = entry.keys.iter().collect();
        if let Ok(value) = HeaderValue::from_str(&keys.join(" ")) {
            headers.insert("surrogate-key", value);
        }
    }
    response
}

/// `public, max-age, s-maxage, stale-while-revalidate, stale-if-error`, shortened so that no
/// cache keeps the answer past its freshness here (a scheduled story's lift, a ranking's TTL).
fn public_policy(settings: &CacheSettings, entry: &Entry, now: Timestamp) -> String {
    let mut max_age = settings.max_age.as_secs();
    let mut s_maxage = settings.s_maxage.as_secs();
    let mut bound = entry.keys.ttl(settings).map(|ttl| ttl.as_secs());
    if let Some(until) = entry.fresh_until {
        let left =
            u64::try_from((until.as_datetime() - now.as_datetime()).num_seconds()).unwrap_or(0);
        bound = Some(bound.map_or(left, |b| b.min(left)));
    }
    if let Some(bound) = bound {
        max_age = max_age.min(bound);
        s_maxage = s_maxage.min(bound);
    }
    format!(
        "public, max-age={max_age}, s-maxage={s_maxage}, stale-while-revalidate={}, stale-if-error={}",
        settings.stale_while_revalidate.as_secs(),
        settings.stale_if_error.as_secs()
    )
}
