//! A merge of two records that may not be the same person (their identities differ, or the
//! kept one is a local account no one verified) waits for a second staff member's approval.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MergeProposals {
    Table,
    Id,
    KeptId,
    AbsorbedId,
    /// Who proposed it, and their name then.
    ProposedBy,
    ProposedByName,
    /// Why it needs a second look, as the second staff member reads it.
    Why,
    CreatedAt,
    /// Who approved it, when (the merge happened then).
    ApprovedBy,
    ApprovedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MergeProposals::Table)
                    .col(
                        ColumnDef::new(MergeProposals::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(MergeProposals::KeptId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MergeProposals::AbsorbedId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MergeProposals::ProposedBy)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MergeProposals::ProposedByName)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(MergeProposals::Why).text().not_null())
                    .col(
                        ColumnDef::new(MergeProposals::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MergeProposals::ApprovedBy)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(MergeProposals::ApprovedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("merge_proposals_pair")
                    .table(MergeProposals::Table)
                    .col(MergeProposals::KeptId)
                    .col(MergeProposals::AbsorbedId)
                    .to_owned(),
            )
            .await
    }
}
