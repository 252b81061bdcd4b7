//! The job queue in the platform store: housekeeping goes through the running server's worker.

use std::time::{Duration, Instant};

use guichet::entity::{login_failure, session};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

use crate::harness::{Backend, TestApp, both_engines};

both_engines!(
    housekeeping_runs_through_the_queue,
    housekeeping_job_is_idempotent,
    a_second_node_runs_workers_beside_the_first,
    finished_jobs_are_purged_after_a_week
);

/// The job queue's own setup must not loosen the platform store's durability: every pooled
/// connection keeps `synchronous = NORMAL` (1) and its default page cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_setup_leaves_the_platform_store_durable() {
    let app = TestApp::start(Backend::Sqlite).await;
    let pool = app.platform.db().get_sqlite_connection_pool();
    let mut held = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        held.push(pool.acquire().await.unwrap());
    }
    for conn in &mut held {
        let (synchronous,): (i64,) = sea_orm::sqlx::query_as("PRAGMA synchronous")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!(synchronous, 1, "synchronous = NORMAL on every connection");
        let (cache,): (i64,) = sea_orm::sqlx::query_as("PRAGMA cache_size")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!(cache, -2000, "SQLite's default page cache");
    }
    drop(held);
    app.stop().await;
}

async fn seed_stale_rows(app: &TestApp) {
    let long_ago = chrono::Utc::now().timestamp() - 24 * 3600;
    session::ActiveModel {
        id: Set("expired-session".into()),
        data: Set("{}".into()),
        expires_at: Set(long_ago),
        holder: Set(None),
    }
    .insert(app.platform.db())
    .await
    .unwrap();
    session::ActiveModel {
        id: Set("live-session".into()),
        data: Set("{}".into()),
        expires_at: Set(long_ago + 48 * 3600),
        holder: Set(None),
    }
    .insert(app.platform.db())
    .await
    .unwrap();
    login_failure::ActiveModel {
        key: Set("address:192.0.2.1".into()),
        at: Set(long_ago),
        ..Default::default()
    }
    .insert(app.platform.db())
    .await
    .unwrap();
}

async fn counts(app: &TestApp) -> (u64, u64) {
    (
        session::Entity::find()
            .count(app.platform.db())
            .await
            .unwrap(),
        login_failure::Entity::find()
            .count(app.platform.db())
            .await
            .unwrap(),
    )
}

