//! User relations (expand only): the audit journal learns which citizen's file an entry
//! concerns and from which module, so each citizen can read who accessed their file; staff log
//! their contacts with citizens.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditJournal {
    Table,
    /// The citizen whose file was read or changed; null for entries about no one's file.
    CitizenId,
    /// The module the staff member acted in (`aid_requests`, `user_relations`…), or empty.
    Module,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    CitizenId,
    /// The day of the contact (`YYYY-MM-DD`), as the staff member gives it.
    Day,
    /// `visit`, `call`, `letter` or `mail`.
    Channel,
    Subject,
    Note,
    StaffId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(AuditJournal::Table)
                    .add_column(ColumnDef::new(AuditJournal::CitizenId).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuditJournal::Table)
                    .add_column(
                        ColumnDef::new(AuditJournal::Module)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_journal_citizen")
                    .table(AuditJournal::Table)
                    .col(AuditJournal::CitizenId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(
                        ColumnDef::new(Contacts::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Contacts::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(Contacts::Day).string_len(10).not_null())
                    .col(ColumnDef::new(Contacts::Channel).string().not_null())
                    .col(ColumnDef::new(Contacts::Subject).string().not_null())
                    .col(ColumnDef::new(Contacts::Note).text().not_null())
                    .col(ColumnDef::new(Contacts::StaffId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Contacts::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("contacts_citizen")
                    .table(Contacts::Table)
                    .col(Contacts::CitizenId)
                    .to_owned(),
            )
            .await
    }
}
