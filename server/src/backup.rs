//! `guichet backup` and `guichet restore`: the whole platform (or one department) saved while
//! it serves, and put back into an empty platform.
//!
//! A backup is a directory:
//! - `sauvegarde.json`: what it holds, when it was made, by which version, and for each
//!   department its archive's SHA-256 and its journal's length;
//! - `departements/<slug>.tar.gz`: the department as `guichet tenant export` writes it
//!   (registry entry, staff with their account numbers, every table read in one snapshot, its
//!   files; see [`crate::transfer`]);
//! - `points-de-controle/<slug>.jsonl`: the journal's signed checkpoints
//!   ([`crate::journal_anchor`]), copied before the snapshot so none is ahead of it.
//!
//! The platform's secret key is not in it: with it, anyone holding the backup could forge
//! checkpoints. Keep it apart (a password manager, a safe); a restore needs the same key for the
//! checkpoints to verify and for staff second factors, carried sealed with it, to come back
//! (without it they are enrolled again, as after a move to another platform).
//!
//! A restore checks every archive's hash first, then imports the departments one by one and
//! checks each journal (its chain, its length, its checkpoints); anything wrong and every
//! department it restored is removed again: nothing half-restored is left.

pub mod bucket;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tenants::{Platform, Slug, Tenant};

use crate::audit::{self, Verification};
use crate::journal_anchor::JournalAnchor;
use crate::staff::second_factor::SealKey;
pub use bucket::Place;

const FORMAT: &str = "guichet-backup";
const VERSION: u32 = 1;
const MANIFEST: &str = "sauvegarde.json";
const ARCHIVES: &str = "departements";
const CHECKPOINTS: &str = "points-de-controle";

/// What a backup holds (`sauvegarde.json`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    format: String,
    version: u32,
    pub made_at: DateTime<Utc>,
    /// The Guichet version that made it: a later one's tables may hold what this one would
    /// drop, so its backups are refused (restore with that version or a later one).
    pub guichet: String,
    pub departments: Vec<SavedDepartment>,
}

impl Manifest {
    /// The files it names, relative to the backup's directory (the manifest aside).
    fn files(&self) -> Vec<String> {
        self.departments
            .iter()
            .flat_map(|d| std::iter::once(d.archive.clone()).chain(d.checkpoints.clone()))
            .collect()
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SavedDepartment {
    pub slug: String,
    /// Relative to the backup's directory.
    archive: String,
    sha256: String,
    /// The journal's entries in the snapshot.
    pub journal_entries: usize,
    checkpoints: Option<String>,
}

/// [`backup`] into a directory, or into an object store (staged in the data directory, then
/// sent: see [`bucket`]).
pub async fn backup_to(
    platform: &Platform,
    anchor: &JournalAnchor,
    place: &Place,
    only: Option<&Slug>,
) -> anyhow::Result<Manifest> {
    let bucket = match place {
        Place::Dir(out) => return backup(platform, anchor, out, only).await,
        Place::Bucket(bucket) => bucket,
    };
    bucket.ensure_free().await?;
    let staging = staging_in(platform)?;
    let dir = staging.path().join("sauvegarde");
    let manifest = backup(platform, anchor, &dir, only).await?;
    bucket.upload(&dir, &manifest).await?;
    Ok(manifest)
}

/// [`restore`] from a directory, or from an object store (fetched into the data directory
/// first).
pub async fn restore_from(
    platform: &Platform,
    sealing: (&JournalAnchor, &SealKey),
    place: &Place,
) -> anyhow::Result<Vec<Restored>> {
    let bucket = match place {
        Place::Dir(dir) => return restore(platform, sealing, dir).await,
        Place::Bucket(bucket) => bucket,
    };
    let staging = staging_in(platform)?;
    bucket.download(staging.path()).await?;
    restore(platform, sealing, staging.path()).await
}

/// A folder that goes when dropped, beside the platform's data: it has room for a copy.
fn staging_in(platform: &Platform) -> anyhow::Result<tempfile::TempDir> {
    let data = platform.data_dir();
    tempfile::Builder::new()
        .prefix(".sauvegarde-transit-")
        .tempdir_in(data)
        .with_context(|| format!("impossible d'écrire dans {}", data.display()))
}

/// Saves every department, or `only` one, into `out`, a directory that must not exist yet
/// (written beside it, then renamed: a backup that stopped half-way never looks whole).
pub async fn backup(
    platform: &Platform,
    anchor: &JournalAnchor,
    out: &Path,
    only: Option<&Slug>,
) -> anyhow::Result<Manifest> {
    ensure!(
        !out.exists(),
        "{} existe déjà : donnez un dossier nouveau à --out (une sauvegarde ne se mélange pas à une autre)",
        out.display()
    );
    let tenants = match only {
        Some(slug) => vec![
            platform
                .tenant_by_slug(slug)
                .await?
                .with_context(|| format!("département « {slug} » inconnu"))?,
        ],
        None => platform.list_tenants().await?,
    };
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("impossible de créer {} : vérifiez --out", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".sauvegarde-")
        .tempdir_in(parent)
        .with_context(|| format!("impossible d'écrire dans {}", parent.display()))?;
    std::fs::create_dir(staging.path().join(ARCHIVES))?;
    std::fs::create_dir(staging.path().join(CHECKPOINTS))?;

    let mut departments = Vec::with_capacity(tenants.len());
    for tenant in &tenants {
        departments.push(save(platform, anchor, tenant, staging.path()).await?);
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        made_at: Utc::now(),
        guichet: env!("CARGO_PKG_VERSION").into(),
        departments,
    };
    std::fs::write(
        staging.path().join(MANIFEST),
        serde_json::to_vec_pretty(&manifest)?,
    )?;
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, out) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(e)
            .with_context(|| format!("impossible de nommer la sauvegarde {}", out.display()));
    }
    Ok(manifest)
}

