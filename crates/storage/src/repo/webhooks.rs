//! Webhook endpoints, and their outbox of deliveries: due ones are claimed by one node's
//! delivery worker for a lease, then marked delivered, rescheduled or failed.

use dateline_domain::{ChangeEventKind, Timestamp, Webhook, WebhookId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _, Set, TransactionTrait as _,
};

use crate::db::Database;
use crate::entity::{webhook, webhook_delivery};
use crate::error::StorageError;
use crate::repo::changes::PENDING;

pub struct Webhooks<'db> {
    pub(crate) db: &'db Database,
}

/// One delivery of an event to an endpoint, as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: i64,
    pub webhook: WebhookId,
    pub kind: String,
    pub article_id: String,
    /// The exact body every attempt sends.
    pub payload: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    /// Try again at this time.
    Retry(Timestamp),
    /// No more attempts.
    GaveUp,
}

fn webhook_from_row(row: webhook::Model) -> Result<Webhook, StorageError> {
    let events: Vec<String> = serde_json::from_str(&row.events)
        .map_err(|err| StorageError::Corrupt(format!("webhook events: {err}")))?;
    Ok(Webhook {
        id: WebhookId::parse(&row.id)?,
        url: url::Url::parse(&row.url)
            .map_err(|err| StorageError::Corrupt(format!("webhook url: {err}")))?,
        events: events
            .iter()
            .map(|event| ChangeEventKind::parse(event))
            .collect::<Result<_, _>>()?,
        secret: row.secret,
        created_at: row.created_at.into(),
    })
}

fn delivery_from_row(row: webhook_delivery::Model) -> Result<WebhookDelivery, StorageError> {
    Ok(WebhookDelivery {
        id: row.id,
        webhook: WebhookId::parse(&row.webhook_id)?,
        kind: row.kind,
        article_id: row.article_id,
        payload: row.payload,
        status: row.status,
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        next_attempt_at: row.next_attempt_at.into(),
        last_status_code: row
            .last_status_code
            .and_then(|code| u16::try_from(code).ok()),
        last_error: row.last_error,
        created_at: row.created_at.into(),
        delivered_at: row.delivered_at.map(Timestamp::from),
    })
}

fn webhook_row(hook: &Webhook) -> Result<webhook::Model, StorageError> {
    let events: Vec<&str> = hook.events.iter().map(ChangeEventKind::as_str).collect();
    Ok(webhook::Model {
        id: hook.id.to_string(),
        url: hook.url.to_string(),
        events: serde_json::to_string(&events)
            .map_err(|err| StorageError::Corrupt(format!("webhook events: {err}")))?,
        secret: hook.secret.clone(),
        created_at: hook.created_at.as_datetime(),
    })
}

