//! Comment events in the change feed and webhooks: the comment an event is about, beside its
//! story (empty for story events).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ContentChanges {
    Table,
    CommentId,
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
                        ColumnDef::new(ContentChanges::CommentId)
                            .string_len(40)
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ContentChanges::Table)
                    .drop_column(ContentChanges::CommentId)
                    .to_owned(),
            )
            .await
    }
}
