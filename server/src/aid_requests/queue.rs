//! The instructors' side: the queue of filed requests (filters, sort, pages, counts), one
//! request with its citizen, and assignment with a conflict check.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
    sea_query::{Expr, ExprTrait, Query},
};
use serde::{Deserialize, Serialize};
use tenants::Tenant;

use super::Desk;
use super::filing::{AidRequest, Status, record_event};
use crate::entity::{aid_request, citizen};
use crate::search::holds_word;

/// Rows per page of the queue.
pub const PAGE_SIZE: u64 = 50;

/// How the queue is narrowed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueFilter {
    /// Any of these; all when empty.
    #[serde(default, deserialize_with = "one_or_many")]
    pub status: Vec<Status>,
    pub aid_id: Option<i64>,
    pub assignee: Assignee,
    pub deadline: Deadline,
    pub sort: Sort,
    /// Words each found in the reference or the citizen's names (see `parse_search`).
    #[serde(default)]
    pub search: Vec<String>,
    /// Only requests the citizen answered since the instructor last asked.
    #[serde(default)]
    pub replied: bool,
    /// 1-based.
    pub page: u64,
}

/// Exports recorded before `status` became a list held one status or none.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Status>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<Status>),
        One(Option<Status>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::Many(all) => all,
        OneOrMany::One(one) => one.into_iter().collect(),
    })
}

