//! The figures departments agreed to share: each consenting department's indicators over
//! twelve months, secrecy already applied, copied here by its own computation so that the
//! comparison and the open-data export never open another department's store.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StatisticsShared {
    Table,
    Id,
    TenantId,
    /// The département's COG code, as its administrator declared it.
    Department,
    /// Its `taille_departement` band.
    Size,
    Indicator,
    /// `YYYY-MM`: the last of the twelve months.
    Ending,
    /// Empty when secrecy hides it (too few persons).
    Value,
    PublishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use StatisticsShared as S;
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
                    .col(ColumnDef::new(S::TenantId).big_integer().not_null())
                    .col(ColumnDef::new(S::Department).string().not_null())
                    .col(ColumnDef::new(S::Size).string().not_null())
                    .col(ColumnDef::new(S::Indicator).string().not_null())
                    .col(ColumnDef::new(S::Ending).string().not_null())
                    .col(ColumnDef::new(S::Value).double().null())
                    .col(
                        ColumnDef::new(S::PublishedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(S::Table, S::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("statistics_shared_figure")
                    .table(S::Table)
                    .col(S::TenantId)
                    .col(S::Indicator)
                    .col(S::Ending)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The comparison reads one size band and one period across departments.
        manager
            .create_index(
                Index::create()
                    .name("statistics_shared_group")
                    .table(S::Table)
                    .col(S::Size)
                    .col(S::Ending)
                    .col(S::Indicator)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
