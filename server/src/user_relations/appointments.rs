//! Appointments: staff publish slots per service and place; citizens book, move or cancel
//! them online, or staff book for them. One slot holds one appointment, enforced by a unique
//! column (`held_slot_id`), so a race between two bookings leaves one of them refused. The
//! confirmation mail carries an `.ics` file; a job reminds the citizen the day before; staff
//! record who came and who did not.
//!
//! Times are stored in UTC and read, typed and shown in the department's time (Paris).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone as _, Utc};
use chrono_tz::Europe::Paris;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use tenants::Tenant;

use app::validation::FieldErrors;

use crate::entity::{appointment, appointment_slot};
use crate::mail::{self, MailAttachment, OutgoingMail};
use crate::staff::Author;

stored_enum! {
    /// How an appointment stands.
    pub enum State {
        Booked = "booked",
        Cancelled = "cancelled",
        /// Replaced by another appointment the citizen moved to.
        Moved = "moved",
        Attended = "attended",
        Missed = "missed",
    }
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Booked => "réservé",
            State::Cancelled => "annulé",
            State::Moved => "déplacé",
            State::Attended => "honoré",
            State::Missed => "non honoré",
        }
    }
}

/// A slot, with the appointment that holds it if any.
#[derive(Clone, Debug)]
pub struct Slot {
    pub id: i64,
    pub service: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub minutes: i32,
    /// The citizen holding it, if booked.
    pub held_by: Option<i64>,
    /// The appointment holding it.
    pub appointment_id: Option<i64>,
}

impl Slot {
    /// "mardi 8 décembre 2026 à 09:30" in Paris time.
    pub fn when(&self) -> String {
        french_when(self.starts_at)
    }
}

const DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

/// A time as people in the department read it: "mardi 8 décembre 2026 à 09:30".
pub fn french_when(at: DateTime<Utc>) -> String {
    use chrono::Datelike as _;
    let local = at.with_timezone(&Paris);
    format!(
        "{} {} {} {} à {}",
        DAYS[local.weekday().num_days_from_monday() as usize],
        local.day(),
        crate::dates::MONTHS[local.month0() as usize],
        local.year(),
        local.format("%H:%M")
    )
}

/// A citizen's appointment.
#[derive(Clone, Debug)]
pub struct Appointment {
    pub id: i64,
    pub citizen_id: i64,
    pub state: State,
    pub slot: Slot,
}

/// Slots to publish, as typed: a first time, a length, how many in a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSlots {
    pub service: String,
    pub place: String,
    pub first: DateTime<Utc>,
    pub minutes: i32,
    pub count: u32,
}

impl NewSlots {
    /// Checks the staff form; every problem in French with how to fix it.
    pub fn parse(
        service: &str,
        place: &str,
        day: &str,
        time: &str,
        minutes: &str,
        count: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let one_line = app::validation::one_line;
        let service = service.trim();
        let on_one_line =
            "tient sur une ligne : retirez les retours à la ligne et les caractères invisibles.";
        if !one_line(service) {
            errors.add("service", format!("Le service {on_one_line}"));
        } else if service.is_empty() || service.chars().count() > 100 {
            errors.add("service", "Indiquez le service qui reçoit (100 caractères au plus), par exemple « Accueil social ».");
        }
        let place = place.trim();
        if !one_line(place) {
            errors.add("place", format!("Le lieu {on_one_line}"));
        } else if place.is_empty() || place.chars().count() > 200 {
            errors.add("place", "Indiquez le lieu du rendez-vous (200 caractères au plus) : adresse ou nom du bâtiment.");
        }
        let day = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok();
        if day.is_none() {
            errors.add(
                "day",
                "La date est manquante ou mal écrite : choisissez un jour.",
            );
        }
        let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").ok();
        if time.is_none() {
            errors.add(
                "time",
                "L'heure est manquante ou mal écrite : indiquez-la au format 09:30.",
            );
        }
        let minutes = match minutes.trim().parse::<i32>() {
            Ok(m) if (5..=240).contains(&m) => Some(m),
            _ => {
                errors.add(
                    "minutes",
                    "La durée doit être un nombre de minutes entre 5 et 240.",
                );
                None
            }
        };
        let count = match count.trim().parse::<u32>() {
            Ok(n) if (1..=40).contains(&n) => Some(n),
            _ => {
                errors.add("count", "Le nombre de créneaux doit être entre 1 et 40.");
                None
            }
        };
        let first = match (day, time) {
            (Some(day), Some(time)) => match Paris
                .from_local_datetime(&day.and_time(time))
                .earliest()
            {
                Some(local) if local.with_timezone(&Utc) > now + chrono::Duration::days(366) => {
                    errors.add("day", format!(
                        "Les créneaux se publient au plus un an à l'avance : choisissez un jour avant le {}.",
                        (now + chrono::Duration::days(366)).with_timezone(&Paris).format("%d/%m/%Y")
                    ));
                    None
                }
                Some(local) if local.with_timezone(&Utc) > now => Some(local.with_timezone(&Utc)),
                Some(_) => {
                    errors.add(
                        "day",
                        "Ce moment est déjà passé : choisissez une date et une heure à venir."
                            .to_owned(),
                    );
                    None
                }
                None => {
                    errors.add("time", "Cette heure n'existe pas ce jour-là (changement d'heure) : choisissez-en une autre.");
                    None
                }
            },
            _ => None,
        };
        match (first, minutes, count) {
            (Some(first), Some(minutes), Some(count)) if errors.is_empty() => Ok(Self {
                service: service.to_owned(),
                place: place.to_owned(),
                first,
                minutes,
                count,
            }),
            _ => Err(errors),
        }
    }
}

