//! Reading author pages. An author is public while one of their stories is: one with only
//! drafts, scheduled or unpublished stories answers as if they did not exist (decision 0603).

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
        .find_public_by_slug(&parsed, state.now())
        .await?
        .ok_or_else(missing)
}

/// An author by id (for `node`).
pub async fn find_author_by_id(state: &App, id: AuthorId) -> Result<Option<Author>, AppError> {
    Ok(state
        .db()
        .authors()
        .find_public_by_id(id, state.now())
        .await?)
}

/// The author's profile photo, if one is set.
pub async fn author_photo(state: &App, author: &Author) -> Result<Option<Media>, AppError> {
    match author.photo_id {
        Some(id) => Ok(state.db().media().find(id).await?),
        None => Ok(None),
    }
}
