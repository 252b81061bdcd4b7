//! Insertion (RSA): the department's column mappings for the CSV and XLSX lists it imports
//! besides the funds' XML files. Saving a mapping under a name already used adds a version;
//! an import keeps the version it was read with.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InsertionListMappings {
    Table,
    Id,
    Name,
    Version,
    /// The fund the list's people are paid by (`CAF` or `MSA`).
    Fund,
    /// JSON: each field read, and the column heading it is read from.
    Columns,
    CreatedByName,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InsertionImports {
    Table,
    /// The mapping (version) a list is read with; none for a fund's XML file.
    MappingId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InsertionListMappings as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(
                        ColumnDef::new(M::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(M::Name).string().not_null())
                    .col(ColumnDef::new(M::Version).integer().not_null())
                    .col(ColumnDef::new(M::Fund).string().not_null())
                    .col(ColumnDef::new(M::Columns).text().not_null())
                    .col(ColumnDef::new(M::CreatedByName).string().not_null())
                    .col(
                        ColumnDef::new(M::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("insertion_list_mappings_version")
                    .table(M::Table)
                    .col(M::Name)
                    .col(M::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(InsertionImports::Table)
                    .add_column(
                        ColumnDef::new(InsertionImports::MappingId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }
}
