//! The newsroom: sections, authors, tags, media, articles, and the tables that relate them.
//!
//! Stories are listed newest first by (published_at, id). The whole list reads the articles
//! index; filtered lists (a section and its subsections, a tag, an author) read a link table that
//! repeats the story's published_at so that one index range answers each page.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Sections {
    Table,
    Id,
    Slug,
    Name,
    Description,
    ParentId,
    Position,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    StorageKey,
    ContentType,
    Width,
    Height,
    ByteSize,
    Caption,
    Credit,
    Alt,
    FocalX,
    FocalY,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Authors {
    Table,
    Id,
    Slug,
    Name,
    Role,
    Bio,
    PhotoId,
    Email,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Id,
    Slug,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
    Slug,
    Headline,
    Subheadline,
    Summary,
    Body,
    BodyText,
    SectionId,
    LeadImageId,
    Copyright,
    SourceLabel,
    CanonicalUrl,
    Status,
    ApprovedAt,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
    Corrections,
    Version,
}

#[derive(DeriveIden)]
enum ArticleSections {
    Table,
    ArticleId,
    SectionId,
    PublishedAt,
}

#[derive(DeriveIden)]
enum ArticleAuthors {
    Table,
    ArticleId,
    AuthorId,
    Position,
    PublishedAt,
}

#[derive(DeriveIden)]
enum ArticleTags {
    Table,
    ArticleId,
    TagId,
    Position,
    PublishedAt,
}

fn id() -> ColumnDef {
    ColumnDef::new(Alias::new("id"))
        .string_len(40)
        .not_null()
        .primary_key()
        .to_owned()
}

fn time<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().to_owned()
}