/// Publishes slots one after another, journaled in `by`'s name; returns how many.
pub async fn publish(
    tenant: &Tenant,
    staff_id: i64,
    slots: &NewSlots,
    by: Author<'_>,
) -> Result<u32, DbErr> {
    let now = Utc::now();
    let txn = tenant.db().begin_write().await?;
    for n in 0..slots.count {
        appointment_slot::ActiveModel {
            service: Set(slots.service.clone()),
            place: Set(slots.place.clone()),
            starts_at: Set(slots.first + Duration::minutes(i64::from(slots.minutes) * i64::from(n))),
            minutes: Set(slots.minutes),
            staff_id: Set(staff_id),
            withdrawn_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let entry = by.event(
        "publication de créneaux de rendez-vous",
        &format!(
            "{} créneau(x), {} — {}",
            slots.count, slots.service, slots.place
        ),
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(slots.count)
}

fn slot_of(row: appointment_slot::Model, holder: Option<&appointment::Model>) -> Slot {
    Slot {
        id: row.id,
        service: row.service,
        place: row.place,
        starts_at: row.starts_at,
        minutes: row.minutes,
        held_by: holder.map(|a| a.citizen_id),
        appointment_id: holder.map(|a| a.id),
    }
}

/// Slots from `from` on (not withdrawn), each with who holds it, in time order.
pub async fn slots_from(tenant: &Tenant, from: DateTime<Utc>) -> Result<Vec<Slot>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = appointment_slot::Entity::find()
        .filter(appointment_slot::Column::StartsAt.gte(from))
        .filter(appointment_slot::Column::WithdrawnAt.is_null())
        .order_by_asc(appointment_slot::Column::StartsAt)
        .order_by_asc(appointment_slot::Column::Id)
        .all(&txn)
        .await?;
    let held = appointment::Entity::find()
        .filter(appointment::Column::HeldSlotId.is_in(rows.iter().map(|r| r.id)))
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let holder = held.iter().find(|a| a.held_slot_id == Some(row.id));
            slot_of(row, holder)
        })
        .collect())
}

/// Slots staff should record attendance for: started, still booked.
pub async fn to_record(tenant: &Tenant, now: DateTime<Utc>) -> Result<Vec<Slot>, DbErr> {
    let txn = tenant.db().begin().await?;
    let booked = appointment::Entity::find()
        .filter(appointment::Column::State.eq(State::Booked))
        .all(&txn)
        .await?;
    let rows = appointment_slot::Entity::find()
        .filter(appointment_slot::Column::Id.is_in(booked.iter().map(|a| a.slot_id)))
        .filter(appointment_slot::Column::StartsAt.lte(now))
        .order_by_asc(appointment_slot::Column::StartsAt)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let holder = booked.iter().find(|a| a.held_slot_id == Some(row.id));
            slot_of(row, holder)
        })
        .collect())
}

