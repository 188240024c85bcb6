//! The visibility rule as SQL, and the keyset conditions of newest-first lists.
//!
//! [`public_at`] mirrors `dateline_domain::visibility::is_public` and is the only way a public
//! query decides what the public may see.

use dateline_domain::visibility::PUBLIC_STATUSES;
use dateline_domain::{ArticleCursor, Timestamp};
use sea_orm::sea_query::{Condition, Expr, ExprTrait as _, IntoColumnRef, IntoIden, Query};
use sea_orm::{ColumnTrait as _, IntoSimpleExpr as _};

use crate::entity::article;

/// `status IN ('PUBLISHED','SCHEDULED') AND published_at <= now`.
pub(crate) fn public_at(now: Timestamp) -> Condition {
    Condition::all()
        .add(public_status())
        .add(article::Column::PublishedAt.lte(now.as_datetime()))
}

/// A link table's columns, for [`has_public_story`]: which table, its story column, its owner
/// column (the tag or author) and its repeated publication time.
pub(crate) struct LinkColumns<T, C> {
    pub(crate) table: T,
    pub(crate) article_id: C,
    pub(crate) owner_id: C,
    pub(crate) published_at: C,
}

/// `EXISTS (a public story linked to owner)`: a tag or author page is public only while one of
/// its stories is, so that a name used only by an embargoed story is not an oracle for it.
///
/// Visibility is [`public_at`] on the story's row, as everywhere; the link's repeated
/// `published_at` only narrows the index range the probe reads (decision 0002).
pub(crate) fn has_public_story<T, C>(
    link: LinkColumns<T, C>,
    owner: impl IntoColumnRef,
    now: Timestamp,
) -> Expr
where
    T: IntoIden + Copy + 'static,
    C: IntoIden + 'static,
{
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(link.table)
            .inner_join(
                article::Entity,
                Expr::col((article::Entity, article::Column::Id))
                    .equals((link.table, link.article_id)),
            )
            .and_where(Expr::col((link.table, link.owner_id)).equals(owner))
            .and_where(Expr::col((link.table, link.published_at)).lte(now.as_datetime()))
            .cond_where(public_at(now))
            .limit(1)
            .to_owned(),
    )
}

/// `status IN ('PUBLISHED','SCHEDULED')`, written so that no index can serve it: nearly every
/// story has a public status, so the newsroom's (status, updated_at) index would make a planner
/// without fresh statistics (SQLite before its first ANALYZE) walk and sort every public story
/// instead of reading one range of the publication-time index. The statuses are the domain's
/// constants, never input.
pub(crate) fn public_status() -> Expr {
    let statuses: Vec<String> = PUBLIC_STATUSES
        .iter()
        .map(|status| format!("'{}'", status.as_str()))
        .collect();
    Expr::cust(format!(
        "\"articles\".\"status\" || '' IN ({})",
        statuses.join(", ")
    ))
}

/// The columns a newest-first list is ordered by: the story's own, or those of the link table
/// that drives a filtered list.
#[derive(Clone)]
pub(crate) struct KeysetColumns {
    pub(crate) published_at: Expr,
    pub(crate) id: Expr,
}

impl KeysetColumns {
    pub(crate) fn of_articles() -> Self {
        Self {
            published_at: article::Column::PublishedAt.into_simple_expr(),
            id: article::Column::Id.into_simple_expr(),
        }
    }

    /// Items strictly after `cursor` in newest-first order. Written as a range on published_at
    /// plus a tie-break, so both engines read it as one index range.
    pub(crate) fn older_than(&self, cursor: &ArticleCursor) -> Condition {
        let at = cursor.published_at.as_datetime();
        Condition::all().add(self.published_at.clone().lte(at)).add(
            Condition::any()
                .add(self.published_at.clone().lt(at))
                .add(self.id.clone().lt(cursor.id.to_string())),
        )
    }

    pub(crate) fn since(&self, since: Timestamp) -> Expr {
        self.published_at.clone().gte(since.as_datetime())
    }
}
