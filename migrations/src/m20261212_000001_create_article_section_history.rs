//! Every section a story has ever been filed in, kept after it moves or is deleted: a partner's
//! change feed holds the events of stories that were ever in its sections, so its mirror hears
//! of a story leaving them (moved, unpublished, deleted), not only of stories still there.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ArticleSectionHistory {
    Table,
    SectionId,
    ArticleId,
}

#[async_trait::async_trait]
#[expect(
    elided_lifetimes_in_paths,
    reason = "MigrationTrait leaves SchemaManager's lifetime late-bound; naming it breaks the impl"
)]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // No foreign key to the story: the rows must outlive it, for its deletion event.
        manager
            .create_table(
                Table::create()
                    .table(ArticleSectionHistory::Table)
                    .col(
                        ColumnDef::new(ArticleSectionHistory::SectionId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArticleSectionHistory::ArticleId)
                            .string_len(40)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ArticleSectionHistory::SectionId)
                            .col(ArticleSectionHistory::ArticleId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO article_section_history (section_id, article_id) \
                 SELECT section_id, article_id FROM article_sections",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ArticleSectionHistory::Table).to_owned())
            .await
    }
}