async fn save(
    platform: &Platform,
    anchor: &JournalAnchor,
    tenant: &Tenant,
    dir: &Path,
) -> anyhow::Result<SavedDepartment> {
    let slug = tenant.slug().to_string();
    // Before the snapshot: every checkpoint copied names an entry the snapshot holds.
    let checkpoints = match anchor
        .lines(tenant)
        .await
        .context("lecture des points de contrôle du journal")?
    {
        Some(bytes) => {
            let relative = format!("{CHECKPOINTS}/{slug}.jsonl");
            std::fs::write(dir.join(&relative), bytes)?;
            Some(relative)
        }
        None => None,
    };
    let archive = format!("{ARCHIVES}/{slug}.tar.gz");
    let journal_entries = crate::transfer::export(platform, tenant, &dir.join(&archive)).await?;
    Ok(SavedDepartment {
        sha256: file_sha256(&dir.join(&archive))?,
        slug,
        archive,
        journal_entries,
        checkpoints,
    })
}

/// Puts the backup in `dir` back into `platform`, which must hold no department. Returns the
/// departments restored, each with its journal's length.
/// A department put back: what the import brought, and its journal's length, verified.
pub struct Restored {
    pub imported: crate::transfer::Imported,
    pub entries: u64,
}

pub async fn restore(
    platform: &Platform,
    (anchor, key): (&JournalAnchor, &SealKey),
    dir: &Path,
) -> anyhow::Result<Vec<Restored>> {
    let manifest = read_manifest(dir)?;
    let present = platform.list_tenants().await?;
    ensure!(
        present.is_empty(),
        "la plateforme compte déjà {} département(s) : une sauvegarde se restaure dans une plateforme vide (un autre --data-dir ou une autre base)",
        present.len()
    );
    for saved in &manifest.departments {
        let found = file_sha256(&inside(dir, &saved.archive)?)?;
        ensure!(
            found == saved.sha256,
            "l'archive {} n'est pas celle que la sauvegarde a écrite (empreinte différente) : elle a été abîmée ou remplacée ; reprenez une autre sauvegarde",
            saved.archive
        );
    }
    let mut restored = Vec::with_capacity(manifest.departments.len());
    for saved in &manifest.departments {
        match put_back(platform, (anchor, key), dir, saved).await {
            Ok(done) => restored.push(done),
            Err(e) => {
                for done in &restored {
                    take_back(platform, anchor, &done.imported.tenant).await;
                }
                return Err(e.context(format!(
                    "restauration du département « {} » : rien n'a été restauré",
                    saved.slug
                )));
            }
        }
    }
    Ok(restored)
}

