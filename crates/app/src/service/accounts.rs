//! Accounts and signing in: login with throttling, rotating refresh tokens, and the admin's
//! management of accounts. Every change to an account's role or standing is audited.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dateline_domain::user::{check_new_password, parse_display_name};
use dateline_domain::{AuditEvent, Email, Role, Timestamp, User, UserId, ValidationError};
use dateline_storage::{Database, RefreshToken, Spend, StorageError};
use secrecy::SecretString;
use sha2::{Digest as _, Sha256};

use crate::app::App;
use crate::auth::{Principal, hash_password_off_thread, verify_password_off_thread};
use crate::error::AppError;
use crate::readership::origin::ReaderOrigin;
use crate::service::parse_slug;

/// What a successful sign-in or refresh answers.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

fn refused(detail: &str) -> AppError {
    AppError::Unauthorized {
        detail: detail.into(),
        invalid_token: false,
    }
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Signs in with e-mail and password. Failures are counted per account and per client address
/// (the client a trusted proxy forwarded for, an IPv6 client by its /64, as every other
/// abuse-sensitive count knows it); past the limit the answer is 429 with `Retry-After`, even
/// for the right password.
pub async fn login(
    state: &App,
    email: &str,
    password: SecretString,
    origin: &ReaderOrigin,
) -> Result<Tokens, AppError> {
    let address = origin.network();
    let now = state.now();
    let throttle = state.login_throttle();
    if let Some(retry_after) = throttle.retry_after(email, address, now) {
        return Err(AppError::RateLimited { retry_after });
    }
    let shared = state.shared_limits();
    if let Some(retry_after) = throttle
        .retry_after_everywhere(shared, state.db(), email, address, now)
        .await?
    {
        return Err(AppError::RateLimited { retry_after });
    }
    let account = match Email::parse(email) {
        Ok(email) => state.db().users().find_for_login(&email).await?,
        Err(_) => None,
    };
    let hash = account.as_ref().map(|(_, hash)| hash.clone());
    let matches = verify_password_off_thread(password, hash).await?;
    let user = match account {
        Some((user, _)) if matches && !user.disabled => user,
        _ => {
            throttle.record_failure(email, address, now);
            throttle
                .record_failure_everywhere(shared, state.db(), email, address, now)
                .await?;
            return Err(refused("wrong e-mail or password"));
        }
    };
    throttle.record_success(email);
    throttle
        .record_success_everywhere(shared, state.db(), email, now)
        .await?;
    let family = UserId::generate().to_string().replacen("usr_", "fam_", 1);
    issue(state, &user, family, now).await
}

async fn issue(
    state: &App,
    user: &User,
    family_id: String,
    now: Timestamp,
) -> Result<Tokens, AppError> {
    let settings = &state.settings().newsroom;
    // Read afresh, not from the cache: the token must carry the version as it is now.
    let credential_version = state
        .db()
        .users()
        .standing(user.id)
        .await?
        .map_or(0, |standing| standing.credential_version);
    let access_token = settings.keys.issue_session_access(
        user,
        Some(&family_id),
        credential_version,
        now,
        settings.access_ttl,
    )?;
    let secret: [u8; 32] = rand::random();
    let refresh_token = format!("rt_{}", URL_SAFE_NO_PAD.encode(secret));
    let record = RefreshToken {
        id: UserId::generate().to_string().replacen("usr_", "rft_", 1),
        user_id: user.id,
        family_id,
        expires_at: now.plus(settings.refresh_ttl),
        used: false,
        revoked: false,
    };
    state
        .db()
        .users()
        .insert_refresh_token(&record, &hash_token(&refresh_token), now)
        .await?;
    Ok(Tokens {
        access_token,
        refresh_token,
        expires_in: settings.access_ttl.num_seconds(),
    })
}

/// Trades a refresh token for a new pair. Each token works once: presenting a used one again
/// means it was stolen or replayed, so every token of that sign-in is revoked.
pub async fn refresh(state: &App, token: &str) -> Result<Tokens, AppError> {
    let now = state.now();
    let users = state.db().users();
    let stored = users
        .find_refresh_token(&hash_token(token.trim()))
        .await?
        .ok_or_else(|| refused("the refresh token is not valid"))?;
    if stored.revoked {
        return Err(refused("the refresh token has been revoked; sign in again"));
    }
    if stored.expires_at <= now {
        return Err(refused("the refresh token has expired; sign in again"));
    }
    if users.spend_refresh_token(&stored, now).await? == Spend::Reused {
        // The family's access tokens stop working on their next request, on every node.
        state
            .revocations()
            .forget_family(state.db(), &stored.family_id)
            .await;
        tracing::warn!(user.id = %stored.user_id, "a refresh token was reused; its family is revoked");
        return Err(refused(
            "the refresh token was already used; every token from that sign-in is now revoked",
        ));
    }
    let user = users
        .find(stored.user_id)
        .await?
        .filter(|user| !user.disabled)
        .ok_or_else(|| refused("the account no longer exists or is disabled"))?;
    issue(state, &user, stored.family_id, now).await
}

/// A new account, as an admin or the command line asks for it.
#[derive(Debug)]
pub struct NewAccount {
    pub email: String,
    pub display_name: Option<String>,
    pub role: String,
    pub password: SecretString,
    /// The slug of the byline the account writes under.
    pub author: Option<String>,
}

/// Creates an account. `actor` is the admin who asked, or `None` for the command line.
pub async fn register(
    db: &Database,
    input: NewAccount,
    now: Timestamp,
    actor: Option<UserId>,
) -> Result<User, AppError> {
    let invalid = AppError::Invalid;
    let email = Email::parse(&input.email).map_err(invalid)?;
    let role = Role::parse(&input.role).map_err(invalid)?;
    let display_name = parse_display_name(
        input
            .display_name
            .as_deref()
            .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or_default()),
    )
    .map_err(invalid)?;
    check_new_password(secrecy::ExposeSecret::expose_secret(&input.password)).map_err(invalid)?;
    let author_id = match input.author.as_deref() {
        Some(slug) => Some(find_author(db, slug).await?),
        None => None,
    };
    let user = User {
        id: UserId::generate(),
        email,
        display_name,
        role,
        author_id,
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    let password = input.password;
    let hash = hash_password_off_thread(password).await?;
    let audit = AuditEvent::new(
        now,
        actor,
        "user.created",
        &user.id,
        serde_json::json!({"email": user.email.as_str(), "role": role.as_str()}),
    );
    db.users()
        .insert(&user, &hash, Some(&audit))
        .await
        .map_err(|err| match err {
            StorageError::Conflict { .. } => AppError::Conflict {
                detail: format!("an account for {} already exists", user.email),
                current_status: None,
            },
            other => other.into(),
        })?;
    Ok(user)
}

async fn find_author(db: &Database, slug: &str) -> Result<dateline_domain::AuthorId, AppError> {
    let slug = parse_slug("author", slug).map_err(AppError::Invalid)?;
    db.authors()
        .find_by_slug(&slug)
        .await?
        .map(|author| author.id)
        .ok_or_else(|| {
            AppError::Invalid(ValidationError::new(
                "author",
                format!("no author \"{slug}\""),
            ))
        })
}

/// An admin creates an account.
pub async fn create_user(
    state: &App,
    principal: &Principal,
    input: NewAccount,
) -> Result<User, AppError> {
    principal.require_admin("manage accounts")?;
    register(state.db(), input, state.now(), Some(principal.user.id)).await
}

/// Changes an admin may make to an account; absent fields stay as they are.
#[derive(Debug, Default)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub disabled: Option<bool>,
    pub password: Option<SecretString>,
    /// `Some(None)` unlinks the byline.
    pub author: Option<Option<String>>,
}

