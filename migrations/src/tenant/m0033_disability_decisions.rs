//! Disability (MDPH): the committee (CDAPH) — its sessions with their agenda of files — and
//! its decision on each request: outcome, reasons, dates or « sans limitation de durée », a
//! complement level; the notification sent and the day the person received it, from which the
//! appeal delay runs.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DisabilitySessions {
    Table,
    Id,
    HeldOn,
    /// `plenary` or `restricted`.
    Formation,
    CreatedByName,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DisabilityFiles {
    Table,
    /// The session whose agenda holds the file.
    SessionId,
}

#[derive(DeriveIden)]
enum DisabilityRequests {
    Table,
    /// `granted`, `partial`, `refused`, `adjourned`.
    Outcome,
    DecisionReason,
    StartsOn,
    EndsOn,
    WithoutLimit,
    /// A complement level (AEEH 1 to 6) or the PCH elements granted.
    Level,
    DecidedOn,
    DecidedByName,
    NotifiedAt,
    /// The day the person received the notification: the 2 months of the RAPO run from it.
    ReceivedOn,
    /// `space` (opened in their space) or `staff` (recorded from the postal receipt).
    ReceivedHow,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use DisabilitySessions as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(
                        ColumnDef::new(S::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(S::HeldOn).date().not_null())
                    .col(ColumnDef::new(S::Formation).string().not_null())
                    .col(ColumnDef::new(S::CreatedByName).string().not_null())
                    .col(
                        ColumnDef::new(S::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(DisabilityFiles::Table)
                    .add_column(
                        ColumnDef::new(DisabilityFiles::SessionId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        use DisabilityRequests as R;
        let columns = [
            ColumnDef::new(R::Outcome).string().null().to_owned(),
            ColumnDef::new(R::DecisionReason).text().null().to_owned(),
            ColumnDef::new(R::StartsOn).date().null().to_owned(),
            ColumnDef::new(R::EndsOn).date().null().to_owned(),
            ColumnDef::new(R::WithoutLimit)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(R::Level).string().null().to_owned(),
            ColumnDef::new(R::DecidedOn).date().null().to_owned(),
            ColumnDef::new(R::DecidedByName).string().null().to_owned(),
            ColumnDef::new(R::NotifiedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(R::ReceivedOn).date().null().to_owned(),
            ColumnDef::new(R::ReceivedHow).string().null().to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(R::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
