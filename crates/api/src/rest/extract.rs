//! Extractors: who sent a request (account, audience, origin), and its query, path and body,
//! with malformed input answered as problem+json instead of axum's plain text.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query};
use axum::http::header;
use axum::http::request::Parts;
use dateline_app::auth::{self, Principal};
use dateline_app::readership::origin::ReaderOrigin;
use dateline_app::service::audience::{self, Audience};
use dateline_app::{App, AppError};
use dateline_domain::{Timestamp, ValidationError};
use serde::de::DeserializeOwned;

use crate::headers::API_KEY_HEADER;
use crate::http_state::HttpState;
use crate::problem::ApiError;

/// Query parameters; a malformed query string is a 400 problem.
pub(crate) struct ApiQuery<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|rejection: QueryRejection| {
                ApiError::App(AppError::InvalidParameter(ValidationError::new(
                    "query",
                    rejection.body_text(),
                )))
            })
    }
}

/// Path parameters; a malformed path is a 404 problem (nothing lives there).
pub(crate) struct ApiPath<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|rejection: PathRejection| ApiError::not_found(rejection.body_text()))
    }
}

/// Parses an optional query flag: `true`/`false`/`1`/`0`.
pub(crate) fn parse_flag(field: &str, value: Option<&str>) -> Result<Option<bool>, ApiError> {
    match value {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(_) => Err(ApiError::App(AppError::InvalidParameter(
            ValidationError::new(field, "must be true or false"),
        ))),
    }
}

/// Parses an optional RFC 3339 time query parameter (`since`, `from`, `to`), naming `field` when
/// it is malformed.
pub(crate) fn parse_time(field: &str, value: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    value
        .map(|text| {
            Timestamp::parse_rfc3339(text).map_err(|err| {
                ApiError::App(AppError::InvalidParameter(ValidationError::new(
                    field,
                    err.message,
                )))
            })
        })
        .transpose()
}

/// Parses an optional whole-number query parameter.
pub(crate) fn parse_number(field: &str, value: Option<&str>) -> Result<Option<i64>, ApiError> {
    value
        .map(|text| {
            text.trim().parse::<i64>().map_err(|_| {
                ApiError::App(AppError::InvalidParameter(ValidationError::new(
                    field,
                    "must be a whole number",
                )))
            })
        })
        .transpose()
}

/// A JSON request body: malformed JSON is 400, JSON of the wrong shape 422, another content type
/// 415, an oversize body 413 — each as problem+json.
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        axum::Json::<T>::from_request(request, state)
            .await
            .map(|axum::Json(value)| Self(value))
            .map_err(|rejection| match rejection {
                JsonRejection::MissingJsonContentType(_) => ApiError::App(
                    AppError::UnsupportedMedia("send the body as application/json".into()),
                ),
                JsonRejection::JsonDataError(err) => ApiError::App(AppError::Invalid(
                    ValidationError::new("body", err.body_text()),
                )),
                other if other.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::PayloadTooLarge
                }
                other => ApiError::App(AppError::InvalidParameter(ValidationError::new(
                    "body",
                    other.body_text(),
                ))),
            })
    }
}

/// The version an edit was made against, from `If-Match` (`"v3"`, `W/"v3"` or `"3"`).
pub(crate) fn if_match(headers: &axum::http::HeaderMap) -> Result<Option<i32>, ApiError> {
    let Some(value) = headers.get(axum::http::header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|text| text.trim().trim_start_matches("W/").trim_matches('"'))
        .map(|tag| tag.strip_prefix('v').unwrap_or(tag))
        .and_then(|number| number.parse::<i32>().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::App(AppError::InvalidParameter(ValidationError::new(
                "If-Match",
                "must be the ETag of the story, like \"v3\"",
            )))
        })
}

/// The `ETag` of a story's version.
pub(crate) fn version_tag(version: i32) -> axum::http::HeaderValue {
    axum::http::HeaderValue::from_str(&format!("\"v{version}\""))
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static("\"v0\""))
}

/// The signed-in account of a request (bearer token), or 401.
impl FromRequestParts<HttpState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, ApiError> {
        let app = state.app();
        let header = match parts.headers.get(header::AUTHORIZATION) {
            None => None,
            Some(value) => Some(value.to_str().map_err(|_| AppError::Unauthorized {
                detail: "the access token is not valid".into(),
                invalid_token: true,
            })?),
        };
        Ok(auth::authenticate(app, header).await?)
    }
}

/// Where a request came from: the peer address (the client a trusted proxy forwarded for) and
/// its User-Agent.
impl FromRequestParts<HttpState> for ReaderOrigin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, Infallible> {
        Ok(reader_origin(parts, state.app()))
    }
}

/// [`ReaderOrigin`] of a request's parts.
pub(crate) fn reader_origin(parts: &Parts, app: &App) -> ReaderOrigin {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .map(|agent| String::from_utf8_lossy(agent.as_bytes()).into_owned());
    ReaderOrigin::new(
        peer,
        &forwarded,
        user_agent,
        &app.settings().views.trusted_proxies,
    )
}

/// The audience of a request, put in its extensions by the rate-limit layer (which has already
/// resolved the key) or resolved here.
impl FromRequestParts<HttpState> for Audience {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, ApiError> {
        if let Some(audience) = parts.extensions.get::<Audience>() {
            return Ok(audience.clone());
        }
        let key = parts
            .headers
            .get(API_KEY_HEADER)
            .map(|value| value.to_str().unwrap_or("?"));
        Ok(audience::resolve(state.app(), key).await?)
    }
}
