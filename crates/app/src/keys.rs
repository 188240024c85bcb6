//! Signing keys and the tokens they make: short-lived access JWTs and preview tokens.
//!
//! Tokens are HS256 JWTs with a `kid` naming the key, so a new secret can take over while tokens
//! signed with the previous one still verify. Expiry is judged against the application's clock,
//! not the library's, so tests move time instead of waiting. Access and preview tokens carry
//! different audiences: neither is accepted as the other.

use dateline_domain::{ArticleId, Timestamp, User, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret as _, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::AppError;

/// The shortest JWT secret the server accepts, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

const ISSUER: &str = "dateline";
const ACCESS_AUDIENCE: &str = "dateline-api";
const PREVIEW_AUDIENCE: &str = "dateline-preview";

/// Why a secret was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("a JWT secret must be at least {MIN_SECRET_BYTES} bytes")]
    TooShort,
    #[error("the JWT secret could not be used: {0}")]
    Unusable(String),
}

#[derive(Clone)]
struct Key {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Key {
    fn new(secret: &[u8]) -> Result<Self, KeyError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(KeyError::TooShort);
        }
        // The kid is a digest of the secret: stable across nodes and restarts, and no help in
        // guessing the secret.
        let digest = Sha256::new()
            .chain_update(b"dateline-kid\0")
            .chain_update(secret)
            .finalize();
        let kid = hex::encode(&digest[..8]);
        Ok(Self {
            kid,
            encoding: EncodingKey::from_secret(secret)
                .map_err(|err| KeyError::Unusable(err.to_string()))?,
            decoding: DecodingKey::from_secret(secret)
                .map_err(|err| KeyError::Unusable(err.to_string()))?,
        })
    }
}

/// The keys tokens are signed and verified with: the current one signs; the previous one, while
/// configured, still verifies.
#[derive(Clone)]
pub struct SigningKeys {
    current: Key,
    previous: Option<Key>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("current", &self.current.kid)
            .field("previous", &self.previous.as_ref().map(|key| &key.kid))
            .finish()
    }
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    Expired,
    Invalid,
}

impl SigningKeys {
    pub fn new(current: &SecretString, previous: Option<&SecretString>) -> Result<Self, KeyError> {
        Ok(Self {
            current: Key::new(current.expose_secret().as_bytes())?,
            previous: previous
                .map(|secret| Key::new(secret.expose_secret().as_bytes()))
                .transpose()?,
        })
    }

