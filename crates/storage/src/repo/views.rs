//! Reader views: confirming the views nodes claimed against the shared table of who was last
//! counted reading what, adding them to hourly buckets and totals, summing a window's buckets
//! into a ranking, and the lean visibility lookups the view beacon and rankings need.
//!
//! Writes are additive upserts (`views = views + excluded.views`), so any number of nodes can
//! flush the same stories at once and the stored sums stay exact. Rows are written in key order
//! so that concurrent flushes on PostgreSQL lock rows in the same order and never deadlock.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use dateline_domain::ranking::hour_start;
use dateline_domain::{
    ArticleId, RankedArticle, SectionId, Status, Timestamp, ViewClaim, ViewTally,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict, Order, Query};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QuerySelect as _,
    TransactionTrait as _,
};

use crate::db::Database;
use crate::entity::{
    article, article_section, article_view_hourly as hourly, article_view_total as total,
};
use crate::error::StorageError;
use crate::public::public_at;

pub struct ArticleViews<'db> {
    pub(crate) db: &'db Database,
}

/// Rows per multi-row upsert: three parameters each keeps a statement far below both engines'
/// parameter limits.
const UPSERT_CHUNK: usize = 500;

/// Stored counts are BIGINT; a count past its range (never seen in practice) is held at the top.
fn stored(views: u64) -> i64 {
    i64::try_from(views).unwrap_or(i64::MAX)
}

fn counted(views: i64) -> u64 {
    u64::try_from(views).unwrap_or(0)
}

