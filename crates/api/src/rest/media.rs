//! `/media/{id}/original`: image bytes.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, Problem};
use crate::rest::extract::ApiPath;
use crate::service::media;
use crate::state::AppState;

/// An image's original file. Media never change once stored, so they may be cached for a year.
#[utoipa::path(
    get,
    path = "/media/{id}/original",
    tag = "media",
    params(("id" = String, Path, description = "The media id (med_…)")),
    responses(
        (status = 200, description = "The image", content_type = "image/*"),
        (status = 404, description = "No such media", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn original(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (bytes, content_type) = media::open_original(&state, &id).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}
