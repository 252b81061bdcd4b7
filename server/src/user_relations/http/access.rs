//! The citizen's access journal and right of access (everything held on them, as a page and
//! as JSON), and the named wider access that lets another module's staff open a record.

use app::user_relations::{
    AccessJournalPage, AccessRow, InfoSection, MyInformationPage, OpenWiderAccess, WiderAccessPage,
    WiderAccessRow, WiderAccessesPage,
};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;
use tenants::Module;

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
use crate::user_relations::wider_access;

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
    let now = chrono::Utc::now();
    let open = wider_access::of_citizen(tenant, citizen.citizen.id)
        .await?
        .into_iter()
        .filter(|g| g.is_live(now))
        .map(|g| OpenWiderAccess {
            service: g.module.label().to_owned(),
            since: super::date_time(g.granted_at),
            until: super::date_time(g.until),
            reason: g.reason,
        })
        .collect();
    let kept_months =
        crate::retention::applied_months(tenant, &crate::retention::journal::CATEGORY).await?;
    Ok(ui
        .with_citizen(&citizen)
        .render(StatusCode::OK, move |ctx| {
            view! { <AccessJournalPage ctx accesses fetches open kept_months /> }
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
    let who = if entry.actor_role == crate::staff::AUTOMATIC_ROLE {
        format!("{service} — envoi automatique")
    } else if roles.is_empty() {
        service.to_owned()
    } else {
        format!("{service} — {}", roles.join(", "))
    };
    AccessRow {
        date: crate::dates::date_time(entry.at),
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

/// The module a wider access to `citizen_id` would be asked from: the staff member works in
/// one (re-read with their roles on every request) and the citizen has a file open there.
async fn wider_access_module(staff: &CurrentStaff, citizen_id: i64) -> Result<Module, AppError> {
    let module = working_module(staff).ok_or(AppError::Forbidden)?;
    if !crate::modules::has_open_case(&staff.tenant.tenant, module, citizen_id).await? {
        return Err(AppError::ForbiddenBecause(format!(
            "Cet usager n'a pas de dossier en cours dans votre service ({}) : l'accès élargi à son dossier n'est ouvert que pour instruire un dossier en cours.",
            module.label()
        )));
    }
    Ok(module)
}

/// `GET /agents/usagers/{id}/acces-elargi`: asks why, before opening the whole record.
pub async fn wider_access_form(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let citizen_id = crate::http::parse_id(&id)?;
    wider_access_module(&staff, citizen_id).await?;
    render_wider_access(&staff, ui, StatusCode::OK, citizen_id, String::new(), None)
}

fn render_wider_access(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    citizen_id: i64,
    reason: String,
    problem: Option<&str>,
) -> Result<Response, AppError> {
    let errors = problem.map_or_else(app::validation::FieldErrors::new, |problem| {
        app::validation::FieldErrors::at("reason", problem)
    });
    let action = staff
        .tenant
        .href(&format!("/agents/usagers/{citizen_id}/acces-elargi"));
    let minutes = wider_access::MINUTES;
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! { <WiderAccessPage ctx citizen_id reason errors action minutes /> }
    }))
}

/// What is wrong with a wider access's reason, if anything.
fn reason_problem(reason: &str) -> Option<&'static str> {
    if reason.chars().count() < 15 {
        Some(
            "Expliquez en une phrase pourquoi vous avez besoin du dossier complet (15 caractères au moins) : l'usager lira ce motif.",
        )
    } else if reason.chars().count() > 500 {
        Some("Le motif est trop long : 500 caractères au plus.")
    } else {
        None
    }
}

