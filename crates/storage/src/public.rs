//! The visibility rule as SQL, and the keyset conditions of newest-first lists.
//!
//! [`public_at`] mirrors `dateline_domain::visibility::is_public` and is the only way a public
//! query decides what the public may see.

use dateline_domain::visibility::PUBLIC_STATUSES;
use dateline_domain::{ArticleCursor, Timestamp};
use sea_orm::sea_query::{Condition, Expr, ExprTrait as _};
use sea_orm::{ColumnTrait as _, IntoSimpleExpr as _};

use crate::entity::article;

/// `status IN ('PUBLISHED','SCHEDULED') AND published_at <= now`.
pub(crate) fn public_at(now: Timestamp) -> Condition {
    Condition::all()
        .add(public_status())
        .add(article::Column::PublishedAt.lte(now.as_datetime()))
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
