//! The instructors' CSV export of the queue. A job writes it in batches to the department's file
//! store, recording its progress so the page can show it; memory stays flat whatever the size.
//!
//! The file is for a spreadsheet used in France: `;` between cells, decimal commas, UTF-8 with a
//! byte-order mark (so Excel reads the accents), and cells a spreadsheet would take for a
//! formula are defused. Only the staff member who asked can download it, and every download is
//! journaled — once for the staff member, and once in the access journal of each citizen whose
//! requests the file holds; files are deleted after [`KEPT_FOR`].

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use tenants::{Platform, Slug, Tenant};
use tokio::io::AsyncWriteExt as _;

use super::Desk;
use super::queue::{QueueFilter, filtered, is_open};
use crate::entity::{aid_request, citizen, decision, request_export};

/// Requests read and written per batch (and per progress update).
const BATCH: u64 = 1000;
/// A running export whose job gave no sign of life for this long is taken over.
const STALE_AFTER: Duration = Duration::seconds(60);
/// A queued export nobody picked up for this long is enqueued again (the first enqueue is
/// outside the transaction that created it, so it can be lost to a crash).
const UNCLAIMED_AFTER: Duration = Duration::seconds(30);
/// How long a finished file is kept.
pub const KEPT_FOR: Duration = Duration::hours(24);

/// The job that makes one export.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExportRequests {
    pub tenant: String,
    pub export_id: i64,
}

stored_enum! {
    /// Where an export stands.
    pub enum ExportStatus {
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
        /// Done, then deleted after [`KEPT_FOR`].
        Expired = "expired",
    }
}

impl ExportStatus {
    pub fn label(self) -> &'static str {
        match self {
            ExportStatus::Queued => "En attente de démarrage",
            ExportStatus::Running => "En cours",
            ExportStatus::Done => "Terminé",
            ExportStatus::Failed => "Échec",
            ExportStatus::Expired => "Fichier supprimé (conservé 24 heures)",
        }
    }

    pub fn finished(self) -> bool {
        matches!(
            self,
            ExportStatus::Done | ExportStatus::Failed | ExportStatus::Expired
        )
    }
}

/// An export as pages need it.
#[derive(Clone, Debug)]
pub struct Export {
    pub id: i64,
    pub requested_by: i64,
    pub status: ExportStatus,
    /// Matching requests when the export started (unknown before).
    pub total: Option<u64>,
    pub written: u64,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The citizens whose requests the finished file holds.
    pub citizen_ids: Vec<i64>,
    file_name: Option<String>,
}

impl Export {
    /// Whether its job seems lost and should be enqueued again.
    pub fn needs_new_job(&self, now: DateTime<Utc>) -> bool {
        match self.status {
            ExportStatus::Queued => now - self.created_at > UNCLAIMED_AFTER,
            ExportStatus::Running => now - self.updated_at > STALE_AFTER,
            _ => false,
        }
    }
}

impl TryFrom<request_export::Model> for Export {
    type Error = DbErr;

    fn try_from(m: request_export::Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: m.id,
            requested_by: m.requested_by,
            status: m.status,
            total: m.total.and_then(|t| u64::try_from(t).ok()),
            written: u64::try_from(m.written).unwrap_or(0),
            error: m.error,
            created_at: m.created_at,
            updated_at: m.updated_at,
            // Rows imported from before the column existed hold "".
            citizen_ids: serde_json::from_str(&m.citizen_ids).unwrap_or_default(),
            file_name: m.file_name,
        })
    }
}

/// The folder of the department's files that holds the exports.
const EXPORTS: &str = "exports";

/// Where exports are written before they are published ([`crate::files`]).
fn exports_dir(platform: &Platform, slug: &Slug) -> PathBuf {
    crate::files::local_path(platform, slug, EXPORTS)
}

