//! Reading tag pages.

use dateline_domain::{Tag, TagId};

use crate::app::App;
use crate::error::AppError;
use crate::service::parse_slug;

pub async fn find_tag(state: &App, slug: &str) -> Result<Tag, AppError> {
    let missing = || AppError::not_found(format!("no tag {slug:?}"));
    let parsed = parse_slug("slug", slug).map_err(|_| missing())?;
    state
        .db()
        .tags()
        .find_by_slug(&parsed)
        .await?
        .ok_or_else(missing)
}

/// A tag by id (for `node`).
pub async fn find_tag_by_id(state: &App, id: TagId) -> Result<Option<Tag>, AppError> {
    Ok(state.db().tags().find_by_ids(&[id]).await?.pop())
}
