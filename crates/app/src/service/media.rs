//! Media: where images are served, reading their bytes from the media store, uploads, and
//! renditions made on first request and kept in the media store from then on.

use dateline_domain::{
    Article, FocalPoint, Media, MediaId, RenditionFile, RenditionPreset, Text, ValidationError,
};
use std::io::ErrorKind;

use object_store::ObjectStoreExt as _;
use object_store::path::Path;

use crate::app::App;
use crate::auth::Principal;
use crate::error::AppError;
use crate::imaging;
use crate::media_store::put_media_file;
use crate::settings::Settings;

/// The URL of a media item's original file.
pub fn original_url(settings: &Settings, id: MediaId) -> String {
    settings.absolute(&format!("/media/{id}/original"))
}

/// A story's body as HTML, its images pointing at this API's media URLs.
pub fn body_html(settings: &Settings, article: &Article) -> String {
    article.body.render_html(|id| original_url(settings, *id))
}

/// An image's original bytes and content type.
pub async fn open_original(state: &App, id: &str) -> Result<(Vec<u8>, String), AppError> {
    let missing = || AppError::not_found(format!("no media {id:?}"));
    let id = MediaId::parse(id).map_err(|_| missing())?;
    let media = state.db().media().find(id).await?.ok_or_else(missing)?;
    let path = Path::parse(&media.storage_key)
        .map_err(|err| AppError::internal(format!("media key {:?}", media.storage_key), err))?;
    let stored = state.media().get(&path).await.map_err(store_error)?;
    let bytes = stored.bytes().await.map_err(store_error)?;
    Ok((bytes.to_vec(), media.content_type))
}

/// One rendition as API output describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenditionView {
    pub preset: RenditionPreset,
    pub width: u32,
    pub height: u32,
    pub jpeg_url: String,
    pub webp_url: String,
}

/// The renditions of an image: every preset, each with its size and both encodings' URLs.
pub fn renditions(settings: &Settings, media: &Media) -> Vec<RenditionView> {
    RenditionPreset::all()
        .map(|preset| {
            let frame = preset.frame(media.width, media.height, media.focal_point);
            let url = |format| {
                let file = RenditionFile { preset, format };
                settings.absolute(&format!("/media/{}/{file}", media.id))
            };
            RenditionView {
                preset,
                width: frame.width,
                height: frame.height,
                jpeg_url: url(dateline_domain::ImageFormat::Jpeg),
                webp_url: url(dateline_domain::ImageFormat::Webp),
            }
        })
        .collect()
}

/// What an upload says about its image.
#[derive(Debug, Default, Clone)]
pub struct UploadDetails {
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub alt: Option<String>,
    pub focal_x: Option<f64>,
    pub focal_y: Option<f64>,
}

fn text(field: &str, value: Option<String>, max: usize) -> Result<Option<String>, AppError> {
    let Some(text) = value
        .map(|t| Text::parse(field, &t).map(Text::into_string))
        .transpose()
        .map_err(AppError::Invalid)?
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(AppError::Invalid(ValidationError::new(
            field,
            format!("must be at most {max} characters"),
        )));
    }
    Ok(Some(text))
}

fn store_error(err: object_store::Error) -> AppError {
    if let object_store::Error::NotFound { .. } = err {
        return AppError::not_found("the media file is missing");
    }
    // The folder itself failing (full, read-only, not ours, not a folder) is the operator's to
    // fix, not a fault in the request: a clear 507 or 503, logged here once.
    let unusable = match io_kind(&err) {
        Some(ErrorKind::StorageFull | ErrorKind::QuotaExceeded) => {
            tracing::error!(error = %err, "the media store is full");
            return AppError::InsufficientStorage(
                "the media store is full; nothing was stored".into(),
            );
        }
        Some(
            ErrorKind::ReadOnlyFilesystem | ErrorKind::PermissionDenied | ErrorKind::NotADirectory,
        ) => true,
        _ => false,
    };
    if unusable {
        tracing::error!(error = %err, "the media store cannot be written");
        return AppError::Unavailable(
            "the media store cannot be written right now; nothing was stored".into(),
        );
    }
    // Object storage that does not answer, or refuses this server's credentials, is likewise
    // the operator's: the request may succeed later.
    let remote = match &err {
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => true,
        object_store::Error::Generic { store, .. } => *store != "LocalFileSystem",
        _ => false,
    };
    if remote {
        tracing::error!(error = %err, "the media store does not answer");
        return AppError::Unavailable("the media store does not answer right now".into());
    }
    AppError::internal("media store", err)
}

/// The kind of the I/O error under a media store failure, if one caused it.
fn io_kind(err: &object_store::Error) -> Option<ErrorKind> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cause = current.source();
    }
    None
}

