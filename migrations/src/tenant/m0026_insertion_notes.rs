//! Insertion (RSA): the follow-up notes of the people followed, written by the module's workers
//! and read by them only (and by the person, in their right of access).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InsertionNotes {
    Table,
    Id,
    PersonId,
    CitizenId,
    Body,
    AuthorId,
    AuthorName,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InsertionNotes as N;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .col(
                        ColumnDef::new(N::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(N::PersonId).big_integer().not_null())
                    .col(ColumnDef::new(N::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(N::Body).text().not_null())
                    .col(ColumnDef::new(N::AuthorId).big_integer().not_null())
                    .col(ColumnDef::new(N::AuthorName).string().not_null())
                    .col(
                        ColumnDef::new(N::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("insertion_notes_person")
                    .table(N::Table)
                    .col(N::PersonId)
                    .to_owned(),
            )
            .await
    }
}
