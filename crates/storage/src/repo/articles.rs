//! Articles: public lists and items, the relations a story shows, and writing stories.
//!
//! Every write to an article row or its link rows goes through one private function,
//! [`write_story`], inside one transaction.
//!
//! Every public read passes through [`public_at`]. Lists are keyset-paged newest first; a
//! filtered list is driven by its link table, whose (filter, published_at, article) index answers
//! one page with one range read.

use std::collections::HashMap;

use dateline_domain::{
    Article, ArticleCursor, ArticleFilter, ArticleId, ArticleKey, AuditEvent, Author,
    ChangeEventKind, EditorialTrail, Page, PageSize, Revision, Tag, Timestamp,
};
use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseTransaction,
    EntityTrait as _, JoinType, Order, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _, RelationTrait as _, Select, TransactionTrait as _,
};

use crate::convert::{article_row, audit_row, revision_row};
use crate::db::Database;
use crate::entity::{
    article, article_author, article_revision, article_section, article_section_history,
    article_tag, audit_event, author, tag,
};
use crate::error::StorageError;
use crate::public::{KeysetColumns, public_at};
use crate::repo::changes::{
    NewChange, record_change, record_changes, was_announced, withdraw_unseen,
};
use crate::repo::story::NewArticle;
use crate::repo::{convert_all, search};

pub struct Articles<'db> {
    pub(crate) db: &'db Database,
}

/// The most rows one multi-row INSERT carries; keeps bound parameters well under both engines'
/// limits.
const INSERT_CHUNK: usize = 200;

/// The public stories a filter selects, and the columns their order is read from.
fn public_selection(
    filter: &ArticleFilter,
    now: Timestamp,
) -> (Select<article::Entity>, KeysetColumns) {
    let mut select = article::Entity::find().filter(public_at(now));
    let mut keyset: Option<KeysetColumns> = None;

    if let Some(section) = filter.section {
        select = link_filter(
            select,
            &mut keyset,
            article::Relation::Sections,
            article_section::Column::SectionId.eq(section.to_string()),
            (
                article_section::Entity,
                article_section::Column::PublishedAt,
            ),
            (article_section::Entity, article_section::Column::ArticleId),
            Query::select()
                .column(article_section::Column::ArticleId)
                .from(article_section::Entity)
                .and_where(article_section::Column::SectionId.eq(section.to_string()))
                .to_owned(),
        );
    }
    if let Some(tag) = filter.tag {
        select = link_filter(
            select,
            &mut keyset,
            article::Relation::Tags,
            article_tag::Column::TagId.eq(tag.to_string()),
            (article_tag::Entity, article_tag::Column::PublishedAt),
            (article_tag::Entity, article_tag::Column::ArticleId),
            Query::select()
                .column(article_tag::Column::ArticleId)
                .from(article_tag::Entity)
                .and_where(article_tag::Column::TagId.eq(tag.to_string()))
                .to_owned(),
        );
    }
    if let Some(author) = filter.author {
        select = link_filter(
            select,
            &mut keyset,
            article::Relation::Authors,
            article_author::Column::AuthorId.eq(author.to_string()),
            (article_author::Entity, article_author::Column::PublishedAt),
            (article_author::Entity, article_author::Column::ArticleId),
            Query::select()
                .column(article_author::Column::ArticleId)
                .from(article_author::Entity)
                .and_where(article_author::Column::AuthorId.eq(author.to_string()))
                .to_owned(),
        );
    }
    if filter.has_image {
        select = select.filter(article::Column::LeadImageId.is_not_null());
    }
    if let Some(sections) = &filter.within_sections {
        select = select.filter(
            article::Column::Id.in_subquery(
                Query::select()
                    .column(article_section::Column::ArticleId)
                    .from(article_section::Entity)
                    .and_where(
                        article_section::Column::SectionId
                            .is_in(sections.iter().map(ToString::to_string)),
                    )
                    .to_owned(),
            ),
        );
    }
    let keyset = match keyset {
        // The same bound as the visibility rule, on the link table's copy of the time: it turns
        // the driving index read into a range that starts at the newest public story instead of
        // at drafts (no time) and future-scheduled ones.
        Some(link) => {
            select = select.filter(link.published_at.clone().lte(now.as_datetime()));
            link
        }
        None => KeysetColumns::of_articles(),
    };
    if let Some(since) = filter.since {
        select = select.filter(keyset.since(since));
    }
    (select, keyset)
}

