//! Tenants, staff accounts and their roles, sessions, login failures.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Slug,
    Name,
    Domain,
    Modules,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffAccounts {
    Table,
    Id,
    TenantId,
    Email,
    DisplayName,
    PasswordHash,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffRoles {
    Table,
    StaffId,
    Role,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    Key,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenants::Table)
                    .col(
                        ColumnDef::new(Tenants::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Tenants::Slug)
                            .string_len(40)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Tenants::Name).string().not_null())
                    .col(ColumnDef::new(Tenants::Domain).string().null().unique_key())
                    .col(ColumnDef::new(Tenants::Modules).string().not_null())
                    .col(ColumnDef::new(Tenants::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Tenants::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StaffAccounts::Table)
                    .col(
                        ColumnDef::new(StaffAccounts::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(StaffAccounts::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(StaffAccounts::Email).string().not_null())
                    .col(
                        ColumnDef::new(StaffAccounts::DisplayName)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffAccounts::PasswordHash)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(StaffAccounts::Active).boolean().not_null())
                    .col(
                        ColumnDef::new(StaffAccounts::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffAccounts::Table, StaffAccounts::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_staff_accounts_tenant_email")
                    .table(StaffAccounts::Table)
                    .col(StaffAccounts::TenantId)
                    .col(StaffAccounts::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StaffRoles::Table)
                    .col(ColumnDef::new(StaffRoles::StaffId).big_integer().not_null())
                    .col(ColumnDef::new(StaffRoles::Role).string_len(40).not_null())
                    .primary_key(
                        Index::create()
                            .col(StaffRoles::StaffId)
                            .col(StaffRoles::Role),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffRoles::Table, StaffRoles::StaffId)
                            .to(StaffAccounts::Table, StaffAccounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(
                        ColumnDef::new(Sessions::Id)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Sessions::Data).text().not_null())
                    .col(ColumnDef::new(Sessions::ExpiresAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sessions_expires_at")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(
                        ColumnDef::new(LoginFailures::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(LoginFailures::Key).string().not_null())
                    .col(ColumnDef::new(LoginFailures::At).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_login_failures_key_at")
                    .table(LoginFailures::Table)
                    .col(LoginFailures::Key)
                    .col(LoginFailures::At)
                    .to_owned(),
            )
            .await
    }
}
