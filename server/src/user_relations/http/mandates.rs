//! Mandates for assisted filing (`user_relations`): reception records one with the citizen
//! present, prints its letter, files under it (see `filing`) and can end it; the citizen reads
//! their mandates and revokes them from their space.

use app::user_relations::mandates::{
    MandateForm, MandatePage, MandateRequest, MandateSummary, MyMandate, MyMandatesPage,
    NewMandatePage,
};
use app::validation::FieldErrors;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Days;
use leptos::prelude::*;
use serde::Deserialize;

use super::UserRelationsDesk;
use crate::citizens::file::Files;
use crate::citizens::{self, Citizen};
use crate::http::auth::CurrentStaff;
use crate::http::citizen::{CurrentCitizen, absolute};
use crate::http::form::FormFields;
use crate::http::ui::Ui;
use crate::http::{AppError, AppState, TenantCtx};
use crate::letters;
use crate::mail;
use crate::user_relations::mandates::{
    self, EndedBy, Ending, LONGEST_DAYS, Mandate, NewMandate, Notice, Offer,
};
use crate::user_relations::{self as relations};
use tenants::Module;

/// Reception's desk, in a department that has something to file under a mandate.
fn reception(staff: &CurrentStaff) -> Result<UserRelationsDesk<'_>, AppError> {
    let desk = UserRelationsDesk::open(staff)?;
    if !files_under_mandate(&staff.tenant) {
        return Err(AppError::NotFound);
    }
    Ok(desk)
}

/// Whether the department has aid requests, or a module's request filed as a whole.
pub(crate) fn files_under_mandate(tenant: &TenantCtx) -> bool {
    let modules = tenant.tenant.modules();
    modules.contains(&Module::AidRequests)
        || modules
            .iter()
            .any(|m| mandates::whole_request(*m).is_some())
}

/// The files of the module `mandate` files in, where the department has it (404 otherwise).
fn files_of(tenant: &TenantCtx, mandate: &Mandate) -> Result<&'static Files, AppError> {
    let module = mandate.scope.module();
    crate::modules::files_of(module)
        .filter(|_| tenant.tenant.has_module(module))
        .ok_or(AppError::NotFound)
}

use mandates::REASON;

fn summary(m: &Mandate, href: String) -> MandateSummary {
    MandateSummary {
        href,
        scope: m.scope(),
        until: m.until(),
        state: m.state(mandates::today()).label(),
        recorded: format!("le {} par {}", m.recorded_on(), m.staff_name),
    }
}

/// A record reception may open: not one merged into another (that one is used instead).
async fn person(desk: &UserRelationsDesk<'_>, id: &str) -> Result<Citizen, AppError> {
    let tenant = desk.tenant();
    let id = crate::http::parse_id(id)?;
    let id = relations::merged_into(tenant, id).await?.unwrap_or(id);
    citizens::find(tenant, id).await?.ok_or(AppError::NotFound)
}

fn render_new(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    person: &Citizen,
    (offer, form): (Offer, MandateForm),
    errors: FieldErrors,
) -> Response {
    let tenant = &staff.tenant;
    let name = person.display_name();
    let record_href = tenant.href(&format!("/agents/usagers/{}", person.id));
    let action = tenant.href(&format!("/agents/usagers/{}/mandats", person.id));
    let aids = offer.aids.into_iter().map(|a| (a.slug, a.title)).collect();
    let wholes = offer
        .wholes
        .into_iter()
        .map(|(_, w)| (w.slug.to_owned(), w.title.to_owned()))
        .collect();
    let longest = (mandates::today() + Days::new(LONGEST_DAYS))
        .format("%d/%m/%Y")
        .to_string();
    ui.with_staff(staff).render(status, move |ctx| {
        view! { <NewMandatePage ctx name record_href action aids wholes form longest errors /> }
    })
}

