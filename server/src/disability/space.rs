//! Disability files as the other parts see them (see `citizens::file`): the person's space
//! lists them among their requests, reception's alerts name those waiting for pieces, and the
//! wider access knows when a file is open. Also the supervisor's figures, counts only
//! (`figures` for the delays and decisions).

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, Select, Statement,
};
use tenants::Tenant;

use super::files::{File, Status};
use crate::citizens::file::{FileLine, Files, WholeRequest};
use crate::entity::disability_file;
use crate::modules::Figures;

/// Where the person follows their files.
pub const PATH: &str = "/mon-espace/mdph";

/// What every file is called in the lists of other parts.
pub const TITLE: &str = "Demande à la MDPH";

pub const FILES: Files = Files {
    // Nothing of the aid catalogue: a consent names aids; a mandate names the MDPH's request
    // as a whole (`whole_request`).
    kinds: |_, _| Box::pin(async { Ok(Vec::new()) }),
    of_citizen: |tenant, citizen_id| {
        Box::pin(lines(
            tenant,
            disability_file::Entity::find()
                .filter(disability_file::Column::CitizenId.eq(citizen_id))
                .order_by_desc(disability_file::Column::UpdatedAt),
        ))
    },
    under_mandate: |tenant, mandate_id| {
        Box::pin(lines(
            tenant,
            disability_file::Entity::find()
                .filter(disability_file::Column::MandateId.eq(mandate_id))
                .order_by_asc(disability_file::Column::Id),
        ))
    },
    waiting_since: |tenant, limit| Box::pin(waiting_since(tenant, limit)),
    citizen_path: |id| format!("{PATH}/{id}"),
    has_open_case: |tenant, citizen_id| Box::pin(has_open_case(tenant, citizen_id)),
    whole_request: Some(WholeRequest {
        slug: "mdph",
        title: TITLE,
        scope: "la demande à la maison départementale des personnes handicapées (MDPH)",
        start_path: |mandate| format!("{MANDATE_PATH}/{mandate}/mdph"),
        draft_path: |mandate, file| format!("{MANDATE_PATH}/{mandate}/mdph/{file}/etape/1"),
    }),
    drafts: Some(super::retention::DRAFTS.id),
};

/// Where reception files under a mandate (`user_relations`' pages).
pub const MANDATE_PATH: &str = "/agents/mandats";

async fn lines(
    tenant: &Tenant,
    query: Select<disability_file::Entity>,
) -> Result<Vec<FileLine>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = query.all(&txn).await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(File::from_row).map(line).collect())
}

fn line(file: File) -> FileLine {
    let status = file.status();
    FileLine {
        id: file.id(),
        citizen_id: file.row.citizen_id,
        title: TITLE.into(),
        reference: (status != Status::Draft).then(|| file.reference()),
        status: status.label().into(),
        draft: status == Status::Draft,
        filed_at: file.row.filed_at,
        changed_at: file.row.updated_at,
        waiting_since: file
            .row
            .pieces_asked_at
            .filter(|_| status == Status::WaitingPieces)
            .map(crate::dates::day_of),
    }
}

/// Files waiting for pieces asked on `limit` or before.
async fn waiting_since(tenant: &Tenant, limit: NaiveDate) -> Result<Vec<FileLine>, DbErr> {
    let waiting = lines(
        tenant,
        disability_file::Entity::find()
            .filter(disability_file::Column::Status.eq(Status::WaitingPieces.id()))
            .order_by_asc(disability_file::Column::Id),
    )
    .await?;
    Ok(waiting
        .into_iter()
        .filter(|f| f.waiting_since.is_some_and(|since| since <= limit))
        .collect())
}

/// A file filed and not yet decided.
async fn has_open_case(tenant: &Tenant, citizen_id: i64) -> Result<bool, DbErr> {
    let txn = tenant.db().begin().await?;
    let open = disability_file::Entity::find()
        .filter(disability_file::Column::CitizenId.eq(citizen_id))
        .filter(disability_file::Column::Status.is_in([
            Status::Filed.id(),
            Status::WaitingPieces.id(),
            Status::Complete.id(),
        ]))
        .count(&txn)
        .await?;
    txn.commit().await?;
    Ok(open > 0)
}

/// Files by stage, for the supervisor (no names) and reception's tabs: kept up to date by
/// triggers (tenant migration m0044), so a page reads a few rows whatever the department's
/// size (counting its 200,000 files was most of a page, `docs/BENCHMARKS.md`).
pub async fn counts(tenant: &Tenant) -> Result<Vec<(Status, u64)>, DbErr> {
    #[derive(FromQueryResult)]
    struct Kept {
        status: String,
        count: i64,
    }
    let txn = tenant.db().begin().await?;
    let kept = Kept::find_by_statement(Statement::from_string(
        txn.get_database_backend(),
        "SELECT status, count FROM disability_status_counts",
    ))
    .all(&txn)
    .await?;
    txn.commit().await?;
    Ok(Status::ALL
        .into_iter()
        .filter(|s| *s != Status::Draft)
        .map(|status| {
            let n = kept
                .iter()
                .find(|k| k.status == status.id())
                .map_or(0, |k| u64::try_from(k.count).unwrap_or(0));
            (status, n)
        })
        .collect())
}

/// The module page's figures: the files by stage, then the delays and decisions
/// (`figures`).
pub async fn figure_lines(tenant: &Tenant) -> Figures {
    let mut lines: Vec<(String, String)> = counts(tenant)
        .await?
        .into_iter()
        .map(|(status, n)| (format!("Demandes — {}", status.label()), n.to_string()))
        .collect();
    lines.extend(super::figures::lines(tenant, crate::dates::today()).await?);
    Ok(lines)
}
