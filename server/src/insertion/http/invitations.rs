//! Invitations' pages: a worker invites a person to book a meeting, reads where it stands with
//! its letter and SMS text, and records whether the person came; the person books through the
//! link, signed in or not.

use app::components::{Choice, Tone};
use app::insertion::{
    BookingPage, BookingState, BookingView, InvitationPage, InvitationView, InvitationsSummary,
    InvitePage, InviteView,
};
use app::validation::FieldErrors;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use leptos::prelude::*;
use serde::Deserialize;

use super::InsertionDesk;
use super::people::{followed_person, person_href};
use crate::entity::insertion_person;
use crate::http::auth::CurrentStaff;
use crate::http::citizen::CurrentCitizen;
use crate::http::form::{Form, FormFields, ListQuery};
use crate::http::ui::Ui;
use crate::http::{AppError, AppState};
use crate::insertion::invitations::{self, Invitation, NewInvitation, Purpose, Standing};
use crate::user_relations::appointments::{self, Confirmation};

fn invitation_href(desk: &InsertionDesk<'_>, id: i64) -> String {
    desk.ctx()
        .href(&format!("/agents/insertion/invitations/{id}"))
}

fn tone(standing: Standing) -> Tone {
    match standing {
        Standing::ToBook => Tone::Info,
        Standing::Booked => Tone::Warning,
        Standing::Attended => Tone::Success,
        Standing::Expired | Standing::Missed => Tone::Error,
    }
}

/// The invitations on the person's page.
pub(super) fn summary(
    desk: &InsertionDesk<'_>,
    person: &insertion_person::Model,
    list: &[Invitation],
) -> InvitationsSummary {
    let now = Utc::now();
    InvitationsSummary {
        rows: list
            .iter()
            .map(|i| {
                let standing = i.standing(now);
                (
                    invitation_href(desk, i.row.id),
                    crate::dates::day(i.row.sent_at),
                    crate::audit::sentence(i.row.purpose.label()),
                    standing.label().to_owned(),
                    tone(standing),
                )
            })
            .collect(),
        invite_href: person
            .left_on
            .is_none()
            .then(|| format!("{}/invitation", person_href(desk, person.id))),
    }
}

/// The invitation form's fields, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteTyped {
    purpose: String,
    service: String,
}

async fn render_invite(
    desk: &InsertionDesk<'_>,
    ui: Ui,
    status: StatusCode,
    person: &insertion_person::Model,
    typed: InviteTyped,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let tenant = desk.tenant();
    let services = invitations::services_open(tenant, Utc::now()).await?;
    let email = crate::citizens::mail_address(tenant, person.citizen_id)
        .await?
        .unwrap_or_default();
    let href = person_href(desk, person.id);
    let view = InviteView {
        name: format!("{} {}", person.given_name, person.family_name),
        person_href: href.clone(),
        action: format!("{href}/invitation"),
        purposes: Purpose::ALL
            .iter()
            .map(|p| Choice {
                value: p.id().to_owned(),
                label: crate::audit::sentence(p.label()),
                checked: typed.purpose == p.id(),
            })
            .collect(),
        services: services
            .iter()
            .map(|s| Choice {
                value: s.clone(),
                label: s.clone(),
                checked: typed.service == *s || services.len() == 1,
            })
            .collect(),
        booking_days: crate::insertion::settings::read(tenant).await?.booking_days,
        reach: if email.is_empty() {
            "La personne n'a pas donné d'adresse de courriel : imprimez le courrier, ou envoyez le SMS.".to_owned()
        } else {
            format!(
                "Un courriel part à {email} ; le courrier et le texte du SMS sont prêts ensuite."
            )
        },
    };
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <InvitePage ctx invite=view errors /> }
    }))
}

/// `GET /agents/insertion/personnes/{id}/invitation`.
pub async fn invite_form(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let typed = InviteTyped::default();
    render_invite(
        &desk,
        ui,
        StatusCode::OK,
        &person,
        typed,
        FieldErrors::new(),
    )
    .await
}

