//! Statistics across departments: each indicator's figure over the twelve months ending with
//! a month (what departments are compared on, and what the yearly national returns report),
//! and the department's comparison profile (its INSEE code, its size band, whether it agreed
//! to be compared and published in the open-data export).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatisticsYearly {
    Table,
    Id,
    Indicator,
    /// `YYYY-MM`: the last of the twelve months.
    Ending,
    Breakdown,
    Code,
    Value,
    Persons,
    ComputedAt,
}

#[derive(DeriveIden)]
enum StatisticsProfile {
    Table,
    /// Always 1: one profile per department.
    Id,
    /// The département's code in the COG (`30`, `2A`, `974`).
    Department,
    /// A code of the `taille_departement` nomenclature.
    Size,
    /// The department agreed to be compared with others and published as open data.
    Compared,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use StatisticsYearly as Y;
        manager
            .create_table(
                Table::create()
                    .table(Y::Table)
                    .col(
                        ColumnDef::new(Y::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Y::Indicator).string().not_null())
                    .col(ColumnDef::new(Y::Ending).string().not_null())
                    .col(ColumnDef::new(Y::Breakdown).string().not_null())
                    .col(ColumnDef::new(Y::Code).string().not_null())
                    .col(ColumnDef::new(Y::Value).double().not_null())
                    .col(ColumnDef::new(Y::Persons).big_integer().not_null())
                    .col(
                        ColumnDef::new(Y::ComputedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("statistics_yearly_figure")
                    .table(Y::Table)
                    .col(Y::Indicator)
                    .col(Y::Breakdown)
                    .col(Y::Code)
                    .col(Y::Ending)
                    .unique()
                    .to_owned(),
            )
            .await?;
        use StatisticsProfile as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(ColumnDef::new(P::Id).big_integer().not_null().primary_key())
                    .col(ColumnDef::new(P::Department).string().not_null())
                    .col(ColumnDef::new(P::Size).string().not_null())
                    .col(ColumnDef::new(P::Compared).boolean().not_null())
                    .col(
                        ColumnDef::new(P::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
