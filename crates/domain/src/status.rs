//! The editorial status of a story: the names it is stored and sent under. The rules for moving
//! between statuses are in [`crate::workflow`]; which statuses the public sees, in
//! [`crate::visibility`].

use std::fmt;

use crate::error::ValidationError;

/// Where a story stands in the editorial workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    Submitted,
    Published,
    Scheduled,
    Unpublished,
    Archived,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Submitted,
        Status::Published,
        Status::Scheduled,
        Status::Unpublished,
        Status::Archived,
    ];

    /// The stored and wire name (`DRAFT`, `PUBLISHED`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "DRAFT",
            Status::Submitted => "SUBMITTED",
            Status::Published => "PUBLISHED",
            Status::Scheduled => "SCHEDULED",
            Status::Unpublished => "UNPUBLISHED",
            Status::Archived => "ARCHIVED",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(input))
            .ok_or_else(|| ValidationError::new("status", format!("unknown status {input:?}")))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()).unwrap(), status);
        }
        assert!(Status::parse("LIVE").is_err());
    }
}
