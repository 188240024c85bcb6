//! The change feed: story events written in the same transaction as the story
//! ([`record_change`]), and the webhook deliveries each event owes, written alongside as an
//! outbox.
//!
//! The feed is read in position order. An event gets its position when it becomes visible: at
//! once, or — a scheduled publication — from the first write or read of the feed after its time.
//! Positions come from a one-row counter that each writer updates and so holds until it commits;
//! commits therefore land in position order, and a mirror reading continuously never sees a
//! position after one still uncommitted, however the writers interleave on PostgreSQL
//! (decision 0601).

use dateline_domain::syndication::ChangeCursor;
use dateline_domain::{
    ArticleId, ChangeEvent, ChangeEventKind, CommentId, Page, SectionId, Timestamp,
};
use sea_orm::sea_query::{Condition, Expr, ExprTrait as _, Query};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DbBackend, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, QuerySelect as _, Statement, TransactionTrait as _,
};

use crate::db::Database;
use crate::entity::{article_section_history, content_change, webhook, webhook_delivery};
use crate::error::StorageError;

pub struct Changes<'db> {
    pub(crate) db: &'db Database,
}

/// An event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChange {
    pub kind: ChangeEventKind,
    pub article: ArticleId,
    /// The comment a `comment.*` event is about.
    pub comment: Option<CommentId>,
    /// When the event may be seen (a scheduled publication's time, else the write's).
    pub visible_at: Timestamp,
    pub recorded_at: Timestamp,
}

/// A delivery waiting in the outbox is `pending` until the receiver answers 2xx (`delivered`) or
/// the attempts run out (`failed`).
pub const PENDING: &str = "pending";

/// Records one event inside the caller's transaction, with a pending delivery to every webhook
/// that subscribed to its kind, due when the event becomes visible. Any writer whose changes
/// partners must hear of calls this in its own transaction.
pub async fn record_change(
    txn: &impl ConnectionTrait,
    change: &NewChange,
) -> Result<(), StorageError> {
    record_changes(txn, std::slice::from_ref(change)).await
}

/// Records many events at once (imports): the webhooks are read once, and events nobody
/// subscribed to go in as multi-row inserts.
pub async fn record_changes(
    txn: &impl ConnectionTrait,
    changes: &[NewChange],
) -> Result<(), StorageError> {
    let Some(now) = changes.iter().map(|change| change.recorded_at).max() else {
        return Ok(());
    };
    // Events that came due go first, so nothing written now can precede them in the feed.
    let mut last = take_counter(txn).await?;
    last = release_due(txn, now, last).await?;
    let mut position = |change: &NewChange| {
        (change.visible_at <= change.recorded_at).then(|| {
            last += 1;
            last
        })
    };
    let positions: Vec<Option<i64>> = changes.iter().map(&mut position).collect();
    let hooks: Vec<(String, Vec<String>)> = webhook::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|hook| {
            let events = serde_json::from_str::<Vec<String>>(&hook.events).unwrap_or_default();
            (hook.id, events)
        })
        .collect();
    let subscribers = |change: &NewChange| -> Vec<String> {
        hooks
            .iter()
            .filter(|(_, events)| events.iter().any(|event| event == change.kind.as_str()))
            .map(|(id, _)| id.clone())
            .collect()
    };
    let row = |change: &NewChange, position: Option<i64>| content_change::ActiveModel {
        kind: sea_orm::Set(change.kind.as_str().to_owned()),
        article_id: sea_orm::Set(change.article.to_string()),
        comment_id: sea_orm::Set(change.comment.map(|id| id.to_string())),
        visible_at: sea_orm::Set(change.visible_at.as_datetime()),
        recorded_at: sea_orm::Set(change.recorded_at.as_datetime()),
        feed_position: sea_orm::Set(position),
        ..Default::default()
    };
    let mut unsubscribed = Vec::new();
    for (change, position) in changes.iter().zip(positions) {
        let subscribed = subscribers(change);
        if subscribed.is_empty() {
            unsubscribed.push(row(change, position));
            continue;
        }
        // The deliveries name their event, so this one is inserted on its own for its number.
        let seq = content_change::Entity::insert(row(change, position))
            .exec(txn)
            .await?
            .last_insert_id;
        enqueue_deliveries(txn, change, seq, subscribed).await?;
    }
    for chunk in unsubscribed.chunks(500) {
        content_change::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    set_counter(txn, last).await
}

/// A statement with one value, its placeholder spelt for the engine.
fn statement(backend: DbBackend, sql: &str, value: sea_orm::Value) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => sql.replace('?', "$1"),
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, [value])
}

