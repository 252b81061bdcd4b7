//! National data from the citizen's side: "my data" (every consent with a way to withdraw it,
//! the facts received with their provenance, the journal of calls made in their name). Also the
//! rows of a request's pulls that staff pages show.

use std::collections::HashMap;

use app::pages::national::{CallRow, MyDataPage, PullRow};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use leptos::prelude::*;
use serde::Deserialize;

use crate::http::citizen::CurrentCitizen;
use crate::http::ui::Ui;
use crate::http::{AppError, parse_id};
use crate::national::consent;
use crate::national::pull::{self, Fact, Pull, PullState};
use crate::national::summary;

#[derive(Debug, Default, Deserialize)]
pub struct MyDataParams {
    ok: Option<String>,
}

/// `GET /mon-espace/donnees`: consents, facts and the journal of calls.
pub async fn my_data(
    citizen: CurrentCitizen,
    ui: Ui,
    Query(params): Query<MyDataParams>,
) -> Result<Response, AppError> {
    let notice = (params.ok.as_deref() == Some("retire")).then(|| {
        "Votre accord est retiré : plus rien ne sera demandé en votre nom pour cette aide. Les informations déjà reçues restent dans votre dossier ; pour les demandes en cours, le département pourra vous demander un justificatif."
            .to_owned()
    });
    render_my_data(&citizen, ui, StatusCode::OK, notice, vec![]).await
}

async fn render_my_data(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant.tenant;
    let now = Utc::now();
    let titles = purposes(tenant).await?;
    let consents = consent::list_for_citizen(tenant, citizen.citizen.id)
        .await?
        .into_iter()
        .map(|c| app::pages::national::ConsentRow {
            source: c.source.label().to_owned(),
            aid: match c.purpose {
                consent::Purpose::Aid(id) => titles.get(&id).cloned(),
                consent::Purpose::Module(module) => crate::modules::files_of(module)
                    .and_then(|f| f.whole_request)
                    .map(|w| w.title.to_owned()),
            }
            .unwrap_or_else(|| "Aide".into()),
            given: format!("le {}, {}", c.given_at.format("%d/%m/%Y"), c.how()),
            state: c.state(now),
            withdraw_action: c.is_live(now).then(|| {
                citizen
                    .tenant
                    .href(&format!("/mon-espace/donnees/accords/{}/retirer", c.id))
            }),
        })
        .collect();
    let references = request_names(tenant, citizen.citizen.id).await?;
    let pulls = pull::for_citizen(tenant, citizen.citizen.id)
        .await?
        .into_iter()
        .map(|(p, fact)| {
            let about = p
                .request_id
                .and_then(|id| references.get(&id).cloned())
                .unwrap_or_default();
            let mut row = pull_row(&p, fact.as_ref(), None);
            if !about.is_empty() {
                row.asked = format!("{} pour {about}", row.asked);
            }
            row
        })
        .collect();
    let calls = call_rows(tenant, citizen.citizen.id).await?;
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <MyDataPage ctx consents pulls calls notice errors /> }
    }))
}

/// `POST /mon-espace/donnees/accords/{id}/retirer`: withdraws one of the citizen's consents;
/// queued pulls under it are refused in the same transaction.
pub async fn withdraw(
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant.tenant;
    let consent_id = parse_id(&id)?;
    let txn = tenant.db().begin_write().await?;
    let withdrawn = consent::withdraw(&txn, citizen.citizen.id, consent_id, Utc::now()).await?;
    txn.commit().await?;
    if withdrawn {
        return Ok(
            Redirect::to(&citizen.tenant.href("/mon-espace/donnees?ok=retire")).into_response(),
        );
    }
    // Someone else's consent, or one already withdrawn: say so, change nothing.
    render_my_data(
        &citizen,
        ui,
        StatusCode::NOT_FOUND,
        None,
        vec!["Cet accord n'existe pas ou est déjà retiré : la liste ci-dessous montre vos accords en cours.".into()],
    )
    .await
}

/// A pull as people read it; `retry_action` for staff.
pub fn pull_row(pull: &Pull, fact: Option<&Fact>, retry_action: Option<String>) -> PullRow {
    PullRow {
        source: pull.source.label().to_owned(),
        state: pull.state.label().to_owned(),
        asked: format!(
            "le {}, {}",
            crate::dates::date_time(pull.created_at),
            pull.requested_by.label()
        ),
        outcome: match pull.state {
            PullState::Pending if pull.attempts > 0 => pull.outcome.clone(),
            PullState::Pending => "La réponse est attendue d'un instant à l'autre.".into(),
            _ => pull.outcome.clone(),
        },
        lines: fact.map(|f| summary(f.source, &f.data)).unwrap_or_default(),
        provenance: fact.map(Fact::provenance),
        retry_action: retry_action
            .filter(|_| matches!(pull.state, PullState::Failed | PullState::NotFound)),
    }
}

/// The journal of calls made to the national API in the citizen's name, newest first.
pub async fn call_rows(
    tenant: &tenants::Tenant,
    citizen_id: i64,
) -> Result<Vec<CallRow>, AppError> {
    let references = request_names(tenant, citizen_id).await?;
    let calls: Vec<CallRow> = pull::calls_for_citizen(tenant, citizen_id)
        .await?
        .into_iter()
        .map(|c| CallRow {
            date: crate::dates::date_time(c.at),
            source: c.source.label().to_owned(),
            why: {
                let about = c
                    .request_id
                    .and_then(|id| references.get(&id).cloned())
                    .map(|r| format!(" pour {r}"))
                    .unwrap_or_default();
                format!("{}{about}", c.requested_by.label())
            },
            outcome: c.outcome,
        })
        .collect();
    Ok(calls)
}

/// What a consent can be given for (the aids), by id, read through the modules' files.
async fn purposes(tenant: &tenants::Tenant) -> Result<HashMap<i64, String>, AppError> {
    let mut titles = HashMap::new();
    for files in crate::modules::all_files() {
        titles.extend(
            (files.kinds)(tenant, false)
                .await?
                .into_iter()
                .map(|k| (k.id, k.title)),
        );
    }
    Ok(titles)
}

/// How the citizen's pages name each of their requests: « votre demande 2026-… ».
async fn request_names(
    tenant: &tenants::Tenant,
    citizen_id: i64,
) -> Result<HashMap<i64, String>, AppError> {
    // A pull's `request_id` is an aid request's: another module's files, whose ids overlap,
    // are not named by it.
    let mut names = HashMap::new();
    if let Some(files) = crate::modules::files_of(tenants::Module::AidRequests) {
        for file in (files.of_citizen)(tenant, citizen_id).await? {
            names.insert(file.id, file.name_for_citizen());
        }
    }
    Ok(names)
}
