//! Reception's side of a citizen's record: search, the record itself, contacts, reminders,
//! records opened by hand and the merge of duplicates.

use app::user_relations::{
    AlertRow, AppointmentRow, CitizenHit, CitizenRecordPage, CitizenSearchPage, ContactForm,
    ContactRow, NewRecordForm, NewRecordPage, RecordMessageForm, RecordRequest,
};
use app::validation::FieldErrors;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::Deserialize;

use crate::citizens;
use crate::http::auth::CurrentStaff;
use crate::http::form::FormFields;
use crate::http::ui::Ui;
use crate::http::{AppError, AppState};
use crate::user_relations::alerts;
use crate::user_relations::appointments;
use crate::user_relations::details;
use crate::user_relations::messages;
use crate::user_relations::{self, Channel, NewContact, NewRecord};

use super::messages::{FirstMessage, write_first};
use super::*;

#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    ok: Option<String>,
}

/// `GET /agents/usagers?q=…`: finds citizens by name. The list names people but opens no
/// file; opening one is journaled.
pub async fn search(
    staff: CurrentStaff,
    ui: Ui,
    Query(params): Query<SearchParams>,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let query = params.q.unwrap_or_default().trim().to_owned();
    let hits = if query.is_empty() {
        None
    } else {
        let tenant = &desk.staff().tenant;
        Some(
            user_relations::search(&desk, &query)
                .await?
                .into_iter()
                .map(|c| CitizenHit {
                    name: format!("{} {}", c.family_name.to_uppercase(), c.given_name),
                    birthdate: crate::http::citizen::french_date(&c.birthdate),
                    href: tenant.href(&format!("/agents/usagers/{}", c.id)),
                })
                .collect(),
        )
    };
    let limit = usize::try_from(user_relations::SEARCH_LIMIT).unwrap_or(usize::MAX);
    let tenant = &desk.staff().tenant;
    let mut alerts = Vec::new();
    for (citizen_id, reasons) in alerts::silent_citizens(&tenant.tenant, chrono::Utc::now()).await?
    {
        let name = citizens::find(&tenant.tenant, citizen_id)
            .await?
            .map(|c| c.display_name())
            .unwrap_or_default();
        alerts.push(AlertRow {
            name,
            href: tenant.href(&format!("/agents/usagers/{citizen_id}")),
            reasons: crate::audit::sentence(
                &reasons
                    .iter()
                    .map(alerts::Reason::describe)
                    .collect::<Vec<_>>()
                    .join(" ; "),
            ),
            remind_action: tenant.href(&format!("/agents/usagers/{citizen_id}/relance")),
        });
    }
    let notice = (params.ok.as_deref() == Some("relance"))
        .then(|| "La relance est envoyée : l'usager la lit dans ses messages et en est prévenu par courriel.".to_owned());
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <CitizenSearchPage ctx query hits limit alerts notice /> }
    }))
}

