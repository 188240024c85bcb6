//! The media library: image records (the bytes live in the media store).

use dateline_domain::{Media, MediaId};
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use crate::convert::media_row;
use crate::db::Database;
use crate::entity::media;
use crate::error::StorageError;
use crate::repo::convert_all;

pub struct MediaLibrary<'db> {
    pub(crate) db: &'db Database,
}

impl MediaLibrary<'_> {
    pub async fn find(&self, id: MediaId) -> Result<Option<Media>, StorageError> {
        media::Entity::find_by_id(id.to_string())
            .one(&self.db.read)
            .await?
            .map(Media::try_from)
            .transpose()
    }

    pub async fn find_by_ids(&self, ids: &[MediaId]) -> Result<Vec<Media>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = media::Entity::find()
            .filter(media::Column::Id.is_in(ids.iter().map(ToString::to_string)))
            .all(&self.db.read)
            .await?;
        convert_all(rows)
    }

    pub async fn insert(&self, media: &Media) -> Result<(), StorageError> {
        media::ActiveModel::from(media_row(media)?)
            .insert(&self.db.write)
            .await?;
        Ok(())
    }
}
