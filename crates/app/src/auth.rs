//! Who a request is: argon2id passwords, the signed-in [`Principal`], and the check of an access
//! token against its account's standing on every request.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use dateline_domain::{Actor, Role, User, UserId};
use secrecy::{ExposeSecret as _, SecretString};

use crate::app::App;
use crate::error::AppError;
use crate::keys::TokenProblem;

/// Hashes a password with argon2id (default parameters, a fresh salt). Slow on purpose: call it
/// off the async threads.
pub fn hash_password(password: &SecretString) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| AppError::internal("hashing a password", err.to_string()))
}

/// A hash of nothing anyone knows, verified against when an e-mail has no account, so that a
/// wrong e-mail costs as long as a wrong password.
static DECOY_HASH: LazyLock<Option<String>> =
    LazyLock::new(|| hash_password(&SecretString::from("decoy password, never valid")).ok());

/// Whether `password` matches `hash` (a PHC string); `None` checks against a decoy and fails.
pub fn verify_password(password: &SecretString, hash: Option<&str>) -> bool {
    let (hash, real) = match hash {
        Some(hash) => (hash, true),
        None => match DECOY_HASH.as_deref() {
            Some(decoy) => (decoy, false),
            None => return false,
        },
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.expose_secret().as_bytes(), &parsed)
        .is_ok();
    real && matches
}

/// [`hash_password`] on the blocking pool: argon2 is slow on purpose, and on an async thread it
/// would stall every other request that thread serves. The one wrapper every use case calls.
pub async fn hash_password_off_thread(password: SecretString) -> Result<String, AppError> {
    off_async_threads(move || hash_password(&password)).await?
}

/// [`verify_password`] on the blocking pool, for the same reason as [`hash_password_off_thread`].
pub async fn verify_password_off_thread(
    password: SecretString,
    hash: Option<String>,
) -> Result<bool, AppError> {
    off_async_threads(move || verify_password(&password, hash.as_deref())).await
}

async fn off_async_threads<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| AppError::internal("password work", err))
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    /// The account's credential version the request was judged under (what preview links it
    /// mints carry).
    pub credential_version: i32,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor {
            user: self.user.id,
            role: self.user.role,
        }
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Refuses unless the account holds at least an editor's role.
    pub fn require_editor(&self, what: &str) -> Result<(), AppError> {
        if self.user.role.is_editor() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("only editors may {what}")))
        }
    }

    /// Refuses unless the account is an admin.
    pub fn require_admin(&self, what: &str) -> Result<(), AppError> {
        if self.user.role.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("only admins may {what}")))
        }
    }
}

fn unauthorized(detail: &str, invalid_token: bool) -> AppError {
    AppError::Unauthorized {
        detail: detail.into(),
        invalid_token,
    }
}

/// Who sent a request, from its `Authorization` header value. Missing, malformed, expired or
/// tampered credentials and disabled accounts are all 401.
pub async fn authenticate(state: &App, authorization: Option<&str>) -> Result<Principal, AppError> {
    let Some(value) = authorization else {
        return Err(unauthorized(
            "sign in: send Authorization: Bearer <access token>",
            false,
        ));
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| unauthorized("the Authorization header must be Bearer <token>", true))?;
    let grant = state
        .settings()
        .newsroom
        .keys
        .verify_access_grant(token, state.now())
        .map_err(|problem| match problem {
            TokenProblem::Expired => unauthorized("the access token has expired; refresh it", true),
            TokenProblem::Invalid => unauthorized("the access token is not valid", true),
        })?;
    let credential_version = check_standing(state, grant.user, grant.credential_version).await?;
    if let Some(family) = &grant.family
        && state
            .revocations()
            .family_revoked(state.db(), family)
            .await?
    {
        return Err(unauthorized(
            "the sign-in this token came from has been revoked; sign in again",
            true,
        ));
    }
    let user = state
        .db()
        .users()
        .find(grant.user)
        .await?
        .filter(|user| !user.disabled)
        .ok_or_else(|| unauthorized("the account no longer exists or is disabled", true))?;
    Ok(Principal {
        user,
        credential_version,
    })
}

/// Judges a token's account and credential version against the account's current standing
/// (cached, dropped at once on revocation); answers the version, or a 401 saying why the token
/// is dead.
pub(crate) async fn check_standing(
    state: &App,
    user: UserId,
    credential_version: i32,
) -> Result<i32, AppError> {
    match state.revocations().standing(state.db(), user).await? {
        Some(standing)
            if !standing.disabled && standing.credential_version == credential_version =>
        {
            Ok(standing.credential_version)
        }
        Some(standing) if !standing.disabled => Err(unauthorized(
            "the account's credentials changed since this token was issued; sign in again",
            true,
        )),
        _ => Err(unauthorized(
            "the account no longer exists or is disabled",
            true,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_against_their_hash_only() {
        let hash = hash_password(&SecretString::from("부산 앞바다 갈매기 2026")).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(
            &SecretString::from("부산 앞바다 갈매기 2026"),
            Some(&hash)
        ));
        assert!(!verify_password(
            &SecretString::from("틀린 비밀번호입니다"),
            Some(&hash)
        ));
        assert!(!verify_password(
            &SecretString::from("decoy password, never valid"),
            None
        ));
    }
}