    /// Keys from a fresh random secret, for development and tests: tokens die with the process.
    pub fn random() -> Self {
        let secret: [u8; 32] = rand::random();
        let text = hex::encode(secret);
        Self::new(&SecretString::from(text), None).unwrap_or_else(|_| unreachable!("64 hex chars"))
    }

    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, AppError> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.current.encoding)
            .map_err(|err| AppError::internal("signing a token", err))
    }

    fn verify<T: DeserializeOwned + Expiring>(
        &self,
        token: &str,
        audience: &str,
        now: Timestamp,
    ) -> Result<T, TokenProblem> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenProblem::Invalid)?;
        let key = match header.kid.as_deref() {
            Some(kid) if kid == self.current.kid => &self.current,
            Some(kid) => self
                .previous
                .as_ref()
                .filter(|key| key.kid == kid)
                .ok_or(TokenProblem::Invalid)?,
            None => return Err(TokenProblem::Invalid),
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "sub", "aud", "iss"]);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[ISSUER]);
        let claims = jsonwebtoken::decode::<T>(token, &key.decoding, &validation)
            .map_err(|_| TokenProblem::Invalid)?
            .claims;
        if claims.expires_at() <= now.unix_seconds() {
            return Err(TokenProblem::Expired);
        }
        Ok(claims)
    }

    /// A short-lived access token for `user` outside any sign-in (tools, benches, tests): no
    /// family, and the first credential version, so it dies when the password is first set or
    /// the account disabled.
    pub fn issue_access(
        &self,
        user: &User,
        now: Timestamp,
        ttl: chrono::Duration,
    ) -> Result<String, AppError> {
        self.issue_session_access(user, None, 0, now, ttl)
    }

    /// A short-lived access token for `user` from one sign-in: it carries the sign-in's family
    /// and the account's credential version, so revoking either refuses it on its next use.
    pub(crate) fn issue_session_access(
        &self,
        user: &User,
        family: Option<&str>,
        credential_version: i32,
        now: Timestamp,
        ttl: chrono::Duration,
    ) -> Result<String, AppError> {
        self.sign(&AccessClaims {
            iss: ISSUER.into(),
            aud: ACCESS_AUDIENCE.into(),
            sub: user.id.to_string(),
            role: user.role.as_str().into(),
            fam: family.map(str::to_owned),
            cv: credential_version,
            iat: now.unix_seconds(),
            exp: now.plus(ttl).unix_seconds(),
        })
    }

    /// Checks an access token and answers whose it is.
    #[cfg(test)]
    pub(crate) fn verify_access(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<UserId, TokenProblem> {
        self.verify_access_grant(token, now).map(|grant| grant.user)
    }

    /// Checks an access token's signature, audience and expiry; answers what it claims, which
    /// [`authenticate`] then judges against the account's current standing.
    pub(crate) fn verify_access_grant(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<AccessGrant, TokenProblem> {
        let claims: AccessClaims = self.verify(token, ACCESS_AUDIENCE, now)?;
        Ok(AccessGrant {
            user: UserId::parse(&claims.sub).map_err(|_| TokenProblem::Invalid)?,
            family: claims.fam,
            credential_version: claims.cv,
        })
    }

    /// A preview token for one story, minted by `by` under its credential version: it dies
    /// with its minter's access (account disabled or password set).
    pub(crate) fn issue_preview(
        &self,
        article: ArticleId,
        by: UserId,
        credential_version: i32,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<String, AppError> {
        self.sign(&PreviewClaims {
            iss: ISSUER.into(),
            aud: PREVIEW_AUDIENCE.into(),
            sub: article.to_string(),
            by: by.to_string(),
            cv: credential_version,
            iat: now.unix_seconds(),
            exp: expires_at.unix_seconds(),
        })
    }

    /// Checks a preview token and answers the story it opens.
    #[cfg(test)]
    pub(crate) fn verify_preview(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<ArticleId, TokenProblem> {
        self.verify_preview_grant(token, now)
            .map(|grant| grant.article)
    }

    /// Checks a preview token; answers the story it opens and who minted it, under which
    /// credential version.
    pub(crate) fn verify_preview_grant(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<PreviewGrant, TokenProblem> {
        let claims: PreviewClaims = self.verify(token, PREVIEW_AUDIENCE, now)?;
        Ok(PreviewGrant {
            article: ArticleId::parse(&claims.sub).map_err(|_| TokenProblem::Invalid)?,
            by: UserId::parse(&claims.by).map_err(|_| TokenProblem::Invalid)?,
            credential_version: claims.cv,
        })
    }
}

/// What a verified access token claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccessGrant {
    pub(crate) user: UserId,
    /// The sign-in it came from; `None` for tokens minted outside a sign-in.
    pub(crate) family: Option<String>,
    pub(crate) credential_version: i32,
}

/// What a verified preview token claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreviewGrant {
    pub(crate) article: ArticleId,
    pub(crate) by: UserId,
    pub(crate) credential_version: i32,
}

trait Expiring {
    fn expires_at(&self) -> i64;
}

#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    iss: String,
    aud: String,
    sub: String,
    /// For clients to read; the server reads the account's current role from storage.
    role: String,
    /// The sign-in family: revoked when a refresh token of it is reused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fam: Option<String>,
    /// The account's credential version when issued (tokens from before it existed read 0).
    #[serde(default)]
    cv: i32,
    iat: i64,
    exp: i64,
}

impl Expiring for AccessClaims {
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct PreviewClaims {
    iss: String,
    aud: String,
    sub: String,
    /// Who minted it.
    by: String,
    /// The minter's credential version when minted.
    #[serde(default)]
    cv: i32,
    iat: i64,
    exp: i64,
}

impl Expiring for PreviewClaims {
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

#[cfg(test)]
mod tests {
    use dateline_domain::Role;

    use super::*;

    fn user() -> User {
        let now = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        User {
            id: UserId::generate(),
            email: dateline_domain::Email::parse("kim@news.example").unwrap(),
            display_name: "김민지".into(),
            role: Role::Editor,
            author_id: None,
            disabled: false,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let keys = SigningKeys::random();
        let now = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let user = user();
        let token = keys
            .issue_access(&user, now, chrono::Duration::minutes(15))
            .unwrap();
        assert_eq!(keys.verify_access(&token, now), Ok(user.id));
        let later = now.plus(chrono::Duration::minutes(15));
        assert_eq!(
            keys.verify_access(&token, later),
            Err(TokenProblem::Expired)
        );
    }

    #[test]
    fn a_tampered_or_foreign_token_is_refused() {
        let keys = SigningKeys::random();
        let now = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let token = keys
            .issue_access(&user(), now, chrono::Duration::minutes(15))
            .unwrap();
        let mut tampered = token.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(
            keys.verify_access(&tampered, now),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(
            SigningKeys::random().verify_access(&token, now),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(keys.verify_preview(&token, now), Err(TokenProblem::Invalid));
    }

    #[test]
    fn tokens_signed_with_the_previous_secret_still_verify() {
        let old = SecretString::from("o".repeat(32));
        let new = SecretString::from("n".repeat(40));
        let now = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let user = user();
        let before = SigningKeys::new(&old, None).unwrap();
        let token = before
            .issue_access(&user, now, chrono::Duration::minutes(15))
            .unwrap();
        let rotated = SigningKeys::new(&new, Some(&old)).unwrap();
        assert_eq!(rotated.verify_access(&token, now), Ok(user.id));
        let dropped = SigningKeys::new(&new, None).unwrap();
        assert_eq!(
            dropped.verify_access(&token, now),
            Err(TokenProblem::Invalid)
        );
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(matches!(
            SigningKeys::new(&SecretString::from("too short"), None),
            Err(KeyError::TooShort)
        ));
    }
}
