//! Dateline's database schema as sea-orm migrations, one change per file.
//!
//! Written with the schema builder so one migration serves SQLite and PostgreSQL; engine-specific
//! SQL appears only where a feature needs it, guarded by the backend.

pub use sea_orm_migration::prelude::*;

mod m20261130_000001_create_newsroom;
mod m20261201_000001_create_users;
mod m20261201_000002_create_refresh_tokens;
mod m20261201_000003_add_article_ownership;
mod m20261201_000004_create_article_revisions;
mod m20261201_000005_create_audit_events;
mod m20261202_000001_create_article_views;
mod m20261203_000001_create_search_index;
mod m20261203_000002_index_article_visibility;
mod m20261206_000001_add_not_for_syndication;
mod m20261206_000002_create_partners;
mod m20261206_000003_create_content_changes;
mod m20261206_000004_create_webhooks;
mod m20261208_000001_create_comments;
mod m20261208_000002_add_comment_to_changes;
mod m20261209_000001_add_credential_version;
mod m20261210_000001_add_change_feed_positions;
mod m20261210_000002_create_article_view_readers;
mod m20261211_000001_create_shared_counts;
mod m20261212_000001_create_article_section_history;
mod m20261213_000001_add_breaking_until;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261130_000001_create_newsroom::Migration),
            Box::new(m20261201_000001_create_users::Migration),
            Box::new(m20261201_000002_create_refresh_tokens::Migration),
            Box::new(m20261201_000003_add_article_ownership::Migration),
            Box::new(m20261201_000004_create_article_revisions::Migration),
            Box::new(m20261201_000005_create_audit_events::Migration),
            Box::new(m20261202_000001_create_article_views::Migration),
            Box::new(m20261203_000001_create_search_index::Migration),
            Box::new(m20261206_000001_add_not_for_syndication::Migration),
            Box::new(m20261206_000002_create_partners::Migration),
            Box::new(m20261206_000003_create_content_changes::Migration),
            Box::new(m20261206_000004_create_webhooks::Migration),
            Box::new(m20261208_000001_create_comments::Migration),
            Box::new(m20261208_000002_add_comment_to_changes::Migration),
            Box::new(m20261203_000002_index_article_visibility::Migration),
            Box::new(m20261209_000001_add_credential_version::Migration),
            Box::new(m20261210_000001_add_change_feed_positions::Migration),
            Box::new(m20261210_000002_create_article_view_readers::Migration),
            Box::new(m20261211_000001_create_shared_counts::Migration),
            Box::new(m20261212_000001_create_article_section_history::Migration),
            Box::new(m20261213_000001_add_breaking_until::Migration),
        ]
    }
}
