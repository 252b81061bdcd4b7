//! CSV exports of the instructors' queue, made by a job, and the indexes the queue's sort
//! orders need once a department holds many requests.

use sea_orm_migration::prelude::*;

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
        Ok(())
    }
}