/// Restricts `select` to stories linked to one section, tag or author. The first such filter
/// joins its link table and drives the order; any further one is a membership test.
fn link_filter<E, C>(
    select: Select<article::Entity>,
    keyset: &mut Option<KeysetColumns>,
    relation: article::Relation,
    matches: Expr,
    published_at: (E, C),
    article_id: (E, C),
    members: sea_orm::sea_query::SelectStatement,
) -> Select<article::Entity>
where
    E: sea_orm::sea_query::IntoIden + 'static,
    C: sea_orm::sea_query::IntoIden + 'static,
{
    if keyset.is_some() {
        return select.filter(article::Column::Id.in_subquery(members));
    }
    *keyset = Some(KeysetColumns {
        published_at: Expr::col(published_at),
        id: Expr::col(article_id),
    });
    select
        .join(JoinType::InnerJoin, relation.def())
        .filter(matches)
}

impl Articles<'_> {
    /// One page of public stories, newest first, after `after`.
    pub async fn list_public(
        &self,
        filter: &ArticleFilter,
        after: Option<&ArticleCursor>,
        size: PageSize,
        now: Timestamp,
    ) -> Result<Page<Article, ArticleCursor>, StorageError> {
        let (mut select, keyset) = public_selection(filter, now);
        if let Some(cursor) = after {
            select = select.filter(keyset.older_than(cursor));
        }
        let rows = select
            .order_by(keyset.published_at.clone(), Order::Desc)
            .order_by(keyset.id.clone(), Order::Desc)
            .limit(size.get() + 1)
            .all(&self.db.read)
            .await?;
        let mut items: Vec<Article> = convert_all(rows)?;
        let more = items.len() as u64 > size.get();
        items.truncate(size.get() as usize);
        let next = if more {
            items.last().and_then(|last| {
                last.published_at.map(|published_at| ArticleCursor {
                    published_at,
                    id: last.id,
                })
            })
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// How many public stories a filter selects.
    pub async fn count_public(
        &self,
        filter: &ArticleFilter,
        now: Timestamp,
    ) -> Result<u64, StorageError> {
        let (select, _) = public_selection(filter, now);
        Ok(select.count(&self.db.read).await?)
    }

    /// One public story by id or slug.
    pub async fn find_public(
        &self,
        key: &ArticleKey,
        now: Timestamp,
    ) -> Result<Option<Article>, StorageError> {
        let select = article::Entity::find().filter(public_at(now));
        let select = match key {
            ArticleKey::Id(id) => select.filter(article::Column::Id.eq(id.to_string())),
            ArticleKey::Slug(slug) => select.filter(article::Column::Slug.eq(slug.as_str())),
        };
        select
            .one(&self.db.read)
            .await?
            .map(Article::try_from)
            .transpose()
    }

    /// The public stories among `ids`, in no particular order.
    pub async fn find_public_by_ids(
        &self,
        ids: &[ArticleId],
        now: Timestamp,
    ) -> Result<Vec<Article>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = article::Entity::find()
            .filter(public_at(now))
            .filter(article::Column::Id.is_in(ids.iter().map(ToString::to_string)))
            .all(&self.db.read)
            .await?;
        convert_all(rows)
    }

    /// Public stories flagged as breaking news at `now`, newest first, at most `limit`. The
    /// partial index on `breaking_until` keeps this to the few flagged stories.
    pub async fn breaking(&self, now: Timestamp, limit: u64) -> Result<Vec<Article>, StorageError> {
        let rows = article::Entity::find()
            .filter(article::Column::BreakingUntil.is_not_null())
            .filter(article::Column::BreakingUntil.gt(now.as_datetime()))
            .filter(public_at(now))
            .order_by_desc(article::Column::PublishedAt)
            .order_by_desc(article::Column::Id)
            .limit(limit)
            .all(&self.db.read)
            .await?;
        convert_all(rows)
    }

    /// Whether any story, public or not, already uses `slug`.
    pub async fn slug_exists(&self, slug: &dateline_domain::Slug) -> Result<bool, StorageError> {
        let found = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(article::Column::Slug.eq(slug.as_str()))
            .into_tuple::<String>()
            .one(&self.db.read)
            .await?;
        Ok(found.is_some())
    }

    /// The bylines of several stories, each in byline order: one query for any number of stories.
    pub async fn bylines_of(
        &self,
        ids: &[ArticleId],
    ) -> Result<HashMap<ArticleId, Vec<Author>>, StorageError> {
        let mut bylines: HashMap<ArticleId, Vec<Author>> = HashMap::new();
        if ids.is_empty() {
            return Ok(bylines);
        }
        let rows = article_author::Entity::find()
            .filter(article_author::Column::ArticleId.is_in(ids.iter().map(ToString::to_string)))
            .order_by_asc(article_author::Column::Position)
            .find_also_related(author::Entity)
            .all(&self.db.read)
            .await?;
        for (link, author) in rows {
            if let Some(author) = author {
                bylines
                    .entry(ArticleId::parse(&link.article_id)?)
                    .or_default()
                    .push(Author::try_from(author)?);
            }
        }
        Ok(bylines)
    }

    /// The tags of several stories, each in the desk's order: one query for any number of stories.
    pub async fn tags_of(
        &self,
        ids: &[ArticleId],
    ) -> Result<HashMap<ArticleId, Vec<Tag>>, StorageError> {
        let mut tags: HashMap<ArticleId, Vec<Tag>> = HashMap::new();
        if ids.is_empty() {
            return Ok(tags);
        }
        let rows = article_tag::Entity::find()
            .filter(article_tag::Column::ArticleId.is_in(ids.iter().map(ToString::to_string)))
            .order_by_asc(article_tag::Column::Position)
            .find_also_related(tag::Entity)
            .all(&self.db.read)
            .await?;
        for (link, tag) in rows {
            if let Some(tag) = tag {
                tags.entry(ArticleId::parse(&link.article_id)?)
                    .or_default()
                    .push(Tag::try_from(tag)?);
            }
        }
        Ok(tags)
    }

    /// Stores one new story with its relations, all or nothing.
    pub async fn insert(&self, new: &NewArticle) -> Result<(), StorageError> {
        self.insert_batch(std::slice::from_ref(new)).await
    }

    /// Stores many new stories in one transaction with multi-row inserts (for imports and the
    /// synthetic corpus).
    pub async fn insert_batch(&self, batch: &[NewArticle]) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        let txn = self.db.write.begin().await?;
        write_story(
            &txn,
            StoryChange::Insert {
                batch,
                trail: EditorialTrail::default(),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Saves a story from the newsroom — new (`expected_version` `None`) or a new version of a
    /// stored one — with its revision and any audit entry, all in one transaction. A stale
    /// `expected_version` writes nothing and answers [`StorageError::Stale`].
    pub async fn save(&self, write: &StoryWrite) -> Result<(), StorageError> {
        let txn = self.db.write.begin().await?;
        let change = match write.expected_version {
            None => StoryChange::Insert {
                batch: std::slice::from_ref(&write.story),
                trail: write.trail,
            },
            Some(expected_version) => StoryChange::Update {
                story: &write.story,
                trail: write.trail,
                expected_version,
            },
        };
        write_story(&txn, change).await?;
        article_revision::ActiveModel::from(revision_row(&write.revision)?)
            .insert(&txn)
            .await?;
        if let Some(event) = &write.audit {
            audit_event::ActiveModel::from(audit_row(event))
                .insert(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Deletes a story (its links and revisions go with it) and records why, in one transaction.
    pub async fn delete(
        &self,
        id: ArticleId,
        expected_version: i32,
        audit: &AuditEvent,
    ) -> Result<(), StorageError> {
        let txn = self.db.write.begin().await?;
        write_story(
            &txn,
            StoryChange::Delete {
                id,
                expected_version,
                at: audit.at,
            },
        )
        .await?;
        audit_event::ActiveModel::from(audit_row(audit))
            .insert(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }
}

/// A story saved from the newsroom, with what must be written beside it.
#[derive(Debug, Clone)]
pub struct StoryWrite {
    pub story: NewArticle,
    pub trail: EditorialTrail,
    /// `None` for a new story; otherwise the version the writer read, which must still be the
    /// stored one. `story.article.version` is the version being written.
    pub expected_version: Option<i32>,
    /// The revision this save keeps.
    pub revision: Revision,
    pub audit: Option<AuditEvent>,
}

/// One change to article rows.
pub(crate) enum StoryChange<'a> {
    Insert {
        batch: &'a [NewArticle],
        trail: EditorialTrail,
    },
    Update {
        story: &'a NewArticle,
        trail: EditorialTrail,
        expected_version: i32,
    },
    Delete {
        id: ArticleId,
        expected_version: i32,
        /// When the deletion happens, for the change feed.
        at: Timestamp,
    },
    /// An editor's switch on a story's comments, in any status. It is not a new version of the
    /// story: the version, the links and the change feed stay as they are.
    CloseComments { id: ArticleId, closed: bool },
}

/// THE place where article rows and their link rows change. Every write — imports, the corpus,
/// the newsroom's saves and deletions — comes through here inside the caller's transaction, so
/// the link tables' copy of `published_at` always moves with the story's. Anything that must
/// stay in step with stories (a search index) is maintained here, in the same transaction —
/// so is the change feed, through [`record_change`].
pub(crate) async fn write_story(
    txn: &DatabaseTransaction,
    change: StoryChange<'_>,
) -> Result<(), StorageError> {
    match change {
        StoryChange::Insert { batch, trail } => {
            for chunk in batch.chunks(INSERT_CHUNK) {
                let rows = chunk
                    .iter()
                    .map(|new| article_row(&new.article, trail).map(article::ActiveModel::from))
                    .collect::<Result<Vec<_>, _>>()?;
                article::Entity::insert_many(rows).exec(txn).await?;
            }
            insert_links(txn, batch).await?;
            search::index_stories(txn, batch).await?;
            let changes: Vec<NewChange> = batch
                .iter()
                .filter_map(|new| {
                    publication(new.article.status, new.article.published_at).map(|published_at| {
                        published(new.article.id, published_at, new.article.updated_at)
                    })
                })
                .collect();
            record_changes(txn, &changes).await?;
        }
        StoryChange::Update {
            story,
            trail,
            expected_version,
        } => {
            let id = story.article.id;
            let before = article::Entity::find_by_id(id.to_string()).one(txn).await?;
            let mut row =
                article::ActiveModel::from(article_row(&story.article, trail)?).reset_all();
            // The id and the creator never change; the comment switch is not part of a save.
            row.not_set(article::Column::Id);
            row.not_set(article::Column::CreatedBy);
            row.not_set(article::Column::CommentsClosed);
            let updated = article::Entity::update_many()
                .set(row)
                .filter(article::Column::Id.eq(id.to_string()))
                .filter(article::Column::Version.eq(expected_version))
                .exec(txn)
                .await?;
            if updated.rows_affected == 0 {
                return Err(missing_or_stale(txn, id).await);
            }
            delete_links(txn, id).await?;
            insert_links(txn, std::slice::from_ref(story)).await?;
            search::unindex_story(txn, id).await?;
            search::index_stories(txn, std::slice::from_ref(story)).await?;
            let before = match before {
                Some(row) => publication(
                    dateline_domain::Status::parse(&row.status)?,
                    row.published_at.map(Timestamp::from),
                ),
                None => None,
            };
            let after = publication(story.article.status, story.article.published_at);
            record_story_change(txn, id, before, after, story.article.updated_at).await?;
        }
        StoryChange::Delete {
            id,
            expected_version,
            at,
        } => {
            let before = article::Entity::find_by_id(id.to_string()).one(txn).await?;
            let was_public = match &before {
                Some(row) => publication(
                    dateline_domain::Status::parse(&row.status)?,
                    row.published_at.map(Timestamp::from),
                )
                .is_some_and(|published_at| published_at <= at),
                None => false,
            };
            delete_links(txn, id).await?;
            search::unindex_story(txn, id).await?;
            article_revision::Entity::delete_many()
                .filter(article_revision::Column::ArticleId.eq(id.to_string()))
                .exec(txn)
                .await?;
            let deleted = article::Entity::delete_many()
                .filter(article::Column::Id.eq(id.to_string()))
                .filter(article::Column::Version.eq(expected_version))
                .exec(txn)
                .await?;
            if deleted.rows_affected == 0 {
                return Err(missing_or_stale(txn, id).await);
            }
            withdraw_unseen(txn, id, at).await?;
            if was_public || was_announced(txn, id, at).await? {
                record_change(
                    txn,
                    &NewChange {
                        kind: ChangeEventKind::deleted(),
                        article: id,
                        comment: None,
                        visible_at: at,
                        recorded_at: at,
                    },
                )
                .await?;
            }
        }
        StoryChange::CloseComments { id, closed } => {
            let updated = article::Entity::update_many()
                .col_expr(article::Column::CommentsClosed, Expr::value(closed))
                .filter(article::Column::Id.eq(id.to_string()))
                .exec(txn)
                .await?;
            if updated.rows_affected == 0 {
                return Err(StorageError::NotFound);
            }
        }
    }
    Ok(())
}

/// When a story in this state is (or is to be) public: its publication time if its status is a
/// public one.
fn publication(
    status: dateline_domain::Status,
    published_at: Option<Timestamp>,
) -> Option<Timestamp> {
    published_at.filter(|_| dateline_domain::visibility::PUBLIC_STATUSES.contains(&status))
}

/// The event of a story going public, visible once both written and due.
fn published(article: ArticleId, published_at: Timestamp, at: Timestamp) -> NewChange {
    NewChange {
        kind: ChangeEventKind::published(),
        article,
        comment: None,
        visible_at: published_at.max(at),
        recorded_at: at,
    }
}

/// The change feed's events for a saved story, from its publication time before and after the
/// save (see docs/decisions/0601). Events nobody can have seen yet are withdrawn rather than
/// contradicted: a scheduled story pulled before its time never appears at all.
async fn record_story_change(
    txn: &DatabaseTransaction,
    id: ArticleId,
    before: Option<Timestamp>,
    after: Option<Timestamp>,
    at: Timestamp,
) -> Result<(), StorageError> {
    let event = |kind| NewChange {
        kind,
        article: id,
        comment: None,
        visible_at: at,
        recorded_at: at,
    };
    let was_visible = before.is_some_and(|published_at| published_at <= at);
    if !was_visible {
        withdraw_unseen(txn, id, at).await?;
    }
    match (was_visible, after) {
        (false, None) => {}
        (false, Some(published_at)) => {
            record_change(txn, &published(id, published_at, at)).await?;
        }
        (true, Some(published_at)) if published_at <= at => {
            record_change(txn, &event(ChangeEventKind::updated())).await?;
        }
        (true, Some(published_at)) => {
            // Moved back into the future: gone now, back at its new time.
            record_change(txn, &event(ChangeEventKind::unpublished())).await?;
            record_change(txn, &published(id, published_at, at)).await?;
        }
        (true, None) => {
            record_change(txn, &event(ChangeEventKind::unpublished())).await?;
        }
    }
    Ok(())
}

/// Why a versioned write touched no row: the story is gone, or someone saved it first.
async fn missing_or_stale(txn: &DatabaseTransaction, id: ArticleId) -> StorageError {
    match article::Entity::find_by_id(id.to_string()).one(txn).await {
        Ok(Some(row)) => StorageError::Stale {
            current: row.version,
        },
        Ok(None) => StorageError::NotFound,
        Err(err) => err.into(),
    }
}

async fn delete_links(txn: &DatabaseTransaction, id: ArticleId) -> Result<(), StorageError> {
    let id = id.to_string();
    article_section::Entity::delete_many()
        .filter(article_section::Column::ArticleId.eq(id.clone()))
        .exec(txn)
        .await?;
    article_author::Entity::delete_many()
        .filter(article_author::Column::ArticleId.eq(id.clone()))
        .exec(txn)
        .await?;
    article_tag::Entity::delete_many()
        .filter(article_tag::Column::ArticleId.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

async fn insert_links(
    txn: &impl ConnectionTrait,
    batch: &[NewArticle],
) -> Result<(), StorageError> {
    let mut sections = Vec::new();
    let mut authors = Vec::new();
    let mut tags = Vec::new();
    for new in batch {
        let article_id = new.article.id.to_string();
        let published_at = new.article.published_at.map(Timestamp::as_datetime);
        sections.extend(new.sections.iter().map(|section| {
            article_section::ActiveModel::from(article_section::Model {
                article_id: article_id.clone(),
                section_id: section.to_string(),
                published_at,
            })
        }));
        authors.extend(new.byline.iter().zip(0..).map(|(author, position)| {
            article_author::ActiveModel::from(article_author::Model {
                article_id: article_id.clone(),
                author_id: author.to_string(),
                position,
                published_at,
            })
        }));
        tags.extend(new.tags.iter().zip(0..).map(|(tag, position)| {
            article_tag::ActiveModel::from(article_tag::Model {
                article_id: article_id.clone(),
                tag_id: tag.to_string(),
                position,
                published_at,
            })
        }));
    }
    for chunk in sections.chunks(INSERT_CHUNK * 4) {
        article_section::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    let filed: Vec<article_section_history::ActiveModel> = batch
        .iter()
        .flat_map(|new| {
            let article_id = new.article.id.to_string();
            new.sections.iter().map(move |section| {
                article_section_history::ActiveModel::from(article_section_history::Model {
                    section_id: section.to_string(),
                    article_id: article_id.clone(),
                })
            })
        })
        .collect();
    for chunk in filed.chunks(INSERT_CHUNK * 4) {
        article_section_history::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    article_section_history::Column::SectionId,
                    article_section_history::Column::ArticleId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    for chunk in authors.chunks(INSERT_CHUNK * 4) {
        article_author::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    for chunk in tags.chunks(INSERT_CHUNK * 4) {
        article_tag::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use dateline_domain::{SectionId, TagId};
    use sea_orm::QueryTrait as _;

    use super::*;

    #[test]
    fn the_section_front_is_driven_by_its_link_index() {
        let filter = ArticleFilter {
            section: Some(SectionId::generate()),
            tag: Some(TagId::generate()),
            ..ArticleFilter::default()
        };
        let now = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let (select, keyset) = public_selection(&filter, now);
        let sql = select
            .order_by(keyset.published_at, Order::Desc)
            .build(sea_orm::DbBackend::Sqlite)
            .to_string();
        assert!(sql.contains("INNER JOIN \"article_sections\""), "{sql}");
        assert!(
            sql.contains("ORDER BY \"article_sections\".\"published_at\" DESC"),
            "{sql}"
        );
        assert!(
            sql.contains("IN (SELECT \"article_id\" FROM \"article_tags\""),
            "{sql}"
        );
    }
}