/// `POST /agents/usagers/{id}/relance`: writes to a citizen who stopped responding, saying
/// what waits for them (mail notice as for any message; journaled).
pub async fn remind(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff().tenant;
    let person = super::record_of(&desk, &id).await?;
    let reasons = alerts::silent_citizens(&tenant.tenant, chrono::Utc::now())
        .await?
        .remove(&person.id)
        .ok_or_else(|| {
            AppError::BadRequest(
                "Cet usager n'est pas à relancer : rien n'attend sa réponse. Écrivez-lui depuis son dossier si besoin."
                    .into(),
            )
        })?;
    let body = format!(
        "Bonjour,\n\nLe département attend de vos nouvelles : {}.\n\nRépondez-nous ici, ou appelez l'accueil du département. Si vous avez besoin d'aide pour répondre, nous pouvons vous recevoir : prenez rendez-vous dans votre espace, rubrique « Mes rendez-vous ».",
        reasons
            .iter()
            .map(alerts::Reason::to_citizen)
            .collect::<Vec<_>>()
            .join(" ; ")
    );
    let written = FirstMessage {
        subject: "Nous attendons de vos nouvelles",
        body: &body,
        action: "relance : le département attend de vos nouvelles",
        reason: "suivi de vos démarches",
    };
    write_first(&state, &headers, &desk, &person, written).await?;
    Ok(Redirect::to(&tenant.href("/agents/usagers?ok=relance")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct RecordParams {
    ok: Option<String>,
}

/// `GET /agents/usagers/{id}`: one citizen's record (journaled, shown to the citizen), for
/// reception, or for another module's staff under a wider access they asked for.
pub async fn record(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<RecordParams>,
) -> Result<Response, AppError> {
    let citizen_id = crate::http::parse_id(&id)?;
    let access = record_access(&staff, citizen_id).await?;
    // A record merged into another opens as that one.
    if let Some(kept) = user_relations::merged_into(&staff.tenant.tenant, citizen_id).await? {
        return Ok(
            Redirect::to(&staff.tenant.href(&format!("/agents/usagers/{kept}"))).into_response(),
        );
    }
    let notice = match params.ok.as_deref() {
        Some("contact") => Some("Le contact est noté dans l'historique."),
        Some("rendez-vous") => {
            Some("Le rendez-vous est réservé ; l'usager reçoit la confirmation par courriel.")
        }
        Some("fusion") => {
            Some("Les deux dossiers n'en font plus qu'un : tout ce que tenait l'autre est ici.")
        }
        Some("fusion-proposee") => Some(
            "Ces deux dossiers ne sont peut-être pas la même personne : la fusion est proposée, et un autre agent de l'accueil doit la confirmer depuis ce dossier (bouton « Fusionner »).",
        ),
        _ => None,
    }
    .map(str::to_owned);
    render_record(
        &staff,
        access,
        ui,
        StatusCode::OK,
        &id,
        notice,
        Typed::Nothing,
        FieldErrors::new(),
    )
    .await
}

/// What reception typed into one of the record's forms, sent back with its errors.
pub(super) enum Typed {
    Nothing,
    Contact(ContactForm),
    Message(RecordMessageForm),
}

#[expect(
    clippy::too_many_arguments,
    reason = "a page sent back with what was typed"
)]
pub(super) async fn render_record(
    staff: &CurrentStaff,
    access: RecordAccess<'_>,
    ui: Ui,
    status: StatusCode,
    id: &str,
    notice: Option<String>,
    typed: Typed,
    errors: impl Into<FieldErrors>,
) -> Result<Response, AppError> {
    let errors = errors.into();
    let id = crate::http::parse_id(id)?;
    let tenant = &staff.tenant;
    let person = citizens::find(&tenant.tenant, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match &access {
        RecordAccess::Reception(desk) => {
            desk.audit_file(
                person.id,
                "consultation du dossier",
                &person.audit_subject(),
                crate::user_relations::RECEPTION,
            )
            .await?;
        }
        RecordAccess::Wider { module, reason } => {
            staff
                .audit_file_under_wider_access(
                    *module,
                    person.id,
                    "consultation du dossier complet (accès élargi)",
                    &person.audit_subject(),
                    reason,
                )
                .await?;
        }
    }
    let can_act = matches!(access, RecordAccess::Reception(_));
    let name = person.display_name();
    let mut identity = identity_lines(&tenant.tenant, &person).await?;
    // That a module follows them, and since when: never what it holds (its notes, contract).
    for f in crate::modules::follow_ups_of(&tenant.tenant, person.id).await? {
        identity.push((
            "Suivi".to_owned(),
            format!("{}, depuis le {}", f.title, crate::dates::on(f.since)),
        ));
    }
    let requests = record_requests(&tenant.tenant, person.id).await?;
    let contacts = user_relations::contacts_of(&tenant.tenant, person.id)
        .await?
        .into_iter()
        .map(|c| ContactRow {
            day: c.day.format("%d/%m/%Y").to_string(),
            channel: c.channel.label().to_owned(),
            subject: c.subject,
            note: c.note,
        })
        .collect();
    let channels = Channel::ALL
        .into_iter()
        .map(|c| (c.id().to_owned(), c.label().to_owned()))
        .collect();
    let contact_action = tenant.href(&format!("/agents/usagers/{}/contacts", person.id));
    let message_action = tenant.href(&format!("/agents/usagers/{}/messages", person.id));
    let threads = messages::threads_of(&tenant.tenant, person.id)
        .await?
        .into_iter()
        .map(|t| staff_thread_row(tenant, &t, None))
        .collect();
    let now = chrono::Utc::now();
    let appointments: Vec<AppointmentRow> = appointments::of_citizen(&tenant.tenant, person.id)
        .await?
        .into_iter()
        .map(|a| AppointmentRow {
            id: a.id.to_string(),
            when: a.slot.when(),
            where_: format!("{} — {}", a.slot.service, a.slot.place),
            state: a.state.label().to_owned(),
            changeable: false,
        })
        .collect();
    let free = free_slots(&appointments::slots_from(&tenant.tenant, now).await?);
    let booking_action = tenant.href(&format!("/agents/usagers/{}/rendez-vous", person.id));
    let duplicates = if can_act {
        duplicates_of(tenant, &person).await?
    } else {
        Vec::new()
    };
    let (form, message) = match typed {
        Typed::Nothing => Default::default(),
        Typed::Contact(form) => (form, RecordMessageForm::default()),
        Typed::Message(message) => (ContactForm::default(), message),
    };
    let form = ContactForm {
        day: if form.day.is_empty() {
            chrono::Utc::now()
                .date_naive()
                .format("%Y-%m-%d")
                .to_string()
        } else {
            form.day
        },
        ..form
    };
    let with_mandates =
        can_act && crate::user_relations::http::mandates::files_under_mandate(tenant);
    let mandates = if with_mandates {
        crate::user_relations::http::mandates::on_record(tenant, person.id).await?
    } else {
        vec![]
    };
    let new_mandate_href = with_mandates
        .then(|| tenant.href(&format!("/agents/usagers/{}/mandats/nouveau", person.id)));
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! {
            <CitizenRecordPage ctx name identity requests contacts channels form message errors notice contact_action threads message_action appointments free booking_action can_act duplicates mandates new_mandate_href />
        }
    }))
}