/// `POST /agents/usagers/{id}/acces-elargi`: with a reason, opens the record for a while;
/// the access and its reason go to the journal the citizen reads, and the citizen and the
/// supervisors see it open.
pub async fn wider_access(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let citizen_id = crate::http::parse_id(&id)?;
    let module = wider_access_module(&staff, citizen_id).await?;
    let typed = form.get("reason").to_owned();
    let reason = typed.trim();
    if let Some(problem) = reason_problem(reason) {
        return render_wider_access(
            &staff,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            citizen_id,
            typed.clone(),
            Some(problem),
        );
    }
    let tenant = &staff.tenant.tenant;
    let person = citizens::find(tenant, citizen_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let journal = crate::staff::desk::event(
        &staff.account,
        "ouverture d'un accès élargi à votre dossier",
        &person.audit_subject(),
        reason,
        Some((module, person.id)),
    );
    wider_access::open(tenant, &staff.account, (module, person.id), reason, journal).await?;
    Ok(Redirect::to(&staff.tenant.href(&format!("/agents/usagers/{}", person.id))).into_response())
}

/// Whether the staff member supervises the department's user relations (sees and ends the
/// open wider accesses, never the records).
fn supervising(staff: &CurrentStaff) -> Result<(), AppError> {
    let supervises = crate::http::desks::open_modules(staff)
        .into_iter()
        .any(|(module, access)| {
            module == Module::UserRelations && access == DeskAccess::Supervisor
        });
    supervises.then_some(()).ok_or(AppError::Forbidden)
}

/// `GET /agents/acces-elargis`: the open wider accesses, for a supervisor to check and end.
pub async fn open_wider_accesses(
    staff: CurrentStaff,
    ui: Ui,
    Query(params): Query<EndedParams>,
) -> Result<Response, AppError> {
    supervising(&staff)?;
    let tenant = &staff.tenant;
    let mut rows = Vec::new();
    for grant in wider_access::all_live(&tenant.tenant).await? {
        // The citizen by number only: the supervisor checks the access, not the person.
        let citizen = format!("usager n° {}", grant.citizen_id);
        rows.push(WiderAccessRow {
            who: format!("{} ({})", grant.staff_name, grant.module.label()),
            citizen,
            since: super::date_time(grant.granted_at),
            until: super::date_time(grant.until),
            reason: grant.reason,
            end_action: tenant.href(&format!("/agents/acces-elargis/{}/fin", grant.id)),
        });
    }
    let notice = params
        .ok
        .is_some()
        .then(|| "L'accès élargi est fermé ; l'agent ne voit plus ce dossier.".to_owned());
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <WiderAccessesPage ctx rows notice /> }
    }))
}

#[derive(Deserialize)]
pub struct EndedParams {
    ok: Option<String>,
}

/// `POST /agents/acces-elargis/{id}/fin`: a supervisor ends a wider access now; the citizen
/// reads it in their journal.
pub async fn end_wider_access(
    staff: CurrentStaff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    supervising(&staff)?;
    let id = crate::http::parse_id(&id)?;
    let tenant = &staff.tenant;
    let ended = wider_access::end(&tenant.tenant, id, &staff.account, |grant| {
        crate::staff::desk::event(
            &staff.account,
            "fin d'un accès élargi à votre dossier",
            &format!("accès élargi n° {} de {}", grant.id, grant.staff_name),
            "contrôle des accès à votre dossier",
            Some((Module::UserRelations, grant.citizen_id)),
        )
    })
    .await?;
    let list = tenant.href("/agents/acces-elargis");
    match ended {
        Some(_) => Ok(Redirect::to(&format!("{list}?ok=fin")).into_response()),
        // Over already (lapsed, or ended by a colleague): the list says what is open.
        None => Ok(Redirect::to(&list).into_response()),
    }
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

/// Reception, or a live wider access of this staff member's: their role in its module still
/// held and the citizen's file there still open (checked on every use); otherwise forbidden.
pub(super) async fn record_access<'a>(
    staff: &'a CurrentStaff,
    citizen_id: i64,
) -> Result<RecordAccess<'a>, AppError> {
    if let Ok(desk) = records_desk(staff) {
        return Ok(RecordAccess::Reception(desk));
    }
    let tenant = &staff.tenant.tenant;
    let grant = wider_access::live(tenant, staff.account.id, citizen_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    if working_module(staff) != Some(grant.module)
        || !crate::modules::has_open_case(tenant, grant.module, citizen_id).await?
    {
        return Err(AppError::Forbidden);
    }
    Ok(RecordAccess::Wider {
        module: grant.module,
        reason: grant.reason,
    })
}
