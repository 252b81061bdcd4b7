//! Decisions on aid requests: the outcome, the amount, the reasons, and the letter's file.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Decisions {
    Table,
    Id,
    RequestId,
    Outcome,
    AmountCents,
    Reasons,
    Comment,
    DecidedBy,
    DecidedAt,
    LetterFile,
}

#[derive(DeriveIden)]
enum AidRequests {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Decisions::Table)
                    .col(
                        ColumnDef::new(Decisions::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    // One decision per request.
                    .col(
                        ColumnDef::new(Decisions::RequestId)
                            .big_integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Decisions::Outcome).string().not_null())
                    .col(ColumnDef::new(Decisions::AmountCents).big_integer().null())
                    // JSON list of the reasons chosen.
                    .col(ColumnDef::new(Decisions::Reasons).text().not_null())
                    .col(ColumnDef::new(Decisions::Comment).text().not_null())
                    // Staff account id; null for a decision by silence.
                    .col(ColumnDef::new(Decisions::DecidedBy).big_integer().null())
                    .col(
                        ColumnDef::new(Decisions::DecidedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    // The letter, relative to the department's files folder.
                    .col(ColumnDef::new(Decisions::LetterFile).string().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Decisions::Table, Decisions::RequestId)
                            .to(AidRequests::Table, AidRequests::Id),
                    )
                    .to_owned(),
            )
            .await
    }
}
