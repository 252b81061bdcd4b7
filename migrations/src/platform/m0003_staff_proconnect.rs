//! Staff signing in with ProConnect: each department's identity policy (the SIRETs it declares
//! as its own, the minimum assurance asked of ProConnect, the roles it adds to those that must
//! have a second factor), and the link between a staff account and the ProConnect agent
//! (identity provider and subject) who signs into it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffAccounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffIdentityPolicies {
    Table,
    TenantId,
    Sirets,
    MinimumAcr,
    SecondFactorRoles,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StaffProconnectLinks {
    Table,
    StaffId,
    TenantId,
    IdpId,
    Sub,
    LinkedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StaffIdentityPolicies::Table)
                    .col(
                        ColumnDef::new(StaffIdentityPolicies::TenantId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(StaffIdentityPolicies::Sirets)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffIdentityPolicies::MinimumAcr)
                            .string()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(StaffIdentityPolicies::SecondFactorRoles)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffIdentityPolicies::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                StaffIdentityPolicies::Table,
                                StaffIdentityPolicies::TenantId,
                            )
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffProconnectLinks::Table)
                    .col(
                        ColumnDef::new(StaffProconnectLinks::StaffId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(StaffProconnectLinks::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffProconnectLinks::IdpId)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffProconnectLinks::Sub)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffProconnectLinks::LinkedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffProconnectLinks::Table, StaffProconnectLinks::StaffId)
                            .to(StaffAccounts::Table, StaffAccounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One agent signs into at most one account per department.
        manager
            .create_index(
                Index::create()
                    .name("ux_staff_proconnect_links_agent")
                    .table(StaffProconnectLinks::Table)
                    .col(StaffProconnectLinks::TenantId)
                    .col(StaffProconnectLinks::IdpId)
                    .col(StaffProconnectLinks::Sub)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StaffProconnectLinks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(StaffIdentityPolicies::Table).to_owned())
            .await
    }
}
