//! Early detection: the rules a department has switched on (each module declares its rules;
//! none runs until the department's administrator chooses it), and why each step of an RSA
//! right happened as the fund's file said (a suspension's or a closure's reason), so that a
//! right closed for want of the quarterly return can be told from one closed at the
//! household's request.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DetectionRules {
    Table,
    /// The rule's identifier, as its module declares it (`insertion.not_oriented`).
    Rule,
    EnabledAt,
}

#[derive(DeriveIden)]
enum InsertionRightEvents {
    Table,
    /// `MOTISUSVERSRSA` for a suspension, `MOTICLORSA` for a closure, as the file gave it.
    Reason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use DetectionRules as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(ColumnDef::new(D::Rule).string().not_null().primary_key())
                    .col(
                        ColumnDef::new(D::EnabledAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(InsertionRightEvents::Table)
                    .add_column(ColumnDef::new(InsertionRightEvents::Reason).string().null())
                    .to_owned(),
            )
            .await
    }
}