/// An admin changes an account. Admins cannot demote or disable themselves, so a newsroom
/// always keeps an admin.
pub async fn update_user(
    state: &App,
    principal: &Principal,
    id: &str,
    changes: AccountChanges,
) -> Result<User, AppError> {
    principal.require_admin("manage accounts")?;
    let missing = || AppError::not_found(format!("no account {id:?}"));
    let id = UserId::parse(id).map_err(|_| missing())?;
    let db = state.db();
    let before = db.users().find(id).await?.ok_or_else(missing)?;
    let mut user = before.clone();
    let invalid = AppError::Invalid;
    if let Some(name) = &changes.display_name {
        user.display_name = parse_display_name(name).map_err(invalid)?;
    }
    if let Some(role) = &changes.role {
        user.role = Role::parse(role).map_err(invalid)?;
    }
    if let Some(disabled) = changes.disabled {
        user.disabled = disabled;
    }
    if let Some(author) = &changes.author {
        user.author_id = match author {
            Some(slug) => Some(find_author(db, slug).await?),
            None => None,
        };
    }
    if user.id == principal.user.id && (user.role != before.role || user.disabled) {
        return Err(AppError::Conflict {
            detail: "admins cannot demote or disable their own account".into(),
            current_status: None,
        });
    }
    let hash = match changes.password {
        Some(password) => {
            check_new_password(secrecy::ExposeSecret::expose_secret(&password)).map_err(invalid)?;
            Some(hash_password_off_thread(password).await?)
        }
        None => None,
    };
    let now = state.now();
    user.updated_at = now;
    let (action, detail) = if user.role != before.role {
        (
            "user.role_changed",
            serde_json::json!({"from": before.role.as_str(), "to": user.role.as_str()}),
        )
    } else if user.disabled != before.disabled {
        (
            if user.disabled {
                "user.disabled"
            } else {
                "user.enabled"
            },
            serde_json::json!({}),
        )
    } else {
        (
            "user.updated",
            serde_json::json!({"passwordChanged": hash.is_some()}),
        )
    };
    let audit = AuditEvent::new(now, Some(principal.user.id), action, &user.id, detail);
    let revokes = user.disabled || hash.is_some();
    db.users()
        .update(&user, hash.as_deref(), Some(&audit))
        .await?;
    if revokes {
        // The storage raised the credential version; every node drops what it cached, so the
        // account's tokens and preview links are refused on their next request.
        state.revocations().forget_user(db, user.id).await;
    }
    Ok(user)
}

/// Every account, for an admin.
pub async fn list_users(state: &App, principal: &Principal) -> Result<Vec<User>, AppError> {
    principal.require_admin("list accounts")?;
    Ok(state.db().users().all().await?)
}

/// The audit trail, newest first, for editors and admins.
pub async fn audit_trail(
    state: &App,
    principal: &Principal,
    subject: Option<&str>,
    before: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<AuditEvent>, AppError> {
    principal.require_editor("read the audit trail")?;
    let size = dateline_domain::PageSize::parse(limit)?;
    let before = before
        .map(|id| {
            dateline_domain::AuditEventId::parse(id)
                .map_err(|err| ValidationError::new("before", err.message))
        })
        .transpose()?;
    Ok(state.db().audit().list(subject, before, size.get()).await?)
}
