//! User relations (`user_relations`): reception's record of a citizen (contacts, messages,
//! appointments, alerts), the wider access for other modules, and the citizen's side:
//! messages, appointments, contact details and household, access journal, right of access.

use app::pages::user_relations::{
    AccessJournalPage, AccessRow, AlertRow, AppointmentRow, AppointmentsPage, CitizenHit,
    CitizenRecordPage, CitizenSearchPage, ContactForm, ContactRow, DetailsForm, FreeSlot,
    InfoSection, MemberForm, MemberRow, MessageForm, MessageRow, MessagesPage, MyDetailsPage,
    MyInformationPage, NewRecordForm, NewRecordPage, RecordRequest, SlotsForm,
    StaffAppointmentsPage, StaffInboxPage, StaffSlotRow, ThreadPage, ThreadRow, WiderAccessPage,
};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use tenants::Module;
use tower_sessions::Session;

use super::auth::CurrentStaff;
use super::citizen::CurrentCitizen;
use super::desks::{DeskAccess, UserRelationsDesk};
use super::form::FormData;
use super::form::FormFields;
use super::ui::Ui;
use super::{AppError, AppState};
use crate::audit::{self, FileAccess};
use crate::citizens;
use crate::documents;
use crate::requests;
use crate::staff::Role;
use crate::user_relations::alerts;
use crate::user_relations::appointments::{self, BookedBy, Confirmation, NewSlots};
use crate::user_relations::details::{self, Details, NewMember, PreferredChannel};
use crate::user_relations::messages::{self, Author, NewMessage, Thread};
use crate::user_relations::{self, Channel, NewContact, NewRecord};

/// Entries shown at most (the newest).
const JOURNAL_LENGTH: u64 = 500;

/// `GET /mon-espace/journal`: every read or change of the citizen's file by staff, and every
/// call made to the national administrations in their name.
pub async fn access_journal(citizen: CurrentCitizen, ui: Ui) -> Result<Response, AppError> {
    let tenant = &citizen.tenant.tenant;
    let accesses = audit::for_citizen(tenant, citizen.citizen.id, JOURNAL_LENGTH)
        .await?
        .into_iter()
        .map(access_row)
        .collect();
    let fetches = super::national::call_rows(tenant, citizen.citizen.id).await?;
    Ok(ui
        .with_citizen(&citizen)
        .render(StatusCode::OK, move |ctx| {
            view! { <AccessJournalPage ctx accesses fetches /> }
        }))
}

/// Names the service and the role the way the citizen reads them, never the staff member.
fn access_row(entry: FileAccess) -> AccessRow {
    let service = Module::parse(&entry.module).map_or("Département", Module::label);
    let held: Vec<Role> = entry
        .actor_role
        .split(',')
        .filter_map(|id| Role::parse(id).ok())
        .collect();
    // The role the entry was made under: the module's own, else whatever they hold.
    let in_module: Vec<Role> = held
        .iter()
        .copied()
        .filter(|role| role.module().is_some_and(|m| m.id() == entry.module))
        .collect();
    let roles: Vec<&str> = if in_module.is_empty() {
        held
    } else {
        in_module
    }
    .into_iter()
    .map(Role::label)
    .collect();
    let who = if roles.is_empty() {
        service.to_owned()
    } else {
        format!("{service} — {}", roles.join(", "))
    };
    AccessRow {
        date: entry.at.format("%d/%m/%Y à %H:%M").to_string(),
        who,
        what: user_relations::sentence(&entry.action),
        why: user_relations::sentence(&entry.reason),
    }
}

/// Reception's desk, for those who work on files (supervisors see figures, not records).
fn records_desk(staff: &CurrentStaff) -> Result<UserRelationsDesk<'_>, AppError> {
    UserRelationsDesk::open_worker(staff)
}

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
        let tenant = &desk.staff.tenant;
        Some(
            user_relations::search(&tenant.tenant, &query)
                .await?
                .into_iter()
                .map(|c| CitizenHit {
                    name: format!("{} {}", c.family_name.to_uppercase(), c.given_name),
                    birthdate: super::citizen::french_date(&c.birthdate),
                    href: tenant.href(&format!("/agents/usagers/{}", c.id)),
                })
                .collect(),
        )
    };
    let limit = usize::try_from(user_relations::SEARCH_LIMIT).unwrap_or(usize::MAX);
    let tenant = &desk.staff.tenant;
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
            reasons: user_relations::sentence(
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
    let tenant = &desk.staff.tenant;
    let citizen_id = super::parse_id(&id)?;
    let person = citizens::find(&tenant.tenant, citizen_id)
        .await?
        .ok_or(AppError::NotFound)?;
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
    let url = super::citizen::absolute(&state, &headers, tenant, "/mon-espace/messages");
    let thread = messages::start(
        &tenant.tenant,
        person.id,
        None,
        "Nous attendons de vos nouvelles",
        NewMessage {
            author: Author::Staff(staff.account.id),
            body: &body,
            document_id: None,
            notify: Some((&person.email, &url)),
        },
    )
    .await?;
    crate::mail::wake(&state.platform, &tenant.tenant).await;
    staff
        .audit_file(
            Module::UserRelations,
            person.id,
            "relance : le département attend de vos nouvelles",
            &format!("fil de messages {thread} (usager {})", person.id),
            "suivi de vos démarches",
        )
        .await?;
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
    session: Session,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<RecordParams>,
) -> Result<Response, AppError> {
    let citizen_id = super::parse_id(&id)?;
    let access = record_access(&staff, &session, citizen_id).await?;
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
        ContactForm::default(),
        vec![],
    )
    .await
}

