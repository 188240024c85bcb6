//! `POST /api/v1/articles/{id}/views`: the view beacon.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_app::App;
use dateline_app::AppError;
use dateline_app::readership::origin::ReaderOrigin;
use dateline_app::service::views;
use dateline_domain::ValidationError;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, Problem};
use crate::rest::extract::ApiPath;

/// The optional beacon body. Sent as JSON whatever its content type, since
/// `navigator.sendBeacon` posts strings as `text/plain`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ViewBeacon {
    /// A first-party id the front end keeps for the reader (1–200 characters). Without it the
    /// reader is the client's address plus its User-Agent.
    reader_id: Option<String>,
}

/// A reader viewed a public story. Answers 202 at once: the view is counted in memory (once per
/// reader per story per 30 minutes, never for known crawlers) and reaches the rankings with the
/// next flush, within seconds.
#[utoipa::path(
    post,
    path = "/api/v1/articles/{id}/views",
    tag = "rankings",
    params(("id" = String, Path, description = "The story's id (art_…)")),
    request_body(content = Option<ViewBeacon>, description = "Optional; JSON with any content type"),
    responses(
        (status = 202, description = "Received; counted unless it repeats a recent view or comes from a crawler"),
        (status = 400, description = "A malformed body or readerId", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No public story has this id; nothing is counted", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn record_view(
    State(state): State<App>,
    ApiPath(id): ApiPath<String>,
    origin: ReaderOrigin,
    body: Bytes,
) -> Result<Response, ApiError> {
    let beacon = if body.trim_ascii().is_empty() {
        ViewBeacon::default()
    } else {
        serde_json::from_slice::<ViewBeacon>(&body).map_err(|err| {
            ApiError::App(AppError::InvalidParameter(ValidationError::new(
                "body",
                format!("expected {{\"readerId\": \"…\"}} or nothing: {err}"),
            )))
        })?
    };
    views::record_view(&state, &id, beacon.reader_id.as_deref(), &origin).await?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
    )
        .into_response())
}
