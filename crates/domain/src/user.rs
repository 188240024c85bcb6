//! Newsroom accounts: who signs in, under which role, and which byline they write under.

use std::fmt;

use crate::error::ValidationError;
use crate::ids::{AuthorId, UserId};
use crate::role::Role;
use crate::text::Text;
use crate::time::Timestamp;

/// An e-mail address used to sign in, kept in lower case so that one person has one account.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new("email", "must be an address like name@example.com");
        let email = input.trim().to_lowercase();
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let plausible = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && !domain.contains('@');
        if plausible {
            Ok(Self(email))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

/// The shortest password an account may have, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest, in bytes: hashing cost must not be a client's choice.
pub const MAX_PASSWORD_BYTES: usize = 1_024;

/// Checks a new password against the policy (length only: long passphrases beat rules).
pub fn check_new_password(password: &str) -> Result<(), ValidationError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ValidationError::new(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ValidationError::new(
            "password",
            format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// A display name: trimmed, 1–100 characters, no control characters.
pub fn parse_display_name(input: &str) -> Result<String, ValidationError> {
    let name = Text::parse("displayName", input)?.into_string();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ValidationError::new(
            "displayName",
            "must be 1 to 100 characters",
        ));
    }
    Ok(name.to_owned())
}

/// A newsroom account. The password hash is kept by storage and never leaves it in this value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    /// The byline this account writes under; new stories carry it unless told otherwise.
    pub author_id: Option<AuthorId>,
    /// A disabled account cannot sign in, and its tokens stop working.
    pub disabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_kept_in_lower_case() {
        assert_eq!(
            Email::parse(" Kim@News.Example ").unwrap().as_str(),
            "kim@news.example"
        );
        for bad in [
            "",
            "kim",
            "@news.example",
            "kim@",
            "kim@news",
            "a b@c.d",
            "a@b@c.d",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_must_be_long_but_not_endless() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("열두글자보다긴한국어비밀번호").is_ok());
        assert!(check_new_password(&"x".repeat(2_000)).is_err());
    }
}