/// How a staff member reaches a record.
#[derive(Clone, Debug)]
enum RecordAccess {
    /// Reception: the record is their module's.
    Reception,
    /// Another module's staff, for a while, for the reason they gave.
    Wider { module: Module, reason: String },
}

/// Reception, or a live wider access granted in this session; otherwise forbidden.
async fn record_access(
    staff: &CurrentStaff,
    session: &Session,
    citizen_id: i64,
) -> Result<RecordAccess, AppError> {
    if records_desk(staff).is_ok() {
        return Ok(RecordAccess::Reception);
    }
    let now = chrono::Utc::now().timestamp();
    let grants: Vec<WiderAccess> = session.get(WIDER_KEY).await?.unwrap_or_default();
    grants
        .into_iter()
        .find(|g| {
            g.tenant_id == staff.tenant.tenant.id()
                && g.staff_id == staff.account.id
                && g.citizen_id == citizen_id
                && g.until > now
        })
        .and_then(|g| {
            Some(RecordAccess::Wider {
                module: Module::parse(&g.module).ok()?,
                reason: g.reason,
            })
        })
        .ok_or(AppError::Forbidden)
}

#[expect(
    clippy::too_many_arguments,
    reason = "a page sent back with what was typed"
)]
async fn render_record(
    staff: &CurrentStaff,
    access: RecordAccess,
    ui: Ui,
    status: StatusCode,
    id: &str,
    notice: Option<String>,
    form: ContactForm,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let id = super::parse_id(id)?;
    let tenant = &staff.tenant;
    let person = citizens::find(&tenant.tenant, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match &access {
        RecordAccess::Reception => {
            staff
                .audit_file(
                    Module::UserRelations,
                    person.id,
                    "consultation du dossier",
                    &person.audit_subject(),
                    "accueil et suivi de vos démarches",
                )
                .await?;
        }
        RecordAccess::Wider { module, reason } => {
            staff
                .audit_file(
                    *module,
                    person.id,
                    "consultation du dossier complet (accès élargi)",
                    &person.audit_subject(),
                    reason,
                )
                .await?;
        }
    }
    let can_act = matches!(access, RecordAccess::Reception);
    let name = person.display_name();
    let mut identity: Vec<(String, String)> = super::citizen::identity_lines(&person)
        .into_iter()
        .map(|line| (line.label, line.value))
        .collect();
    if let Some(d) = details::of(&tenant.tenant, person.id).await? {
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
    for m in details::household(&tenant.tenant, person.id).await? {
        identity.push((
            format!("Foyer : {}", m.relation),
            match m.birth_year {
                Some(year) => format!("{} {} (née ou né en {year})", m.given_name, m.family_name),
                None => format!("{} {}", m.given_name, m.family_name),
            },
        ));
    }
    let requests = if tenant.tenant.has_module(Module::AidRequests) {
        requests::list_for_citizen(&tenant.tenant, person.id)
            .await?
            .into_iter()
            .filter_map(|(request, aid)| {
                Some(RecordRequest {
                    aid,
                    reference: request.reference?,
                    status: request.status.label().to_owned(),
                    filed: request
                        .submitted_at
                        .map(|at| at.format("%d/%m/%Y").to_string())
                        .unwrap_or_default(),
                })
            })
            .collect()
    } else {
        vec![]
    };
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
    let duplicates = match NaiveDate::parse_from_str(&person.birthdate, "%Y-%m-%d") {
        Ok(birthdate) if can_act => user_relations::possible_duplicates(
            &tenant.tenant,
            &NewRecord {
                given_name: person.given_name.clone(),
                family_name: person.family_name.clone(),
                birthdate,
                email: String::new(),
            },
        )
        .await?
        .into_iter()
        .filter(|c| c.id != person.id)
        .map(|c| {
            (
                tenant.href(&format!("/agents/usagers/{}", c.id)),
                format!(
                    "{} {} (dossier n° {})",
                    c.family_name.to_uppercase(),
                    c.given_name,
                    c.id
                ),
                tenant.href(&format!("/agents/usagers/{}/fusionner/{}", person.id, c.id)),
            )
        })
        .collect(),
        _ => Vec::new(),
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
    let with_mandates = can_act && tenant.tenant.has_module(Module::AidRequests);
    let mandates = if with_mandates {
        super::mandates::on_record(tenant, person.id).await?
    } else {
        vec![]
    };
    let new_mandate_href = with_mandates
        .then(|| tenant.href(&format!("/agents/usagers/{}/mandats/nouveau", person.id)));
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! {
            <CitizenRecordPage ctx name identity requests contacts channels form errors notice contact_action threads message_action appointments free booking_action can_act duplicates mandates new_mandate_href />
        }
    }))
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
    let citizen_id = super::parse_id(&id)?;
    let tenant = &desk.staff.tenant;
    let person = citizens::find(&tenant.tenant, citizen_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let typed = ContactForm {
        day: form.get("day").to_owned(),
        channel: form.get("channel").to_owned(),
        subject: form.get("subject").to_owned(),
        note: form.get("note").to_owned(),
    };
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
                RecordAccess::Reception,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                &id,
                None,
                typed,
                errors,
            )
            .await;
        }
    };
    user_relations::log_contact(&tenant.tenant, person.id, staff.account.id, &contact).await?;
    staff
        .audit_file(
            Module::UserRelations,
            person.id,
            &format!(
                "ajout d'un contact à l'historique ({})",
                contact.channel.label().to_lowercase()
            ),
            &person.audit_subject(),
            "accueil et suivi de vos démarches",
        )
        .await?;
    Ok(
        Redirect::to(&tenant.href(&format!("/agents/usagers/{}?ok=contact", person.id)))
            .into_response(),
    )
}

// ---------------------------------------------------------------------------------------------
// Secure messages

