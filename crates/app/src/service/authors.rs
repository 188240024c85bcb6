//! Reading author pages.

use dateline_domain::{Author, AuthorId, Media};

use crate::app::App;
use crate::error::AppError;
use crate::service::parse_slug;

pub async fn find_author(state: &App, slug: &str) -> Result<Author, AppError> {
    let missing = || AppError::not_found(format!("no author {slug:?}"));
    let parsed = parse_slug("slug", slug).map_err(|_| missing())?;
    state
        .db()
        .authors()
        .find_by_slug(&parsed)
        .await?
        .ok_or_else(missing)
}

/// An author by id (for `node`).
pub async fn find_author_by_id(state: &App, id: AuthorId) -> Result<Option<Author>, AppError> {
    Ok(state.db().authors().find_by_ids(&[id]).await?.pop())
}

/// The author's profile photo, if one is set.
pub async fn author_photo(state: &App, author: &Author) -> Result<Option<Media>, AppError> {
    match author.photo_id {
        Some(id) => Ok(state.db().media().find(id).await?),
        None => Ok(None),
    }
}
