//! The instructors' side: the queue of filed requests (filters, sort, pages, counts), one
//! request with its citizen, and assignment with a conflict check.

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    FromQueryResult, JoinType, Order, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    RelationDef, Select, Statement,
    sea_query::{Alias, Expr, ExprTrait, Query, UnionType},
};
use serde::{Deserialize, Serialize};
use tenants::Tenant;

pub use crate::listing::Total;

use super::Desk;
use super::filing::{AidRequest, Status, record_event};
use crate::entity::{aid_request, citizen};
use crate::listing;
use crate::search::holds_word;

/// Rows per page of the queue.
pub const PAGE_SIZE: u64 = 50;

/// Where a row stands in the queue's order: the sorted column and, where it may repeat, the
/// request's id. A page is read from a row's key, never by skipping rows (`OFFSET` reads every
/// row it skips). Keys of one sort compare as the store orders them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Due(NaiveDate, i64),
    Filed(DateTime<Utc>, i64),
    /// References are unique.
    Reference(String),
}

impl SortKey {
    /// As an address carries it (`2026-12-01~123`).
    pub fn encode(&self) -> String {
        match self {
            SortKey::Due(date, id) => format!("{date}~{id}"),
            SortKey::Filed(at, id) => {
                format!("{}~{id}", at.to_rfc3339_opts(SecondsFormat::Nanos, true))
            }
            SortKey::Reference(reference) => reference.clone(),
        }
    }

    /// A key written by [`SortKey::encode`] for `sort`; `None` for anything else.
    pub fn parse(sort: Sort, raw: &str) -> Option<Self> {
        let with_id = || {
            let (value, id) = raw.rsplit_once('~')?;
            Some((value, id.parse::<i64>().ok()?))
        };
        match sort {
            Sort::DueDate => {
                let (date, id) = with_id()?;
                Some(SortKey::Due(date.parse().ok()?, id))
            }
            Sort::Filed => {
                let (at, id) = with_id()?;
                let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
                Some(SortKey::Filed(at, id))
            }
            Sort::Reference => {
                let fits = !raw.is_empty()
                    && raw.len() <= 40
                    && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                fits.then(|| SortKey::Reference(raw.to_owned()))
            }
        }
    }

    fn sort(&self) -> Sort {
        match self {
            SortKey::Due(..) => Sort::DueDate,
            SortKey::Filed(..) => Sort::Filed,
            SortKey::Reference(_) => Sort::Reference,
        }
    }
}

impl listing::Position for SortKey {
    fn columns_and_values(&self) -> (Vec<Expr>, Vec<Expr>) {
        use aid_request::Column as C;
        match self {
            // Qualified: the rows' query joins the citizens, who have an `id` too.
            SortKey::Due(date, id) => (
                vec![
                    Expr::col((aid_request::Entity, C::DueOn)),
                    Expr::col((aid_request::Entity, C::Id)),
                ],
                vec![Expr::value(*date), Expr::value(*id)],
            ),
            SortKey::Filed(at, id) => (
                vec![
                    Expr::col((aid_request::Entity, C::SubmittedAt)),
                    Expr::col((aid_request::Entity, C::Id)),
                ],
                vec![Expr::value(*at), Expr::value(*id)],
            ),
            SortKey::Reference(reference) => (
                vec![Expr::col((aid_request::Entity, C::Reference))],
                vec![Expr::value(reference.clone())],
            ),
        }
    }

    /// Newest filed first; the others up.
    fn ascending(&self) -> bool {
        !matches!(self, SortKey::Filed(..))
    }
}

/// Which page of the queue.
pub type PageAt = listing::PageAt<SortKey>;

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
    pub total: Total,
    /// Filed requests by status (whatever the filter).
    pub counts: Vec<(Status, u64)>,
    pub overdue: u64,
}

/// One page of the queue and the counts that go with it.
#[derive(Clone, Debug)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    /// Requests matching the filter, all pages together.
    pub total: Total,
    /// Filed requests by status (whatever the filter).
    pub counts: Vec<(Status, u64)>,
    pub overdue: u64,
    /// Where the page before starts reading backwards (its first row's key), if any.
    pub previous: Option<SortKey>,
    /// Where the page after starts (this page's last row's key), if any.
    pub next: Option<SortKey>,
}

/// Whether a request in this status still waits for the department.
pub fn is_open(status: Status) -> bool {
    matches!(status, Status::Submitted | Status::InfoRequested)
}

fn open_statuses() -> Vec<Status> {
    vec![Status::Submitted, Status::InfoRequested]
}