fn date_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%d/%m/%Y à %H:%M").to_string()
}

fn staff_thread_row(tenant: &super::TenantCtx, t: &Thread, citizen: Option<String>) -> ThreadRow {
    ThreadRow {
        href: tenant.href(&format!("/agents/messages/{}", t.id)),
        subject: t.subject.clone(),
        about: None,
        date: date_time(t.last_message_at),
        state: t.awaiting_department.then(|| "À répondre".to_owned()),
        citizen,
    }
}

/// What a citizen may say a message is about: their filed requests.
async fn citizen_requests(
    tenant: &tenants::Tenant,
    citizen_id: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    Ok(requests::list_for_citizen(tenant, citizen_id)
        .await?
        .into_iter()
        .filter_map(|(request, aid)| {
            let reference = request.reference?;
            Some((request.id, format!("{aid} — demande {reference}")))
        })
        .collect())
}

/// Checks and stores the document sent with a message, as the citizen's document.
async fn stored_piece(
    state: &AppState,
    tenant: &tenants::Tenant,
    citizen_id: i64,
    form: &FormData,
) -> Result<Result<Option<i64>, String>, AppError> {
    let Some(upload) = form.uploads.iter().find(|u| u.field == "piece") else {
        return Ok(Ok(None));
    };
    let mime = match documents::check(upload) {
        Ok(mime) => mime,
        Err(message) => return Ok(Err(message)),
    };
    let document = documents::save(&state.platform, tenant, citizen_id, upload, mime).await?;
    Ok(Ok(Some(document.id)))
}

/// A reply as sent: its text checked, and its document (if any) checked and stored as the
/// citizen's. On a mistake, what was typed and what is wrong, and nothing stored.
async fn checked_reply(
    state: &AppState,
    tenant: &tenants::Tenant,
    citizen_id: i64,
    form: &FormData,
) -> Result<Result<(String, Option<i64>), (String, Vec<String>)>, AppError> {
    let typed = form.fields.get("body").to_owned();
    let mut errors = Vec::new();
    let body = messages::check_body(&typed).map_err(|e| errors.push(e));
    if let Some(upload) = form.uploads.iter().find(|u| u.field == "piece")
        && let Err(message) = documents::check(upload)
    {
        errors.push(message);
    }
    let (Ok(body), true) = (body, errors.is_empty()) else {
        return Ok(Err((typed, errors)));
    };
    Ok(match stored_piece(state, tenant, citizen_id, form).await? {
        Ok(document_id) => Ok((body, document_id)),
        Err(message) => Err((typed, vec![message])),
    })
}

/// `GET /mon-espace/messages`: the citizen's threads and the form to write.
pub async fn my_messages(citizen: CurrentCitizen, ui: Ui) -> Result<Response, AppError> {
    render_my_messages(&citizen, ui, StatusCode::OK, MessageForm::default(), vec![]).await
}

async fn render_my_messages(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    form: MessageForm,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant;
    let requests = citizen_requests(&tenant.tenant, citizen.citizen.id).await?;
    let about: std::collections::HashMap<i64, String> = requests.iter().cloned().collect();
    let threads = messages::threads_of(&tenant.tenant, citizen.citizen.id)
        .await?
        .into_iter()
        .map(|t| ThreadRow {
            href: tenant.href(&format!("/mon-espace/messages/{}", t.id)),
            about: t.request_id.and_then(|id| about.get(&id).cloned()),
            subject: t.subject,
            date: date_time(t.last_message_at),
            state: if t.unread_by_citizen {
                Some("Nouveau message du département".to_owned())
            } else if t.awaiting_department {
                Some("En attente de réponse".to_owned())
            } else {
                None
            },
            citizen: None,
        })
        .collect();
    let requests = requests
        .into_iter()
        .map(|(id, label)| (id.to_string(), label))
        .collect();
    let action = tenant.href("/mon-espace/messages");
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <MessagesPage ctx threads requests form errors action /> }
    }))
}