/// One of the decode slots (one per core). Each decode may take up to the decode budget in
/// memory; the slot moves into the blocking task, so it is held until the decode ends even when
/// the request that started it is dropped.
async fn decode_slot(state: &App) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
    state
        .rendering()
        .clone()
        .acquire_owned()
        .await
        .map_err(|err| AppError::internal("decode slots", err))
}

/// Takes an uploaded image: decided by its bytes (JPEG, PNG or WebP), turned upright, stripped
/// of metadata, stored, and recorded with its caption, credit, alt text and focal point.
pub async fn upload(
    state: &App,
    principal: &Principal,
    bytes: Vec<u8>,
    details: UploadDetails,
) -> Result<Media, AppError> {
    imaging::sniff(&bytes)?;
    let focal_point = match (details.focal_x, details.focal_y) {
        (None, None) => FocalPoint::CENTRE,
        (Some(x), Some(y)) => FocalPoint::new(x, y).map_err(AppError::Invalid)?,
        _ => {
            return Err(AppError::Invalid(ValidationError::new(
                "focalPoint",
                "send both focalX and focalY, or neither",
            )));
        }
    };
    let caption = text("caption", details.caption, 1_000)?;
    let credit = text("credit", details.credit, 200)?;
    let alt = text("alt", details.alt, 1_000)?;
    // Decodes share the rendering slots (one per core): each may take up to the decode budget
    // in memory, so a burst of uploads queues instead of multiplying it.
    let slot = decode_slot(state).await?;
    let clean = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        imaging::clean_upload(&bytes)
    })
    .await
    .map_err(|err| AppError::internal("image work", err))??;
    let id = MediaId::generate();
    let storage_key = format!("{id}/original.{}", clean.extension);
    let media = Media {
        id,
        storage_key: storage_key.clone(),
        content_type: clean.content_type.into(),
        width: clean.width,
        height: clean.height,
        byte_size: clean.bytes.len() as u64,
        caption,
        credit,
        alt,
        focal_point,
        created_at: state.now(),
    };
    put_media_file(state.media(), &storage_key, clean.bytes)
        .await
        .map_err(store_error)?;
    state.db().media().insert(&media).await?;
    tracing::info!(media.id = %id, user.id = %principal.user.id, "image uploaded");
    Ok(media)
}

/// A rendition's bytes and content type. Made from the original on first request and kept in
/// the media store beside it; later requests, on any node, read it from there.
pub async fn open_rendition(
    state: &App,
    id: &str,
    file: &str,
) -> Result<(Vec<u8>, &'static str), AppError> {
    let missing = || AppError::not_found(format!("no media {id:?}"));
    let media_id = MediaId::parse(id).map_err(|_| missing())?;
    let file = RenditionFile::parse(file).map_err(|err| AppError::NotFound(err.message))?;
    let content_type = file.format.content_type();
    let key = Path::parse(format!("{media_id}/{file}"))
        .map_err(|err| AppError::internal("rendition key", err))?;
    let read = |key: Path| async move {
        match state.media().get(&key).await {
            Ok(found) => found.bytes().await.map(|bytes| Some(bytes.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    };
    if let Some(bytes) = read(key.clone()).await.map_err(store_error)? {
        return Ok((bytes, content_type));
    }
    let media = state
        .db()
        .media()
        .find(media_id)
        .await?
        .ok_or_else(missing)?;
    // Concurrent first requests queue here; whoever comes second finds the file made.
    let slot = decode_slot(state).await?;
    if let Some(bytes) = read(key.clone()).await.map_err(store_error)? {
        return Ok((bytes, content_type));
    }
    let original_key = Path::parse(&media.storage_key)
        .map_err(|err| AppError::internal(format!("media key {:?}", media.storage_key), err))?;
    let original = read(original_key)
        .await
        .map_err(store_error)?
        .ok_or_else(|| AppError::not_found("the media file is missing"))?;
    let focal = media.focal_point;
    let bytes = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        imaging::render(&original, file, focal)
    })
    .await
    .map_err(|err| AppError::internal("image work", err))??;
    put_media_file(state.media(), key.as_ref(), bytes.clone())
        .await
        .map_err(store_error)?;
    Ok((bytes, content_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed_with(kind: ErrorKind) -> object_store::Error {
        object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(std::io::Error::new(kind, "writing the file")),
        }
    }

    #[test]
    fn a_full_disk_is_insufficient_storage_and_a_read_only_folder_unavailable() {
        for full in [ErrorKind::StorageFull, ErrorKind::QuotaExceeded] {
            assert_eq!(
                store_error(failed_with(full)).code(),
                "INSUFFICIENT_STORAGE"
            );
        }
        for unusable in [
            ErrorKind::ReadOnlyFilesystem,
            ErrorKind::PermissionDenied,
            ErrorKind::NotADirectory,
        ] {
            assert_eq!(store_error(failed_with(unusable)).code(), "UNAVAILABLE");
        }
        assert_eq!(
            store_error(failed_with(ErrorKind::InvalidData)).code(),
            "INTERNAL"
        );
    }
}