/// The statuses a filter keeps: those chosen, narrowed to the open ones by a deadline or the
/// citizens' replies (which only open requests have); `None` for every filed request.
fn statuses(filter: &QueueFilter) -> Option<Vec<Status>> {
    let only_open = filter.replied || filter.deadline != Deadline::Any;
    match (filter.status.is_empty(), only_open) {
        (true, false) => None,
        (true, true) => Some(open_statuses()),
        (false, false) => Some(filter.status.clone()),
        (false, true) => Some(
            filter
                .status
                .iter()
                .copied()
                .filter(|s| is_open(*s))
                .collect(),
        ),
    }
}

/// The filter's conditions but its statuses.
fn narrowed(filter: &QueueFilter, today: NaiveDate) -> Condition {
    let mut condition = Condition::all();
    if !filter.search.is_empty() {
        condition = condition.add(searched(&filter.search));
    }
    if filter.replied {
        condition = condition.add(aid_request::Column::CitizenRepliedAt.is_not_null());
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
        Deadline::Overdue => condition.add(aid_request::Column::DueOn.lt(today)),
        Deadline::Soon => condition
            .add(aid_request::Column::DueOn.gte(today))
            .add(aid_request::Column::DueOn.lte(soon_until(today))),
    }
}

pub(crate) fn filtered(filter: &QueueFilter, today: NaiveDate) -> Condition {
    let statuses = match statuses(filter) {
        None => aid_request::Column::Status.ne(Status::Draft),
        Some(kept) => aid_request::Column::Status.is_in(kept),
    };
    Condition::all().add(statuses).add(narrowed(filter, today))
}

/// The filter as the pages read it: one branch per status when it keeps several, each read in
/// order from the `(status, due_on)` index (one order walked for all of them would skip every
/// request in another status first: most of a department's history, for the open ones).
fn branches(filter: &QueueFilter, today: NaiveDate) -> Vec<Condition> {
    match statuses(filter) {
        Some(kept) if kept.len() > 1 => kept
            .into_iter()
            .map(|status| {
                Condition::all()
                    .add(aid_request::Column::Status.eq(status))
                    .add(narrowed(filter, today))
            })
            .collect(),
        _ => vec![filtered(filter, today)],
    }
}

/// The last day « bientôt » covers.
fn soon_until(today: NaiveDate) -> NaiveDate {
    today + Duration::days(7)
}

#[derive(Debug, FromQueryResult)]
struct StatusCount {
    status: String,
    /// `NULL` for a sum of no row.
    count: Option<i64>,
}

fn to_u64(n: Option<i64>) -> u64 {
    n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0)
}

/// The queue's counts for `filter`, without a row of it: what a supervisor sees.
pub async fn figures(tenant: &Tenant, filter: &QueueFilter) -> Result<QueueFigures, DbErr> {
    let txn = tenant.db().begin().await?;
    let figures = count(&txn, filter, Utc::now().date_naive()).await?;
    txn.commit().await?;
    Ok(figures)
}

/// The sum of a count table's `count`, as a BIGINT (PostgreSQL sums BIGINTs as NUMERIC).
fn summed() -> Expr {
    Expr::col(Alias::new("count"))
        .sum()
        .cast_as(Alias::new("BIGINT"))
}

