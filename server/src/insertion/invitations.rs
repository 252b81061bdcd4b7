//! Invitations to book an orientation or follow-up meeting, on user relations' appointments:
//! the worker picks a service that has free slots; the person gets a link (by mail, and on a
//! letter and in an SMS text the worker sends) that lets them choose a slot until the link
//! expires (`settings::booking_days`). A reminder goes 3 days after if nothing is booked, and a
//! convocation reminder 2 days before the appointment; the worker records whether they came.
//!
//! The link's secret is kept in the row, unlike a password's: the letter is printed again and
//! the reminders repeat the link while it lives, and all it does is book a slot of that service
//! for that person before it expires.

use chrono::{DateTime, Duration, NaiveDate, TimeZone as _, Utc};
use chrono_tz::Europe::Paris;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use tenants::Tenant;

use super::Desk;
use crate::entity::{citizen, insertion_invitation, insertion_person};
use crate::mail::{self, OutgoingMail};
use crate::user_relations::appointments::{
    self, Appointment, BookedBy, BookingError, Confirmation, State,
};

stored_enum! {
    /// What the meeting is for.
    pub enum Purpose {
        /// The first meeting, to choose the track.
        Orientation = "orientation",
        /// A meeting with the referent.
        FollowUp = "follow_up",
    }
}

impl Purpose {
    /// What the person reads: « un rendez-vous d'orientation ».
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Orientation => "rendez-vous d’orientation",
            Purpose::FollowUp => "rendez-vous de suivi avec votre référent",
        }
    }
}

/// Days after the invitation when, nothing booked, the person is reminded.
pub const REMIND_AFTER_DAYS: i64 = 3;
/// Hours before the appointment when the convocation's reminder goes.
pub const CONVOCATION_REMINDER_HOURS: i64 = 48;

/// Where an invitation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// The link is open and nothing is booked (or the booking was cancelled).
    ToBook,
    /// The link expired with nothing booked.
    Expired,
    Booked,
    Attended,
    Missed,
}

impl Standing {
    pub fn label(self) -> &'static str {
        match self {
            Standing::ToBook => "En attente de réservation",
            Standing::Expired => "Lien expiré sans réservation",
            Standing::Booked => "Rendez-vous pris",
            Standing::Attended => "Rendez-vous honoré",
            Standing::Missed => "Absence au rendez-vous",
        }
    }
}

/// An invitation with the appointment booked through it, moves followed.
#[derive(Clone, Debug)]
pub struct Invitation {
    pub row: insertion_invitation::Model,
    pub appointment: Option<Appointment>,
}

impl Invitation {
    pub fn standing(&self, now: DateTime<Utc>) -> Standing {
        match self.appointment.as_ref().map(|a| a.state) {
            Some(State::Booked) => Standing::Booked,
            Some(State::Attended) => Standing::Attended,
            Some(State::Missed) => Standing::Missed,
            _ if now < self.row.expires_at => Standing::ToBook,
            _ => Standing::Expired,
        }
    }

    /// The last day the link books, as the person reads it.
    pub fn last_day(&self) -> String {
        last_day(self.row.expires_at)
    }

    /// The appointment still held, which a booking through the link moves.
    fn held(&self) -> Option<i64> {
        self.appointment
            .as_ref()
            .filter(|a| a.state == State::Booked)
            .map(|a| a.id)
    }
}

/// The last day a link expiring at `expires_at` books, as the person reads it.
pub fn last_day(expires_at: DateTime<Utc>) -> String {
    crate::dates::day(expires_at - Duration::seconds(1))
}

/// When a link sent today expires: at the end of the `days`-th day after, in Paris.
pub fn expiry(today: NaiveDate, days: i32) -> DateTime<Utc> {
    let after = today + Duration::days(i64::from(days) + 1);
    let midnight = after.and_hms_opt(0, 0, 0).expect("midnight exists");
    // Paris never skips midnight; `earliest` settles the ambiguous case all the same.
    Paris.from_local_datetime(&midnight).earliest().map_or_else(
        || Utc.from_utc_datetime(&midnight),
        |t| t.with_timezone(&Utc),
    )
}

/// Why an invitation is not sent.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("la personne est sortie du RSA")]
    Left,
    #[error(
        "aucun créneau libre n'est publié pour ce service : publiez-en depuis l'agenda des rendez-vous, puis invitez"
    )]
    NoSlots,
    #[error("une invitation du même objet attend déjà sa réservation, jusqu'au {0}")]
    AlreadyOpen(String),
}

/// The services that have free slots to come, for the invitation form.
pub async fn services_open(tenant: &Tenant, now: DateTime<Utc>) -> Result<Vec<String>, DbErr> {
    let mut services: Vec<String> = appointments::slots_from(tenant, now)
        .await?
        .into_iter()
        .filter(|s| s.held_by.is_none())
        .map(|s| s.service)
        .collect();
    services.sort();
    services.dedup();
    Ok(services)
}

