//! Metrics for the platform's operators, in Prometheus' text format, on a listener of their own
//! (`serve --metrics-addr`), never on the public address.
//!
//! - Requests, recorded as they are served: [`REQUEST_DURATION`] by route template, method and
//!   status (a histogram, whose `_count` counts the requests), and [`BY_DEPARTMENT`].
//! - Read from the stores at each scrape: jobs waiting by queue and the oldest one's wait, mail
//!   waiting per department, open sessions, the platform store's connections.
//! - Recorded where they happen: jobs run by type and outcome and their durations
//!   (`JobMetricsLayer`, in `jobs::worker!`), calls to national services by path and status
//!   (`NATIONAL_CALLS`, in the API Particulier client).
//!
//! Until [`recorder`] is installed (no `--metrics-addr`), recording a metric does nothing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tenants::{Engine, Platform, Tenant};
use tracing::Instrument as _;

use crate::entity::{session, staff_account};
use crate::http::TenantCtx;

/// Seconds to serve a request, by `route` (its template: `/agents/demandes/{id}`), `method`
/// and `status`.
pub const REQUEST_DURATION: &str = "guichet_http_request_duration_seconds";
/// Requests served for each `department`.
pub const BY_DEPARTMENT: &str = "guichet_http_requests_by_department_total";

/// Pages answer in milliseconds, exports and letters in seconds.
const BUCKETS: [f64; 12] = [
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A job takes from milliseconds (a reminder) to minutes (a fund's file, a department's
/// statistics).
const JOB_BUCKETS: [f64; 10] = [0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0];

static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);

/// The process's recorder, installed on first call.
pub fn recorder() -> anyhow::Result<PrometheusHandle> {
    let mut installed = HANDLE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(handle) = installed.as_ref() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.to_owned()), &BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(JOB_DURATION.to_owned()), &JOB_BUCKETS)?
        .install_recorder()?;
    *installed = Some(handle.clone());
    Ok(handle)
}

/// A route layer: records each routed request's duration under its route template (a handful
/// of series per route, whatever the ids in the address).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "inconnue".to_owned(), |p| p.as_str().to_owned());
    // Any other method would make a series of its own.
    let method: &'static str = match *req.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "autre",
    };
    let department = req
        .extensions()
        .get::<TenantCtx>()
        .map(|ctx| ctx.tenant.slug().to_string());
    // The request's span: in the log's context, and the trace's root when traces are sent.
    let span = tracing::info_span!(
        "request",
        otel.name = %format_args!("{method} {route}"),
        otel.kind = "server",
        http.request.method = method,
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
        department = department.as_deref().unwrap_or(""),
    );
    crate::telemetry::continue_trace(&span, req.headers());
    let started = Instant::now();
    let response = next.run(req).instrument(span.clone()).await;
    span.record("http.response.status_code", response.status().as_u16());
    let status = response.status().as_u16().to_string();
    metrics::histogram!(REQUEST_DURATION, "route" => route, "method" => method, "status" => status)
        .record(started.elapsed());
    if let Some(department) = department {
        metrics::counter!(BY_DEPARTMENT, "department" => department).increment(1);
    }
    response
}

/// The metrics listener's routes: `GET /metrics`.
pub fn router(platform: Platform, handle: PrometheusHandle) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .with_state((platform, handle))
}

