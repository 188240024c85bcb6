//! The publishing schedule as caches need it: when the next approved story goes public on its
//! own, with no write to announce it.

use dateline_domain::Timestamp;
use sea_orm::prelude::DateTimeUtc;
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};

use crate::db::Database;
use crate::entity::article;
use crate::error::StorageError;
use crate::public::public_status;

pub struct Schedule<'a> {
    pub(crate) db: &'a Database,
}

impl Schedule<'_> {
    /// The earliest publication time after `now` among approved stories: the moment a public
    /// list may next change without any write. `None` when nothing is waiting.
    pub async fn next_lift(&self, now: Timestamp) -> Result<Option<Timestamp>, StorageError> {
        let next = article::Entity::find()
            .select_only()
            .column(article::Column::PublishedAt)
            .filter(public_status())
            .filter(article::Column::PublishedAt.gt(now.as_datetime()))
            .order_by_asc(article::Column::PublishedAt)
            .into_tuple::<Option<DateTimeUtc>>()
            .one(&self.db.read)
            .await?;
        Ok(next.flatten().map(Timestamp::from_datetime))
    }
}
