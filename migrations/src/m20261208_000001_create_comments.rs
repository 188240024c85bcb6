//! Reader comments: the comments themselves, one reaction and one report per reader per
//! comment, the desk's moderation mode (`sections.comment_moderation`, post or pre) and an
//! editor's switch that closes a story's comments (`articles.comments_closed`).
//!
//! The two new columns are written only by the comment switches; a story's save and a section's
//! edit leave them as they are.
//! Reaction and report counts are kept on the comment row (changed in the same transaction as
//! the reaction or report) so that sorting by 공감 is an index read.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
    CommentsClosed,
}

#[derive(DeriveIden)]
enum Sections {
    Table,
    CommentModeration,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    ArticleId,
    ParentId,
    Nickname,
    StaffUserId,
    PasswordHash,
    Body,
    State,
    HoldReason,
    Picked,
    Agrees,
    Disagrees,
    Reports,
    ReaderKey,
    Fingerprint,
    CreatedAt,
    EditedAt,
}

#[derive(DeriveIden)]
enum CommentReactions {
    Table,
    CommentId,
    ReaderKey,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CommentReports {
    Table,
    CommentId,
    ReaderKey,
    Reason,
    CreatedAt,
}

fn index(name: &str, columns: Vec<Comments>) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(Comments::Table);
    for column in columns {
        index.col(column);
    }
    index.to_owned()
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
                    .table(Articles::Table)
                    .add_column(
                        ColumnDef::new(Articles::CommentsClosed)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sections::Table)
                    .add_column(
                        ColumnDef::new(Sections::CommentModeration)
                            .string_len(8)
                            .not_null()
                            .default("post"),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .col(
                        ColumnDef::new(Comments::Id)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Comments::ArticleId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Comments::ParentId).string_len(40))
                    .col(
                        ColumnDef::new(Comments::Nickname)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Comments::StaffUserId).string_len(40))
                    .col(ColumnDef::new(Comments::PasswordHash).string_len(200))
                    .col(ColumnDef::new(Comments::Body).text().not_null())
                    .col(ColumnDef::new(Comments::State).string_len(16).not_null())
                    .col(ColumnDef::new(Comments::HoldReason).string_len(20))
                    .col(
                        ColumnDef::new(Comments::Picked)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Comments::Agrees)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Comments::Disagrees)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Comments::Reports)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Comments::ReaderKey)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Comments::Fingerprint)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Comments::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Comments::EditedAt).timestamp_with_time_zone())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Comments::Table, Comments::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Comments::Table, Comments::ParentId)
                            .to(Comments::Table, Comments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // A story's visible comments, newest or oldest first, and by 공감.
        for statement in [
            index(
                "idx_comments_article_time",
                vec![
                    Comments::ArticleId,
                    Comments::State,
                    Comments::CreatedAt,
                    Comments::Id,
                ],
            ),
            index(
                "idx_comments_article_agrees",
                vec![
                    Comments::ArticleId,
                    Comments::State,
                    Comments::Agrees,
                    Comments::Id,
                ],
            ),
            // Replies of a comment, and counting them.
            index(
                "idx_comments_parent",
                vec![Comments::ParentId, Comments::State, Comments::CreatedAt],
            ),
            // Duplicate detection: the same text on a story, or from a reader, lately.
            index(
                "idx_comments_fingerprint",
                vec![
                    Comments::ArticleId,
                    Comments::Fingerprint,
                    Comments::CreatedAt,
                ],
            ),
            index(
                "idx_comments_reader",
                vec![Comments::ReaderKey, Comments::CreatedAt],
            ),
            // The review queue: held and hidden comments by id (time).
            index("idx_comments_state", vec![Comments::State, Comments::Id]),
        ] {
            manager.create_index(statement).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(CommentReactions::Table)
                    .col(
                        ColumnDef::new(CommentReactions::CommentId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CommentReactions::ReaderKey)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CommentReactions::Kind)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CommentReactions::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(CommentReactions::CommentId)
                            .col(CommentReactions::ReaderKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CommentReactions::Table, CommentReactions::CommentId)
                            .to(Comments::Table, Comments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CommentReports::Table)
                    .col(
                        ColumnDef::new(CommentReports::CommentId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CommentReports::ReaderKey)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(CommentReports::Reason).string_len(500))
                    .col(
                        ColumnDef::new(CommentReports::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(CommentReports::CommentId)
                            .col(CommentReports::ReaderKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CommentReports::Table, CommentReports::CommentId)
                            .to(Comments::Table, Comments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CommentReports::Table.into_iden(),
            CommentReactions::Table.into_iden(),
            Comments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Sections::Table)
                    .drop_column(Sections::CommentModeration)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Articles::Table)
                    .drop_column(Articles::CommentsClosed)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
