//! Authors: the people in bylines.

use dateline_domain::{Author, AuthorId, Slug, Timestamp};
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use crate::db::Database;
use crate::entity::author;
use crate::error::StorageError;
use crate::repo::convert_all;

pub struct Authors<'db> {
    pub(crate) db: &'db Database,
}

impl Authors<'_> {
    pub async fn find_by_slug(&self, slug: &Slug) -> Result<Option<Author>, StorageError> {
        author::Entity::find()
            .filter(author::Column::Slug.eq(slug.as_str()))
            .one(&self.db.read)
            .await?
            .map(Author::try_from)
            .transpose()
    }

    pub async fn find_by_ids(&self, ids: &[AuthorId]) -> Result<Vec<Author>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = author::Entity::find()
            .filter(author::Column::Id.is_in(ids.iter().map(ToString::to_string)))
            .all(&self.db.read)
            .await?;
        convert_all(rows)
    }

    pub async fn insert(&self, author: &Author, at: Timestamp) -> Result<(), StorageError> {
        author::ActiveModel::from(author::Model {
            id: author.id.to_string(),
            slug: author.slug.to_string(),
            name: author.name.clone(),
            role: author.role.clone(),
            bio: author.bio.clone(),
            photo_id: author.photo_id.map(|id| id.to_string()),
            email: author.email.clone(),
            created_at: at.as_datetime(),
            updated_at: at.as_datetime(),
        })
        .insert(&self.db.write)
        .await?;
        Ok(())
    }
}
