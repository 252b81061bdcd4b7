//! A department's files in the platform's file store (`tenants::files`: a folder of the data
//! directory, or an S3-compatible bucket), by keys relative to the department
//! (`documents/…`, `courriers/…`, `medical/…`, `exports/…`, `insertion/…`).
//!
//! Small files (a document, a letter) are written and read whole. A large one that is received
//! or parsed as a stream (an export, a monthly flux) is written in the department's folder of
//! the data directory first, its *working copy*, then [`publish`]ed; an instance that needs to
//! read it as a file takes a [`working_copy`]. With the default store the working copy is the
//! stored file, and both steps do nothing.

use std::path::{Path, PathBuf};

use futures_util::StreamExt as _;
use object_store::path::Path as Key;
use object_store::{ObjectStoreExt as _, PutPayload};
use tenants::{Platform, Slug};
use tokio::io::AsyncWriteExt as _;

/// What went wrong with the file store, for the logs (pages show their own message).
pub type Error = object_store::Error;

/// Writes `bytes` under `key`, replacing what was there.
pub async fn write(
    platform: &Platform,
    slug: &Slug,
    key: &str,
    bytes: Vec<u8>,
) -> Result<(), Error> {
    platform
        .files(slug)
        .put(&Key::from(key), PutPayload::from(bytes))
        .await
        .map(drop)
}

/// The bytes under `key`.
pub async fn read(platform: &Platform, slug: &Slug, key: &str) -> Result<Vec<u8>, Error> {
    let got = platform.files(slug).get(&Key::from(key)).await?;
    Ok(got.bytes().await?.to_vec())
}

/// Deletes what is under `key` and its working copy, if any; a file already gone is no error.
pub async fn delete(platform: &Platform, slug: &Slug, key: &str) -> Result<(), Error> {
    if !platform.files_are_local() {
        let _ = tokio::fs::remove_file(local_path(platform, slug, key)).await;
    }
    match platform.files(slug).delete(&Key::from(key)).await {
        Ok(()) | Err(Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Where the working copy of `key` is, in the department's folder of the data directory.
pub fn local_path(platform: &Platform, slug: &Slug, key: &str) -> PathBuf {
    platform.files_dir(slug).join(key)
}

/// Sends the working copy of `key` to the store, in parts: the file may be hundreds of
/// megabytes. Nothing to do with the default store, which holds the working copy itself.
pub async fn publish(platform: &Platform, slug: &Slug, key: &str) -> Result<(), Error> {
    if platform.files_are_local() {
        return Ok(());
    }
    let path = local_path(platform, slug, key);
    let mut file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| io(&path, e))?;
    let mut upload = object_store::buffered::BufWriter::new(platform.files(slug), Key::from(key));
    let sent = async {
        tokio::io::copy(&mut file, &mut upload).await?;
        upload.shutdown().await
    }
    .await;
    if let Err(e) = sent {
        let _ = upload.abort().await;
        return Err(io(&path, e));
    }
    Ok(())
}

/// Removes the working copy of `key` once published, where it is not the stored file itself.
pub async fn drop_working_copy(platform: &Platform, slug: &Slug, key: &str) {
    if !platform.files_are_local() {
        let _ = tokio::fs::remove_file(local_path(platform, slug, key)).await;
    }
}

/// The working copy of `key`, fetched from the store if this instance has none (another
/// instance received it).
pub async fn working_copy(platform: &Platform, slug: &Slug, key: &str) -> Result<PathBuf, Error> {
    let path = local_path(platform, slug, key);
    if platform.files_are_local() || tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(path);
    }
    let got = platform.files(slug).get(&Key::from(key)).await?;
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| io(dir, e))?;
    }
    // Written aside, then renamed: a copy cut short is never taken for the file.
    let part = path.with_extension("telechargement");
    let fetched = async {
        let mut out = tokio::fs::File::create(&part).await?;
        let mut chunks = got.into_stream();
        while let Some(chunk) = chunks.next().await {
            out.write_all(&chunk.map_err(std::io::Error::other)?)
                .await?;
        }
        out.flush().await?;
        tokio::fs::rename(&part, &path).await
    }
    .await;
    if let Err(e) = fetched {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(io(&path, e));
    }
    Ok(path)
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Generic {
        store: "working copy",
        source: format!("{}: {source}", path.display()).into(),
    }
}