/// `POST /mon-espace/messages`: the citizen starts a thread. Mistakes come back with the
/// form as typed, and nothing is written.
pub async fn write_to_department(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    ui: Ui,
    form: FormData,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant;
    let typed = MessageForm {
        subject: form.fields.get("subject").to_owned(),
        request: form.fields.get("request").to_owned(),
        body: form.fields.get("body").to_owned(),
    };
    let mut errors = Vec::new();
    let subject = messages::check_subject(&typed.subject).map_err(|e| errors.push(e));
    let body = messages::check_body(&typed.body).map_err(|e| errors.push(e));
    let request_id = match typed.request.trim() {
        "" => None,
        chosen => {
            let own = citizen_requests(&tenant.tenant, citizen.citizen.id).await?;
            match chosen
                .parse::<i64>()
                .ok()
                .filter(|id| own.iter().any(|(own, _)| own == id))
            {
                Some(id) => Some(id),
                None => {
                    errors.push("Choisissez une de vos demandes dans la liste, ou « Une question générale ».".to_owned());
                    None
                }
            }
        }
    };
    if let Some(upload) = form.uploads.iter().find(|u| u.field == "piece")
        && let Err(message) = documents::check(upload)
    {
        errors.push(message);
    }
    let (Ok(subject), Ok(body), true) = (subject, body, errors.is_empty()) else {
        return render_my_messages(
            &citizen,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            typed,
            errors,
        )
        .await;
    };
    let document_id = match stored_piece(&state, &tenant.tenant, citizen.citizen.id, &form).await? {
        Ok(id) => id,
        Err(message) => {
            return render_my_messages(
                &citizen,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
                vec![message],
            )
            .await;
        }
    };
    let thread = messages::start(
        &tenant.tenant,
        citizen.citizen.id,
        request_id,
        &subject,
        NewMessage {
            author: Author::Citizen,
            body: &body,
            document_id,
            notify: None,
        },
    )
    .await?;
    Ok(
        Redirect::to(&tenant.href(&format!("/mon-espace/messages/{thread}?ok=envoye")))
            .into_response(),
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ThreadParams {
    ok: Option<String>,
}

/// `GET /mon-espace/messages/{id}`: one of the citizen's threads (another's is not found).
pub async fn my_thread(
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<ThreadParams>,
) -> Result<Response, AppError> {
    let notice = (params.ok.as_deref() == Some("envoye"))
        .then(|| "Votre message est envoyé au département.".to_owned());
    render_my_thread(
        &citizen,
        ui,
        StatusCode::OK,
        &id,
        notice,
        String::new(),
        vec![],
    )
    .await
}

async fn render_my_thread(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    id: &str,
    notice: Option<String>,
    body: String,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant;
    let id = super::parse_id(id)?;
    let (thread, list) = messages::read(&tenant.tenant, id, Some(citizen.citizen.id))
        .await?
        .ok_or(AppError::NotFound)?;
    messages::mark_read_by_citizen(&tenant.tenant, citizen.citizen.id, thread.id).await?;
    let about = match thread.request_id {
        Some(request_id) => citizen_requests(&tenant.tenant, citizen.citizen.id)
            .await?
            .into_iter()
            .find(|(id, _)| *id == request_id)
            .map(|(_, label)| format!("À propos de : {label}")),
        None => None,
    };
    let labels = piece_labels(&tenant.tenant, &list).await?;
    let messages = list
        .into_iter()
        .map(|m| MessageRow {
            author: match m.author {
                Author::Citizen => "Vous".to_owned(),
                Author::Staff(_) => "Le département".to_owned(),
            },
            own: m.author == Author::Citizen,
            date: date_time(m.created_at),
            document: m.document_id.and_then(|doc| {
                labels
                    .get(&doc)
                    .map(|label| (tenant.href(&format!("/documents/{doc}")), label.clone()))
            }),
            body: m.body,
        })
        .collect();
    let back = (
        tenant.href("/mon-espace/messages"),
        "Mes messages".to_owned(),
    );
    let reply_action = tenant.href(&format!("/mon-espace/messages/{}", thread.id));
    let subject = thread.subject;
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <ThreadPage ctx subject about back messages reply_action body errors notice with_piece=true /> }
    }))
}

/// Labels of the documents sent in these messages.
async fn piece_labels(
    tenant: &tenants::Tenant,
    list: &[messages::Message],
) -> Result<std::collections::HashMap<i64, String>, AppError> {
    let mut labels = std::collections::HashMap::new();
    for doc in list.iter().filter_map(|m| m.document_id) {
        if let Some(document) = documents::find(tenant, doc).await? {
            labels.insert(doc, document.label());
        }
    }
    Ok(labels)
}

/// `POST /mon-espace/messages/{id}`: the citizen answers in one of their threads.
pub async fn citizen_reply(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant;
    let thread_id = super::parse_id(&id)?;
    // Someone else's thread is not found, before anything is read or stored.
    messages::read(&tenant.tenant, thread_id, Some(citizen.citizen.id))
        .await?
        .ok_or(AppError::NotFound)?;
    let (body, document_id) =
        match checked_reply(&state, &tenant.tenant, citizen.citizen.id, &form).await? {
            Ok(reply) => reply,
            Err((typed, errors)) => {
                return render_my_thread(
                    &citizen,
                    ui,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &id,
                    None,
                    typed,
                    errors,
                )
                .await;
            }
        };
    messages::reply(
        &tenant.tenant,
        citizen.citizen.id,
        thread_id,
        NewMessage {
            author: Author::Citizen,
            body: &body,
            document_id,
            notify: None,
        },
    )
    .await?;
    Ok(
        Redirect::to(&tenant.href(&format!("/mon-espace/messages/{thread_id}?ok=envoye")))
            .into_response(),
    )
}

/// Threads listed in reception's inbox at most.
const INBOX_LENGTH: u64 = 200;

/// `GET /agents/messages`: threads where the citizen wrote last. The list names people and
/// subjects; opening a thread is journaled.
pub async fn staff_inbox(staff: CurrentStaff, ui: Ui) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff.tenant;
    let waiting = messages::awaiting_department(&tenant.tenant, INBOX_LENGTH).await?;
    let mut threads = Vec::with_capacity(waiting.len());
    for t in &waiting {
        let name = citizens::find(&tenant.tenant, t.citizen_id)
            .await?
            .map(|c| c.display_name());
        threads.push(staff_thread_row(tenant, t, name));
    }
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <StaffInboxPage ctx threads /> }
    }))
}

/// `GET /agents/messages/{id}`: one thread (journaled, shown to the citizen).
pub async fn staff_thread(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<ThreadParams>,
) -> Result<Response, AppError> {
    let notice = (params.ok.as_deref() == Some("envoye"))
        .then(|| "Votre réponse est envoyée ; l'usager est prévenu par courriel.".to_owned());
    render_staff_thread(
        &staff,
        ui,
        StatusCode::OK,
        &id,
        notice,
        String::new(),
        vec![],
    )
    .await
}

