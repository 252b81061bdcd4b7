//! The citizen's access journal and right of access (everything held on them, as a page and
//! as JSON), and the named wider access that lets another module's staff open a record.

use app::user_relations::{
    AccessJournalPage, AccessRow, InfoSection, MyInformationPage, WiderAccessPage,
};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use tenants::Module;
use tower_sessions::Session;

use super::UserRelationsDesk;
use crate::audit::{self, FileAccess};
use crate::citizens;
use crate::http::AppError;
use crate::http::auth::CurrentStaff;
use crate::http::citizen::CurrentCitizen;
use crate::http::desks::DeskAccess;
use crate::http::form::FormFields;
use crate::http::ui::Ui;
use crate::staff::Role;

use super::*;

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
    let fetches = crate::national::http::call_rows(tenant, citizen.citizen.id).await?;
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
        what: crate::audit::sentence(&entry.action),
        why: crate::audit::sentence(&entry.reason),
    }
}

/// `GET /mon-espace/mes-informations`: everything the department holds on the citizen.
pub async fn my_information(citizen: CurrentCitizen, ui: Ui) -> Result<Response, AppError> {
    let gathered =
        crate::modules::right_of_access(&citizen.tenant.tenant, &citizen.citizen).await?;
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
    let sections =
        crate::modules::right_of_access(&citizen.tenant.tenant, &citizen.citizen).await?;
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

pub(super) const WIDER_KEY: &str = "wider_access";
/// How long a wider access lasts.
pub(super) const WIDER_MINUTES: i64 = 30;

/// A wider access granted in this session.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct WiderAccess {
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
    crate::http::desks::open_modules(staff)
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
    let citizen_id = crate::http::parse_id(&id)?;
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
    let citizen_id = crate::http::parse_id(&id)?;
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
        .audit_file_under_wider_access(
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

/// How a staff member reaches a record.
pub(super) enum RecordAccess<'a> {
    /// Reception: the record is their module's.
    Reception(UserRelationsDesk<'a>),
    /// Another module's staff, for a while, for the reason they gave.
    Wider { module: Module, reason: String },
}

/// Reception, or a live wider access granted in this session; otherwise forbidden.
pub(super) async fn record_access<'a>(
    staff: &'a CurrentStaff,
    session: &Session,
    citizen_id: i64,
) -> Result<RecordAccess<'a>, AppError> {
    if let Ok(desk) = records_desk(staff) {
        return Ok(RecordAccess::Reception(desk));
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