impl Webhooks<'_> {
    pub async fn insert(&self, hook: &Webhook) -> Result<(), StorageError> {
        webhook::Entity::insert(webhook::ActiveModel::from(webhook_row(hook)?))
            .exec_without_returning(&self.db.write)
            .await?;
        Ok(())
    }

    /// Writes an endpoint's new URL, events or secret; deliveries still pending go out under
    /// them (the secret signs at sending time).
    pub async fn update(&self, hook: &Webhook) -> Result<(), StorageError> {
        let row = webhook_row(hook)?;
        let result = webhook::Entity::update_many()
            .set(webhook::ActiveModel {
                url: Set(row.url),
                events: Set(row.events),
                secret: Set(row.secret),
                ..Default::default()
            })
            .filter(webhook::Column::Id.eq(hook.id.to_string()))
            .exec(&self.db.write)
            .await?;
        if result.rows_affected == 0 {
            return Err(StorageError::NotFound);
        }
        Ok(())
    }

    /// Removes an endpoint and its outbox in one transaction: nothing more is sent to it, and
    /// no orphaned pending delivery stays due forever in front of others.
    pub async fn delete(&self, id: WebhookId) -> Result<(), StorageError> {
        let txn = self.db.write.begin().await?;
        webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::WebhookId.eq(id.to_string()))
            .exec(&txn)
            .await?;
        let removed = webhook::Entity::delete_by_id(id.to_string())
            .exec(&txn)
            .await?;
        if removed.rows_affected == 0 {
            return Err(StorageError::NotFound);
        }
        txn.commit().await?;
        Ok(())
    }

    /// Every endpoint, oldest first.
    pub async fn all(&self) -> Result<Vec<Webhook>, StorageError> {
        webhook::Entity::find()
            .order_by_asc(webhook::Column::CreatedAt)
            .all(&self.db.read)
            .await?
            .into_iter()
            .map(webhook_from_row)
            .collect()
    }

    pub async fn find(&self, id: WebhookId) -> Result<Option<Webhook>, StorageError> {
        webhook::Entity::find_by_id(id.to_string())
            .one(&self.db.read)
            .await?
            .map(webhook_from_row)
            .transpose()
    }

    /// An endpoint's deliveries, newest first.
    pub async fn deliveries(
        &self,
        id: WebhookId,
        limit: u64,
    ) -> Result<Vec<WebhookDelivery>, StorageError> {
        webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::WebhookId.eq(id.to_string()))
            .order_by_desc(webhook_delivery::Column::Id)
            .limit(limit)
            .all(&self.db.read)
            .await?
            .into_iter()
            .map(delivery_from_row)
            .collect()
    }

    /// Claims up to `limit` pending deliveries due at `now`, oldest first, for `lease`: each is
    /// moved to `now + lease` in one statement that re-checks it is still due, so of several
    /// nodes' workers exactly one gets each delivery. A worker that dies mid-attempt leaves its
    /// claim to lapse; the delivery is then tried again (at least once, never lost).
    pub async fn claim_due(
        &self,
        now: Timestamp,
        limit: u64,
        lease: chrono::Duration,
    ) -> Result<Vec<WebhookDelivery>, StorageError> {
        let due: Vec<i64> = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::Id)
            .filter(webhook_delivery::Column::Status.eq(PENDING))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now.as_datetime()))
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db.write)
            .await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let mut claimed = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                Expr::value(now.plus(lease).as_datetime()),
            )
            .filter(webhook_delivery::Column::Id.is_in(due))
            .filter(webhook_delivery::Column::Status.eq(PENDING))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now.as_datetime()))
            .exec_with_returning(&self.db.write)
            .await?;
        claimed.sort_by_key(|row| row.id);
        claimed.into_iter().map(delivery_from_row).collect()
    }

    /// How many deliveries are still pending (due now or waiting for a retry).
    pub async fn pending_count(&self) -> Result<u64, StorageError> {
        Ok(webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Status.eq(PENDING))
            .count(&self.db.read)
            .await?)
    }

    /// Records one attempt's result. Only a still-pending delivery changes, so two workers that
    /// raced on the same row cannot undo each other's `delivered`.
    pub async fn record_attempt(
        &self,
        delivery: &WebhookDelivery,
        at: Timestamp,
        status_code: Option<u16>,
        error: Option<&str>,
        outcome: &AttemptOutcome,
    ) -> Result<(), StorageError> {
        let attempts = i32::try_from(delivery.attempts + 1).unwrap_or(i32::MAX);
        let (status, next, delivered_at) = match outcome {
            AttemptOutcome::Delivered => ("delivered", at, Some(at.as_datetime())),
            AttemptOutcome::Retry(next) => (PENDING, *next, None),
            AttemptOutcome::GaveUp => ("failed", at, None),
        };
        webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::Status, Expr::value(status))
            .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                Expr::value(next.as_datetime()),
            )
            .col_expr(
                webhook_delivery::Column::LastStatusCode,
                Expr::value(status_code.map(i32::from)),
            )
            .col_expr(
                webhook_delivery::Column::LastError,
                Expr::value(error.map(str::to_owned)),
            )
            .col_expr(
                webhook_delivery::Column::DeliveredAt,
                Expr::value(delivered_at),
            )
            .filter(webhook_delivery::Column::Id.eq(delivery.id))
            .filter(webhook_delivery::Column::Status.eq(PENDING))
            .exec(&self.db.write)
            .await?;
        Ok(())
    }
}
