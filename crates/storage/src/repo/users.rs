//! Accounts and their refresh tokens. Password hashes stay inside this module's callers' reach
//! only as opaque PHC strings; refresh tokens only as hashes.

use dateline_domain::{AuditEvent, Email, Timestamp, User, UserId};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _,
    PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
    TransactionTrait as _,
};

use crate::convert::audit_row;
use crate::db::Database;
use crate::entity::{audit_event, refresh_token, user};
use crate::error::StorageError;
use crate::repo::convert_all;

pub struct Users<'db> {
    pub(crate) db: &'db Database,
}

/// A stored refresh token, by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub id: String,
    pub user_id: UserId,
    pub family_id: String,
    pub expires_at: Timestamp,
    pub used: bool,
    pub revoked: bool,
}

/// What an account's tokens are judged against on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub credential_version: i32,
    pub disabled: bool,
}

/// What happened when a refresh token was spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    /// It was fresh and is now used; the caller issues the next in its family.
    Spent,
    /// It had been used before: the family is now revoked.
    Reused,
}

fn user_row(user: &User, password_hash: &str) -> user::Model {
    user::Model {
        id: user.id.to_string(),
        email: user.email.to_string(),
        display_name: user.display_name.clone(),
        role: user.role.as_str().to_owned(),
        password_hash: password_hash.to_owned(),
        author_id: user.author_id.map(|id| id.to_string()),
        disabled: user.disabled,
        credential_version: 0,
        created_at: user.created_at.as_datetime(),
        updated_at: user.updated_at.as_datetime(),
    }
}