async fn render_staff_thread(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    id: &str,
    notice: Option<String>,
    body: String,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let desk = records_desk(staff)?;
    let tenant = &desk.staff.tenant;
    let id = super::parse_id(id)?;
    let (thread, list) = messages::read(&tenant.tenant, id, None)
        .await?
        .ok_or(AppError::NotFound)?;
    staff
        .audit_file(
            Module::UserRelations,
            thread.citizen_id,
            "lecture de vos messages",
            &format!(
                "fil de messages {} (usager {})",
                thread.id, thread.citizen_id
            ),
            "réponse à vos messages",
        )
        .await?;
    let person = citizens::find(&tenant.tenant, thread.citizen_id).await?;
    let name = person
        .as_ref()
        .map_or_else(String::new, |p| p.display_name());
    let labels = piece_labels(&tenant.tenant, &list).await?;
    let messages = list
        .into_iter()
        .map(|m| MessageRow {
            author: match m.author {
                Author::Citizen => name.clone(),
                Author::Staff(staff_id) if staff_id == staff.account.id => "Vous".to_owned(),
                Author::Staff(_) => "Le département".to_owned(),
            },
            own: matches!(m.author, Author::Staff(id) if id == staff.account.id),
            date: date_time(m.created_at),
            document: m.document_id.and_then(|doc| {
                labels.get(&doc).map(|label| {
                    (
                        tenant.href(&format!("/agents/messages/{}/pieces/{doc}", thread.id)),
                        label.clone(),
                    )
                })
            }),
            body: m.body,
        })
        .collect();
    let about = Some(format!("Échange avec {name}"));
    let back = (
        tenant.href(&format!("/agents/usagers/{}", thread.citizen_id)),
        format!("Dossier de {name}"),
    );
    let reply_action = tenant.href(&format!("/agents/messages/{}", thread.id));
    let subject = thread.subject;
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! { <ThreadPage ctx subject about back messages reply_action body errors notice with_piece=true /> }
    }))
}

