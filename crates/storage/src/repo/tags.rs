//! Tags: keywords across sections.

use dateline_domain::{Slug, Tag, TagId, Timestamp};
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use crate::db::Database;
use crate::entity::{article_tag, tag};
use crate::error::StorageError;
use crate::public::{LinkColumns, has_public_story};
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

    /// The tag by slug while at least one of its stories is public at `now`; a tag whose
    /// stories are all drafts, scheduled ahead or unpublished is as absent as one that never
    /// existed.
    pub async fn find_public_by_slug(
        &self,
        slug: &Slug,
        now: Timestamp,
    ) -> Result<Option<Tag>, StorageError> {
        tag::Entity::find()
            .filter(tag::Column::Slug.eq(slug.as_str()))
            .filter(public_tag(now))
            .one(&self.db.read)
            .await?
            .map(Tag::try_from)
            .transpose()
    }

    /// The tag by id, on the same terms as [`Self::find_public_by_slug`].
    pub async fn find_public_by_id(
        &self,
        id: TagId,
        now: Timestamp,
    ) -> Result<Option<Tag>, StorageError> {
        tag::Entity::find()
            .filter(tag::Column::Id.eq(id.to_string()))
            .filter(public_tag(now))
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

/// A tag with at least one public story at `now`.
fn public_tag(now: Timestamp) -> sea_orm::sea_query::Expr {
    has_public_story(
        LinkColumns {
            table: article_tag::Entity,
            article_id: article_tag::Column::ArticleId,
            owner_id: article_tag::Column::TagId,
            published_at: article_tag::Column::PublishedAt,
        },
        (tag::Entity, tag::Column::Id),
        now,
    )
}