/// Each word must be in the reference, the family name or a given name, whatever the case.
fn searched(words: &[String]) -> Condition {
    words.iter().fold(Condition::all(), |all, word| {
        let names = Query::select()
            .column(citizen::Column::Id)
            .from(citizen::Entity)
            .cond_where(
                Condition::any()
                    .add(holds_word(Expr::col(citizen::Column::FamilyName), word))
                    .add(holds_word(Expr::col(citizen::Column::GivenName), word)),
            )
            .to_owned();
        all.add(
            Condition::any()
                .add(holds_word(Expr::col(aid_request::Column::Reference), word))
                .add(aid_request::Column::CitizenId.in_subquery(names)),
        )
    })
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Assignee {
    #[default]
    Anyone,
    Nobody,
    Staff(i64),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Deadline {
    #[default]
    Any,
    Overdue,
    /// Due within the next 7 days.
    Soon,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    /// Soonest due first (the default: what must be done first).
    #[default]
    DueDate,
    /// Newest filed first.
    Filed,
    Reference,
}

/// A row of the queue.
#[derive(Clone, Debug)]
pub struct QueueRow {
    pub id: i64,
    pub reference: String,
    pub aid_id: i64,
    pub citizen_name: String,
    pub submitted_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub status: Status,
    pub assignee_id: Option<i64>,
    pub overdue: bool,
    /// The citizen answered and the instructor has not asked again nor decided.
    pub replied: bool,
}

/// The queue's counts.
#[derive(Clone, Debug)]
pub struct QueueFigures {
    /// Requests matching the filter, all pages together.
    pub total: u64,
    /// Filed requests by status (whatever the filter).
    pub counts: Vec<(Status, u64)>,
    pub overdue: u64,
}

/// One page of the queue and the counts that go with it.
#[derive(Clone, Debug)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    /// Requests matching the filter, all pages together.
    pub total: u64,
    /// Filed requests by status (whatever the filter).
    pub counts: Vec<(Status, u64)>,
    pub overdue: u64,
}

/// Whether a request in this status still waits for the department.
pub fn is_open(status: Status) -> bool {
    matches!(status, Status::Submitted | Status::InfoRequested)
}

fn open_statuses() -> Vec<Status> {
    vec![Status::Submitted, Status::InfoRequested]
}

pub(crate) fn filtered(filter: &QueueFilter, today: NaiveDate) -> Condition {
    let mut condition = Condition::all().add(aid_request::Column::Status.ne(Status::Draft));
    if !filter.status.is_empty() {
        condition = condition.add(aid_request::Column::Status.is_in(filter.status.clone()));
    }
    if !filter.search.is_empty() {
        condition = condition.add(searched(&filter.search));
    }
    if filter.replied {
        condition = condition
            .add(aid_request::Column::CitizenRepliedAt.is_not_null())
            .add(aid_request::Column::Status.is_in(open_statuses()));
    }
    if let Some(aid_id) = filter.aid_id {
        condition = condition.add(aid_request::Column::AidId.eq(aid_id));
    }
    condition = match filter.assignee {
        Assignee::Anyone => condition,
        Assignee::Nobody => condition.add(aid_request::Column::AssigneeId.is_null()),
        Assignee::Staff(id) => condition.add(aid_request::Column::AssigneeId.eq(id)),
    };
    match filter.deadline {
        Deadline::Any => condition,
        Deadline::Overdue => condition
            .add(aid_request::Column::Status.is_in(open_statuses()))
            .add(aid_request::Column::DueOn.lt(today)),
        Deadline::Soon => condition
            .add(aid_request::Column::Status.is_in(open_statuses()))
            .add(aid_request::Column::DueOn.gte(today))
            .add(aid_request::Column::DueOn.lte(today + Duration::days(7))),
    }
}

#[derive(Debug, FromQueryResult)]
struct StatusCount {
    status: String,
    count: i64,
}

/// The queue's counts for `filter`, without a row of it: what a supervisor sees.
pub async fn figures(tenant: &Tenant, filter: &QueueFilter) -> Result<QueueFigures, DbErr> {
    let txn = tenant.db().begin().await?;
    let figures = count(&txn, filter, Utc::now().date_naive()).await?;
    txn.commit().await?;
    Ok(figures)
}

async fn count(
    txn: &DatabaseTransaction,
    filter: &QueueFilter,
    today: NaiveDate,
) -> Result<QueueFigures, DbErr> {
    // Kept up to date by triggers (see the tenant migration m0008): no count over every
    // request of the department for each page.
    let counts = StatusCount::find_by_statement(Statement::from_string(
        txn.get_database_backend(),
        "SELECT status, count FROM request_status_counts",
    ))
    .all(txn)
    .await?;
    let overdue = aid_request::Entity::find()
        .filter(aid_request::Column::Status.is_in(open_statuses()))
        .filter(aid_request::Column::DueOn.lt(today))
        .count(txn)
        .await?;
    // Narrowed by status alone (or not at all), the total is already counted.
    let total = if filter.aid_id.is_none()
        && filter.search.is_empty()
        && !filter.replied
        && filter.assignee == Assignee::Anyone
        && filter.deadline == Deadline::Any
    {
        counts
            .iter()
            .filter(|c| c.status != Status::Draft.id())
            .filter(|c| {
                filter.status.is_empty() || filter.status.iter().any(|s| s.id() == c.status)
            })
            .map(|c| u64::try_from(c.count).unwrap_or(0))
            .sum()
    } else {
        aid_request::Entity::find()
            .filter(filtered(filter, today))
            .count(txn)
            .await?
    };
    let counts = Status::ALL
        .into_iter()
        .filter(|s| *s != Status::Draft)
        .map(|s| {
            let n = counts
                .iter()
                .find(|c| c.status == s.id())
                .map_or(0, |c| u64::try_from(c.count).unwrap_or(0));
            (s, n)
        })
        .collect();
    Ok(QueueFigures {
        total,
        counts,
        overdue,
    })
}

/// A page of the queue.
pub async fn queue(desk: &Desk<'_>, filter: &QueueFilter) -> Result<QueuePage, DbErr> {
    let today = Utc::now().date_naive();
    let txn = desk.tenant().db().begin().await?;
    let QueueFigures {
        total,
        counts,
        overdue,
    } = count(&txn, filter, today).await?;
    let condition = filtered(filter, today);
    let mut query = aid_request::Entity::find().filter(condition);
    query = match filter.sort {
        Sort::DueDate => query
            .order_by_asc(aid_request::Column::DueOn)
            .order_by_asc(aid_request::Column::Id),
        Sort::Filed => query
            .order_by_desc(aid_request::Column::SubmittedAt)
            .order_by_desc(aid_request::Column::Id),
        Sort::Reference => query.order_by_asc(aid_request::Column::Reference),
    };
    let page = std::cmp::max(filter.page, 1);
    let rows = query
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(&txn)
        .await?;
    let citizen_ids: Vec<i64> = rows.iter().map(|r| r.citizen_id).collect();
    let names: HashMap<i64, String> = citizen::Entity::find()
        .filter(citizen::Column::Id.is_in(citizen_ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.id, format!("{} {}", c.family_name, c.given_name)))
        .collect();
    txn.commit().await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let status = r.status;
            QueueRow {
                id: r.id,
                reference: r.reference.unwrap_or_default(),
                aid_id: r.aid_id,
                citizen_name: names.get(&r.citizen_id).cloned().unwrap_or_default(),
                submitted_on: r.submitted_at.map(|t| t.date_naive()),
                due_on: r.due_on,
                status,
                assignee_id: r.assignee_id,
                overdue: is_open(status) && r.due_on.is_some_and(|d| d < today),
                replied: is_open(status) && r.citizen_replied_at.is_some(),
            }
        })
        .collect();
    Ok(QueuePage {
        rows,
        total,
        counts,
        overdue,
    })
}

