//! The newsroom's reads of stories in any status: one story with who created and approved it,
//! the desk's lists by status or by reporter, and a story's revisions. Nothing here is public;
//! the API serves it only to signed-in staff.

use dateline_domain::{
    Article, ArticleCursor, ArticleId, AuthorId, EditorialTrail, Page, PageSize, Revision,
    SectionId, Status, TagId, Timestamp, UserId,
};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};

use crate::convert::trail_of;
use crate::entity::{article, article_author, article_revision, article_section, article_tag};
use crate::error::StorageError;
use crate::repo::articles::Articles;
use crate::repo::convert_all;

/// Which stories a newsroom list holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NewsroomFilter {
    /// Stories in this effective status: a scheduled story whose time has come counts as
    /// published.
    pub status: Option<Status>,
    /// Stories created by this account.
    pub created_by: Option<UserId>,
}

/// A story with who created and approved it.
pub type EditorialArticle = (Article, EditorialTrail);

/// What a story is linked to, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryLinks {
    pub authors: Vec<AuthorId>,
    pub tags: Vec<TagId>,
    pub sections: Vec<SectionId>,
}

fn status_condition(status: Status, now: Timestamp) -> Condition {
    let column = |s: Status| article::Column::Status.eq(s.as_str());
    let at = now.as_datetime();
    match status {
        Status::Published => Condition::any().add(column(Status::Published)).add(
            Condition::all()
                .add(column(Status::Scheduled))
                .add(article::Column::PublishedAt.lte(at)),
        ),
        Status::Scheduled => Condition::all()
            .add(column(Status::Scheduled))
            .add(article::Column::PublishedAt.gt(at)),
        other => Condition::all().add(column(other)),
    }
}

impl Articles<'_> {
    /// One story in any status, by id.
    pub async fn find_editorial(
        &self,
        id: ArticleId,
    ) -> Result<Option<EditorialArticle>, StorageError> {
        let Some(row) = article::Entity::find_by_id(id.to_string())
            .one(&self.db.read)
            .await?
        else {
            return Ok(None);
        };
        let trail = trail_of(&row)?;
        Ok(Some((Article::try_from(row)?, trail)))
    }

    /// The bylines, tags and sections (with ancestors) a story is linked to.
    pub async fn links_of(&self, id: ArticleId) -> Result<StoryLinks, StorageError> {
        let key = id.to_string();
        let authors = article_author::Entity::find()
            .filter(article_author::Column::ArticleId.eq(key.clone()))
            .order_by_asc(article_author::Column::Position)
            .select_only()
            .column(article_author::Column::AuthorId)
            .into_tuple::<String>()
            .all(&self.db.read)
            .await?;
        let tags = article_tag::Entity::find()
            .filter(article_tag::Column::ArticleId.eq(key.clone()))
            .order_by_asc(article_tag::Column::Position)
            .select_only()
            .column(article_tag::Column::TagId)
            .into_tuple::<String>()
            .all(&self.db.read)
            .await?;
        let sections = article_section::Entity::find()
            .filter(article_section::Column::ArticleId.eq(key))
            .select_only()
            .column(article_section::Column::SectionId)
            .into_tuple::<String>()
            .all(&self.db.read)
            .await?;
        Ok(StoryLinks {
            authors: authors
                .iter()
                .map(|id| AuthorId::parse(id))
                .collect::<Result<_, _>>()?,
            tags: tags
                .iter()
                .map(|id| TagId::parse(id))
                .collect::<Result<_, _>>()?,
            sections: sections
                .iter()
                .map(|id| SectionId::parse(id))
                .collect::<Result<_, _>>()?,
        })
    }

    /// One page of the newsroom's stories, most recently updated first. The cursor's time is
    /// the last story's `updatedAt`.
    pub async fn list_newsroom(
        &self,
        filter: NewsroomFilter,
        after: Option<&ArticleCursor>,
        size: PageSize,
        now: Timestamp,
    ) -> Result<Page<EditorialArticle, ArticleCursor>, StorageError> {
        let mut select = article::Entity::find();
        if let Some(status) = filter.status {
            select = select.filter(status_condition(status, now));
        }
        if let Some(user) = filter.created_by {
            select = select.filter(article::Column::CreatedBy.eq(user.to_string()));
        }
        if let Some(cursor) = after {
            let at = cursor.published_at.as_datetime();
            select = select.filter(
                Condition::all()
                    .add(article::Column::UpdatedAt.lte(at))
                    .add(
                        Condition::any()
                            .add(article::Column::UpdatedAt.lt(at))
                            .add(article::Column::Id.lt(cursor.id.to_string())),
                    ),
            );
        }
        let rows = select
            .order_by_desc(article::Column::UpdatedAt)
            .order_by_desc(article::Column::Id)
            .limit(size.get() + 1)
            .all(&self.db.read)
            .await?;
        let more = rows.len() as u64 > size.get();
        let mut items = Vec::with_capacity(rows.len());
        for row in rows.into_iter().take(size.get() as usize) {
            let trail = trail_of(&row)?;
            items.push((Article::try_from(row)?, trail));
        }
        let next = more
            .then(|| items.last())
            .flatten()
            .map(|(last, _)| ArticleCursor {
                published_at: last.updated_at,
                id: last.id,
            });
        Ok(Page { items, next })
    }

    /// A story's revisions, newest first.
    pub async fn revisions_of(&self, id: ArticleId) -> Result<Vec<Revision>, StorageError> {
        let rows = article_revision::Entity::find()
            .filter(article_revision::Column::ArticleId.eq(id.to_string()))
            .order_by_desc(article_revision::Column::Version)
            .all(&self.db.read)
            .await?;
        convert_all(rows)
    }

    /// One revision of a story, by its version number.
    pub async fn revision(
        &self,
        id: ArticleId,
        version: i32,
    ) -> Result<Option<Revision>, StorageError> {
        article_revision::Entity::find()
            .filter(article_revision::Column::ArticleId.eq(id.to_string()))
            .filter(article_revision::Column::Version.eq(version))
            .one(&self.db.read)
            .await?
            .map(Revision::try_from)
            .transpose()
    }
}
