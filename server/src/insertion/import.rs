//! Importing a benefit fund's monthly file: the officer sends it, a job reads it whole and
//! previews what it would do (created, updated, unchanged, in conflict, refused, exits: each
//! conflict and refusal with its line and its reason in French), the officer confirms, a job
//! writes it.
//!
//! Nothing is half-written: a file that is not a flux, or breaks off, is refused by the preview
//! before anything is written; the writes go in batches, each batch's progress committed with
//! its rows, so a run that dies is taken over where it stopped ([`STALE_AFTER`]) without
//! writing anything twice. The same file sent again finds every block unchanged (each
//! person keeps the fingerprint of their household's block) and writes nothing.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait as _, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use tenants::{Platform, Slug, Tenant};

use super::Desk;
use super::flux::FluxReader;
use super::people::{self, FileFacts, Index, Plan, Seen, Writing, Written};
use crate::audit::AuditEvent;
use crate::entity::insertion_import;

/// The largest file taken: a generated file of 150,000 applicants and partners (the largest
/// departments) weighs about 290 Mo; a file of 500 Mo is refused.
pub const MAX_BYTES: u64 = 450 * 1024 * 1024;
/// Blocks written per transaction (and per progress update).
const BATCH: usize = 500;
/// Blocks read between two progress updates of the preview.
const PREVIEW_STEP: u64 = 2_000;
/// A running pass whose job gave no sign of life for this long is taken over.
const STALE_AFTER: Duration = Duration::seconds(60);
/// A pass nobody picked up for this long is enqueued again.
const UNCLAIMED_AFTER: Duration = Duration::seconds(30);
/// A preview nobody confirmed or gave up for this long is given up, its file deleted (it names
/// thousands of people).
pub const PREVIEW_KEPT_FOR: Duration = Duration::days(7);
/// The findings a preview lists (the counts count them all).
pub const FINDINGS_SHOWN: usize = 1_000;

/// The job that runs the next pass of one import (its preview, or its writes once confirmed).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImportFile {
    pub tenant: String,
    pub import_id: i64,
}

stored_enum! {
    /// Where an import stands.
    pub enum ImportStatus {
        /// Sent; its preview waits for a worker.
        Queued = "queued",
        Previewing = "previewing",
        /// Read whole: waits for the officer's confirmation.
        Previewed = "previewed",
        /// Confirmed; its writes wait for a worker.
        Confirmed = "confirmed",
        Applying = "applying",
        Applied = "applied",
        /// The file was refused as a whole (see the error): nothing was written.
        Failed = "failed",
        /// The officer gave it up after the preview: nothing was written.
        Cancelled = "cancelled",
    }
}

impl ImportStatus {
    pub fn label(self) -> &'static str {
        match self {
            ImportStatus::Queued => "Aperçu en attente de démarrage",
            ImportStatus::Previewing => "Lecture du fichier (aperçu, rien n'est encore écrit)",
            ImportStatus::Previewed => "Aperçu prêt : à confirmer",
            ImportStatus::Confirmed => "Confirmé : import en attente de démarrage",
            ImportStatus::Applying => "Import en cours",
            ImportStatus::Applied => "Importé",
            ImportStatus::Failed => "Fichier refusé : rien n'a été importé",
            ImportStatus::Cancelled => "Abandonné : rien n'a été importé",
        }
    }

    /// A job is reading or writing it (or about to).
    pub fn running(self) -> bool {
        matches!(
            self,
            ImportStatus::Queued
                | ImportStatus::Previewing
                | ImportStatus::Confirmed
                | ImportStatus::Applying
        )
    }
}

/// A conflict or a refused block, where it is in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub line: u64,
    pub conflict: bool,
    pub message: String,
}

/// What the preview found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub households: u64,
    pub to_create: u64,
    pub to_update: u64,
    pub unchanged: u64,
    pub conflicts: u64,
    pub refused: u64,
    /// People a full monthly file no longer names.
    pub exits: u64,
    /// The first [`FINDINGS_SHOWN`] conflicts and refusals, in file order.
    pub findings: Vec<Finding>,
}

