//! Insertion (RSA): invitations to book an orientation or follow-up meeting among the
//! department's published slots, through a link that expires; the reminders sent, and the
//! appointment booked through it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InsertionInvitations {
    Table,
    Id,
    PersonId,
    CitizenId,
    /// `orientation` or `follow_up`.
    Purpose,
    /// The service whose slots the link offers.
    Service,
    /// The secret in the link (random); the link books for this person only, until it expires.
    Token,
    /// The whole link, as mailed and printed: the reminders repeat it.
    BookingUrl,
    SentBy,
    SentByName,
    SentAt,
    ExpiresAt,
    /// The reminder a few days after, when nothing is booked yet.
    RemindedAt,
    /// The appointment booked through the link, the latest if moved.
    AppointmentId,
    /// The convocation's reminder, two days before the appointment.
    ConvocationRemindedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InsertionInvitations as I;
        let at = |c: I| ColumnDef::new(c).timestamp_with_time_zone().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(
                        ColumnDef::new(I::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(I::PersonId).big_integer().not_null())
                    .col(ColumnDef::new(I::CitizenId).big_integer().not_null())
                    .col(ColumnDef::new(I::Purpose).string().not_null())
                    .col(ColumnDef::new(I::Service).string().not_null())
                    .col(ColumnDef::new(I::Token).string().not_null().unique_key())
                    .col(ColumnDef::new(I::BookingUrl).string().not_null())
                    .col(ColumnDef::new(I::SentBy).big_integer().not_null())
                    .col(ColumnDef::new(I::SentByName).string().not_null())
                    .col(at(I::SentAt).not_null())
                    .col(at(I::ExpiresAt).not_null())
                    .col(at(I::RemindedAt).null())
                    .col(ColumnDef::new(I::AppointmentId).big_integer().null())
                    .col(at(I::ConvocationRemindedAt).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("insertion_invitations_person")
                    .table(I::Table)
                    .col(I::PersonId)
                    .to_owned(),
            )
            .await
    }
}
