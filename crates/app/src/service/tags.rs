//! Reading tag pages. A tag is public while one of its stories is: one used only by drafts,
//! scheduled or unpublished stories answers as if it did not exist (decision 0603).

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
        .find_public_by_slug(&parsed, state.now())
        .await?
        .ok_or_else(missing)
}

/// A tag by id (for `node`), on the same terms.
pub async fn find_tag_by_id(state: &App, id: TagId) -> Result<Option<Tag>, AppError> {
    Ok(state.db().tags().find_public_by_id(id, state.now()).await?)
}
