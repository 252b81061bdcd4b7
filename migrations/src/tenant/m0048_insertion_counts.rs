//! The insertion officer's lists at the size of a large department: how many people are to
//! orient and how many have no referent, kept by triggers (`insertion_people_counts`), where
//! each view of a list counted up to 1,000 of its people (`listing::count_up_to`). Only the
//! people followed (subject to rights and duties, still named by the files) are counted, by
//! their right's state, whether an orientation was decided and whether a referent is named: a
//! list's total is a sum over at most 28 rows, exact whatever the department's size.
//!
//! As `m0047`: statement triggers on PostgreSQL, row triggers on SQLite.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use super::m0047_statement_counts::{Kept, drop_statement_triggers, statement_triggers};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "CREATE TABLE insertion_people_counts (\
     right_state TEXT NOT NULL, \
     oriented INTEGER NOT NULL, \
     with_referent INTEGER NOT NULL, \
     count BIGINT NOT NULL, \
     PRIMARY KEY (right_state, oriented, with_referent))";

/// Who counts: the people followed (`insertion::clock::followed`).
const FOLLOWED: &str = "rights_and_duties AND left_on IS NULL";

const KEPT: Kept = Kept {
    counts: "insertion_people_counts",
    of: "insertion_people",
    key: &[
        ("right_state", "right_state"),
        (
            "oriented",
            "CASE WHEN orientation_days IS NULL THEN 0 ELSE 1 END",
        ),
        (
            "with_referent",
            "CASE WHEN referent_id IS NULL THEN 0 ELSE 1 END",
        ),
    ],
    counted: FOLLOWED,
};

const SQLITE: [&str; 3] = [
    "CREATE TRIGGER insertion_people_counted AFTER INSERT ON insertion_people \
     WHEN NEW.rights_and_duties AND NEW.left_on IS NULL BEGIN \
       INSERT INTO insertion_people_counts (right_state, oriented, with_referent, count) \
       VALUES (NEW.right_state, NEW.orientation_days IS NOT NULL, NEW.referent_id IS NOT NULL, 1) \
       ON CONFLICT (right_state, oriented, with_referent) DO UPDATE SET count = count + 1; \
     END",
    "CREATE TRIGGER insertion_people_uncounted AFTER DELETE ON insertion_people \
     WHEN OLD.rights_and_duties AND OLD.left_on IS NULL BEGIN \
       UPDATE insertion_people_counts SET count = count - 1 \
       WHERE right_state = OLD.right_state AND oriented = (OLD.orientation_days IS NOT NULL) \
         AND with_referent = (OLD.referent_id IS NOT NULL); \
     END",
    // Out of the count as it was, into the count as it is: either may be no count at all.
    "CREATE TRIGGER insertion_people_recounted AFTER UPDATE OF \
       right_state, rights_and_duties, left_on, orientation_days, referent_id \
     ON insertion_people \
     WHEN OLD.right_state IS NOT NEW.right_state \
       OR OLD.rights_and_duties IS NOT NEW.rights_and_duties \
       OR (OLD.left_on IS NULL) IS NOT (NEW.left_on IS NULL) \
       OR (OLD.orientation_days IS NULL) IS NOT (NEW.orientation_days IS NULL) \
       OR (OLD.referent_id IS NULL) IS NOT (NEW.referent_id IS NULL) BEGIN \
       UPDATE insertion_people_counts SET count = count - 1 \
       WHERE OLD.rights_and_duties AND OLD.left_on IS NULL \
         AND right_state = OLD.right_state AND oriented = (OLD.orientation_days IS NOT NULL) \
         AND with_referent = (OLD.referent_id IS NOT NULL); \
       INSERT INTO insertion_people_counts (right_state, oriented, with_referent, count) \
       SELECT NEW.right_state, NEW.orientation_days IS NOT NULL, NEW.referent_id IS NOT NULL, 1 \
       WHERE NEW.rights_and_duties AND NEW.left_on IS NULL \
       ON CONFLICT (right_state, oriented, with_referent) DO UPDATE SET count = count + 1; \
     END",
];

const SQLITE_DROPPED: [&str; 3] = [
    "DROP TRIGGER insertion_people_counted",
    "DROP TRIGGER insertion_people_uncounted",
    "DROP TRIGGER insertion_people_recounted",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(TABLE).await?;
        let triggers = match db.get_database_backend() {
            DbBackend::Postgres => statement_triggers(&KEPT),
            _ => SQLITE.map(str::to_owned).to_vec(),
        };
        for statement in triggers {
            db.execute_unprepared(&statement).await?;
        }
        // The people imported before this migration.
        db.execute_unprepared(&format!(
            "INSERT INTO insertion_people_counts (right_state, oriented, with_referent, count) \
             SELECT right_state, {oriented}, {with_referent}, COUNT(*) FROM insertion_people \
             WHERE {FOLLOWED} GROUP BY 1, 2, 3",
            oriented = KEPT.key[1].1,
            with_referent = KEPT.key[2].1,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let dropped = match db.get_database_backend() {
            DbBackend::Postgres => drop_statement_triggers(&KEPT),
            _ => SQLITE_DROPPED.map(str::to_owned).to_vec(),
        };
        for statement in dropped {
            db.execute_unprepared(&statement).await?;
        }
        db.execute_unprepared("DROP TABLE insertion_people_counts")
            .await?;
        Ok(())
    }
}
