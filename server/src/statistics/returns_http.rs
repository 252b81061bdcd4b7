//! The national returns' page: each survey's yearly CSV files for supervisors and
//! administrators, and the administrator's ranking of the department's own labels that the
//! returns are computed on.

use app::components::FilterOption;
use app::statistics::{LabelRanking, RankingForm, ReturnsPage, SurveyFiles};
use app::validation::FieldErrors;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use tower_sessions::Session;

use super::http::{allowed, attachment};
use super::mapping::{self, Choice, LocalLabels, Ranked};
use super::{comparison, nomenclatures, returns};
use crate::http::form::Form;
use crate::http::ui::Ui;
use crate::http::{AppError, AppState, CurrentStaff};
use crate::staff::Role;

pub fn routes(routes: crate::modules::Routes) -> crate::modules::Routes {
    use axum::routing::{get, post};
    routes
        .route("/agents/statistiques/retours", get(page))
        .route(
            "/agents/statistiques/retours/classement",
            post(save_ranking),
        )
        .route(
            "/agents/statistiques/retours/{survey}/{year}",
            get(download),
        )
}

const NOTICE_KEY: &str = "returns_notice";

/// `GET /agents/statistiques/retours`.
pub async fn page(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
) -> Result<Response, AppError> {
    allowed(&staff)?;
    let notice = session.remove::<String>(NOTICE_KEY).await?;
    view(
        &state,
        &staff,
        ui,
        StatusCode::OK,
        None,
        FieldErrors::default(),
        notice,
    )
    .await
}

/// The page, with the administrator's `chosen` codes and their `errors` when the form was
/// refused.
async fn view(
    state: &AppState,
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    chosen: Option<&[Choice]>,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let tenant = &staff.tenant.tenant;
    let department = comparison::profile(tenant).await?.map(|p| {
        let name = nomenclatures::departement(&p.department).map_or("", |d| d.name);
        format!("{} — {name}", p.department)
    });
    let years = returns::years(tenant).await?;
    let surveys = returns::answered(tenant)
        .into_iter()
        .map(|s| SurveyFiles {
            name: s.name.to_owned(),
            about: s.about.to_owned(),
            files: years
                .iter()
                .map(|y| {
                    let href = staff
                        .tenant
                        .href(&format!("/agents/statistiques/retours/{}/{y}", s.id));
                    (*y, href)
                })
                .collect(),
        })
        .collect();
    let ranking = if staff.account.has_role(Role::Admin) {
        let lists = mapping::current(tenant).await?;
        Some(RankingForm {
            action: staff.tenant.href("/agents/statistiques/retours/classement"),
            lists: lists
                .iter()
                .map(|(labels, entries)| ranking(labels, entries, chosen))
                .collect(),
            errors,
        })
    } else {
        None
    };
    let back = staff.tenant.href("/agents/statistiques");
    let comparison_href = staff.tenant.href("/agents/statistiques/comparaison");
    let threshold = state.settings.statistics_threshold;
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! { <ReturnsPage ctx back department comparison_href surveys ranking notice threshold /> }
    }))
}

/// One list's labels with their options, the code chosen (as sent, else as saved) selected.
fn ranking(labels: &LocalLabels, entries: &[Ranked], chosen: Option<&[Choice]>) -> LabelRanking {
    let codes = nomenclatures::find(labels.nomenclature)
        .map(|n| n.entries)
        .unwrap_or_default();
    LabelRanking {
        what: labels.what.to_owned(),
        nomenclature: labels.nomenclature.to_owned(),
        labels: entries
            .iter()
            .map(|entry| {
                let sent = chosen.and_then(|c| {
                    c.iter().find(|c| {
                        c.nomenclature == labels.nomenclature
                            && mapping::key(&c.label) == mapping::key(&entry.label)
                    })
                });
                let selected = sent.map_or(entry.code.clone().unwrap_or_default(), |c| {
                    c.code.trim().to_owned()
                });
                let options = std::iter::once(("", "Non classé"))
                    .chain(codes.iter().copied())
                    .map(|(code, label)| FilterOption {
                        value: code.to_owned(),
                        label: label.to_owned(),
                        selected: code == selected,
                    })
                    .collect();
                (entry.label.clone(), options)
            })
            .collect(),
    }
}

/// The ranking form: one entry per label, in the page's order.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RankingFormData {
    liste: Vec<String>,
    libelle: Vec<String>,
    categorie: Vec<String>,
}

/// `POST /agents/statistiques/retours/classement`: saves the ranking (journaled), then
/// computes the last closed year's returns again so the files follow at once.
pub async fn save_ranking(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    Form(form): Form<RankingFormData>,
) -> Result<Response, AppError> {
    if !staff.account.has_role(Role::Admin) {
        return Err(AppError::Forbidden);
    }
    if form.liste.len() != form.libelle.len() || form.libelle.len() != form.categorie.len() {
        return Err(AppError::BadRequest(
            "Le formulaire envoyé est incomplet : rechargez la page et recommencez.".into(),
        ));
    }
    let choices: Vec<Choice> = form
        .liste
        .into_iter()
        .zip(form.libelle)
        .zip(form.categorie)
        .map(|((nomenclature, label), code)| Choice {
            nomenclature,
            label,
            code,
        })
        .collect();
    let tenant = &staff.tenant.tenant;
    let lists = mapping::current(tenant).await?;
    let ranked = match mapping::parse(&lists, &choices) {
        Ok(ranked) => ranked,
        Err(errors) => {
            return view(
                &state,
                &staff,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&choices),
                errors,
                None,
            )
            .await;
        }
    };
    let subject = ranked
        .iter()
        .map(|(_, r)| {
            format!(
                "{} : {}",
                r.label,
                r.code.as_deref().unwrap_or("non classé")
            )
        })
        .collect::<Vec<_>>()
        .join(" ; ");
    let entry = crate::staff::desk::event(
        &staff.account,
        "classement des libellés du département",
        &subject,
        "",
        None,
    );
    let count = mapping::save(tenant, &ranked, entry).await?;
    let year = returns::closed_year(crate::dates::today());
    returns::compute(tenant, year).await?;
    session
        .insert(
            NOTICE_KEY,
            format!("Classement enregistré : {count} libellé(s) classé(s). Les retours de {year} sont recalculés."),
        )
        .await?;
    Ok(Redirect::to(&staff.tenant.href("/agents/statistiques/retours")).into_response())
}

/// `GET /agents/statistiques/retours/{survey}/{year}`: the year's return as CSV, secrecy
/// applied, with the département's code.
pub async fn download(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path((survey, year)): Path<(String, String)>,
) -> Result<Response, AppError> {
    allowed(&staff)?;
    let tenant = &staff.tenant.tenant;
    let survey = returns::survey(&survey)
        .filter(|s| returns::answered(tenant).iter().any(|a| a.id == s.id))
        .ok_or(AppError::NotFound)?;
    let year: i32 = year.parse().map_err(|_| AppError::NotFound)?;
    let Some(profile) = comparison::profile(tenant).await? else {
        return Err(AppError::BadRequest(
            "Le code du département n'est pas déclaré : un administrateur le déclare sur la page « Comparaison avec les autres départements », puis le fichier se télécharge.".into(),
        ));
    };
    let lines =
        returns::published(tenant, survey.id, year, state.settings.statistics_threshold).await?;
    if lines.is_empty() {
        return Err(AppError::NotFound);
    }
    let bytes = returns::csv(&profile.department, survey, year, &lines)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(attachment(
        bytes,
        "text/csv; charset=utf-8",
        &returns::file_name(survey, year, &profile.department),
    ))
}
