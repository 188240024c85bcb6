//! The API error: every failure a client can see, with its HTTP status and stable code.
//!
//! Rendered once as RFC 9457 problem+json for REST and once as `extensions.code` for GraphQL.
//! Internal errors are logged here with their cause and answered without details.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_domain::ValidationError;
use dateline_storage::StorageError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A parameter the client sent is malformed (400).
    #[error("{0}")]
    BadRequest(ValidationError),
    /// Nothing public by that name (404).
    #[error("{0}")]
    NotFound(String),
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
    /// No credentials, or credentials that do not hold: missing, expired or tampered (401).
    #[error("{detail}")]
    Unauthorized {
        detail: String,
        /// A token was sent but is not valid (as opposed to none sent).
        invalid_token: bool,
    },
    /// Signed in, but the role may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The story's status does not allow the change (409); the problem names the status.
    #[error("{detail}")]
    Conflict {
        detail: String,
        current_status: Option<&'static str>,
    },
    /// Someone saved the story since the client read it (409, or 412 when the client sent
    /// `If-Match`); nothing was written.
    #[error(
        "the story was changed by someone else (now version {current_version}); reload it and reapply your edit"
    )]
    Stale {
        current_version: i32,
        precondition: bool,
    },
    /// An edit must say which version it changes (428).
    #[error("say which version you are editing: send If-Match with the ETag, or a version field")]
    PreconditionRequired,
    /// The body is not of a type this endpoint takes (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The request is well formed but its content breaks a rule (422).
    #[error("{0}")]
    Unprocessable(ValidationError),
    /// An image's header claims more pixels or memory than the decode budget (422), judged
    /// before decoding.
    #[error("{0}")]
    ImageTooLarge(String),
    /// An image file is cut short (422).
    #[error("{0}")]
    ImageTruncated(String),
    /// HTML nested deeper than a body may be (422): refused before it can exhaust a stack.
    #[error("{0}")]
    BodyTooDeep(ValidationError),
    /// Too many attempts; try again after the given seconds (429).
    #[error("too many attempts; try again in {retry_after} seconds")]
    TooManyRequests { retry_after: u64 },
    /// The dependency this request needs is down (503).
    #[error("{0}")]
    Unavailable(String),
    /// Something broke on our side (500); the cause is logged, never shown.
    #[error("internal error")]
    Internal(String),
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

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) | ApiError::NoRoute => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Stale {
                precondition: true, ..
            } => StatusCode::PRECONDITION_FAILED,
            ApiError::Stale { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_)
            | ApiError::BodyTooDeep(_)
            | ApiError::ImageTooLarge(_)
            | ApiError::ImageTruncated(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "BAD_REQUEST",
            ApiError::NotFound(_) | ApiError::NoRoute => "NOT_FOUND",
            ApiError::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ApiError::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ApiError::RequestTimeout => "REQUEST_TIMEOUT",
            ApiError::Unauthorized { .. } => "UNAUTHORIZED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::Conflict { .. } => "CONFLICT",
            ApiError::Stale {
                precondition: true, ..
            } => "PRECONDITION_FAILED",
            ApiError::Stale { .. } => "STALE_VERSION",
            ApiError::PreconditionRequired => "PRECONDITION_REQUIRED",
            ApiError::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            ApiError::Unprocessable(_) => "VALIDATION",
            ApiError::ImageTooLarge(_) => "IMAGE_TOO_LARGE",
            ApiError::ImageTruncated(_) => "IMAGE_TRUNCATED",
            ApiError::BodyTooDeep(_) => "BODY_TOO_DEEP",
            ApiError::TooManyRequests { .. } => "TOO_MANY_REQUESTS",
            ApiError::Unavailable(_) => "UNAVAILABLE",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "Bad request parameter",
            ApiError::NotFound(_) | ApiError::NoRoute => "Not found",
            ApiError::MethodNotAllowed => "Method not allowed",
            ApiError::PayloadTooLarge => "Request body too large",
            ApiError::RequestTimeout => "Request timeout",
            ApiError::Unauthorized { .. } => "Not signed in",
            ApiError::Forbidden(_) => "Not allowed for this role",
            ApiError::Conflict { .. } => "Conflicting state change",
            ApiError::Stale { .. } => "Edited by someone else",
            ApiError::PreconditionRequired => "Version required",
            ApiError::UnsupportedMediaType(_) => "Unsupported media type",
            ApiError::Unprocessable(_) => "Invalid content",
            ApiError::ImageTooLarge(_) => "Image too large to decode",
            ApiError::ImageTruncated(_) => "Image file cut short",
            ApiError::BodyTooDeep(_) => "Body nested too deeply",
            ApiError::TooManyRequests { .. } => "Too many requests",
            ApiError::Unavailable(_) => "Service unavailable",
            ApiError::Internal(_) => "Internal error",
        }
    }

    /// What the client is told. Internal causes stay in the log.
    pub fn detail(&self) -> String {
        match self {
            ApiError::Internal(_) => "something went wrong on our side; it has been logged".into(),
            other => other.to_string(),
        }
    }

    fn field_problems(&self) -> Vec<FieldProblem> {
        match self {
            ApiError::BadRequest(err)
            | ApiError::Unprocessable(err)
            | ApiError::BodyTooDeep(err) => vec![FieldProblem {
                field: err.field.clone(),
                message: err.message.clone(),
            }],
            _ => Vec::new(),
        }
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!(
                "/problems/{}",
                self.code().to_ascii_lowercase().replace('_', "-")
            ),
            title: self.title().to_owned(),
            status: self.status().as_u16(),
            detail: self.detail(),
            code: self.code().to_owned(),
            current_status: match self {
                ApiError::Conflict { current_status, .. } => current_status.map(str::to_owned),
                _ => None,
            },
            current_version: match self {
                ApiError::Stale {
                    current_version, ..
                } => Some(*current_version),
                _ => None,
            },
            errors: self.field_problems(),
        }
    }

    /// Logs an internal error once, with its cause.
    pub(crate) fn log(&self) {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error.cause = %cause, "internal error");
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    /// The error an answer with this status means, for answers made outside the handlers
    /// (axum's rejections, the timeout layer) that arrive without a problem document.
    /// `detail` is what the rejection said, if anything.
    pub(crate) fn from_status(status: StatusCode, detail: Option<&str>) -> Self {
        let said = |fallback: &str| detail.unwrap_or(fallback).to_owned();
        match status {
            StatusCode::NOT_FOUND => Self::NotFound(said("not found")),
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            StatusCode::REQUEST_TIMEOUT => Self::RequestTimeout,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::UnsupportedMediaType(said("unsupported media type"))
            }
            StatusCode::UNPROCESSABLE_ENTITY => {
                Self::Unprocessable(ValidationError::new("body", said("invalid content")))
            }
            StatusCode::UNAUTHORIZED => Self::Unauthorized {
                detail: said("not signed in"),
                invalid_token: false,
            },
            StatusCode::FORBIDDEN => Self::Forbidden(said("not allowed")),
            StatusCode::SERVICE_UNAVAILABLE => Self::Unavailable(said("unavailable")),
            status if status.is_server_error() => Self::Internal(said("an answer without details")),
            _ => Self::BadRequest(ValidationError::new("request", said("malformed request"))),
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(err: ValidationError) -> Self {
        Self::BadRequest(err)
    }
}

