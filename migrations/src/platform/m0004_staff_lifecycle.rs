//! Staff accounts with a lifecycle: single-use links (activation of a new account, password
//! reset sent by an administrator) stored as hashes, and sessions that know whose they are, so
//! that a deactivation or a password change can end every session of one account at once.
//! Also the addresses each account signed in from, so that strangers elsewhere cannot lock an
//! account out of its usual address.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StaffAccounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffTokens {
    Table,
    TokenHash,
    StaffId,
    Purpose,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum LoginKnownAddresses {
    Table,
    AccountKey,
    Address,
    SeenAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Holder,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StaffTokens::Table)
                    .col(
                        ColumnDef::new(StaffTokens::TokenHash)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(StaffTokens::StaffId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(StaffTokens::Purpose).string().not_null())
                    .col(
                        ColumnDef::new(StaffTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffTokens::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffTokens::Table, StaffTokens::StaffId)
                            .to(StaffAccounts::Table, StaffAccounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_staff_tokens_staff")
                    .table(StaffTokens::Table)
                    .col(StaffTokens::StaffId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginKnownAddresses::Table)
                    .col(
                        ColumnDef::new(LoginKnownAddresses::AccountKey)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LoginKnownAddresses::Address)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LoginKnownAddresses::SeenAt)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(LoginKnownAddresses::AccountKey)
                            .col(LoginKnownAddresses::Address),
                    )
                    .to_owned(),
            )
            .await?;
        // `staff:<id>` or `citizen:<tenant id>:<id>`, written by the session store from the
        // session's content; empty for an anonymous session.
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(ColumnDef::new(Sessions::Holder).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sessions_holder")
                    .table(Sessions::Table)
                    .col(Sessions::Holder)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_sessions_holder")
                    .table(Sessions::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(Sessions::Holder)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(LoginKnownAddresses::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(StaffTokens::Table).to_owned())
            .await
    }
}
