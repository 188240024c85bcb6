//! What sitemaps list: public stories' addresses, oldest first in fixed-size sitemaps (so a
//! story stays in the same sitemap as new ones arrive), and the last hours' stories for the news
//! sitemap. Only the few columns a sitemap prints are read.

use dateline_domain::{ArticleId, Slug, Timestamp};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait as _, Func, Order, Query};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _, Select,
};

use crate::entity::article;
use crate::error::StorageError;
use crate::public::public_at;
use crate::repo::articles::Articles;

/// A public story as a sitemap names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    pub id: ArticleId,
    pub slug: Slug,
    pub canonical_url: Option<String>,
    pub headline: String,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
}

type EntryRow = (
    String,
    String,
    Option<String>,
    String,
    Option<chrono::DateTime<chrono::Utc>>,
    chrono::DateTime<chrono::Utc>,
);

fn entry(row: EntryRow) -> Result<SitemapEntry, StorageError> {
    let (id, slug, canonical_url, headline, published_at, updated_at) = row;
    Ok(SitemapEntry {
        id: ArticleId::parse(&id)?,
        slug: Slug::parse(&slug)?,
        canonical_url,
        headline,
        published_at: published_at
            .map(Timestamp::from)
            .ok_or_else(|| StorageError::Corrupt(format!("public story {id} has no time")))?,
        updated_at: updated_at.into(),
    })
}

fn columns(
    select: sea_orm::Select<article::Entity>,
) -> sea_orm::Selector<sea_orm::SelectGetableTuple<EntryRow>> {
    select
        .select_only()
        .column(article::Column::Id)
        .column(article::Column::Slug)
        .column(article::Column::CanonicalUrl)
        .column(article::Column::Headline)
        .column(article::Column::PublishedAt)
        .column(article::Column::UpdatedAt)
        .into_tuple::<EntryRow>()
}

impl Articles<'_> {
    /// Up to `limit` public stories after (`published_at`, `id`) `after`, oldest first.
    pub async fn sitemap_chunk(
        &self,
        after: Option<(Timestamp, ArticleId)>,
        limit: u64,
        now: Timestamp,
    ) -> Result<Vec<SitemapEntry>, StorageError> {
        let select = public_after(after, now)
            .order_by_asc(article::Column::PublishedAt)
            .order_by_asc(article::Column::Id)
            .limit(limit);
        columns(select)
            .all(&self.db.read)
            .await?
            .into_iter()
            .map(entry)
            .collect()
    }

    /// Where the `limit`-long chunk after `after` ends (oldest first), reading only the order
    /// columns; `None` when fewer than `limit` stories follow.
    pub async fn sitemap_boundary(
        &self,
        after: Option<(Timestamp, ArticleId)>,
        limit: u64,
        now: Timestamp,
    ) -> Result<Option<(Timestamp, ArticleId)>, StorageError> {
        let keys: Vec<(Option<chrono::DateTime<chrono::Utc>>, String)> = public_after(after, now)
            .select_only()
            .column(article::Column::PublishedAt)
            .column(article::Column::Id)
            .order_by_asc(article::Column::PublishedAt)
            .order_by_asc(article::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db.read)
            .await?;
        if (keys.len() as u64) < limit {
            return Ok(None);
        }
        match keys.last() {
            Some((Some(at), id)) => Ok(Some(((*at).into(), ArticleId::parse(id)?))),
            _ => Ok(None),
        }
    }

    /// When each `chunk`-long run of public stories (oldest first, as the article sitemaps cut
    /// them) last changed: its latest publication or edit. One entry per sitemap, so their count
    /// is also the number of article sitemaps.
    ///
    /// One pass numbers the public stories in sitemap order and groups them by run; it reads each
    /// public row once, the price of an exact `<lastmod>` for sitemaps whose old stories are
    /// still corrected. The index it feeds is a cached public answer, rebuilt only when a story
    /// changes.
    pub async fn sitemap_last_changes(
        &self,
        chunk: u64,
        now: Timestamp,
    ) -> Result<Vec<Timestamp>, StorageError> {
        let run = Alias::new("run");
        let latest_edit = Alias::new("latest_edit");
        let latest_publication = Alias::new("latest_publication");
        let mut numbered = Query::select();
        numbered
            .column(article::Column::UpdatedAt)
            .column(article::Column::PublishedAt)
            // `chunk` is a constant of the caller's, never input.
            .expr_as(
                Expr::cust(format!(
                    "(ROW_NUMBER() OVER (ORDER BY \"published_at\", \"id\") - 1) / {chunk}"
                )),
                run.clone(),
            )
            .from(article::Entity)
            .cond_where(public_at(now));
        let mut runs = Query::select();
        runs.expr_as(
            Func::max(Expr::col(article::Column::UpdatedAt)),
            latest_edit.clone(),
        )
        .expr_as(
            Func::max(Expr::col(article::Column::PublishedAt)),
            latest_publication.clone(),
        )
        .from_subquery(numbered, Alias::new("numbered"))
        .group_by_col(run.clone())
        .order_by(run, Order::Asc);
        let rows = self.db.read.query_all(&runs).await?;
        rows.into_iter()
            .map(|row| {
                let edit: Option<chrono::DateTime<chrono::Utc>> = row.try_get("", "latest_edit")?;
                let publication: Option<chrono::DateTime<chrono::Utc>> =
                    row.try_get("", "latest_publication")?;
                std::cmp::max(edit, publication)
                    .map(Timestamp::from)
                    .ok_or_else(|| StorageError::Corrupt("a sitemap run with no times".into()))
            })
            .collect()
    }

    /// Public stories published at or after `since`, newest first, at most `limit`.
    pub async fn published_since(
        &self,
        since: Timestamp,
        limit: u64,
        now: Timestamp,
    ) -> Result<Vec<SitemapEntry>, StorageError> {
        let select = article::Entity::find()
            .filter(public_at(now))
            .filter(article::Column::PublishedAt.gte(since.as_datetime()))
            .order_by_desc(article::Column::PublishedAt)
            .order_by_desc(article::Column::Id)
            .limit(limit);
        columns(select)
            .all(&self.db.read)
            .await?
            .into_iter()
            .map(entry)
            .collect()
    }
}

/// Public stories strictly after `after` in oldest-first (published_at, id) order.
fn public_after(after: Option<(Timestamp, ArticleId)>, now: Timestamp) -> Select<article::Entity> {
    let select = article::Entity::find().filter(public_at(now));
    let Some((at, id)) = after else {
        return select;
    };
    let at = at.as_datetime();
    select.filter(
        Condition::all()
            .add(Expr::col(article::Column::PublishedAt).gte(at))
            .add(
                Condition::any()
                    .add(Expr::col(article::Column::PublishedAt).gt(at))
                    .add(Expr::col(article::Column::Id).gt(id.to_string())),
            ),
    )
}
