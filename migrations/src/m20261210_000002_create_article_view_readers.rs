//! Who was last counted reading which story, shared by every node: a flush counts a view only if
//! its reader's row for the story went in or was older than the repeat period, so a reader whose
//! beacons reach two nodes counts once.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ArticleViewReaders {
    Table,
    ArticleId,
    ReaderKey,
    CountedAt,
}

#[async_trait::async_trait]
#[expect(
    elided_lifetimes_in_paths,
    reason = "MigrationTrait leaves SchemaManager's lifetime late-bound; naming it breaks the impl"
)]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ArticleViewReaders::Table)
                    .col(
                        ColumnDef::new(ArticleViewReaders::ArticleId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArticleViewReaders::ReaderKey)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArticleViewReaders::CountedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ArticleViewReaders::ArticleId)
                            .col(ArticleViewReaders::ReaderKey),
                    )
                    .to_owned(),
            )
            .await?;
        // Pruning reads the oldest rows.
        manager
            .create_index(
                Index::create()
                    .name("idx_article_view_readers_counted")
                    .table(ArticleViewReaders::Table)
                    .col(ArticleViewReaders::CountedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ArticleViewReaders::Table).to_owned())
            .await
    }
}
