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
            ApiError::BadRequest(err) => vec![FieldProblem {
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
}

impl From<ValidationError> for ApiError {
    fn from(err: ValidationError) -> Self {
        Self::BadRequest(err)
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound => Self::NotFound("not found".into()),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl async_graphql::ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        self.log();
        let errors = self.field_problems();
        async_graphql::Error::new(self.detail()).extend_with(|_, extensions| {
            extensions.set("code", self.code());
            if let Some(first) = errors.first() {
                extensions.set("field", first.field.as_str());
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
