//! Backups kept in an S3-compatible object store (`s3://bucket/prefix/name`). A backup is
//! written to a local staging folder exactly as to a directory, then sent object by object
//! under `prefix/name/`, its manifest last: a backup whose manifest is missing is not one, and
//! restore refuses it. A restore fetches the manifest and what it names into a temporary
//! folder and restores from there (hashes, journals and checkpoints checked as ever).
//!
//! The store and its credentials come from the standard variables of S3 clients:
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, and `AWS_ENDPOINT_URL` for a
//! store other than Amazon's (Scaleway, OVHcloud, Garage, MinIO…); `AWS_ALLOW_HTTP=true` lets
//! a store on a private network answer in plain HTTP.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use futures_util::StreamExt as _;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt as _, WriteMultipart};
use tokio::io::AsyncReadExt as _;

use super::{MANIFEST, Manifest};

/// Parts sent at once by a multipart upload (`WriteMultipart`'s parts are 5 MiB, the least S3
/// accepts but for the last).
const PARTS_IN_FLIGHT: usize = 4;

/// Where in an object store a backup is, or is to be written.
pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    /// `prefix/name`, without slashes at either end.
    root: Key,
    address: String,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.address)
    }
}

/// A backup's place: a local directory, or an object store.
#[derive(Debug)]
pub enum Place {
    Dir(PathBuf),
    Bucket(Bucket),
}

impl Place {
    /// `s3://bucket/prefix/name` is in an object store; anything else is a directory.
    pub fn parse(address: &str) -> anyhow::Result<Self> {
        if address.starts_with("s3://") {
            Bucket::open(address).map(Place::Bucket)
        } else {
            Ok(Place::Dir(PathBuf::from(address)))
        }
    }
}

impl Bucket {
    fn open(address: &str) -> anyhow::Result<Self> {
        let refused = || {
            format!(
                "« {address} » n'est pas une adresse de sauvegarde : attendu s3://seau/dossier/nom (le nom de la sauvegarde après le seau)"
            )
        };
        let url = url::Url::parse(address).with_context(refused)?;
        let root = url.path().trim_matches('/');
        if url.host_str().is_none_or(str::is_empty) || root.is_empty() {
            bail!(refused());
        }
        crate::tls::install_crypto_provider();
        let store = AmazonS3Builder::from_env()
            .with_url(address)
            .build()
            .with_context(|| {
                format!(
                    "stockage objet {address} : vérifiez AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION et, hors Amazon, AWS_ENDPOINT_URL"
                )
            })?;
        Ok(Self {
            store: Arc::new(store),
            root: Key::from(root),
            address: address.trim_end_matches('/').to_owned(),
        })
    }

    fn key(&self, relative: &str) -> Key {
        relative
            .split('/')
            .fold(self.root.clone(), |key, part| key.join(part))
    }

    /// Refuses a name that already holds a backup, before one is made for nothing.
    pub async fn ensure_free(&self) -> anyhow::Result<()> {
        match self.store.head(&self.key(MANIFEST)).await {
            Ok(_) => bail!(
                "{} existe déjà : donnez un nom nouveau à --out (une sauvegarde ne se mélange pas à une autre)",
                self.address
            ),
            Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.unreachable(e)),
        }
    }

    /// Sends the backup staged in `dir`, the manifest last.
    pub async fn upload(&self, dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
        self.ensure_free().await?;
        for relative in manifest.files() {
            self.send(&dir.join(&relative), &relative).await?;
        }
        self.send(&dir.join(MANIFEST), MANIFEST).await
    }

    /// One file, in parts: an archive may be larger than memory should hold.
    async fn send(&self, path: &Path, relative: &str) -> anyhow::Result<()> {
        let mut file = tokio::fs::File::open(path)
            .await
            .with_context(|| format!("lecture de {}", path.display()))?;
        let upload = self
            .store
            .put_multipart(&self.key(relative))
            .await
            .map_err(|e| self.unreachable(e))?;
        let mut writer = WriteMultipart::new(upload);
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let read = file.read(&mut buffer).await?;
            if read == 0 {
                break;
            }
            writer
                .wait_for_capacity(PARTS_IN_FLIGHT)
                .await
                .map_err(|e| self.unreachable(e))?;
            writer.write(&buffer[..read]);
        }
        writer.finish().await.map_err(|e| self.unreachable(e))?;
        Ok(())
    }

    /// Fetches the backup into `dir`: its manifest, then what the manifest names.
    pub async fn download(&self, dir: &Path) -> anyhow::Result<()> {
        let manifest = match self.store.get(&self.key(MANIFEST)).await {
            Ok(got) => got.bytes().await.map_err(|e| self.unreachable(e))?,
            Err(object_store::Error::NotFound { .. }) => bail!(
                "{} ne contient pas de sauvegarde complète ({MANIFEST} manque) : vérifiez l'adresse, ou la sauvegarde s'est arrêtée avant la fin",
                self.address
            ),
            Err(e) => return Err(self.unreachable(e)),
        };
        std::fs::write(dir.join(MANIFEST), &manifest)?;
        let manifest = super::read_manifest(dir)?;
        for relative in manifest.files() {
            let target = super::inside(dir, &relative)?;
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let got = self
                .store
                .get(&self.key(&relative))
                .await
                .map_err(|e| self.unreachable(e))?;
            let mut chunks = got.into_stream();
            let mut file = tokio::fs::File::create(&target).await?;
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|e| self.unreachable(e))?;
                tokio::io::AsyncWriteExt::write_all(&mut file, &chunk).await?;
            }
            tokio::io::AsyncWriteExt::flush(&mut file).await?;
        }
        Ok(())
    }

    fn unreachable(&self, e: object_store::Error) -> anyhow::Error {
        anyhow::anyhow!(
            "stockage objet {} : {e} (vérifiez l'adresse, les identifiants AWS_* et que le seau existe)",
            self.address
        )
    }
}