impl From<dateline_domain::body_html::BodyHtmlError> for ApiError {
    fn from(err: dateline_domain::body_html::BodyHtmlError) -> Self {
        use dateline_domain::body_html::BodyHtmlError;
        match err {
            BodyHtmlError::TooDeep(err) => Self::BodyTooDeep(err),
            BodyHtmlError::Invalid(err) => Self::Unprocessable(err),
        }
    }
}

impl From<dateline_domain::TransitionError> for ApiError {
    fn from(err: dateline_domain::TransitionError) -> Self {
        match err {
            dateline_domain::TransitionError::Forbidden { .. } => Self::Forbidden(err.to_string()),
            dateline_domain::TransitionError::Illegal { current, .. } => Self::Conflict {
                detail: err.to_string(),
                current_status: Some(current.as_str()),
            },
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound => Self::NotFound("not found".into()),
            StorageError::Stale { expected } => Self::Stale {
                current_version: expected + 1,
                precondition: false,
            },
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match &self {
            ApiError::Unauthorized { invalid_token, .. } => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(if *invalid_token {
                        "Bearer realm=\"dateline\", error=\"invalid_token\""
                    } else {
                        "Bearer realm=\"dateline\""
                    }),
                );
            }
            ApiError::TooManyRequests { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            _ => {}
        }
        response
    }
}

impl async_graphql::ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        self.log();
        let problem = self.problem();
        async_graphql::Error::new(self.detail()).extend_with(|_, extensions| {
            extensions.set("code", self.code());
            if let Some(first) = problem.errors.first() {
                extensions.set("field", first.field.as_str());
            }
            if let Some(status) = &problem.current_status {
                extensions.set("currentStatus", status.as_str());
            }
            if let Some(version) = problem.current_version {
                extensions.set("currentVersion", version);
            }
        })
    }
}

/// Carries an [`ApiError`] into GraphQL with its code. async-graphql converts any `Display`
/// error on `?`, which would drop the code, so resolvers go through this instead.
pub(crate) trait GraphqlResult<T> {
    fn or_graphql_error(self) -> async_graphql::Result<T>;
}

impl<T> GraphqlResult<T> for Result<T, ApiError> {
    fn or_graphql_error(self) -> async_graphql::Result<T> {
        self.map_err(|err| async_graphql::ErrorExtensions::extend(&err))
    }
}
