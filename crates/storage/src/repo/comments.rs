//! Reader comments: posting, keyset pages of a story's visible comments (newest, oldest, most
//! agreed; editor's picks first on request), counts for story lists, reactions and reports that
//! de-duplicate per reader, moderation with its audit entry, and the per-story and per-desk
//! switches (`articles.comments_closed`, `sections.comment_moderation`).
//!
//! Public reads join the visibility rule ([`public_at`]): a comment on a story that is not
//! public never leaves this module through a public function.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use dateline_domain::comment::{
    CommentText, HoldReason, Nickname, ReactionKind, ReplyTarget, hidden_by_reports,
};
use dateline_domain::{
    ArticleId, AuditEvent, ChangeEventKind, Comment, CommentCursor, CommentId, CommentSort,
    CommentState, Commenter, ModerationMode, SectionId, Timestamp, UserId,
};
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait as _, OnConflict, Query, SelectStatement,
};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait as _, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, TransactionTrait as _,
};

use crate::convert::audit_row;
use crate::db::Database;
use crate::entity::{article, audit_event, comment, comment_reaction, comment_report, section};
use crate::error::StorageError;
use crate::public::public_at;
use crate::repo::articles::{StoryChange, write_story};
use crate::repo::changes::{NewChange, record_change};

pub struct Comments<'db> {
    pub(crate) db: &'db Database,
}

/// A public story as far as comments care: its desk's moderation mode and whether it takes
/// comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentTarget {
    pub article_id: ArticleId,
    pub section_id: SectionId,
    pub published_at: Timestamp,
    pub closed_by_editor: bool,
    pub moderation: ModerationMode,
}

/// A new comment with what is kept beside it.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub comment: Comment,
    pub password_hash: Option<String>,
    pub reader_key: String,
    pub fingerprint: String,
}

/// One change to a stored comment, applied only if it is still in `expected_state` (so two
/// editors acting at once cannot both win).
#[derive(Debug, Clone)]
pub struct CommentUpdate<'a> {
    pub id: CommentId,
    pub expected_state: CommentState,
    pub state: CommentState,
    pub hold_reason: Option<HoldReason>,
    pub picked: bool,
    /// New text and its fingerprint, for an edit.
    pub text: Option<(&'a CommentText, &'a str)>,
    pub edited_at: Option<Timestamp>,
    pub audit: Option<&'a AuditEvent>,
}

/// What a reaction did: counted (the reader's first on this comment) or not, and the counts now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReactionOutcome {
    pub counted: bool,
    pub agrees: u64,
    pub disagrees: u64,
}

/// What a report did: counted (the reader's first on this comment) or not, and whether it took
/// the comment down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportOutcome {
    pub counted: bool,
    pub reports: u64,
    pub hidden: bool,
}

const VISIBLE: &str = "visible";

