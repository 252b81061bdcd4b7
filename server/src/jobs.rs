//! The job queues' plumbing: apalis queues kept in the platform store (SQLite or PostgreSQL,
//! like everything else), so they survive restarts and any node can run them. It knows no job:
//! each part declares its own (`modules::Part::workers`, built with [`worker!`]) and its
//! schedules; the foundation has housekeeping and mail delivery, national data its pulls, aid
//! requests the silence rule and the CSV exports, user relations the appointment reminders.
//! All jobs are idempotent, so the duplicates that several nodes enqueue on the same schedule
//! are harmless.

use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::*;
use apalis_core::backend::{BackendConfig, WireFormatBackend};
use apalis_core::task::builder::TaskBuilder;
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use serde::{Deserialize, Serialize};
use tenants::{Engine, Platform};

/// Creates the queue tables in the platform store (apalis' own migrations).
pub async fn setup(platform: &Platform) -> anyhow::Result<()> {
    match platform.engine() {
        Engine::Sqlite => {
            // apalis' setup also sets `synchronous = OFF` and a 64 MB page cache on the
            // connection it runs on: give it a connection of its own, closed afterwards, so the
            // platform store's pool keeps its own settings (`synchronous = NORMAL`).
            let options = platform
                .db()
                .get_sqlite_connection_pool()
                .connect_options()
                .as_ref()
                .clone();
            let own = sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await?;
            let done = SqliteStorage::setup(&own).await;
            // apalis' acknowledgement (`ack.sql`) is planned by SQLite through `LIdx`
            // (`lock_by`), walking every row the worker ever locked: 172 no-op jobs/s, slower
            // as a worker ages, and every write to the store slowed with it. Without the index
            // it looks the acknowledged ids up by key (5,000+ jobs/s); no other queue statement
            // needs it (checked with EXPLAIN QUERY PLAN; docs/BENCHMARKS.md). Dropped at every
            // start, so an apalis migration recreating it is undone.
            let done = match done {
                Ok(()) => sea_orm::sqlx::query("DROP INDEX IF EXISTS LIdx")
                    .execute(&own)
                    .await
                    .map(drop)
                    .map_err(anyhow::Error::from),
                Err(e) => Err(e.into()),
            };
            own.close().await;
            done?;
        }
        Engine::Postgres { .. } => {
            PostgresStorage::setup(platform.db().get_postgres_connection_pool()).await?;
        }
    }
    Ok(())
}

/// Puts a job in its queue (one queue per job type, in the platform store).
pub async fn enqueue<J>(platform: &Platform, job: J) -> anyhow::Result<()>
where
    J: Serialize + for<'de> Deserialize<'de> + Send + Sync + Unpin + 'static,
{
    enqueue_at(platform, job, None).await
}

/// Puts a job in its queue, to run from `at` (Unix seconds) if given.
pub async fn enqueue_at<J>(platform: &Platform, job: J, at: Option<i64>) -> anyhow::Result<()>
where
    J: Serialize + for<'de> Deserialize<'de> + Send + Sync + Unpin + 'static,
{
    let mut task = TaskBuilder::new(job);
    if let Some(at) = at {
        task = task.run_at_timestamp(u64::try_from(at).unwrap_or(0));
    }
    let task = task.build();
    match platform.engine() {
        Engine::Sqlite => {
            let mut queue = SqliteStorage::<J>::new(platform.db().get_sqlite_connection_pool());
            queue.push_task(task).await?;
        }
        Engine::Postgres { .. } => {
            let mut queue = PostgresStorage::<J>::new(platform.db().get_postgres_connection_pool());
            queue.push_task(task).await?;
        }
    }
    Ok(())
}

/// Puts jobs in their queue, to run now, in one go (one transaction on the platform store).
pub async fn enqueue_many<J>(platform: &Platform, jobs: Vec<J>) -> anyhow::Result<()>
where
    J: Serialize + for<'de> Deserialize<'de> + Send + Sync + Unpin + 'static,
{
    if jobs.is_empty() {
        return Ok(());
    }
    match platform.engine() {
        Engine::Sqlite => {
            let mut queue = SqliteStorage::<J>::new(platform.db().get_sqlite_connection_pool());
            queue.push_bulk(jobs).await?;
        }
        Engine::Postgres { .. } => {
            let mut queue = PostgresStorage::<J>::new(platform.db().get_postgres_connection_pool());
            queue.push_bulk(jobs).await?;
        }
    }
    Ok(())
}

