//! Who created and who approved each story, and the indexes of the newsroom's story lists:
//! by status and by creator, most recently updated first.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
    Status,
    UpdatedAt,
    CreatedBy,
    ApprovedBy,
}

#[async_trait::async_trait]
#[expect(
    elided_lifetimes_in_paths,
    reason = "MigrationTrait leaves SchemaManager's lifetime late-bound; naming it breaks the impl"
)]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        for column in [Articles::CreatedBy, Articles::ApprovedBy] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Articles::Table)
                        .add_column(ColumnDef::new(column).string_len(40))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_articles_newsroom_status")
                    .table(Articles::Table)
                    .col(Articles::Status)
                    .col(Articles::UpdatedAt)
                    .col(Articles::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_articles_newsroom_creator")
                    .table(Articles::Table)
                    .col(Articles::CreatedBy)
                    .col(Articles::UpdatedAt)
                    .col(Articles::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in [
            "idx_articles_newsroom_creator",
            "idx_articles_newsroom_status",
        ] {
            manager
                .drop_index(Index::drop().name(index).table(Articles::Table).to_owned())
                .await?;
        }
        for column in [Articles::ApprovedBy, Articles::CreatedBy] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Articles::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
