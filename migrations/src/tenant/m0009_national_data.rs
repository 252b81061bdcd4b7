//! National data under consent ("tell us once"): the consent ledger, the pulls made under it
//! (an outbox: a pull row is committed with the change that asks for it, and a job carries it
//! out), the facts received with their provenance, and the trace of every call made to the
//! national API (kept 36 months).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    CitizenId,
    /// `family_quotient`, `rsa`, `aah`, `css`, `france_travail`, `student_status`.
    Source,
    /// The purpose: the aid being instructed.
    AidId,
    GivenAt,
    /// `citizen` (online) or `staff` (recorded during assisted filing).
    GivenBy,
    /// Staff account who recorded it, when given through staff.
    StaffId,
    ExpiresAt,
    WithdrawnAt,
    /// What identifies the person at the source when their identity does not (the France
    /// Travail identifier they gave).
    Subject,
}

#[derive(DeriveIden)]
enum DataPulls {
    Table,
    Id,
    /// Unique: asking twice for the same pull finds the first one.
    IdempotencyKey,
    CitizenId,
    /// The request the pull serves (a draft or a filed request).
    RequestId,
    Source,
    ConsentId,
    /// `citizen`, `submission` or `staff`.
    RequestedBy,
    StaffId,
    /// `pending`, `received`, `not_found`, `refused` or `failed`.
    State,
    Attempts,
    /// Unix seconds: not tried again before.
    NextAttemptAt,
    /// Token of the run that holds the pull, and until when (Unix seconds).
    Claim,
    ClaimedUntil,
    /// When a job was last asked to carry it out (Unix seconds).
    EnqueuedAt,
    /// Why it ended as it did, in French, for staff and the citizen.
    Outcome,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum NationalFacts {
    Table,
    Id,
    /// Unique: a pull yields at most one fact, however many times its job runs.
    PullId,
    CitizenId,
    Source,
    Endpoint,
    ConsentId,
    FetchedAt,
    /// The facts read from the answer, as JSON.
    Data,
}

#[derive(DeriveIden)]
enum NationalCalls {
    Table,
    Id,
    At,
    PullId,
    CitizenId,
    RequestId,
    Source,
    Endpoint,
    /// Who caused the call: `citizen`, `submission` or `staff`.
    RequestedBy,
    StaffId,
    /// HTTP status, 0 when no answer came.
    HttpStatus,
    Outcome,
}

/// A big-integer primary key from a sequence.
fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Consents::Table)
                    .col(id(Consents::Id))
                    .col(ColumnDef::new(Consents::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(Consents::Source).string().not_null())
                    .col(ColumnDef::new(Consents::AidId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Consents::GivenAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Consents::GivenBy).string().not_null())
                    .col(ColumnDef::new(Consents::StaffId).big_integer().null())
                    .col(
                        ColumnDef::new(Consents::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Consents::WithdrawnAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Consents::Subject).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("consents_citizen")
                    .table(Consents::Table)
                    .col(Consents::CitizenId)
                    .col(Consents::Source)
                    .col(Consents::AidId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DataPulls::Table)
                    .col(id(DataPulls::Id))
                    .col(
                        ColumnDef::new(DataPulls::IdempotencyKey)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(DataPulls::CitizenId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(DataPulls::RequestId).big_integer().null())
                    .col(ColumnDef::new(DataPulls::Source).string().not_null())
                    .col(
                        ColumnDef::new(DataPulls::ConsentId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(DataPulls::RequestedBy).string().not_null())
                    .col(ColumnDef::new(DataPulls::StaffId).big_integer().null())
                    .col(ColumnDef::new(DataPulls::State).string().not_null())
                    .col(
                        ColumnDef::new(DataPulls::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(DataPulls::NextAttemptAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(DataPulls::Claim).string().null())
                    .col(
                        ColumnDef::new(DataPulls::ClaimedUntil)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(DataPulls::EnqueuedAt)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(DataPulls::Outcome).text().not_null())
                    .col(
                        ColumnDef::new(DataPulls::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(DataPulls::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "data_pulls_due",
                [DataPulls::State, DataPulls::NextAttemptAt],
            ),
            ("data_pulls_request", [DataPulls::RequestId, DataPulls::Id]),
            ("data_pulls_citizen", [DataPulls::CitizenId, DataPulls::Id]),
        ] {
            let mut index = Index::create();
            index.name(name).table(DataPulls::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(NationalFacts::Table)
                    .col(id(NationalFacts::Id))
                    .col(
                        ColumnDef::new(NationalFacts::PullId)
                            .big_integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(NationalFacts::CitizenId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(NationalFacts::Source).string().not_null())
                    .col(ColumnDef::new(NationalFacts::Endpoint).string().not_null())
                    .col(
                        ColumnDef::new(NationalFacts::ConsentId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NationalFacts::FetchedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(NationalFacts::Data).text().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("national_facts_citizen")
                    .table(NationalFacts::Table)
                    .col(NationalFacts::CitizenId)
                    .col(NationalFacts::Source)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NationalCalls::Table)
                    .col(id(NationalCalls::Id))
                    .col(
                        ColumnDef::new(NationalCalls::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NationalCalls::PullId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NationalCalls::CitizenId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NationalCalls::RequestId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(NationalCalls::Source).string().not_null())
                    .col(ColumnDef::new(NationalCalls::Endpoint).string().not_null())
                    .col(
                        ColumnDef::new(NationalCalls::RequestedBy)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(NationalCalls::StaffId).big_integer().null())
                    .col(
                        ColumnDef::new(NationalCalls::HttpStatus)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(NationalCalls::Outcome).text().not_null())
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("national_calls_citizen", NationalCalls::CitizenId),
            ("national_calls_at", NationalCalls::At),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(NationalCalls::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["national_calls", "national_facts", "data_pulls", "consents"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
