//! The application error: every way a use case can fail, each with a stable code.
//!
//! Nothing here knows HTTP or GraphQL: the transports map an [`AppError`] once, at their edge
//! (`dateline-api`'s `problem` module), to a status and a problem document or to
//! `extensions.code`. An internal error keeps its cause chain so the edge can log it whole.

use std::error::Error as StdError;
use std::sync::Arc;

use dateline_domain::ValidationError;
use dateline_storage::StorageError;

/// What a client is told while the database is away.
pub const DATABASE_UNREACHABLE: &str = "the database is unreachable; try again shortly";

/// A cause kept for the log.
pub type Cause = Box<dyn StdError + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A parameter is malformed: a cursor, a limit, a slug, a time.
    #[error("{0}")]
    InvalidParameter(ValidationError),
    /// Nothing public (or visible to this caller) by that name.
    #[error("{0}")]
    NotFound(String),
    /// No credentials, or credentials that do not hold: missing, expired or tampered.
    #[error("{detail}")]
    Unauthorized {
        detail: String,
        /// A token was sent but is not valid (as opposed to none sent).
        invalid_token: bool,
    },
    /// Signed in, but the role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The story's (or comment's) state does not allow the change; names the state now.
    #[error("{detail}")]
    Conflict {
        detail: String,
        current_status: Option<&'static str>,
    },
    /// Someone saved the story since the client read it; nothing was written.
    #[error(
        "the story was changed by someone else (now version {current_version}); reload it and reapply your edit"
    )]
    Stale {
        current_version: i32,
        /// The client named the version as a precondition (`If-Match`) rather than in the body.
        precondition: bool,
    },
    /// An edit must say which version it changes.
    #[error("say which version you are editing: send If-Match with the ETag, or a version field")]
    VersionRequired,
    /// The content is not of a kind this use case takes (an upload that is no image we read).
    #[error("{0}")]
    UnsupportedMedia(String),
    /// The content is well formed but breaks a rule.
    #[error("{0}")]
    Invalid(ValidationError),
    /// An image's header claims more pixels or memory than the decode budget, judged before
    /// decoding.
    #[error("{0}")]
    ImageTooLarge(String),
    /// An image file is cut short.
    #[error("{0}")]
    ImageTruncated(String),
    /// HTML nested deeper than a body may be: refused before it can exhaust a stack.
    #[error("{0}")]
    BodyTooDeep(ValidationError),
    /// Too many attempts; try again after the given seconds.
    #[error("too many attempts; try again in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    /// A dependency this use case needs is down.
    #[error("{0}")]
    Unavailable(String),
    /// The media store has no room for what is being written (a full disk or quota).
    #[error("{0}")]
    InsufficientStorage(String),
    /// Something broke on our side; the cause is logged, never shown.
    #[error("internal error: {context}")]
    Internal {
        context: String,
        #[source]
        cause: Option<Cause>,
    },
}