async fn housekeeping_runs_through_the_queue(backend: Backend) {
    let app = TestApp::start(backend).await;
    seed_stale_rows(&app).await;
    assert_eq!(counts(&app).await, (2, 1));

    // Let the worker find the queue empty first: a job pushed to an idle worker must still
    // run promptly (apalis alone would only look again at its 30 s heartbeat).
    tokio::time::sleep(Duration::from_secs(2)).await;
    guichet::foundation::enqueue_housekeeping(&app.platform)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while counts(&app).await != (1, 0) {
        assert!(
            Instant::now() < deadline,
            "the worker never ran the job: {:?}",
            counts(&app).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The live session is kept.
    assert!(
        session::Entity::find_by_id("live-session")
            .one(app.platform.db())
            .await
            .unwrap()
            .is_some()
    );
    app.stop().await;
}

async fn housekeeping_job_is_idempotent(backend: Backend) {
    use apalis::prelude::Data;
    let app = TestApp::start(backend).await;
    seed_stale_rows(&app).await;
    for _ in 0..2 {
        guichet::foundation::housekeeping(
            guichet::foundation::Housekeeping { requested_at: 0 },
            Data::new(app.platform.clone()),
            Data::new(services(&app)),
        )
        .await
        .unwrap();
        assert_eq!(counts(&app).await, (1, 0));
    }
    app.stop().await;
}

/// Two nodes on one platform store (or one node restarted within apalis' heartbeat): both
/// keep their workers running, and jobs still run.
async fn a_second_node_runs_workers_beside_the_first(backend: Backend) {
    let app = TestApp::start(backend).await;
    // Let the first node's workers register.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let second = tokio::spawn(guichet::modules::run_workers(services(&app)));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !second.is_finished(),
        "the second node's workers stopped: {:?}",
        second.await
    );
    seed_stale_rows(&app).await;
    guichet::foundation::enqueue_housekeeping(&app.platform)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while counts(&app).await != (1, 0) {
        assert!(Instant::now() < deadline, "housekeeping never ran");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    second.abort();
    app.stop().await;
}

/// A job no worker takes: it stays pending.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct NobodyRunsThis {
    n: u32,
}

/// Runs one statement on the platform store's queue tables, written for either engine.
async fn queue_sql(app: &TestApp, sqlite: &'static str, postgres: &'static str) -> u64 {
    match app.platform.engine() {
        tenants::Engine::Sqlite => sea_orm::sqlx::query(sqlite)
            .execute(app.platform.db().get_sqlite_connection_pool())
            .await
            .unwrap()
            .rows_affected(),
        tenants::Engine::Postgres { .. } => sea_orm::sqlx::query(postgres)
            .execute(app.platform.db().get_postgres_connection_pool())
            .await
            .unwrap()
            .rows_affected(),
    }
}

/// How many queue rows have this status.
async fn jobs_with_status(app: &TestApp, status: &str) -> i64 {
    let (n,): (i64,) = match app.platform.engine() {
        tenants::Engine::Sqlite => {
            sea_orm::sqlx::query_as("SELECT count(*) FROM Jobs WHERE status = ?1")
                .bind(status)
                .fetch_one(app.platform.db().get_sqlite_connection_pool())
                .await
        }
        tenants::Engine::Postgres { .. } => {
            sea_orm::sqlx::query_as("SELECT count(*) FROM apalis.jobs WHERE status = $1")
                .bind(status)
                .fetch_one(app.platform.db().get_postgres_connection_pool())
                .await
        }
    }
    .unwrap();
    n
}

/// Housekeeping deletes jobs finished more than a week ago, and only those: a job finished
/// lately and a job still waiting (however old) stay.
async fn finished_jobs_are_purged_after_a_week(backend: Backend) {
    let app = TestApp::start(backend).await;
    for _ in 0..2 {
        guichet::foundation::enqueue_housekeeping(&app.platform)
            .await
            .unwrap();
    }
    guichet::jobs::enqueue(&app.platform, NobodyRunsThis { n: 1 })
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while jobs_with_status(&app, "Done").await < 2 {
        assert!(Instant::now() < deadline, "housekeeping never ran");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pending_before = jobs_with_status(&app, "Pending").await;
    assert!(pending_before >= 1);
    // One finished job and every waiting one look eight days old.
    let aged = queue_sql(
        &app,
        "UPDATE Jobs SET done_at = done_at - 8 * 86400, run_at = run_at - 8 * 86400 \
         WHERE id = (SELECT id FROM Jobs WHERE status = 'Done' LIMIT 1)",
        "UPDATE apalis.jobs SET done_at = done_at - interval '8 days', \
         run_at = run_at - interval '8 days' \
         WHERE id = (SELECT id FROM apalis.jobs WHERE status = 'Done' LIMIT 1)",
    )
    .await;
    assert_eq!(aged, 1);
    queue_sql(
        &app,
        "UPDATE Jobs SET run_at = run_at - 8 * 86400 WHERE status = 'Pending'",
        "UPDATE apalis.jobs SET run_at = run_at - interval '8 days' WHERE status = 'Pending'",
    )
    .await;

    guichet::foundation::housekeeping(
        guichet::foundation::Housekeeping { requested_at: 0 },
        apalis::prelude::Data::new(app.platform.clone()),
        apalis::prelude::Data::new(services(&app)),
    )
    .await
    .unwrap();
    assert_eq!(
        jobs_with_status(&app, "Done").await,
        1,
        "only the job finished a week ago is deleted"
    );
    assert_eq!(jobs_with_status(&app, "Pending").await, pending_before);
    app.stop().await;
}

/// apalis' `lock_by` index makes SQLite acknowledge jobs by walking every row a worker ever
/// locked (docs/BENCHMARKS.md): the queue's setup removes it, also when it comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_queue_has_no_lock_by_index() {
    let app = TestApp::start(Backend::Sqlite).await;
    let pool = app.platform.db().get_sqlite_connection_pool();
    let lidx = || async {
        let (n,): (i64,) = sea_orm::sqlx::query_as(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'LIdx'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        n
    };
    assert_eq!(lidx().await, 0);
    sea_orm::sqlx::query("CREATE INDEX LIdx ON Jobs(lock_by)")
        .execute(pool)
        .await
        .unwrap();
    guichet::jobs::setup(&app.platform).await.unwrap();
    assert_eq!(lidx().await, 0);
    app.stop().await;
}

/// What a node's workers run with (no SMTP server, no national API).
fn services(app: &TestApp) -> guichet::modules::Services {
    guichet::modules::Services::new(
        app.platform.clone(),
        guichet::throttle::ThrottlePolicy::default(),
        guichet::mail::Mailer::new(None, "guichet@localhost").unwrap(),
        guichet::national::jobs::NationalApi::new(None, std::time::Duration::from_secs(60)),
    )
}
