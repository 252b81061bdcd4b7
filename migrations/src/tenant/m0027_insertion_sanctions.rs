//! Insertion (RSA): sanction cases (L.262-37, décret 2025-478). A breach recorded with the
//! sanction planned; the person told, with a month to answer (in writing from their space, or
//! heard, assisted); the équipe pluridisciplinaire's opinion; the decision within the legal
//! bounds; its lifting once the person complies. One row per case, its steps as columns.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InsertionSanctionCases {
    Table,
    Id,
    PersonId,
    CitizenId,
    /// `opened`, `notified`, `answered`, `decided`, `dropped`, `lifted`.
    Status,
    /// `refused_contract`, `contract_breach`, `missed_appointment`.
    Ground,
    Facts,
    /// People in the household, as the officer states it (the cap depends on it).
    HouseholdSize,
    /// A suspension decided before: the duration may reach 4 months.
    Repeated,
    /// `suspension` or `suppression`, with the rate (%) and months of a suspension.
    PlannedMeasure,
    PlannedRate,
    PlannedMonths,
    OpenedBy,
    OpenedByName,
    OpenedAt,
    NotifiedAt,
    ObservationsDueOn,
    Observations,
    /// `written` (from their space) or `heard`.
    ObservationsHow,
    AssistedBy,
    ObservationsAt,
    EpSessionOn,
    EpOpinion,
    DecidedMeasure,
    DecidedRate,
    DecidedMonths,
    DecisionReason,
    DecidedByName,
    DecidedAt,
    StartsOn,
    LiftedOn,
    LiftReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InsertionSanctionCases as S;
        let optional = |column: S, kind: fn(&mut ColumnDef) -> &mut ColumnDef| {
            let mut def = ColumnDef::new(column);
            kind(&mut def);
            def.null().to_owned()
        };
        let moment: fn(&mut ColumnDef) -> &mut ColumnDef = |c| c.timestamp_with_time_zone();
        let day: fn(&mut ColumnDef) -> &mut ColumnDef = |c| c.date();
        let text: fn(&mut ColumnDef) -> &mut ColumnDef = |c| c.text();
        let string: fn(&mut ColumnDef) -> &mut ColumnDef = |c| c.string();
        let number: fn(&mut ColumnDef) -> &mut ColumnDef = |c| c.integer();
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(
                        ColumnDef::new(S::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(S::PersonId).big_integer().not_null())
                    .col(ColumnDef::new(S::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(S::Status).string().not_null())
                    .col(ColumnDef::new(S::Ground).string().not_null())
                    .col(ColumnDef::new(S::Facts).text().not_null())
                    .col(ColumnDef::new(S::HouseholdSize).integer().not_null())
                    .col(ColumnDef::new(S::Repeated).boolean().not_null())
                    .col(ColumnDef::new(S::PlannedMeasure).string().not_null())
                    .col(ColumnDef::new(S::PlannedRate).integer().not_null())
                    .col(ColumnDef::new(S::PlannedMonths).integer().not_null())
                    .col(ColumnDef::new(S::OpenedBy).big_integer().not_null())
                    .col(ColumnDef::new(S::OpenedByName).string().not_null())
                    .col(
                        ColumnDef::new(S::OpenedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(optional(S::NotifiedAt, moment))
                    .col(optional(S::ObservationsDueOn, day))
                    .col(optional(S::Observations, text))
                    .col(optional(S::ObservationsHow, string))
                    .col(optional(S::AssistedBy, string))
                    .col(optional(S::ObservationsAt, moment))
                    .col(optional(S::EpSessionOn, day))
                    .col(optional(S::EpOpinion, text))
                    .col(optional(S::DecidedMeasure, string))
                    .col(optional(S::DecidedRate, number))
                    .col(optional(S::DecidedMonths, number))
                    .col(optional(S::DecisionReason, text))
                    .col(optional(S::DecidedByName, string))
                    .col(optional(S::DecidedAt, moment))
                    .col(optional(S::StartsOn, day))
                    .col(optional(S::LiftedOn, day))
                    .col(optional(S::LiftReason, text))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("insertion_sanction_cases_person")
                    .table(S::Table)
                    .col(S::PersonId)
                    .to_owned(),
            )
            .await
    }
}