/// An import as pages need it.
#[derive(Clone, Debug)]
pub struct Import {
    pub id: i64,
    pub requested_by: i64,
    pub requested_by_name: String,
    pub file_name: String,
    pub file_size: u64,
    pub file_hash: String,
    pub status: ImportStatus,
    pub frequency: Option<String>,
    pub created_on: Option<NaiveDate>,
    pub reference_on: Option<NaiveDate>,
    pub households_total: Option<u64>,
    pub households_read: u64,
    pub households_applied: u64,
    pub preview: Option<Preview>,
    pub outcome: Option<Written>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// For a list: the mapping's version it is read with.
    pub mapping_id: Option<i64>,
}

impl Import {
    /// Whether its job seems lost and should be enqueued again.
    pub fn needs_new_job(&self, now: DateTime<Utc>) -> bool {
        match self.status {
            ImportStatus::Queued | ImportStatus::Confirmed => {
                now - self.updated_at > UNCLAIMED_AFTER
            }
            ImportStatus::Previewing | ImportStatus::Applying => {
                now - self.updated_at > STALE_AFTER
            }
            _ => false,
        }
    }

    /// Blocks done by the running pass, and how many there are (unknown during the preview).
    pub fn progress(&self) -> (u64, Option<u64>) {
        match self.status {
            ImportStatus::Confirmed | ImportStatus::Applying | ImportStatus::Applied => {
                (self.households_applied, self.households_total)
            }
            _ => (self.households_read, self.households_total),
        }
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl From<insertion_import::Model> for Import {
    fn from(m: insertion_import::Model) -> Self {
        Self {
            id: m.id,
            requested_by: m.requested_by,
            requested_by_name: m.requested_by_name,
            file_name: m.file_name,
            file_size: count(m.file_size),
            file_hash: m.file_hash,
            status: m.status,
            frequency: m.frequency,
            created_on: m.created_on,
            reference_on: m.reference_on,
            households_total: m.households_total.map(count),
            households_read: count(m.households_read),
            households_applied: count(m.households_applied),
            preview: m.preview.and_then(|p| serde_json::from_str(&p).ok()),
            outcome: m.outcome.and_then(|o| serde_json::from_str(&o).ok()),
            error: m.error,
            created_at: m.created_at,
            updated_at: m.updated_at,
            finished_at: m.finished_at,
            mapping_id: m.mapping_id,
        }
    }
}

/// The folder of the department's files that holds the files waiting to be imported.
const IMPORTS: &str = "insertion";

/// Where an import's file waits in the department's files while it is read (deleted once it
/// is written or given up).
pub fn file_key(id: i64) -> String {
    format!("{IMPORTS}/import-{id}.xml")
}

/// A file received, on disk under a temporary name, with its size and SHA-256.
pub struct Received {
    pub path: PathBuf,
    pub name: String,
    pub size: u64,
    pub hash: String,
    /// For a CSV or XLSX list: the mapping's version it is read with.
    pub mapping: Option<i64>,
}

/// A temporary place for a file being received.
pub fn receiving_path(platform: &Platform, slug: &Slug) -> PathBuf {
    crate::files::local_path(platform, slug, IMPORTS)
        .join(format!("receiving-{:016x}.part", rand::random::<u64>()))
}

/// Records an import of `file` in the officer's name, journaled; the file moves to its
/// place and the caller enqueues the preview.
pub async fn create(platform: &Platform, desk: &Desk<'_>, file: Received) -> anyhow::Result<i64> {
    let now = Utc::now();
    let txn = desk.tenant().db().begin_write().await?;
    let row = insertion_import::ActiveModel {
        requested_by: Set(desk.account().id),
        requested_by_name: Set(desk.account().display_name.clone()),
        file_name: Set(file.name.clone()),
        file_size: Set(i64::try_from(file.size).unwrap_or(i64::MAX)),
        file_hash: Set(file.hash.clone()),
        status: Set(ImportStatus::Queued),
        frequency: Set(None),
        created_on: Set(None),
        reference_on: Set(None),
        households_total: Set(None),
        households_read: Set(0),
        households_applied: Set(0),
        preview: Set(None),
        outcome: Set(None),
        error: Set(None),
        claim: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        confirmed_by: Set(None),
        confirmed_at: Set(None),
        finished_at: Set(None),
        mapping_id: Set(file.mapping),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let (slug, key) = (desk.tenant().slug(), file_key(row.id));
    tokio::fs::rename(&file.path, crate::files::local_path(platform, slug, &key)).await?;
    let entry = crate::staff::desk::event(
        desk.account(),
        "envoi d'un fichier de bénéficiaires du RSA",
        &format!(
            "import n° {} : « {} » ({} octets)",
            row.id, file.name, file.size
        ),
        super::FOLLOW_UP,
        None,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    if let Err(e) = txn.commit().await {
        remove_file(platform, slug, &key).await;
        return Err(e.into());
    }
    // Sent once committed: no write transaction waits while hundreds of megabytes go to a
    // bucket. Should it fail, the import's pass finds no file and says to send it again.
    if let Err(e) = crate::files::publish(platform, slug, &key).await {
        tracing::error!(%key, error = %e, "import file not sent to the file store");
    }
    crate::files::drop_working_copy(platform, slug, &key).await;
    Ok(row.id)
}

pub async fn find(tenant: &Tenant, id: i64) -> Result<Option<Import>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = insertion_import::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    Ok(row.map(Import::from))
}

/// The latest imports, newest first.
pub async fn latest(tenant: &Tenant, limit: u64) -> Result<Vec<Import>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = insertion_import::Entity::find()
        .order_by_desc(insertion_import::Column::Id)
        .limit(limit)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(Import::from).collect())
}

/// An earlier import of the same file that was written, if any.
pub async fn same_file_applied(tenant: &Tenant, import: &Import) -> Result<Option<Import>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = insertion_import::Entity::find()
        .filter(insertion_import::Column::FileHash.eq(import.file_hash.as_str()))
        .filter(insertion_import::Column::Status.eq(ImportStatus::Applied))
        .filter(insertion_import::Column::Id.ne(import.id))
        .order_by_desc(insertion_import::Column::Id)
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(row.map(Import::from))
}