/// `GET /agents/usagers/{id}/mandats/nouveau`: the form, filled in with the citizen.
pub async fn new_mandate_form(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = reception(&staff)?;
    let person = person(&desk, &id).await?;
    let form = MandateForm {
        until: (mandates::today() + Days::new(90))
            .format("%Y-%m-%d")
            .to_string(),
        ..MandateForm::default()
    };
    let offer = Offer::of(&staff.tenant.tenant).await?;
    Ok(render_new(
        &staff,
        ui,
        StatusCode::OK,
        &person,
        (offer, form),
        FieldErrors::new(),
    ))
}

/// `POST /agents/usagers/{id}/mandats`: records the mandate; the citizen is told by email
/// in the same transaction, or reception prints the letter.
pub async fn record_mandate(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: HeaderMap,
    ui: Ui,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = reception(&staff)?;
    let person = person(&desk, &id).await?;
    let offer = Offer::of(&staff.tenant.tenant).await?;
    let typed: MandateForm = form.read()?;
    let new = match NewMandate::parse(
        &typed.aid,
        &typed.until,
        (typed.present, typed.identity_checked),
        &offer,
        mandates::today(),
    ) {
        Ok(new) => new,
        Err(errors) => {
            return Ok(render_new(
                &staff,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                &person,
                (offer, typed),
                errors,
            ));
        }
    };
    let tenant = &staff.tenant;
    let space_url = absolute(&state, &headers, tenant, "/mon-espace/mandats");
    let mandate = mandates::grant(&desk, &person, &new, &space_url).await?;
    mail::wake(&state.platform, &tenant.tenant).await;
    Ok(
        Redirect::to(&tenant.href(&format!("/agents/mandats/{}?ok=enregistre", mandate.id)))
            .into_response(),
    )
}

