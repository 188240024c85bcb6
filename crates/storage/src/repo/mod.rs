//! Repositories, one per aggregate. Each borrows the [`Database`] and speaks in domain values.

pub mod articles;
pub mod audit;
pub mod authors;
pub mod changes;
pub mod comments;
pub mod media;
pub mod newsroom;
pub mod partners;
pub mod schedule;
pub mod search;
pub mod sections;
pub mod shared_counts;
pub mod sitemaps;
pub mod story;
pub mod tags;
pub mod users;
pub mod views;
pub mod webhooks;

use crate::db::Database;

impl Database {
    pub fn articles(&self) -> articles::Articles<'_> {
        articles::Articles { db: self }
    }

    pub fn sections(&self) -> sections::Sections<'_> {
        sections::Sections { db: self }
    }

    pub fn authors(&self) -> authors::Authors<'_> {
        authors::Authors { db: self }
    }

    pub fn tags(&self) -> tags::Tags<'_> {
        tags::Tags { db: self }
    }

    pub fn media(&self) -> media::MediaLibrary<'_> {
        media::MediaLibrary { db: self }
    }

    pub fn users(&self) -> users::Users<'_> {
        users::Users { db: self }
    }

    pub fn audit(&self) -> audit::AuditTrail<'_> {
        audit::AuditTrail { db: self }
    }

    pub fn article_views(&self) -> views::ArticleViews<'_> {
        views::ArticleViews { db: self }
    }

    pub fn search_index(&self) -> search::SearchIndex<'_> {
        search::SearchIndex { db: self }
    }

    pub fn partners(&self) -> partners::Partners<'_> {
        partners::Partners { db: self }
    }

    pub fn changes(&self) -> changes::Changes<'_> {
        changes::Changes { db: self }
    }

    pub fn shared_counts(&self) -> shared_counts::SharedCounts<'_> {
        shared_counts::SharedCounts { db: self }
    }

    pub fn webhooks(&self) -> webhooks::Webhooks<'_> {
        webhooks::Webhooks { db: self }
    }

    pub fn comments(&self) -> comments::Comments<'_> {
        comments::Comments { db: self }
    }

    pub fn schedule(&self) -> schedule::Schedule<'_> {
        schedule::Schedule { db: self }
    }
}

/// Turns rows into domain values, stopping at the first that breaks a rule.
pub(crate) fn convert_all<R, T>(rows: Vec<R>) -> Result<Vec<T>, crate::StorageError>
where
    T: TryFrom<R, Error = crate::StorageError>,
{
    rows.into_iter().map(T::try_from).collect()
}
