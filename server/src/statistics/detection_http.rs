//! The early-detection pages: the administrator's choice of rules, each module's situations
//! for those who work on its files, and the opening of one (journaled, then the file).

use std::collections::BTreeSet;

use app::statistics::{DetectedRule, DetectionPage, DetectionRulesPage, RuleChoices};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use tenants::Module;
use tower_sessions::Session;

use super::detection;
use crate::http::desks::{self, DeskAccess};
use crate::http::form::{Form, ListQuery};
use crate::http::ui::Ui;
use crate::http::{AppError, CurrentStaff};
use crate::staff::Role;

pub fn routes(routes: crate::modules::Routes) -> crate::modules::Routes {
    use axum::routing::get;
    routes
        .route("/agents/reperage/regles", get(rules_page).post(save_rules))
        .route("/agents/reperage/{module}", get(module_page))
        .route("/agents/reperage/{module}/ouvrir", get(open))
}

const NOTICE_KEY: &str = "detection_notice";

/// Situations listed per rule, the most urgent first: a page stays readable at volume.
const SHOWN: usize = 200;

/// The module, if the staff member works on its files (a supervisor sees figures, not names).
fn worker_module(staff: &CurrentStaff, id: &str) -> Result<Module, AppError> {
    let module = Module::parse(id).map_err(|_| AppError::NotFound)?;
    if !staff.tenant.tenant.has_module(module) {
        return Err(AppError::NotFound);
    }
    match desks::access(staff, module) {
        Some(DeskAccess::Worker(_)) => Ok(module),
        _ => Err(AppError::Forbidden),
    }
}

/// `GET /agents/reperage/{module}`: the situations each rule of the module finds today.
pub async fn module_page(
    staff: CurrentStaff,
    ui: Ui,
    Path(module): Path<String>,
) -> Result<Response, AppError> {
    let module = worker_module(&staff, &module)?;
    let found = detection::situations(&staff.tenant.tenant, module, crate::dates::today()).await?;
    let open = |signal: &str, file: &str| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("regle", signal)
            .append_pair("dossier", file)
            .finish();
        staff
            .tenant
            .href(&format!("/agents/reperage/{}/ouvrir?{query}", module.id()))
    };
    let rules = found
        .into_iter()
        .map(|(signal, situations)| DetectedRule {
            name: signal.name.to_owned(),
            explanation: signal.explanation.to_owned(),
            total: situations.len(),
            situations: situations
                .into_iter()
                .take(SHOWN)
                .map(|s| {
                    let href = open(signal.id, &s.file);
                    (s.who, s.what, crate::dates::on(s.since), href)
                })
                .collect(),
        })
        .collect();
    let label = module.label().to_owned();
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <DetectionPage ctx module=label rules /> }
    }))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct OpenParams {
    regle: String,
    dossier: String,
}

/// `GET /agents/reperage/{module}/ouvrir?regle=…&dossier=…`: journals the opening for the
/// person, with the rule as the reason, then opens the file. Only a situation the rule finds
/// today opens: nothing else is reached through here.
pub async fn open(
    staff: CurrentStaff,
    Path(module): Path<String>,
    ListQuery(params): ListQuery<OpenParams>,
) -> Result<Response, AppError> {
    let module = worker_module(&staff, &module)?;
    let tenant = &staff.tenant.tenant;
    let (_, signal) = detection::find(&params.regle)
        .filter(|(m, _)| *m == module)
        .ok_or(AppError::NotFound)?;
    if !detection::enabled(tenant).await?.contains(signal.id) {
        return Err(AppError::NotFound);
    }
    let situation = (signal.find)(tenant, crate::dates::today())
        .await?
        .into_iter()
        .find(|s| s.file == params.dossier)
        .ok_or(AppError::NotFound)?;
    let entry = crate::staff::desk::event(
        &staff.account,
        "ouverture d'une situation repérée",
        &format!("{} — {}", situation.who, situation.what),
        &format!("repérage : {}", signal.name),
        Some((module, situation.citizen_id)),
    );
    crate::audit::record(tenant, entry).await?;
    Ok(Redirect::to(&staff.tenant.href(&situation.file)).into_response())
}

fn admin(staff: &CurrentStaff) -> Result<(), AppError> {
    staff
        .account
        .has_role(Role::Admin)
        .then_some(())
        .ok_or(AppError::Forbidden)
}

/// The department's modules' rules, with whether each is on.
fn choices(staff: &CurrentStaff, on: &BTreeSet<String>) -> Vec<RuleChoices> {
    Module::ALL
        .into_iter()
        .filter(|m| staff.tenant.tenant.has_module(*m))
        .filter_map(|module| {
            let rules: Vec<_> = detection::declared()
                .filter(|(m, _)| *m == module)
                .map(|(_, s)| {
                    (
                        s.id.to_owned(),
                        s.name.to_owned(),
                        s.explanation.to_owned(),
                        on.contains(s.id),
                    )
                })
                .collect();
            (!rules.is_empty()).then(|| RuleChoices {
                module: module.label().to_owned(),
                rules,
            })
        })
        .collect()
}

/// `GET /agents/reperage/regles` (administrators).
pub async fn rules_page(
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
) -> Result<Response, AppError> {
    admin(&staff)?;
    let notice = session.remove::<String>(NOTICE_KEY).await?;
    let on = detection::enabled(&staff.tenant.tenant).await?;
    let modules = choices(&staff, &on);
    let action = staff.tenant.href("/agents/reperage/regles");
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <DetectionRulesPage ctx action modules notice /> }
    }))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RulesForm {
    regles: Vec<String>,
}

/// `POST /agents/reperage/regles`: switches on exactly the rules ticked, journaled. A rule
/// that is not one of the department's modules' is refused in French.
pub async fn save_rules(
    staff: CurrentStaff,
    session: Session,
    Form(form): Form<RulesForm>,
) -> Result<Response, AppError> {
    admin(&staff)?;
    let tenant = &staff.tenant.tenant;
    let mut rules = BTreeSet::new();
    for id in &form.regles {
        match detection::find(id).filter(|(m, _)| tenant.has_module(*m)) {
            Some((_, signal)) => rules.insert(signal.id),
            None => {
                return Err(AppError::BadRequest(
                    "Une règle cochée n'existe pas pour les modules du département : revenez à la page des règles et cochez celles de la liste.".into(),
                ));
            }
        };
    }
    let names: Vec<&str> = detection::declared()
        .filter(|(_, s)| rules.contains(s.id))
        .map(|(_, s)| s.name)
        .collect();
    let subject = if names.is_empty() {
        "aucune règle".to_owned()
    } else {
        names.join(" ; ")
    };
    let entry = crate::staff::desk::event(
        &staff.account,
        "règles de repérage choisies",
        &subject,
        "",
        None,
    );
    detection::choose(tenant, &rules, entry).await?;
    session
        .insert(
            NOTICE_KEY,
            format!(
                "Règles de repérage enregistrées : {} activée(s).",
                rules.len()
            ),
        )
        .await?;
    Ok(Redirect::to(&staff.tenant.href("/agents/reperage/regles")).into_response())
}
