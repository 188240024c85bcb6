//! One request-body limit for every route, enforced where the body enters the application:
//! a `Content-Length` over the limit is refused before a byte is read, and any body (chunked
//! ones included) is cut at the limit, whatever extractor reads it later.
//!
//! axum's `DefaultBodyLimit` only binds the extractors that ask for it; async-graphql's
//! `GraphQLRequest` did not, so `/graphql` read bodies of any size. Wrapping the body itself in
//! [`http_body_util::Limited`] binds every reader.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// The one route whose bodies may be larger than the rest: media uploads, up to
/// `--max-upload-bytes`.
const UPLOAD_PATH: &str = "/api/v1/media";

/// The largest body this request may carry.
fn limit_for(state: &AppState, method: &Method, path: &str) -> usize {
    if method == Method::POST && path == UPLOAD_PATH {
        state.editorial().max_upload_bytes
    } else {
        state.settings().max_body_bytes
    }
}

/// Refuses a declared length over the limit (413, before reading) and caps what is read of
/// any other body at the limit; readers then fail with axum's length-limit error, which the
/// extractors and the GraphQL endpoint answer as 413.
pub(crate) async fn limit_bodies(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let limit = limit_for(&state, request.method(), request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large(&request);
    }
    let request = request.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

/// The refusal in the form the route speaks: a GraphQL error on `/graphql`, a problem elsewhere.
fn too_large(request: &Request) -> Response {
    if request.uri().path() == "/graphql" {
        crate::graphql::payload_too_large(request.headers())
    } else {
        ApiError::PayloadTooLarge.into_response()
    }
}
