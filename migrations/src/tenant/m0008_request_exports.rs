//! CSV exports of the instructors' queue, made by a job; and what the queue needs once a
//! department holds many requests: indexes for its sort orders, and the number of requests
//! in each status kept up to date by triggers (counting 100,000 rows for every page view
//! cost more than the rest of the page).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RequestExports {
    Table,
    Id,
    /// Staff account (platform store) who asked; only they can download the file.
    RequestedBy,
    /// JSON of the queue filter at the time of the request.
    Filter,
    /// `queued`, `running`, `done`, `failed` or `expired`.
    Status,
    /// Requests matching the filter when the export started.
    Total,
    Written,
    /// Name of the file in the tenant's `exports` folder, once complete.
    FileName,
    Error,
    CreatedAt,
    /// Last sign of life of the job making it: a stale one may be taken over.
    UpdatedAt,
    /// Token of the run that holds it: a run taken over writes nothing more.
    Claim,
    FinishedAt,
}

#[derive(DeriveIden)]
enum AidRequests {
    Table,
    DueOn,
    SubmittedAt,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RequestExports::Table)
                    .col(
                        ColumnDef::new(RequestExports::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RequestExports::RequestedBy)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RequestExports::Filter).text().not_null())
                    .col(ColumnDef::new(RequestExports::Status).string().not_null())
                    .col(ColumnDef::new(RequestExports::Total).big_integer().null())
                    .col(
                        ColumnDef::new(RequestExports::Written)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(RequestExports::FileName).string().null())
                    .col(ColumnDef::new(RequestExports::Error).text().null())
                    .col(
                        ColumnDef::new(RequestExports::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RequestExports::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RequestExports::Claim).string().null())
                    .col(
                        ColumnDef::new(RequestExports::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        // The queue's default order (soonest due first) and "newest filed first" walk these
        // instead of sorting every request of the department for each page.
        for (name, column) in [
            ("aid_requests_due", AidRequests::DueOn),
            ("aid_requests_filed", AidRequests::SubmittedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AidRequests::Table)
                        .col(column)
                        .col(AidRequests::Id)
                        .to_owned(),
                )
                .await?;
        }
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &[
                "CREATE TABLE request_status_counts (status TEXT PRIMARY KEY, count BIGINT NOT NULL)",
                // `SET search_path FROM CURRENT`: the function keeps this tenant's schema,
                // whatever the session's search path when it fires.
                "CREATE FUNCTION count_request_statuses() RETURNS trigger LANGUAGE plpgsql \
                 SET search_path FROM CURRENT AS $$ \
                 BEGIN \
                   IF TG_OP IN ('UPDATE', 'DELETE') THEN \
                     UPDATE request_status_counts SET count = count - 1 WHERE status = OLD.status; \
                   END IF; \
                   IF TG_OP IN ('INSERT', 'UPDATE') THEN \
                     INSERT INTO request_status_counts (status, count) VALUES (NEW.status, 1) \
                     ON CONFLICT (status) DO UPDATE SET count = request_status_counts.count + 1; \
                   END IF; \
                   RETURN NULL; \
                 END $$",
                "CREATE TRIGGER aid_requests_counted AFTER INSERT OR DELETE ON aid_requests \
                 FOR EACH ROW EXECUTE FUNCTION count_request_statuses()",
                "CREATE TRIGGER aid_requests_recounted AFTER UPDATE OF status ON aid_requests \
                 FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) \
                 EXECUTE FUNCTION count_request_statuses()",
            ],
            _ => &[
                "CREATE TABLE request_status_counts (status TEXT PRIMARY KEY, count BIGINT NOT NULL)",
                "CREATE TRIGGER aid_requests_counted AFTER INSERT ON aid_requests BEGIN \
                   INSERT INTO request_status_counts (status, count) VALUES (NEW.status, 1) \
                   ON CONFLICT (status) DO UPDATE SET count = count + 1; \
                 END",
                "CREATE TRIGGER aid_requests_uncounted AFTER DELETE ON aid_requests BEGIN \
                   UPDATE request_status_counts SET count = count - 1 WHERE status = OLD.status; \
                 END",
                "CREATE TRIGGER aid_requests_recounted AFTER UPDATE OF status ON aid_requests \
                 WHEN OLD.status <> NEW.status BEGIN \
                   UPDATE request_status_counts SET count = count - 1 WHERE status = OLD.status; \
                   INSERT INTO request_status_counts (status, count) VALUES (NEW.status, 1) \
                   ON CONFLICT (status) DO UPDATE SET count = count + 1; \
                 END",
            ],
        };
        let db = manager.get_connection();
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        // Requests filed before this migration.
        db.execute_unprepared(
            "INSERT INTO request_status_counts (status, count) \
             SELECT status, COUNT(*) FROM aid_requests GROUP BY status",
        )
        .await?;
        Ok(())
    }
}
