//! Validation errors: why a value offered from outside could not become a domain value.

/// A value offered from outside (a request, a seed file, a database row) broke a rule.
///
/// `field` names the offending input in the client's words (`limit`, `cursor`, `headline`) so the
/// API can point at it; `message` says what the rule is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
