//! Errors at the transport edge: an [`AppError`] (or a failure of HTTP itself) mapped ONCE to
//! an HTTP status and an RFC 9457 problem+json document for REST, and to `extensions.code` for
//! GraphQL. Internal errors are logged here, once, with their cause chain and answered without
//! details.

use async_graphql::ErrorExtensions as _;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_app::AppError;
use dateline_domain::ValidationError;
use serde::Serialize;

/// Seconds a client is asked to wait after a 503 or 507 (`Retry-After`).
pub(crate) const RETRY_UNAVAILABLE_AFTER: u64 = 5;

/// Every failure a REST client can see.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A use case refused or failed.
    #[error(transparent)]
    App(#[from] AppError),
    /// No route answers this path (404).
    #[error("no such endpoint")]
    NoRoute,
    /// The route exists but not for this method (405).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request body is over the limit (413).
    #[error("request body too large")]
    PayloadTooLarge,
    /// The request took longer than the server waits (408).
    #[error("the request took too long")]
    RequestTimeout,
}

impl From<ValidationError> for ApiError {
    /// A request parameter the transport could not read.
    fn from(err: ValidationError) -> Self {
        Self::App(AppError::InvalidParameter(err))
    }
}

/// A field-level problem inside a problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The stable, machine-readable code (also used in GraphQL's `extensions.code`).
    pub code: String,
    /// For a refused workflow step: the story's status now.
    #[serde(rename = "currentStatus", skip_serializing_if = "Option::is_none")]
    pub current_status: Option<String>,
    /// For a stale edit: the story's version now.
    #[serde(rename = "currentVersion", skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// The HTTP status of an application error.
