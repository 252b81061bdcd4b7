//! Disability (MDPH): what follows the evaluation and the decision — the compensation plan
//! (PPC) sent to the person, who has 15 days to comment or ask to be heard; the RAPO, the
//! mandatory administrative appeal against a decision, re-examined by the committee; the
//! renewal invitation sent 6 months before a right ends; and the sectors files are routed to
//! by postcode and pole.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DisabilityFiles {
    Table,
    /// When the team sent the compensation plan to the person.
    PlanSentAt,
    /// The last day of the person's 15 days to answer it.
    PlanAnswerBy,
    /// The person's remarks on the plan.
    PlanRemarks,
    /// The person asks to be heard by the committee.
    PlanHearing,
    PlanAnsweredAt,
}

#[derive(DeriveIden)]
enum DisabilityRequests {
    Table,
    /// When the person was invited to ask for the right's renewal.
    RenewalInvitedAt,
}

#[derive(DeriveIden)]
enum DisabilityAppeals {
    Table,
    Id,
    RequestId,
    FileId,
    CitizenId,
    /// Why the person contests the decision, in their words.
    Reasons,
    FiledOn,
    FiledAt,
    /// The committee's answer is due by then: past it, silence means refusal.
    AnswerBy,
    /// `maintained` or `revised`, once the committee answered.
    Outcome,
    AnswerReason,
    AnsweredOn,
    AnsweredByName,
}

#[derive(DeriveIden)]
enum DisabilitySectors {
    Table,
    Id,
    /// The team's name, as the queue's filter shows it.
    Name,
    /// `child`, `adult`, or `any`.
    Pole,
    /// The postcodes or their beginnings, comma-separated.
    Postcodes,
    UpdatedByName,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use DisabilityFiles as F;
        let columns = [
            ColumnDef::new(F::PlanSentAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(F::PlanAnswerBy).date().null().to_owned(),
            ColumnDef::new(F::PlanRemarks).text().null().to_owned(),
            ColumnDef::new(F::PlanHearing)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(F::PlanAnsweredAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(F::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(DisabilityRequests::Table)
                    .add_column(
                        ColumnDef::new(DisabilityRequests::RenewalInvitedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        use DisabilityAppeals as A;
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
                    .col(ColumnDef::new(A::RequestId).big_integer().not_null())
                    .col(ColumnDef::new(A::FileId).big_integer().not_null())
                    .col(ColumnDef::new(A::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(A::Reasons).text().not_null())
                    .col(ColumnDef::new(A::FiledOn).date().not_null())
                    .col(
                        ColumnDef::new(A::FiledAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(A::AnswerBy).date().not_null())
                    .col(ColumnDef::new(A::Outcome).string().null())
                    .col(ColumnDef::new(A::AnswerReason).text().null())
                    .col(ColumnDef::new(A::AnsweredOn).date().null())
                    .col(ColumnDef::new(A::AnsweredByName).string().null())
                    .to_owned(),
            )
            .await?;
        // One appeal per decision: a second click cannot file two.
        manager
            .create_index(
                Index::create()
                    .name("disability_appeals_request")
                    .table(A::Table)
                    .col(A::RequestId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // What the lists read at volume: reception's queue (a stage, the first filed first, a
        // team), a person's rights, the rights ending soon.
        let indexes = [
            (
                "disability_files_queue",
                "disability_files",
                &["status", "filed_at"][..],
            ),
            (
                "disability_files_sector",
                "disability_files",
                &["sector", "status"][..],
            ),
            (
                "disability_requests_citizen",
                "disability_requests",
                &["citizen_id"][..],
            ),
            (
                "disability_requests_ends",
                "disability_requests",
                &["ends_on"][..],
            ),
        ];
        for (name, table, columns) in indexes {
            let mut index = Index::create();
            index.name(name).table(Alias::new(table));
            for column in columns {
                index.col(Alias::new(*column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        use DisabilitySectors as S;
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
                    .col(ColumnDef::new(S::Name).string().not_null())
                    .col(ColumnDef::new(S::Pole).string().not_null())
                    .col(ColumnDef::new(S::Postcodes).text().not_null())
                    .col(ColumnDef::new(S::UpdatedByName).string().not_null())
                    .col(
                        ColumnDef::new(S::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