/// `POST /agents/insertion/personnes/{id}/invitation`: sent (mail queued), journaled.
pub async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<InviteTyped>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let mut errors = FieldErrors::new();
    let purpose = Purpose::parse(typed.purpose.trim());
    if purpose.is_none() {
        errors.add("purpose-0", "Choisissez l'objet du rendez-vous.");
    }
    let service = typed.service.trim();
    if service.is_empty() {
        errors.add(
            "service-0",
            "Choisissez le service dont les créneaux libres seront proposés.",
        );
    }
    let Some(purpose) = purpose.filter(|_| errors.is_empty()) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_invite(&desk, ui, status, &person, typed, errors).await;
    };
    let ctx = desk.ctx().clone();
    let link = |token: &str| {
        crate::http::citizen::absolute(&state, &headers, &ctx, &format!("/rendez-vous/{token}"))
    };
    let new = NewInvitation { purpose, service };
    match invitations::invite(&desk, &person, &new, link).await? {
        Ok(row) => {
            crate::mail::wake(&state.platform, desk.tenant()).await;
            let to = format!("{}?ok=envoyee", invitation_href(&desk, row.id));
            Ok(Redirect::to(&to).into_response())
        }
        Err(refusal) => {
            let errors = FieldErrors::form(crate::audit::sentence(&refusal.to_string()));
            render_invite(&desk, ui, StatusCode::CONFLICT, &person, typed, errors).await
        }
    }
}

/// The invitation `id`, of a person this desk follows.
async fn invitation_of(
    desk: &InsertionDesk<'_>,
    id: &str,
) -> Result<(Invitation, insertion_person::Model), AppError> {
    let id = crate::http::parse_id(id)?;
    let invitation = invitations::find(desk.tenant(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = followed_person(desk, &invitation.row.person_id.to_string()).await?;
    Ok((invitation, person))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InvitationParams {
    ok: Option<String>,
}

/// `GET /agents/insertion/invitations/{id}`: journaled in the person's access journal.
pub async fn invitation_page(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    ListQuery(params): ListQuery<InvitationParams>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let (invitation, person) = invitation_of(&desk, &id).await?;
    desk.audit_file(
        person.citizen_id,
        "consultation d'une invitation à un rendez-vous",
        &format!("invitation n° {}", invitation.row.id),
        crate::insertion::FOLLOW_UP,
    )
    .await?;
    let notice = match params.ok.as_deref() {
        Some("envoyee") => Some("L'invitation est envoyée.".to_owned()),
        Some("presence") => Some("La présence est notée.".to_owned()),
        _ => None,
    };
    let now = Utc::now();
    let standing = invitation.standing(now);
    let row = &invitation.row;
    let mut facts = vec![
        (
            "Objet".to_owned(),
            crate::audit::sentence(row.purpose.label()),
        ),
        ("Service".to_owned(), row.service.clone()),
        (
            "Envoyée".to_owned(),
            format!(
                "le {} par {}",
                crate::dates::date_time(row.sent_at),
                row.sent_by_name
            ),
        ),
        (
            "Lien de réservation".to_owned(),
            format!(
                "{} (valable jusqu'au {} inclus)",
                row.booking_url,
                invitation.last_day()
            ),
        ),
    ];
    if let Some(at) = row.reminded_at {
        facts.push(("Relance".to_owned(), crate::dates::date_time(at)));
    }
    if let Some(appointment) = &invitation.appointment {
        facts.push((
            "Rendez-vous".to_owned(),
            format!(
                "{}, {} ({})",
                appointment.slot.when(),
                appointment.slot.place,
                appointment.state.label()
            ),
        ));
    }
    if let Some(at) = row.convocation_reminded_at {
        facts.push((
            "Rappel de la convocation".to_owned(),
            crate::dates::date_time(at),
        ));
    }
    let href = invitation_href(&desk, row.id);
    let started = invitation
        .appointment
        .as_ref()
        .is_some_and(|a| a.slot.starts_at <= now);
    let view = InvitationView {
        name: format!("{} {}", person.given_name, person.family_name),
        person_href: person_href(&desk, person.id),
        standing: standing.label().to_owned(),
        tone: tone(standing),
        facts,
        sms: invitations::texts(desk.tenant().name(), row).sms,
        letter_href: format!("{href}/courrier"),
        attendance_action: (standing == Standing::Booked && started)
            .then(|| format!("{href}/presence")),
    };
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <InvitationPage ctx invitation=view notice /> }
    }))
}