impl ArticleViews<'_> {
    /// Adds views to the hourly buckets and to the stories' totals, all or nothing (the
    /// synthetic corpus; readers' views go through [`Self::add_claimed`]).
    pub async fn add(&self, tallies: &[ViewTally]) -> Result<(), StorageError> {
        // Merged and in key order: one row per key per statement (PostgreSQL refuses to update a
        // row twice in one upsert), and the same lock order on every node.
        let mut buckets: BTreeMap<(ArticleId, Timestamp), u64> = BTreeMap::new();
        let mut totals: BTreeMap<ArticleId, u64> = BTreeMap::new();
        for tally in tallies.iter().filter(|tally| tally.views > 0) {
            let bucket = buckets.entry((tally.article, tally.hour)).or_default();
            *bucket = bucket.saturating_add(tally.views);
            let sum = totals.entry(tally.article).or_default();
            *sum = sum.saturating_add(tally.views);
        }
        if buckets.is_empty() {
            return Ok(());
        }
        let buckets: Vec<_> = buckets.into_iter().collect();
        let totals: Vec<_> = totals.into_iter().collect();
        let txn = self.db.write.begin().await?;
        for chunk in buckets.chunks(UPSERT_CHUNK) {
            add_to_buckets(&txn, chunk).await?;
        }
        for chunk in totals.chunks(UPSERT_CHUNK) {
            add_to_totals(&txn, chunk).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Counts the views nodes claimed, once per reader per story per repeat period whichever
    /// node heard them, into the hourly buckets and the stories' totals, all or nothing; answers
    /// how many counted.
    ///
    /// Each claim is an upsert into the shared reader table that goes in only for a reader not
    /// counted for the story since `repeat` before the batch's first claim; the rows that went in
    /// are the views. Two nodes flushing the same reader at once serialise on that row, and the
    /// second finds it recent.
    pub async fn add_claimed(
        &self,
        claims: &[ViewClaim],
        repeat: chrono::Duration,
    ) -> Result<u64, StorageError> {
        // One claim per (story, reader), the earliest, in key order: PostgreSQL refuses to
        // update a row twice in one upsert, and every node then locks rows in the same order.
        let mut first: BTreeMap<(ArticleId, i64), Timestamp> = BTreeMap::new();
        for claim in claims {
            let reader = i64::from_ne_bytes(claim.reader.to_ne_bytes());
            first
                .entry((claim.article, reader))
                .and_modify(|at| *at = (*at).min(claim.at))
                .or_insert(claim.at);
        }
        let Some(earliest) = first.values().min().copied() else {
            return Ok(0);
        };
        let counts_again_before = earliest.minus(repeat).as_datetime();
        let claims: Vec<_> = first.into_iter().collect();
        let txn = self.db.write.begin().await?;
        let mut buckets: BTreeMap<(ArticleId, Timestamp), u64> = BTreeMap::new();
        for chunk in claims.chunks(UPSERT_CHUNK) {
            for (article, at) in claim_readers(&txn, chunk, counts_again_before).await? {
                *buckets.entry((article, hour_start(at))).or_default() += 1;
            }
        }
        let mut totals: BTreeMap<ArticleId, u64> = BTreeMap::new();
        for ((article, _), views) in &buckets {
            *totals.entry(*article).or_default() += views;
        }
        let counted = totals.values().sum();
        let buckets: Vec<_> = buckets.into_iter().collect();
        let totals: Vec<_> = totals.into_iter().collect();
        for chunk in buckets.chunks(UPSERT_CHUNK) {
            add_to_buckets(&txn, chunk).await?;
        }
        for chunk in totals.chunks(UPSERT_CHUNK) {
            add_to_totals(&txn, chunk).await?;
        }
        txn.commit().await?;
        Ok(counted)
    }

    /// Forgets readers last counted before `before`: they count again anyway.
    pub async fn forget_readers_before(&self, before: Timestamp) -> Result<u64, StorageError> {
        let mut delete = Query::delete();
        delete
            .from_table(Alias::new(READERS))
            .and_where(Expr::col(Alias::new("counted_at")).lt(before.as_datetime()));
        let result = self.db.write.execute(&delete).await?;
        Ok(result.rows_affected())
    }

    /// The stories with the most views in the buckets from `first_hour` to `last_hour`, most
    /// viewed first (ties: the newer story first), optionally within a section and its
    /// subsections. Visibility is not applied here: the caller keeps the public ones (through
    /// `Articles::find_public_by_ids`) and asks for more when some are not. Views only ever reach
    /// public stories, so that is rare — and summing the buckets alone, without joining every one
    /// of them to its story, is what keeps a 30-day ranking affordable.
    pub async fn ranking(
        &self,
        first_hour: Timestamp,
        last_hour: Timestamp,
        section: Option<SectionId>,
        limit: u64,
    ) -> Result<Vec<RankedArticle>, StorageError> {
        let views = Expr::col(hourly::Column::Views)
            .sum()
            .cast_as(Alias::new("BIGINT"));
        let mut query = Query::select();
        query
            .column(hourly::Column::ArticleId)
            .expr_as(views.clone(), Alias::new("views"))
            .from(hourly::Entity)
            .and_where(Expr::col(hourly::Column::HourStart).gte(first_hour.as_datetime()))
            .and_where(Expr::col(hourly::Column::HourStart).lte(last_hour.as_datetime()))
            .group_by_col(hourly::Column::ArticleId)
            .order_by_expr(views, Order::Desc)
            .order_by(hourly::Column::ArticleId, Order::Desc)
            .limit(limit);
        if let Some(section) = section {
            query.and_where(
                Expr::col(hourly::Column::ArticleId).in_subquery(
                    Query::select()
                        .column(article_section::Column::ArticleId)
                        .from(article_section::Entity)
                        .and_where(article_section::Column::SectionId.eq(section.to_string()))
                        .to_owned(),
                ),
            );
        }
        let rows = self.db.read.query_all(&query).await?;
        rows.into_iter()
            .map(|row| {
                Ok(RankedArticle {
                    article: ArticleId::parse(&row.try_get::<String>("", "article_id")?)?,
                    views: counted(row.try_get::<i64>("", "views")?),
                })
            })
            .collect()
    }

    /// Each story's views of all time, as of the last flush; stories never viewed are absent.
    pub async fn totals_of(
        &self,
        ids: &[ArticleId],
    ) -> Result<HashMap<ArticleId, u64>, StorageError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = total::Entity::find()
            .select_only()
            .columns([total::Column::ArticleId, total::Column::Views])
            .filter(total::Column::ArticleId.is_in(ids.iter().map(ToString::to_string)))
            .into_tuple::<(String, i64)>()
            .all(&self.db.read)
            .await?;
        rows.into_iter()
            .map(|(id, views)| Ok((ArticleId::parse(&id)?, counted(views))))
            .collect()
    }

    /// Which of `ids` are public at `now`: reads only the ids, never the stories.
    pub async fn still_public(
        &self,
        ids: &[ArticleId],
        now: Timestamp,
    ) -> Result<HashSet<ArticleId>, StorageError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let rows = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(public_at(now))
            .filter(article::Column::Id.is_in(ids.iter().map(ToString::to_string)))
            .into_tuple::<String>()
            .all(&self.db.read)
            .await?;
        rows.iter()
            .map(|id| ArticleId::parse(id).map_err(StorageError::from))
            .collect()
    }

    /// What decides whether a story is public, whatever the time: its status and publication
    /// time. `None` when no story has this id. Cached by the view beacon, which judges it
    /// against the clock with `dateline_domain::visibility::is_public` on every view.
    pub async fn publication_of(
        &self,
        id: ArticleId,
    ) -> Result<Option<(Status, Option<Timestamp>)>, StorageError> {
        let row = article::Entity::find_by_id(id.to_string())
            .select_only()
            .columns([article::Column::Status, article::Column::PublishedAt])
            .into_tuple::<(String, Option<DateTime<Utc>>)>()
            .one(&self.db.read)
            .await?;
        row.map(|(status, published_at)| {
            Ok((
                Status::parse(&status)?,
                published_at.map(Timestamp::from_datetime),
            ))
        })
        .transpose()
    }

    /// Deletes the buckets that started before `hour`; answers how many went.
    pub async fn prune_before(&self, hour: Timestamp) -> Result<u64, StorageError> {
        let result = hourly::Entity::delete_many()
            .filter(hourly::Column::HourStart.lt(hour.as_datetime()))
            .exec(&self.db.write)
            .await?;
        Ok(result.rows_affected)
    }

    /// Every public story with its publication time, for generating synthetic views.
    pub async fn public_story_times(
        &self,
        now: Timestamp,
    ) -> Result<Vec<(ArticleId, Timestamp)>, StorageError> {
        let rows = article::Entity::find()
            .select_only()
            .columns([article::Column::Id, article::Column::PublishedAt])
            .filter(public_at(now))
            .into_tuple::<(String, Option<DateTime<Utc>>)>()
            .all(&self.db.read)
            .await?;
        rows.into_iter()
            .filter_map(|(id, at)| at.map(|at| (id, Timestamp::from_datetime(at))))
            .map(|(id, at)| Ok((ArticleId::parse(&id)?, at)))
            .collect()
    }
}

