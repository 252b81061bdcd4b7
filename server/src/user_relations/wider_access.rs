//! The wider access: the one named way for a worker of another module to read a citizen's whole
//! record, for a while, for a reason the citizen reads. Kept in the store so that the citizen
//! and a supervisor see the open ones and a supervisor can end one; every use re-checks it
//! (see `http::access::record_access`).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Select, Set,
};
use tenants::{Module, Tenant};

use crate::audit::{self, AuditEvent};
use crate::entity::wider_access;
use crate::staff::StaffAccount;

/// How long a wider access lasts.
pub const MINUTES: i64 = 30;

/// A wider access, open or over.
#[derive(Clone, Debug)]
pub struct Grant {
    pub id: i64,
    pub citizen_id: i64,
    pub staff_id: i64,
    pub staff_name: String,
    pub module: Module,
    pub reason: String,
    pub granted_at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by: Option<String>,
}

impl Grant {
    fn of(row: wider_access::Model) -> Option<Self> {
        Some(Self {
            id: row.id,
            citizen_id: row.citizen_id,
            staff_id: row.staff_id,
            staff_name: row.staff_name,
            module: Module::parse(&row.module).ok()?,
            reason: row.reason,
            granted_at: row.granted_at,
            until: row.until,
            ended_at: row.ended_at,
            ended_by: row.ended_by,
        })
    }

    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.ended_at.is_none() && self.until > now
    }
}

/// The grants `select` finds, read in the tenant's store.
async fn grants(
    tenant: &Tenant,
    select: Select<wider_access::Entity>,
) -> Result<Vec<Grant>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = select.all(&txn).await?;
    txn.commit().await?;
    Ok(rows.into_iter().filter_map(Grant::of).collect())
}

/// Opens a wider access for `staff` from `module` to `citizen_id`'s record, with `journal`
/// (its entry in the citizen's journal) in the same transaction; an earlier one of theirs to
/// the same record ends.
pub async fn open(
    tenant: &Tenant,
    staff: &StaffAccount,
    (module, citizen_id): (Module, i64),
    reason: &str,
    journal: AuditEvent,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let txn = tenant.db().begin_write().await?;
    wider_access::Entity::update_many()
        .col_expr(wider_access::Column::EndedAt, Expr::value(now))
        .col_expr(wider_access::Column::EndedBy, Expr::value("remplacé"))
        .filter(wider_access::Column::StaffId.eq(staff.id))
        .filter(wider_access::Column::CitizenId.eq(citizen_id))
        .filter(wider_access::Column::EndedAt.is_null())
        .exec(&txn)
        .await?;
    wider_access::ActiveModel {
        citizen_id: Set(citizen_id),
        staff_id: Set(staff.id),
        staff_name: Set(staff.display_name.clone()),
        module: Set(module.id().to_owned()),
        reason: Set(reason.to_owned()),
        granted_at: Set(now),
        until: Set(now + Duration::minutes(MINUTES)),
        ended_at: Set(None),
        ended_by: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append_in(&txn, &[journal]).await?;
    txn.commit().await
}

/// `staff_id`'s open wider access to `citizen_id`'s record, if any.
pub async fn live(tenant: &Tenant, staff_id: i64, citizen_id: i64) -> Result<Option<Grant>, DbErr> {
    let now = Utc::now();
    let select = wider_access::Entity::find()
        .filter(wider_access::Column::StaffId.eq(staff_id))
        .filter(wider_access::Column::CitizenId.eq(citizen_id))
        .filter(wider_access::Column::EndedAt.is_null())
        .filter(wider_access::Column::Until.gt(now));
    Ok(grants(tenant, select).await?.into_iter().next())
}

/// Every open wider access of the department, the oldest first (a supervisor's list).
pub async fn all_live(tenant: &Tenant) -> Result<Vec<Grant>, DbErr> {
    let select = wider_access::Entity::find()
        .filter(wider_access::Column::EndedAt.is_null())
        .filter(wider_access::Column::Until.gt(Utc::now()))
        .order_by_asc(wider_access::Column::GrantedAt);
    grants(tenant, select).await
}

/// Every wider access to the citizen's record, open or over, the newest first.
pub async fn of_citizen(tenant: &Tenant, citizen_id: i64) -> Result<Vec<Grant>, DbErr> {
    let select = wider_access::Entity::find()
        .filter(wider_access::Column::CitizenId.eq(citizen_id))
        .order_by_desc(wider_access::Column::GrantedAt);
    grants(tenant, select).await
}

/// Ends an open wider access now, in `by`'s name, with `journal` built from it (an entry in the
/// citizen's journal) in the same transaction. `None` if it is not open (over, or unknown).
pub async fn end(
    tenant: &Tenant,
    id: i64,
    by: &StaffAccount,
    journal: impl FnOnce(&Grant) -> AuditEvent,
) -> Result<Option<Grant>, DbErr> {
    let now = Utc::now();
    let txn = tenant.db().begin_write().await?;
    let Some(grant) = wider_access::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .and_then(Grant::of)
        .filter(|g| g.is_live(now))
    else {
        return Ok(None);
    };
    // Conditional: two supervisors ending it at once end it once.
    let ended = wider_access::Entity::update_many()
        .col_expr(wider_access::Column::EndedAt, Expr::value(now))
        .col_expr(
            wider_access::Column::EndedBy,
            Expr::value(by.display_name.clone()),
        )
        .filter(wider_access::Column::Id.eq(id))
        .filter(wider_access::Column::EndedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if ended != 1 {
        return Ok(None);
    }
    audit::append_in(&txn, &[journal(&grant)]).await?;
    txn.commit().await?;
    Ok(Some(grant))
}