/// `GET /agents/insertion/invitations/{id}/courrier`: the invitation as a PDF letter
/// (journaled).
pub async fn invitation_letter(
    staff: CurrentStaff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let (invitation, person) = invitation_of(&desk, &id).await?;
    let row = &invitation.row;
    desk.audit_file(
        person.citizen_id,
        "impression du courrier d'invitation à un rendez-vous",
        &format!("invitation n° {}", row.id),
        crate::insertion::FOLLOW_UP,
    )
    .await?;
    let letterhead = crate::letters::Letterhead::of(desk.tenant()).await?;
    let pdf = crate::letters::notice_pdf(
        &letterhead,
        &format!("{} {}", person.given_name, person.family_name),
        &crate::dates::day(row.sent_at),
        &format!("votre {}", row.purpose.label()),
        &invitations::texts(desk.tenant().name(), row).letter,
    );
    Ok(crate::http::pdf_attachment(
        &format!("invitation-{}.pdf", row.id),
        pdf,
    ))
}

/// `POST /agents/insertion/invitations/{id}/presence`: whether the person came, once the
/// appointment has begun (journaled).
pub async fn record_presence(
    staff: CurrentStaff,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let (invitation, _) = invitation_of(&desk, &id).await?;
    let came = match form.get("came") {
        "oui" => true,
        "non" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Indiquez si la personne est venue (« oui » ou « non »).".into(),
            ));
        }
    };
    if invitations::record_presence(&desk, &invitation, came)
        .await?
        .is_none()
    {
        return Err(AppError::Conflict(
            "Aucun rendez-vous en cours pour cette invitation : la présence se note à partir de l'heure du rendez-vous pris."
                .into(),
        ));
    }
    let to = format!("{}?ok=presence", invitation_href(&desk, invitation.row.id));
    Ok(Redirect::to(&to).into_response())
}

/// The booking page as the link shows it.
fn booking_view(
    ui: &Ui,
    invitation: &Invitation,
    token: &str,
    slots: Vec<appointments::Slot>,
) -> Result<BookingView, AppError> {
    let tenant = ui.tenant().ok_or(AppError::NotFound)?;
    let now = Utc::now();
    let row = &invitation.row;
    let standing = invitation.standing(now);
    let state = match standing {
        Standing::ToBook | Standing::Booked if now < row.expires_at => BookingState::Open {
            action: tenant.href(&format!("/rendez-vous/{token}")),
            slots: crate::user_relations::http::free_slots(&slots),
            held: invitation
                .appointment
                .as_ref()
                .filter(|_| standing == Standing::Booked)
                .map(|a| format!("{}, {}", a.slot.when(), a.slot.place)),
        },
        Standing::Booked => {
            let a = invitation.appointment.as_ref().ok_or(AppError::NotFound)?;
            BookingState::Closed(format!(
                "Votre rendez-vous : {}, {}. Pour le changer, appelez le département.",
                a.slot.when(),
                a.slot.place
            ))
        }
        Standing::Attended | Standing::Missed => BookingState::Closed(
            "Ce rendez-vous a eu lieu. Pour un autre rendez-vous, écrivez à votre référent ou appelez le département.".to_owned(),
        ),
        Standing::ToBook | Standing::Expired => BookingState::Closed(format!(
            "Ce lien a expiré le {} au soir. Appelez le département ou écrivez-lui depuis votre espace : il vous proposera un autre rendez-vous.",
            invitation.last_day()
        )),
    };
    Ok(BookingView {
        department: tenant.tenant.name().to_owned(),
        purpose: row.purpose.label().to_owned(),
        service: row.service.clone(),
        last_day: invitation.last_day(),
        state,
    })
}

