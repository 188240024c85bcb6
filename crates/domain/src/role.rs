//! Newsroom roles: who may do what. Reporters write their own stories, editors run the desk,
//! admins also manage accounts and sections. Each role holds every power of the ones below it.

use std::fmt;

use crate::error::ValidationError;

/// A newsroom account's role, lowest first: a higher role holds every power of a lower one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Writes stories, edits and submits their own drafts.
    Reporter,
    /// Edits any story, approves, schedules, unpublishes, archives and moderates.
    Editor,
    /// An editor who also manages accounts and sections.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Reporter, Role::Editor, Role::Admin];

    /// The stored and wire name (`reporter`, `editor`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(input.trim()))
            .ok_or_else(|| ValidationError::new("role", "must be one of reporter, editor, admin"))
    }

    /// Whether this role runs the desk: edits anyone's story, approves, unpublishes.
    pub fn is_editor(self) -> bool {
        self >= Role::Editor
    }

    /// Whether this role manages accounts and sections.
    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_rank() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert_eq!(Role::parse(" Editor ").unwrap(), Role::Editor);
        assert!(Role::parse("owner").is_err());
        assert!(!Role::Reporter.is_editor());
        assert!(Role::Editor.is_editor() && Role::Admin.is_editor());
        assert!(Role::Admin.is_admin() && !Role::Editor.is_admin());
    }
}
