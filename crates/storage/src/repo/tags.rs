//! Tags: keywords across sections.

use dateline_domain::{Slug, Tag, TagId, Timestamp};
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use crate::db::Database;
use crate::entity::tag;
use crate::error::StorageError;
use crate::repo::convert_all;

pub struct Tags<'db> {
    pub(crate) db: &'db Database,
}

impl Tags<'_> {
    pub async fn find_by_slug(&self, slug: &Slug) -> Result<Option<Tag>, StorageError> {
        tag::Entity::find()
            .filter(tag::Column::Slug.eq(slug.as_str()))
            .one(&self.db.read)
            .await?
            .map(Tag::try_from)
            .transpose()
    }

    pub async fn find_by_ids(&self, ids: &[TagId]) -> Result<Vec<Tag>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = tag::Entity::find()
            .filter(tag::Column::Id.is_in(ids.iter().map(ToString::to_string)))
            .all(&self.db.read)
            .await?;
        convert_all(rows)
    }

    pub async fn insert(&self, tag: &Tag, at: Timestamp) -> Result<(), StorageError> {
        tag::ActiveModel::from(tag::Model {
            id: tag.id.to_string(),
            slug: tag.slug.to_string(),
            name: tag.name.clone(),
            created_at: at.as_datetime(),
        })
        .insert(&self.db.write)
        .await?;
        Ok(())
    }
}
