//! `guichet tenant export` / `import`: a self-contained, engine-independent archive of one
//! department — its registry entry, staff accounts, every table of its store (as JSON lines) and
//! its files — so a department can move between instances, or from SQLite to PostgreSQL.
//!
//! Archive layout (gzip-compressed tar):
//! - `manifest.json`: format, version, the tenant's registry entry;
//! - `staff.json`: staff accounts with their roles, password hashes, ProConnect links and
//!   second factors (the secret sealed with the platform's key, which the archive never holds:
//!   an import on a platform with the same key puts them back, any other leaves them to enrol
//!   again);
//! - `identity.json`: how the department's staff sign in (SIRETs, minimum ProConnect level,
//!   roles that need a second factor); absent from archives made before it existed;
//! - `tables/<table>.jsonl`: one row per line;
//! - `files/…`: the department's uploaded files.

use std::io::{Read, Write};
use std::path::{Component, Path};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use futures_util::TryStreamExt as _;
use object_store::ObjectStoreExt as _;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QueryOrder,
    Set,
};
use serde::{Deserialize, Serialize};
use tenants::{DomainName, Engine, Module, NewTenant, Platform, Slug, Tenant, TenantStatus};

use crate::entity::{staff_account, staff_proconnect_link, staff_role};
use crate::proconnect::Assurance;
use crate::staff::Role;
use crate::staff::identity::{self, IdentityPolicy, Siret};
use crate::staff::second_factor::{self, CarriedFactor, SealKey};

const FORMAT: &str = "guichet-tenant-export";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    exported_at: DateTime<Utc>,
    slug: String,
    name: String,
    domain: Option<String>,
    modules: Vec<String>,
    suspended: bool,
}

#[derive(Serialize, Deserialize)]
struct StaffRecord {
    /// The account's number, which the department's tables use (appointments, referents, the
    /// journal): kept where it is free (a restore into an empty platform), so they still name
    /// the right person. Absent from archives made before it was written.
    #[serde(default)]
    id: Option<i64>,
    email: String,
    display_name: String,
    password_hash: String,
    active: bool,
    created_at: DateTime<Utc>,
    roles: Vec<String>,
    /// The ProConnect agent who signs into it, once linked.
    #[serde(default)]
    proconnect: Option<LinkRecord>,
    /// Its second factor, sealed. Absent from archives made before it was written.
    #[serde(default)]
    second_factor: Option<CarriedFactor>,
}

/// What an import brought back.
pub struct Imported {
    pub tenant: Tenant,
    /// Staff whose second factor came back (the platform's key opens it).
    pub factors_kept: usize,
    /// Staff who had one and must enrol again (another platform's key sealed it).
    pub factors_to_enrol: usize,
}

#[derive(Serialize, Deserialize)]
struct LinkRecord {
    idp_id: String,
    sub: String,
    linked_at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct PolicyRecord {
    sirets: Vec<String>,
    minimum: Option<String>,
    second_factor_roles: Vec<String>,
}

impl PolicyRecord {
    fn of(policy: &IdentityPolicy) -> Self {
        Self {
            sirets: policy.siret_texts(),
            minimum: policy.minimum.map(|m| m.id().to_owned()),
            second_factor_roles: policy.role_ids(),
        }
    }

