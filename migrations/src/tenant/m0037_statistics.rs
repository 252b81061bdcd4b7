//! Statistics: each indicator's monthly figures, kept per department so trends show even
//! once the rows they were counted from are gone, and each aid's category in the shared
//! nomenclature (`categorie_aide`), so departments' aids compare.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatisticsMonthly {
    Table,
    Id,
    /// The indicator's identifier, as its module declares it (`aid_requests.filed`).
    Indicator,
    /// `YYYY-MM`.
    Month,
    /// The nomenclature it is broken down by (`categorie_aide`), or empty for all.
    Breakdown,
    /// The code in that nomenclature, or empty for all.
    Code,
    /// A count, a number of days, or a share from 0 to 1, as the indicator's unit says.
    Value,
    /// How many persons (or requests, one person each) it was computed on: secrecy reads it.
    Persons,
    ComputedAt,
}

#[derive(DeriveIden)]
enum Aids {
    Table,
    /// A code of the `categorie_aide` nomenclature; empty until the department ranks it.
    Category,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use StatisticsMonthly as S;
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
                    .col(ColumnDef::new(S::Indicator).string().not_null())
                    .col(ColumnDef::new(S::Month).string().not_null())
                    .col(ColumnDef::new(S::Breakdown).string().not_null())
                    .col(ColumnDef::new(S::Code).string().not_null())
                    .col(ColumnDef::new(S::Value).double().not_null())
                    .col(ColumnDef::new(S::Persons).big_integer().not_null())
                    .col(
                        ColumnDef::new(S::ComputedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("statistics_monthly_figure")
                    .table(S::Table)
                    .col(S::Indicator)
                    .col(S::Breakdown)
                    .col(S::Code)
                    .col(S::Month)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Aids::Table)
                    .add_column(
                        ColumnDef::new(Aids::Category)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
