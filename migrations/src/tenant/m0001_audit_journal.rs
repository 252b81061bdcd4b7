//! The audit journal: append-only, each entry chained to the previous one by its hash.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditJournal {
    Table,
    Seq,
    At,
    ActorId,
    ActorEmail,
    ActorRole,
    Action,
    Subject,
    Reason,
    PrevHash,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditJournal::Table)
                    // Assigned by the writer (last + 1), not auto-incremented: a gap is then a
                    // visible sign that a row was removed.
                    .col(
                        ColumnDef::new(AuditJournal::Seq)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuditJournal::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditJournal::ActorId).big_integer().null())
                    .col(ColumnDef::new(AuditJournal::ActorEmail).string().not_null())
                    .col(ColumnDef::new(AuditJournal::ActorRole).string().not_null())
                    .col(ColumnDef::new(AuditJournal::Action).string().not_null())
                    .col(ColumnDef::new(AuditJournal::Subject).string().not_null())
                    .col(ColumnDef::new(AuditJournal::Reason).string().not_null())
                    .col(
                        ColumnDef::new(AuditJournal::PrevHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditJournal::Hash).string_len(64).not_null())
                    .to_owned(),
            )
            .await
    }
}
