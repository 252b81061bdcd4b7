//! Appointments: slots that staff publish per service and place, booked by citizens online or
//! by staff for them; reminders the day before; attendance recorded.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AppointmentSlots {
    Table,
    Id,
    /// "Accueil social", "Permanence RSA"…
    Service,
    /// Where: "Maison départementale, 12 rue …".
    Place,
    StartsAt,
    Minutes,
    /// Who published it.
    StaffId,
    /// Withdrawn slots stay for the history but are offered no more.
    WithdrawnAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
    SlotId,
    /// Set to the slot while the appointment holds it (null once cancelled or moved): unique,
    /// so two bookings can never hold one slot, whatever the race.
    HeldSlotId,
    CitizenId,
    /// `citizen` or `staff`.
    BookedBy,
    StaffId,
    /// `booked`, `cancelled`, `moved`, `attended` or `missed`.
    State,
    CreatedAt,
    ChangedAt,
    ReminderSentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AppointmentSlots::Table)
                    .col(
                        ColumnDef::new(AppointmentSlots::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AppointmentSlots::Service)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AppointmentSlots::Place).string().not_null())
                    .col(
                        ColumnDef::new(AppointmentSlots::StartsAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AppointmentSlots::Minutes)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AppointmentSlots::StaffId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AppointmentSlots::WithdrawnAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AppointmentSlots::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("appointment_slots_start")
                    .table(AppointmentSlots::Table)
                    .col(AppointmentSlots::StartsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Appointments::Table)
                    .col(
                        ColumnDef::new(Appointments::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Appointments::SlotId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Appointments::HeldSlotId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Appointments::CitizenId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Appointments::BookedBy).string().not_null())
                    .col(ColumnDef::new(Appointments::StaffId).big_integer().null())
                    .col(ColumnDef::new(Appointments::State).string().not_null())
                    .col(
                        ColumnDef::new(Appointments::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Appointments::ChangedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Appointments::ReminderSentAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("appointments_held_slot")
                    .table(Appointments::Table)
                    .col(Appointments::HeldSlotId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("appointments_citizen")
                    .table(Appointments::Table)
                    .col(Appointments::CitizenId)
                    .to_owned(),
            )
            .await
    }
}
