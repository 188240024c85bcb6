//! The audit trail: approvals, unpublishing, deletions and account changes — who, what, when.

use crate::ids::{AuditEventId, UserId};
use crate::time::Timestamp;

/// One entry in the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub at: Timestamp,
    /// Who did it; `None` for the command line.
    pub actor: Option<UserId>,
    /// What was done, dotted: `article.approved`, `user.role_changed`, …
    pub action: String,
    /// The id of what it was done to.
    pub subject: String,
    /// The particulars (headline, old and new role, publication time).
    pub detail: serde_json::Value,
}

impl AuditEvent {
    pub fn new(
        at: Timestamp,
        actor: Option<UserId>,
        action: &str,
        subject: &dyn std::fmt::Display,
        detail: serde_json::Value,
    ) -> Self {
        Self {
            id: AuditEventId::generate(),
            at,
            actor,
            action: action.to_owned(),
            subject: subject.to_string(),
            detail,
        }
    }
}
