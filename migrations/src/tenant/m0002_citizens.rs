//! Citizens of the department: known through FranceConnect (`fc_sub`) or a local account
//! (`login_email` + password), and the one-time tokens that confirm an email or reset a
//! password.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Citizens {
    Table,
    Id,
    FcSub,
    GivenName,
    FamilyName,
    PreferredUsername,
    Birthdate,
    Gender,
    Birthplace,
    Birthcountry,
    Email,
    LoginEmail,
    PasswordHash,
    EmailConfirmedAt,
    CreatedAt,
    LastSignInAt,
}

#[derive(DeriveIden)]
enum CitizenTokens {
    Table,
    TokenHash,
    CitizenId,
    Purpose,
    ExpiresAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Citizens::Table)
                    .col(
                        ColumnDef::new(Citizens::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    // FranceConnect's subject: stable for this service, unique per person.
                    .col(ColumnDef::new(Citizens::FcSub).string().null().unique_key())
                    .col(ColumnDef::new(Citizens::GivenName).string().not_null())
                    .col(ColumnDef::new(Citizens::FamilyName).string().not_null())
                    .col(
                        ColumnDef::new(Citizens::PreferredUsername)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Citizens::Birthdate)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Citizens::Gender)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Citizens::Birthplace)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Citizens::Birthcountry)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    // Where mail goes.
                    .col(
                        ColumnDef::new(Citizens::Email)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    // Local accounts only: the address signed in with (lower-case).
                    .col(
                        ColumnDef::new(Citizens::LoginEmail)
                            .string()
                            .null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Citizens::PasswordHash).string().null())
                    .col(
                        ColumnDef::new(Citizens::EmailConfirmedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Citizens::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Citizens::LastSignInAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CitizenTokens::Table)
                    // Only a hash is kept: a stolen copy of the store cannot be replayed.
                    .col(
                        ColumnDef::new(CitizenTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(CitizenTokens::CitizenId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CitizenTokens::Purpose).string().not_null())
                    .col(
                        ColumnDef::new(CitizenTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CitizenTokens::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CitizenTokens::Table, CitizenTokens::CitizenId)
                            .to(Citizens::Table, Citizens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }
}