async fn put_back(
    platform: &Platform,
    (anchor, key): (&JournalAnchor, &SealKey),
    dir: &Path,
    saved: &SavedDepartment,
) -> anyhow::Result<Restored> {
    let imported = crate::transfer::import(platform, key, &inside(dir, &saved.archive)?).await?;
    let checked = check_journal(anchor, dir, saved, &imported.tenant).await;
    match checked {
        Ok(entries) => Ok(Restored { imported, entries }),
        Err(e) => {
            take_back(platform, anchor, &imported.tenant).await;
            Err(e)
        }
    }
}

/// Removes a department a failed restore brought back, with its checkpoints.
async fn take_back(platform: &Platform, anchor: &JournalAnchor, tenant: &Tenant) {
    if let Err(e) = anchor.remove(tenant).await {
        tracing::error!(error = %e, "could not remove a restored department's checkpoints");
    }
    if let Err(cleanup) = platform.remove_tenant(tenant.slug()).await {
        tracing::error!(error = %cleanup, "could not remove a restored department");
    }
}

async fn check_journal(
    anchor: &JournalAnchor,
    dir: &Path,
    saved: &SavedDepartment,
    tenant: &Tenant,
) -> anyhow::Result<u64> {
    if let Some(relative) = &saved.checkpoints {
        let lines = std::fs::read(inside(dir, relative)?)
            .context("lecture des points de contrôle du journal sauvegardés")?;
        anchor
            .put_back(tenant, &lines)
            .await
            .context("copie des points de contrôle du journal")?;
    }
    let entries = match audit::verify(tenant).await? {
        Verification::Intact { entries } => entries,
        Verification::Broken { seq, problem } => {
            bail!("le journal restauré est rompu à l'entrée n° {seq} : {problem}")
        }
    };
    ensure!(
        entries == saved.journal_entries as u64,
        "le journal restauré compte {entries} entrée(s), la sauvegarde en annonçait {}",
        saved.journal_entries
    );
    if let Some((seq, problem)) = anchor.contradiction(tenant).await? {
        bail!(
            "le journal restauré contredit ses points de contrôle à l'entrée n° {seq} : {problem} (la clé de la plateforme, GUICHET_SECRET_KEY, doit être celle de la plateforme sauvegardée)"
        );
    }
    Ok(entries)
}

fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{} introuvable : donnez le dossier qu'a écrit « guichet backup »",
            path.display()
        )
    })?;
    let manifest: Manifest =
        serde_json::from_str(&text).with_context(|| format!("{} est illisible", path.display()))?;
    ensure!(
        manifest.format == FORMAT && manifest.version == VERSION,
        "{} n'est pas une sauvegarde que cette version de Guichet sait lire (format {} v{})",
        path.display(),
        manifest.format,
        manifest.version
    );
    let this = semver::Version::parse(env!("CARGO_PKG_VERSION"))?;
    let maker = semver::Version::parse(&manifest.guichet).with_context(|| {
        format!(
            "{} : version de Guichet illisible « {} »",
            path.display(),
            manifest.guichet
        )
    })?;
    ensure!(
        maker <= this,
        "cette sauvegarde a été faite par Guichet {maker}, plus récent que celui-ci ({this}) : restaurez-la avec Guichet {maker} ou une version plus récente"
    );
    Ok(manifest)
}

/// A path the manifest names, kept inside the backup's directory.
fn inside(dir: &Path, relative: &str) -> anyhow::Result<PathBuf> {
    let path = Path::new(relative);
    ensure!(
        path.components()
            .all(|c| matches!(c, std::path::Component::Normal(_))),
        "sauvegarde.json nomme un fichier hors de la sauvegarde : {relative}"
    );
    Ok(dir.join(path))
}

fn file_sha256(path: &Path) -> anyhow::Result<String> {
    let mut file = std::fs::File::open(path)
        .with_context(|| format!("{} introuvable dans la sauvegarde", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}
