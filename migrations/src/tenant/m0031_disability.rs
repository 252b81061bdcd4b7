//! Disability (MDPH): the files citizens file with the national form CERFA 15692*01, one
//! request per right, the pieces sent with them (medical ones sealed under the department's
//! medical key), and that key, wrapped by the platform's.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DisabilityFiles {
    Table,
    Id,
    CitizenId,
    /// `first` or `renewal`.
    Kind,
    /// The file a renewal started from.
    PreviousFileId,
    /// `self`, `representative` (a parent, a carer, a legal representative) or `reception`.
    FiledBy,
    FiledByName,
    /// The form's answers (JSON), under `FormVersion`.
    Answers,
    FormVersion,
    /// The person asks the team to look at every right (CERFA part E left open).
    Generic,
    /// `draft`, `filed`, `waiting_pieces`, `complete`, `irrecevable`.
    Status,
    /// `adult` or `child`, from the person's age on filing.
    Pole,
    /// The team the file goes to, from the postcode.
    Sector,
    CreatedAt,
    UpdatedAt,
    FiledAt,
    PiecesAskedAt,
    PiecesDeadline,
    PiecesMessage,
    /// Why the citizen cannot send a piece, in their words.
    CitizenExplanation,
    /// The completeness date: the legal clock starts here.
    CompleteOn,
    IrrecevableAt,
}

#[derive(DeriveIden)]
enum DisabilityRequests {
    Table,
    Id,
    FileId,
    CitizenId,
    /// A right of CERFA part E (`aah`, `pch`, `rqth`…).
    RightCode,
    Status,
    /// The date the committee's silence means refusal (4 months after completeness).
    DueOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DisabilityPieces {
    Table,
    Id,
    FileId,
    CitizenId,
    /// `certificate`, `identity`, `address`, `court_decision`, `medical`, `other`.
    Kind,
    /// Sent « sous pli confidentiel »: in the medical compartment, sealed.
    Medical,
    /// A piece outside the compartment: the citizen's document.
    DocumentId,
    /// A sealed piece: where its sealed bytes are, and its name, sealed too.
    SealedKey,
    SealedName,
    ContentType,
    Size,
    /// The medical certificate's date and its doctor's RPPS number (reception checks both).
    CertificateDate,
    Rpps,
    /// `received`, `accepted`, `rejected`.
    Status,
    Reason,
    ReviewedByName,
    ReviewedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DisabilityKeys {
    Table,
    Id,
    /// The department's medical key, sealed with the platform's key-wrapping key.
    Wrapped,
    CreatedAt,
}

fn id<T: IntoIden>(c: T) -> ColumnDef {
    ColumnDef::new(c)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn at<T: IntoIden>(c: T) -> ColumnDef {
    ColumnDef::new(c).timestamp_with_time_zone().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use DisabilityFiles as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(id(F::Id))
                    .col(ColumnDef::new(F::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(F::Kind).string().not_null())
                    .col(ColumnDef::new(F::PreviousFileId).big_integer().null())
                    .col(ColumnDef::new(F::FiledBy).string().not_null())
                    .col(ColumnDef::new(F::FiledByName).string().not_null())
                    .col(ColumnDef::new(F::Answers).text().not_null())
                    .col(ColumnDef::new(F::FormVersion).string().not_null())
                    .col(ColumnDef::new(F::Generic).boolean().not_null())
                    .col(ColumnDef::new(F::Status).string().not_null())
                    .col(ColumnDef::new(F::Pole).string().null())
                    .col(ColumnDef::new(F::Sector).string().null())
                    .col(at(F::CreatedAt).not_null())
                    .col(at(F::UpdatedAt).not_null())
                    .col(at(F::FiledAt).null())
                    .col(at(F::PiecesAskedAt).null())
                    .col(ColumnDef::new(F::PiecesDeadline).date().null())
                    .col(ColumnDef::new(F::PiecesMessage).text().null())
                    .col(ColumnDef::new(F::CitizenExplanation).text().null())
                    .col(ColumnDef::new(F::CompleteOn).date().null())
                    .col(at(F::IrrecevableAt).null())
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("disability_files_citizen", F::CitizenId),
            ("disability_files_status", F::Status),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(F::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        use DisabilityRequests as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(id(R::Id))
                    .col(ColumnDef::new(R::FileId).big_integer().not_null())
                    .col(ColumnDef::new(R::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(R::RightCode).string().not_null())
                    .col(ColumnDef::new(R::Status).string().not_null())
                    .col(ColumnDef::new(R::DueOn).date().null())
                    .col(at(R::CreatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        // A right is asked once per file.
        manager
            .create_index(
                Index::create()
                    .name("disability_requests_file_right")
                    .table(R::Table)
                    .col(R::FileId)
                    .col(R::RightCode)
                    .unique()
                    .to_owned(),
            )
            .await?;

        use DisabilityPieces as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(id(P::Id))
                    .col(ColumnDef::new(P::FileId).big_integer().not_null())
                    .col(ColumnDef::new(P::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(P::Kind).string().not_null())
                    .col(ColumnDef::new(P::Medical).boolean().not_null())
                    .col(ColumnDef::new(P::DocumentId).big_integer().null())
                    .col(ColumnDef::new(P::SealedKey).string().null())
                    .col(ColumnDef::new(P::SealedName).text().null())
                    .col(ColumnDef::new(P::ContentType).string().not_null())
                    .col(ColumnDef::new(P::Size).big_integer().not_null())
                    .col(ColumnDef::new(P::CertificateDate).date().null())
                    .col(ColumnDef::new(P::Rpps).string().null())
                    .col(ColumnDef::new(P::Status).string().not_null())
                    .col(ColumnDef::new(P::Reason).text().null())
                    .col(ColumnDef::new(P::ReviewedByName).string().null())
                    .col(at(P::ReviewedAt).null())
                    .col(at(P::CreatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("disability_pieces_file")
                    .table(P::Table)
                    .col(P::FileId)
                    .to_owned(),
            )
            .await?;

        use DisabilityKeys as K;
        manager
            .create_table(
                Table::create()
                    .table(K::Table)
                    .col(id(K::Id))
                    .col(ColumnDef::new(K::Wrapped).text().not_null())
                    .col(at(K::CreatedAt).not_null())
                    .to_owned(),
            )
            .await
    }
}
