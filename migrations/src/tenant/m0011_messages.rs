//! Secure messages between a citizen and the department, in threads (general, or about one of
//! the citizen's requests). Mail only tells the citizen that a message waits, never its content.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MessageThreads {
    Table,
    Id,
    CitizenId,
    /// The request the thread is about, if any.
    RequestId,
    Subject,
    CreatedAt,
    LastMessageAt,
    /// Who wrote last: `citizen` (the department owes an answer) or `staff`.
    LastAuthor,
    /// Whether the citizen has read the department's last message.
    CitizenRead,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    ThreadId,
    /// `citizen` or `staff`.
    Author,
    StaffId,
    Body,
    /// A document sent with the message (the citizen's documents, checked like any upload).
    DocumentId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MessageThreads::Table)
                    .col(
                        ColumnDef::new(MessageThreads::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(MessageThreads::CitizenId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MessageThreads::RequestId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(MessageThreads::Subject).string().not_null())
                    .col(
                        ColumnDef::new(MessageThreads::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MessageThreads::LastMessageAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MessageThreads::LastAuthor)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MessageThreads::CitizenRead)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("message_threads_citizen")
                    .table(MessageThreads::Table)
                    .col(MessageThreads::CitizenId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("message_threads_waiting")
                    .table(MessageThreads::Table)
                    .col(MessageThreads::LastAuthor)
                    .col(MessageThreads::LastMessageAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(
                        ColumnDef::new(Messages::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Messages::ThreadId).big_integer().not_null())
                    .col(ColumnDef::new(Messages::Author).string().not_null())
                    .col(ColumnDef::new(Messages::StaffId).big_integer().null())
                    .col(ColumnDef::new(Messages::Body).text().not_null())
                    .col(ColumnDef::new(Messages::DocumentId).big_integer().null())
                    .col(
                        ColumnDef::new(Messages::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("messages_thread")
                    .table(Messages::Table)
                    .col(Messages::ThreadId)
                    .to_owned(),
            )
            .await
    }
}
