//! The audit trail: approvals, unpublishing, deletions and account changes, newest read first.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    ActorId,
    Action,
    Subject,
    Detail,
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
                    .table(AuditEvents::Table)
                    .col(
                        ColumnDef::new(AuditEvents::Id)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::ActorId).string_len(40))
                    .col(
                        ColumnDef::new(AuditEvents::Action)
                            .string_len(60)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::Subject)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::Detail).text().not_null())
                    .to_owned(),
            )
            .await?;
        // Audit ids are ULIDs, so (id) order is time order; the subject index answers "what
        // happened to this story".
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_subject")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::Subject)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await
    }
}
