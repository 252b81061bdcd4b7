//! The department's own look: its primary colour (checked against white text) and its logo
//! (a PNG, checked and resized when it was sent), shown on every page and letter. One row.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DepartmentBrand {
    Table,
    Id,
    /// `#1f5f8b`.
    Colour,
    /// PNG bytes, as resized.
    Logo,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DepartmentBrand::Table)
                    .col(
                        ColumnDef::new(DepartmentBrand::Id)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(DepartmentBrand::Colour).string().not_null())
                    .col(ColumnDef::new(DepartmentBrand::Logo).blob().null())
                    .col(
                        ColumnDef::new(DepartmentBrand::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }
}
