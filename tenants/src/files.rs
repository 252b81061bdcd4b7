//! Where the departments' files live: the documents citizens send, decision letters, sealed
//! medical pieces, exports and the lists an officer uploads. One object store for the platform,
//! one prefix per department (its slug): a folder of the data directory by default, or an
//! S3-compatible bucket that instances without a shared disk all reach.
//!
//! The department's folder of the data directory, [`Platform::files_dir`], keeps the same
//! layout either way: with the default store it *is* the store; with a bucket it holds only
//! working copies (a file being received or read as a stream), the bucket being what counts.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt as _};

use crate::{Platform, Slug, StoreError};

/// How long readiness waits for the file store (a load balancer asks every few seconds).
const FILES_PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Where the platform keeps the departments' files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FilesConfig {
    /// `files/` under the data directory, one folder per department.
    #[default]
    DataDir,
    /// An S3-compatible bucket, `s3://bucket` or `s3://bucket/prefix`. Its credentials and
    /// address come from the standard variables of S3 clients (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`), then from
    /// `options` (`object_store`'s names: `endpoint`, `access_key_id`…), which take
    /// precedence.
    Bucket {
        url: String,
        options: Vec<(String, String)>,
    },
}

impl FilesConfig {
    /// `s3://…` is a bucket; an empty address, the data directory.
    pub fn parse(address: &str) -> Result<Self, StoreError> {
        let address = address.trim();
        if address.is_empty() {
            return Ok(Self::DataDir);
        }
        let url = url::Url::parse(address).map_err(|_| StoreError::FilesAddress(address.into()))?;
        if url.scheme() != "s3" || url.host_str().is_none_or(str::is_empty) {
            return Err(StoreError::FilesAddress(address.into()));
        }
        Ok(Self::Bucket {
            url: address.to_owned(),
            options: Vec::new(),
        })
    }
}

/// Opens the platform's file store, creating the data directory's `files/` folder if it is
/// the store.
pub(crate) fn open(
    config: &FilesConfig,
    data_dir: &std::path::Path,
) -> Result<Arc<dyn ObjectStore>, StoreError> {
    match config {
        FilesConfig::DataDir => {
            let dir = data_dir.join("files");
            std::fs::create_dir_all(&dir).map_err(|source| StoreError::DataDir {
                path: dir.clone(),
                source,
            })?;
            let store = LocalFileSystem::new_with_prefix(&dir)
                .map_err(|e| StoreError::Files(e.to_string()))?;
            Ok(Arc::new(store))
        }
        FilesConfig::Bucket {
            url: address,
            options,
        } => {
            // A page waits on the store: a few quick retries, not the client's three minutes.
            let retry = object_store::RetryConfig {
                max_retries: 3,
                retry_timeout: std::time::Duration::from_secs(15),
                ..Default::default()
            };
            // Its HTTP client takes rustls' process-wide provider: ring, as the server's
            // (`guichet::tls`); installing it here too keeps this crate usable on its own.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let mut builder = AmazonS3Builder::from_env()
                .with_url(address)
                .with_retry(retry);
            for (name, value) in options {
                let key = name
                    .parse()
                    .map_err(|e: object_store::Error| StoreError::Files(e.to_string()))?;
                builder = builder.with_config(key, value);
            }
            let bucket: Arc<dyn ObjectStore> = Arc::new(
                builder
                    .build()
                    .map_err(|e| StoreError::Files(e.to_string()))?,
            );
            let url =
                url::Url::parse(address).map_err(|_| StoreError::FilesAddress(address.clone()))?;
            let prefix = url.path().trim_matches('/');
            Ok(if prefix.is_empty() {
                bucket
            } else {
                Arc::new(PrefixStore::new(bucket, prefix))
            })
        }
    }
}

impl Platform {
    /// A department's files, by keys relative to its prefix (`documents/…`, `courriers/…`).
    pub fn files(&self, slug: &Slug) -> Arc<dyn ObjectStore> {
        Arc::new(PrefixStore::new(self.files.clone(), slug.as_str()))
    }

    /// Where the journal's checkpoints go when the files are in a bucket: its `_journal/`
    /// prefix (no slug holds an underscore). `None`: the data directory keeps them.
    pub fn journal_checkpoints(&self) -> Option<Arc<dyn ObjectStore>> {
        (!self.files_are_local()).then(|| {
            Arc::new(PrefixStore::new(self.files.clone(), "_journal")) as Arc<dyn ObjectStore>
        })
    }

    /// Whether the department's files are kept in its folder of the data directory (the
    /// default store), so that a file written there is in the store.
    pub fn files_are_local(&self) -> bool {
        self.config.files == FilesConfig::DataDir
    }

    /// The department's folder of the data directory: its files with the default store, its
    /// working copies with a bucket (see the module's documentation).
    pub fn files_dir(&self, slug: &Slug) -> PathBuf {
        self.config.data_dir.join("files").join(slug.as_str())
    }

    /// Whether the file store answers within [`FILES_PROBE_TIMEOUT`]: a key that does not
    /// exist is looked up.
    pub(crate) async fn files_answer(&self) -> bool {
        let probe = object_store::path::Path::from("guichet-readiness-probe");
        match tokio::time::timeout(FILES_PROBE_TIMEOUT, self.files.head(&probe)).await {
            Ok(Ok(_) | Err(object_store::Error::NotFound { .. })) => true,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the file store does not answer");
                false
            }
            Err(_) => {
                tracing::warn!("the file store does not answer in time");
                false
            }
        }
    }

    /// Deletes every file of a department, then its folder of the data directory.
    pub(crate) async fn remove_files(&self, slug: &Slug) -> Result<(), StoreError> {
        let store = self.files(slug);
        let keys = store.list(None).map_ok(|meta| meta.location).boxed();
        store
            .delete_stream(keys)
            .try_collect::<Vec<_>>()
            .await
            .map_err(|e| StoreError::Files(e.to_string()))?;
        let dir = self.files_dir(slug);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(|source| StoreError::DataDir { path: dir, source })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_names_the_data_directory_or_a_bucket() {
        assert_eq!(FilesConfig::parse("").unwrap(), FilesConfig::DataDir);
        assert_eq!(
            FilesConfig::parse("s3://guichet/fichiers").unwrap(),
            FilesConfig::Bucket {
                url: "s3://guichet/fichiers".into(),
                options: Vec::new()
            }
        );
        for wrong in [
            "/srv/guichet",
            "https://s3.example.org/guichet",
            "s3://",
            "fichiers",
        ] {
            let message = FilesConfig::parse(wrong).unwrap_err().to_string();
            assert!(message.contains("s3://seau"), "{wrong}: {message}");
        }
    }
}