/// The upsert that makes flushes additive: `views = <stored> + excluded.views`.
fn add_on_conflict(table: impl sea_orm::sea_query::IntoIden, columns: OnConflict) -> OnConflict {
    let mut on_conflict = columns;
    on_conflict.value(
        Alias::new("views"),
        Expr::col((table.into_iden(), Alias::new("views")))
            .add(Expr::col((Alias::new("excluded"), Alias::new("views")))),
    );
    on_conflict
}

/// The table of who was last counted reading what (no entity: only these two statements
/// touch it).
const READERS: &str = "article_view_readers";

/// Upserts the readers of `claims`, each going in only if new or last counted at or before
/// `counts_again_before`; answers the (story, time) of each that went in.
async fn claim_readers(
    txn: &impl ConnectionTrait,
    claims: &[((ArticleId, i64), Timestamp)],
    counts_again_before: DateTime<Utc>,
) -> Result<Vec<(ArticleId, Timestamp)>, StorageError> {
    let table = Alias::new(READERS);
    let counted_at = Alias::new("counted_at");
    let mut insert = Query::insert();
    insert.into_table(table.clone()).columns([
        Alias::new("article_id"),
        Alias::new("reader_key"),
        counted_at.clone(),
    ]);
    for ((article, reader), at) in claims {
        insert.values_panic([
            article.to_string().into(),
            (*reader).into(),
            at.as_datetime().into(),
        ]);
    }
    insert
        .on_conflict(
            OnConflict::columns([Alias::new("article_id"), Alias::new("reader_key")])
                .update_column(counted_at.clone())
                .action_and_where(Expr::col((table, counted_at.clone())).lte(counts_again_before))
                .to_owned(),
        )
        .returning(Query::returning().columns([Alias::new("article_id"), counted_at]));
    let rows = txn.query_all(&insert).await?;
    rows.into_iter()
        .map(|row| {
            let article: String = row.try_get("", "article_id")?;
            let at: DateTime<Utc> = row.try_get("", "counted_at")?;
            Ok((ArticleId::parse(&article)?, Timestamp::from(at)))
        })
        .collect()
}

async fn add_to_buckets(
    txn: &impl ConnectionTrait,
    rows: &[((ArticleId, Timestamp), u64)],
) -> Result<(), StorageError> {
    let mut insert = Query::insert();
    insert.into_table(hourly::Entity).columns([
        hourly::Column::ArticleId,
        hourly::Column::HourStart,
        hourly::Column::Views,
    ]);
    for ((article, hour), views) in rows {
        insert.values_panic([
            article.to_string().into(),
            hour.as_datetime().into(),
            stored(*views).into(),
        ]);
    }
    insert.on_conflict(add_on_conflict(
        hourly::Entity,
        OnConflict::columns([hourly::Column::ArticleId, hourly::Column::HourStart]),
    ));
    txn.execute(&insert).await?;
    Ok(())
}

async fn add_to_totals(
    txn: &impl ConnectionTrait,
    rows: &[(ArticleId, u64)],
) -> Result<(), StorageError> {
    let mut insert = Query::insert();
    insert
        .into_table(total::Entity)
        .columns([total::Column::ArticleId, total::Column::Views]);
    for (article, views) in rows {
        insert.values_panic([article.to_string().into(), stored(*views).into()]);
    }
    insert.on_conflict(add_on_conflict(
        total::Entity,
        OnConflict::column(total::Column::ArticleId),
    ));
    txn.execute(&insert).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    use super::*;

    #[test]
    fn a_flush_adds_to_what_is_stored_instead_of_replacing_it() {
        let mut insert = Query::insert();
        insert
            .into_table(total::Entity)
            .columns([total::Column::ArticleId, total::Column::Views])
            .values_panic(["art_x".into(), 1i64.into()])
            .on_conflict(add_on_conflict(
                total::Entity,
                OnConflict::column(total::Column::ArticleId),
            ));
        let expected = r#"ON CONFLICT ("article_id") DO UPDATE SET "views" = "article_view_totals"."views" + "excluded"."views""#;
        assert!(insert.to_string(PostgresQueryBuilder).ends_with(expected));
        assert!(insert.to_string(SqliteQueryBuilder).ends_with(expected));
    }
}
