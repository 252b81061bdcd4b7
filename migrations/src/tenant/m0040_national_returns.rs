//! National returns: each year's answers to the national surveys a department sends (DREES's
//! OARSA on RSA orientation, its social aid survey), computed each night from the modules'
//! tables and kept per year, so the file is read back, not recounted, when it is downloaded.
//! The administrator's computations on demand, followed step by step (`statistics_runs`).
//! The department's mapping of its own labels (the bodies it orients RSA beneficiaries to) to
//! the shared nomenclatures' codes. And each RSA beneficiary's household type, as the fund's file gives it (a partner, children
//! or not), which OARSA breaks its figures down by.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatisticsReturns {
    Table,
    Id,
    /// The calendar year the answers are about (situations on its 31 December).
    Year,
    /// The survey's identifier (`oarsa`, `aide_sociale`).
    Survey,
    /// The question's identifier, as its module declares it.
    Question,
    /// The breakdown's nomenclature, empty for everyone.
    Breakdown,
    Code,
    Value,
    Persons,
    ComputedAt,
}

#[derive(DeriveIden)]
enum StatisticsLabelMap {
    Table,
    /// The shared nomenclature the label is mapped to (`organisme_referent`).
    Nomenclature,
    /// The department's label, lowercased with its spaces collapsed: what it is matched by.
    LabelKey,
    /// The label as last written.
    Label,
    /// A code of the nomenclature.
    Code,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StatisticsRuns {
    Table,
    Id,
    /// `queued`, `running`, `done` or `failed`.
    Status,
    /// Steps done of `steps_total` (each module's figures, storing them, the returns).
    StepsDone,
    StepsTotal,
    /// Monthly figures stored, once done.
    Figures,
    /// Why it failed, in French.
    Error,
    RequestedBy,
    CreatedAt,
    /// Updated at each step: a running computation silent for long was lost.
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum InsertionPeople {
    Table,
    /// A code of the `menage` nomenclature; none until a fund's file gives the household.
    Household,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use StatisticsReturns as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(
                        ColumnDef::new(R::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(R::Year).integer().not_null())
                    .col(ColumnDef::new(R::Survey).string().not_null())
                    .col(ColumnDef::new(R::Question).string().not_null())
                    .col(ColumnDef::new(R::Breakdown).string().not_null())
                    .col(ColumnDef::new(R::Code).string().not_null())
                    .col(ColumnDef::new(R::Value).double().not_null())
                    .col(ColumnDef::new(R::Persons).big_integer().not_null())
                    .col(
                        ColumnDef::new(R::ComputedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("statistics_returns_answer")
                    .table(R::Table)
                    .col(R::Year)
                    .col(R::Survey)
                    .col(R::Question)
                    .col(R::Breakdown)
                    .col(R::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        use StatisticsRuns as U;
        manager
            .create_table(
                Table::create()
                    .table(U::Table)
                    .col(
                        ColumnDef::new(U::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(U::Status).string().not_null())
                    .col(ColumnDef::new(U::StepsDone).integer().not_null())
                    .col(ColumnDef::new(U::StepsTotal).integer().not_null())
                    .col(ColumnDef::new(U::Figures).big_integer().null())
                    .col(ColumnDef::new(U::Error).text().null())
                    .col(ColumnDef::new(U::RequestedBy).big_integer().not_null())
                    .col(
                        ColumnDef::new(U::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(U::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(U::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        use StatisticsLabelMap as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(ColumnDef::new(M::Nomenclature).string().not_null())
                    .col(ColumnDef::new(M::LabelKey).string().not_null())
                    .col(ColumnDef::new(M::Label).string().not_null())
                    .col(ColumnDef::new(M::Code).string().not_null())
                    .col(
                        ColumnDef::new(M::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(Index::create().col(M::Nomenclature).col(M::LabelKey))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(InsertionPeople::Table)
                    .add_column(ColumnDef::new(InsertionPeople::Household).string().null())
                    .to_owned(),
            )
            .await
    }
}
