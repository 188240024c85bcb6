//! Sections: the desk tree.

use dateline_domain::{ModerationMode, Section, SectionId, Slug, Timestamp};
use sea_orm::ActiveValue::{Set, Unchanged};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _,
};

use crate::db::Database;
use crate::entity::section;
use crate::error::StorageError;
use crate::repo::convert_all;

pub struct Sections<'db> {
    pub(crate) db: &'db Database,
}

impl Sections<'_> {
    /// Every section, in tree order among siblings.
    pub async fn all(&self) -> Result<Vec<Section>, StorageError> {
        let rows = section::Entity::find()
            .order_by_asc(section::Column::Position)
            .order_by_asc(section::Column::Name)
            .all(&self.db.read)
            .await?;
        convert_all(rows)
    }

    pub async fn find_by_slug(&self, slug: &Slug) -> Result<Option<Section>, StorageError> {
        section::Entity::find()
            .filter(section::Column::Slug.eq(slug.as_str()))
            .one(&self.db.read)
            .await?
            .map(Section::try_from)
            .transpose()
    }

    pub async fn find_by_ids(&self, ids: &[SectionId]) -> Result<Vec<Section>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = section::Entity::find()
            .filter(section::Column::Id.is_in(ids.iter().map(ToString::to_string)))
            .all(&self.db.read)
            .await?;
        convert_all(rows)
    }

    /// The subsections of several sections, in order.
    pub async fn children_of(&self, parents: &[SectionId]) -> Result<Vec<Section>, StorageError> {
        if parents.is_empty() {
            return Ok(Vec::new());
        }
        let rows = section::Entity::find()
            .filter(section::Column::ParentId.is_in(parents.iter().map(ToString::to_string)))
            .order_by_asc(section::Column::Position)
            .order_by_asc(section::Column::Name)
            .all(&self.db.read)
            .await?;
        convert_all(rows)
    }

    pub async fn insert(&self, section: &Section, at: Timestamp) -> Result<(), StorageError> {
        section::ActiveModel::from(section::Model {
            id: section.id.to_string(),
            slug: section.slug.to_string(),
            name: section.name.clone(),
            description: section.description.clone(),
            parent_id: section.parent_id.map(|id| id.to_string()),
            position: section.position,
            created_at: at.as_datetime(),
            updated_at: at.as_datetime(),
            comment_moderation: ModerationMode::default().as_str().to_owned(),
        })
        .insert(&self.db.write)
        .await?;
        Ok(())
    }

    /// Saves a section's name, description and position (its slug and place in the tree stay).
    pub async fn update(&self, section: &Section, at: Timestamp) -> Result<(), StorageError> {
        section::ActiveModel {
            id: Unchanged(section.id.to_string()),
            name: Set(section.name.clone()),
            description: Set(section.description.clone()),
            position: Set(section.position),
            updated_at: Set(at.as_datetime()),
            ..Default::default()
        }
        .update(&self.db.write)
        .await?;
        Ok(())
    }
}