/// The request an instructor takes up after `current`: the open one waiting for the department
/// that is due first, theirs or no one's yet.
pub async fn next_to_instruct(
    desk: &Desk<'_>,
    me: i64,
    current: i64,
) -> Result<Option<i64>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let next = aid_request::Entity::find()
        .filter(aid_request::Column::Status.eq(Status::Submitted))
        .filter(aid_request::Column::Id.ne(current))
        .filter(
            Condition::any()
                .add(aid_request::Column::AssigneeId.eq(me))
                .add(aid_request::Column::AssigneeId.is_null()),
        )
        .order_by_asc(aid_request::Column::DueOn)
        .order_by_asc(aid_request::Column::Id)
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(next.map(|r| r.id))
}

/// A filed request, for staff (drafts are the citizen's own business).
pub async fn find_filed(desk: &Desk<'_>, id: i64) -> Result<Option<AidRequest>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let row = aid_request::Entity::find_by_id(id)
        .filter(aid_request::Column::Status.ne(Status::Draft))
        .one(&txn)
        .await?;
    txn.commit().await?;
    row.map(AidRequest::try_from).transpose()
}

/// Why an instructor's change was not made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("request not found")]
    NotFound,
    /// Someone changed the request since the page was shown.
    #[error("changed meanwhile")]
    Conflict,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Assigns a request (to nobody with `None`), if it is still at `expected_version`; journaled
/// in the desk holder's name with the change.
pub async fn assign(
    desk: &Desk<'_>,
    id: i64,
    expected_version: i32,
    assignee: Option<(i64, &str)>,
) -> Result<(), ChangeError> {
    let txn = desk.tenant().db().begin_write().await?;
    let updated = aid_request::Entity::update_many()
        .col_expr(
            aid_request::Column::AssigneeId,
            Expr::value(assignee.map(|(id, _)| id)),
        )
        .col_expr(
            aid_request::Column::Version,
            Expr::col(aid_request::Column::Version).add(1),
        )
        .col_expr(aid_request::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(aid_request::Column::Id.eq(id))
        .filter(aid_request::Column::Status.ne(Status::Draft))
        .filter(aid_request::Column::Version.eq(expected_version))
        .exec(&txn)
        .await?
        .rows_affected;
    let row = aid_request::Entity::find_by_id(id)
        .filter(aid_request::Column::Status.ne(Status::Draft))
        .one(&txn)
        .await?;
    let row = match (updated, row) {
        (1, Some(row)) => row,
        (_, Some(_)) => return Err(ChangeError::Conflict),
        (_, None) => return Err(ChangeError::NotFound),
    };
    let detail = match assignee {
        Some((_, name)) => format!("Attribuée à {name}"),
        None => "Remise dans la file, sans agent".to_owned(),
    };
    let actor = format!("staff:{}", desk.account().id);
    record_event(&txn, id, "assigned", &actor, &detail).await?;
    let journal = desk.file_event(
        row.citizen_id,
        "attribution d'une demande d'aide à un instructeur",
        &format!("demande {}", row.reference.unwrap_or_default()),
        "instruction de votre demande",
    );
    crate::audit::append_in(&txn, &[journal]).await?;
    txn.commit().await?;
    Ok(())
}
