//! Computations an administrator asks for (« Recalculer maintenant »): run by a job, not in
//! the request, and followed step by step on the statistics' page like a CSV export, since a
//! large department's takes a while. One at a time per department: asking again while one is
//! under way follows that one.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use tenants::{Platform, Tenant};

use crate::entity::statistics_run;

stored_enum! {
    /// Where a computation stands.
    pub enum RunStatus {
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
}

impl RunStatus {
    pub fn finished(self) -> bool {
        matches!(self, RunStatus::Done | RunStatus::Failed)
    }
}

/// A computation silent for this long (queued and not picked up, or between two steps) was
/// lost to a restart: its page enqueues it again (computing twice replaces the same figures).
const LOST_AFTER: Duration = Duration::seconds(60);

/// The job that runs one computation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ComputeDepartment {
    pub tenant: String,
    pub run: i64,
    pub threshold: u64,
}

/// The computation under way, else a new one asked for by `staff_id`; `true` when new.
pub async fn start(tenant: &Tenant, staff_id: i64) -> Result<(statistics_run::Model, bool), DbErr> {
    if let Some(run) = latest(tenant).await?
        && !run.status.finished()
    {
        return Ok((run, false));
    }
    let now = Utc::now();
    let txn = tenant.db().begin_write().await?;
    let run = statistics_run::ActiveModel {
        status: Set(RunStatus::Queued),
        steps_done: Set(0),
        steps_total: Set(i32::try_from(super::indicators::steps(tenant)).unwrap_or(i32::MAX)),
        figures: Set(None),
        error: Set(None),
        requested_by: Set(staff_id),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok((run, true))
}

/// The department's last computation asked for, if any.
pub async fn latest(tenant: &Tenant) -> Result<Option<statistics_run::Model>, DbErr> {
    let txn = tenant.db().begin().await?;
    let run = statistics_run::Entity::find()
        .order_by_desc(statistics_run::Column::Id)
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(run)
}

/// Whether `run` looks lost and wants its job enqueued again.
pub fn is_lost(run: &statistics_run::Model, now: DateTime<Utc>) -> bool {
    !run.status.finished() && now - run.updated_at > LOST_AFTER
}

async fn update(
    tenant: &Tenant,
    id: i64,
    change: impl FnOnce(&mut statistics_run::ActiveModel),
) -> Result<(), DbErr> {
    let txn = tenant.db().begin_write().await?;
    let mut row = statistics_run::ActiveModel {
        id: sea_orm::Unchanged(id),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    change(&mut row);
    row.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Records that computation `id` has done `step` steps.
pub async fn step_done(tenant: &Tenant, id: i64, step: usize) -> Result<(), DbErr> {
    let step = i32::try_from(step).unwrap_or(i32::MAX);
    update(tenant, id, |row| row.steps_done = Set(step)).await
}

/// Runs computation `id` as of `today`: the figures and the returns step by step, then the
/// sharing where the department agreed. A failure is kept on the run, said in French.
pub async fn run(
    platform: &Platform,
    tenant: &Tenant,
    id: i64,
    today: NaiveDate,
    threshold: u64,
) -> Result<(), DbErr> {
    let exists = {
        let txn = tenant.db().begin().await?;
        let run = statistics_run::Entity::find_by_id(id)
            .filter(statistics_run::Column::Status.ne(RunStatus::Done))
            .one(&txn)
            .await?;
        txn.commit().await?;
        run.is_some()
    };
    if !exists {
        return Ok(());
    }
    update(tenant, id, |row| {
        row.status = Set(RunStatus::Running);
        row.steps_done = Set(0);
    })
    .await?;
    let computed = super::indicators::compute_reporting(tenant, today, Some(id)).await;
    let outcome = match computed {
        Ok(figures) => super::comparison::share(platform, tenant, threshold)
            .await
            .map(|_| figures),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(figures) => {
            update(tenant, id, |row| {
                row.status = Set(RunStatus::Done);
                row.figures = Set(Some(i64::try_from(figures).unwrap_or(i64::MAX)));
                row.finished_at = Set(Some(Utc::now()));
            })
            .await
        }
        Err(e) => {
            tracing::error!(tenant = %tenant.slug(), run = id, error = %e, "statistics run failed");
            update(tenant, id, |row| {
                row.status = Set(RunStatus::Failed);
                row.error = Set(Some(
                    "Le calcul a échoué sur une erreur de la base de données : relancez-le ; si l'échec se répète, signalez-le à l'exploitant de la plateforme.".into(),
                ));
                row.finished_at = Set(Some(Utc::now()));
            })
            .await
        }
    }
}
