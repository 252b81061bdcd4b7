//! A citizen answers a request for more information with a document as well as words: the
//! message points at the document sent or chosen from their own. The request remembers when the
//! citizen last answered, until the instructor acts again, so the queue can show « L'usager a
//! répondu » and filter on it. A decision keeps who signed it, as the letter names them (CRPA
//! L.212-1: the signatory's name and function).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RequestMessages {
    Table,
    DocumentId,
}

#[derive(DeriveIden)]
enum Decisions {
    Table,
    Signatory,
}

#[derive(DeriveIden)]
enum AidRequests {
    Table,
    CitizenRepliedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds them one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(RequestMessages::Table)
                    .add_column(
                        ColumnDef::new(RequestMessages::DocumentId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AidRequests::Table)
                    .add_column(
                        ColumnDef::new(AidRequests::CitizenRepliedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Decisions::Table)
                    .add_column(ColumnDef::new(Decisions::Signatory).text().null())
                    .to_owned(),
            )
            .await
    }
}
