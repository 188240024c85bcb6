//! Media: where images are served, and reading their bytes from the media store.

use dateline_domain::{Article, MediaId};
use object_store::ObjectStoreExt as _;
use object_store::path::Path;

use crate::error::ApiError;
use crate::settings::Settings;
use crate::state::AppState;

/// The URL of a media item's original file.
pub fn original_url(settings: &Settings, id: MediaId) -> String {
    settings.absolute(&format!("/media/{id}/original"))
}

/// A story's body as HTML, its images pointing at this API's media URLs.
pub fn body_html(settings: &Settings, article: &Article) -> String {
    article.body.render_html(|id| original_url(settings, *id))
}

/// An image's original bytes and content type.
pub async fn open_original(state: &AppState, id: &str) -> Result<(Vec<u8>, String), ApiError> {
    let missing = || ApiError::not_found(format!("no media {id:?}"));
    let id = MediaId::parse(id).map_err(|_| missing())?;
    let media = state.db().media().find(id).await?.ok_or_else(missing)?;
    let path = Path::parse(&media.storage_key)
        .map_err(|err| ApiError::Internal(format!("media key {:?}: {err}", media.storage_key)))?;
    let stored = state.media().get(&path).await.map_err(|err| match err {
        object_store::Error::NotFound { .. } => ApiError::not_found("the media file is missing"),
        other => ApiError::Internal(format!("media store: {other}")),
    })?;
    let bytes = stored
        .bytes()
        .await
        .map_err(|err| ApiError::Internal(format!("media store: {err}")))?;
    Ok((bytes.to_vec(), media.content_type))
}
