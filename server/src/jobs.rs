//! Background jobs: apalis queues kept in the platform store (SQLite or PostgreSQL, like
//! everything else), so they survive restarts and any node can run them.
//!
//! Jobs: housekeeping (expired sessions, old login failures, old export files, the national
//! API's call trace past 36 months, jobs finished a week ago), mail delivery (see `mail`), the silence rule, the
//! instructors' CSV exports and the national data pulls (see `national::pull`). All are
//! idempotent, so the duplicates that several nodes enqueue on the same schedule are harmless.

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
use tenants::{Engine, Platform, Slug};
use tower_sessions::session_store::ExpiredDeletion;

use crate::api_particulier::client::Client;
use crate::mail::{self, DeliverMail, Mailer};
use crate::national::pull::{self, PullNationalData};
use crate::requests::export::ExportRequests;
use crate::session_store::DbSessionStore;
use crate::throttle::{self, ThrottlePolicy};

/// Deletes expired sessions and login failures older than the throttling window.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Housekeeping {
    /// When it was asked for (Unix seconds); informative only.
    pub requested_at: i64,
}

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

/// Puts a housekeeping job in the queue.
pub async fn enqueue_housekeeping(platform: &Platform) -> anyhow::Result<()> {
    enqueue(
        platform,
        Housekeeping {
            requested_at: chrono::Utc::now().timestamp(),
        },
    )
    .await
}

/// Applies the silence rule to every department's requests past their due date.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApplySilence {
    /// The day it was asked for (`YYYY-MM-DD`); requests due before it are settled.
    pub day: String,
}

/// The silence job. Idempotent: a request is settled only while it is still open.
pub async fn apply_silence(job: ApplySilence, platform: Data<Platform>) -> Result<(), BoxDynError> {
    let today = chrono::NaiveDate::parse_from_str(&job.day, "%Y-%m-%d")?;
    for tenant in platform.list_tenants().await? {
        if !tenant.has_module(tenants::Module::AidRequests) {
            continue;
        }
        let settled = crate::requests::exchange::apply_silence(&tenant, today).await?;
        if settled > 0 {
            tracing::info!(tenant = %tenant.slug(), settled, "silence rule applied");
            mail::wake(&platform, &tenant).await;
        }
    }
    Ok(())
}

/// Enqueues the silence job once a day (the first time a minute after start).
pub async fn schedule_silence(platform: Platform) {
    let every = Duration::from_secs(24 * 3600);
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(60), every);
    loop {
        tick.tick().await;
        let day = chrono::Utc::now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string();
        if let Err(e) = enqueue(&platform, ApplySilence { day }).await {
            tracing::warn!(error = %e, "could not enqueue the silence job");
        }
    }
}

/// Reminds citizens of their appointments of the next day (see
/// `user_relations::appointments::send_reminders`; idempotent: each appointment is reminded
/// once).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RemindAppointments {
    /// When it was asked for (Unix seconds); informative only.
    pub requested_at: i64,
}

/// The reminder job.
pub async fn remind_appointments(
    _job: RemindAppointments,
    platform: Data<Platform>,
) -> Result<(), BoxDynError> {
    for tenant in platform.list_tenants().await? {
        if !tenant.has_module(tenants::Module::UserRelations) {
            continue;
        }
        let sent = crate::user_relations::appointments::send_reminders(&tenant, chrono::Utc::now())
            .await?;
        if sent > 0 {
            tracing::info!(tenant = %tenant.slug(), sent, "appointment reminders queued");
            mail::wake(&platform, &tenant).await;
        }
    }
    Ok(())
}

/// Enqueues the reminder job every `every` (an hour in production), the first time a minute
/// after start.
pub async fn schedule_reminders(platform: Platform, every: Duration) {
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(60), every);
    loop {
        tick.tick().await;
        let job = RemindAppointments {
            requested_at: chrono::Utc::now().timestamp(),
        };
        if let Err(e) = enqueue(&platform, job).await {
            tracing::warn!(error = %e, "could not enqueue the appointment reminders");
        }
    }
}

/// Makes one CSV export of the instructors' queue (see `requests::export`).
pub async fn export_requests(
    job: ExportRequests,
    platform: Data<Platform>,
) -> Result<(), BoxDynError> {
    let slug = Slug::parse(&job.tenant)?;
    if let Some(tenant) = platform.tenant_by_slug(&slug).await? {
        crate::requests::export::run(&platform, &tenant, job.export_id).await?;
    }
    Ok(())
}

/// Delivers one tenant's due mail; a tenant removed since is nothing to do.
pub async fn deliver_mail(
    job: DeliverMail,
    platform: Data<Platform>,
    mailer: Data<Mailer>,
) -> Result<(), BoxDynError> {
    let slug = Slug::parse(&job.tenant)?;
    if let Some(tenant) = platform.tenant_by_slug(&slug).await? {
        mail::deliver_due(&tenant, &mailer).await?;
    }
    Ok(())
}

