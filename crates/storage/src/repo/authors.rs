//! Authors: the people in bylines.

use dateline_domain::{Author, AuthorId, Slug, Timestamp};
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use crate::db::Database;
use crate::entity::{article_author, author};
use crate::error::StorageError;
use crate::public::{LinkColumns, has_public_story};
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

    /// The author by slug while at least one of its stories is public at `now`; a author whose
    /// stories are all drafts, scheduled ahead or unpublished is as absent as one that never
    /// existed.
    pub async fn find_public_by_slug(
        &self,
        slug: &Slug,
        now: Timestamp,
    ) -> Result<Option<Author>, StorageError> {
        author::Entity::find()
            .filter(author::Column::Slug.eq(slug.as_str()))
            .filter(public_author(now))
            .one(&self.db.read)
            .await?
            .map(Author::try_from)
            .transpose()
    }

    /// The author by id, on the same terms as [`Self::find_public_by_slug`].
    pub async fn find_public_by_id(
        &self,
        id: AuthorId,
        now: Timestamp,
    ) -> Result<Option<Author>, StorageError> {
        author::Entity::find()
            .filter(author::Column::Id.eq(id.to_string()))
            .filter(public_author(now))
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

/// A author with at least one public story at `now`.
fn public_author(now: Timestamp) -> sea_orm::sea_query::Expr {
    has_public_story(
        LinkColumns {
            table: article_author::Entity,
            article_id: article_author::Column::ArticleId,
            owner_id: article_author::Column::AuthorId,
            published_at: article_author::Column::PublishedAt,
        },
        (author::Entity, author::Column::Id),
        now,
    )
}