/// How long finished jobs stay in the queue tables, for whoever looks into a problem.
pub const FINISHED_JOBS_KEPT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Deletes jobs finished (done, or given up) before `before` (Unix seconds). apalis never
/// deletes them, and every queue statement grows slower with the table.
pub async fn purge_finished(platform: &Platform, before: i64) -> anyhow::Result<u64> {
    let deleted = match platform.engine() {
        Engine::Sqlite => sea_orm::sqlx::query(
            "DELETE FROM Jobs \
             WHERE (status IN ('Done', 'Killed') OR (status = 'Failed' AND attempts >= max_attempts)) \
             AND COALESCE(done_at, run_at) < ?1",
        )
        .bind(before)
        .execute(platform.db().get_sqlite_connection_pool())
        .await?
        .rows_affected(),
        Engine::Postgres { .. } => sea_orm::sqlx::query(
            "DELETE FROM apalis.jobs \
             WHERE (status IN ('Done', 'Killed') OR (status = 'Failed' AND attempts >= max_attempts)) \
             AND COALESCE(done_at, run_at) < to_timestamp($1::float8)",
        )
        .bind(before)
        .execute(platform.db().get_postgres_connection_pool())
        .await?
        .rows_affected(),
    };
    Ok(deleted)
}

/// How often an idle worker looks for new jobs. While jobs keep coming, the worker fetches
/// batch after batch without waiting.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// A job storage polled only when the waker it was last given is woken, or on a tick.
///
/// apalis 1.0's storages start a new fetch whenever their worker's task is polled, and that
/// task is woken once more after each fetch by the waker an earlier poll left with the database
/// driver: an idle worker fetched in a tight loop (about 700 queries a second for our four
/// workers on SQLite, most of a core; found by the aid-request benchmark). `Gated` hands the
/// storage a fresh waker at each poll and polls it again only once *that* waker fired (a fetch
/// in flight progressed, a job finished) or [`IDLE_POLL`] passed; wake-ups left over from
/// earlier polls are ignored. A fetch in flight is never held up (holding one up held
/// SQLite's write lock). The tick also replaces the storages' own 30 s heartbeat wake-up.
pub struct Gated<B> {
    backend: B,
    /// The waker given to the storage at its last poll, while that poll is pending.
    given: Option<Arc<GivenWaker>>,
    tick: Pin<Box<tokio::time::Sleep>>,
}

/// Remembers that it was woken, and wakes the worker's task.
struct GivenWaker {
    woken: AtomicBool,
    task: std::task::Waker,
}

impl std::task::Wake for GivenWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake_by_ref();
    }
}

impl<B> Gated<B> {
    pub fn new(backend: B) -> Self {
        Self {
            backend,
            given: None,
            tick: Box::pin(tokio::time::sleep(IDLE_POLL)),
        }
    }
}

impl<B: Backend> Backend for Gated<B> {
    type Task = B::Task;
    type Error = B::Error;

