//! What keeps the instructors' queue as fast with a million requests as with a hundred: the
//! counts its filters show, kept up to date by triggers, and indexes that walk each filtered
//! order from a position (the queue pages by position, never by `OFFSET`).
//!
//! - `request_counts`: requests by aid, assignee (0 for no one) and status; the total of the
//!   queue filtered on an aid or an agent is a sum over this table, whose size follows the
//!   department's aids and staff, not its requests.
//! - `open_request_due_counts`: requests waiting for the department (submitted or waiting for
//!   the citizen) by due date; « délai dépassé » and « dans les 7 jours » are sums over a few
//!   hundred dates instead of counts over every open request.
//! - `aid_requests_aid_due` and `aid_requests_assignee_due`: the queue of one aid or one agent
//!   in its default order, read from where the previous page stopped.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RequestCounts {
    Table,
    AidId,
    /// The agent the requests are assigned to; 0 for none (a key column cannot be null).
    AssigneeId,
    Status,
    Count,
}

#[derive(DeriveIden)]
enum OpenRequestDueCounts {
    Table,
    DueOn,
    Count,
}

#[derive(DeriveIden)]
enum AidRequests {
    Table,
    Id,
    AidId,
    AssigneeId,
    DueOn,
}

/// The statuses in which a request waits for the department (`queue::is_open`).
const OPEN: &str = "('submitted', 'info_requested')";

fn sqlite_triggers() -> Vec<String> {
    vec![
        "CREATE TRIGGER aid_requests_counted_by AFTER INSERT ON aid_requests BEGIN \
           INSERT INTO request_counts (aid_id, assignee_id, status, count) \
           VALUES (NEW.aid_id, COALESCE(NEW.assignee_id, 0), NEW.status, 1) \
           ON CONFLICT (aid_id, assignee_id, status) DO UPDATE SET count = count + 1; \
         END"
        .to_owned(),
        "CREATE TRIGGER aid_requests_uncounted_by AFTER DELETE ON aid_requests BEGIN \
           UPDATE request_counts SET count = count - 1 WHERE aid_id = OLD.aid_id \
             AND assignee_id = COALESCE(OLD.assignee_id, 0) AND status = OLD.status; \
         END"
        .to_owned(),
        "CREATE TRIGGER aid_requests_recounted_by \
         AFTER UPDATE OF status, aid_id, assignee_id ON aid_requests \
         WHEN OLD.status <> NEW.status OR OLD.aid_id <> NEW.aid_id \
           OR OLD.assignee_id IS NOT NEW.assignee_id BEGIN \
           UPDATE request_counts SET count = count - 1 WHERE aid_id = OLD.aid_id \
             AND assignee_id = COALESCE(OLD.assignee_id, 0) AND status = OLD.status; \
           INSERT INTO request_counts (aid_id, assignee_id, status, count) \
           VALUES (NEW.aid_id, COALESCE(NEW.assignee_id, 0), NEW.status, 1) \
           ON CONFLICT (aid_id, assignee_id, status) DO UPDATE SET count = count + 1; \
         END"
        .to_owned(),
        format!(
            "CREATE TRIGGER aid_requests_due_counted AFTER INSERT ON aid_requests \
             WHEN NEW.status IN {OPEN} AND NEW.due_on IS NOT NULL BEGIN \
               INSERT INTO open_request_due_counts (due_on, count) VALUES (NEW.due_on, 1) \
               ON CONFLICT (due_on) DO UPDATE SET count = count + 1; \
             END"
        ),
        format!(
            "CREATE TRIGGER aid_requests_due_uncounted AFTER DELETE ON aid_requests \
             WHEN OLD.status IN {OPEN} AND OLD.due_on IS NOT NULL BEGIN \
               UPDATE open_request_due_counts SET count = count - 1 WHERE due_on = OLD.due_on; \
             END"
        ),
        // The `WHERE` of the `SELECT` also keeps SQLite from reading `ON CONFLICT` as a join's.
        format!(
            "CREATE TRIGGER aid_requests_due_recounted AFTER UPDATE OF status, due_on ON aid_requests \
             WHEN OLD.status <> NEW.status OR OLD.due_on IS NOT NEW.due_on BEGIN \
               UPDATE open_request_due_counts SET count = count - 1 \
                 WHERE due_on = OLD.due_on AND OLD.status IN {OPEN}; \
               INSERT INTO open_request_due_counts (due_on, count) SELECT NEW.due_on, 1 \
                 WHERE NEW.status IN {OPEN} AND NEW.due_on IS NOT NULL \
               ON CONFLICT (due_on) DO UPDATE SET count = count + 1; \
             END"
        ),
    ]
}

