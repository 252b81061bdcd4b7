//! Aid requests: drafts and filed requests with their answers (under the form version they
//! were filed with), the citizen's documents, the timeline of each request, and the counter
//! that numbers requests per year.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    CitizenId,
    Filename,
    ContentType,
    Size,
    Sha256,
    StorageKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AidRequests {
    Table,
    Id,
    Reference,
    CitizenId,
    AidId,
    FormVersion,
    Status,
    Answers,
    SubmittedAt,
    DueOn,
    PausedSince,
    PausedDays,
    AssigneeId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RequestEvents {
    Table,
    Id,
    RequestId,
    At,
    Kind,
    Actor,
    Detail,
}

#[derive(DeriveIden)]
enum ReferenceCounters {
    Table,
    Year,
    Last,
}

#[derive(DeriveIden)]
enum Citizens {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Aids {
    Table,
    Id,
}

fn timestamp(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Documents::Table)
                    .col(
                        ColumnDef::new(Documents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Documents::CitizenId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Documents::Filename).string().not_null())
                    .col(ColumnDef::new(Documents::ContentType).string().not_null())
                    .col(ColumnDef::new(Documents::Size).big_integer().not_null())
                    .col(ColumnDef::new(Documents::Sha256).string_len(64).not_null())
                    // Where the bytes are in the tenant's file store.
                    .col(ColumnDef::new(Documents::StorageKey).string().not_null())
                    .col(timestamp(Documents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Documents::Table, Documents::CitizenId)
                            .to(Citizens::Table, Citizens::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AidRequests::Table)
                    .col(
                        ColumnDef::new(AidRequests::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    // Given at submission, e.g. DEMO-2026-000123.
                    .col(
                        ColumnDef::new(AidRequests::Reference)
                            .string()
                            .null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(AidRequests::CitizenId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AidRequests::AidId).big_integer().not_null())
                    .col(
                        ColumnDef::new(AidRequests::FormVersion)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AidRequests::Status).string().not_null())
                    // JSON: answers by question key.
                    .col(ColumnDef::new(AidRequests::Answers).text().not_null())
                    .col(
                        ColumnDef::new(AidRequests::SubmittedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(AidRequests::DueOn).date().null())
                    // The legal clock stops while the citizen is asked for more information.
                    .col(ColumnDef::new(AidRequests::PausedSince).date().null())
                    .col(
                        ColumnDef::new(AidRequests::PausedDays)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(AidRequests::AssigneeId).big_integer().null())
                    // Bumped on every change: two people editing at once cannot overwrite
                    // each other silently.
                    .col(
                        ColumnDef::new(AidRequests::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(timestamp(AidRequests::CreatedAt))
                    .col(timestamp(AidRequests::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AidRequests::Table, AidRequests::CitizenId)
                            .to(Citizens::Table, Citizens::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AidRequests::Table, AidRequests::AidId)
                            .to(Aids::Table, Aids::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "aid_requests_queue",
                vec![AidRequests::Status, AidRequests::DueOn],
            ),
            ("aid_requests_citizen", vec![AidRequests::CitizenId]),
            (
                "aid_requests_aid",
                vec![AidRequests::AidId, AidRequests::Status],
            ),
            (
                "aid_requests_assignee",
                vec![AidRequests::AssigneeId, AidRequests::Status],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(AidRequests::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RequestEvents::Table)
                    .col(
                        ColumnDef::new(RequestEvents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RequestEvents::RequestId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(timestamp(RequestEvents::At))
                    .col(ColumnDef::new(RequestEvents::Kind).string().not_null())
                    // `citizen`, `staff:<id>` or `system`.
                    .col(ColumnDef::new(RequestEvents::Actor).string().not_null())
                    .col(ColumnDef::new(RequestEvents::Detail).text().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(RequestEvents::Table, RequestEvents::RequestId)
                            .to(AidRequests::Table, AidRequests::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("request_events_request")
                    .table(RequestEvents::Table)
                    .col(RequestEvents::RequestId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReferenceCounters::Table)
                    .col(
                        ColumnDef::new(ReferenceCounters::Year)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ReferenceCounters::Last)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }
}
