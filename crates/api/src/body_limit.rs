//! One request-body limit for every route: a `Content-Length` over the limit is refused here,
//! before a byte is read. Bodies without a length (chunked) are cut at the same limit by axum's
//! `DefaultBodyLimit`, which every body reader in the API honours — `Bytes`, `Json`,
//! `Multipart`, and `/graphql`, which reads its body as `Bytes` (async-graphql-axum's extractor
//! did not, which is how it read 400 MiB). A second `Limited` wrapper here would hide the
//! length-limit error from multipart's 413 detection, so there is one cut, axum's.

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use dateline_app::App;

use crate::problem::ApiError;

/// The one route whose bodies may be larger than the rest: media uploads, up to
/// `--max-upload-bytes`.
const UPLOAD_PATH: &str = "/api/v1/media";

/// The largest body this request may carry.
fn limit_for(state: &App, method: &Method, path: &str) -> usize {
    if method == Method::POST && path == UPLOAD_PATH {
        state.settings().newsroom.max_upload_bytes
    } else {
        state.settings().max_body_bytes
    }
}

/// Refuses a declared length over the limit (413, before reading).
pub(crate) async fn limit_bodies(
    State(state): State<App>,
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