/// Replaced by statement triggers in `m0047_statement_counts` (which restores them on `down`).
pub(super) fn postgres_triggers() -> Vec<String> {
    vec![
        // `SET search_path FROM CURRENT`: the functions keep this tenant's schema, whatever the
        // session's search path when they fire.
        "CREATE FUNCTION count_requests_by() RETURNS trigger LANGUAGE plpgsql \
         SET search_path FROM CURRENT AS $$ \
         BEGIN \
           IF TG_OP IN ('UPDATE', 'DELETE') THEN \
             UPDATE request_counts SET count = count - 1 WHERE aid_id = OLD.aid_id \
               AND assignee_id = COALESCE(OLD.assignee_id, 0) AND status = OLD.status; \
           END IF; \
           IF TG_OP IN ('INSERT', 'UPDATE') THEN \
             INSERT INTO request_counts (aid_id, assignee_id, status, count) \
             VALUES (NEW.aid_id, COALESCE(NEW.assignee_id, 0), NEW.status, 1) \
             ON CONFLICT (aid_id, assignee_id, status) \
             DO UPDATE SET count = request_counts.count + 1; \
           END IF; \
           RETURN NULL; \
         END $$"
            .to_owned(),
        "CREATE TRIGGER aid_requests_counted_by AFTER INSERT OR DELETE ON aid_requests \
         FOR EACH ROW EXECUTE FUNCTION count_requests_by()"
            .to_owned(),
        "CREATE TRIGGER aid_requests_recounted_by \
         AFTER UPDATE OF status, aid_id, assignee_id ON aid_requests FOR EACH ROW \
         WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.aid_id IS DISTINCT FROM NEW.aid_id \
           OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id) \
         EXECUTE FUNCTION count_requests_by()"
            .to_owned(),
        format!(
            "CREATE FUNCTION count_open_requests_by_due() RETURNS trigger LANGUAGE plpgsql \
             SET search_path FROM CURRENT AS $$ \
             BEGIN \
               IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN {OPEN} \
                  AND OLD.due_on IS NOT NULL THEN \
                 UPDATE open_request_due_counts SET count = count - 1 WHERE due_on = OLD.due_on; \
               END IF; \
               IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN {OPEN} \
                  AND NEW.due_on IS NOT NULL THEN \
                 INSERT INTO open_request_due_counts (due_on, count) VALUES (NEW.due_on, 1) \
                 ON CONFLICT (due_on) DO UPDATE SET count = open_request_due_counts.count + 1; \
               END IF; \
               RETURN NULL; \
             END $$"
        ),
        "CREATE TRIGGER aid_requests_due_counted AFTER INSERT OR DELETE ON aid_requests \
         FOR EACH ROW EXECUTE FUNCTION count_open_requests_by_due()"
            .to_owned(),
        "CREATE TRIGGER aid_requests_due_recounted AFTER UPDATE OF status, due_on ON aid_requests \
         FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status \
           OR OLD.due_on IS DISTINCT FROM NEW.due_on) \
         EXECUTE FUNCTION count_open_requests_by_due()"
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RequestCounts::Table)
                    .col(
                        ColumnDef::new(RequestCounts::AidId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RequestCounts::AssigneeId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RequestCounts::Status).string().not_null())
                    .col(
                        ColumnDef::new(RequestCounts::Count)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(RequestCounts::AidId)
                            .col(RequestCounts::AssigneeId)
                            .col(RequestCounts::Status),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("request_counts_assignee")
                    .table(RequestCounts::Table)
                    .col(RequestCounts::AssigneeId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OpenRequestDueCounts::Table)
                    .col(
                        ColumnDef::new(OpenRequestDueCounts::DueOn)
                            .date()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OpenRequestDueCounts::Count)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("aid_requests_aid_due", AidRequests::AidId),
            ("aid_requests_assignee_due", AidRequests::AssigneeId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AidRequests::Table)
                        .col(column)
                        .col(AidRequests::DueOn)
                        .col(AidRequests::Id)
                        .to_owned(),
                )
                .await?;
        }
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => postgres_triggers(),
            _ => sqlite_triggers(),
        };
        let db = manager.get_connection();
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        // Requests filed before this migration.
        db.execute_unprepared(
            "INSERT INTO request_counts (aid_id, assignee_id, status, count) \
             SELECT aid_id, COALESCE(assignee_id, 0), status, COUNT(*) FROM aid_requests \
             GROUP BY aid_id, COALESCE(assignee_id, 0), status",
        )
        .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO open_request_due_counts (due_on, count) \
             SELECT due_on, COUNT(*) FROM aid_requests \
             WHERE status IN {OPEN} AND due_on IS NOT NULL GROUP BY due_on"
        ))
        .await?;
        Ok(())
    }
}