/// The record's identity: what the citizen is known as, contact details and household.
async fn identity_lines(
    tenant: &tenants::Tenant,
    person: &citizens::Citizen,
) -> Result<Vec<(String, String)>, AppError> {
    let mut identity: Vec<(String, String)> = crate::http::citizen::identity_lines(person)
        .into_iter()
        .map(|line| (line.label, line.value))
        .collect();
    if let Some(d) = details::of(tenant, person.id).await? {
        if !d.phone.is_empty() {
            identity.push(("Téléphone".to_owned(), d.phone));
        }
        if !d.postal_address.is_empty() {
            identity.push(("Adresse postale".to_owned(), d.postal_address));
        }
        identity.push((
            "Préfère être contacté par".to_owned(),
            d.preferred.label().to_owned(),
        ));
    }
    for m in details::household(tenant, person.id).await? {
        identity.push((
            format!("Foyer : {}", m.relation),
            match m.birth_year {
                Some(year) => format!("{} {} (née ou né en {year})", m.given_name, m.family_name),
                None => format!("{} {}", m.given_name, m.family_name),
            },
        ));
    }
    Ok(identity)
}

/// Where the citizen's filed requests stand (not their answers: those are the instructors').
async fn record_requests(
    tenant: &tenants::Tenant,
    citizen_id: i64,
) -> Result<Vec<RecordRequest>, AppError> {
    let mut requests = Vec::new();
    for files in crate::modules::files_in(tenant) {
        for file in (files.of_citizen)(tenant, citizen_id).await? {
            let Some(reference) = file.reference else {
                continue;
            };
            requests.push(RecordRequest {
                aid: file.title,
                reference,
                status: file.status,
                filed: file
                    .filed_at
                    .map(|at| at.format("%d/%m/%Y").to_string())
                    .unwrap_or_default(),
            });
        }
    }
    Ok(requests)
}

/// Other records that may be the same person: (their href, how they are named, the merge
/// action).
async fn duplicates_of(
    tenant: &crate::http::TenantCtx,
    person: &citizens::Citizen,
) -> Result<Vec<(String, String, String)>, AppError> {
    let Ok(birthdate) = NaiveDate::parse_from_str(&person.birthdate, "%Y-%m-%d") else {
        return Ok(Vec::new());
    };
    let record = NewRecord {
        given_name: person.given_name.clone(),
        family_name: person.family_name.clone(),
        birthdate,
        email: String::new(),
    };
    let pending = user_relations::proposal::pending_into(&tenant.tenant, person.id).await?;
    Ok(user_relations::possible_duplicates(&tenant.tenant, &record)
        .await?
        .into_iter()
        .filter(|c| c.id != person.id)
        .map(|c| {
            let proposed = pending
                .iter()
                .find(|p| p.absorbed_id == c.id)
                .map(|p| {
                    format!(
                        " — fusion proposée par {}, à confirmer par un autre agent ({})",
                        p.proposed_by_name, p.why
                    )
                })
                .unwrap_or_default();
            (
                tenant.href(&format!("/agents/usagers/{}", c.id)),
                format!(
                    "{} {} (dossier n° {}){proposed}",
                    c.family_name.to_uppercase(),
                    c.given_name,
                    c.id
                ),
                tenant.href(&format!("/agents/usagers/{}/fusionner/{}", person.id, c.id)),
            )
        })
        .collect())
}