/// Why a confirmation is refused, in French.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfirmError {
    #[error("cet import n'attend pas de confirmation (il est : {0})")]
    NotPreviewed(&'static str),
    #[error(
        "l'import n° {0} est en cours : attendez qu'il soit terminé, puis confirmez celui-ci (son aperçu sera refait)"
    )]
    AnotherRunning(i64),
    #[error(
        "un autre fichier a été importé depuis cet aperçu : l'aperçu est refait sur les données d'aujourd'hui ; confirmez quand il est prêt"
    )]
    Stale,
}

/// The officer confirms the preview: the writes are queued. Refused while another import is
/// being written; an import written since this preview sends it back to be previewed again.
pub async fn confirm(desk: &Desk<'_>, id: i64) -> Result<Result<(), ConfirmError>, DbErr> {
    let now = Utc::now();
    let txn = desk.tenant().db().begin_write().await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Two officers confirming at once: one after the other, so the second sees the first
        // (SQLite's write transactions are one at a time already).
        txn.execute_unprepared(
            "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.insertion_imports'))",
        )
        .await?;
    }
    let Some(row) = insertion_import::Entity::find_by_id(id).one(&txn).await? else {
        txn.commit().await?;
        return Ok(Err(ConfirmError::NotPreviewed("introuvable")));
    };
    if row.status != ImportStatus::Previewed {
        txn.commit().await?;
        return Ok(Err(ConfirmError::NotPreviewed(row.status.label())));
    }
    let busy = insertion_import::Entity::find()
        .filter(
            insertion_import::Column::Status
                .is_in([ImportStatus::Confirmed, ImportStatus::Applying]),
        )
        .one(&txn)
        .await?;
    if let Some(busy) = busy {
        txn.commit().await?;
        return Ok(Err(ConfirmError::AnotherRunning(busy.id)));
    }
    let written_since = insertion_import::Entity::find()
        .filter(insertion_import::Column::Status.eq(ImportStatus::Applied))
        .filter(insertion_import::Column::FinishedAt.gt(row.updated_at))
        .one(&txn)
        .await?;
    let (status, outcome) = match written_since {
        Some(_) => (ImportStatus::Queued, Err(ConfirmError::Stale)),
        None => (ImportStatus::Confirmed, Ok(())),
    };
    insertion_import::Entity::update_many()
        .col_expr(insertion_import::Column::Status, Expr::value(status))
        .col_expr(insertion_import::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            insertion_import::Column::ConfirmedBy,
            Expr::value(outcome.is_ok().then_some(desk.account().id)),
        )
        .col_expr(
            insertion_import::Column::ConfirmedAt,
            Expr::value(outcome.is_ok().then_some(now)),
        )
        .filter(insertion_import::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    if outcome.is_ok() {
        let entry = crate::staff::desk::event(
            desk.account(),
            "confirmation d'un import de bénéficiaires du RSA",
            &format!("import n° {id} : « {} »", row.file_name),
            super::FOLLOW_UP,
            None,
        );
        crate::audit::append_in(&txn, &[entry]).await?;
    }
    txn.commit().await?;
    Ok(outcome)
}

