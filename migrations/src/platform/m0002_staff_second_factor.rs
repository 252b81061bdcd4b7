//! Staff's second factor: one TOTP secret per account, sealed with the platform's key, with
//! the last time step a code was accepted at (a code is good once); and single-use recovery
//! codes, stored hashed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StaffAccounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffTotp {
    Table,
    StaffId,
    SecretSealed,
    LastStep,
    EnrolledAt,
}

#[derive(DeriveIden)]
enum StaffRecoveryCodes {
    Table,
    Id,
    StaffId,
    CodeHash,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StaffTotp::Table)
                    .col(
                        ColumnDef::new(StaffTotp::StaffId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(StaffTotp::SecretSealed).string().not_null())
                    .col(ColumnDef::new(StaffTotp::LastStep).big_integer().null())
                    .col(
                        ColumnDef::new(StaffTotp::EnrolledAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffTotp::Table, StaffTotp::StaffId)
                            .to(StaffAccounts::Table, StaffAccounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffRecoveryCodes::Table)
                    .col(
                        ColumnDef::new(StaffRecoveryCodes::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(StaffRecoveryCodes::StaffId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffRecoveryCodes::CodeHash)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffRecoveryCodes::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffRecoveryCodes::Table, StaffRecoveryCodes::StaffId)
                            .to(StaffAccounts::Table, StaffAccounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_staff_recovery_codes_staff")
                    .table(StaffRecoveryCodes::Table)
                    .col(StaffRecoveryCodes::StaffId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StaffRecoveryCodes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(StaffTotp::Table).to_owned())
            .await
    }
}
