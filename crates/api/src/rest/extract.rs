//! Extractors that answer malformed input with problem+json instead of axum's plain text.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use dateline_domain::ValidationError;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Query parameters; a malformed query string is a 400 problem.
pub(crate) struct ApiQuery<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|rejection: QueryRejection| {
                ApiError::BadRequest(ValidationError::new("query", rejection.body_text()))
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
        Some(_) => Err(ApiError::BadRequest(ValidationError::new(
            field,
            "must be true or false",
        ))),
    }
}

/// Parses an optional whole-number query parameter.
pub(crate) fn parse_number(field: &str, value: Option<&str>) -> Result<Option<i64>, ApiError> {
    value
        .map(|text| {
            text.trim().parse::<i64>().map_err(|_| {
                ApiError::BadRequest(ValidationError::new(field, "must be a whole number"))
            })
        })
        .transpose()
}
