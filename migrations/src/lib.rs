//! Dateline's database schema as sea-orm migrations, one change per file.
//!
//! Written with the schema builder so one migration serves SQLite and PostgreSQL; engine-specific
//! SQL appears only where a feature needs it, guarded by the backend.

pub use sea_orm_migration::prelude::*;

mod m20261130_000001_create_newsroom;
mod m20261202_000001_create_article_views;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261130_000001_create_newsroom::Migration),
            Box::new(m20261202_000001_create_article_views::Migration),
        ]
    }
}
