//! A consent's purpose: the aid whose requests it serves (as before), or a module's requests
//! as a whole — the MDPH asking the CAF whether the person already receives the AAH.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Consents {
    Table,
    /// `aid` (the aid is `aid_id`) or a module's word (`disability`; `aid_id` is then 0).
    Purpose,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Consents::Table)
                    .add_column(
                        ColumnDef::new(Consents::Purpose)
                            .string()
                            .not_null()
                            .default("aid"),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
