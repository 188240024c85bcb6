//! Reading tag pages.

use dateline_domain::{Tag, TagId};

use crate::error::ApiError;
use crate::service::parse_slug;
use crate::state::AppState;

pub async fn find_tag(state: &AppState, slug: &str) -> Result<Tag, ApiError> {
    let missing = || ApiError::not_found(format!("no tag {slug:?}"));
    let parsed = parse_slug("slug", slug).map_err(|_| missing())?;
    state
        .db()
        .tags()
        .find_by_slug(&parsed)
        .await?
        .ok_or_else(missing)
}

/// A tag by id (for `node`).
pub async fn find_tag_by_id(state: &AppState, id: TagId) -> Result<Option<Tag>, ApiError> {
    Ok(state.db().tags().find_by_ids(&[id]).await?.pop())
}
