//! Records found to be the same person are merged: the absorbed record points at the one it
//! was merged into, and is offered no more.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Citizens {
    Table,
    MergedInto,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Citizens::Table)
                    .add_column(ColumnDef::new(Citizens::MergedInto).big_integer().null())
                    .to_owned(),
            )
            .await
    }
}