fn counted(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl TryFrom<comment::Model> for Comment {
    type Error = StorageError;

    fn try_from(row: comment::Model) -> Result<Self, StorageError> {
        let author = match row.staff_user_id {
            Some(user) => Commenter::Staff {
                user: UserId::parse(&user)?,
                name: row.nickname,
            },
            None => Commenter::Reader {
                nickname: Nickname::parse(&row.nickname)?,
            },
        };
        Ok(Comment {
            id: CommentId::parse(&row.id)?,
            article_id: ArticleId::parse(&row.article_id)?,
            parent_id: row.parent_id.as_deref().map(CommentId::parse).transpose()?,
            author,
            text: CommentText::from_stored(row.body),
            state: CommentState::parse(&row.state)?,
            hold_reason: row
                .hold_reason
                .as_deref()
                .map(HoldReason::parse)
                .transpose()?,
            picked: row.picked,
            agrees: counted(row.agrees),
            disagrees: counted(row.disagrees),
            reports: counted(row.reports),
            replies: 0,
            created_at: row.created_at.into(),
            edited_at: row.edited_at.map(Timestamp::from_datetime),
        })
    }
}

fn convert(rows: Vec<comment::Model>) -> Result<Vec<Comment>, StorageError> {
    rows.into_iter().map(Comment::try_from).collect()
}

/// The ids of the public stories among `articles` (one, or a batch).
fn public_stories(now: Timestamp) -> SelectStatement {
    Query::select()
        .column(article::Column::Id)
        .from(article::Entity)
        .cond_where(public_at(now))
        .to_owned()
}

/// Comments a reader may see: visible, on a public story, and (for replies) under a visible
/// comment.
fn shown(now: Timestamp) -> Condition {
    Condition::all()
        .add(comment::Column::State.eq(VISIBLE))
        .add(comment::Column::ArticleId.in_subquery(public_stories(now)))
        .add(
            Condition::any()
                .add(comment::Column::ParentId.is_null())
                .add(
                    comment::Column::ParentId.in_subquery(
                        Query::select()
                            .expr(Expr::col((Alias::new("parent"), Alias::new("id"))))
                            .from_as(comment::Entity, Alias::new("parent"))
                            .and_where(
                                Expr::col((Alias::new("parent"), Alias::new("state"))).eq(VISIBLE),
                            )
                            .to_owned(),
                    ),
                ),
        )
}

/// Items strictly after `cursor` in the list's order.
fn after(cursor: &CommentCursor) -> Condition {
    let id = cursor.id.to_string();
    let (key_before, key_equal) = match cursor.sort {
        CommentSort::Newest | CommentSort::Oldest => {
            let at = Timestamp::from_unix_seconds(cursor.key)
                .unwrap_or(cursor_floor())
                .as_datetime();
            if cursor.sort == CommentSort::Newest {
                (
                    comment::Column::CreatedAt.lt(at),
                    comment::Column::CreatedAt.eq(at),
                )
            } else {
                (
                    comment::Column::CreatedAt.gt(at),
                    comment::Column::CreatedAt.eq(at),
                )
            }
        }
        CommentSort::MostAgreed => (
            comment::Column::Agrees.lt(cursor.key),
            comment::Column::Agrees.eq(cursor.key),
        ),
    };
    let id_after = if cursor.sort == CommentSort::Oldest {
        comment::Column::Id.gt(id)
    } else {
        comment::Column::Id.lt(id)
    };
    let within = Condition::any()
        .add(key_before)
        .add(Condition::all().add(key_equal).add(id_after));
    if !cursor.picks_first {
        return within;
    }
    if cursor.picked {
        Condition::any().add(comment::Column::Picked.eq(false)).add(
            Condition::all()
                .add(comment::Column::Picked.eq(true))
                .add(within),
        )
    } else {
        Condition::all()
            .add(comment::Column::Picked.eq(false))
            .add(within)
    }
}

fn cursor_floor() -> Timestamp {
    Timestamp::from_datetime(DateTime::<Utc>::UNIX_EPOCH)
}

impl Comments<'_> {
    /// The public story `id` with its comment settings; `None` when no public story has it.
    pub async fn target(
        &self,
        id: ArticleId,
        now: Timestamp,
    ) -> Result<Option<CommentTarget>, StorageError> {
        let row = article::Entity::find()
            .select_only()
            .columns([article::Column::SectionId, article::Column::PublishedAt])
            .column(article::Column::CommentsClosed)
            .filter(article::Column::Id.eq(id.to_string()))
            .filter(public_at(now))
            .into_tuple::<(String, Option<DateTime<Utc>>, bool)>()
            .one(&self.db.read)
            .await?;
        let Some((section_id, Some(published_at), closed)) = row else {
            return Ok(None);
        };
        let section_id = SectionId::parse(&section_id)?;
        let moderation = section::Entity::find_by_id(section_id.to_string())
            .select_only()
            .column(section::Column::CommentModeration)
            .into_tuple::<String>()
            .one(&self.db.read)
            .await?
            .map(|mode| ModerationMode::parse(&mode))
            .transpose()?
            .unwrap_or_default();
        Ok(Some(CommentTarget {
            article_id: id,
            section_id,
            published_at: published_at.into(),
            closed_by_editor: closed,
            moderation,
        }))
    }

    /// Opens or closes a story's comments, in any status, with its audit entry. `false` when
    /// no story has this id.
    pub async fn set_closed(
        &self,
        id: ArticleId,
        closed: bool,
        audit: &AuditEvent,
    ) -> Result<bool, StorageError> {
        let txn = self.db.write.begin().await?;
        // The switch is an article-row write, so it goes through the one story write path.
        match write_story(&txn, StoryChange::CloseComments { id, closed }).await {
            Ok(()) => {}
            Err(StorageError::NotFound) => return Ok(false),
            Err(err) => return Err(err),
        }
        audit_event::ActiveModel::from(audit_row(audit))
            .insert(&txn)
            .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Sets a desk's moderation mode, with its audit entry. `false` when no section has this id.
    pub async fn set_moderation(
        &self,
        id: SectionId,
        mode: ModerationMode,
        audit: &AuditEvent,
    ) -> Result<bool, StorageError> {
        let txn = self.db.write.begin().await?;
        let updated = section::Entity::update_many()
            .col_expr(
                section::Column::CommentModeration,
                Expr::value(mode.as_str()),
            )
            .filter(section::Column::Id.eq(id.to_string()))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            return Ok(false);
        }
        audit_event::ActiveModel::from(audit_row(audit))
            .insert(&txn)
            .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Stores a new comment.
    pub async fn insert(&self, new: &NewComment) -> Result<(), StorageError> {
        let comment = &new.comment;
        let (nickname, staff) = match &comment.author {
            Commenter::Reader { nickname } => (nickname.as_str().to_owned(), None),
            Commenter::Staff { user, name } => (name.clone(), Some(user.to_string())),
        };
        let row = comment::Model {
            id: comment.id.to_string(),
            article_id: comment.article_id.to_string(),
            parent_id: comment.parent_id.map(|id| id.to_string()),
            nickname,
            staff_user_id: staff,
            password_hash: new.password_hash.clone(),
            body: comment.text.as_str().to_owned(),
            state: comment.state.as_str().to_owned(),
            hold_reason: comment.hold_reason.map(|r| r.as_str().to_owned()),
            picked: comment.picked,
            agrees: 0,
            disagrees: 0,
            reports: 0,
            reader_key: new.reader_key.clone(),
            fingerprint: new.fingerprint.clone(),
            created_at: comment.created_at.as_datetime(),
            edited_at: None,
        };
        // The change feed and moderation tools' webhooks hear of it in the same transaction.
        let kind = match comment.state {
            CommentState::Held => ChangeEventKind::comment_held(),
            _ => ChangeEventKind::comment_created(),
        };
        let txn = self.db.write.begin().await?;
        comment::ActiveModel::from(row).insert(&txn).await?;
        record_change(
            &txn,
            &NewChange {
                kind,
                article: comment.article_id,
                comment: Some(comment.id),
                visible_at: comment.created_at,
                recorded_at: comment.created_at,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// A comment in any state, with its password hash (for its writer's edits), whatever its
    /// story's status: callers decide what to show.
    pub async fn find(
        &self,
        id: CommentId,
    ) -> Result<Option<(Comment, Option<String>)>, StorageError> {
        let Some(row) = comment::Entity::find_by_id(id.to_string())
            .one(&self.db.read)
            .await?
        else {
            return Ok(None);
        };
        let hash = row.password_hash.clone();
        Ok(Some((Comment::try_from(row)?, hash)))
    }

    /// What a reply to `id` must check; `None` when no comment has this id.
    pub async fn reply_target(&self, id: CommentId) -> Result<Option<ReplyTarget>, StorageError> {
        Ok(self.find(id).await?.map(|(parent, _)| ReplyTarget {
            article_id: parent.article_id,
            parent_id: parent.parent_id,
            state: parent.state,
        }))
    }

    /// Whether the same text (by fingerprint) was posted since `since` on this story or by this
    /// reader anywhere.
    pub async fn has_recent_duplicate(
        &self,
        article_id: ArticleId,
        reader_key: &str,
        fingerprint: &str,
        since: Timestamp,
    ) -> Result<bool, StorageError> {
        let found = comment::Entity::find()
            .select_only()
            .column(comment::Column::Id)
            .filter(comment::Column::Fingerprint.eq(fingerprint))
            .filter(comment::Column::CreatedAt.gte(since.as_datetime()))
            .filter(
                Condition::any()
                    .add(comment::Column::ArticleId.eq(article_id.to_string()))
                    .add(comment::Column::ReaderKey.eq(reader_key)),
            )
            .into_tuple::<String>()
            .one(&self.db.read)
            .await?;
        Ok(found.is_some())
    }

    /// One page of a public story's visible comments: top-level ones, or the replies to
    /// `parent`. Each carries its count of visible replies.
    #[expect(
        clippy::too_many_arguments,
        reason = "one page request, every part of it needed"
    )]
    pub async fn list_public(
        &self,
        article_id: ArticleId,
        parent: Option<CommentId>,
        sort: CommentSort,
        picks_first: bool,
        cursor: Option<&CommentCursor>,
        limit: u64,
        now: Timestamp,
    ) -> Result<(Vec<Comment>, bool), StorageError> {
        let mut select = comment::Entity::find()
            .filter(comment::Column::ArticleId.eq(article_id.to_string()))
            .filter(shown(now));
        select = match parent {
            None => select.filter(comment::Column::ParentId.is_null()),
            Some(parent) => select.filter(comment::Column::ParentId.eq(parent.to_string())),
        };
        if let Some(cursor) = cursor {
            select = select.filter(after(cursor));
        }
        if picks_first {
            select = select.order_by_desc(comment::Column::Picked);
        }
        select = match sort {
            CommentSort::Newest => select
                .order_by_desc(comment::Column::CreatedAt)
                .order_by_desc(comment::Column::Id),
            CommentSort::Oldest => select
                .order_by_asc(comment::Column::CreatedAt)
                .order_by_asc(comment::Column::Id),
            CommentSort::MostAgreed => select
                .order_by_desc(comment::Column::Agrees)
                .order_by_desc(comment::Column::Id),
        };
        let rows = select.limit(limit + 1).all(&self.db.read).await?;
        let mut comments = convert(rows)?;
        let more = comments.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        comments.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let ids: Vec<CommentId> = comments.iter().map(|c| c.id).collect();
        let replies = self.reply_counts(&ids).await?;
        for comment in &mut comments {
            comment.replies = replies.get(&comment.id).copied().unwrap_or(0);
        }
        Ok((comments, more))
    }

    /// Visible replies per comment; comments without any are absent.
    pub async fn reply_counts(
        &self,
        ids: &[CommentId],
    ) -> Result<HashMap<CommentId, u64>, StorageError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = comment::Entity::find()
            .select_only()
            .column(comment::Column::ParentId)
            .column_as(comment::Column::Id.count(), "replies")
            .filter(comment::Column::ParentId.is_in(ids.iter().map(ToString::to_string)))
            .filter(comment::Column::State.eq(VISIBLE))
            .group_by(comment::Column::ParentId)
            .into_tuple::<(Option<String>, i64)>()
            .all(&self.db.read)
            .await?;
        rows.into_iter()
            .filter_map(|(parent, count)| parent.map(|parent| (parent, count)))
            .map(|(parent, count)| Ok((CommentId::parse(&parent)?, counted(count))))
            .collect()
    }

    /// Each story's count of comments a reader can see; stories that are not public, or have no
    /// such comments, are absent. One query for a whole list of stories.
    pub async fn public_counts(
        &self,
        ids: &[ArticleId],
        now: Timestamp,
    ) -> Result<HashMap<ArticleId, u64>, StorageError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = comment::Entity::find()
            .select_only()
            .column(comment::Column::ArticleId)
            .column_as(comment::Column::Id.count(), "comments")
            .filter(comment::Column::ArticleId.is_in(ids.iter().map(ToString::to_string)))
            .filter(shown(now))
            .group_by(comment::Column::ArticleId)
            .into_tuple::<(String, i64)>()
            .all(&self.db.read)
            .await?;
        rows.into_iter()
            .map(|(id, count)| Ok((ArticleId::parse(&id)?, counted(count))))
            .collect()
    }

    /// Comments waiting for an editor (held or hidden), newest first, before `before`.
    pub async fn review_queue(
        &self,
        before: Option<CommentId>,
        limit: u64,
    ) -> Result<Vec<Comment>, StorageError> {
        let mut select = comment::Entity::find().filter(
            comment::Column::State
                .is_in([CommentState::Held.as_str(), CommentState::Hidden.as_str()]),
        );
        if let Some(before) = before {
            select = select.filter(comment::Column::Id.lt(before.to_string()));
        }
        let rows = select
            .order_by_desc(comment::Column::Id)
            .limit(limit)
            .all(&self.db.read)
            .await?;
        convert(rows)
    }

    /// Applies a change (and its audit entry) if the comment is still in the expected state;
    /// `false` when it is not (or is gone).
    pub async fn update(&self, update: &CommentUpdate<'_>) -> Result<bool, StorageError> {
        let mut statement = comment::Entity::update_many()
            .col_expr(comment::Column::State, Expr::value(update.state.as_str()))
            .col_expr(
                comment::Column::HoldReason,
                Expr::value(update.hold_reason.map(|r| r.as_str().to_owned())),
            )
            .col_expr(comment::Column::Picked, Expr::value(update.picked))
            .filter(comment::Column::Id.eq(update.id.to_string()))
            .filter(comment::Column::State.eq(update.expected_state.as_str()));
        if let Some((text, fingerprint)) = update.text {
            statement = statement
                .col_expr(comment::Column::Body, Expr::value(text.as_str()))
                .col_expr(comment::Column::Fingerprint, Expr::value(fingerprint));
        }
        if let Some(at) = update.edited_at {
            statement =
                statement.col_expr(comment::Column::EditedAt, Expr::value(at.as_datetime()));
        }
        let txn = self.db.write.begin().await?;
        let changed = statement.exec(&txn).await?.rows_affected > 0;
        if changed && let Some(audit) = update.audit {
            audit_event::ActiveModel::from(audit_row(audit))
                .insert(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(changed)
    }

    /// Records a reader's 공감/비공감; a reader's second reaction to the same comment (of either
    /// kind) is not counted.
    pub async fn react(
        &self,
        id: CommentId,
        reader_key: &str,
        kind: ReactionKind,
        now: Timestamp,
    ) -> Result<ReactionOutcome, StorageError> {
        let txn = self.db.write.begin().await?;
        let insert = Query::insert()
            .into_table(comment_reaction::Entity)
            .columns([
                comment_reaction::Column::CommentId,
                comment_reaction::Column::ReaderKey,
                comment_reaction::Column::Kind,
                comment_reaction::Column::CreatedAt,
            ])
            .values_panic([
                id.to_string().into(),
                reader_key.into(),
                kind.as_str().into(),
                now.as_datetime().into(),
            ])
            .on_conflict(
                OnConflict::columns([
                    comment_reaction::Column::CommentId,
                    comment_reaction::Column::ReaderKey,
                ])
                .do_nothing()
                .to_owned(),
            )
            .to_owned();
        let counted_now = txn.execute(&insert).await?.rows_affected() > 0;
        if counted_now {
            let column = match kind {
                ReactionKind::Agree => comment::Column::Agrees,
                ReactionKind::Disagree => comment::Column::Disagrees,
            };
            comment::Entity::update_many()
                .col_expr(column, Expr::col(column).add(1))
                .filter(comment::Column::Id.eq(id.to_string()))
                .exec(&txn)
                .await?;
        }
        let (agrees, disagrees) = comment::Entity::find_by_id(id.to_string())
            .select_only()
            .columns([comment::Column::Agrees, comment::Column::Disagrees])
            .into_tuple::<(i64, i64)>()
            .one(&txn)
            .await?
            .ok_or(StorageError::NotFound)?;
        txn.commit().await?;
        Ok(ReactionOutcome {
            counted: counted_now,
            agrees: counted(agrees),
            disagrees: counted(disagrees),
        })
    }

    /// Records a reader's report; a reader's second report of the same comment is not counted.
    /// When the count reaches `threshold` a visible comment is hidden pending review, audited
    /// as `comment.hidden_by_reports`, in the same transaction.
    pub async fn report(
        &self,
        id: CommentId,
        reader_key: &str,
        reason: Option<&str>,
        threshold: u32,
        now: Timestamp,
    ) -> Result<ReportOutcome, StorageError> {
        let txn = self.db.write.begin().await?;
        let insert = Query::insert()
            .into_table(comment_report::Entity)
            .columns([
                comment_report::Column::CommentId,
                comment_report::Column::ReaderKey,
                comment_report::Column::Reason,
                comment_report::Column::CreatedAt,
            ])
            .values_panic([
                id.to_string().into(),
                reader_key.into(),
                reason.map(str::to_owned).into(),
                now.as_datetime().into(),
            ])
            .on_conflict(
                OnConflict::columns([
                    comment_report::Column::CommentId,
                    comment_report::Column::ReaderKey,
                ])
                .do_nothing()
                .to_owned(),
            )
            .to_owned();
        let counted_now = txn.execute(&insert).await?.rows_affected() > 0;
        if counted_now {
            comment::Entity::update_many()
                .col_expr(
                    comment::Column::Reports,
                    Expr::col(comment::Column::Reports).add(1),
                )
                .filter(comment::Column::Id.eq(id.to_string()))
                .exec(&txn)
                .await?;
        }
        let (state, reports) = comment::Entity::find_by_id(id.to_string())
            .select_only()
            .columns([comment::Column::State, comment::Column::Reports])
            .into_tuple::<(String, i64)>()
            .one(&txn)
            .await?
            .ok_or(StorageError::NotFound)?;
        let reports = counted(reports);
        let hidden =
            counted_now && hidden_by_reports(CommentState::parse(&state)?, reports, threshold);
        if hidden {
            comment::Entity::update_many()
                .col_expr(
                    comment::Column::State,
                    Expr::value(CommentState::Hidden.as_str()),
                )
                .col_expr(
                    comment::Column::HoldReason,
                    Expr::value(HoldReason::Reports.as_str()),
                )
                .col_expr(comment::Column::Picked, Expr::value(false))
                .filter(comment::Column::Id.eq(id.to_string()))
                .exec(&txn)
                .await?;
            let audit = AuditEvent::new(
                now,
                None,
                "comment.hidden_by_reports",
                &id,
                serde_json::json!({ "reports": reports, "threshold": threshold }),
            );
            audit_event::ActiveModel::from(audit_row(&audit))
                .insert(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(ReportOutcome {
            counted: counted_now,
            reports,
            hidden,
        })
    }
}
