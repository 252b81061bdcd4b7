//! Disability (MDPH) filed by reception under a mandate: a mandate now names the module it
//! files in (aid requests, as before, or the MDPH's request as a whole), and a disability file
//! prepared under a mandate names it, as aid requests do.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Mandates {
    Table,
    /// The module filed in under the mandate: `aid_requests` (one aid or all, `aid_id`) or
    /// `disability`.
    Module,
}

#[derive(DeriveIden)]
enum DisabilityFiles {
    Table,
    /// The mandate reception prepared and filed it under; null when the person did.
    MandateId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Mandates::Table)
                    .add_column(
                        ColumnDef::new(Mandates::Module)
                            .string()
                            .not_null()
                            .default("aid_requests"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(DisabilityFiles::Table)
                    .add_column(
                        ColumnDef::new(DisabilityFiles::MandateId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        // The mandate's page lists what was prepared under it.
        manager
            .create_index(
                Index::create()
                    .name("disability_files_mandate")
                    .table(DisabilityFiles::Table)
                    .col(DisabilityFiles::MandateId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
