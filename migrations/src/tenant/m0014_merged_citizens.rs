//! Records found to be the same person are merged: the absorbed record points at the one it
//! was merged into, and is offered no more.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Citizens {
    Table,
    MergedInto,
    Birthdate,
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
            .await?;
        // Every record view looks for records merged into it and for likely duplicates (same
        // birth date): neither may scan the department's citizens.
        manager
            .create_index(
                Index::create()
                    .name("citizens_merged_into")
                    .table(Citizens::Table)
                    .col(Citizens::MergedInto)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("citizens_birthdate")
                    .table(Citizens::Table)
                    .col(Citizens::Birthdate)
                    .to_owned(),
            )
            .await
    }
}
