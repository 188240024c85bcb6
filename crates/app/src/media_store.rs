//! Where media bytes live: any `object_store` backend (a local folder by default, S3-compatible
//! storage when several nodes share media).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::{BackoffConfig, ClientConfigKey, ObjectStore, RetryConfig};

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

/// A media store on S3-compatible storage at `url`, `s3://bucket` or `s3://bucket/prefix`. The
/// credentials, region and endpoint come from the usual `AWS_*` environment variables
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL` for MinIO,
/// Ceph or R2, `AWS_ALLOW_HTTP`), then from `settings`, named as those variables in lower case.
/// Nothing is contacted until the first read or write.
pub fn s3_media_store<'a>(
    url: &str,
    settings: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<MediaStore, object_store::Error> {
    let invalid = |detail: String| object_store::Error::Generic {
        store: "S3",
        source: detail.into(),
    };
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| invalid(format!("{url:?} is not an s3://bucket/prefix address")))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(invalid(format!("{url:?} names no bucket")));
    }
    // A store that does not answer must cost a request seconds, not the minutes of the
    // library's default retries: the upload or rendition then fails with a clear 503.
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_config(
            AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
            "5s",
        )
        .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::Timeout), "30s")
        .with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 3,
            retry_timeout: Duration::from_secs(10),
        });
    for (key, value) in settings {
        let key: AmazonS3ConfigKey = key.parse()?;
        builder = builder.with_config(key, value);
    }
    // The store's HTTP client finds its TLS provider process-wide; installing twice is refused
    // harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store = builder.build()?;
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        return Ok(Arc::new(store));
    }
    Ok(Arc::new(PrefixStore::new(
        store,
        object_store::path::Path::parse(prefix)?,
    )))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_s3_address_names_a_bucket_and_maybe_a_prefix() {
        let settings = [("aws_region", "ap-northeast-2")];
        assert!(s3_media_store("s3://newsroom-media", settings).is_ok());
        assert!(s3_media_store("s3://newsroom-media/dateline/media/", settings).is_ok());
        for wrong in [
            "newsroom-media",
            "https://example.com/media",
            "s3://",
            "s3:///media",
        ] {
            assert!(s3_media_store(wrong, settings).is_err(), "{wrong}");
        }
        assert!(s3_media_store("s3://media", [("not_a_setting", "x")]).is_err());
    }
}
