//! `/agents/admin/conservation`: the department's durations, the last pass's counts (the dry
//! run), a count on demand, and the legal holds, for the department's administrators; and
//! `/mon-espace/effacement`, the citizen's right to erasure.

use app::pages::retention::{
    ErasedPage, ErasurePage, HoldRow, KeptLine, RetentionCategory, RetentionPage,
};
use app::validation::FieldErrors;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use tower_sessions::Session;

use super::erasure::{self, Erasure};
use super::holds::{self, HoldError};
use super::{Mode, Setting, SettingError};
use crate::dates;
use crate::http::citizen::CurrentCitizen;
use crate::http::desks::AdminDesk;
use crate::http::form::FormFields;
use crate::http::ui::Ui;
use crate::http::{AppError, AppState, CurrentStaff, TenantCtx};
use crate::modules::Routes;

const NOTICE_KEY: &str = "retention_notice";
const PAGE: &str = "/agents/admin/conservation";

pub fn routes(routes: Routes) -> Routes {
    use axum::routing::{get, post};
    routes
        .route(PAGE, get(page).post(save))
        .route("/agents/admin/conservation/compter", post(count_now))
        .route("/agents/admin/conservation/litiges", post(place_hold))
        .route(
            "/agents/admin/conservation/litiges/{id}/lever",
            post(lift_hold),
        )
        .route(ERASURE, get(erasure_page).post(erase))
}

const ERASURE: &str = "/mon-espace/effacement";

/// `GET /mon-espace/effacement`: what can be erased now, or why not.
pub async fn erasure_page(citizen: CurrentCitizen, ui: Ui) -> Result<Response, AppError> {
    let kept = erasure::assess(&citizen.tenant.tenant, citizen.citizen.id).await?;
    erasure_view(&citizen, ui, StatusCode::OK, kept, FieldErrors::new()).await
}

/// `POST /mon-espace/effacement`: erases, once confirmed, if the law allows it.
pub async fn erase(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    session: Session,
    ui: Ui,
    fields: FormFields,
) -> Result<Response, AppError> {
    if fields.get("confirmation") != "oui" {
        let kept = erasure::assess(&citizen.tenant.tenant, citizen.citizen.id).await?;
        let mut errors = FieldErrors::new();
        errors.add(
            "confirmation-0",
            "Cochez la case pour confirmer : l'effacement est définitif.",
        );
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return erasure_view(&citizen, ui, status, kept, errors).await;
    }
    let tenant = &citizen.tenant.tenant;
    match erasure::erase(&state.platform, tenant, &citizen.citizen)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    {
        Erasure::Done => {
            session.flush().await?;
            tracing::info!(tenant = %tenant.slug(), "citizen's data erased at their request");
            let mailed = !citizen.citizen.email.is_empty();
            Ok(ui.render(StatusCode::OK, |ctx| view! { <ErasedPage ctx mailed /> }))
        }
        Erasure::Refused(kept) => {
            erasure_view(&citizen, ui, StatusCode::CONFLICT, kept, FieldErrors::new()).await
        }
    }
}

async fn erasure_view(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    kept: Vec<erasure::Kept>,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let kept = kept
        .into_iter()
        .map(|k| KeptLine {
            what: k.what,
            why: k.why.to_owned(),
        })
        .collect();
    let always_kept = erasure::ALWAYS_KEPT.iter().map(|&k| k.to_owned()).collect();
    let durations = super::settings(&citizen.tenant.tenant)
        .await?
        .into_iter()
        .map(|(c, s)| {
            format!(
                "{} : {} mois à compter de {}",
                c.label, s.months, c.counted_from
            )
        })
        .collect();
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <ErasurePage ctx kept always_kept durations errors /> }
    }))
}

pub fn admin_nav(tenant: &TenantCtx) -> Vec<app::NavLink> {
    vec![app::NavLink {
        href: tenant.href(PAGE),
        label: "Conservation des données".into(),
        description: "Combien de temps chaque catégorie de données est gardée, ce qui a dépassé sa durée, les dossiers conservés pour un litige.",
    }]
}

/// The form's field names use the category's id with its dots as dashes (an id, a selector).
fn key(category: &str) -> String {
    category.replace('.', "-")
}

/// What the form holds, as typed, when it is shown again with its errors.
#[derive(Default)]
struct Typed {
    months: Vec<(String, String)>,
    applied: Vec<String>,
    citizen: String,
    reason: String,
}

pub async fn page(staff: CurrentStaff, session: Session, ui: Ui) -> Result<Response, AppError> {
    AdminDesk::open(&staff)?;
    let notice = session.remove::<String>(NOTICE_KEY).await?;
    render(
        &staff,
        ui,
        StatusCode::OK,
        Typed::default(),
        FieldErrors::new(),
        notice,
    )
    .await
}

