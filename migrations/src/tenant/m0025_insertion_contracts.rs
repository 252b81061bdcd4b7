//! Insertion (RSA): the contrat d'engagement (L.262-35, D.5411-14-1). Each version is a row;
//! a draft is written by the referent, signed for the department, then by the person (on
//! screen from their space, or on paper, scanned); signing a version replaces the one in force.
//! Its actions, by theme with a due date, are rows of their own: the person marks them done.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InsertionContracts {
    Table,
    Id,
    PersonId,
    CitizenId,
    /// 1, 2…: a new version starts from the one in force.
    Version,
    /// `draft`, `to_sign`, `signed`, `replaced`.
    Status,
    Goals,
    /// At least 15 hours of activity a week, unless reduced with a reason.
    WeeklyHours,
    ReductionReason,
    /// The next review, set in the contract.
    ReviewOn,
    WrittenBy,
    WrittenByName,
    /// Signed for the department (the draft is then frozen).
    DepartmentSignedAt,
    DepartmentSignedName,
    /// Signed by the person on screen…
    PersonSignedAt,
    /// … or on paper, the scan kept as the person's document.
    PaperDocumentId,
    /// The day it took effect (the later signature).
    SignedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InsertionContractActions {
    Table,
    Id,
    ContractId,
    PersonId,
    CitizenId,
    /// `employment`, `training`, `health`, `housing`, `mobility`, `family`, `budget`,
    /// `social_life`.
    Theme,
    Title,
    DueOn,
    DoneAt,
    /// Who marked it done: the person, or the staff member's name.
    DoneBy,
}

#[derive(DeriveIden)]
enum InsertionPeople {
    Table,
    /// The first orientation's start, and whether the first contract was signed within the
    /// month after it (none until one is): the indicators count without reading every version.
    OrientedOn,
    ContractInTime,
}

/// A moment that may not have come yet.
fn moment(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InsertionContractActions as A;
        use InsertionContracts as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(
                        ColumnDef::new(C::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(C::PersonId).big_integer().not_null())
                    .col(ColumnDef::new(C::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(C::Version).integer().not_null())
                    .col(ColumnDef::new(C::Status).string().not_null())
                    .col(ColumnDef::new(C::Goals).text().not_null())
                    .col(ColumnDef::new(C::WeeklyHours).integer().not_null())
                    .col(ColumnDef::new(C::ReductionReason).text().null())
                    .col(ColumnDef::new(C::ReviewOn).date().null())
                    .col(ColumnDef::new(C::WrittenBy).big_integer().not_null())
                    .col(ColumnDef::new(C::WrittenByName).string().not_null())
                    .col(moment(C::DepartmentSignedAt))
                    .col(ColumnDef::new(C::DepartmentSignedName).string().null())
                    .col(moment(C::PersonSignedAt))
                    .col(ColumnDef::new(C::PaperDocumentId).big_integer().null())
                    .col(ColumnDef::new(C::SignedOn).date().null())
                    .col(
                        ColumnDef::new(C::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("insertion_contracts_person")
                    .table(C::Table)
                    .col(C::PersonId)
                    .col(C::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(
                        ColumnDef::new(A::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(A::ContractId).big_integer().not_null())
                    .col(ColumnDef::new(A::PersonId).big_integer().not_null())
                    .col(ColumnDef::new(A::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(A::Theme).string().not_null())
                    .col(ColumnDef::new(A::Title).string().not_null())
                    .col(ColumnDef::new(A::DueOn).date().null())
                    .col(moment(A::DoneAt))
                    .col(ColumnDef::new(A::DoneBy).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("insertion_contract_actions_contract")
                    .table(A::Table)
                    .col(A::ContractId)
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite adds them one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(InsertionPeople::Table)
                    .add_column(ColumnDef::new(InsertionPeople::OrientedOn).date().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(InsertionPeople::Table)
                    .add_column(
                        ColumnDef::new(InsertionPeople::ContractInTime)
                            .boolean()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }
}
