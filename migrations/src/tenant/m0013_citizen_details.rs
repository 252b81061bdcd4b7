//! What citizens tell the department about how to reach them and who lives with them: phone,
//! postal address, preferred channel, household members.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CitizenDetails {
    Table,
    /// One row per citizen.
    CitizenId,
    Phone,
    PostalAddress,
    /// `mail`, `letter`, `phone` or `sms`.
    PreferredChannel,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HouseholdMembers {
    Table,
    Id,
    CitizenId,
    GivenName,
    FamilyName,
    /// `spouse`, `child`, `parent` or `other`.
    Relation,
    BirthYear,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CitizenDetails::Table)
                    .col(
                        ColumnDef::new(CitizenDetails::CitizenId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CitizenDetails::Phone).string().not_null())
                    .col(
                        ColumnDef::new(CitizenDetails::PostalAddress)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CitizenDetails::PreferredChannel)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CitizenDetails::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HouseholdMembers::Table)
                    .col(
                        ColumnDef::new(HouseholdMembers::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(HouseholdMembers::CitizenId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(HouseholdMembers::GivenName)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(HouseholdMembers::FamilyName)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(HouseholdMembers::Relation)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(HouseholdMembers::BirthYear).integer().null())
                    .col(
                        ColumnDef::new(HouseholdMembers::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("household_members_citizen")
                    .table(HouseholdMembers::Table)
                    .col(HouseholdMembers::CitizenId)
                    .to_owned(),
            )
            .await
    }
}