/// Locks the feed's counter until the caller's transaction ends, and answers the last position
/// handed out. Every writer of positions comes through here, so they commit one after another.
async fn take_counter(txn: &impl ConnectionTrait) -> Result<i64, StorageError> {
    let backend = txn.get_database_backend();
    let row = txn
        .query_one_raw(statement(
            backend,
            "UPDATE change_feed_counter SET last_position = last_position + ? WHERE id = 1 \
             RETURNING last_position",
            0_i64.into(),
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("the change feed has no counter".into()))?;
    Ok(row.try_get("", "last_position")?)
}

async fn set_counter(txn: &impl ConnectionTrait, last: i64) -> Result<(), StorageError> {
    let backend = txn.get_database_backend();
    txn.execute_raw(statement(
        backend,
        "UPDATE change_feed_counter SET last_position = ? WHERE id = 1",
        last.into(),
    ))
    .await?;
    Ok(())
}

/// Gives the events whose time has come their positions after `last`, in the order they became
/// visible; answers the new last position. The counter must be held.
async fn release_due(
    txn: &impl ConnectionTrait,
    now: Timestamp,
    mut last: i64,
) -> Result<i64, StorageError> {
    let due: Vec<i64> = content_change::Entity::find()
        .select_only()
        .column(content_change::Column::Seq)
        .filter(content_change::Column::FeedPosition.is_null())
        .filter(content_change::Column::VisibleAt.lte(now.as_datetime()))
        .order_by_asc(content_change::Column::VisibleAt)
        .order_by_asc(content_change::Column::Seq)
        .into_tuple()
        .all(txn)
        .await?;
    for seq in due {
        last += 1;
        content_change::Entity::update_many()
            .col_expr(content_change::Column::FeedPosition, Expr::value(last))
            .filter(content_change::Column::Seq.eq(seq))
            .exec(txn)
            .await?;
    }
    Ok(last)
}

/// The outbox rows for one event: one per subscribed webhook, due when the event is visible.
async fn enqueue_deliveries(
    txn: &impl ConnectionTrait,
    change: &NewChange,
    seq: i64,
    webhooks: Vec<String>,
) -> Result<(), StorageError> {
    let mut payload = serde_json::json!({
        "id": format!("evt_{seq}"),
        "type": change.kind.as_str(),
        "articleId": change.article.to_string(),
        "occurredAt": change.visible_at.as_datetime().to_rfc3339(),
    });
    if let Some(comment) = change.comment {
        payload["commentId"] = comment.to_string().into();
    }
    let payload = payload.to_string();
    let deliveries = webhooks
        .into_iter()
        .map(|webhook_id| webhook_delivery::ActiveModel {
            webhook_id: sea_orm::Set(webhook_id),
            change_seq: sea_orm::Set(seq),
            kind: sea_orm::Set(change.kind.as_str().to_owned()),
            article_id: sea_orm::Set(change.article.to_string()),
            payload: sea_orm::Set(payload.clone()),
            status: sea_orm::Set(PENDING.to_owned()),
            attempts: sea_orm::Set(0),
            next_attempt_at: sea_orm::Set(change.visible_at.as_datetime()),
            last_status_code: sea_orm::Set(None),
            last_error: sea_orm::Set(None),
            created_at: sea_orm::Set(change.recorded_at.as_datetime()),
            delivered_at: sea_orm::Set(None),
            ..Default::default()
        });
    webhook_delivery::Entity::insert_many(deliveries)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Takes back a story's events that nobody can have seen yet (a scheduled publication that is
/// rescheduled, withdrawn or deleted before its time), with their pending deliveries.
pub(crate) async fn withdraw_unseen(
    txn: &impl ConnectionTrait,
    article: ArticleId,
    now: Timestamp,
) -> Result<(), StorageError> {
    let unseen: Vec<i64> = content_change::Entity::find()
        .select_only()
        .column(content_change::Column::Seq)
        .filter(content_change::Column::ArticleId.eq(article.to_string()))
        .filter(content_change::Column::FeedPosition.is_null())
        .filter(content_change::Column::VisibleAt.gt(now.as_datetime()))
        .into_tuple()
        .all(txn)
        .await?;
    if unseen.is_empty() {
        return Ok(());
    }
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::ChangeSeq.is_in(unseen.clone()))
        .filter(webhook_delivery::Column::Status.eq(PENDING))
        .exec(txn)
        .await?;
    content_change::Entity::delete_many()
        .filter(content_change::Column::Seq.is_in(unseen))
        .exec(txn)
        .await?;
    Ok(())
}

/// Whether any event about the story has become visible (a mirror may hold it).
pub(crate) async fn was_announced(
    txn: &impl ConnectionTrait,
    article: ArticleId,
    now: Timestamp,
) -> Result<bool, StorageError> {
    let found = content_change::Entity::find()
        .select_only()
        .column(content_change::Column::Seq)
        .filter(content_change::Column::ArticleId.eq(article.to_string()))
        .filter(content_change::Column::VisibleAt.lte(now.as_datetime()))
        .into_tuple::<i64>()
        .one(txn)
        .await?;
    Ok(found.is_some())
}

fn event_from_row(row: &content_change::Model) -> Result<ChangeEvent, StorageError> {
    let position = row.feed_position.ok_or_else(|| {
        StorageError::Corrupt(format!("change {} is listed without a position", row.seq))
    })?;
    Ok(ChangeEvent {
        position,
        seq: row.seq,
        kind: ChangeEventKind::parse(&row.kind)?,
        article: ArticleId::parse(&row.article_id)?,
        comment: row
            .comment_id
            .as_deref()
            .map(CommentId::parse)
            .transpose()?,
        visible_at: row.visible_at.into(),
        recorded_at: row.recorded_at.into(),
    })
}

impl Changes<'_> {
    /// Up to `limit` events after `after`, in feed order; `next` is set when more follow at
    /// once. Events whose time has come are given their positions first (by whichever node
    /// reads or writes the feed first), so a scheduled publication is listed once its time is
    /// here, after everything listed before it.
    /// The events after `after`. With `within_sections`, only those of stories ever filed in one
    /// of them (a partner's feed), so a story that left them still sends its last events.
    pub async fn list(
        &self,
        after: Option<ChangeCursor>,
        within_sections: Option<&[SectionId]>,
        limit: u64,
        now: Timestamp,
    ) -> Result<Page<ChangeEvent, ChangeCursor>, StorageError> {
        self.release_due(now).await?;
        let after = match after {
            None => 0,
            Some(ChangeCursor::After(position)) => position,
            Some(ChangeCursor::Legacy { visible_at, seq }) => {
                self.position_of_legacy(visible_at, seq).await?
            }
        };
        let mut select = content_change::Entity::find()
            .filter(content_change::Column::FeedPosition.gt(after))
            // Readers cannot see a held comment, so neither may the public feed.
            .filter(content_change::Column::Kind.ne(ChangeEventKind::COMMENT_HELD));
        if let Some(sections) = within_sections {
            select = select.filter(
                content_change::Column::ArticleId.in_subquery(
                    Query::select()
                        .column(article_section_history::Column::ArticleId)
                        .from(article_section_history::Entity)
                        .and_where(
                            article_section_history::Column::SectionId
                                .is_in(sections.iter().map(ToString::to_string)),
                        )
                        .to_owned(),
                ),
            );
        }
        let rows = select
            .order_by_asc(content_change::Column::FeedPosition)
            .limit(limit + 1)
            .all(&self.db.read)
            .await?;
        let mut items = rows
            .into_iter()
            .map(|row| event_from_row(&row))
            .collect::<Result<Vec<_>, _>>()?;
        let more = items.len() as u64 > limit;
        items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let last = items
            .last()
            .map(|event| ChangeCursor::After(event.position));
        Ok(Page {
            next: if more { last } else { None },
            items,
        })
    }

    /// The feed's end: the cursor after its last visible event (releasing any that came due),
    /// or `None` while it is empty. A live follower starts here.
    pub async fn end(&self, now: Timestamp) -> Result<Option<ChangeCursor>, StorageError> {
        self.release_due(now).await?;
        let last: Option<Option<i64>> = content_change::Entity::find()
            .select_only()
            .column_as(content_change::Column::FeedPosition.max(), "last")
            .into_tuple()
            .one(&self.db.read)
            .await?;
        Ok(last.flatten().map(ChangeCursor::After))
    }

    /// Positions the events that came due, if any did; most reads find none and write nothing.
    async fn release_due(&self, now: Timestamp) -> Result<(), StorageError> {
        let waiting = content_change::Entity::find()
            .select_only()
            .column(content_change::Column::Seq)
            .filter(content_change::Column::FeedPosition.is_null())
            .filter(content_change::Column::VisibleAt.lte(now.as_datetime()))
            .into_tuple::<i64>()
            .one(&self.db.write)
            .await?;
        if waiting.is_none() {
            return Ok(());
        }
        let txn = self.db.write.begin().await?;
        let last = take_counter(&txn).await?;
        let last = release_due(&txn, now, last).await?;
        set_counter(&txn, last).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Where a cursor from before positions points: just before the first event it had not
    /// read in the old (visible_at, seq) order, or the end of the feed if it had read them all.
    async fn position_of_legacy(
        &self,
        visible_at: Timestamp,
        seq: i64,
    ) -> Result<i64, StorageError> {
        let at = visible_at.as_datetime();
        let unread: Option<Option<i64>> = content_change::Entity::find()
            .select_only()
            .column_as(content_change::Column::FeedPosition.min(), "first")
            .filter(content_change::Column::FeedPosition.is_not_null())
            .filter(
                Condition::all()
                    .add(Expr::col(content_change::Column::VisibleAt).gte(at))
                    .add(
                        Condition::any()
                            .add(Expr::col(content_change::Column::VisibleAt).gt(at))
                            .add(Expr::col(content_change::Column::Seq).gt(seq)),
                    ),
            )
            .into_tuple()
            .one(&self.db.read)
            .await?;
        if let Some(Some(first)) = unread {
            return Ok(first - 1);
        }
        let end: Option<Option<i64>> = content_change::Entity::find()
            .select_only()
            .column_as(content_change::Column::FeedPosition.max(), "last")
            .into_tuple()
            .one(&self.db.read)
            .await?;
        Ok(end.flatten().unwrap_or(0))
    }
}