impl AppError {
    /// The stable code clients switch on (problem `code`, GraphQL `extensions.code`).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::InvalidParameter(_) => "BAD_REQUEST",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::Unauthorized { .. } => "UNAUTHORIZED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::Conflict { .. } => "CONFLICT",
            AppError::Stale {
                precondition: true, ..
            } => "PRECONDITION_FAILED",
            AppError::Stale { .. } => "STALE_VERSION",
            AppError::VersionRequired => "PRECONDITION_REQUIRED",
            AppError::UnsupportedMedia(_) => "UNSUPPORTED_MEDIA_TYPE",
            AppError::Invalid(_) => "VALIDATION",
            AppError::ImageTooLarge(_) => "IMAGE_TOO_LARGE",
            AppError::ImageTruncated(_) => "IMAGE_TRUNCATED",
            AppError::BodyTooDeep(_) => "BODY_TOO_DEEP",
            AppError::RateLimited { .. } => "TOO_MANY_REQUESTS",
            AppError::Unavailable(_) => "UNAVAILABLE",
            AppError::InsufficientStorage(_) => "INSUFFICIENT_STORAGE",
            AppError::Internal { .. } => "INTERNAL",
        }
    }

    /// What the caller is told. Internal causes stay in the log.
    pub fn detail(&self) -> String {
        match self {
            AppError::Internal { .. } => {
                "something went wrong on our side; it has been logged".into()
            }
            other => other.to_string(),
        }
    }

    /// The field a validation error is about.
    pub fn validation(&self) -> Option<&ValidationError> {
        match self {
            AppError::InvalidParameter(err)
            | AppError::Invalid(err)
            | AppError::BodyTooDeep(err) => Some(err),
            _ => None,
        }
    }

    /// Logs an internal error once, with its whole cause chain; other errors are the caller's
    /// and are not logged.
    pub fn log(&self) {
        if let AppError::Internal { context, cause } = self {
            let mut chain = String::new();
            let mut next = cause
                .as_deref()
                .map(|cause| cause as &(dyn StdError + 'static));
            while let Some(cause) = next {
                chain.push_str(": ");
                chain.push_str(&cause.to_string());
                next = cause.source();
            }
            tracing::error!(error.context = %context, error.cause = %chain, "internal error");
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    /// An internal failure with its cause.
    pub fn internal(context: impl Into<String>, cause: impl Into<Cause>) -> Self {
        Self::Internal {
            context: context.into(),
            cause: Some(cause.into()),
        }
    }

    /// An internal failure that has no cause of its own: a rule of ours that did not hold.
    pub fn broken(context: impl Into<String>) -> Self {
        Self::Internal {
            context: context.into(),
            cause: None,
        }
    }

    /// This error out of an `Arc` that several waiters shared (a coalesced cache fill): the
    /// caller's kinds are copied; an internal failure is reported once by its first owner, so
    /// a copy keeps only its context.
    pub fn unshare(shared: Arc<AppError>) -> AppError {
        Arc::try_unwrap(shared).unwrap_or_else(|shared| match shared.as_ref() {
            AppError::NotFound(what) => AppError::NotFound(what.clone()),
            AppError::InvalidParameter(err) => AppError::InvalidParameter(err.clone()),
            AppError::Invalid(err) => AppError::Invalid(err.clone()),
            AppError::Unavailable(what) => AppError::Unavailable(what.clone()),
            other => AppError::broken(format!("a shared computation failed: {other}")),
        })
    }
}

impl From<ValidationError> for AppError {
    fn from(err: ValidationError) -> Self {
        Self::InvalidParameter(err)
    }
}

impl From<dateline_domain::body_html::BodyHtmlError> for AppError {
    fn from(err: dateline_domain::body_html::BodyHtmlError) -> Self {
        use dateline_domain::body_html::BodyHtmlError;
        match err {
            BodyHtmlError::TooDeep(err) => Self::BodyTooDeep(err),
            BodyHtmlError::Invalid(err) => Self::Invalid(err),
        }
    }
}

impl From<dateline_domain::TransitionError> for AppError {
    fn from(err: dateline_domain::TransitionError) -> Self {
        match err {
            dateline_domain::TransitionError::Forbidden { .. } => Self::Forbidden(err.to_string()),
            dateline_domain::TransitionError::Illegal { current, .. } => Self::Conflict {
                detail: err.to_string(),
                current_status: Some(current.as_str()),
            },
            dateline_domain::TransitionError::PastPublishTime { .. } => {
                Self::Invalid(ValidationError::new("publishAt", err.to_string()))
            }
        }
    }
}

impl From<StorageError> for AppError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound => Self::NotFound("not found".into()),
            StorageError::Stale { current } => Self::Stale {
                current_version: current,
                precondition: false,
            },
            // Logged where it is noticed, not as an internal fault: the database being away
            // is answered 503 with Retry-After until it returns.
            StorageError::Unavailable(err) => {
                tracing::warn!(error = %err, "the database is unreachable");
                Self::Unavailable(DATABASE_UNREACHABLE.into())
            }
            other => Self::internal("storage", other),
        }
    }
}