pub fn status_of(err: &AppError) -> StatusCode {
    match err {
        AppError::InvalidParameter(_) => StatusCode::BAD_REQUEST,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::Stale {
            precondition: true, ..
        } => StatusCode::PRECONDITION_FAILED,
        AppError::Stale { .. } => StatusCode::CONFLICT,
        AppError::VersionRequired => StatusCode::PRECONDITION_REQUIRED,
        AppError::UnsupportedMedia(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        AppError::Invalid(_)
        | AppError::ImageTooLarge(_)
        | AppError::ImageTruncated(_)
        | AppError::BodyTooDeep(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
        AppError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn title_of(err: &AppError) -> &'static str {
    match err {
        AppError::InvalidParameter(_) => "Bad request parameter",
        AppError::NotFound(_) => "Not found",
        AppError::Unauthorized { .. } => "Not signed in",
        AppError::Forbidden(_) => "Not allowed for this role",
        AppError::Conflict { .. } => "Conflicting state change",
        AppError::Stale { .. } => "Edited by someone else",
        AppError::VersionRequired => "Version required",
        AppError::UnsupportedMedia(_) => "Unsupported media type",
        AppError::Invalid(_) => "Invalid content",
        AppError::ImageTooLarge(_) => "Image too large to decode",
        AppError::ImageTruncated(_) => "Image file cut short",
        AppError::BodyTooDeep(_) => "Body nested too deeply",
        AppError::RateLimited { .. } => "Too many requests",
        AppError::Unavailable(_) => "Service unavailable",
        AppError::InsufficientStorage(_) => "Insufficient storage",
        AppError::Internal { .. } => "Internal error",
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::App(err) => status_of(err),
            ApiError::NoRoute => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        }
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::App(err) => err.code(),
            ApiError::NoRoute => "NOT_FOUND",
            ApiError::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ApiError::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ApiError::RequestTimeout => "REQUEST_TIMEOUT",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::App(err) => title_of(err),
            ApiError::NoRoute => "Not found",
            ApiError::MethodNotAllowed => "Method not allowed",
            ApiError::PayloadTooLarge => "Request body too large",
            ApiError::RequestTimeout => "Request timeout",
        }
    }

    /// What the client is told. Internal causes stay in the log.
    pub fn detail(&self) -> String {
        match self {
            ApiError::App(err) => err.detail(),
            other => other.to_string(),
        }
    }

    pub fn problem(&self) -> Problem {
        let app = match self {
            ApiError::App(err) => Some(err),
            _ => None,
        };
        Problem {
            kind: format!(
                "/problems/{}",
                self.code().to_ascii_lowercase().replace('_', "-")
            ),
            title: self.title().to_owned(),
            status: self.status().as_u16(),
            detail: self.detail(),
            code: self.code().to_owned(),
            current_status: match app {
                Some(AppError::Conflict { current_status, .. }) => {
                    current_status.map(str::to_owned)
                }
                _ => None,
            },
            current_version: match app {
                Some(AppError::Stale {
                    current_version, ..
                }) => Some(*current_version),
                _ => None,
            },
            errors: app
                .and_then(AppError::validation)
                .map(|err| FieldProblem {
                    field: err.field.clone(),
                    message: err.message.clone(),
                })
                .into_iter()
                .collect(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::App(AppError::not_found(what))
    }

    /// The error an answer with this status means, for answers made outside the handlers
    /// (axum's rejections, the timeout layer) that arrive without a problem document.
    /// `detail` is what the rejection said, if anything.
    pub(crate) fn from_status(status: StatusCode, detail: Option<&str>) -> Self {
        let said = |fallback: &str| detail.unwrap_or(fallback).to_owned();
        let app = match status {
            StatusCode::METHOD_NOT_ALLOWED => return Self::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => return Self::PayloadTooLarge,
            StatusCode::REQUEST_TIMEOUT => return Self::RequestTimeout,
            StatusCode::NOT_FOUND => AppError::NotFound(said("not found")),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                AppError::UnsupportedMedia(said("unsupported media type"))
            }
            StatusCode::UNPROCESSABLE_ENTITY => {
                AppError::Invalid(ValidationError::new("body", said("invalid content")))
            }
            StatusCode::UNAUTHORIZED => AppError::Unauthorized {
                detail: said("not signed in"),
                invalid_token: false,
            },
            StatusCode::FORBIDDEN => AppError::Forbidden(said("not allowed")),
            StatusCode::SERVICE_UNAVAILABLE => AppError::Unavailable(said("unavailable")),
            status if status.is_server_error() => {
                AppError::broken(said("an answer without details"))
            }
            _ => AppError::InvalidParameter(ValidationError::new(
                "request",
                said("malformed request"),
            )),
        };
        Self::App(app)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::App(err) = &self {
            err.log();
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match &self {
            ApiError::App(AppError::Unauthorized { invalid_token, .. }) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(if *invalid_token {
                        "Bearer realm=\"dateline\", error=\"invalid_token\""
                    } else {
                        "Bearer realm=\"dateline\""
                    }),
                );
            }
            ApiError::App(AppError::RateLimited { retry_after }) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            // A database or media folder that is away is usually back within seconds (a
            // restart, a failover); a client that honours this does not hammer it meanwhile.
            ApiError::App(AppError::Unavailable(_) | AppError::InsufficientStorage(_)) => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(RETRY_UNAVAILABLE_AFTER),
                );
            }
            _ => {}
        }
        response
    }
}

/// An application error as a GraphQL error: the message, and `extensions.code` with the
/// field, status or version a client needs to act on it. Logged here when internal.
pub(crate) fn graphql_error(err: &AppError) -> async_graphql::Error {
    err.log();
    carry_graphql_error(err)
}

/// The GraphQL error for `err` without logging it: for a failure already logged where it
/// happened, such as a DataLoader batch that every field reading it reports.
pub(crate) fn carry_graphql_error(err: &AppError) -> async_graphql::Error {
    async_graphql::Error::new(err.detail()).extend_with(|_, extensions| {
        extensions.set("code", err.code());
        if let Some(invalid) = err.validation() {
            extensions.set("field", invalid.field.as_str());
        }
        if let AppError::Conflict {
            current_status: Some(status),
            ..
        } = err
        {
            extensions.set("currentStatus", *status);
        }
        if let AppError::Stale {
            current_version, ..
        } = err
        {
            extensions.set("currentVersion", *current_version);
        }
    })
}

/// Carries an [`AppError`] into GraphQL with its code. async-graphql converts any `Display`
/// error on `?`, which would drop the code, so resolvers go through this instead.
pub(crate) trait GraphqlResult<T> {
    fn or_graphql_error(self) -> async_graphql::Result<T>;
}

impl<T> GraphqlResult<T> for Result<T, AppError> {
    fn or_graphql_error(self) -> async_graphql::Result<T> {
        self.map_err(|err| graphql_error(&err))
    }
}
