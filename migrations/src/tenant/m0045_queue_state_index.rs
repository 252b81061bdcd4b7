//! The queue in several states reads each state's requests from its index in due order, from
//! a position `(due_on, id)`. The index of m0005 was `(status, due_on)`: without the id,
//! PostgreSQL sorted the whole first due date's group of a state before giving a page (8,334
//! rows at a million requests); `(status, due_on, id)` hands the rows over in order.
//!
//! The counts by status that m0008 kept are the sums of m0042's counts by aid, agent and status:
//! the queue reads those, and the table and its triggers go (one write less on every change of
//! a request).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AidRequests {
    Table,
    Id,
    Status,
    DueOn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("aid_requests_status_due")
                    .table(AidRequests::Table)
                    .col(AidRequests::Status)
                    .col(AidRequests::DueOn)
                    .col(AidRequests::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("aid_requests_queue")
                    .table(AidRequests::Table)
                    .to_owned(),
            )
            .await?;
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &[
                "DROP TRIGGER aid_requests_counted ON aid_requests",
                "DROP TRIGGER aid_requests_recounted ON aid_requests",
                "DROP FUNCTION count_request_statuses()",
            ],
            _ => &[
                "DROP TRIGGER aid_requests_counted",
                "DROP TRIGGER aid_requests_uncounted",
                "DROP TRIGGER aid_requests_recounted",
            ],
        };
        let db = manager.get_connection();
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("request_status_counts"))
                    .to_owned(),
            )
            .await
    }
}
