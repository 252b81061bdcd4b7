//! Wider access, kept in the store rather than in the staff member's session: the citizen and
//! a supervisor see the open ones, a supervisor ends one, and each use re-checks it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WiderAccesses {
    Table,
    Id,
    CitizenId,
    /// Who asked, and their name then (the citizen and the supervisor read it).
    StaffId,
    StaffName,
    /// The module they asked from (`Module::id`), and its role they held.
    Module,
    Reason,
    GrantedAt,
    /// When it lapses by itself.
    Until,
    /// Ended early by a supervisor (their name), or by a new grant replacing it.
    EndedAt,
    EndedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let at = |column: WiderAccesses| {
            ColumnDef::new(column)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(WiderAccesses::Table)
                    .col(
                        ColumnDef::new(WiderAccesses::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(WiderAccesses::CitizenId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WiderAccesses::StaffId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WiderAccesses::StaffName).string().not_null())
                    .col(ColumnDef::new(WiderAccesses::Module).string().not_null())
                    .col(ColumnDef::new(WiderAccesses::Reason).text().not_null())
                    .col(at(WiderAccesses::GrantedAt))
                    .col(at(WiderAccesses::Until))
                    .col(
                        ColumnDef::new(WiderAccesses::EndedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(WiderAccesses::EndedBy).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("wider_accesses_staff_citizen")
                    .table(WiderAccesses::Table)
                    .col(WiderAccesses::StaffId)
                    .col(WiderAccesses::CitizenId)
                    .to_owned(),
            )
            .await
    }
}