/// The housekeeping job itself; also callable directly.
pub async fn housekeeping(
    _job: Housekeeping,
    platform: Data<Platform>,
    policy: Data<ThrottlePolicy>,
) -> Result<(), BoxDynError> {
    DbSessionStore::new(platform.db().clone())
        .delete_expired()
        .await?;
    throttle::purge_old(&platform, *policy).await?;
    let kept = i64::try_from(FINISHED_JOBS_KEPT.as_secs()).unwrap_or(i64::MAX);
    purge_finished(&platform, chrono::Utc::now().timestamp() - kept).await?;
    for tenant in platform.list_tenants().await? {
        if tenant.has_module(tenants::Module::AidRequests) {
            crate::requests::export::purge_expired(&platform, &tenant).await?;
            pull::purge_old_calls(&tenant, chrono::Utc::now()).await?;
        }
    }
    Ok(())
}

/// The national API's client, when the platform is configured to reach it, and how long a
/// run may hold a pull.
#[derive(Clone)]
pub struct NationalApi {
    pub client: Option<Client>,
    /// After a crash, a pull held by the dead run is taken over once this has passed; the
    /// sweep also waits this long before enqueueing a pull again.
    pub claim: Duration,
}

impl NationalApi {
    pub fn new(client: Option<Client>, claim: Duration) -> Self {
        Self { client, claim }
    }

    /// Pulls run at once by one node: about a second's worth of calls. Enough to keep the
    /// quota busy while runs wait on the database or the service; a backlog beyond it waits
    /// in the queue, where a crashed node leaves nothing half-taken.
    pub fn runs_at_once(&self) -> usize {
        let per_second = self.client.as_ref().map_or(0, Client::per_second);
        usize::try_from(per_second)
            .unwrap_or(usize::MAX)
            .clamp(8, 500)
    }
}

/// Carries out one national data pull (see `national::pull`).
pub async fn pull_national_data(
    job: PullNationalData,
    platform: Data<Platform>,
    api: Data<NationalApi>,
) -> Result<(), BoxDynError> {
    let api: &NationalApi = &api;
    pull::run_job(&platform, api.client.as_ref(), &job, api.claim).await?;
    Ok(())
}

/// Enqueues again, on a schedule, the pulls whose job was lost (waiting `lost_after` for a
/// pull's job before deciding it is lost).
pub async fn schedule_pull_sweep(platform: Platform, lost_after: Duration) {
    let every = (lost_after / 2).clamp(Duration::from_secs(1), Duration::from_secs(30));
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(e) = pull::sweep(&platform, lost_after).await {
            tracing::warn!(error = %e, "could not sweep the national data pulls");
        }
    }
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

/// Runs the workers (one per job type) until the process stops.
pub async fn run_worker(
    platform: Platform,
    policy: ThrottlePolicy,
    mailer: Mailer,
    api: NationalApi,
) -> anyhow::Result<()> {
    // apalis holds a worker's name for as long as its heartbeat is fresh: a second node, or
    // this one restarted within the heartbeat, would be refused the same name and run no job.
    // Each process therefore names its workers after itself.
    let instance = format!("{:08x}", rand::random::<u32>());
    let name = |job: &str| format!("guichet-{job}-{instance}");
    // The same workers on either engine; only the storage type differs.
    macro_rules! workers {
        ($storage:ident, $pool:expr) => {{
            let housekeeping = WorkerBuilder::new(name("housekeeping"))
                .backend(Gated::new($storage::new($pool)))
                .data(platform.clone())
                .data(policy)
                .build(housekeeping)
                .run();
            let mail = WorkerBuilder::new(name("mail"))
                .backend(Gated::new($storage::new($pool)))
                .data(platform.clone())
                .data(mailer)
                .build(deliver_mail)
                .run();
            let silence = WorkerBuilder::new(name("silence"))
                .backend(Gated::new($storage::new($pool)))
                .data(platform.clone())
                .build(apply_silence)
                .run();
            let export = WorkerBuilder::new(name("export"))
                .backend(Gated::new($storage::new($pool)))
                .data(platform.clone())
                .build(export_requests)
                .run();
            let pulls = WorkerBuilder::new(name("pulls"))
                .backend(Gated::new($storage::new($pool)))
                .data(platform.clone())
                .concurrency(api.runs_at_once())
                .data(api)
                .build(pull_national_data)
                .run();
            let reminders = WorkerBuilder::new(name("reminders"))
                .backend(Gated::new($storage::new($pool)))
                .data(platform.clone())
                .build(remind_appointments)
                .run();
            let (a, b, c, d, e, f) =
                tokio::join!(housekeeping, mail, silence, export, pulls, reminders);
            a?;
            b?;
            c?;
            d?;
            e?;
            f?;
        }};
    }
    match platform.engine().clone() {
        Engine::Sqlite => workers!(SqliteStorage, platform.db().get_sqlite_connection_pool()),
        Engine::Postgres { .. } => {
            workers!(
                PostgresStorage,
                platform.db().get_postgres_connection_pool()
            )
        }
    }
    Ok(())
}

/// Enqueues mail delivery for tenants with mail due, on a schedule (retries after an outage,
/// and mail whose enqueue was lost to a crash).
pub async fn schedule_mail_sweep(platform: Platform, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(e) = mail::sweep(&platform).await {
            tracing::warn!(error = %e, "could not sweep the mail outboxes");
        }
    }
}

/// Enqueues housekeeping on a schedule, the first time one period after start.
pub async fn schedule_housekeeping(platform: Platform, every: Duration) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tick.tick().await;
        if let Err(e) = enqueue_housekeeping(&platform).await {
            tracing::warn!(error = %e, "could not enqueue housekeeping");
        }
    }
}