    fn poll_ready(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Result<(), Self::Error>> {
        self.backend.poll_ready(cx, worker)
    }

    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Option<Result<Self::Task, Self::Error>>> {
        let ticked = self.tick.as_mut().poll(cx).is_ready();
        if ticked {
            self.tick
                .as_mut()
                .reset(tokio::time::Instant::now() + IDLE_POLL);
            // Registers the waker for the next tick.
            let _ = self.tick.as_mut().poll(cx);
        }
        let due = ticked
            || self
                .given
                .as_ref()
                .is_none_or(|given| given.woken.load(Ordering::Acquire));
        if !due {
            return Poll::Pending;
        }
        let given = Arc::new(GivenWaker {
            woken: AtomicBool::new(false),
            task: cx.waker().clone(),
        });
        let waker = std::task::Waker::from(given.clone());
        let next = self
            .backend
            .poll_next(&mut Context::from_waker(&waker), worker);
        self.given = next.is_pending().then_some(given);
        next
    }

    fn poll_close(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Result<(), Self::Error>> {
        self.backend.poll_close(cx, worker)
    }
}

impl<B: WireFormatBackend> WireFormatBackend for Gated<B> {
    type Codec = B::Codec;
    type Compact = B::Compact;

    fn codec(&self) -> &Self::Codec {
        self.backend.codec()
    }
}

impl<B: BackendConfig> BackendConfig for Gated<B> {
    type Id = B::Id;
    type Args = B::Args;
    type Kind = B::Kind;
    type Config = B::Config;
    type Layer = B::Layer;

    fn config(&self) -> &Self::Config {
        self.backend.config()
    }

    fn middleware(&mut self, worker: &mut WorkerContext) -> Self::Layer {
        self.backend.middleware(worker)
    }
}

/// A running worker, or a schedule: what a part hands the process to run until it stops.
pub type Running<T> = Pin<Box<dyn std::future::Future<Output = T> + Send + 'static>>;

/// A worker for one job type, on the platform store's queue of that type, named after this
/// process (`guichet-<job>-<instance>`: apalis refuses a name whose heartbeat is fresh, so a
/// second node or a quick restart would otherwise run nothing). `$handler` gets the platform
/// as `Data<Platform>` and each `data` value as `Data<…>`; `concurrency` runs that many jobs at
/// once. The same worker on either engine; only the storage type differs.
macro_rules! worker {
    // One engine's worker: its storage behind `Gated`, the platform and `data` given to it.
    (@run $name:expr, $platform:expr, $storage:expr, $handler:expr
        $(, concurrency = $concurrency:expr)? $(, data = $data:expr)*) => {{
        let builder = ::apalis::prelude::WorkerBuilder::new($name)
            .backend($crate::jobs::Gated::new($storage))
            .layer($crate::metrics::JobMetricsLayer)
            .data($platform.clone());
        $(let builder = ::apalis::prelude::WorkerBuilderExt::concurrency(builder, $concurrency);)?
        $(let builder = builder.data($data);)*
        let worker = builder.build($handler);
        Box::pin(async move { Ok(worker.run().await?) })
    }};
    ($platform:expr, $instance:expr, $job:literal, $handler:expr
        $(, concurrency = $concurrency:expr)? $(, data = $data:expr)* $(,)?) => {{
        let platform: ::tenants::Platform = ($platform).clone();
        let name = format!("guichet-{}-{}", $job, $instance);
        // The storage types differ by engine, hence one arm each.
        let running: $crate::jobs::Running<::anyhow::Result<()>> = match platform.engine() {
            ::tenants::Engine::Sqlite => $crate::jobs::worker!(
                @run name,
                platform,
                ::apalis_sqlite::SqliteStorage::new(platform.db().get_sqlite_connection_pool()),
                $handler $(, concurrency = $concurrency)? $(, data = $data)*
            ),
            ::tenants::Engine::Postgres { .. } => $crate::jobs::worker!(
                @run name,
                platform,
                ::apalis_postgres::PostgresStorage::new(platform.db().get_postgres_connection_pool()),
                $handler $(, concurrency = $concurrency)? $(, data = $data)*
            ),
        };
        running
    }};
}
pub(crate) use worker;

/// Enqueues `job()` every `every`, the first time after `first`; a failure is logged and the
/// next tick tries again.
pub async fn every<J>(
    platform: Platform,
    first: Duration,
    every: Duration,
    what: &'static str,
    job: impl Fn() -> J + Send,
) where
    J: Serialize + for<'de> Deserialize<'de> + Send + Sync + Unpin + 'static,
{
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + first, every);
    loop {
        tick.tick().await;
        match claim_period(&platform, what, every).await {
            Ok(true) => {}
            // Another instance of the platform enqueued this period's.
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "could not claim this period of {what}");
                continue;
            }
        }
        if let Err(e) = enqueue(&platform, job()).await {
            tracing::warn!(error = %e, "could not enqueue {what}");
        }
    }
}

/// Claims the current period of `schedule` (periods of `every` counted from the Unix epoch):
/// true for the first instance of the platform that asks, false for every other. Each instance
/// ticks once a period, so every period is claimed, once.
pub async fn claim_period(
    platform: &Platform,
    schedule: &str,
    every: Duration,
) -> Result<bool, sea_orm::DbErr> {
    use sea_orm::ConnectionTrait as _;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict, Query};

    let now = chrono::Utc::now();
    let seconds = std::cmp::max(every.as_secs(), 1);
    let slot = now.timestamp() / i64::try_from(seconds).unwrap_or(i64::MAX);
    let table = Alias::new("schedule_ticks");
    let claim = Query::insert()
        .into_table(table.clone())
        .columns([
            Alias::new("schedule"),
            Alias::new("slot"),
            Alias::new("claimed_at"),
        ])
        .values_panic([schedule.into(), slot.into(), now.into()])
        .on_conflict(
            OnConflict::columns([Alias::new("schedule"), Alias::new("slot")])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    let db = platform.db();
    let backend = db.get_database_backend();
    let claimed = db.execute_raw(backend.build(&claim)).await?.rows_affected() == 1;
    if claimed {
        // Older periods only ever show what ran: a few are kept, for an operator's look.
        let forget = Query::delete()
            .from_table(table)
            .and_where(Expr::col(Alias::new("schedule")).eq(schedule))
            .and_where(Expr::col(Alias::new("slot")).lt(slot - 100))
            .to_owned();
        db.execute_raw(backend.build(&forget)).await?;
    }
    Ok(claimed)
}
