//! Reader views: additive hourly buckets per story, and each story's all-time total.
//!
//! Nodes flush the views they gathered as `views = views + n` upserts, so several nodes add up
//! exactly without coordinating. No foreign key to `articles`: a flush must never fail because a
//! story was deleted meanwhile (that would lose every other count in it), and rankings join the
//! public stories anyway. Buckets older than the longest ranking window are pruned.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ArticleViewsHourly {
    Table,
    ArticleId,
    HourStart,
    Views,
}

#[derive(DeriveIden)]
enum ArticleViewTotals {
    Table,
    ArticleId,
    Views,
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
                    .table(ArticleViewsHourly::Table)
                    .col(
                        ColumnDef::new(ArticleViewsHourly::ArticleId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArticleViewsHourly::HourStart)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArticleViewsHourly::Views)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .primary_key(
                        Index::create()
                            .col(ArticleViewsHourly::ArticleId)
                            .col(ArticleViewsHourly::HourStart),
                    )
                    .to_owned(),
            )
            .await?;

        // A ranking reads one range of hours; carrying the story and its views in the index lets
        // it sum without touching the table, and pruning deletes one range from its start.
        manager
            .create_index(
                Index::create()
                    .name("idx_article_views_hourly_hour")
                    .table(ArticleViewsHourly::Table)
                    .col(ArticleViewsHourly::HourStart)
                    .col(ArticleViewsHourly::ArticleId)
                    .col(ArticleViewsHourly::Views)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ArticleViewTotals::Table)
                    .col(
                        ColumnDef::new(ArticleViewTotals::ArticleId)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ArticleViewTotals::Views)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ArticleViewTotals::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ArticleViewsHourly::Table).to_owned())
            .await?;
        Ok(())
    }
}
