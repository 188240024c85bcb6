//! Syndication partners (API keys kept as SHA-256 hashes, section entitlements, rights, a rate
//! limit) and the log of every story served to one, for the monthly usage report.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
    Name,
    /// Section ids as a JSON array.
    Sections,
    Rights,
    RateLimitPerMinute,
    KeyHash,
    KeyPrefix,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PartnerDeliveries {
    Table,
    Id,
    PartnerId,
    ArticleId,
    ServedAt,
    Rights,
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
                    .table(Partners::Table)
                    .col(
                        ColumnDef::new(Partners::Id)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Partners::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Partners::Sections).text().not_null())
                    .col(ColumnDef::new(Partners::Rights).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Partners::RateLimitPerMinute)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Partners::KeyHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Partners::KeyPrefix)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Partners::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // No foreign keys: the log is an audit of what went out and must outlive a deleted story.
        manager
            .create_table(
                Table::create()
                    .table(PartnerDeliveries::Table)
                    .col(
                        ColumnDef::new(PartnerDeliveries::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PartnerDeliveries::PartnerId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PartnerDeliveries::ArticleId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PartnerDeliveries::ServedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PartnerDeliveries::Rights)
                            .string_len(16)
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // A monthly report reads one partner's range of time.
        manager
            .create_index(
                Index::create()
                    .name("idx_partner_deliveries_partner_time")
                    .table(PartnerDeliveries::Table)
                    .col(PartnerDeliveries::PartnerId)
                    .col(PartnerDeliveries::ServedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PartnerDeliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Partners::Table).to_owned())
            .await
    }
}
