//! Insertion (RSA): the department's own settings — its names for the three legal tracks, and
//! how long an invitation's booking link stays open. One row.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InsertionSettings {
    Table,
    Id,
    /// The department's names for the tracks; empty: the legal name alone.
    ProfessionalLabel,
    SocioProfessionalLabel,
    SocialLabel,
    /// Days an invitation's booking link stays open.
    BookingDays,
    UpdatedByName,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InsertionSettings as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(ColumnDef::new(S::Id).big_integer().not_null().primary_key())
                    .col(ColumnDef::new(S::ProfessionalLabel).string().not_null())
                    .col(
                        ColumnDef::new(S::SocioProfessionalLabel)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(S::SocialLabel).string().not_null())
                    .col(ColumnDef::new(S::BookingDays).integer().not_null())
                    .col(ColumnDef::new(S::UpdatedByName).string().not_null())
                    .col(
                        ColumnDef::new(S::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }
}
