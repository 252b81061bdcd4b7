//! User relations (`user_relations`): reception's record of a citizen with the contact
//! history, and the citizen's access journal.

use app::pages::user_relations::{
    AccessJournalPage, AccessRow, CitizenHit, CitizenRecordPage, CitizenSearchPage, ContactForm,
    ContactRow, RecordRequest,
};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;
use tenants::Module;

use super::AppError;
use super::auth::CurrentStaff;
use super::citizen::CurrentCitizen;
use super::desks::{DeskAccess, UserRelationsDesk};
use super::form::FormFields;
use super::ui::Ui;
use crate::audit::{self, FileAccess};
use crate::citizens;
use crate::requests;
use crate::staff::Role;
use crate::user_relations::{self, Channel, NewContact};

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
        what: capitalized(&entry.action),
        why: capitalized(&entry.reason),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Reception's desk, for those who work on files (supervisors see figures, not records).
fn records_desk(staff: &CurrentStaff) -> Result<UserRelationsDesk<'_>, AppError> {
    let desk = UserRelationsDesk::open(staff)?;
    match desk.access {
        DeskAccess::Worker(_) => Ok(desk),
        DeskAccess::Supervisor => Err(AppError::Forbidden),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
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
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <CitizenSearchPage ctx query hits limit /> }
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct RecordParams {
    ok: Option<String>,
}

/// `GET /agents/usagers/{id}`: one citizen's record (journaled, shown to the citizen).
pub async fn record(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<RecordParams>,
) -> Result<Response, AppError> {
    let notice = (params.ok.as_deref() == Some("contact"))
        .then(|| "Le contact est noté dans l'historique.".to_owned());
    render_record(
        &staff,
        ui,
        StatusCode::OK,
        &id,
        notice,
        ContactForm::default(),
        vec![],
    )
    .await
}

async fn render_record(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    id: &str,
    notice: Option<String>,
    form: ContactForm,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let desk = records_desk(staff)?;
    let id = super::parse_id(id)?;
    let tenant = &desk.staff.tenant;
    let person = citizens::find(&tenant.tenant, id)
        .await?
        .ok_or(AppError::NotFound)?;
    staff
        .audit_file(
            Module::UserRelations,
            person.id,
            "consultation du dossier",
            &person.audit_subject(),
            "accueil et suivi de vos démarches",
        )
        .await?;
    let name = person.display_name();
    let identity = super::citizen::identity_lines(&person)
        .into_iter()
        .map(|line| (line.label, line.value))
        .collect();
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
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! {
            <CitizenRecordPage ctx name identity requests contacts channels form errors notice contact_action />
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