/// Saves every category's duration and switch; nothing is saved if one is wrong.
pub async fn save(
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    fields: FormFields,
) -> Result<Response, AppError> {
    AdminDesk::open(&staff)?;
    let tenant = &staff.tenant.tenant;
    let mut errors = FieldErrors::new();
    let mut chosen = Vec::new();
    let mut typed = Typed::default();
    for category in super::categories() {
        let key = key(category.id);
        let text = fields.get(&format!("mois-{key}")).trim().to_owned();
        let applied = fields.get(&format!("appliquer-{key}")) == "oui";
        typed.months.push((key.clone(), text.clone()));
        if applied {
            typed.applied.push(key.clone());
        }
        let bounds = category.months;
        match text.parse::<u32>() {
            Ok(months) if (bounds.min..=bounds.max).contains(&months) => {
                chosen.push((category.id, Setting { months, applied }));
            }
            _ => errors.add(
                &format!("mois-{key}"),
                SettingError::OutOfBounds {
                    label: category.label,
                    min: bounds.min,
                    max: bounds.max,
                }
                .to_string(),
            ),
        }
    }
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&staff, ui, status, typed, errors, None).await;
    }
    let current = super::settings(tenant).await?;
    for (id, setting) in chosen {
        // Only what changed is written and journaled.
        if current.iter().any(|(c, s)| c.id == id && *s == setting) {
            continue;
        }
        if let Err(e) = super::save_setting(tenant, id, setting, &staff.account).await? {
            return Err(AppError::BadRequest(e.to_string()));
        }
    }
    notify(&session, "Les durées de conservation sont enregistrées.").await?;
    Ok(Redirect::to(&staff.tenant.href(PAGE)).into_response())
}

/// Counts now what is past its term in every category, removing nothing.
pub async fn count_now(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
) -> Result<Response, AppError> {
    AdminDesk::open(&staff)?;
    let tenant = &staff.tenant.tenant;
    super::pass(
        &state.platform,
        None,
        tenant,
        chrono::Utc::now(),
        Mode::CountOnly,
    )
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    notify(&session, "Le compte est à jour : rien n'a été supprimé.").await?;
    Ok(Redirect::to(&staff.tenant.href(PAGE)).into_response())
}

pub async fn place_hold(
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    fields: FormFields,
) -> Result<Response, AppError> {
    AdminDesk::open(&staff)?;
    let typed = Typed {
        citizen: fields.get("usager").trim().to_owned(),
        reason: fields.get("raison").trim().to_owned(),
        ..Typed::default()
    };
    let outcome = match typed.citizen.parse::<i64>() {
        Ok(id) => holds::place(&staff.tenant.tenant, id, &typed.reason, &staff.account).await?,
        Err(_) => Err(HoldError::UnknownCitizen),
    };
    match outcome {
        Ok(_) => {
            notify(
                &session,
                "Le dossier est conservé jusqu'à ce que vous leviez la conservation.",
            )
            .await?;
            Ok(Redirect::to(&staff.tenant.href(PAGE)).into_response())
        }
        Err(e) => {
            let field = if e == HoldError::Reason {
                "raison"
            } else {
                "usager"
            };
            let mut errors = FieldErrors::new();
            errors.add(field, e.to_string());
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&staff, ui, status, typed, errors, None).await
        }
    }
}

pub async fn lift_hold(
    staff: CurrentStaff,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    AdminDesk::open(&staff)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    match holds::lift(&staff.tenant.tenant, id, &staff.account).await? {
        Ok(()) => {
            notify(&session, "La conservation pour litige est levée.").await?;
            Ok(Redirect::to(&staff.tenant.href(PAGE)).into_response())
        }
        Err(e) => Err(AppError::Conflict(e.to_string())),
    }
}

async fn notify(session: &Session, text: &str) -> Result<(), AppError> {
    session.insert(NOTICE_KEY, text.to_owned()).await?;
    Ok(())
}

async fn render(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    typed: Typed,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let tenant = &staff.tenant.tenant;
    let settings = super::settings(tenant).await?;
    let runs = super::last_runs(tenant).await?;
    let categories = settings
        .into_iter()
        .map(|(category, setting)| {
            let key = key(category.id);
            let months = typed
                .months
                .iter()
                .find(|(k, _)| *k == key)
                .map_or_else(|| setting.months.to_string(), |(_, t)| t.clone());
            let applied = if typed.months.is_empty() {
                setting.applied
            } else {
                typed.applied.contains(&key)
            };
            let run = runs.iter().find(|r| r.category == category.id);
            RetentionCategory {
                key,
                label: category.label.to_owned(),
                hint: format!(
                    "Entre {} et {} mois, à compter de {} ; {} par défaut.",
                    category.months.min,
                    category.months.max,
                    category.counted_from,
                    category.months.default
                ),
                basis: category.basis.to_owned(),
                months,
                applied,
                saved: (setting.months, setting.applied),
                last_pass: run.map_or_else(
                    || "pas encore compté".to_owned(),
                    |r| {
                        let day = dates::day(r.ran_at);
                        if r.applied {
                            format!("{} supprimé(s) le {day}", r.count)
                        } else {
                            format!("{} à supprimer (compté le {day})", r.count)
                        }
                    },
                ),
                held: run
                    .filter(|r| r.held > 0)
                    .map(|r| format!("{} conservé(s) pour un litige", r.held))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let holds = holds::current(tenant)
        .await?
        .into_iter()
        .map(|h| HoldRow {
            citizen: format!("{} (usager n° {})", h.citizen_name, h.citizen_id),
            reason: h.reason,
            since: dates::day(h.placed_at),
            lift_action: staff.tenant.href(&format!(
                "/agents/admin/conservation/litiges/{}/lever",
                h.id
            )),
        })
        .collect();
    let (hold_citizen, hold_reason) = (typed.citizen, typed.reason);
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! { <RetentionPage ctx categories holds hold_citizen hold_reason errors notice /> }
    }))
}
