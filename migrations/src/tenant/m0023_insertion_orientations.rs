//! Insertion (RSA): orientations. A proposal (by a referent or an officer), then the officer's
//! decision with its reason; a decided orientation runs until the next one starts (a
//! réorientation closes it), so a person's orientations never overlap.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InsertionOrientations {
    Table,
    Id,
    PersonId,
    CitizenId,
    /// `professional`, `socio_professional`, `social` (CASF L.262-29).
    Track,
    /// The body that follows the person (France Travail, a department's service, an
    /// association…).
    Body,
    /// `proposed`, `decided`, `refused`.
    Status,
    ProposedBy,
    ProposedByName,
    ProposedAt,
    ProposalReason,
    DecidedBy,
    DecidedByName,
    DecidedAt,
    DecisionReason,
    /// The day a decided orientation takes effect, and the day before the next one did.
    StartsOn,
    EndsOn,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InsertionOrientations as O;
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .col(
                        ColumnDef::new(O::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(O::PersonId).big_integer().not_null())
                    .col(ColumnDef::new(O::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(O::Track).string().not_null())
                    .col(ColumnDef::new(O::Body).string().not_null())
                    .col(ColumnDef::new(O::Status).string().not_null())
                    .col(ColumnDef::new(O::ProposedBy).big_integer().null())
                    .col(ColumnDef::new(O::ProposedByName).string().null())
                    .col(
                        ColumnDef::new(O::ProposedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(O::ProposalReason).text().null())
                    .col(ColumnDef::new(O::DecidedBy).big_integer().null())
                    .col(ColumnDef::new(O::DecidedByName).string().null())
                    .col(
                        ColumnDef::new(O::DecidedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(O::DecisionReason).text().null())
                    .col(ColumnDef::new(O::StartsOn).date().null())
                    .col(ColumnDef::new(O::EndsOn).date().null())
                    .col(
                        ColumnDef::new(O::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("insertion_orientations_person")
                    .table(O::Table)
                    .col(O::PersonId)
                    .col(O::Status)
                    .to_owned(),
            )
            .await
    }
}
