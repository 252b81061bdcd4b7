//! Several instances on one PostgreSQL: processes starting together on the same database.

use std::process::{Command, Stdio};

use crate::harness::{drop_pg_database, fresh_pg_database};

/// Migrations take a lock: two instances started at once on a fresh database both come up,
/// one migrating while the other waits, then finding nothing left to do.
#[tokio::test]
async fn instances_starting_together_migrate_one_after_the_other() {
    for _ in 0..3 {
        let url = fresh_pg_database().await;
        let data = tempfile::tempdir().unwrap();
        let start = || {
            Command::new(env!("CARGO_BIN_EXE_guichet"))
                .arg("migrate")
                .env("DATABASE_URL", &url)
                .env("GUICHET_DATA_DIR", data.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let both = [start(), start()];
        for process in both {
            let out = process.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        drop_pg_database(&url).await;
    }
}