/// The free slots of the invitation's service, in time order.
pub async fn free_slots(
    tenant: &Tenant,
    service: &str,
    now: DateTime<Utc>,
) -> Result<Vec<appointments::Slot>, DbErr> {
    Ok(appointments::slots_from(tenant, now)
        .await?
        .into_iter()
        .filter(|s| s.held_by.is_none() && s.service == service)
        .collect())
}

/// The person's invitations, newest first, each with its appointment.
pub async fn of_person(tenant: &Tenant, person_id: i64) -> Result<Vec<Invitation>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = insertion_invitation::Entity::find()
        .filter(insertion_invitation::Column::PersonId.eq(person_id))
        .order_by_desc(insertion_invitation::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let appointments = appointments::of_citizen(tenant, first.citizen_id).await?;
    Ok(rows
        .into_iter()
        .map(|row| with_appointment(row, &appointments))
        .collect())
}

/// The invitation `id` of the person `person_id`.
pub async fn find(tenant: &Tenant, id: i64) -> Result<Option<Invitation>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = insertion_invitation::Entity::find_by_id(id)
        .one(&txn)
        .await?;
    txn.commit().await?;
    with_appointments(tenant, row).await
}

/// The invitation a link names.
pub async fn by_token(tenant: &Tenant, token: &str) -> Result<Option<Invitation>, DbErr> {
    // A token has one shape; anything else is not looked up.
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let txn = tenant.db().begin().await?;
    let row = insertion_invitation::Entity::find()
        .filter(insertion_invitation::Column::Token.eq(token))
        .one(&txn)
        .await?;
    txn.commit().await?;
    with_appointments(tenant, row).await
}

async fn with_appointments(
    tenant: &Tenant,
    row: Option<insertion_invitation::Model>,
) -> Result<Option<Invitation>, DbErr> {
    let Some(row) = row else { return Ok(None) };
    let appointments = appointments::of_citizen(tenant, row.citizen_id).await?;
    Ok(Some(with_appointment(row, &appointments)))
}

/// The appointment booked through the invitation, following the moves the person made from
/// their space (a move makes a new appointment of the same service).
fn with_appointment(row: insertion_invitation::Model, of_citizen: &[Appointment]) -> Invitation {
    let mut current = row
        .appointment_id
        .and_then(|id| of_citizen.iter().find(|a| a.id == id));
    while let Some(moved) = current.filter(|a| a.state == State::Moved) {
        current = of_citizen
            .iter()
            .filter(|a| a.id > moved.id && a.slot.service == moved.slot.service)
            .min_by_key(|a| a.id);
    }
    Invitation {
        appointment: current.cloned(),
        row,
    }
}

/// What the worker chose.
pub struct NewInvitation<'a> {
    pub purpose: Purpose,
    pub service: &'a str,
}

