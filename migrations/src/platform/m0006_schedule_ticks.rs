//! Each periodic task's periods, claimed once across every instance of a platform: several
//! `guichet serve` on one database enqueue the silence rule, the reminders or the housekeeping
//! once a period, not once per instance. `slot` is the period's number since the Unix epoch.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ScheduleTicks {
    Table,
    Schedule,
    Slot,
    ClaimedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ScheduleTicks as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(ColumnDef::new(T::Schedule).string().not_null())
                    .col(ColumnDef::new(T::Slot).big_integer().not_null())
                    .col(
                        ColumnDef::new(T::ClaimedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(Index::create().col(T::Schedule).col(T::Slot))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ScheduleTicks::Table).to_owned())
            .await
    }
}