/// Why a booking did not happen.
#[derive(Debug, PartialEq, Eq)]
pub enum BookingError {
    /// Someone took it first, or it was withdrawn, or it has begun.
    Taken,
    /// Not found (or, when moving, not this citizen's appointment).
    NotFound,
}

impl BookingError {
    pub fn message(&self) -> &'static str {
        match self {
            BookingError::Taken => {
                "Ce créneau vient d'être pris ou n'est plus proposé : choisissez-en un autre."
            }
            BookingError::NotFound => "Ce rendez-vous est introuvable.",
        }
    }
}

/// Who books: reception's booking is journaled in the citizen's file with it.
#[derive(Clone, Copy)]
pub enum BookedBy<'a> {
    Citizen,
    Staff(&'a super::Desk<'a>),
}

/// The confirmation to mail: to whom, and the department's name for the invitation.
pub struct Confirmation<'a> {
    pub to: &'a str,
    pub department: &'a str,
    /// Where the citizen sees, moves or cancels it.
    pub url: &'a str,
}

/// Books a free slot for the citizen; with `replacing`, moves that appointment of theirs to it
/// in the same transaction (the old one is freed only if the new one is taken). Queues the
/// confirmation with its `.ics` file.
pub async fn book(
    tenant: &Tenant,
    citizen_id: i64,
    slot_id: i64,
    by: BookedBy<'_>,
    replacing: Option<i64>,
    confirmation: Option<Confirmation<'_>>,
) -> Result<Result<Appointment, BookingError>, DbErr> {
    let txn = tenant.db().begin_write().await?;
    let booked = book_in(&txn, citizen_id, slot_id, by, replacing, confirmation).await?;
    if booked.is_ok() {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
    }
    Ok(booked)
}

