//! Appointments: slots published by reception, booked by citizens or for them, attendance.

use app::user_relations::FIRST_SLOT;
use app::user_relations::{
    AppointmentRow, AppointmentsPage, FreeSlot, SlotsForm, StaffAppointmentsPage, StaffSlotRow,
};
use app::validation::FieldErrors;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use crate::citizens;
use crate::http::auth::CurrentStaff;
use crate::http::citizen::CurrentCitizen;
use crate::http::form::FormFields;
use crate::http::ui::Ui;
use crate::http::{AppError, AppState};
use crate::staff::Author;
use crate::user_relations::appointments::{self, BookedBy, Confirmation, NewSlots};

use super::*;

/// The free slots among `slots`, as the citizen's pages offer them (grouped by day).
pub(crate) fn free_slots(slots: &[appointments::Slot]) -> Vec<FreeSlot> {
    slots
        .iter()
        .filter(|s| s.held_by.is_none())
        .map(|s| {
            // "mardi 8 décembre 2026 à 09:30": the day heads a group, the time is the choice.
            let when = s.when();
            let (day, time) = when.rsplit_once(" à ").unwrap_or((&when, ""));
            FreeSlot {
                id: s.id.to_string(),
                day: day.to_owned(),
                time: format!("{time} ({} min)", s.minutes),
                where_: format!("{} — {}", s.service, s.place),
            }
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct AppointmentsParams {
    ok: Option<String>,
    deplacer: Option<String>,
    /// The appointment whose cancelling is to be confirmed.
    annuler: Option<String>,
}

/// `GET /mon-espace/rendez-vous`: the citizen's appointments and the free slots.
pub async fn my_appointments(
    citizen: CurrentCitizen,
    ui: Ui,
    Query(params): Query<AppointmentsParams>,
) -> Result<Response, AppError> {
    let notice = match params.ok.as_deref() {
        Some("reserve") => Some("Votre rendez-vous est réservé ; la confirmation vous est envoyée par courriel."),
        Some("deplace") => Some("Votre rendez-vous est déplacé ; la nouvelle confirmation vous est envoyée par courriel."),
        Some("annule") => Some("Votre rendez-vous est annulé."),
        _ => None,
    }
    .map(str::to_owned);
    let id = |v: &Option<String>| v.as_deref().and_then(|id| id.parse::<i64>().ok());
    let asked = Asked {
        moving: id(&params.deplacer),
        cancelling: id(&params.annuler),
    };
    render_my_appointments(
        &citizen,
        ui,
        StatusCode::OK,
        asked,
        notice,
        FieldErrors::new(),
    )
    .await
}

/// What the citizen asked to do with one of their appointments, before doing it.
#[derive(Default)]
struct Asked {
    moving: Option<i64>,
    /// Cancelling is confirmed first: one tap never cancels.
    cancelling: Option<i64>,
}

async fn render_my_appointments(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    asked: Asked,
    notice: Option<String>,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant.tenant;
    let now = chrono::Utc::now();
    let rows: Vec<AppointmentRow> = appointments::of_citizen(tenant, citizen.citizen.id)
        .await?
        .into_iter()
        .map(|a| AppointmentRow {
            id: a.id.to_string(),
            when: a.slot.when(),
            where_: format!("{} — {}", a.slot.service, a.slot.place),
            state: a.state.label().to_owned(),
            changeable: a.state == appointments::State::Booked && a.slot.starts_at > now,
        })
        .collect();
    let changeable = |id: Option<i64>| {
        id.and_then(|id| {
            rows.iter()
                .find(|r| r.id == id.to_string() && r.changeable)
                .cloned()
        })
    };
    let moving = changeable(asked.moving);
    let cancelling = changeable(asked.cancelling);
    let free = free_slots(&appointments::slots_from(tenant, now).await?);
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <AppointmentsPage ctx appointments=rows free moving cancelling notice errors /> }
    }))
}

/// `POST /mon-espace/rendez-vous`: books a slot, or moves an appointment to it (`replacing`).
pub async fn citizen_book(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    headers: HeaderMap,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant;
    let replacing = match form.get("replacing") {
        "" => None,
        id => Some(crate::http::parse_id(id)?),
    };
    let Ok(slot_id) = form.get("slot").parse::<i64>() else {
        return render_my_appointments(
            &citizen,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            Asked {
                moving: replacing,
                ..Asked::default()
            },
            None,
            FieldErrors::at(FIRST_SLOT, "Choisissez un créneau dans la liste."),
        )
        .await;
    };
    let url = crate::http::citizen::absolute(&state, &headers, tenant, "/mon-espace/rendez-vous");
    let booked = appointments::book(
        &tenant.tenant,
        citizen.citizen.id,
        slot_id,
        BookedBy::Citizen,
        replacing,
        Some(Confirmation {
            to: &citizen.citizen.email,
            department: tenant.tenant.name(),
            url: &url,
        }),
    )
    .await?;
    match booked {
        Ok(_) => {
            crate::mail::wake(&state.platform, &tenant.tenant).await;
            let ok = if replacing.is_some() {
                "deplace"
            } else {
                "reserve"
            };
            Ok(
                Redirect::to(&tenant.href(&format!("/mon-espace/rendez-vous?ok={ok}")))
                    .into_response(),
            )
        }
        Err(appointments::BookingError::NotFound) => Err(AppError::NotFound),
        Err(refused) => {
            render_my_appointments(
                &citizen,
                ui,
                StatusCode::CONFLICT,
                Asked {
                    moving: replacing,
                    ..Asked::default()
                },
                None,
                FieldErrors::at(FIRST_SLOT, refused.message()),
            )
            .await
        }
    }
}