async fn scrape(State((platform, handle)): State<(Platform, PrometheusHandle)>) -> Response {
    // A store that does not answer leaves its gauges as last read; the scrape still answers.
    if let Err(e) = read_stores(&platform).await {
        tracing::warn!(error = %e, "metrics: a store did not answer");
    }
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// Open sessions of staff (`agent`) and citizens (`usager`) by department, read from each
/// session's holder; every department is set, zero included, so one whose sessions all ended
/// does not keep its last count. Anonymous sessions (a form before sign-in) are in
/// `guichet_sessions` only.
async fn sessions_by_department(platform: &Platform, tenants: &[Tenant]) -> anyhow::Result<()> {
    use sea_orm::QuerySelect as _;
    let holders: Vec<Option<String>> = session::Entity::find()
        .select_only()
        .column(session::Column::Holder)
        .filter(session::Column::ExpiresAt.gt(chrono::Utc::now().timestamp()))
        .into_tuple()
        .all(platform.db())
        .await?;
    let staff_departments: HashMap<i64, i64> = staff_account::Entity::find()
        .select_only()
        .columns([staff_account::Column::Id, staff_account::Column::TenantId])
        .into_tuple()
        .all(platform.db())
        .await?
        .into_iter()
        .collect();
    let mut counts: HashMap<(i64, &str), u64> = HashMap::new();
    for holder in holders.iter().flatten() {
        let mut parts = holder.split(':');
        let department = match (parts.next(), parts.next()) {
            (Some("staff"), Some(id)) => id
                .parse()
                .ok()
                .and_then(|id: i64| staff_departments.get(&id).copied())
                .map(|tenant| (tenant, "agent")),
            (Some("citizen"), Some(tenant)) => tenant.parse().ok().map(|t| (t, "usager")),
            _ => None,
        };
        if let Some(key) = department {
            *counts.entry(key).or_default() += 1;
        }
    }
    for tenant in tenants {
        for kind in ["agent", "usager"] {
            let open = counts.get(&(tenant.id(), kind)).copied().unwrap_or(0);
            metrics::gauge!(
                "guichet_sessions_by_department",
                "department" => tenant.slug().to_string(),
                "kind" => kind
            )
            .set(open as f64);
        }
    }
    Ok(())
}

async fn read_stores(platform: &Platform) -> anyhow::Result<()> {
    let mut by_queue: std::collections::BTreeMap<String, (i64, Option<i64>)> =
        std::collections::BTreeMap::new();
    for WaitingJobs {
        queue,
        department,
        waiting,
        oldest,
    } in waiting_jobs(platform).await?
    {
        let total = by_queue.entry(queue.clone()).or_default();
        total.0 += waiting;
        total.1 = match (total.1, oldest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if !department.is_empty() {
            metrics::gauge!(
                "guichet_jobs_waiting_by_department",
                "queue" => queue,
                "department" => department
            )
            .set(waiting as f64);
        }
    }
    for (queue, (waiting, oldest)) in by_queue {
        let wait = oldest.map_or(0.0, |at| {
            (chrono::Utc::now().timestamp() - at).max(0) as f64
        });
        metrics::gauge!("guichet_jobs_waiting", "queue" => queue.clone()).set(waiting as f64);
        metrics::gauge!("guichet_jobs_oldest_wait_seconds", "queue" => queue).set(wait);
    }
    let tenants = platform.list_tenants().await?;
    for tenant in &tenants {
        let waiting = crate::mail::pending_count(tenant).await?;
        metrics::gauge!("guichet_mail_waiting", "department" => tenant.slug().to_string())
            .set(waiting as f64);
    }
    let sessions = session::Entity::find()
        .filter(session::Column::ExpiresAt.gt(chrono::Utc::now().timestamp()))
        .count(platform.db())
        .await?;
    metrics::gauge!("guichet_sessions").set(sessions as f64);
    sessions_by_department(platform, &tenants).await?;
    let (size, idle) = match platform.engine() {
        Engine::Sqlite => {
            let pool = platform.db().get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        Engine::Postgres { .. } => {
            let pool = platform.db().get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
    };
    let busy = (size as usize).saturating_sub(idle);
    metrics::gauge!("guichet_store_connections", "state" => "busy").set(busy as f64);
    metrics::gauge!("guichet_store_connections", "state" => "idle").set(idle as f64);
    Ok(())
}

/// Jobs of one queue and one department (`tenant` in the job's arguments; empty for the
/// platform's own jobs): how many wait to run now, and since when (Unix seconds) the oldest
/// does.
struct WaitingJobs {
    queue: String,
    department: String,
    waiting: i64,
    oldest: Option<i64>,
}

/// Each queue and department that holds jobs. Finished jobs are kept a week
/// (`jobs::FINISHED_JOBS_KEPT`), so a queue that emptied still reads 0. A department's jobs name
/// it as `tenant` (every per-department job does); the queue tables keep a job's arguments as
/// JSON in bytes.
async fn waiting_jobs(platform: &Platform) -> anyhow::Result<Vec<WaitingJobs>> {
    let rows: Vec<(String, String, i64, Option<i64>)> = match platform.engine() {
        Engine::Sqlite => {
            sea_orm::sqlx::query_as(
                "SELECT job_type AS queue, \
                 COALESCE(json_extract(CAST(job AS TEXT), '$.tenant'), '') AS department, \
                 COALESCE(SUM(status IN ('Pending', 'Queued') AND run_at <= ?1), 0) AS waiting, \
                 MIN(CASE WHEN status IN ('Pending', 'Queued') AND run_at <= ?1 THEN run_at END) \
                   AS oldest \
                 FROM Jobs GROUP BY 1, 2",
            )
            .bind(chrono::Utc::now().timestamp())
            .fetch_all(platform.db().get_sqlite_connection_pool())
            .await?
        }
        Engine::Postgres { .. } => {
            sea_orm::sqlx::query_as(
                "SELECT job_type AS queue, \
                 COALESCE(convert_from(job, 'UTF8')::jsonb->>'tenant', '') AS department, \
                 COUNT(*) FILTER (WHERE status IN ('Pending', 'Queued') AND run_at <= now()) \
                   AS waiting, \
                 EXTRACT(EPOCH FROM MIN(run_at) \
                   FILTER (WHERE status IN ('Pending', 'Queued') AND run_at <= now()))::bigint \
                   AS oldest \
                 FROM apalis.jobs GROUP BY 1, 2",
            )
            .fetch_all(platform.db().get_postgres_connection_pool())
            .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(|(queue, department, waiting, oldest)| WaitingJobs {
            queue,
            department,
            waiting,
            oldest,
        })
        .collect())
}

/// Calls to national services, by `api`, `path` and `status` (the HTTP status; `delai` when it
/// did not answer in time, `reseau` when it could not be reached). A 429 is the quota spent.
pub const NATIONAL_CALLS: &str = "guichet_national_api_calls_total";

/// Jobs run, by `queue` (the job's type, as the queue tables name it) and `outcome` (`reussi`,
/// `echoue`: a failed run is tried again while it has attempts left, so retries show as failed
/// runs followed by more runs).
pub const JOBS_RUN: &str = "guichet_jobs_run_total";
/// Seconds a job's run took, by `queue`.
pub const JOB_DURATION: &str = "guichet_job_duration_seconds";
/// Jobs run for a department, by `queue`, `department` (the job's `tenant`) and `outcome`:
/// whose imports or exports fail. Platform jobs (schedules) have no department and are not in
/// it.
pub const JOBS_RUN_BY_DEPARTMENT: &str = "guichet_jobs_run_by_department_total";

/// A worker layer (`jobs::worker!`): counts and times each job its worker runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct JobMetricsLayer;

impl<S> tower::Layer<S> for JobMetricsLayer {
    type Service = JobMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        JobMetrics { inner }
    }
}

#[derive(Clone, Debug)]
pub struct JobMetrics<S> {
    inner: S,
}

impl<S, Args> tower::Service<apalis_core::task::Task<Args>> for JobMetrics<S>
where
    S: tower::Service<apalis_core::task::Task<Args>>,
    Args: serde::Serialize,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = JobRun<S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, job: apalis_core::task::Task<Args>) -> Self::Future {
        // The queue tables' `job_type`, so that runs and waiting jobs read alike.
        let queue = std::any::type_name::<Args>();
        // Every department's job carries its `tenant`, as the queue tables' JSON shows it.
        let department = serde_json::to_value(&job.args).ok().and_then(|args| {
            args.get("tenant")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        });
        let span = tracing::info_span!(
            "job",
            otel.name = queue.rsplit("::").next().unwrap_or(queue),
            job.queue = queue,
            department = department.as_deref().unwrap_or(""),
        );
        JobRun {
            inner: self.inner.call(job).instrument(span),
            started: Instant::now(),
            queue,
            department,
        }
    }
}

pin_project_lite::pin_project! {
    /// A job's run, recorded when it ends.
    pub struct JobRun<F> {
        #[pin]
        inner: tracing::instrument::Instrumented<F>,
        started: Instant,
        queue: &'static str,
        department: Option<String>,
    }
}

impl<F, R, E> std::future::Future for JobRun<F>
where
    F: std::future::Future<Output = Result<R, E>>,
{
    type Output = F::Output;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.inner.poll(cx));
        let outcome = if result.is_ok() { "reussi" } else { "echoue" };
        let queue = *this.queue;
        metrics::counter!(JOBS_RUN, "queue" => queue, "outcome" => outcome).increment(1);
        metrics::histogram!(JOB_DURATION, "queue" => queue).record(this.started.elapsed());
        if let Some(department) = this.department.take() {
            metrics::counter!(JOBS_RUN_BY_DEPARTMENT, "queue" => queue, "department" => department, "outcome" => outcome)
                .increment(1);
        }
        std::task::Poll::Ready(result)
    }
}

/// Rows removed at their term by the retention passes, by `department` and `category`.
pub const RETENTION_REMOVED: &str = "guichet_retention_removed_total";
/// What the last pass found past its term, by `department`, `category` and `state`
/// (`a_supprimer`: removed by it, or waiting for the category to be switched on; `retenu`:
/// kept under a legal hold).
pub const RETENTION_DUE: &str = "guichet_retention_due";

/// One retention pass's figures for one category.
pub fn record_retention(department: &str, outcome: &crate::retention::Outcome) {
    let (department, category) = (department.to_owned(), outcome.category);
    if outcome.applied {
        metrics::counter!(RETENTION_REMOVED, "department" => department.clone(), "category" => category)
            .increment(outcome.due);
    }
    metrics::gauge!(RETENTION_DUE, "department" => department.clone(), "category" => category, "state" => "a_supprimer")
        .set(outcome.due as f64);
    metrics::gauge!(RETENTION_DUE, "department" => department, "category" => category, "state" => "retenu")
        .set(outcome.held as f64);
}