/// As [`book`], inside the caller's transaction, for a module that records the booking with
/// its own rows: the caller commits, or rolls back when the booking is refused (a slot taken
/// meanwhile leaves the transaction unusable on PostgreSQL).
pub async fn book_in(
    txn: &sea_orm::DatabaseTransaction,
    citizen_id: i64,
    slot_id: i64,
    by: BookedBy<'_>,
    replacing: Option<i64>,
    confirmation: Option<Confirmation<'_>>,
) -> Result<Result<Appointment, BookingError>, DbErr> {
    let now = Utc::now();
    let Some(slot) = appointment_slot::Entity::find_by_id(slot_id)
        .filter(appointment_slot::Column::WithdrawnAt.is_null())
        .filter(appointment_slot::Column::StartsAt.gt(now))
        .one(txn)
        .await?
    else {
        return Ok(Err(BookingError::Taken));
    };
    if let Some(old) = replacing {
        let freed = appointment::Entity::update_many()
            .col_expr(appointment::Column::State, Expr::value(State::Moved))
            .col_expr(
                appointment::Column::HeldSlotId,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(appointment::Column::ChangedAt, Expr::value(now))
            .filter(appointment::Column::Id.eq(old))
            .filter(appointment::Column::CitizenId.eq(citizen_id))
            .filter(appointment::Column::State.eq(State::Booked))
            .exec(txn)
            .await?
            .rows_affected;
        if freed == 0 {
            return Ok(Err(BookingError::NotFound));
        }
    }
    let (booked_by, staff_id) = match by {
        BookedBy::Citizen => ("citizen", None),
        BookedBy::Staff(desk) => ("staff", Some(desk.account().id)),
    };
    // A slot taken meanwhile fails this insert (unique `held_slot_id`): the whole transaction,
    // the move above included, is rolled back.
    let inserted = appointment::ActiveModel {
        slot_id: Set(slot.id),
        held_slot_id: Set(Some(slot.id)),
        citizen_id: Set(citizen_id),
        booked_by: Set(booked_by.to_owned()),
        staff_id: Set(staff_id),
        state: Set(State::Booked),
        created_at: Set(now),
        changed_at: Set(now),
        reminder_sent_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(e) if e.sql_err().is_some() => return Ok(Err(BookingError::Taken)),
        Err(e) => return Err(e),
    };
    let appointment = Appointment {
        id: row.id,
        citizen_id,
        state: State::Booked,
        slot: slot_of(slot, Some(&row)),
    };
    if let Some(confirmation) = confirmation.filter(|c| !c.to.is_empty()) {
        let moved = replacing.is_some();
        queue_confirmation(txn, &appointment, &confirmation, moved).await?;
    }
    if let BookedBy::Staff(desk) = by {
        let entry = desk.file_event(
            citizen_id,
            &format!(
                "prise d'un rendez-vous pour vous ({})",
                appointment.slot.when()
            ),
            &format!("rendez-vous {} (usager {citizen_id})", appointment.id),
            super::RECEPTION,
        );
        crate::audit::append_in(txn, &[entry]).await?;
    }
    Ok(Ok(appointment))
}

async fn queue_confirmation(
    txn: &impl ConnectionTrait,
    appointment: &Appointment,
    confirmation: &Confirmation<'_>,
    moved: bool,
) -> Result<(), DbErr> {
    let slot = &appointment.slot;
    let ics = invitation(appointment, confirmation.department);
    mail::queue(
        txn,
        OutgoingMail {
            to: confirmation.to.to_owned(),
            subject: if moved {
                "Votre rendez-vous est déplacé".to_owned()
            } else {
                "Votre rendez-vous est confirmé".to_owned()
            },
            text: format!(
                "Bonjour,\n\nVotre rendez-vous {} est {} :\n\n  {}\n  {}\n  {} minutes\n\nPour le déplacer ou l'annuler : {}\n\nLe fichier joint l'ajoute à votre agenda.\n",
                slot.service,
                if moved { "déplacé au" } else { "confirmé le" },
                slot.when(),
                slot.place,
                slot.minutes,
                confirmation.url
            ),
            attachments: vec![MailAttachment::new(
                "rendez-vous.ics",
                "text/calendar; charset=utf-8; method=PUBLISH",
                ics.as_bytes(),
            )],
        },
    )
    .await?;
    Ok(())
}

/// The appointment as an iCalendar event (RFC 5545), for the citizen's calendar.
pub fn invitation(appointment: &Appointment, department: &str) -> String {
    use icalendar::{Calendar, Component as _, Event, EventLike as _};
    let slot = &appointment.slot;
    let event = Event::new()
        .uid(&format!(
            "rdv-{}-{}@guichet",
            department.replace(' ', "-"),
            appointment.id
        ))
        .summary(&format!("Rendez-vous : {}", slot.service))
        .location(&slot.place)
        .description(&format!("{department} — {}", slot.service))
        .starts(slot.starts_at)
        .ends(slot.starts_at + Duration::minutes(i64::from(slot.minutes)))
        .done();
    Calendar::new().push(event).done().to_string()
}

/// The citizen cancels one of their booked appointments; `false` if it is not theirs or not
/// booked any more.
pub async fn cancel(tenant: &Tenant, citizen_id: i64, appointment_id: i64) -> Result<bool, DbErr> {
    let txn = tenant.db().begin_write().await?;
    let cancelled = appointment::Entity::update_many()
        .col_expr(appointment::Column::State, Expr::value(State::Cancelled))
        .col_expr(
            appointment::Column::HeldSlotId,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(appointment::Column::ChangedAt, Expr::value(Utc::now()))
        .filter(appointment::Column::Id.eq(appointment_id))
        .filter(appointment::Column::CitizenId.eq(citizen_id))
        .filter(appointment::Column::State.eq(State::Booked))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(cancelled == 1)
}

/// Staff record whether the citizen came; only for a booked appointment that has begun.
/// Returns the citizen, or `None` if there is nothing to record; journaled with the change.
pub async fn record_attendance<M: crate::staff::ModuleWord>(
    desk: &crate::staff::Desk<'_, M>,
    appointment_id: i64,
    came: bool,
) -> Result<Option<i64>, DbErr> {
    let now = Utc::now();
    let txn = desk.tenant().db().begin_write().await?;
    let Some(row) = appointment::Entity::find_by_id(appointment_id)
        .filter(appointment::Column::State.eq(State::Booked))
        .one(&txn)
        .await?
    else {
        txn.rollback().await?;
        return Ok(None);
    };
    let started = appointment_slot::Entity::find_by_id(row.slot_id)
        .filter(appointment_slot::Column::StartsAt.lte(now))
        .one(&txn)
        .await?
        .is_some();
    if !started {
        txn.rollback().await?;
        return Ok(None);
    }
    let state = if came { State::Attended } else { State::Missed };
    appointment::Entity::update_many()
        .col_expr(appointment::Column::State, Expr::value(state.id()))
        .col_expr(appointment::Column::ChangedAt, Expr::value(now))
        .filter(appointment::Column::Id.eq(row.id))
        .filter(appointment::Column::State.eq(State::Booked))
        .exec(&txn)
        .await?;
    let journal = desk.file_event(
        row.citizen_id,
        if came {
            "présence notée à votre rendez-vous"
        } else {
            "absence notée à votre rendez-vous"
        },
        &format!("rendez-vous {appointment_id} (usager {})", row.citizen_id),
        "suivi de vos rendez-vous",
    );
    crate::audit::append_in(&txn, &[journal]).await?;
    txn.commit().await?;
    Ok(Some(row.citizen_id))
}

/// A citizen's appointments, the next ones first, then the past ones most recent first.
pub async fn of_citizen(tenant: &Tenant, citizen_id: i64) -> Result<Vec<Appointment>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = appointment::Entity::find()
        .filter(appointment::Column::CitizenId.eq(citizen_id))
        .all(&txn)
        .await?;
    let slots = appointment_slot::Entity::find()
        .filter(appointment_slot::Column::Id.is_in(rows.iter().map(|a| a.slot_id)))
        .all(&txn)
        .await?;
    txn.commit().await?;
    let mut list: Vec<Appointment> = rows
        .into_iter()
        .filter_map(|row| {
            let slot = slots.iter().find(|s| s.id == row.slot_id)?.clone();
            let state = row.state;
            Some(Appointment {
                id: row.id,
                citizen_id: row.citizen_id,
                state,
                slot: slot_of(slot, (state == State::Booked).then_some(&row)),
            })
        })
        .collect();
    let now = Utc::now();
    list.sort_by_key(|a| {
        let future = a.slot.starts_at >= now;
        (
            !future,
            if future {
                a.slot.starts_at.timestamp()
            } else {
                -a.slot.starts_at.timestamp()
            },
        )
    });
    Ok(list)
}

/// The citizens with a booked appointment starting in `(from, to]`.
pub async fn citizens_expected(
    tenant: &Tenant,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
    let txn = tenant.db().begin().await?;
    let slots: Vec<i64> = appointment_slot::Entity::find()
        .filter(appointment_slot::Column::StartsAt.gt(from))
        .filter(appointment_slot::Column::StartsAt.lte(to))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let mut citizens: Vec<i64> = appointment::Entity::find()
        .filter(appointment::Column::HeldSlotId.is_in(slots))
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| a.citizen_id)
        .collect();
    txn.commit().await?;
    citizens.sort_unstable();
    citizens.dedup();
    Ok(citizens)
}