/// `POST /mon-espace/rendez-vous/{id}/annuler`: cancels one of the citizen's appointments.
pub async fn citizen_cancel(
    citizen: CurrentCitizen,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant;
    let id = crate::http::parse_id(&id)?;
    if !appointments::cancel(&tenant.tenant, citizen.citizen.id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&tenant.href("/mon-espace/rendez-vous?ok=annule")).into_response())
}

/// `GET /agents/rendez-vous`: reception's slots, bookings and attendance to record.
pub async fn staff_appointments(
    staff: CurrentStaff,
    ui: Ui,
    Query(params): Query<AppointmentsParams>,
) -> Result<Response, AppError> {
    let notice = match params.ok.as_deref() {
        Some("publie") => Some("Les créneaux sont publiés : les usagers peuvent les réserver."),
        Some("pointe") => Some("La présence est notée."),
        _ => None,
    }
    .map(str::to_owned);
    render_staff_appointments(
        &staff,
        ui,
        StatusCode::OK,
        SlotsForm::default(),
        FieldErrors::new(),
        notice,
    )
    .await
}

async fn render_staff_appointments(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    form: SlotsForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let desk = records_desk(staff)?;
    let tenant = &desk.staff().tenant;
    let now = chrono::Utc::now();
    let mut names = std::collections::HashMap::new();
    let row =
        |s: appointments::Slot, names: &std::collections::HashMap<i64, String>| StaffSlotRow {
            when: format!("{} ({} min)", s.when(), s.minutes),
            where_: format!("{} — {}", s.service, s.place),
            booked: s.held_by.map(|citizen| {
                (
                    names.get(&citizen).cloned().unwrap_or_default(),
                    tenant.href(&format!("/agents/usagers/{citizen}")),
                )
            }),
            attendance_action: s
                .appointment_id
                .filter(|_| s.starts_at <= now)
                .map(|id| tenant.href(&format!("/agents/rendez-vous/{id}/presence"))),
        };
    let upcoming_slots = appointments::slots_from(&tenant.tenant, now).await?;
    let past_slots = appointments::to_record(&tenant.tenant, now).await?;
    for citizen in upcoming_slots
        .iter()
        .chain(&past_slots)
        .filter_map(|s| s.held_by)
    {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(citizen) {
            e.insert(
                citizens::find(&tenant.tenant, citizen)
                    .await?
                    .map(|c| c.display_name())
                    .unwrap_or_default(),
            );
        }
    }
    let upcoming = upcoming_slots.into_iter().map(|s| row(s, &names)).collect();
    let to_record = past_slots.into_iter().map(|s| row(s, &names)).collect();
    let form = SlotsForm {
        minutes: if form.minutes.is_empty() {
            "30".to_owned()
        } else {
            form.minutes
        },
        count: if form.count.is_empty() {
            "1".to_owned()
        } else {
            form.count
        },
        ..form
    };
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! { <StaffAppointmentsPage ctx upcoming to_record form errors notice /> }
    }))
}

/// `POST /agents/rendez-vous`: publishes slots.
pub async fn publish_slots(
    staff: CurrentStaff,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff().tenant;
    let typed: SlotsForm = form.read()?;
    let slots = match NewSlots::parse(
        &typed.service,
        &typed.place,
        &typed.day,
        &typed.time,
        &typed.minutes,
        &typed.count,
        chrono::Utc::now(),
    ) {
        Ok(slots) => slots,
        Err(errors) => {
            return render_staff_appointments(
                &staff,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
                errors,
                None,
            )
            .await;
        }
    };
    let by = Author::Staff(&staff.account);
    appointments::publish(&tenant.tenant, staff.account.id, &slots, by).await?;
    Ok(Redirect::to(&tenant.href("/agents/rendez-vous?ok=publie")).into_response())
}

/// `POST /agents/rendez-vous/{id}/presence`: records whether the citizen came.
pub async fn record_attendance(
    staff: CurrentStaff,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff().tenant;
    let id = crate::http::parse_id(&id)?;
    let came = match form.get("came") {
        "oui" => true,
        "non" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Indiquez si l'usager est venu (« Venu ») ou non (« Absent »).".into(),
            ));
        }
    };
    if appointments::record_attendance(&desk, id, came)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&tenant.href("/agents/rendez-vous?ok=pointe")).into_response())
}

/// `POST /agents/usagers/{id}/rendez-vous`: reception books a slot for the citizen.
pub async fn staff_book(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: HeaderMap,
    ui: Ui,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff().tenant;
    let person = super::record_of(&desk, &id).await?;
    let Ok(slot_id) = form.get("slot").parse::<i64>() else {
        return render_record(
            &staff,
            RecordAccess::Reception(desk),
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            &id,
            None,
            Typed::Nothing,
            FieldErrors::at(FIRST_SLOT, "Choisissez un créneau dans la liste."),
        )
        .await;
    };
    let url = crate::http::citizen::absolute(&state, &headers, tenant, "/mon-espace/rendez-vous");
    let booked = appointments::book(
        &tenant.tenant,
        person.id,
        slot_id,
        BookedBy::Staff(&desk),
        None,
        Some(Confirmation {
            to: &person.email,
            department: tenant.tenant.name(),
            url: &url,
        }),
    )
    .await?;
    if let Err(refused) = booked {
        return render_record(
            &staff,
            RecordAccess::Reception(desk),
            ui,
            StatusCode::CONFLICT,
            &id,
            None,
            Typed::Nothing,
            FieldErrors::at(FIRST_SLOT, refused.message()),
        )
        .await;
    }
    crate::mail::wake(&state.platform, &tenant.tenant).await;
    Ok(
        Redirect::to(&tenant.href(&format!("/agents/usagers/{}?ok=rendez-vous", person.id)))
            .into_response(),
    )
}

// ---------------------------------------------------------------------------------------------
// Right of access
