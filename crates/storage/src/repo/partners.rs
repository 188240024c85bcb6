//! Syndication partners: keys looked up by their hash, and the log of stories served to each.

use dateline_domain::syndication::{Delivery, Month};
use dateline_domain::{ArticleId, Partner, PartnerId, Rights, SectionId};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};

use crate::db::Database;
use crate::entity::{partner, partner_delivery};
use crate::error::StorageError;

pub struct Partners<'db> {
    pub(crate) db: &'db Database,
}

/// How often one story went to a partner in a month, by rights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryUsage {
    pub article: ArticleId,
    pub rights: Rights,
    pub count: u64,
}

/// Rows of the delivery log one INSERT carries.
const LOG_CHUNK: usize = 500;

fn partner_from_row(row: partner::Model) -> Result<Partner, StorageError> {
    let sections: Vec<String> = serde_json::from_str(&row.sections)
        .map_err(|err| StorageError::Corrupt(format!("partner sections: {err}")))?;
    Ok(Partner {
        id: PartnerId::parse(&row.id)?,
        name: row.name,
        sections: sections
            .iter()
            .map(|id| SectionId::parse(id))
            .collect::<Result<_, _>>()?,
        rights: Rights::parse(&row.rights)?,
        rate_limit_per_minute: u32::try_from(row.rate_limit_per_minute)
            .map_err(|err| StorageError::Corrupt(format!("partner rate limit: {err}")))?,
        key_prefix: row.key_prefix,
        created_at: row.created_at.into(),
    })
}

impl Partners<'_> {
    /// Stores a new partner with the hash of its key.
    pub async fn insert(&self, partner: &Partner, key_hash: &str) -> Result<(), StorageError> {
        let sections: Vec<String> = partner.sections.iter().map(ToString::to_string).collect();
        let row = partner::Model {
            id: partner.id.to_string(),
            name: partner.name.clone(),
            sections: serde_json::to_string(&sections)
                .map_err(|err| StorageError::Corrupt(format!("partner sections: {err}")))?,
            rights: partner.rights.as_str().to_owned(),
            rate_limit_per_minute: i32::try_from(partner.rate_limit_per_minute)
                .map_err(|err| StorageError::Corrupt(format!("partner rate limit: {err}")))?,
            key_hash: key_hash.to_owned(),
            key_prefix: partner.key_prefix.clone(),
            created_at: partner.created_at.as_datetime(),
        };
        partner::Entity::insert(partner::ActiveModel::from(row))
            .exec_without_returning(&self.db.write)
            .await?;
        Ok(())
    }

    /// The partner whose key hashes to `key_hash`.
    pub async fn find_by_key_hash(&self, key_hash: &str) -> Result<Option<Partner>, StorageError> {
        partner::Entity::find()
            .filter(partner::Column::KeyHash.eq(key_hash))
            .one(&self.db.read)
            .await?
            .map(partner_from_row)
            .transpose()
    }

    pub async fn find(&self, id: PartnerId) -> Result<Option<Partner>, StorageError> {
        partner::Entity::find_by_id(id.to_string())
            .one(&self.db.read)
            .await?
            .map(partner_from_row)
            .transpose()
    }

    /// Every partner, oldest first.
    pub async fn all(&self) -> Result<Vec<Partner>, StorageError> {
        partner::Entity::find()
            .order_by_asc(partner::Column::CreatedAt)
            .all(&self.db.read)
            .await?
            .into_iter()
            .map(partner_from_row)
            .collect()
    }

    /// Appends served stories to the log, many rows per statement.
    pub async fn log_deliveries(&self, deliveries: &[Delivery]) -> Result<(), StorageError> {
        for chunk in deliveries.chunks(LOG_CHUNK) {
            let rows = chunk.iter().map(|delivery| partner_delivery::ActiveModel {
                partner_id: sea_orm::Set(delivery.partner.to_string()),
                article_id: sea_orm::Set(delivery.article.to_string()),
                served_at: sea_orm::Set(delivery.at.as_datetime()),
                rights: sea_orm::Set(delivery.rights.as_str().to_owned()),
                ..Default::default()
            });
            partner_delivery::Entity::insert_many(rows)
                .exec_without_returning(&self.db.write)
                .await?;
        }
        Ok(())
    }

    /// What a partner was served in a month: per story and rights, how often.
    pub async fn usage(
        &self,
        partner: PartnerId,
        month: Month,
    ) -> Result<Vec<StoryUsage>, StorageError> {
        let (start, end) = month
            .bounds()
            .ok_or_else(|| StorageError::Corrupt(format!("month {month} out of range")))?;
        let rows: Vec<(String, String, i64)> = partner_delivery::Entity::find()
            .select_only()
            .column(partner_delivery::Column::ArticleId)
            .column(partner_delivery::Column::Rights)
            .column_as(
                Expr::expr(Func::count(Expr::col(partner_delivery::Column::Id))),
                "served",
            )
            .filter(partner_delivery::Column::PartnerId.eq(partner.to_string()))
            .filter(partner_delivery::Column::ServedAt.gte(start.as_datetime()))
            .filter(partner_delivery::Column::ServedAt.lt(end.as_datetime()))
            .group_by(partner_delivery::Column::ArticleId)
            .group_by(partner_delivery::Column::Rights)
            .order_by_asc(partner_delivery::Column::ArticleId)
            .into_tuple()
            .all(&self.db.read)
            .await?;
        rows.into_iter()
            .map(|(article, rights, count)| {
                Ok(StoryUsage {
                    article: ArticleId::parse(&article)?,
                    rights: Rights::parse(&rights)?,
                    count: u64::try_from(count).unwrap_or(0),
                })
            })
            .collect()
    }

    /// The headlines of the stories in a report, whatever their status now (deleted ones are
    /// missing).
    pub async fn headlines_of(
        &self,
        ids: &[ArticleId],
    ) -> Result<std::collections::HashMap<ArticleId, String>, StorageError> {
        if ids.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let rows: Vec<(String, String)> = crate::entity::article::Entity::find()
            .select_only()
            .column(crate::entity::article::Column::Id)
            .column(crate::entity::article::Column::Headline)
            .filter(crate::entity::article::Column::Id.is_in(ids.iter().map(ToString::to_string)))
            .into_tuple()
            .all(&self.db.read)
            .await?;
        rows.into_iter()
            .map(|(id, headline)| Ok((ArticleId::parse(&id)?, headline)))
            .collect()
    }
}
