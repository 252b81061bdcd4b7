//! Background jobs: apalis queues kept in the platform store (SQLite or PostgreSQL, like
//! everything else), so they survive restarts and any node can run them.
//!
//! The first job is housekeeping (expired sessions, old login failures). It is idempotent, so
//! the duplicates that several nodes enqueue on the same schedule are harmless.

use std::time::Duration;

use apalis::prelude::*;
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use serde::{Deserialize, Serialize};
use tenants::{Engine, Platform};
use tower_sessions::session_store::ExpiredDeletion;

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
            SqliteStorage::setup(platform.db().get_sqlite_connection_pool()).await?;
        }
        Engine::Postgres { .. } => {
            PostgresStorage::setup(platform.db().get_postgres_connection_pool()).await?;
        }
    }
    Ok(())
}

/// Puts a housekeeping job in the queue.
pub async fn enqueue_housekeeping(platform: &Platform) -> anyhow::Result<()> {
    let job = Housekeeping {
        requested_at: chrono::Utc::now().timestamp(),
    };
    match platform.engine() {
        Engine::Sqlite => {
            let mut queue = SqliteStorage::new(platform.db().get_sqlite_connection_pool());
            queue.push(job).await?;
        }
        Engine::Postgres { .. } => {
            let mut queue = PostgresStorage::new(platform.db().get_postgres_connection_pool());
            queue.push(job).await?;
        }
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
    Ok(())
}

/// How often an idle worker looks for new jobs. apalis' storages otherwise only wake on
/// their heartbeat (30 s), so a job pushed while the worker waits would sit there that long.
/// While jobs keep coming, the worker fetches batch after batch without waiting.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Runs the worker until the process stops.
pub async fn run_worker(platform: Platform, policy: ThrottlePolicy) -> anyhow::Result<()> {
    match platform.engine().clone() {
        Engine::Sqlite => {
            let queue = SqliteStorage::new(platform.db().get_sqlite_connection_pool())
                .poll_with_interval(IDLE_POLL);
            WorkerBuilder::new("guichet-housekeeping")
                .backend(queue)
                .data(platform)
                .data(policy)
                .build(housekeeping)
                .run()
                .await?;
        }
        Engine::Postgres { .. } => {
            let queue = PostgresStorage::new(platform.db().get_postgres_connection_pool())
                .poll_with_interval(IDLE_POLL);
            WorkerBuilder::new("guichet-housekeeping")
                .backend(queue)
                .data(platform)
                .data(policy)
                .build(housekeeping)
                .run()
                .await?;
        }
    }
    Ok(())
}

/// Enqueues housekeeping on a schedule.
pub async fn schedule_housekeeping(platform: Platform, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(e) = enqueue_housekeeping(&platform).await {
            tracing::warn!(error = %e, "could not enqueue housekeeping");
        }
    }
}
