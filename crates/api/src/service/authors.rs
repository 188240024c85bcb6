//! Reading author pages. A author is public while one of its stories is: one used only by drafts,
//! scheduled or unpublished stories answers as if it did not exist (decision 0603).

use dateline_domain::{Author, AuthorId};

use crate::error::ApiError;
use crate::service::parse_slug;
use crate::state::AppState;

pub async fn find_author(state: &AppState, slug: &str) -> Result<Author, ApiError> {
    let missing = || ApiError::not_found(format!("no author {slug:?}"));
    let parsed = parse_slug("slug", slug).map_err(|_| missing())?;
    state
        .db()
        .authors()
        .find_public_by_slug(&parsed, state.now())
        .await?
        .ok_or_else(missing)
}

/// An author by id (for `node`).
pub async fn find_author_by_id(state: &AppState, id: AuthorId) -> Result<Option<Author>, ApiError> {
    Ok(state
        .db()
        .authors()
        .find_public_by_id(id, state.now())
        .await?)
}
