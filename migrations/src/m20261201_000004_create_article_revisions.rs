//! Revisions: one row per save of a story (its version), with who saved it, when, what the save
//! did, and the story's content as JSON.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ArticleRevisions {
    Table,
    Id,
    ArticleId,
    Version,
    Action,
    EditorId,
    SavedAt,
    Content,
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
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
                    .table(ArticleRevisions::Table)
                    .col(
                        ColumnDef::new(ArticleRevisions::Id)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ArticleRevisions::ArticleId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArticleRevisions::Version)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArticleRevisions::Action)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ArticleRevisions::EditorId).string_len(40))
                    .col(
                        ColumnDef::new(ArticleRevisions::SavedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ArticleRevisions::Content).text().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(ArticleRevisions::Table, ArticleRevisions::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_article_revisions_version")
                    .table(ArticleRevisions::Table)
                    .col(ArticleRevisions::ArticleId)
                    .col(ArticleRevisions::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ArticleRevisions::Table).to_owned())
            .await
    }
}