/// How many appointments the citizen missed.
pub async fn missed_count(tenant: &Tenant, citizen_id: i64) -> Result<usize, DbErr> {
    Ok(of_citizen(tenant, citizen_id)
        .await?
        .iter()
        .filter(|a| a.state == State::Missed)
        .count())
}

/// Queues a reminder for every booked appointment starting within the next day that has had
/// none, each marked in the same transaction as its mail: run twice, it reminds once.
/// A citizen without a mail address is marked all the same (nothing to send).
pub async fn send_reminders(tenant: &Tenant, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let department = tenant.name();
    let txn = tenant.db().begin_write().await?;
    let due = appointment::Entity::find()
        .filter(appointment::Column::State.eq(State::Booked))
        .filter(appointment::Column::ReminderSentAt.is_null())
        .all(&txn)
        .await?;
    let slots = appointment_slot::Entity::find()
        .filter(appointment_slot::Column::Id.is_in(due.iter().map(|a| a.slot_id)))
        .filter(appointment_slot::Column::StartsAt.gt(now))
        .filter(appointment_slot::Column::StartsAt.lte(now + Duration::hours(24)))
        .all(&txn)
        .await?;
    let mut sent = 0;
    for row in due {
        let Some(slot) = slots.iter().find(|s| s.id == row.slot_id).cloned() else {
            continue;
        };
        let address = crate::entity::citizen::Entity::find_by_id(row.citizen_id)
            .one(&txn)
            .await?
            .map(|c| c.email)
            .unwrap_or_default();
        appointment::Entity::update_many()
            .col_expr(appointment::Column::ReminderSentAt, Expr::value(now))
            .filter(appointment::Column::Id.eq(row.id))
            .exec(&txn)
            .await?;
        if address.is_empty() {
            continue;
        }
        let slot = slot_of(slot, Some(&row));
        mail::queue(
            &txn,
            OutgoingMail {
                to: address,
                subject: "Rappel : votre rendez-vous de demain".to_owned(),
                text: format!(
                    "Bonjour,\n\nNous vous rappelons votre rendez-vous {} :\n\n  {}\n  {}\n\nSi vous ne pouvez pas venir, déplacez-le ou annulez-le dans votre espace, rubrique « Mes rendez-vous ».\n\n{department}\n",
                    slot.service,
                    slot.when(),
                    slot.place
                ),
                attachments: Vec::new(),
            },
        )
        .await?;
        sent += 1;
    }
    txn.commit().await?;
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap()
    }

    #[test]
    fn slots_are_typed_in_paris_time_and_checked() {
        let slots = NewSlots::parse(
            "Accueil social",
            "Nîmes",
            "2026-12-08",
            "09:30",
            "30",
            "4",
            now(),
        )
        .unwrap();
        // 09:30 in Paris in winter is 08:30 UTC.
        assert_eq!(
            slots.first,
            Utc.with_ymd_and_hms(2026, 12, 8, 8, 30, 0).unwrap()
        );
        assert_eq!(french_when(slots.first), "mardi 8 décembre 2026 à 09:30");
        // Each mistake at its field.
        let errors = NewSlots::parse(" ", "", "2026-11-30", "9h", "0", "100", now()).unwrap_err();
        for field in ["service", "place", "time", "minutes", "count"] {
            assert!(errors.of(field).is_some(), "{field}: {errors:?}");
        }
        let past = NewSlots::parse("A", "B", "2026-11-30", "09:00", "30", "1", now()).unwrap_err();
        assert!(past.of("day").unwrap().contains("déjà passé"));
        // 02:30 on the last Sunday of March does not exist in Paris.
        let gap = NewSlots::parse("A", "B", "2027-03-28", "02:30", "30", "1", now()).unwrap_err();
        assert!(
            gap.of("time").unwrap().contains("changement d'heure"),
            "{gap:?}"
        );
        // Bounds: no slot in the year 9999, no line break in a one-line field.
        let far = NewSlots::parse("A", "B", "9999-12-31", "09:00", "30", "1", now()).unwrap_err();
        assert!(
            far.of("day").unwrap().contains("au plus un an à l'avance"),
            "{far:?}"
        );
        let lines =
            NewSlots::parse("A\r\nB", "C\0", "2026-12-08", "09:00", "30", "1", now()).unwrap_err();
        assert!(
            lines.of("service").unwrap().contains("tient sur une ligne"),
            "{lines:?}"
        );
        assert!(
            lines.of("place").unwrap().contains("tient sur une ligne"),
            "{lines:?}"
        );
    }

    #[test]
    fn the_invitation_is_an_icalendar_event() {
        let appointment = Appointment {
            id: 7,
            citizen_id: 1,
            state: State::Booked,
            slot: Slot {
                id: 3,
                service: "Accueil social".into(),
                place: "Maison du département, Nîmes".into(),
                starts_at: Utc.with_ymd_and_hms(2026, 12, 8, 8, 30, 0).unwrap(),
                minutes: 30,
                held_by: Some(1),
                appointment_id: Some(7),
            },
        };
        let ics = invitation(&appointment, "Gard");
        assert!(ics.starts_with("BEGIN:VCALENDAR"));
        assert!(ics.contains("BEGIN:VEVENT"));
        assert!(ics.contains("DTSTART:20261208T083000Z"), "{ics}");
        assert!(ics.contains("DTEND:20261208T090000Z"));
        assert!(
            ics.contains("LOCATION:Maison du département\\, Nîmes"),
            "{ics}"
        );
        assert!(ics.contains("UID:rdv-Gard-7@guichet"));
    }
}
