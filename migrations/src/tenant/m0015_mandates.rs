//! Assisted filing: a citizen present at reception gives the department a mandate to file
//! aid requests for them (what it covers, until when); they can revoke it from their space.
//! A request filed under a mandate names it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Mandates {
    Table,
    Id,
    CitizenId,
    /// The staff member who recorded it, and their name then (the letter and the citizen's
    /// space name them).
    StaffId,
    StaffName,
    /// The one aid it covers; null: every aid request.
    AidId,
    /// Last day it can be used (inclusive).
    ValidUntil,
    /// How the citizen was told: `email` or `letter`.
    NotifiedBy,
    CreatedAt,
    /// Each use (a save, a filing) touches it, inside the same transaction: the row lock
    /// orders a use and a revocation.
    LastUsedAt,
    EndedAt,
    /// `citizen` (revoked from their space) or `staff` (ended at reception).
    EndedBy,
}

#[derive(DeriveIden)]
enum AidRequests {
    Table,
    MandateId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Mandates::Table)
                    .col(
                        ColumnDef::new(Mandates::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Mandates::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(Mandates::StaffId).big_integer().not_null())
                    .col(ColumnDef::new(Mandates::StaffName).string().not_null())
                    .col(ColumnDef::new(Mandates::AidId).big_integer().null())
                    .col(ColumnDef::new(Mandates::ValidUntil).date().not_null())
                    .col(ColumnDef::new(Mandates::NotifiedBy).string().not_null())
                    .col(
                        ColumnDef::new(Mandates::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Mandates::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Mandates::EndedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Mandates::EndedBy).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mandates_citizen")
                    .table(Mandates::Table)
                    .col(Mandates::CitizenId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AidRequests::Table)
                    .add_column(ColumnDef::new(AidRequests::MandateId).big_integer().null())
                    .to_owned(),
            )
            .await
    }
}
