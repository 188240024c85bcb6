//! `/media/{id}/original` and `/media/{id}/{rendition}`: image bytes; `POST /api/v1/media`:
//! uploads.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_app::App;
use dateline_app::AppError;
use dateline_app::auth::Principal;
use dateline_app::service::media::{self, UploadDetails};
use dateline_domain::ValidationError;

use crate::problem::{ApiError, Problem};
use crate::rest::dto::{Item, MediaResponse};
use crate::rest::extract::ApiPath;

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
    State(state): State<App>,
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

/// A rendition: a named preset (`medium.webp`, `thumb-1x1.jpg`, …), made on first request.
/// Anything but a preset is 404, so no one can make the server resize to arbitrary sizes.
#[utoipa::path(
    get,
    path = "/media/{id}/{rendition}",
    tag = "media",
    params(
        ("id" = String, Path, description = "The media id (med_…)"),
        ("rendition" = String, Path, description = "{thumb|small|medium|large}[-16x9|-4x3|-1x1].{jpg|webp}"),
    ),
    responses(
        (status = 200, description = "The rendition", content_type = "image/*"),
        (status = 404, description = "No such media or preset", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn rendition(
    State(state): State<App>,
    ApiPath((id, file)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let (bytes, content_type) = media::open_rendition(&state, &id, &file).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}

/// A multipart upload: `file` (JPEG, PNG or WebP, decided by its bytes), and optional `caption`,
/// `credit`, `alt`, `focalX`, `focalY` (fractions 0–1).
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "describes the multipart form for the OpenAPI document only"
)]
pub(crate) struct UploadForm {
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
    caption: Option<String>,
    credit: Option<String>,
    alt: Option<String>,
    #[schema(rename = "focalX")]
    focal_x: Option<f64>,
    #[schema(rename = "focalY")]
    focal_y: Option<f64>,
}

fn multipart_error(err: &axum::extract::multipart::MultipartError) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::App(AppError::InvalidParameter(ValidationError::new(
            "file",
            err.body_text(),
        )))
    }
}

fn focal(value: &str, field: &str) -> Result<f64, ApiError> {
    value.trim().parse().map_err(|_| {
        ApiError::App(AppError::Invalid(ValidationError::new(
            field,
            "must be a number from 0 to 1",
        )))
    })
}

/// Uploads an image (any signed-in role). Oversize uploads are 413; anything that is not a
/// JPEG, PNG or WebP by its content is 415, whatever its name says.
#[utoipa::path(
    post,
    path = "/api/v1/media",
    tag = "media",
    security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The image, with its renditions", body = Item<MediaResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
pub(crate) async fn upload(
    State(state): State<App>,
    principal: Principal,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<Item<MediaResponse>>), ApiError> {
    let mut multipart = multipart.map_err(|_| {
        ApiError::App(AppError::UnsupportedMedia(
            "send the image as multipart/form-data".into(),
        ))
    })?;
    let mut file = None;
    let mut details = UploadDetails::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|err| multipart_error(&err))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            file = Some(
                field
                    .bytes()
                    .await
                    .map_err(|err| multipart_error(&err))?
                    .to_vec(),
            );
            continue;
        }
        let value = field.text().await.map_err(|err| multipart_error(&err))?;
        match name.as_str() {
            "caption" => details.caption = Some(value),
            "credit" => details.credit = Some(value),
            "alt" => details.alt = Some(value),
            "focalX" => details.focal_x = Some(focal(&value, "focalX")?),
            "focalY" => details.focal_y = Some(focal(&value, "focalY")?),
            _ => {}
        }
    }
    let bytes = file.ok_or_else(|| {
        ApiError::App(AppError::Invalid(ValidationError::new(
            "file",
            "the form has no file field",
        )))
    })?;
    let stored = media::upload(&state, &principal, bytes, details).await?;
    Ok((
        StatusCode::CREATED,
        Json(Item {
            data: MediaResponse::new(state.settings(), &stored),
        }),
    ))
}