async fn render_booking(
    ui: Ui,
    status: StatusCode,
    invitation: &Invitation,
    token: &str,
    (errors, notice): (FieldErrors, Option<String>),
) -> Result<Response, AppError> {
    let tenant = ui.tenant().ok_or(AppError::NotFound)?;
    let slots =
        invitations::free_slots(&tenant.tenant, &invitation.row.service, Utc::now()).await?;
    let view = booking_view(&ui, invitation, token, slots)?;
    Ok(ui.render(status, move |ctx| {
        view! { <BookingPage ctx booking=view errors notice /> }
    }))
}

async fn invitation_by_token(ui: &Ui, token: &str) -> Result<Invitation, AppError> {
    let tenant = ui.tenant().ok_or(AppError::NotFound)?;
    invitations::by_token(&tenant.tenant, token)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BookingParams {
    ok: Option<String>,
}

/// `GET /rendez-vous/{token}`: the link's page, for the person invited (no account needed).
pub async fn booking_page(
    citizen: Result<CurrentCitizen, AppError>,
    ui: Ui,
    Path(token): Path<String>,
    ListQuery(params): ListQuery<BookingParams>,
) -> Result<Response, AppError> {
    let ui = ui.with_citizen_if_signed_in(citizen).with_form_token();
    let invitation = invitation_by_token(&ui, &token).await?;
    let notice = (params.ok.as_deref() == Some("reserve")).then(|| {
        "Votre rendez-vous est réservé. Vous le retrouvez sur cette page ; si vous avez donné une adresse de courriel, la confirmation vous y attend.".to_owned()
    });
    let shown = (FieldErrors::new(), notice);
    render_booking(ui, StatusCode::OK, &invitation, &token, shown).await
}

/// `POST /rendez-vous/{token}`: books the slot chosen, or moves the appointment to it.
pub async fn book_through_link(
    State(state): State<AppState>,
    citizen: Result<CurrentCitizen, AppError>,
    ui: Ui,
    Path(token): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let ui = ui.with_citizen_if_signed_in(citizen).with_form_token();
    let invitation = invitation_by_token(&ui, &token).await?;
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let Ok(slot) = form.get("slot").parse::<i64>() else {
        let errors = FieldErrors::at(
            app::user_relations::FIRST_SLOT,
            "Choisissez un créneau dans la liste.",
        );
        let shown = (errors, None);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_booking(ui, status, &invitation, &token, shown).await;
    };
    let email = crate::citizens::mail_address(&tenant.tenant, invitation.row.citizen_id)
        .await?
        .unwrap_or_default();
    let confirmation = Confirmation {
        to: &email,
        department: tenant.tenant.name(),
        url: &invitation.row.booking_url,
    };
    match invitations::book(&tenant.tenant, &invitation, slot, confirmation).await? {
        Ok(_) => {
            crate::mail::wake(&state.platform, &tenant.tenant).await;
            let to = tenant.href(&format!("/rendez-vous/{token}?ok=reserve"));
            Ok(Redirect::to(&to).into_response())
        }
        Err(refused) => {
            // Read again: the link may have expired, or the slot gone, meanwhile.
            let invitation = invitation_by_token(&ui, &token).await?;
            let errors = FieldErrors::at(app::user_relations::FIRST_SLOT, refused.message());
            let shown = (errors, None);
            render_booking(ui, StatusCode::CONFLICT, &invitation, &token, shown).await
        }
    }
}
