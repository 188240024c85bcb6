//! Change-feed positions: each event's place in the feed, given when it becomes visible and in
//! commit order, so a mirror reading continuously on PostgreSQL misses nothing when concurrent
//! writers commit out of order (decision 0601). A one-row counter hands positions out; updating it
//! locks it until the writer commits, which is what puts commits in position order.
//!
//! Existing events are numbered in the order the feed listed them, (visible_at, seq), up to the
//! newest write's time; later (scheduled) ones wait for their time.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ContentChanges {
    Table,
    FeedPosition,
}

#[derive(DeriveIden)]
enum ChangeFeedCounter {
    Table,
    Id,
    LastPosition,
}

#[async_trait::async_trait]
#[expect(
    elided_lifetimes_in_paths,
    reason = "MigrationTrait leaves SchemaManager's lifetime late-bound; naming it breaks the impl"
)]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ContentChanges::Table)
                    .add_column(
                        ColumnDef::new(ContentChanges::FeedPosition)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChangeFeedCounter::Table)
                    .col(
                        ColumnDef::new(ChangeFeedCounter::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ChangeFeedCounter::LastPosition)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Both engines read this SQL alike: window functions, a correlated subquery, and times
        // stored in one format by each engine, so they compare in order.
        db.execute_unprepared(
            "UPDATE content_changes SET feed_position = (
                SELECT ranked.n FROM (
                    SELECT seq, ROW_NUMBER() OVER (ORDER BY visible_at, seq) AS n
                    FROM content_changes
                    WHERE visible_at <= (SELECT MAX(recorded_at) FROM content_changes)
                ) AS ranked
                WHERE ranked.seq = content_changes.seq
            )",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO change_feed_counter (id, last_position)
             SELECT 1, COALESCE(MAX(feed_position), 0) FROM content_changes",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_content_changes_feed_position")
                    .table(ContentChanges::Table)
                    .col(ContentChanges::FeedPosition)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The events still waiting for their time, found at every write and read of the feed.
        db.execute_unprepared(
            "CREATE INDEX idx_content_changes_waiting ON content_changes (visible_at, seq)
             WHERE feed_position IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_content_changes_waiting")
                    .table(ContentChanges::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_content_changes_feed_position")
                    .table(ContentChanges::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ChangeFeedCounter::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ContentChanges::Table)
                    .drop_column(ContentChanges::FeedPosition)
                    .to_owned(),
            )
            .await
    }
}
