//! A CSV export remembers whose requests it holds: each download then shows in every one of
//! those citizens' access journals.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RequestExports {
    Table,
    /// JSON array of the citizens' ids, written when the file is complete.
    CitizenIds,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RequestExports::Table)
                    .add_column(
                        ColumnDef::new(RequestExports::CitizenIds)
                            .text()
                            .not_null()
                            .default("[]"),
                    )
                    .to_owned(),
            )
            .await
    }
}