/// Open requests due between two dates (either end open), from the counts by due date.
async fn open_due(
    txn: &DatabaseTransaction,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> Result<u64, DbErr> {
    let mut query = Query::select();
    query
        .expr_as(summed(), Alias::new("total"))
        .from(Alias::new("open_request_due_counts"));
    if let Some(from) = from {
        query.and_where(Expr::col(Alias::new("due_on")).gte(from));
    }
    if let Some(until) = until {
        query.and_where(Expr::col(Alias::new("due_on")).lte(until));
    }
    listing::read_total(txn, &query).await
}

/// Requests of an aid and an agent (either or both) in the given statuses, from the counts by
/// aid, agent and status.
async fn counted_by(
    txn: &DatabaseTransaction,
    filter: &QueueFilter,
    statuses: &[Status],
) -> Result<u64, DbErr> {
    let mut query = Query::select();
    query
        .expr_as(summed(), Alias::new("total"))
        .from(Alias::new("request_counts"))
        .and_where(
            Expr::col(Alias::new("status")).is_in(statuses.iter().map(|s| s.id().to_owned())),
        );
    if let Some(aid_id) = filter.aid_id {
        query.and_where(Expr::col(Alias::new("aid_id")).eq(aid_id));
    }
    match filter.assignee {
        Assignee::Anyone => {}
        Assignee::Nobody => {
            query.and_where(Expr::col(Alias::new("assignee_id")).eq(0));
        }
        Assignee::Staff(id) => {
            query.and_where(Expr::col(Alias::new("assignee_id")).eq(id));
        }
    }
    listing::read_total(txn, &query).await
}

/// Requests matching `filter`, counted up to [`listing::COUNTED_UP_TO`]: what no kept count
/// answers (a search, the citizens' replies, a deadline with an aid…).
async fn counted_up_to(
    txn: &DatabaseTransaction,
    filter: &QueueFilter,
    today: NaiveDate,
) -> Result<Total, DbErr> {
    listing::count_up_to(
        txn,
        aid_request::Entity::find().filter(filtered(filter, today)),
    )
    .await
}

/// Marks the overdue count's row among the counts by status (no status has this id).
const OVERDUE_ROW: &str = "overdue";

async fn count(
    txn: &DatabaseTransaction,
    filter: &QueueFilter,
    today: NaiveDate,
) -> Result<QueueFigures, DbErr> {
    // Sums over the counts by aid, agent and status that triggers keep (tenant migration
    // m0042): no count over every request of the department for each page. The overdue ones
    // (from the counts by due date) come in the same statement, as one more row.
    let mut counted = Query::select();
    counted
        .column(Alias::new("status"))
        .expr_as(summed(), Alias::new("count"))
        .from(Alias::new("request_counts"))
        .group_by_col(Alias::new("status"));
    let mut overdue_row = Query::select();
    overdue_row
        .expr_as(Expr::val(OVERDUE_ROW), Alias::new("status"))
        .expr_as(summed(), Alias::new("count"))
        .from(Alias::new("open_request_due_counts"))
        .and_where(Expr::col(Alias::new("due_on")).lt(today));
    counted.union(UnionType::All, overdue_row);
    let rows = StatusCount::find_by_statement(txn.get_database_backend().build(&counted))
        .all(txn)
        .await?;
    let row_of = |id: &str| to_u64(rows.iter().find(|c| c.status == id).and_then(|c| c.count));
    let counts: Vec<(Status, u64)> = Status::ALL
        .into_iter()
        .filter(|s| *s != Status::Draft)
        .map(|s| (s, row_of(s.id())))
        .collect();
    let overdue = row_of(OVERDUE_ROW);
    let total = total(txn, filter, today, &counts, overdue).await?;
    Ok(QueueFigures {
        total,
        counts,
        overdue,
    })
}

/// The filter's total: from the kept counts wherever they answer it, counted up to a bound
/// where they do not.
async fn total(
    txn: &DatabaseTransaction,
    filter: &QueueFilter,
    today: NaiveDate,
    counts: &[(Status, u64)],
    overdue: u64,
) -> Result<Total, DbErr> {
    let statuses: Vec<Status> = if filter.status.is_empty() {
        counts.iter().map(|(s, _)| *s).collect()
    } else {
        filter.status.clone()
    };
    let beyond_counts = !filter.search.is_empty() || filter.replied;
    let by_who = filter.aid_id.is_some() || filter.assignee != Assignee::Anyone;
    // The counts by due date are of every open request: they answer a deadline only with no
    // other narrowing than statuses that take in every open one.
    let every_open = open_statuses().iter().all(|s| statuses.contains(s));
    Ok(match filter.deadline {
        _ if beyond_counts => counted_up_to(txn, filter, today).await?,
        Deadline::Any if by_who => Total::Exact(counted_by(txn, filter, &statuses).await?),
        Deadline::Any => Total::Exact(
            counts
                .iter()
                .filter(|(s, _)| statuses.contains(s))
                .map(|(_, n)| n)
                .sum(),
        ),
        Deadline::Overdue if !by_who && every_open => Total::Exact(overdue),
        Deadline::Soon if !by_who && every_open => {
            Total::Exact(open_due(txn, Some(today), Some(soon_until(today))).await?)
        }
        Deadline::Overdue | Deadline::Soon => counted_up_to(txn, filter, today).await?,
    })
}

/// The columns a row of the queue shows.
#[derive(Debug, FromQueryResult)]
struct Listed {
    id: i64,
    reference: Option<String>,
    aid_id: i64,
    status: Status,
    submitted_at: Option<DateTime<Utc>>,
    due_on: Option<NaiveDate>,
    assignee_id: Option<i64>,
    citizen_replied_at: Option<DateTime<Utc>>,
    family_name: String,
    given_name: String,
}

impl Listed {
    /// Where this row stands in `sort`'s order. Filed requests always have a due date, a
    /// filing time and a reference (`filing::submit` writes the three at once).
    fn key(&self, sort: Sort) -> SortKey {
        match sort {
            Sort::DueDate => SortKey::Due(self.due_on.unwrap_or_default(), self.id),
            Sort::Filed => SortKey::Filed(self.submitted_at.unwrap_or_default(), self.id),
            Sort::Reference => SortKey::Reference(self.reference.clone().unwrap_or_default()),
        }
    }
}

/// The queue's branches (see [`branches`]), their rows' columns and their citizens' names
/// selected, not yet ordered. Filed requests always have a due date, a filing time and a
/// reference (`filing::submit` writes the three at once); saying so lets the store start past
/// the drafts' empty ones.
fn rows_queries(filter: &QueueFilter, today: NaiveDate) -> Vec<Select<aid_request::Entity>> {
    use aid_request::Column as C;
    let sorted_on = match filter.sort {
        Sort::DueDate => C::DueOn,
        Sort::Filed => C::SubmittedAt,
        Sort::Reference => C::Reference,
    };
    let filed_by: RelationDef = aid_request::Entity::belongs_to(citizen::Entity)
        .from(C::CitizenId)
        .to(citizen::Column::Id)
        .into();
    branches(filter, today)
        .into_iter()
        .map(|condition| {
            aid_request::Entity::find()
                .select_only()
                .columns([
                    C::Id,
                    C::Reference,
                    C::AidId,
                    C::Status,
                    C::SubmittedAt,
                    C::DueOn,
                    C::AssigneeId,
                    C::CitizenRepliedAt,
                ])
                // Only the names: a citizen's row holds far more than the page shows. An
                // inner join loses no request: each one's citizen is a foreign key.
                .column(citizen::Column::FamilyName)
                .column(citizen::Column::GivenName)
                .join(JoinType::InnerJoin, filed_by.clone())
                .filter(condition)
                .filter(sorted_on.is_not_null())
        })
        .collect()
}

/// Sorts the queue in `sort`'s order (`Order::Asc`) or its reverse (`Order::Desc`).
fn sorted(
    sort: Sort,
) -> impl Fn(Select<aid_request::Entity>, Order) -> Select<aid_request::Entity> {
    use aid_request::Column as C;
    move |query, direction| {
        let (up, down) = match direction {
            Order::Desc => (Order::Desc, Order::Asc),
            _ => (Order::Asc, Order::Desc),
        };
        match sort {
            Sort::DueDate => query.order_by(C::DueOn, up.clone()).order_by(C::Id, up),
            Sort::Filed => query
                .order_by(C::SubmittedAt, down.clone())
                .order_by(C::Id, down),
            Sort::Reference => query.order_by(C::Reference, up),
        }
    }
}

/// The statements that read a page's rows (one per branch), as the store receives them: for
/// the benches, which show their plans (`EXPLAIN`).
pub fn rows_statements(backend: DbBackend, filter: &QueueFilter, at: &PageAt) -> Vec<Statement> {
    let today = Utc::now().date_naive();
    rows_queries(filter, today)
        .into_iter()
        .map(|query| {
            let query = listing::query_from(query, sorted(filter.sort), at, PAGE_SIZE);
            backend.build(&query.into_query())
        })
        .collect()
}

/// A page of the queue, from `at`.
pub async fn queue(desk: &Desk<'_>, filter: &QueueFilter, at: &PageAt) -> Result<QueuePage, DbErr> {
    let today = Utc::now().date_naive();
    let txn = desk.tenant().db().begin().await?;
    let QueueFigures {
        total,
        counts,
        overdue,
    } = count(&txn, filter, today).await?;
    // A position in another order (an address edited by hand) starts from the top.
    let first = PageAt::First;
    let at = match at {
        PageAt::After(key) | PageAt::Before(key) if key.sort() != filter.sort => &first,
        at => at,
    };
    let page = listing::read(
        &txn,
        rows_queries(filter, today),
        sorted(filter.sort),
        |row: &Listed| row.key(filter.sort),
        at,
        PAGE_SIZE,
    )
    .await?;
    txn.commit().await?;
    let rows = page
        .rows
        .into_iter()
        .map(|r| {
            let status = r.status;
            QueueRow {
                id: r.id,
                reference: r.reference.unwrap_or_default(),
                aid_id: r.aid_id,
                citizen_name: format!("{} {}", r.family_name, r.given_name),
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
        previous: page.previous,
        next: page.next,
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
