//! A covering index for the search join: a search matches thousands of stories in the index and
//! must read each one's visibility (status, published_at) by id. Without this index every match
//! reads the story's whole row (body included); with it the join reads the index alone
//! (decision 0301).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
#[expect(
    elided_lifetimes_in_paths,
    reason = "MigrationTrait leaves SchemaManager's lifetime late-bound; naming it breaks the impl"
)]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_articles_id_visibility ON articles (id, status, published_at)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_articles_id_visibility")
            .await?;
        Ok(())
    }
}