/// Records an export of the queue as `filter` selects it, in the desk holder's name, journaled
/// with `described` (the queue's address); the caller enqueues the job.
pub async fn create(desk: &Desk<'_>, filter: &QueueFilter, described: &str) -> Result<i64, DbErr> {
    let staff_id = desk.account().id;
    let now = Utc::now();
    let txn = desk.tenant().db().begin_write().await?;
    let row = request_export::ActiveModel {
        requested_by: Set(staff_id),
        filter: Set(serde_json::to_string(&filter).map_err(|e| DbErr::Custom(e.to_string()))?),
        status: Set(ExportStatus::Queued),
        total: Set(None),
        written: Set(0),
        file_name: Set(None),
        error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        claim: Set(None),
        finished_at: Set(None),
        citizen_ids: Set("[]".to_owned()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = crate::staff::desk::event(
        desk.account(),
        "export CSV des demandes d'aide",
        &format!("export n° {} demandé ({described})", row.id),
        "instruction",
        None,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(row.id)
}

pub async fn find(desk: &Desk<'_>, id: i64) -> Result<Option<Export>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let row = request_export::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    row.map(Export::try_from).transpose()
}

/// The finished file of an export, if it is still kept.
pub fn file(export: &Export) -> Option<String> {
    match (export.status, &export.file_name) {
        (ExportStatus::Done, Some(name)) => Some(key_of(name)),
        _ => None,
    }
}

/// Where an export's file is in the department's files.
fn key_of(name: &str) -> String {
    format!("{EXPORTS}/{name}")
}

/// Makes the export. Safe to run twice: a second run finds the export claimed or finished and
/// does nothing; a run that died is taken over once it has been silent for [`STALE_AFTER`], and
/// a run taken over (stalled, not dead) writes nothing more: each run holds its own claim
/// token and its own temporary file.
pub async fn run(platform: &Platform, tenant: &Tenant, id: i64) -> anyhow::Result<()> {
    let now = Utc::now();
    let claim = format!("{:016x}", rand::random::<u64>());
    let txn = tenant.db().begin_write().await?;
    let claimed = request_export::Entity::update_many()
        .col_expr(
            request_export::Column::Status,
            Expr::value(ExportStatus::Running),
        )
        .col_expr(request_export::Column::Written, Expr::value(0))
        .col_expr(request_export::Column::UpdatedAt, Expr::value(now))
        .col_expr(request_export::Column::Claim, Expr::value(claim.as_str()))
        .filter(request_export::Column::Id.eq(id))
        .filter(
            Condition::any()
                .add(request_export::Column::Status.eq(ExportStatus::Queued))
                .add(
                    Condition::all()
                        .add(request_export::Column::Status.eq(ExportStatus::Running))
                        .add(request_export::Column::UpdatedAt.lt(now - STALE_AFTER)),
                ),
        )
        .exec(&txn)
        .await?
        .rows_affected;
    let row = request_export::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    let Some(row) = row.filter(|_| claimed == 1) else {
        return Ok(());
    };

    let dir = exports_dir(platform, tenant.slug());
    let part = dir.join(format!("export-{id}-{claim}.csv.part"));
    match write(platform, tenant, &row, &claim, &dir, &part).await {
        Ok((name, citizens)) => {
            let done = Done { name, citizens };
            finish(tenant, id, &claim, ExportStatus::Done, Some(done), None).await?;
            Ok(())
        }
        Err(e) => {
            tracing::warn!(tenant = %tenant.slug(), export = id, error = %e, "export failed");
            let _ = tokio::fs::remove_file(&part).await;
            finish(
                tenant,
                id,
                &claim,
                ExportStatus::Failed,
                None,
                Some(
                    "L'export n'a pas pu être terminé. Relancez-le ; si l'échec se répète, \
                      prévenez le service informatique.",
                ),
            )
            .await?;
            Ok(())
        }
    }
}

/// A complete file: its name, and whose requests it holds.
struct Done {
    name: String,
    citizens: BTreeSet<i64>,
}

/// Records the end of the run holding `claim` (a run taken over records nothing).
async fn finish(
    tenant: &Tenant,
    id: i64,
    claim: &str,
    status: ExportStatus,
    done: Option<Done>,
    error: Option<&str>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let (file_name, citizens) = match done {
        Some(Done { name, citizens }) => (Some(name), citizens),
        None => (None, BTreeSet::new()),
    };
    let citizens = serde_json::to_string(&citizens).map_err(|e| DbErr::Custom(e.to_string()))?;
    let txn = tenant.db().begin_write().await?;
    request_export::Entity::update_many()
        .col_expr(request_export::Column::Status, Expr::value(status.id()))
        .col_expr(request_export::Column::FileName, Expr::value(file_name))
        .col_expr(request_export::Column::CitizenIds, Expr::value(citizens))
        .col_expr(request_export::Column::Error, Expr::value(error))
        .col_expr(request_export::Column::UpdatedAt, Expr::value(now))
        .col_expr(request_export::Column::FinishedAt, Expr::value(now))
        .filter(request_export::Column::Id.eq(id))
        .filter(request_export::Column::Claim.eq(claim))
        .filter(request_export::Column::Status.eq(ExportStatus::Running))
        .exec(&txn)
        .await?;
    txn.commit().await
}

const HEADER: [&str; 13] = [
    "Référence",
    "Aide",
    "Nom",
    "Prénoms",
    "Adresse électronique",
    "Déposée le",
    "Échéance",
    "En retard",
    "Statut",
    "Agent",
    "Montant accordé (euros)",
    "Décidée le",
    "Motifs et commentaire",
];

/// Writes the CSV under a temporary name, then renames it: a file under its final name is
/// always complete. Returns the final name and whose requests it holds.
async fn write(
    platform: &Platform,
    tenant: &Tenant,
    row: &request_export::Model,
    claim: &str,
    dir: &std::path::Path,
    part: &std::path::Path,
) -> anyhow::Result<(String, BTreeSet<i64>)> {
    let filter: QueueFilter = serde_json::from_str(&row.filter)?;
    let today = Utc::now().date_naive();
    let condition = filtered(&filter, today);
    let staff_names: HashMap<i64, String> = crate::staff::list_accounts(platform, tenant)
        .await?
        .into_iter()
        .map(|a| (a.id, a.display_name))
        .collect();
    let aid_titles: HashMap<i64, String> = crate::aid_requests::catalogue::list(tenant, false)
        .await?
        .into_iter()
        .map(|a| (a.id, a.title))
        .collect();

    let txn = tenant.db().begin().await?;
    let total = aid_request::Entity::find()
        .filter(condition.clone())
        .count(&txn)
        .await?;
    txn.commit().await?;
    progress(tenant, row.id, claim, Some(total), 0).await?;

    tokio::fs::create_dir_all(dir).await?;
    let mut file = tokio::fs::File::create(part).await?;
    let mut head = csv_writer(b"\xEF\xBB\xBF".to_vec());
    head.write_record(HEADER)?;
    file.write_all(&head.into_inner()?).await?;

    let mut written = 0;
    let mut after = 0;
    let mut everyone = BTreeSet::new();
    loop {
        let txn = tenant.db().begin().await?;
        // By id, so a request changed during the export is neither skipped nor written twice.
        let requests = aid_request::Entity::find()
            .filter(condition.clone())
            .filter(aid_request::Column::Id.gt(after))
            .order_by_asc(aid_request::Column::Id)
            .limit(BATCH)
            .all(&txn)
            .await?;
        let Some(last) = requests.last() else {
            txn.commit().await?;
            break;
        };
        after = last.id;
        let citizen_ids: Vec<i64> = requests.iter().map(|r| r.citizen_id).collect();
        everyone.extend(citizen_ids.iter().copied());
        let citizens: HashMap<i64, citizen::Model> = citizen::Entity::find()
            .filter(citizen::Column::Id.is_in(citizen_ids))
            .all(&txn)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let request_ids: Vec<i64> = requests.iter().map(|r| r.id).collect();
        let decisions: HashMap<i64, decision::Model> = decision::Entity::find()
            .filter(decision::Column::RequestId.is_in(request_ids))
            .all(&txn)
            .await?
            .into_iter()
            .map(|d| (d.request_id, d))
            .collect();
        txn.commit().await?;

        let mut out = csv_writer(Vec::with_capacity(256 * requests.len()));
        for request in &requests {
            let person = citizens.get(&request.citizen_id);
            let decided = decisions.get(&request.id);
            let status = request.status;
            let overdue = is_open(status) && request.due_on.is_some_and(|d| d < today);
            out.write_record([
                cell(request.reference.as_deref().unwrap_or_default()),
                cell(aid_titles.get(&request.aid_id).map_or("", String::as_str)),
                cell(person.map_or("", |p| p.family_name.as_str())),
                cell(person.map_or("", |p| p.given_name.as_str())),
                cell(person.map_or("", |p| p.email.as_str())),
                date(request.submitted_at.map(|t| t.date_naive())),
                date(request.due_on),
                (if overdue { "oui" } else { "non" }).to_owned(),
                cell(status.staff_label()),
                cell(
                    request
                        .assignee_id
                        .and_then(|id| staff_names.get(&id))
                        .map_or("", String::as_str),
                ),
                decided
                    .and_then(|d| d.amount_cents)
                    .map_or_else(String::new, spreadsheet_euros),
                date(decided.map(|d| d.decided_at.date_naive())),
                decided.map_or_else(String::new, reasons_and_comment),
            ])?;
        }
        file.write_all(&out.into_inner()?).await?;
        written += requests.len() as u64;
        progress(tenant, row.id, claim, Some(total.max(written)), written).await?;
    }
    file.sync_all().await?;
    drop(file);
    let name = format!("export-{}.csv", row.id);
    tokio::fs::rename(part, dir.join(&name)).await?;
    let published = crate::files::publish(platform, tenant.slug(), &key_of(&name)).await;
    // Sent or not, the copy goes: a failed export is made again from the start.
    crate::files::drop_working_copy(platform, tenant.slug(), &key_of(&name)).await;
    published?;
    Ok((name, everyone))
}

/// Records how far the export got, and that its run is alive; fails if the run lost its claim.
async fn progress(
    tenant: &Tenant,
    id: i64,
    claim: &str,
    total: Option<u64>,
    written: u64,
) -> anyhow::Result<()> {
    let to_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let txn = tenant.db().begin_write().await?;
    let updated = request_export::Entity::update_many()
        .col_expr(
            request_export::Column::Total,
            Expr::value(total.map(to_i64)),
        )
        .col_expr(
            request_export::Column::Written,
            Expr::value(to_i64(written)),
        )
        .col_expr(request_export::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(request_export::Column::Id.eq(id))
        .filter(request_export::Column::Claim.eq(claim))
        .filter(request_export::Column::Status.eq(ExportStatus::Running))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    if updated != 1 {
        anyhow::bail!("export {id} is no longer running");
    }
    Ok(())
}

fn csv_writer(buffer: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(buffer)
}

/// A text cell. A spreadsheet runs a cell starting with `=`, `+`, `-`, `@` (or a tab or
/// carriage return before one) as a formula: such cells get a leading apostrophe, which
/// spreadsheets show as plain text.
fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

fn date(day: Option<NaiveDate>) -> String {
    day.map_or_else(String::new, |d| d.format("%d/%m/%Y").to_string())
}

/// `1234,50`: a number a French spreadsheet reads as such (no currency sign, no grouping).
fn spreadsheet_euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{},{:02}", cents / 100, cents % 100)
}

fn reasons_and_comment(d: &decision::Model) -> String {
    let mut parts: Vec<String> = serde_json::from_str(&d.reasons).unwrap_or_default();
    if !d.comment.trim().is_empty() {
        parts.push(d.comment.trim().to_owned());
    }
    cell(&parts.join(" ; "))
}

/// Deletes the files of exports finished more than [`KEPT_FOR`] ago; returns how many.
pub async fn purge_expired(platform: &Platform, tenant: &Tenant) -> anyhow::Result<u64> {
    let cutoff = Utc::now() - KEPT_FOR;
    let txn = tenant.db().begin().await?;
    let old = request_export::Entity::find()
        .filter(request_export::Column::Status.eq(ExportStatus::Done))
        .filter(request_export::Column::FinishedAt.lt(cutoff))
        .all(&txn)
        .await?;
    txn.commit().await?;
    let mut purged = 0;
    for export in old {
        if let Some(name) = &export.file_name {
            crate::files::delete(platform, tenant.slug(), &key_of(name)).await?;
        }
        let txn = tenant.db().begin_write().await?;
        request_export::Entity::update_many()
            .col_expr(
                request_export::Column::Status,
                Expr::value(ExportStatus::Expired),
            )
            .col_expr(
                request_export::Column::FileName,
                Expr::value(None::<String>),
            )
            .filter(request_export::Column::Id.eq(export.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        purged += 1;
    }
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_defused() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(cell("+33 6"), "'+33 6");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Dupont-Martin"), "Dupont-Martin");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn amounts_are_numbers_for_a_french_spreadsheet() {
        assert_eq!(spreadsheet_euros(123_450), "1234,50");
        assert_eq!(spreadsheet_euros(5), "0,05");
        assert_eq!(spreadsheet_euros(-1_000), "-10,00");
    }
}
