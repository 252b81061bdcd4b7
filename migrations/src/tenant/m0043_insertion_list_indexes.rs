//! The insertion lists read a page from a person's position (`listing`): the people to orient
//! (never oriented, not gone) and those without referent, each in entry order. These indexes
//! give each list its rows in that order, so a page reads its 50 people and not every person
//! followed before them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InsertionPeople {
    Table,
    Id,
    OrientationDays,
    ReferentId,
    LeftOn,
    EnteredOn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InsertionPeople as P;
        for (name, first) in [
            ("insertion_people_to_orient", P::OrientationDays),
            ("insertion_people_without_referent", P::ReferentId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(P::Table)
                        .col(first)
                        .col(P::LeftOn)
                        .col(P::EnteredOn)
                        .col(P::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