/// `POST /agents/messages/{id}`: reception answers; the citizen is told by mail that a message
/// waits.
pub async fn staff_reply(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: HeaderMap,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff.tenant;
    let thread_id = super::parse_id(&id)?;
    let (thread, _) = messages::read(&tenant.tenant, thread_id, None)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = citizens::find(&tenant.tenant, thread.citizen_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (body, document_id) = match checked_reply(&state, &tenant.tenant, person.id, &form).await? {
        Ok(reply) => reply,
        Err((typed, errors)) => {
            return render_staff_thread(
                &staff,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                &id,
                None,
                typed,
                errors,
            )
            .await;
        }
    };
    let url = super::citizen::absolute(
        &state,
        &headers,
        tenant,
        &format!("/mon-espace/messages/{thread_id}"),
    );
    messages::reply(
        &tenant.tenant,
        person.id,
        thread_id,
        NewMessage {
            author: Author::Staff(staff.account.id),
            body: &body,
            document_id,
            notify: Some((&person.email, &url)),
        },
    )
    .await?;
    crate::mail::wake(&state.platform, &tenant.tenant).await;
    staff
        .audit_file(
            Module::UserRelations,
            person.id,
            "réponse à votre message",
            &format!("fil de messages {thread_id} (usager {})", person.id),
            "réponse à vos messages",
        )
        .await?;
    Ok(
        Redirect::to(&tenant.href(&format!("/agents/messages/{thread_id}?ok=envoye")))
            .into_response(),
    )
}

/// `POST /agents/usagers/{id}/messages`: reception writes to a citizen first.
pub async fn staff_write(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: HeaderMap,
    ui: Ui,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff.tenant;
    let citizen_id = super::parse_id(&id)?;
    let person = citizens::find(&tenant.tenant, citizen_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    let subject = messages::check_subject(form.get("subject")).map_err(|e| errors.push(e));
    let body = messages::check_body(form.get("body")).map_err(|e| errors.push(e));
    let (Ok(subject), Ok(body)) = (subject, body) else {
        return render_record(
            &staff,
            RecordAccess::Reception,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            &id,
            None,
            ContactForm::default(),
            errors,
        )
        .await;
    };
    // The thread's address is known once it exists: the mail names the messages page.
    let url = super::citizen::absolute(&state, &headers, tenant, "/mon-espace/messages");
    let thread = messages::start(
        &tenant.tenant,
        person.id,
        None,
        &subject,
        NewMessage {
            author: Author::Staff(staff.account.id),
            body: &body,
            document_id: None,
            notify: Some((&person.email, &url)),
        },
    )
    .await?;
    crate::mail::wake(&state.platform, &tenant.tenant).await;
    staff
        .audit_file(
            Module::UserRelations,
            person.id,
            "envoi d'un message",
            &format!("fil de messages {thread} (usager {})", person.id),
            "accueil et suivi de vos démarches",
        )
        .await?;
    Ok(Redirect::to(&tenant.href(&format!("/agents/messages/{thread}?ok=envoye"))).into_response())
}

/// `GET /agents/messages/{thread}/pieces/{doc}`: a document sent in the thread (journaled).
pub async fn staff_piece(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path((thread, doc)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff.tenant;
    let (thread_id, doc_id) = (super::parse_id(&thread)?, super::parse_id(&doc)?);
    if !messages::thread_holds_document(&tenant.tenant, thread_id, doc_id).await? {
        return Err(AppError::NotFound);
    }
    let (thread, _) = messages::read(&tenant.tenant, thread_id, None)
        .await?
        .ok_or(AppError::NotFound)?;
    let document = documents::find(&tenant.tenant, doc_id)
        .await?
        .filter(|d| d.citizen_id == thread.citizen_id)
        .ok_or(AppError::NotFound)?;
    staff
        .audit_file(
            Module::UserRelations,
            thread.citizen_id,
            "consultation d'un document joint à un message",
            &format!(
                "document {doc_id}, fil de messages {thread_id} (usager {})",
                thread.citizen_id
            ),
            "réponse à vos messages",
        )
        .await?;
    let bytes = documents::read(&state.platform, &tenant.tenant, &document).await?;
    Ok(super::filing::document_response(&document, bytes))
}

// ---------------------------------------------------------------------------------------------
// Appointments

fn free_slots(slots: &[appointments::Slot]) -> Vec<FreeSlot> {
    slots
        .iter()
        .filter(|s| s.held_by.is_none())
        .map(|s| FreeSlot {
            id: s.id.to_string(),
            when: format!("{} ({} min)", s.when(), s.minutes),
            where_: format!("{} — {}", s.service, s.place),
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct AppointmentsParams {
    ok: Option<String>,
    deplacer: Option<String>,
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
    let moving = params
        .deplacer
        .as_deref()
        .and_then(|id| id.parse::<i64>().ok());
    render_my_appointments(&citizen, ui, StatusCode::OK, moving, notice, vec![]).await
}

async fn render_my_appointments(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    moving: Option<i64>,
    notice: Option<String>,
    errors: Vec<String>,
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
    let moving = moving.and_then(|id| {
        rows.iter()
            .find(|r| r.id == id.to_string() && r.changeable)
            .cloned()
    });
    let free = free_slots(&appointments::slots_from(tenant, now).await?);
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <AppointmentsPage ctx appointments=rows free moving notice errors /> }
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
        id => Some(super::parse_id(id)?),
    };
    let Ok(slot_id) = form.get("slot").parse::<i64>() else {
        return render_my_appointments(
            &citizen,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            replacing,
            None,
            vec!["Choisissez un créneau dans la liste.".to_owned()],
        )
        .await;
    };
    let url = super::citizen::absolute(&state, &headers, tenant, "/mon-espace/rendez-vous");
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
                replacing,
                None,
                vec![refused.message().to_owned()],
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
    let id = super::parse_id(&id)?;
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
        vec![],
        notice,
    )
    .await
}

async fn render_staff_appointments(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    form: SlotsForm,
    errors: Vec<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let desk = records_desk(staff)?;
    let tenant = &desk.staff.tenant;
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
    let tenant = &desk.staff.tenant;
    let typed = SlotsForm {
        service: form.get("service").to_owned(),
        place: form.get("place").to_owned(),
        day: form.get("day").to_owned(),
        time: form.get("time").to_owned(),
        minutes: form.get("minutes").to_owned(),
        count: form.get("count").to_owned(),
    };
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
    appointments::publish(&tenant.tenant, staff.account.id, &slots).await?;
    staff
        .audit(
            "publication de créneaux de rendez-vous",
            &format!(
                "{} créneau(x), {} — {}",
                slots.count, slots.service, slots.place
            ),
            "",
        )
        .await?;
    Ok(Redirect::to(&tenant.href("/agents/rendez-vous?ok=publie")).into_response())
}

/// `POST /agents/rendez-vous/{id}/presence`: records whether the citizen came.
pub async fn record_attendance(
    staff: CurrentStaff,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff.tenant;
    let id = super::parse_id(&id)?;
    let came = match form.get("came") {
        "oui" => true,
        "non" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Indiquez si l'usager est venu (« Venu ») ou non (« Absent »).".into(),
            ));
        }
    };
    let Some(citizen_id) = appointments::record_attendance(&tenant.tenant, id, came).await? else {
        return Err(AppError::NotFound);
    };
    staff
        .audit_file(
            Module::UserRelations,
            citizen_id,
            if came {
                "présence notée à votre rendez-vous"
            } else {
                "absence notée à votre rendez-vous"
            },
            &format!("rendez-vous {id} (usager {citizen_id})"),
            "suivi de vos rendez-vous",
        )
        .await?;
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
    let tenant = &desk.staff.tenant;
    let citizen_id = super::parse_id(&id)?;
    let person = citizens::find(&tenant.tenant, citizen_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Ok(slot_id) = form.get("slot").parse::<i64>() else {
        return render_record(
            &staff,
            RecordAccess::Reception,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            &id,
            None,
            ContactForm::default(),
            vec!["Choisissez un créneau dans la liste.".to_owned()],
        )
        .await;
    };
    let url = super::citizen::absolute(&state, &headers, tenant, "/mon-espace/rendez-vous");
    let booked = appointments::book(
        &tenant.tenant,
        person.id,
        slot_id,
        BookedBy::Staff(staff.account.id),
        None,
        Some(Confirmation {
            to: &person.email,
            department: tenant.tenant.name(),
            url: &url,
        }),
    )
    .await?;
    let appointment = match booked {
        Ok(appointment) => appointment,
        Err(refused) => {
            return render_record(
                &staff,
                RecordAccess::Reception,
                ui,
                StatusCode::CONFLICT,
                &id,
                None,
                ContactForm::default(),
                vec![refused.message().to_owned()],
            )
            .await;
        }
    };
    crate::mail::wake(&state.platform, &tenant.tenant).await;
    staff
        .audit_file(
            Module::UserRelations,
            person.id,
            &format!(
                "prise d'un rendez-vous pour vous ({})",
                appointment.slot.when()
            ),
            &format!("rendez-vous {} (usager {})", appointment.id, person.id),
            "accueil et suivi de vos démarches",
        )
        .await?;
    Ok(
        Redirect::to(&tenant.href(&format!("/agents/usagers/{}?ok=rendez-vous", person.id)))
            .into_response(),
    )
}

// ---------------------------------------------------------------------------------------------
// Right of access

/// `GET /mon-espace/mes-informations`: everything the department holds on the citizen.
pub async fn my_information(citizen: CurrentCitizen, ui: Ui) -> Result<Response, AppError> {
    let gathered = user_relations::access::gather(&citizen.tenant.tenant, &citizen.citizen).await?;
    let sections = gathered
        .into_iter()
        .map(|s| InfoSection {
            title: s.title,
            items: s.items.into_iter().map(|i| (i.heading, i.lines)).collect(),
        })
        .collect();
    Ok(ui
        .with_citizen(&citizen)
        .render(StatusCode::OK, move |ctx| {
            view! { <MyInformationPage ctx sections /> }
        }))
}

/// `GET /mon-espace/mes-informations.json`: the same, as a file to keep.
pub async fn my_information_file(citizen: CurrentCitizen) -> Result<Response, AppError> {
    let sections = user_relations::access::gather(&citizen.tenant.tenant, &citizen.citizen).await?;
    let file = serde_json::json!({
        "departement": citizen.tenant.tenant.name(),
        "produit_le": chrono::Utc::now().to_rfc3339(),
        "sections": sections,
    });
    let body = serde_json::to_vec_pretty(&file)
        .map_err(|e| AppError::Internal(format!("right of access: {e}")))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"mes-informations.json\"",
            ),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Wider access: the one named way for other modules' staff to read a whole record

const WIDER_KEY: &str = "wider_access";
/// How long a wider access lasts.
const WIDER_MINUTES: i64 = 30;

/// A wider access granted in this session.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct WiderAccess {
    tenant_id: i64,
    staff_id: i64,
    citizen_id: i64,
    /// The module the staff member asked from (`Module::id`).
    module: String,
    reason: String,
    /// Unix seconds.
    until: i64,
}