/// The mandate (of this department) reception asks for, with its citizen; refused to anyone
/// but reception in a department with something to file under a mandate.
pub(crate) async fn mandate_of<'a>(
    staff: &'a CurrentStaff,
    id: &str,
) -> Result<(UserRelationsDesk<'a>, Mandate, Citizen), AppError> {
    let desk = reception(staff)?;
    let tenant = &staff.tenant.tenant;
    let mandate = mandates::find(tenant, crate::http::parse_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = citizens::find(tenant, mandate.citizen_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((desk, mandate, person))
}

/// Reception tried to use a mandate that can no longer serve (409, with what to do).
pub(crate) fn over(mandate: &Mandate) -> AppError {
    AppError::Conflict(format!(
        "Le mandat n° {} ne peut plus servir ({}) : rien ne peut plus être déposé sous ce mandat. Si la personne le souhaite, enregistrez avec elle un nouveau mandat.",
        mandate.id,
        mandate.state(mandates::today()).label().to_lowercase()
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct MandateParams {
    ok: Option<String>,
    depot: Option<String>,
}

fn told(m: &Mandate) -> String {
    match m.notified_by {
        Notice::Email => "par courriel, à l'enregistrement du mandat".to_owned(),
        Notice::Letter => "par le courrier du mandat (elle n'a pas d'adresse électronique) : remettez-le-lui ou envoyez-le par la poste".to_owned(),
    }
}

/// `GET /agents/mandats/{id}`: the mandate, what was filed under it, filing under it.
pub async fn mandate_page(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<MandateParams>,
) -> Result<Response, AppError> {
    let (desk, mandate, person) = mandate_of(&staff, &id).await?;
    let tenant = &staff.tenant;
    desk.audit_file(
        person.id,
        "consultation d'un mandat de dépôt",
        &format!("{} — mandat n° {}", person.audit_subject(), mandate.id),
        REASON,
    )
    .await?;
    let live = mandate.is_live(mandates::today());
    let files = files_of(tenant, &mandate)?;
    let under = (files.under_mandate)(&tenant.tenant, mandate.id).await?;
    let notice = match (params.ok.as_deref(), params.depot.as_deref()) {
        (_, Some(filed)) => under
            .iter()
            .find(|r| Some(r.id.to_string().as_str()) == Some(filed) && r.reference.is_some())
            .map(|r| {
                let receipt = if person.email.is_empty() {
                    "Donnez-lui sa référence : elle n'a pas d'adresse électronique pour recevoir l'accusé de réception."
                } else {
                    "La personne reçoit l'accusé de réception par courriel."
                };
                format!(
                    "La demande est déposée : référence {}. {receipt}",
                    r.reference.clone().unwrap_or_default()
                )
            }),
        (Some("enregistre"), _) => Some(format!(
            "Le mandat est enregistré. La personne est prévenue {}.",
            told(&mandate)
        )),
        (Some("brouillon"), _) => Some(
            "Le brouillon est enregistré : vous pourrez le reprendre ici tant que le mandat est en cours."
                .to_owned(),
        ),
        (Some("fin"), _) => Some("Le mandat a pris fin.".to_owned()),
        _ => None,
    };
    let requests = under
        .into_iter()
        .map(|r| MandateRequest {
            aid: r.title.clone(),
            reference: r
                .reference
                .clone()
                .unwrap_or_else(|| "brouillon".to_owned()),
            status: r.status,
            continue_href: (live && r.draft).then(|| {
                tenant.href(&match files.whole_request {
                    Some(whole) => (whole.draft_path)(mandate.id, r.id),
                    None => format!("/agents/mandats/{}/demandes/{}/etape/1", mandate.id, r.id),
                })
            }),
        })
        .collect();
    let can_file = if live {
        can_file(tenant, files, &mandate).await?
    } else {
        vec![]
    };
    let end_action = live.then(|| tenant.href(&format!("/agents/mandats/{}/fin", mandate.id)));
    let name = person.display_name();
    let record_href = tenant.href(&format!("/agents/usagers/{}", person.id));
    let letter_href = tenant.href(&format!("/agents/mandats/{}/courrier", mandate.id));
    let told = told(&mandate);
    let mandate = summary(&mandate, String::new());
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! {
            <MandatePage ctx name record_href mandate notice told letter_href requests can_file end_action />
        }
    }))
}

/// What reception may file under a live mandate: (title, the action opening its draft).
async fn can_file(
    tenant: &TenantCtx,
    files: &Files,
    mandate: &Mandate,
) -> Result<Vec<(String, String)>, AppError> {
    if let Some(whole) = files.whole_request {
        return Ok(vec![(
            whole.title.to_owned(),
            tenant.href(&(whole.start_path)(mandate.id)),
        )]);
    }
    Ok((files.kinds)(&tenant.tenant, false)
        .await?
        .iter()
        .filter(|a| a.open && mandate.covers(a.id))
        .map(|a| {
            let action = tenant.href(&format!("/agents/mandats/{}/aides/{}", mandate.id, a.slug));
            (a.title.clone(), action)
        })
        .collect())
}

/// `GET /agents/mandats/{id}/courrier`: the letter telling the citizen of the mandate (PDF).
pub async fn mandate_letter(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (desk, mandate, person) = mandate_of(&staff, &id).await?;
    let tenant = &staff.tenant;
    desk.audit_file(
        person.id,
        "impression du courrier d'un mandat de dépôt",
        &format!("{} — mandat n° {}", person.audit_subject(), mandate.id),
        REASON,
    )
    .await?;
    let space_url = absolute(&state, &headers, tenant, "/mon-espace/mandats");
    let department = tenant.tenant.name().to_owned();
    let text = mandates::notice_text(&department, &person.display_name(), &mandate, &space_url);
    let letterhead = letters::Letterhead::of(&tenant.tenant).await?;
    let pdf = letters::notice_pdf(
        &letterhead,
        &person.display_name(),
        &mandate.recorded_on(),
        &format!(
            "mandat n° {} pour déposer des demandes en votre nom",
            mandate.id
        ),
        &text,
    );
    Ok(crate::http::pdf_attachment(
        &format!("mandat-{}.pdf", mandate.id),
        pdf,
    ))
}

/// `POST /agents/mandats/{id}/fin`: reception ends the mandate (the citizen asked at the desk,
/// or the help is over).
pub async fn end_mandate(
    staff: CurrentStaff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (desk, mandate, person) = mandate_of(&staff, &id).await?;
    let tenant = &staff.tenant;
    let entry = desk.file_event(
        person.id,
        "fin d'un mandat de dépôt",
        &format!("{} — mandat n° {}", person.audit_subject(), mandate.id),
        REASON,
    );
    let ended = mandates::end(
        &tenant.tenant,
        mandate.id,
        EndedBy::Staff,
        None,
        Some(entry),
    );
    match ended.await? {
        Ending::Ended => Ok(Redirect::to(
            &tenant.href(&format!("/agents/mandats/{}?ok=fin", mandate.id)),
        )
        .into_response()),
        // Revoked meanwhile (or over): the page says where it stands.
        Ending::AlreadyOver => Ok(Redirect::to(
            &tenant.href(&format!("/agents/mandats/{}", mandate.id)),
        )
        .into_response()),
        Ending::NotFound => Err(AppError::NotFound),
    }
}

/// The mandates on reception's record page: (summary with its link), newest first.
pub async fn on_record(
    tenant: &TenantCtx,
    citizen_id: i64,
) -> Result<Vec<MandateSummary>, AppError> {
    Ok(mandates::of_citizen(&tenant.tenant, &[citizen_id])
        .await?
        .iter()
        .map(|m| summary(m, tenant.href(&format!("/agents/mandats/{}", m.id))))
        .collect())
}

#[derive(Debug, Default, Deserialize)]
pub struct MyMandatesParams {
    ok: Option<String>,
}

/// `GET /mon-espace/mandats`: the mandates the citizen gave, to read and revoke.
pub async fn my_mandates(
    citizen: CurrentCitizen,
    ui: Ui,
    Query(params): Query<MyMandatesParams>,
) -> Result<Response, AppError> {
    if !files_under_mandate(&citizen.tenant) {
        return Err(AppError::NotFound);
    }
    let tenant = &citizen.tenant;
    let ids = relations::ids_of_person(&tenant.tenant, citizen.citizen.id).await?;
    let today = mandates::today();
    let mut mine = Vec::new();
    for m in mandates::of_citizen(&tenant.tenant, &ids).await? {
        let filed = match files_of(tenant, &m) {
            Ok(files) => (files.under_mandate)(&tenant.tenant, m.id)
                .await?
                .into_iter()
                .filter_map(|r| r.reference)
                .collect(),
            // The module has left the department: its files are not listed here.
            Err(_) => Vec::new(),
        };
        mine.push(MyMandate {
            summary: summary(&m, String::new()),
            filed,
            revoke_action: m
                .is_live(today)
                .then(|| tenant.href(&format!("/mon-espace/mandats/{}/revoquer", m.id))),
        });
    }
    let notice = match params.ok.as_deref() {
        Some("revoque") => Some(
            "Le mandat est révoqué : plus rien ne peut être déposé en votre nom sous ce mandat."
                .to_owned(),
        ),
        Some("deja") => Some("Ce mandat n'était déjà plus en cours : rien n'a changé.".to_owned()),
        _ => None,
    };
    Ok(ui
        .with_citizen(&citizen)
        .render(StatusCode::OK, move |ctx| {
            view! { <MyMandatesPage ctx mandates=mine notice /> }
        }))
}

/// `POST /mon-espace/mandats/{id}/revoquer`: the citizen revokes one of their mandates.
pub async fn revoke(citizen: CurrentCitizen, Path(id): Path<String>) -> Result<Response, AppError> {
    if !files_under_mandate(&citizen.tenant) {
        return Err(AppError::NotFound);
    }
    let tenant = &citizen.tenant;
    let ids = relations::ids_of_person(&tenant.tenant, citizen.citizen.id).await?;
    let outcome = mandates::end(
        &tenant.tenant,
        crate::http::parse_id(&id)?,
        EndedBy::Citizen,
        Some(&ids),
        None,
    )
    .await?;
    let query = match outcome {
        Ending::Ended => "revoque",
        Ending::AlreadyOver => "deja",
        Ending::NotFound => return Err(AppError::NotFound),
    };
    Ok(Redirect::to(&tenant.href(&format!("/mon-espace/mandats?ok={query}"))).into_response())
}
