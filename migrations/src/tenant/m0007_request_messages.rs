//! The exchange between the department and the citizen about one request (requests for more
//! information and the citizen's answers).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RequestMessages {
    Table,
    Id,
    RequestId,
    /// `staff:<id>` or `citizen`.
    Author,
    Body,
    CreatedAt,
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
                    .table(RequestMessages::Table)
                    .col(
                        ColumnDef::new(RequestMessages::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RequestMessages::RequestId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RequestMessages::Author).string().not_null())
                    .col(ColumnDef::new(RequestMessages::Body).text().not_null())
                    .col(
                        ColumnDef::new(RequestMessages::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RequestMessages::Table, RequestMessages::RequestId)
                            .to(AidRequests::Table, AidRequests::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("request_messages_request")
                    .table(RequestMessages::Table)
                    .col(RequestMessages::RequestId)
                    .to_owned(),
            )
            .await
    }
}
