//! The durable change feed: one row per story event, written in the same transaction as the
//! story, ordered by (visible_at, seq) so a scheduled story's publication appears in order once
//! its time comes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ContentChanges {
    Table,
    Seq,
    Kind,
    ArticleId,
    VisibleAt,
    RecordedAt,
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
                    .table(ContentChanges::Table)
                    .col(
                        ColumnDef::new(ContentChanges::Seq)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ContentChanges::Kind)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ContentChanges::ArticleId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ContentChanges::VisibleAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ContentChanges::RecordedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_content_changes_visible")
                    .table(ContentChanges::Table)
                    .col(ContentChanges::VisibleAt)
                    .col(ContentChanges::Seq)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContentChanges::Table).to_owned())
            .await
    }
}
