//! Insertion (RSA): the people the benefit funds' files name (applicants and partners), the
//! timeline of their right, and the imports of those files (a preview, then the writes, each
//! run by a job whose progress is kept here).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InsertionImports {
    Table,
    Id,
    RequestedBy,
    RequestedByName,
    /// The name the file was sent with.
    FileName,
    FileSize,
    /// SHA-256 of the file, hex: the same file sent again is recognised.
    FileHash,
    Status,
    /// The file's header (`TYPEFLUX`, `DTCREAFLUX`, `DTREF`), once read.
    Frequency,
    CreatedOn,
    ReferenceOn,
    /// Households in the file (known once the preview read it all).
    HouseholdsTotal,
    /// Households read by the running pass.
    HouseholdsRead,
    /// Households whose writes are committed (a resumed run skips them).
    HouseholdsApplied,
    /// JSON: the preview's counts and findings (conflicts, refused rows, with their lines).
    Preview,
    /// JSON: what the writes did (people created, updated, exits, right changes).
    Outcome,
    /// Why the file was refused as a whole, in French, with its line.
    Error,
    Claim,
    CreatedAt,
    UpdatedAt,
    ConfirmedBy,
    ConfirmedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum InsertionPeople {
    Table,
    Id,
    CitizenId,
    /// The 13 characters, when known.
    Nir,
    Fund,
    Matricule,
    /// `DEM` or `CJT`.
    Role,
    /// The department's own identifier, from its lists.
    InternalId,
    FamilyName,
    GivenName,
    BirthDate,
    Sex,
    RightState,
    RightsAndDuties,
    Homeless,
    Postcode,
    Commune,
    FranceTravailId,
    /// SHA-256 of the household's block as last imported: unchanged blocks are skipped.
    HouseholdHash,
    /// When the department received the information that opened the clock (the file's
    /// creation date): the 6-week orientation clock and the indicators count from it.
    EnteredOn,
    /// When a full monthly file no longer named them.
    LeftOn,
    LastImportId,
    /// Days from entry to the start of the first orientation decided, null until one is (the
    /// list to orient and the indicators read it: one table, the same on both engines).
    OrientationDays,
    /// The referent now (a staff account), kept with each hand-over: the list without
    /// referent and the indicators read it.
    ReferentId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InsertionRightEvents {
    Table,
    Id,
    PersonId,
    CitizenId,
    ImportId,
    HappenedOn,
    /// `entry`, `change`, `exit`, `return`.
    Kind,
    RightState,
    PreviousState,
    CreatedAt,
}

fn id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn at<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InsertionImports as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(id(I::Id))
                    .col(ColumnDef::new(I::RequestedBy).big_integer().not_null())
                    .col(ColumnDef::new(I::RequestedByName).string().not_null())
                    .col(ColumnDef::new(I::FileName).string().not_null())
                    .col(ColumnDef::new(I::FileSize).big_integer().not_null())
                    .col(ColumnDef::new(I::FileHash).string().not_null())
                    .col(ColumnDef::new(I::Status).string().not_null())
                    .col(ColumnDef::new(I::Frequency).string().null())
                    .col(ColumnDef::new(I::CreatedOn).date().null())
                    .col(ColumnDef::new(I::ReferenceOn).date().null())
                    .col(ColumnDef::new(I::HouseholdsTotal).big_integer().null())
                    .col(ColumnDef::new(I::HouseholdsRead).big_integer().not_null())
                    .col(
                        ColumnDef::new(I::HouseholdsApplied)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(I::Preview).text().null())
                    .col(ColumnDef::new(I::Outcome).text().null())
                    .col(ColumnDef::new(I::Error).text().null())
                    .col(ColumnDef::new(I::Claim).string().null())
                    .col(at(I::CreatedAt))
                    .col(at(I::UpdatedAt))
                    .col(ColumnDef::new(I::ConfirmedBy).big_integer().null())
                    .col(
                        ColumnDef::new(I::ConfirmedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(I::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;

        use InsertionPeople as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(id(P::Id))
                    .col(ColumnDef::new(P::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(P::Nir).string().null())
                    .col(ColumnDef::new(P::Fund).string().not_null())
                    .col(ColumnDef::new(P::Matricule).string().not_null())
                    .col(ColumnDef::new(P::Role).string().not_null())
                    .col(ColumnDef::new(P::InternalId).string().null())
                    .col(ColumnDef::new(P::FamilyName).string().not_null())
                    .col(ColumnDef::new(P::GivenName).string().not_null())
                    .col(ColumnDef::new(P::BirthDate).date().null())
                    .col(ColumnDef::new(P::Sex).string().not_null())
                    .col(ColumnDef::new(P::RightState).string().not_null())
                    .col(ColumnDef::new(P::RightsAndDuties).boolean().not_null())
                    .col(ColumnDef::new(P::Homeless).boolean().not_null())
                    .col(ColumnDef::new(P::Postcode).string().null())
                    .col(ColumnDef::new(P::Commune).string().null())
                    .col(ColumnDef::new(P::FranceTravailId).string().null())
                    .col(ColumnDef::new(P::HouseholdHash).string().not_null())
                    .col(ColumnDef::new(P::EnteredOn).date().not_null())
                    .col(ColumnDef::new(P::LeftOn).date().null())
                    .col(ColumnDef::new(P::LastImportId).big_integer().not_null())
                    .col(ColumnDef::new(P::OrientationDays).integer().null())
                    .col(ColumnDef::new(P::ReferentId).big_integer().null())
                    .col(at(P::CreatedAt))
                    .col(at(P::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("insertion_people_nir", vec![P::Nir]),
            (
                "insertion_people_fund_key",
                vec![P::Fund, P::Matricule, P::Role],
            ),
            ("insertion_people_citizen", vec![P::CitizenId]),
            ("insertion_people_clock", vec![P::LeftOn, P::EnteredOn]),
        ] {
            let mut index = Index::create();
            index.name(name).table(P::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        use InsertionRightEvents as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(id(E::Id))
                    .col(ColumnDef::new(E::PersonId).big_integer().not_null())
                    .col(ColumnDef::new(E::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(E::ImportId).big_integer().not_null())
                    .col(ColumnDef::new(E::HappenedOn).date().not_null())
                    .col(ColumnDef::new(E::Kind).string().not_null())
                    .col(ColumnDef::new(E::RightState).string().not_null())
                    .col(ColumnDef::new(E::PreviousState).string().null())
                    .col(at(E::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("insertion_right_events_person")
                    .table(E::Table)
                    .col(E::PersonId)
                    .to_owned(),
            )
            .await
    }
}
