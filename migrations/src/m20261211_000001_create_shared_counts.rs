//! What the limits of every node share (note 0606): counts every node adds to and reads back,
//! per limit and window (the public rate limits), and throttle states every node updates under
//! a row lock (the sign-in throttle, the comment limits, wrong comment passwords). Old rows are
//! deleted as nodes reconcile.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum SharedCounts {
    Table,
    Name,
    WindowStart,
    Hits,
}

#[derive(DeriveIden)]
enum SharedThrottles {
    Table,
    Key,
    State,
    ExpiresAt,
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
                    .table(SharedCounts::Table)
                    .col(
                        ColumnDef::new(SharedCounts::Name)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SharedCounts::WindowStart)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SharedCounts::Hits).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(SharedCounts::Name)
                            .col(SharedCounts::WindowStart),
                    )
                    .to_owned(),
            )
            .await?;
        // Pruning deletes by age.
        manager
            .create_index(
                Index::create()
                    .name("idx_shared_counts_window")
                    .table(SharedCounts::Table)
                    .col(SharedCounts::WindowStart)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SharedThrottles::Table)
                    .col(
                        ColumnDef::new(SharedThrottles::Key)
                            .string_len(200)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(SharedThrottles::State).text().not_null())
                    .col(
                        ColumnDef::new(SharedThrottles::ExpiresAt)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_shared_throttles_expires")
                    .table(SharedThrottles::Table)
                    .col(SharedThrottles::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SharedThrottles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SharedCounts::Table).to_owned())
            .await
    }
}
