//! Retention: how long the department keeps each category of data (`retention_settings`, a
//! row only where it departs from the category's default), the files kept whatever their age
//! while a dispute is under way (`legal_holds`), and what each daily pass found and removed
//! (`retention_runs`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RetentionSettings {
    Table,
    /// The category's identifier, as its part declares it (`aides.closes`).
    Category,
    Months,
    /// Whether the daily pass removes what is past its time, or only counts it.
    Applied,
    ChangedBy,
    ChangedAt,
}

#[derive(DeriveIden)]
enum LegalHolds {
    Table,
    Id,
    CitizenId,
    /// Why, in the words of whoever placed it (a dispute's reference).
    Reason,
    PlacedBy,
    PlacedAt,
    LiftedBy,
    LiftedAt,
}

#[derive(DeriveIden)]
enum RetentionRuns {
    Table,
    Id,
    RanAt,
    Category,
    Months,
    /// Removed (`true`) or only counted.
    Applied,
    /// Past their time: removed, or what would have been.
    Count,
    /// Past their time but kept under a legal hold.
    Held,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use RetentionSettings as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(
                        ColumnDef::new(S::Category)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(S::Months).integer().not_null())
                    .col(ColumnDef::new(S::Applied).boolean().not_null())
                    .col(ColumnDef::new(S::ChangedBy).big_integer().null())
                    .col(
                        ColumnDef::new(S::ChangedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        use LegalHolds as H;
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .col(
                        ColumnDef::new(H::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(H::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(H::Reason).text().not_null())
                    .col(ColumnDef::new(H::PlacedBy).big_integer().not_null())
                    .col(
                        ColumnDef::new(H::PlacedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(H::LiftedBy).big_integer().null())
                    .col(
                        ColumnDef::new(H::LiftedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("legal_holds_citizen")
                    .table(H::Table)
                    .col(H::CitizenId)
                    .to_owned(),
            )
            .await?;
        use RetentionRuns as R;
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
                    .col(
                        ColumnDef::new(R::RanAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(R::Category).string().not_null())
                    .col(ColumnDef::new(R::Months).integer().not_null())
                    .col(ColumnDef::new(R::Applied).boolean().not_null())
                    .col(ColumnDef::new(R::Count).big_integer().not_null())
                    .col(ColumnDef::new(R::Held).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("retention_runs_category")
                    .table(R::Table)
                    .col(R::Category)
                    .col(R::RanAt)
                    .to_owned(),
            )
            .await
    }
}