/// `POST /agents/usagers/{id}/contacts`: logs a contact; a form with mistakes comes back
/// with them and nothing is written.
pub async fn log_contact(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff().tenant;
    let person = super::record_of(&desk, &id).await?;
    let typed: ContactForm = form.read()?;
    let contact = match NewContact::parse(
        &typed.day,
        &typed.channel,
        &typed.subject,
        &typed.note,
        chrono::Utc::now().date_naive(),
    ) {
        Ok(contact) => contact,
        Err(errors) => {
            return render_record(
                &staff,
                RecordAccess::Reception(desk),
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                &id,
                None,
                Typed::Contact(typed),
                errors,
            )
            .await;
        }
    };
    user_relations::log_contact(&desk, &person, &contact).await?;
    Ok(
        Redirect::to(&tenant.href(&format!("/agents/usagers/{}?ok=contact", person.id)))
            .into_response(),
    )
}

// ---------------------------------------------------------------------------------------------
// Secure messages

/// `GET /agents/usagers/nouveau`.
pub async fn new_record_form(staff: CurrentStaff, ui: Ui) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    Ok(ui.with_staff(desk.staff()).render(StatusCode::OK, move |ctx| {
        view! { <NewRecordPage ctx form=NewRecordForm::default() duplicates=vec![] errors=FieldErrors::new() /> }
    }))
}

/// `POST /agents/usagers/nouveau`: opens a record, unless one may already exist for the same
/// person and reception has not confirmed it is someone else.
pub async fn create_record(
    staff: CurrentStaff,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff().tenant;
    let typed: NewRecordForm = form.read()?;
    let record = match NewRecord::parse(
        &typed.given,
        &typed.family,
        &typed.birthdate,
        &typed.email,
        chrono::Utc::now().date_naive(),
    ) {
        Ok(record) => record,
        Err(errors) => {
            return Ok(ui.with_staff(&staff).render(
                StatusCode::UNPROCESSABLE_ENTITY,
                move |ctx| {
                    view! { <NewRecordPage ctx form=typed duplicates=vec![] errors /> }
                },
            ));
        }
    };
    let duplicates = user_relations::possible_duplicates(&tenant.tenant, &record).await?;
    if !duplicates.is_empty() && form.get("confirm") != "oui" {
        let duplicates = duplicates
            .into_iter()
            .map(|c| CitizenHit {
                name: format!("{} {}", c.family_name.to_uppercase(), c.given_name),
                birthdate: crate::http::citizen::french_date(&c.birthdate),
                href: tenant.href(&format!("/agents/usagers/{}", c.id)),
            })
            .collect();
        return Ok(ui
            .with_staff(&staff)
            .render(StatusCode::CONFLICT, move |ctx| {
                view! { <NewRecordPage ctx form=typed duplicates errors=FieldErrors::new() /> }
            }));
    }
    let person = user_relations::create_record(&desk, &record).await?;
    Ok(Redirect::to(&tenant.href(&format!("/agents/usagers/{}", person.id))).into_response())
}

/// `POST /agents/usagers/{kept}/fusionner/{absorbed}`: merges a record found to be the same
/// person into this one (confirmed by a box ticked), journaled on both.
pub async fn merge_records(
    staff: CurrentStaff,
    ui: Ui,
    Path((kept, absorbed)): Path<(String, String)>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff().tenant;
    let (kept_id, absorbed_id) = (
        crate::http::parse_id(&kept)?,
        crate::http::parse_id(&absorbed)?,
    );
    if form.get("confirm") != "oui" {
        return render_record(
            &staff,
            RecordAccess::Reception(desk),
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            &kept,
            None,
            Typed::Nothing,
            vec![
                "Cochez la case pour confirmer que les deux dossiers sont la même personne."
                    .to_owned(),
            ],
        )
        .await;
    }
    let outcome = match user_relations::merge(&desk, kept_id, absorbed_id).await? {
        Ok(outcome) => outcome,
        Err(user_relations::MergeRefused::NotFound) => return Err(AppError::NotFound),
        Err(refused) => {
            return render_record(
                &staff,
                RecordAccess::Reception(desk),
                ui,
                StatusCode::CONFLICT,
                &kept,
                None,
                Typed::Nothing,
                vec![refused.message().to_owned()],
            )
            .await;
        }
    };
    let done = match outcome {
        user_relations::Merged::Done => "fusion",
        user_relations::Merged::Proposed => "fusion-proposee",
    };
    Ok(Redirect::to(&tenant.href(&format!("/agents/usagers/{kept_id}?ok={done}"))).into_response())
}