/// A table linking stories to sections, authors or tags, carrying the story's published_at.
fn link_table(
    table: DynIden,
    article: DynIden,
    other: DynIden,
    other_table: DynIden,
    other_id: DynIden,
    published_at: DynIden,
    position: Option<DynIden>,
) -> TableCreateStatement {
    let mut create = Table::create();
    create
        .table(table.clone())
        .col(ColumnDef::new(article.clone()).string_len(40).not_null())
        .col(ColumnDef::new(other.clone()).string_len(40).not_null())
        .col(time(published_at))
        .primary_key(Index::create().col(article.clone()).col(other.clone()))
        .foreign_key(
            ForeignKey::create()
                .from(table.clone(), article)
                .to(Articles::Table, Articles::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .from(table, other)
                .to(other_table, other_id)
                .on_delete(ForeignKeyAction::Cascade),
        );
    if let Some(position) = position {
        create.col(ColumnDef::new(position).integer().not_null().default(0));
    }
    create.to_owned()
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
                    .table(Sections::Table)
                    .col(id())
                    .col(
                        ColumnDef::new(Sections::Slug)
                            .string_len(200)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Sections::Name).string().not_null())
                    .col(ColumnDef::new(Sections::Description).text())
                    .col(ColumnDef::new(Sections::ParentId).string_len(40))
                    .col(
                        ColumnDef::new(Sections::Position)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(time(Sections::CreatedAt).not_null())
                    .col(time(Sections::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sections::Table, Sections::ParentId)
                            .to(Sections::Table, Sections::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .col(id())
                    .col(ColumnDef::new(Media::StorageKey).string().not_null())
                    .col(
                        ColumnDef::new(Media::ContentType)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Media::Width).integer().not_null())
                    .col(ColumnDef::new(Media::Height).integer().not_null())
                    .col(ColumnDef::new(Media::ByteSize).big_integer().not_null())
                    .col(ColumnDef::new(Media::Caption).text())
                    .col(ColumnDef::new(Media::Credit).text())
                    .col(ColumnDef::new(Media::Alt).text())
                    .col(
                        ColumnDef::new(Media::FocalX)
                            .double()
                            .not_null()
                            .default(0.5),
                    )
                    .col(
                        ColumnDef::new(Media::FocalY)
                            .double()
                            .not_null()
                            .default(0.5),
                    )
                    .col(time(Media::CreatedAt).not_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Authors::Table)
                    .col(id())
                    .col(
                        ColumnDef::new(Authors::Slug)
                            .string_len(200)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Authors::Name).string().not_null())
                    .col(
                        ColumnDef::new(Authors::Role)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(Authors::Bio).text())
                    .col(ColumnDef::new(Authors::PhotoId).string_len(40))
                    .col(ColumnDef::new(Authors::Email).string())
                    .col(time(Authors::CreatedAt).not_null())
                    .col(time(Authors::UpdatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Authors::Table, Authors::PhotoId)
                            .to(Media::Table, Media::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tags::Table)
                    .col(id())
                    .col(
                        ColumnDef::new(Tags::Slug)
                            .string_len(200)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Tags::Name).string().not_null())
                    .col(time(Tags::CreatedAt).not_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Articles::Table)
                    .col(id())
                    .col(
                        ColumnDef::new(Articles::Slug)
                            .string_len(200)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Articles::Headline).text().not_null())
                    .col(ColumnDef::new(Articles::Subheadline).text())
                    .col(ColumnDef::new(Articles::Summary).text().not_null())
                    .col(ColumnDef::new(Articles::Body).text().not_null())
                    .col(ColumnDef::new(Articles::BodyText).text().not_null())
                    .col(
                        ColumnDef::new(Articles::SectionId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Articles::LeadImageId).string_len(40))
                    .col(ColumnDef::new(Articles::Copyright).text().not_null())
                    .col(ColumnDef::new(Articles::SourceLabel).string())
                    .col(ColumnDef::new(Articles::CanonicalUrl).text())
                    .col(ColumnDef::new(Articles::Status).string_len(20).not_null())
                    .col(time(Articles::ApprovedAt))
                    .col(time(Articles::PublishedAt))
                    .col(time(Articles::CreatedAt).not_null())
                    .col(time(Articles::UpdatedAt).not_null())
                    .col(
                        ColumnDef::new(Articles::Corrections)
                            .text()
                            .not_null()
                            .default("[]"),
                    )
                    .col(
                        ColumnDef::new(Articles::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Articles::Table, Articles::SectionId)
                            .to(Sections::Table, Sections::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Articles::Table, Articles::LeadImageId)
                            .to(Media::Table, Media::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        // The latest-news list: newest first, keyset on (published_at, id).
        manager
            .create_index(
                Index::create()
                    .name("idx_articles_published")
                    .table(Articles::Table)
                    .col(Articles::PublishedAt)
                    .col(Articles::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(link_table(
                ArticleSections::Table.into_iden(),
                ArticleSections::ArticleId.into_iden(),
                ArticleSections::SectionId.into_iden(),
                Sections::Table.into_iden(),
                Sections::Id.into_iden(),
                ArticleSections::PublishedAt.into_iden(),
                None,
            ))
            .await?;
        manager
            .create_table(link_table(
                ArticleAuthors::Table.into_iden(),
                ArticleAuthors::ArticleId.into_iden(),
                ArticleAuthors::AuthorId.into_iden(),
                Authors::Table.into_iden(),
                Authors::Id.into_iden(),
                ArticleAuthors::PublishedAt.into_iden(),
                Some(ArticleAuthors::Position.into_iden()),
            ))
            .await?;
        manager
            .create_table(link_table(
                ArticleTags::Table.into_iden(),
                ArticleTags::ArticleId.into_iden(),
                ArticleTags::TagId.into_iden(),
                Tags::Table.into_iden(),
                Tags::Id.into_iden(),
                ArticleTags::PublishedAt.into_iden(),
                Some(ArticleTags::Position.into_iden()),
            ))
            .await?;

        // One index per filtered list: (filter, published_at, article) answers a page in one range.
        for (name, table, filter, published_at, article) in [
            (
                "idx_article_sections_front",
                ArticleSections::Table.into_iden(),
                ArticleSections::SectionId.into_iden(),
                ArticleSections::PublishedAt.into_iden(),
                ArticleSections::ArticleId.into_iden(),
            ),
            (
                "idx_article_authors_list",
                ArticleAuthors::Table.into_iden(),
                ArticleAuthors::AuthorId.into_iden(),
                ArticleAuthors::PublishedAt.into_iden(),
                ArticleAuthors::ArticleId.into_iden(),
            ),
            (
                "idx_article_tags_list",
                ArticleTags::Table.into_iden(),
                ArticleTags::TagId.into_iden(),
                ArticleTags::PublishedAt.into_iden(),
                ArticleTags::ArticleId.into_iden(),
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(filter)
                        .col(published_at)
                        .col(article)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ArticleTags::Table.into_iden(),
            ArticleAuthors::Table.into_iden(),
            ArticleSections::Table.into_iden(),
            Articles::Table.into_iden(),
            Tags::Table.into_iden(),
            Authors::Table.into_iden(),
            Media::Table.into_iden(),
            Sections::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
