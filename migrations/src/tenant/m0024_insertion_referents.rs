//! Insertion (RSA): each person's referent, with the history of hand-overs. A referent is a
//! staff account of the department (platform store), named here with its name at the time.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InsertionReferents {
    Table,
    Id,
    PersonId,
    CitizenId,
    StaffId,
    StaffName,
    /// From that day, until `to_on` (the day of the hand-over), or still.
    FromOn,
    ToOn,
    AssignedBy,
    AssignedByName,
    /// Why, or what the next referent should know.
    Note,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InsertionReferents as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(
                        ColumnDef::new(R::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(R::PersonId).big_integer().not_null())
                    .col(ColumnDef::new(R::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(R::StaffId).big_integer().not_null())
                    .col(ColumnDef::new(R::StaffName).string().not_null())
                    .col(ColumnDef::new(R::FromOn).date().not_null())
                    .col(ColumnDef::new(R::ToOn).date().null())
                    .col(ColumnDef::new(R::AssignedBy).big_integer().not_null())
                    .col(ColumnDef::new(R::AssignedByName).string().not_null())
                    .col(ColumnDef::new(R::Note).text().not_null())
                    .col(
                        ColumnDef::new(R::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("insertion_referents_person", [R::PersonId, R::ToOn]),
            ("insertion_referents_staff", [R::StaffId, R::ToOn]),
        ] {
            let mut index = Index::create();
            index.name(name).table(R::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }
}