/// Sends an invitation: the row, the journal entry and the mail (when the person gave an
/// address) in one transaction. `link` makes the booking link from the token.
pub async fn invite(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    new: &NewInvitation<'_>,
    link: impl Fn(&str) -> String,
) -> Result<Result<insertion_invitation::Model, Refusal>, DbErr> {
    let now = Utc::now();
    let tenant = desk.tenant();
    if person.left_on.is_some() {
        return Ok(Err(Refusal::Left));
    }
    if !services_open(tenant, now)
        .await?
        .iter()
        .any(|s| s == new.service)
    {
        return Ok(Err(Refusal::NoSlots));
    }
    if let Some(open) = of_person(tenant, person.id).await?.iter().find(|i| {
        i.row.purpose == new.purpose && i.standing(now) == Standing::ToBook && i.held().is_none()
    }) {
        return Ok(Err(Refusal::AlreadyOpen(open.last_day())));
    }
    let token = {
        use rand::RngCore as _;
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        hex::encode(bytes)
    };
    let days = super::settings::read(tenant).await?.booking_days;
    let txn = tenant.db().begin_write().await?;
    let row = insertion_invitation::ActiveModel {
        person_id: Set(person.id),
        citizen_id: Set(person.citizen_id),
        purpose: Set(new.purpose),
        service: Set(new.service.to_owned()),
        booking_url: Set(link(&token)),
        token: Set(token),
        sent_by: Set(desk.account().id),
        sent_by_name: Set(desk.account().display_name.clone()),
        sent_at: Set(now),
        expires_at: Set(expiry(crate::dates::today(), days)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = desk.file_event(
        person.citizen_id,
        "invitation à prendre rendez-vous",
        &format!("personne suivie n° {} : {}", person.id, new.purpose.label()),
        super::FOLLOW_UP,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    if let Some(to) = address(&txn, person.citizen_id).await? {
        mail::queue(
            &txn,
            OutgoingMail {
                to,
                subject: format!("Prenez votre {}", row.purpose.label()),
                text: texts(tenant.name(), &row).mail,
                attachments: Vec::new(),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Ok(row))
}

async fn address(txn: &impl ConnectionTrait, citizen_id: i64) -> Result<Option<String>, DbErr> {
    Ok(citizen::Entity::find_by_id(citizen_id)
        .one(txn)
        .await?
        .map(|c| c.email)
        .filter(|e| !e.is_empty()))
}

/// The invitation's words for each channel.
pub struct Texts {
    pub mail: String,
    /// For the letter: paragraphs.
    pub letter: String,
    /// For an SMS: plain words, short (one message for the usual addresses).
    pub sms: String,
}

pub fn texts(department: &str, row: &insertion_invitation::Model) -> Texts {
    let what = row.purpose.label();
    let url = &row.booking_url;
    let until = last_day(row.expires_at);
    let why = "Dans le cadre de votre accompagnement au titre du RSA, ce rendez-vous fait partie de vos engagements : si vous ne pouvez venir à aucun des créneaux proposés, appelez le département ou répondez par un message depuis votre espace.";
    Texts {
        mail: format!(
            "Bonjour,\n\nLe département vous invite à un {what} ({}).\n\nChoisissez le jour et l'heure qui vous conviennent, jusqu'au {until} inclus, à cette adresse :\n\n  {url}\n\n{why}\n\n{department}\n",
            row.service
        ),
        letter: format!(
            "Madame, Monsieur,\n\nLe département vous invite à un {what} ({}).\n\nChoisissez le jour et l'heure qui vous conviennent, jusqu'au {until} inclus, en ouvrant cette adresse sur un téléphone ou un ordinateur :\n\n{url}\n\n{why}\n\nVeuillez agréer, Madame, Monsieur, nos salutations distinguées.",
            row.service
        ),
        sms: format!("{department} : prenez votre RDV RSA avant le {until} sur {url}"),
    }
}

/// The person books (or moves to) a slot through the link: the appointment and the invitation
/// in one transaction; refused once the link has expired or for a slot of another service.
pub async fn book(
    tenant: &Tenant,
    invitation: &Invitation,
    slot_id: i64,
    confirmation: Confirmation<'_>,
) -> Result<Result<Appointment, BookingError>, DbErr> {
    let now = Utc::now();
    if now >= invitation.row.expires_at {
        return Ok(Err(BookingError::NotFound));
    }
    let txn = tenant.db().begin_write().await?;
    let booked = appointments::book_in(
        &txn,
        invitation.row.citizen_id,
        slot_id,
        BookedBy::Citizen,
        invitation.held(),
        Some(confirmation),
    )
    .await?;
    let appointment = match booked {
        Ok(a) if a.slot.service == invitation.row.service => a,
        Ok(_) => {
            txn.rollback().await?;
            return Ok(Err(BookingError::Taken));
        }
        Err(refused) => {
            txn.rollback().await?;
            return Ok(Err(refused));
        }
    };
    insertion_invitation::ActiveModel {
        id: Set(invitation.row.id),
        appointment_id: Set(Some(appointment.id)),
        convocation_reminded_at: Set(None),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    txn.commit().await?;
    Ok(Ok(appointment))
}

/// Records whether the person came to the appointment booked through the invitation (followed
/// through moves, which the invitation then names): `None` when nothing is booked or it has
/// not begun.
pub async fn record_presence(
    desk: &Desk<'_>,
    invitation: &Invitation,
    came: bool,
) -> Result<Option<i64>, DbErr> {
    let Some(appointment) = invitation.held() else {
        return Ok(None);
    };
    if invitation.row.appointment_id != Some(appointment) {
        let txn = desk.tenant().db().begin_write().await?;
        insertion_invitation::ActiveModel {
            id: Set(invitation.row.id),
            appointment_id: Set(Some(appointment)),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        txn.commit().await?;
    }
    appointments::record_attendance(desk, appointment, came).await
}

/// Queues the reminders due at `now`, each marked in its mail's transaction (run twice, it
/// reminds once): the link 3 days after when nothing is booked and it has not expired, and
/// the convocation 2 days before the appointment. Returns how many mails.
pub async fn send_reminders(tenant: &Tenant, now: DateTime<Utc>) -> Result<usize, DbErr> {
    use insertion_invitation::Column;
    let expected = appointments::citizens_expected(
        tenant,
        now,
        now + Duration::hours(CONVOCATION_REMINDER_HOURS),
    )
    .await?;
    let txn = tenant.db().begin().await?;
    let mut rows = insertion_invitation::Entity::find()
        .filter(Column::RemindedAt.is_null())
        .filter(Column::SentAt.lte(now - Duration::days(REMIND_AFTER_DAYS)))
        .filter(Column::ExpiresAt.gt(now))
        .all(&txn)
        .await?;
    rows.extend(
        insertion_invitation::Entity::find()
            .filter(Column::ConvocationRemindedAt.is_null())
            .filter(Column::AppointmentId.is_not_null())
            .filter(Column::CitizenId.is_in(expected))
            .all(&txn)
            .await?,
    );
    txn.commit().await?;
    rows.sort_by_key(|r| r.id);
    rows.dedup_by_key(|r| r.id);
    let mut sent = 0;
    for row in rows {
        let Some(invitation) = with_appointments(tenant, Some(row)).await? else {
            continue;
        };
        sent += remind(tenant, &invitation, now).await?;
    }
    Ok(sent)
}

async fn remind(
    tenant: &Tenant,
    invitation: &Invitation,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    use insertion_invitation::Column;
    let row = &invitation.row;
    let (column, subject, text) = match invitation.standing(now) {
        Standing::ToBook
            if row.reminded_at.is_none()
                && now - row.sent_at >= Duration::days(REMIND_AFTER_DAYS) =>
        {
            (
                Column::RemindedAt,
                format!("Rappel : prenez votre {}", row.purpose.label()),
                texts(tenant.name(), row).mail,
            )
        }
        Standing::Booked if row.convocation_reminded_at.is_none() => {
            let Some(appointment) = invitation.appointment.as_ref() else {
                return Ok(0);
            };
            let starts = appointment.slot.starts_at;
            if starts <= now || starts - now > Duration::hours(CONVOCATION_REMINDER_HOURS) {
                return Ok(0);
            }
            (
                Column::ConvocationRemindedAt,
                format!("Rappel : votre {}", row.purpose.label()),
                format!(
                    "Bonjour,\n\nNous vous rappelons votre {} :\n\n  {}\n  {}\n\nVotre présence est attendue ; si vous ne pouvez pas venir, choisissez un autre créneau à cette adresse, ou prévenez le département :\n\n  {}\n\n{}\n",
                    row.purpose.label(),
                    appointment.slot.when(),
                    appointment.slot.place,
                    row.booking_url,
                    tenant.name()
                ),
            )
        }
        _ => return Ok(0),
    };
    let txn = tenant.db().begin_write().await?;
    // Marked only if nobody marked it meanwhile: two nodes remind once.
    let marked = insertion_invitation::Entity::update_many()
        .col_expr(column, sea_orm::sea_query::Expr::value(now))
        .filter(insertion_invitation::Column::Id.eq(row.id))
        .filter(column.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    let to = address(&txn, row.citizen_id).await?;
    let mails = match to {
        Some(to) if marked == 1 => {
            let mail = OutgoingMail {
                to,
                subject,
                text,
                attachments: Vec::new(),
            };
            mail::queue(&txn, mail).await?;
            1
        }
        _ => 0,
    };
    txn.commit().await?;
    Ok(mails)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_lasts_to_the_end_of_its_last_day_in_paris() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let expires = expiry(today, 10);
        // The end of 14 December in Paris is 23:00 UTC in winter.
        assert_eq!(
            expires,
            Utc.with_ymd_and_hms(2026, 12, 14, 23, 0, 0).unwrap()
        );
        assert_eq!(last_day(expires), "14/12/2026");
        // In summer, 22:00 UTC.
        let june = expiry(NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(), 3);
        assert_eq!(june, Utc.with_ymd_and_hms(2027, 6, 4, 22, 0, 0).unwrap());
    }

    #[test]
    fn the_sms_fits_one_message() {
        let row = insertion_invitation::Model {
            id: 1,
            person_id: 1,
            citizen_id: 1,
            purpose: Purpose::Orientation,
            service: "Orientation RSA".into(),
            token: "0".repeat(32),
            booking_url: format!(
                "https://gard.guichet.example/rendez-vous/{}",
                "0".repeat(32)
            ),
            sent_by: 1,
            sent_by_name: "Agent".into(),
            sent_at: Utc::now(),
            expires_at: expiry(NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(), 10),
            reminded_at: None,
            appointment_id: None,
            convocation_reminded_at: None,
        };
        let texts = texts("Département du Gard", &row);
        assert!(texts.sms.chars().count() <= 160, "{}", texts.sms);
        assert!(texts.sms.contains("14/12/2026"));
        for text in [&texts.mail, &texts.letter, &texts.sms] {
            assert!(text.contains(&row.booking_url));
        }
    }
}