/// The officer gives up a previewed import: its file is deleted, nothing is written.
pub async fn cancel(platform: &Platform, desk: &Desk<'_>, id: i64) -> Result<bool, DbErr> {
    let txn = desk.tenant().db().begin_write().await?;
    let changed = insertion_import::Entity::update_many()
        .col_expr(
            insertion_import::Column::Status,
            Expr::value(ImportStatus::Cancelled),
        )
        .col_expr(insertion_import::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(
            insertion_import::Column::FinishedAt,
            Expr::value(Utc::now()),
        )
        .filter(insertion_import::Column::Id.eq(id))
        .filter(
            insertion_import::Column::Status.is_in([ImportStatus::Previewed, ImportStatus::Failed]),
        )
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if changed {
        let entry = crate::staff::desk::event(
            desk.account(),
            "abandon d'un import de bénéficiaires du RSA",
            &format!("import n° {id}"),
            super::FOLLOW_UP,
            None,
        );
        crate::audit::append_in(&txn, &[entry]).await?;
    }
    txn.commit().await?;
    if changed {
        remove_file(platform, desk.tenant().slug(), &file_key(id)).await;
    }
    Ok(changed)
}

/// Gives up the previews and refused files left for [`PREVIEW_KEPT_FOR`], deleting their
/// files (housekeeping); returns how many.
pub async fn give_up_stale(platform: &Platform, tenant: &Tenant) -> Result<u64, DbErr> {
    let before = Utc::now() - PREVIEW_KEPT_FOR;
    let txn = tenant.db().begin_write().await?;
    let stale: Vec<i64> = insertion_import::Entity::find()
        .select_only()
        .column(insertion_import::Column::Id)
        .filter(
            insertion_import::Column::Status.is_in([ImportStatus::Previewed, ImportStatus::Failed]),
        )
        .filter(insertion_import::Column::UpdatedAt.lt(before))
        .into_tuple()
        .all(&txn)
        .await?;
    insertion_import::Entity::update_many()
        .col_expr(
            insertion_import::Column::Status,
            Expr::value(ImportStatus::Cancelled),
        )
        .col_expr(
            insertion_import::Column::FinishedAt,
            Expr::value(Utc::now()),
        )
        .filter(insertion_import::Column::Id.is_in(stale.iter().copied()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    for id in &stale {
        remove_file(platform, tenant.slug(), &file_key(*id)).await;
    }
    Ok(stale.len() as u64)
}

async fn remove_file(platform: &Platform, slug: &Slug, key: &str) {
    if let Err(e) = crate::files::delete(platform, slug, key).await {
        tracing::warn!(%key, error = %e, "import file not removed");
    }
}

/// Runs the pass the import waits for. Safe to run twice: a second run finds it claimed or
/// done and does nothing; a run silent for [`STALE_AFTER`] is taken over, and a run taken
/// over writes nothing more (each holds its own claim).
pub async fn run(platform: &Platform, tenant: &Tenant, id: i64) -> anyhow::Result<()> {
    let claim = format!("{:016x}", rand::random::<u64>());
    let Some((row, pass)) = claim_pass(tenant, id, &claim).await? else {
        return Ok(());
    };
    let (slug, key) = (tenant.slug(), file_key(id));
    let done = match crate::files::working_copy(platform, slug, &key).await {
        Ok(path) => match pass {
            Pass::Preview => preview(tenant, &row, &claim, &path).await,
            Pass::Apply => apply(tenant, &row, &claim, &path).await,
        },
        Err(crate::files::Error::NotFound { .. }) => Err(RunError::File(
            "le fichier reçu n'est plus disponible : envoyez-le de nouveau".into(),
        )),
        Err(e) => Err(RunError::Other(e.into())),
    };
    // Each pass reads its own copy: none is left on an instance that will not read it again.
    crate::files::drop_working_copy(platform, slug, &key).await;
    match done {
        Ok(()) => {}
        Err(RunError::Lost) => {}
        Err(RunError::File(message)) => {
            fail(tenant, id, &claim, &message).await?;
            remove_file(platform, slug, &key).await;
        }
        Err(RunError::Other(e)) => {
            // The store or the disk failed: the pass is taken over later, from where its
            // last batch left it.
            tracing::warn!(tenant = %tenant.slug(), import = id, error = %e, "import pass failed");
            return Err(e);
        }
    }
    if let Some(import) = find(tenant, id).await?
        && matches!(import.status, ImportStatus::Applied)
    {
        remove_file(platform, slug, &key).await;
    }
    Ok(())
}

enum Pass {
    Preview,
    Apply,
}

enum RunError {
    /// Another run holds the import now.
    Lost,
    /// The file cannot be imported: why, in French.
    File(String),
    Other(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for RunError {
    fn from(e: E) -> Self {
        RunError::Other(e.into())
    }
}

async fn claim_pass(
    tenant: &Tenant,
    id: i64,
    claim: &str,
) -> Result<Option<(insertion_import::Model, Pass)>, DbErr> {
    let now = Utc::now();
    let stale = now - STALE_AFTER;
    let txn = tenant.db().begin_write().await?;
    let Some(row) = insertion_import::Entity::find_by_id(id).one(&txn).await? else {
        txn.commit().await?;
        return Ok(None);
    };
    let (from, to, pass) = match row.status {
        ImportStatus::Queued | ImportStatus::Previewing => (
            [ImportStatus::Queued, ImportStatus::Previewing],
            ImportStatus::Previewing,
            Pass::Preview,
        ),
        ImportStatus::Confirmed | ImportStatus::Applying => (
            [ImportStatus::Confirmed, ImportStatus::Applying],
            ImportStatus::Applying,
            Pass::Apply,
        ),
        _ => {
            txn.commit().await?;
            return Ok(None);
        }
    };
    let claimed = insertion_import::Entity::update_many()
        .col_expr(insertion_import::Column::Status, Expr::value(to))
        .col_expr(insertion_import::Column::Claim, Expr::value(claim))
        .col_expr(insertion_import::Column::UpdatedAt, Expr::value(now))
        .filter(insertion_import::Column::Id.eq(id))
        .filter(
            Condition::any()
                .add(insertion_import::Column::Status.eq(from[0]))
                .add(
                    Condition::all()
                        .add(insertion_import::Column::Status.eq(from[1]))
                        .add(insertion_import::Column::UpdatedAt.lt(stale)),
                ),
        )
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok((claimed == 1).then_some((row, pass)))
}

/// A file's households: a fund's XML file, or a list read with its mapping.
enum Households {
    Flux(Box<FluxReader<std::fs::File>>),
    List(super::lists::ListReader),
}

impl Households {
    fn header(&self) -> &super::flux::Header {
        match self {
            Households::Flux(reader) => &reader.header,
            Households::List(reader) => &reader.header,
        }
    }
}

impl Iterator for Households {
    type Item = Result<super::flux::Household, super::flux::FluxError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Households::Flux(reader) => reader.next(),
            Households::List(reader) => reader.next(),
        }
    }
}

/// Opens the file for a pass: its reader, or why it cannot be read.
async fn open(
    tenant: &Tenant,
    row: &insertion_import::Model,
    path: &Path,
) -> Result<Households, RunError> {
    if let Some(mapping) = row.mapping_id {
        let mapping = super::lists::find(tenant, mapping).await?.ok_or_else(|| {
            RunError::File("la correspondance de colonnes de cette liste n'existe plus".into())
        })?;
        let path = path.to_owned();
        let reader =
            tokio::task::block_in_place(|| super::lists::ListReader::open(&path, &mapping));
        return reader
            .map(Households::List)
            .map_err(|e| RunError::File(e.to_string()));
    }
    let file = std::fs::File::open(path).map_err(|e| {
        RunError::File(format!(
            "le fichier reçu n'est plus disponible ({e}) : envoyez-le de nouveau"
        ))
    })?;
    FluxReader::open(file)
        .map(|reader| Households::Flux(Box::new(reader)))
        .map_err(|e| RunError::File(e.to_string()))
}

/// Reads the whole file and records what it would do; writes nothing else.
async fn preview(
    tenant: &Tenant,
    row: &insertion_import::Model,
    claim: &str,
    path: &Path,
) -> Result<(), RunError> {
    let index = Index::load(tenant).await?;
    let mut reader = open(tenant, row, path).await?;
    let header = reader.header().clone();
    let mut seen = Seen::default();
    let mut found = Preview::default();
    let mut read = 0u64;
    // Reading is blocking work: done in slices, each off the async threads.
    loop {
        let slice: Vec<_> = tokio::task::block_in_place(|| {
            reader
                .by_ref()
                .take(PREVIEW_STEP as usize)
                .collect::<Vec<_>>()
        });
        if slice.is_empty() {
            break;
        }
        for block in slice {
            let household = match block {
                Ok(household) => household,
                Err(e) if e.row => {
                    if let Some((fund, matricule)) = &e.household {
                        seen.named_in_refused_block(&index, fund, matricule);
                    }
                    found.refused += 1;
                    note(&mut found, e.line, false, e.message);
                    read += 1;
                    continue;
                }
                Err(e) => return Err(RunError::File(e.to_string())),
            };
            read += 1;
            let hash = people::fingerprint(&household);
            match people::plan(&index, &mut seen, &household, &hash) {
                Plan::Steps(steps) => {
                    for step in steps {
                        match step {
                            people::Step::Create(..) => found.to_create += 1,
                            people::Step::Update { .. } => found.to_update += 1,
                            people::Step::Unchanged => found.unchanged += 1,
                        }
                    }
                }
                Plan::Conflict(why) => {
                    found.conflicts += 1;
                    note(&mut found, household.line, true, why);
                }
                Plan::Refused(why) => {
                    found.refused += 1;
                    note(&mut found, household.line, false, why);
                }
            }
        }
        progress(tenant, row.id, claim, |r| {
            r.households_read = Set(to_i64(read));
        })
        .await?;
    }
    found.households = read;
    if header.frequency == "M" {
        found.exits = people::exits_count(&index, &seen);
    }
    let preview = serde_json::to_string(&found).map_err(anyhow::Error::from)?;
    progress(tenant, row.id, claim, |r| {
        r.status = Set(ImportStatus::Previewed);
        r.frequency = Set(Some(header.frequency.clone()));
        r.created_on = Set(header.created_on);
        r.reference_on = Set(header.reference_on);
        r.households_total = Set(Some(to_i64(read)));
        r.households_read = Set(to_i64(read));
        r.preview = Set(Some(preview.clone()));
        r.claim = Set(None);
    })
    .await
}

fn note(found: &mut Preview, line: u64, conflict: bool, message: String) {
    if found.findings.len() < FINDINGS_SHOWN {
        found.findings.push(Finding {
            line,
            conflict,
            message,
        });
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Updates the import held by `claim` (its progress, and that the run is alive); fails with
/// [`RunError::Lost`] if another run took it over.
async fn progress(
    tenant: &Tenant,
    id: i64,
    claim: &str,
    set: impl FnOnce(&mut insertion_import::ActiveModel),
) -> Result<(), RunError> {
    let txn = tenant.db().begin_write().await?;
    let held = held_in(&txn, id, claim, set).await?;
    txn.commit().await?;
    if held { Ok(()) } else { Err(RunError::Lost) }
}

/// As [`progress`], in the caller's transaction.
async fn held_in(
    txn: &sea_orm::DatabaseTransaction,
    id: i64,
    claim: &str,
    set: impl FnOnce(&mut insertion_import::ActiveModel),
) -> Result<bool, DbErr> {
    let mut row = insertion_import::ActiveModel {
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    set(&mut row);
    let changed = insertion_import::Entity::update_many()
        .set(row)
        .filter(insertion_import::Column::Id.eq(id))
        .filter(insertion_import::Column::Claim.eq(claim))
        .exec(txn)
        .await?
        .rows_affected;
    Ok(changed == 1)
}

async fn fail(tenant: &Tenant, id: i64, claim: &str, message: &str) -> Result<(), DbErr> {
    let message = crate::audit::sentence(message);
    let txn = tenant.db().begin_write().await?;
    held_in(&txn, id, claim, |r| {
        r.status = Set(ImportStatus::Failed);
        r.error = Set(Some(message));
        r.finished_at = Set(Some(Utc::now()));
        r.claim = Set(None);
    })
    .await?;
    txn.commit().await
}

/// Writes the file, batch by batch; a resumed run skips the batches already committed.
async fn apply(
    tenant: &Tenant,
    row: &insertion_import::Model,
    claim: &str,
    path: &Path,
) -> Result<(), RunError> {
    let index = Index::load(tenant).await?;
    let mut reader = open(tenant, row, path).await?;
    let header = reader.header().clone();
    let facts = FileFacts {
        import_id: row.id,
        received_on: header
            .created_on
            .unwrap_or_else(|| row.created_at.date_naive()),
    };
    let actor = Actor::of(row);
    let mut pass = Writing {
        index,
        seen: Seen::default(),
        facts,
        // A resumed run goes on counting from what the dead one committed.
        written: row
            .outcome
            .as_deref()
            .and_then(|o| serde_json::from_str(o).ok())
            .unwrap_or_default(),
    };
    let already = count(row.households_applied);
    let mut done = 0u64;
    loop {
        let slice: Vec<_> =
            tokio::task::block_in_place(|| reader.by_ref().take(BATCH).collect::<Vec<_>>());
        if slice.is_empty() {
            break;
        }
        let txn = tenant.db().begin_write().await?;
        for block in slice {
            let household = match block {
                Ok(household) => household,
                Err(e) if e.row => {
                    if let Some((fund, matricule)) = &e.household {
                        pass.seen
                            .named_in_refused_block(&pass.index, fund, matricule);
                    }
                    done += 1;
                    continue;
                }
                Err(e) => {
                    drop(txn);
                    return Err(RunError::File(e.to_string()));
                }
            };
            done += 1;
            let hash = people::fingerprint(&household);
            let plan = pass.plan(&household, &hash);
            // Blocks a dead run committed are planned again (to know who is in the file),
            // not written again.
            if done <= already {
                continue;
            }
            if let Plan::Steps(steps) = plan {
                pass.write(&txn, &household, &hash, steps).await?;
            }
        }
        if done <= already {
            continue;
        }
        let journal = actor.entries(std::mem::take(&mut pass.written.citizens), row.id);
        crate::audit::append_in(&txn, &journal).await?;
        let outcome = serde_json::to_string(&pass.written).map_err(anyhow::Error::from)?;
        let held = held_in(&txn, row.id, claim, |r| {
            r.households_applied = Set(to_i64(done));
            r.outcome = Set(Some(outcome));
        })
        .await?;
        if !held {
            return Err(RunError::Lost);
        }
        txn.commit().await?;
    }
    let txn = tenant.db().begin_write().await?;
    if header.frequency == "M" {
        let left_on = header.reference_on.unwrap_or(facts.received_on);
        pass.write_exits(&txn, left_on).await?;
        let journal = actor.entries(std::mem::take(&mut pass.written.citizens), row.id);
        crate::audit::append_in(&txn, &journal).await?;
    }
    let outcome = serde_json::to_string(&pass.written).map_err(anyhow::Error::from)?;
    let held = held_in(&txn, row.id, claim, |r| {
        r.status = Set(ImportStatus::Applied);
        r.households_applied = Set(to_i64(done));
        r.outcome = Set(Some(outcome));
        r.finished_at = Set(Some(Utc::now()));
        r.claim = Set(None);
    })
    .await?;
    if !held {
        return Err(RunError::Lost);
    }
    txn.commit().await?;
    Ok(())
}

/// Who the writes are journaled for: the officer who confirmed.
struct Actor {
    id: Option<i64>,
    name: String,
}

impl Actor {
    fn of(row: &insertion_import::Model) -> Self {
        Self {
            id: row.confirmed_by.or(Some(row.requested_by)),
            name: row.requested_by_name.clone(),
        }
    }

    /// One entry in each written citizen's access journal.
    fn entries(&self, citizens: Vec<(i64, &'static str)>, import_id: i64) -> Vec<AuditEvent> {
        citizens
            .into_iter()
            .map(|(citizen_id, what)| AuditEvent {
                actor_id: self.id,
                actor_email: self.name.clone(),
                actor_role: crate::staff::Role::InsertionOrientation.id().to_owned(),
                action: match what {
                    "entry" => "ouverture de votre suivi RSA (fichier de la caisse d'allocations)",
                    "exit" => "fin de votre suivi RSA (absent du fichier de la caisse)",
                    _ => "mise à jour de votre suivi RSA (fichier de la caisse d'allocations)",
                }
                .to_owned(),
                subject: format!("import n° {import_id}"),
                reason: super::FOLLOW_UP.to_owned(),
                citizen_id: Some(citizen_id),
                module: tenants::Module::Insertion.id().to_owned(),
            })
            .collect()
    }
}
