//! Reception's list of MDPH files at the size of a large department: the number of files at
//! each stage kept by triggers (`disability_status_counts`; counting 200,000 files for the tabs
//! of every page cost more than the page), and indexes that give a stage's files, of one team
//! or all, in filing order from where the previous page stopped.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DisabilityFiles {
    Table,
    Id,
    Status,
    Sector,
    FiledAt,
}

const TABLE: &str =
    "CREATE TABLE disability_status_counts (status TEXT PRIMARY KEY, count BIGINT NOT NULL)";

const SQLITE: [&str; 3] = [
    "CREATE TRIGGER disability_files_counted AFTER INSERT ON disability_files BEGIN \
       INSERT INTO disability_status_counts (status, count) VALUES (NEW.status, 1) \
       ON CONFLICT (status) DO UPDATE SET count = count + 1; \
     END",
    "CREATE TRIGGER disability_files_uncounted AFTER DELETE ON disability_files BEGIN \
       UPDATE disability_status_counts SET count = count - 1 WHERE status = OLD.status; \
     END",
    "CREATE TRIGGER disability_files_recounted AFTER UPDATE OF status ON disability_files \
     WHEN OLD.status <> NEW.status BEGIN \
       UPDATE disability_status_counts SET count = count - 1 WHERE status = OLD.status; \
       INSERT INTO disability_status_counts (status, count) VALUES (NEW.status, 1) \
       ON CONFLICT (status) DO UPDATE SET count = count + 1; \
     END",
];

/// Replaced by statement triggers in `m0047_statement_counts` (which restores them on `down`).
pub(super) const POSTGRES_TRIGGERS: [&str; 3] = [
    // `SET search_path FROM CURRENT`: the function keeps this tenant's schema, whatever the
    // session's search path when it fires.
    "CREATE FUNCTION count_disability_statuses() RETURNS trigger LANGUAGE plpgsql \
     SET search_path FROM CURRENT AS $$ \
     BEGIN \
       IF TG_OP IN ('UPDATE', 'DELETE') THEN \
         UPDATE disability_status_counts SET count = count - 1 WHERE status = OLD.status; \
       END IF; \
       IF TG_OP IN ('INSERT', 'UPDATE') THEN \
         INSERT INTO disability_status_counts (status, count) VALUES (NEW.status, 1) \
         ON CONFLICT (status) DO UPDATE SET count = disability_status_counts.count + 1; \
       END IF; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER disability_files_counted AFTER INSERT OR DELETE ON disability_files \
     FOR EACH ROW EXECUTE FUNCTION count_disability_statuses()",
    "CREATE TRIGGER disability_files_recounted AFTER UPDATE OF status ON disability_files \
     FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) \
     EXECUTE FUNCTION count_disability_statuses()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use DisabilityFiles as F;
        for (name, columns) in [
            ("disability_files_stage", vec![F::Status, F::FiledAt, F::Id]),
            (
                "disability_files_stage_team",
                vec![F::Status, F::Sector, F::FiledAt, F::Id],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(F::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_TRIGGERS,
            _ => SQLITE,
        };
        let db = manager.get_connection();
        db.execute_unprepared(TABLE).await?;
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        // Files filed before this migration.
        db.execute_unprepared(
            "INSERT INTO disability_status_counts (status, count) \
             SELECT status, COUNT(*) FROM disability_files GROUP BY status",
        )
        .await?;
        Ok(())
    }
}