    fn policy(&self) -> anyhow::Result<IdentityPolicy> {
        let altered = || anyhow::anyhow!("identity.json a été modifié : refaites l'export");
        Ok(IdentityPolicy {
            sirets: self
                .sirets
                .iter()
                .map(|s| Siret::parse(s).map_err(|_| altered()))
                .collect::<Result<_, _>>()?,
            minimum: match &self.minimum {
                None => None,
                Some(id) => Some(Assurance::parse(id).ok_or_else(altered)?),
            },
            second_factor_roles: self
                .second_factor_roles
                .iter()
                .map(|r| Role::parse(r).map_err(|_| altered()))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The contents of an archive, read fully before anything is created.
struct Archive {
    manifest: Manifest,
    staff: Vec<StaffRecord>,
    identity: Option<PolicyRecord>,
    /// `tables/<name>.jsonl` contents by table name.
    tables: Vec<(String, Vec<u8>)>,
    files: Vec<(std::path::PathBuf, Vec<u8>)>,
}

pub async fn export(platform: &Platform, tenant: &Tenant, out: &Path) -> anyhow::Result<usize> {
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: Utc::now(),
        slug: tenant.slug().to_string(),
        name: tenant.name().into(),
        domain: tenant.domain().map(str::to_owned),
        modules: tenant.modules().iter().map(|m| m.id().to_owned()).collect(),
        suspended: tenant.status() == TenantStatus::Suspended,
    };
    let accounts = staff_account::Entity::find()
        .filter(staff_account::Column::TenantId.eq(tenant.id()))
        .order_by_asc(staff_account::Column::Id)
        .find_with_related(staff_role::Entity)
        .all(platform.db())
        .await?;
    let mut links: std::collections::HashMap<i64, LinkRecord> =
        staff_proconnect_link::Entity::find()
            .filter(staff_proconnect_link::Column::TenantId.eq(tenant.id()))
            .all(platform.db())
            .await?
            .into_iter()
            .map(|l| {
                let record = LinkRecord {
                    idp_id: l.idp_id,
                    sub: l.sub,
                    linked_at: l.linked_at,
                };
                (l.staff_id, record)
            })
            .collect();
    let ids: Vec<i64> = accounts.iter().map(|(a, _)| a.id).collect();
    let mut factors = second_factor::carried(platform, &ids).await?;
    let staff: Vec<StaffRecord> = accounts
        .into_iter()
        .map(|(a, roles)| StaffRecord {
            id: Some(a.id),
            proconnect: links.remove(&a.id),
            second_factor: factors.remove(&a.id),
            email: a.email,
            display_name: a.display_name,
            password_hash: a.password_hash,
            active: a.active,
            created_at: a.created_at,
            roles: roles.into_iter().map(|r| r.role).collect(),
        })
        .collect();
    let policy = PolicyRecord::of(&identity::policy(platform, tenant).await?);
    // One snapshot: the tables agree with one another however busy the department is.
    let txn = tenant.db().begin_snapshot().await?;
    let mut tables = Vec::new();
    for table in crate::modules::tables() {
        let lines = table.dump(&txn).await?;
        tables.push((table.name, lines));
    }
    txn.commit().await?;
    let audit_rows = tables
        .iter()
        .find(|(name, _)| *name == "audit_journal")
        .map_or(0, |(_, lines)| {
            lines.iter().filter(|b| **b == b'\n').count()
        });

    // Write to a temporary file next to the target, then rename: no half-written archive.
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!(
            "impossible d'écrire dans {} : choisissez un autre --out",
            dir.display()
        )
    })?;
    {
        let gz = GzEncoder::new(tmp.as_file(), Compression::default());
        let mut tar = tar::Builder::new(gz);
        append_bytes(
            &mut tar,
            "manifest.json",
            &serde_json::to_vec_pretty(&manifest)?,
        )?;
        append_bytes(&mut tar, "staff.json", &serde_json::to_vec_pretty(&staff)?)?;
        append_bytes(
            &mut tar,
            "identity.json",
            &serde_json::to_vec_pretty(&policy)?,
        )?;
        for (table, lines) in &tables {
            append_bytes(&mut tar, &format!("tables/{table}.jsonl"), lines)?;
        }
        append_files(&mut tar, platform, tenant.slug()).await?;
        tar.into_inner()?.finish()?.flush()?;
    }
    tmp.persist(out).with_context(|| {
        format!(
            "impossible d'écrire {} : vérifiez le chemin donné à --out",
            out.display()
        )
    })?;
    Ok(audit_rows)
}

/// Adds every file of the department to the archive, under `files/`.
async fn append_files<W: Write>(
    tar: &mut tar::Builder<W>,
    platform: &Platform,
    slug: &Slug,
) -> anyhow::Result<()> {
    let store = platform.files(slug);
    let keys: Vec<_> = store
        .list(None)
        .map_ok(|meta| meta.location)
        .try_collect()
        .await?;
    for key in keys {
        let name = format!("files/{key}");
        if platform.files_are_local() {
            // Read from the disk as it is written: an import's file is hundreds of megabytes.
            let path = crate::files::local_path(platform, slug, key.as_ref());
            match std::fs::File::open(&path) {
                Ok(mut file) => tar.append_file(&name, &mut file)?,
                // Deleted since it was listed (an export expired, a file was imported).
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
            continue;
        }
        match store.get(&key).await {
            Ok(got) => append_bytes(tar, &name, &got.bytes().await?)?,
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn append_bytes<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    bytes: &[u8],
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(Utc::now().timestamp().max(0) as u64);
    header.set_cksum();
    tar.append_data(&mut header, path, bytes)
}

fn read_archive(file: &Path) -> anyhow::Result<Archive> {
    let not_an_export = || {
        format!(
            "{} n'est pas une archive produite par `guichet tenant export` (ou elle est abîmée)",
            file.display()
        )
    };
    let reader = std::fs::File::open(file).with_context(|| {
        format!(
            "impossible d'ouvrir {} : vérifiez le chemin",
            file.display()
        )
    })?;
    let mut tar = tar::Archive::new(GzDecoder::new(reader));
    let known: Vec<&str> = crate::modules::tables().iter().map(|t| t.name).collect();
    let (mut manifest, mut staff, mut tables, mut files) = (None, None, Vec::new(), Vec::new());
    let mut identity = None;
    for entry in tar.entries().with_context(not_an_export)? {
        let mut entry = entry.with_context(not_an_export)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().with_context(not_an_export)?.into_owned();
        // Refuse absolute paths and `..`: an archive must not write outside its folder.
        if path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            bail!(
                "{} contient un chemin interdit ({})",
                file.display(),
                path.display()
            );
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).with_context(not_an_export)?;
        match path.to_str() {
            Some("manifest.json") => {
                manifest =
                    Some(serde_json::from_slice::<Manifest>(&bytes).with_context(not_an_export)?)
            }
            Some("staff.json") => {
                staff = Some(
                    serde_json::from_slice::<Vec<StaffRecord>>(&bytes)
                        .with_context(not_an_export)?,
                )
            }
            Some("identity.json") => {
                identity = Some(
                    serde_json::from_slice::<PolicyRecord>(&bytes).with_context(not_an_export)?,
                )
            }
            Some(name) if name.starts_with("tables/") && name.ends_with(".jsonl") => {
                let table = &name["tables/".len()..name.len() - ".jsonl".len()];
                if !known.contains(&table) {
                    bail!(
                        "{} contient une table inconnue ({table}) : l'archive vient d'une autre version de Guichet ou a été modifiée",
                        file.display()
                    );
                }
                tables.push((table.to_owned(), bytes));
            }
            _ => {
                if let Ok(rel) = path.strip_prefix("files") {
                    files.push((rel.to_owned(), bytes));
                }
            }
        }
    }
    let manifest = manifest.with_context(not_an_export)?;
    if manifest.format != FORMAT {
        bail!(not_an_export());
    }
    if manifest.version > VERSION {
        bail!(
            "{} vient d'une version plus récente de Guichet (format {}) : mettez cette instance à jour avant d'importer",
            file.display(),
            manifest.version
        );
    }
    Ok(Archive {
        manifest,
        staff: staff.with_context(not_an_export)?,
        identity,
        tables,
        files,
    })
}

/// Recreates a department from an archive, staff second factors included where `key` opens
/// them. All or nothing: on any failure the department is removed again.
pub async fn import(platform: &Platform, key: &SealKey, file: &Path) -> anyhow::Result<Imported> {
    let archive = read_archive(file)?;
    let m = &archive.manifest;
    let modules = m
        .modules
        .iter()
        .map(|s| Module::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let tenant = platform
        .create_tenant(NewTenant {
            slug: Slug::parse(&m.slug)?,
            name: m.name.clone(),
            modules,
            domain: m.domain.as_deref().map(DomainName::parse).transpose()?,
        })
        .await?;
    match fill(platform, key, &tenant, &archive).await {
        Ok((factors_kept, factors_to_enrol)) => Ok(Imported {
            tenant,
            factors_kept,
            factors_to_enrol,
        }),
        Err(e) => {
            if let Err(cleanup) = platform.remove_tenant(tenant.slug()).await {
                tracing::error!(error = %cleanup, "could not remove a half-imported tenant");
            }
            Err(e)
        }
    }
}

/// Fills the new department; how many second factors came back, and how many are to enrol.
async fn fill(
    platform: &Platform,
    key: &SealKey,
    tenant: &Tenant,
    archive: &Archive,
) -> anyhow::Result<(usize, usize)> {
    let txn = tenant.db().begin_write().await?;
    let tables = crate::modules::tables();
    for table in &tables {
        if let Some((_, lines)) = archive.tables.iter().find(|(name, _)| name == table.name) {
            table.load(&txn, lines).await?;
        }
    }
    if let Engine::Postgres { .. } = platform.engine() {
        // Rows came with their ids: move the id sequences past them.
        for table in tables.iter().filter(|t| t.serial).map(|t| t.name) {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .await?;
        }
    }
    txn.commit().await?;

    let txn = tenants::begin_write(platform.db()).await?;
    let (mut kept, mut to_enrol) = (0, 0);
    for s in &archive.staff {
        let id_is_free = match s.id {
            Some(id) => staff_account::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .is_none(),
            None => false,
        };
        let account = staff_account::ActiveModel {
            id: match (s.id, id_is_free) {
                (Some(id), true) => Set(id),
                _ => NotSet,
            },
            tenant_id: Set(tenant.id()),
            email: Set(s.email.clone()),
            display_name: Set(s.display_name.clone()),
            password_hash: Set(s.password_hash.clone()),
            active: Set(s.active),
            created_at: Set(s.created_at),
        }
        .insert(&txn)
        .await?;
        for role in &s.roles {
            staff_role::ActiveModel {
                staff_id: Set(account.id),
                role: Set(role.clone()),
            }
            .insert(&txn)
            .await?;
        }
        if let Some(link) = &s.proconnect {
            staff_proconnect_link::ActiveModel {
                staff_id: Set(account.id),
                tenant_id: Set(tenant.id()),
                idp_id: Set(link.idp_id.clone()),
                sub: Set(link.sub.clone()),
                linked_at: Set(link.linked_at),
            }
            .insert(&txn)
            .await?;
        }
        if let Some(factor) = &s.second_factor {
            if second_factor::put_back(&txn, key, account.id, factor).await? {
                kept += 1;
            } else {
                to_enrol += 1;
            }
        }
    }
    if let Engine::Postgres { .. } = platform.engine() {
        txn.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('staff_accounts', 'id'), COALESCE((SELECT MAX(id) FROM staff_accounts), 0) + 1, false)",
        )
        .await?;
    }
    if let Some(record) = &archive.identity {
        identity::write_policy(&txn, tenant, &record.policy()?).await?;
    }
    txn.commit().await?;
    crate::modules::compact_kept_counts(platform, tenant).await;

    for (rel, bytes) in &archive.files {
        let key = rel
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        crate::files::write(platform, tenant.slug(), &key, bytes.clone()).await?;
    }
    if archive.manifest.suspended {
        platform
            .set_tenant_status(tenant.slug(), TenantStatus::Suspended)
            .await?;
    }
    Ok((kept, to_enrol))
}
