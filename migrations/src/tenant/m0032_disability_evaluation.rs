//! Disability (MDPH): the multidisciplinary team's evaluation — observations per GEVA area
//! (the physicians' medical ones sealed), the incapacity rate band, the RSDAE and « not likely
//! to improve » flags, and a proposal per request.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DisabilityObservations {
    Table,
    Id,
    FileId,
    CitizenId,
    /// A GEVA area (`activities`, `family`, `schooling`, `work`, `housing`, `help`), or the
    /// physicians' `medical` (sealed) and `medical_conclusion` (for the team).
    Area,
    /// Sealed with the department's medical key when `Medical`.
    Body,
    Medical,
    AuthorId,
    AuthorName,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DisabilityEvaluations {
    Table,
    Id,
    FileId,
    CitizenId,
    /// `under_50`, `from_50_to_79`, `from_80`.
    RateBand,
    /// Restriction substantielle et durable pour l'accès à l'emploi (AAH at 50–79 %).
    Rsdae,
    /// Not likely to improve: rights without a time limit where the law allows them.
    Lasting,
    UpdatedByName,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DisabilityRequests {
    Table,
    /// The team's proposal: `grant`, `partial`, `refuse`.
    Proposal,
    ProposalReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use DisabilityObservations as O;
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
                    .col(ColumnDef::new(O::FileId).big_integer().not_null())
                    .col(ColumnDef::new(O::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(O::Area).string().not_null())
                    .col(ColumnDef::new(O::Body).text().not_null())
                    .col(ColumnDef::new(O::Medical).boolean().not_null())
                    .col(ColumnDef::new(O::AuthorId).big_integer().not_null())
                    .col(ColumnDef::new(O::AuthorName).string().not_null())
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
                    .name("disability_observations_file")
                    .table(O::Table)
                    .col(O::FileId)
                    .to_owned(),
            )
            .await?;
        use DisabilityEvaluations as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(
                        ColumnDef::new(E::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(E::FileId)
                            .big_integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(E::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(E::RateBand).string().null())
                    .col(ColumnDef::new(E::Rsdae).boolean().not_null())
                    .col(ColumnDef::new(E::Lasting).boolean().not_null())
                    .col(ColumnDef::new(E::UpdatedByName).string().not_null())
                    .col(
                        ColumnDef::new(E::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        use DisabilityRequests as R;
        for column in [R::Proposal, R::ProposalReason] {
            manager
                .alter_table(
                    Table::alter()
                        .table(R::Table)
                        .add_column(ColumnDef::new(column).text().null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