/// The module a staff member works in, for a wider access: their first module role in a
/// module the department has. Supervisors and administrators read no files.
fn working_module(staff: &CurrentStaff) -> Option<Module> {
    super::desks::open_modules(staff)
        .into_iter()
        .find_map(|(module, access)| {
            (module != Module::UserRelations && matches!(access, DeskAccess::Worker(_)))
                .then_some(module)
        })
}

/// `GET /agents/usagers/{id}/acces-elargi`: asks why, before opening the whole record.
pub async fn wider_access_form(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    working_module(&staff).ok_or(AppError::Forbidden)?;
    let citizen_id = super::parse_id(&id)?;
    render_wider_access(
        &staff,
        ui,
        StatusCode::OK,
        citizen_id,
        String::new(),
        vec![],
    )
}

fn render_wider_access(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    citizen_id: i64,
    reason: String,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let action = staff
        .tenant
        .href(&format!("/agents/usagers/{citizen_id}/acces-elargi"));
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! { <WiderAccessPage ctx citizen_id reason errors action minutes=WIDER_MINUTES /> }
    }))
}

/// `POST /agents/usagers/{id}/acces-elargi`: with a reason, opens the record for a while;
/// the access and its reason go to the journal the citizen reads.
pub async fn wider_access(
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let module = working_module(&staff).ok_or(AppError::Forbidden)?;
    let citizen_id = super::parse_id(&id)?;
    let typed = form.get("reason").to_owned();
    let reason = typed.trim();
    let problem = if reason.chars().count() < 15 {
        Some(
            "Expliquez en une phrase pourquoi vous avez besoin du dossier complet (15 caractères au moins) : l'usager lira ce motif.",
        )
    } else if reason.chars().count() > 500 {
        Some("Le motif est trop long : 500 caractères au plus.")
    } else {
        None
    };
    if let Some(problem) = problem {
        return render_wider_access(
            &staff,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            citizen_id,
            typed.clone(),
            vec![problem.to_owned()],
        );
    }
    let person = citizens::find(&staff.tenant.tenant, citizen_id)
        .await?
        .ok_or(AppError::NotFound)?;
    staff
        .audit_file(
            module,
            person.id,
            "ouverture d'un accès élargi à votre dossier",
            &person.audit_subject(),
            reason,
        )
        .await?;
    let now = chrono::Utc::now().timestamp();
    let mut grants: Vec<WiderAccess> = session.get(WIDER_KEY).await?.unwrap_or_default();
    grants.retain(|g| g.until > now && g.citizen_id != person.id);
    grants.push(WiderAccess {
        tenant_id: staff.tenant.tenant.id(),
        staff_id: staff.account.id,
        citizen_id: person.id,
        module: module.id().to_owned(),
        reason: reason.to_owned(),
        until: now + WIDER_MINUTES * 60,
    });
    session.insert(WIDER_KEY, grants).await?;
    Ok(Redirect::to(&staff.tenant.href(&format!("/agents/usagers/{}", person.id))).into_response())
}

// ---------------------------------------------------------------------------------------------
// The citizen's contact details and household

#[derive(Debug, Default, Deserialize)]
pub struct DetailsParams {
    ok: Option<String>,
}

/// `GET /mon-espace/coordonnees`.
pub async fn my_details(
    citizen: CurrentCitizen,
    ui: Ui,
    Query(params): Query<DetailsParams>,
) -> Result<Response, AppError> {
    let notice = match params.ok.as_deref() {
        Some("coordonnees") => Some("Vos coordonnées sont enregistrées."),
        Some("ajoute") => Some("La personne est ajoutée à votre foyer."),
        Some("retire") => Some("La personne est retirée de votre foyer."),
        _ => None,
    }
    .map(str::to_owned);
    let saved = details::of(&citizen.tenant.tenant, citizen.citizen.id).await?;
    let form = saved.map_or_else(DetailsForm::default, |d| DetailsForm {
        phone: d.phone,
        address: d.postal_address,
        preferred: d.preferred.id().to_owned(),
    });
    render_my_details(
        &citizen,
        ui,
        StatusCode::OK,
        form,
        MemberForm::default(),
        vec![],
        notice,
    )
    .await
}

