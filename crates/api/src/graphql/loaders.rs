//! DataLoaders: every relation a GraphQL response walks is fetched in one batch per level, so
//! a page of fifty stories costs the same handful of queries as a page of one.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use dateline_domain::{ArticleId, Author, Media, MediaId, Section, SectionId, Tag, User, UserId};
use dateline_storage::Database;

use dateline_app::AppError;

/// Batches relation lookups against the database. Holds no cache: each batch reads fresh rows.
pub(crate) struct RelationLoader {
    pub(crate) db: Database,
}

/// The byline of a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct BylineOf(pub(crate) ArticleId);

/// The tags of a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TagsOf(pub(crate) ArticleId);

/// The subsections of a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ChildrenOf(pub(crate) SectionId);

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<AppError>>;

/// A failed batch, logged here once: every field that reads the batch gets the same error and
/// only carries it (see `types::load_failed`).
pub(crate) fn failed(err: dateline_storage::StorageError) -> Arc<AppError> {
    let err = AppError::from(err);
    err.log();
    Arc::new(err)
}

impl Loader<SectionId> for RelationLoader {
    type Value = Section;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[SectionId]) -> LoadResult<SectionId, Section> {
        let sections = self.db.sections().find_by_ids(keys).await.map_err(failed)?;
        Ok(sections.into_iter().map(|s| (s.id, s)).collect())
    }
}

impl Loader<ChildrenOf> for RelationLoader {
    type Value = Vec<Section>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[ChildrenOf]) -> LoadResult<ChildrenOf, Vec<Section>> {
        let parents: Vec<SectionId> = keys.iter().map(|key| key.0).collect();
        let children = self
            .db
            .sections()
            .children_of(&parents)
            .await
            .map_err(failed)?;
        let mut by_parent: HashMap<ChildrenOf, Vec<Section>> = HashMap::new();
        for child in children {
            if let Some(parent) = child.parent_id {
                by_parent.entry(ChildrenOf(parent)).or_default().push(child);
            }
        }
        Ok(by_parent)
    }
}

impl Loader<MediaId> for RelationLoader {
    type Value = Media;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[MediaId]) -> LoadResult<MediaId, Media> {
        let media = self.db.media().find_by_ids(keys).await.map_err(failed)?;
        Ok(media.into_iter().map(|m| (m.id, m)).collect())
    }
}

impl Loader<BylineOf> for RelationLoader {
    type Value = Vec<Author>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[BylineOf]) -> LoadResult<BylineOf, Vec<Author>> {
        let ids: Vec<ArticleId> = keys.iter().map(|key| key.0).collect();
        let bylines = self.db.articles().bylines_of(&ids).await.map_err(failed)?;
        Ok(bylines
            .into_iter()
            .map(|(id, authors)| (BylineOf(id), authors))
            .collect())
    }
}

impl Loader<TagsOf> for RelationLoader {
    type Value = Vec<Tag>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[TagsOf]) -> LoadResult<TagsOf, Vec<Tag>> {
        let ids: Vec<ArticleId> = keys.iter().map(|key| key.0).collect();
        let tags = self.db.articles().tags_of(&ids).await.map_err(failed)?;
        Ok(tags
            .into_iter()
            .map(|(id, tags)| (TagsOf(id), tags))
            .collect())
    }
}

impl Loader<UserId> for RelationLoader {
    type Value = User;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[UserId]) -> LoadResult<UserId, User> {
        let users = self.db.users().find_by_ids(keys).await.map_err(failed)?;
        Ok(users.into_iter().map(|user| (user.id, user)).collect())
    }
}