impl Users<'_> {
    /// Creates an account; an e-mail already in use is a [`StorageError::Conflict`].
    pub async fn insert(
        &self,
        user: &User,
        password_hash: &str,
        audit: Option<&AuditEvent>,
    ) -> Result<(), StorageError> {
        let txn = self.db.write.begin().await?;
        user::ActiveModel::from(user_row(user, password_hash))
            .insert(&txn)
            .await?;
        if let Some(event) = audit {
            audit_event::ActiveModel::from(audit_row(event))
                .insert(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Saves changed account fields (and a new password hash when given) with its audit entry.
    /// A disabled account loses its refresh tokens in the same transaction.
    pub async fn update(
        &self,
        user: &User,
        password_hash: Option<&str>,
        audit: Option<&AuditEvent>,
    ) -> Result<(), StorageError> {
        let txn = self.db.write.begin().await?;
        let mut row = user::ActiveModel {
            id: sea_orm::ActiveValue::Unchanged(user.id.to_string()),
            display_name: Set(user.display_name.clone()),
            role: Set(user.role.as_str().to_owned()),
            author_id: Set(user.author_id.map(|id| id.to_string())),
            disabled: Set(user.disabled),
            updated_at: Set(user.updated_at.as_datetime()),
            ..Default::default()
        };
        if let Some(hash) = password_hash {
            row.password_hash = Set(hash.to_owned());
        }
        let mut update = user::Entity::update_many().set(row);
        if user.disabled || password_hash.is_some() {
            // Every token issued under the old version stops working on its next request.
            update = update.col_expr(
                user::Column::CredentialVersion,
                sea_orm::sea_query::ExprTrait::add(
                    sea_orm::sea_query::Expr::col(user::Column::CredentialVersion),
                    1,
                ),
            );
        }
        let updated = update
            .filter(user::Column::Id.eq(user.id.to_string()))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            return Err(StorageError::NotFound);
        }
        if user.disabled || password_hash.is_some() {
            revoke_all(&txn, user.id, user.updated_at).await?;
        }
        if let Some(event) = audit {
            audit_event::ActiveModel::from(audit_row(event))
                .insert(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    pub async fn find(&self, id: UserId) -> Result<Option<User>, StorageError> {
        user::Entity::find_by_id(id.to_string())
            .one(&self.db.read)
            .await?
            .map(User::try_from)
            .transpose()
    }

    /// What tokens of an account are judged against: its credential version and whether it
    /// is disabled. `None` when there is no such account.
    pub async fn standing(&self, id: UserId) -> Result<Option<Standing>, StorageError> {
        let row = user::Entity::find_by_id(id.to_string())
            .select_only()
            .column(user::Column::CredentialVersion)
            .column(user::Column::Disabled)
            .into_tuple::<(i32, bool)>()
            .one(&self.db.read)
            .await?;
        Ok(row.map(|(credential_version, disabled)| Standing {
            credential_version,
            disabled,
        }))
    }

    /// Whether a sign-in family has been revoked (a reused refresh token, a password change, a
    /// disabled account).
    pub async fn family_revoked(&self, family_id: &str) -> Result<bool, StorageError> {
        let revoked = refresh_token::Entity::find()
            .filter(refresh_token::Column::FamilyId.eq(family_id))
            .filter(refresh_token::Column::RevokedAt.is_not_null())
            .count(&self.db.read)
            .await?;
        Ok(revoked > 0)
    }

    pub async fn find_by_ids(&self, ids: &[UserId]) -> Result<Vec<User>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().map(ToString::to_string)))
            .all(&self.db.read)
            .await?;
        convert_all(rows)
    }

    /// An account and its password hash, by e-mail, for signing in.
    pub async fn find_for_login(
        &self,
        email: &Email,
    ) -> Result<Option<(User, String)>, StorageError> {
        let Some(row) = user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&self.db.read)
            .await?
        else {
            return Ok(None);
        };
        let hash = row.password_hash.clone();
        Ok(Some((User::try_from(row)?, hash)))
    }

    /// Every account, by e-mail.
    pub async fn all(&self) -> Result<Vec<User>, StorageError> {
        let rows = user::Entity::find()
            .order_by_asc(user::Column::Email)
            .all(&self.db.read)
            .await?;
        convert_all(rows)
    }

    pub async fn count(&self) -> Result<u64, StorageError> {
        Ok(user::Entity::find().count(&self.db.read).await?)
    }

    /// Stores a new refresh token (by its hash).
    pub async fn insert_refresh_token(
        &self,
        token: &RefreshToken,
        token_hash: &str,
        issued_at: Timestamp,
    ) -> Result<(), StorageError> {
        refresh_token::ActiveModel::from(refresh_token::Model {
            id: token.id.clone(),
            user_id: token.user_id.to_string(),
            family_id: token.family_id.clone(),
            token_hash: token_hash.to_owned(),
            issued_at: issued_at.as_datetime(),
            expires_at: token.expires_at.as_datetime(),
            used_at: None,
            revoked_at: None,
        })
        .insert(&self.db.write)
        .await?;
        Ok(())
    }

    pub async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<RefreshToken>, StorageError> {
        let row = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(token_hash))
            .one(&self.db.write)
            .await?;
        row.map(|row| {
            Ok(RefreshToken {
                user_id: UserId::parse(&row.user_id)?,
                id: row.id,
                family_id: row.family_id,
                expires_at: row.expires_at.into(),
                used: row.used_at.is_some(),
                revoked: row.revoked_at.is_some(),
            })
        })
        .transpose()
    }

    /// Marks a token used, exactly once: of two requests racing with the same token, one spends
    /// it and the other is treated as reuse, which revokes the family.
    pub async fn spend_refresh_token(
        &self,
        token: &RefreshToken,
        now: Timestamp,
    ) -> Result<Spend, StorageError> {
        let spent = refresh_token::Entity::update_many()
            .col_expr(
                refresh_token::Column::UsedAt,
                sea_orm::sea_query::Expr::value(now.as_datetime()),
            )
            .filter(refresh_token::Column::Id.eq(token.id.clone()))
            .filter(refresh_token::Column::UsedAt.is_null())
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&self.db.write)
            .await?;
        if spent.rows_affected == 1 {
            return Ok(Spend::Spent);
        }
        self.revoke_family(&token.family_id, now).await?;
        Ok(Spend::Reused)
    }

    /// Revokes every token of a family.
    pub async fn revoke_family(&self, family_id: &str, now: Timestamp) -> Result<(), StorageError> {
        refresh_token::Entity::update_many()
            .col_expr(
                refresh_token::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(now.as_datetime()),
            )
            .filter(refresh_token::Column::FamilyId.eq(family_id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&self.db.write)
            .await?;
        Ok(())
    }
}

async fn revoke_all(
    txn: &sea_orm::DatabaseTransaction,
    user: UserId,
    now: Timestamp,
) -> Result<(), StorageError> {
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now.as_datetime()),
        )
        .filter(refresh_token::Column::UserId.eq(user.to_string()))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}
