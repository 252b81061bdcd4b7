//! The department's catalogue of aids, and every version of each aid's form (a request keeps
//! the version it was filed under, so changing a form never breaks requests already filed).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Aids {
    Table,
    Id,
    Slug,
    Title,
    Description,
    Eligibility,
    Documents,
    DeadlineDays,
    SilenceMeans,
    Open,
    FormVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AidFormVersions {
    Table,
    Id,
    AidId,
    Version,
    Definition,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Aids::Table)
                    .col(
                        ColumnDef::new(Aids::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Aids::Slug).string().not_null().unique_key())
                    .col(ColumnDef::new(Aids::Title).string().not_null())
                    .col(ColumnDef::new(Aids::Description).text().not_null())
                    .col(ColumnDef::new(Aids::Eligibility).text().not_null())
                    // What to provide, one document per line.
                    .col(ColumnDef::new(Aids::Documents).text().not_null())
                    .col(ColumnDef::new(Aids::DeadlineDays).integer().not_null())
                    // `acceptance` or `refusal`: what silence past the deadline means.
                    .col(ColumnDef::new(Aids::SilenceMeans).string().not_null())
                    .col(ColumnDef::new(Aids::Open).boolean().not_null())
                    .col(ColumnDef::new(Aids::FormVersion).integer().not_null())
                    .col(
                        ColumnDef::new(Aids::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Aids::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AidFormVersions::Table)
                    .col(
                        ColumnDef::new(AidFormVersions::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AidFormVersions::AidId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AidFormVersions::Version)
                            .integer()
                            .not_null(),
                    )
                    // JSON: the form's fields (see server/src/aids/form.rs).
                    .col(
                        ColumnDef::new(AidFormVersions::Definition)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AidFormVersions::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AidFormVersions::Table, AidFormVersions::AidId)
                            .to(Aids::Table, Aids::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("aid_form_versions_aid_version")
                    .table(AidFormVersions::Table)
                    .col(AidFormVersions::AidId)
                    .col(AidFormVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