async fn render_my_details(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    form: DetailsForm,
    member: MemberForm,
    errors: Vec<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant;
    let members = details::household(&tenant.tenant, citizen.citizen.id)
        .await?
        .into_iter()
        .map(|m| MemberRow {
            name: format!("{} {}", m.given_name, m.family_name),
            relation: m.relation.to_owned(),
            birth_year: m.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            remove_action: tenant.href(&format!("/mon-espace/coordonnees/foyer/{}/retirer", m.id)),
        })
        .collect();
    let channels = PreferredChannel::ALL
        .into_iter()
        .map(|c| (c.id().to_owned(), c.label().to_owned()))
        .collect();
    let relations = details::RELATIONS
        .into_iter()
        .map(|(id, label)| (id.to_owned(), label.to_owned()))
        .collect();
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <MyDetailsPage ctx form channels members member relations errors notice /> }
    }))
}

/// `POST /mon-espace/coordonnees`.
pub async fn save_my_details(
    citizen: CurrentCitizen,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let typed = DetailsForm {
        phone: form.get("phone").to_owned(),
        address: form.get("address").to_owned(),
        preferred: form.get("preferred").to_owned(),
    };
    match Details::parse(&typed.phone, &typed.address, &typed.preferred) {
        Ok(valid) => {
            details::save(&citizen.tenant.tenant, citizen.citizen.id, &valid).await?;
            Ok(Redirect::to(
                &citizen
                    .tenant
                    .href("/mon-espace/coordonnees?ok=coordonnees"),
            )
            .into_response())
        }
        Err(errors) => {
            render_my_details(
                &citizen,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
                MemberForm::default(),
                errors,
                None,
            )
            .await
        }
    }
}

/// `POST /mon-espace/coordonnees/foyer`: adds a household member.
pub async fn add_household_member(
    citizen: CurrentCitizen,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let typed = MemberForm {
        given: form.get("given").to_owned(),
        family: form.get("family").to_owned(),
        relation: form.get("relation").to_owned(),
        birth_year: form.get("birth_year").to_owned(),
    };
    match NewMember::parse(
        &typed.given,
        &typed.family,
        &typed.relation,
        &typed.birth_year,
        details::this_year(),
    ) {
        Ok(member) => {
            details::add_member(&citizen.tenant.tenant, citizen.citizen.id, &member).await?;
            Ok(
                Redirect::to(&citizen.tenant.href("/mon-espace/coordonnees?ok=ajoute"))
                    .into_response(),
            )
        }
        Err(errors) => {
            let saved = details::of(&citizen.tenant.tenant, citizen.citizen.id).await?;
            let form = saved.map_or_else(DetailsForm::default, |d| DetailsForm {
                phone: d.phone,
                address: d.postal_address,
                preferred: d.preferred.id().to_owned(),
            });
            render_my_details(
                &citizen,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                typed,
                errors,
                None,
            )
            .await
        }
    }
}

/// `POST /mon-espace/coordonnees/foyer/{id}/retirer`: removes one of the citizen's members.
pub async fn remove_household_member(
    citizen: CurrentCitizen,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = super::parse_id(&id)?;
    if !details::remove_member(&citizen.tenant.tenant, citizen.citizen.id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&citizen.tenant.href("/mon-espace/coordonnees?ok=retire")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Records opened by hand

/// `GET /agents/usagers/nouveau`.
pub async fn new_record_form(staff: CurrentStaff, ui: Ui) -> Result<Response, AppError> {
    records_desk(&staff)?;
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <NewRecordPage ctx form=NewRecordForm::default() duplicates=vec![] errors=vec![] /> }
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
    let tenant = &desk.staff.tenant;
    let typed = NewRecordForm {
        given: form.get("given").to_owned(),
        family: form.get("family").to_owned(),
        birthdate: form.get("birthdate").to_owned(),
        email: form.get("email").to_owned(),
    };
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
                birthdate: super::citizen::french_date(&c.birthdate),
                href: tenant.href(&format!("/agents/usagers/{}", c.id)),
            })
            .collect();
        return Ok(ui
            .with_staff(&staff)
            .render(StatusCode::CONFLICT, move |ctx| {
                view! { <NewRecordPage ctx form=typed duplicates errors=vec![] /> }
            }));
    }
    let person = user_relations::create_record(&tenant.tenant, &record).await?;
    staff
        .audit_file(
            Module::UserRelations,
            person.id,
            "ouverture de votre dossier à l'accueil",
            &person.audit_subject(),
            "accueil et suivi de vos démarches",
        )
        .await?;
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
    let tenant = &desk.staff.tenant;
    let (kept_id, absorbed_id) = (super::parse_id(&kept)?, super::parse_id(&absorbed)?);
    if form.get("confirm") != "oui" {
        return render_record(
            &staff,
            RecordAccess::Reception,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            &kept,
            None,
            ContactForm::default(),
            vec![
                "Cochez la case pour confirmer que les deux dossiers sont la même personne."
                    .to_owned(),
            ],
        )
        .await;
    }
    match user_relations::merge(&tenant.tenant, kept_id, absorbed_id).await? {
        Ok(()) => {}
        Err(user_relations::MergeRefused::NotFound) => return Err(AppError::NotFound),
        Err(refused) => {
            return render_record(
                &staff,
                RecordAccess::Reception,
                ui,
                StatusCode::CONFLICT,
                &kept,
                None,
                ContactForm::default(),
                vec![refused.message().to_owned()],
            )
            .await;
        }
    }
    for citizen in [kept_id, absorbed_id] {
        staff
            .audit_file(
                Module::UserRelations,
                citizen,
                &format!("fusion du dossier n° {absorbed_id} dans le dossier n° {kept_id} (même personne)"),
                &format!("usagers {kept_id} et {absorbed_id}"),
                "un seul dossier par personne",
            )
            .await?;
    }
    Ok(Redirect::to(&tenant.href(&format!("/agents/usagers/{kept_id}?ok=fusion"))).into_response())
}
