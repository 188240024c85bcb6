//! Where media bytes live: any `object_store` backend (a local folder by default, S3-compatible
//! storage when several nodes share media).

use std::path::Path;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;

/// The media store seam.
pub type MediaStore = Arc<dyn ObjectStore>;

/// A media store in a local folder, created if missing.
pub fn local_media_store(dir: &Path) -> Result<MediaStore, object_store::Error> {
    std::fs::create_dir_all(dir).map_err(|source| object_store::Error::Generic {
        store: "LocalFileSystem",
        source: Box::new(source),
    })?;
    Ok(Arc::new(LocalFileSystem::new_with_prefix(dir)?))
}

/// Stores a file under `key`.
pub async fn put_media_file(
    store: &MediaStore,
    key: &str,
    bytes: Vec<u8>,
) -> Result<(), object_store::Error> {
    use object_store::ObjectStoreExt as _;
    let path = object_store::path::Path::parse(key)?;
    store.put(&path, bytes.into()).await?;
    Ok(())
}
