//! National data from the citizen's side: the consent step of a request, and "my data" (every
//! consent with a way to withdraw it, the facts received with their provenance, the journal
//! of calls made in their name). Also the rows of a request's pulls that staff pages show.

use app::pages::national::{
    CallRow, ConsentChoice, ConsentPage, IdentifierField, MyDataPage, PullRow,
};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use leptos::prelude::*;
use serde::Deserialize;

use super::citizen::CurrentCitizen;
use super::form::FormFields;
use super::ui::Ui;
use super::{AppError, AppState};
use crate::aids::form::FormDefinition;
use crate::aids::{self};
use crate::national::consent::{self, GivenBy};
use crate::national::pull::{self, Fact, Pull, PullState, RequestedBy};
use crate::national::{FactKey, Source, summary};
use crate::requests::{self, Status};

/// Whether the citizen is offered to share national data for this form: the platform reaches
/// API Particulier, the form asks for something it knows, and FranceConnect certified who the
/// citizen is (the administrations find people by their civil-register identity).
pub fn offered(state: &AppState, citizen: &CurrentCitizen, form: &FormDefinition) -> bool {
    state.national_api.client.is_some()
        && !form.sources().is_empty()
        && pull::identity_of(&citizen.citizen).is_some()
}

/// "votre quotient familial" as the consent sentence names a source.
fn what(source: Source) -> &'static str {
    match source {
        Source::FamilyQuotient => "votre quotient familial et le nombre d'enfants à votre charge",
        Source::Rsa => "votre situation au regard du RSA",
        Source::Aah => "votre situation au regard de l'AAH",
        Source::Css => "votre droit à la complémentaire santé solidaire",
        Source::StudentStatus => "votre statut étudiant",
        Source::FranceTravail => "votre inscription comme demandeur d'emploi",
    }
}

fn field_name(source: Source) -> String {
    format!("accord-{}", source.id())
}

/// The citizen's draft, its aid and form; 404 for anyone else's, or once filed.
async fn draft(
    citizen: &CurrentCitizen,
    id: &str,
) -> Result<(requests::AidRequest, aids::Aid, FormDefinition), AppError> {
    super::aid_requests_subscribed(&citizen.tenant)?;
    let tenant = &citizen.tenant.tenant;
    let request = requests::find_for_citizen(tenant, citizen.citizen.id, super::parse_id(id)?)
        .await?
        .filter(|r| r.status == Status::Draft)
        .ok_or(AppError::NotFound)?;
    let aid = aids::find(tenant, request.aid_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = aids::form(tenant, aid.id, request.form_version)
        .await?
        .unwrap_or_default();
    Ok((request, aid, form))
}

fn identifier_name(source: Source) -> String {
    format!("identifiant-{}", source.id())
}

/// What the citizen typed on the consent step, sent back with its problems.
#[derive(Default)]
struct Typed {
    ticked: Vec<Source>,
    identifiers: Vec<(Source, String, Option<String>)>,
}

/// `GET /demandes/{id}/donnees`: which sources the citizen agrees to, for this request.
pub async fn consent_page(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (request, aid, form) = draft(&citizen, &id).await?;
    if !offered(&state, &citizen, &form) {
        return Ok(Redirect::to(
            &citizen
                .tenant
                .href(&format!("/demandes/{}/etape/1", request.id)),
        )
        .into_response());
    }
    render_consent(&citizen, ui, StatusCode::OK, (&request, &aid, &form), None).await
}

async fn render_consent(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    (request, aid, form): (&requests::AidRequest, &aids::Aid, &FormDefinition),
    typed: Option<Typed>,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant.tenant;
    let now = Utc::now();
    let txn = tenant.db().begin().await?;
    let mut choices = Vec::new();
    for source in form.sources() {
        let current = consent::live(&txn, citizen.citizen.id, source, aid.id, now).await?;
        let checked = match &typed {
            Some(typed) => typed.ticked.contains(&source),
            None => current.is_some(),
        };
        let identifier = (source == Source::FranceTravail).then(|| {
            let sent = typed
                .as_ref()
                .and_then(|t| t.identifiers.iter().find(|(s, _, _)| *s == source));
            IdentifierField {
                name: identifier_name(source),
                label: "Votre identifiant France Travail (7 chiffres et une lettre, sur vos courriers France Travail)".into(),
                value: sent.map_or_else(
                    || current.as_ref().and_then(|c| c.subject.clone()).unwrap_or_default(),
                    |(_, value, _)| value.clone(),
                ),
                error: sent.and_then(|(_, _, error)| error.clone()),
            }
        });
        choices.push(ConsentChoice {
            name: field_name(source),
            what: what(source).to_owned(),
            provider: source.provider().to_owned(),
            replaces: form
                .fields
                .iter()
                .filter(|f| f.fact.map(FactKey::source) == Some(source))
                .map(|f| format!("« {} »", f.label))
                .collect(),
            checked,
            identifier,
        });
    }
    txn.commit().await?;
    let errors: Vec<String> = typed
        .iter()
        .flat_map(|t| t.identifiers.iter().filter_map(|(_, _, e)| e.clone()))
        .collect();
    let degraded = pull::service_seems_down(tenant).await?.then(|| {
        "Le service qui nous transmet ces informations ne répond pas en ce moment. Vous pouvez quand même donner votre accord ; en attendant, le formulaire vous demandera les justificatifs.".to_owned()
    });
    let action = citizen
        .tenant
        .href(&format!("/demandes/{}/donnees", request.id));
    let my_data_href = citizen.tenant.href("/mon-espace/donnees");
    let aid_title = aid.title.clone();
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <ConsentPage ctx aid_title choices action my_data_href degraded errors /> }
    }))
}

/// `POST /demandes/{id}/donnees`: records each consent given (and a pull for it, in the same
/// transaction), withdraws each one unticked, then goes on to the first step. A missing or
/// malformed France Travail identifier sends the page back and records nothing.
pub async fn consent_save(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    form_fields: FormFields,
) -> Result<Response, AppError> {
    let (request, aid, form) = draft(&citizen, &id).await?;
    let next = citizen
        .tenant
        .href(&format!("/demandes/{}/etape/1", request.id));
    if !offered(&state, &citizen, &form) {
        return Ok(Redirect::to(&next).into_response());
    }
    let mut typed = Typed::default();
    let mut subjects = Vec::new();
    for source in form.sources() {
        if form_fields.get(&field_name(source)) != "on" {
            continue;
        }
        typed.ticked.push(source);
        if source == Source::FranceTravail {
            let value = form_fields.get(&identifier_name(source)).to_owned();
            match consent::france_travail_identifier(&value) {
                Ok(id) => subjects.push((source, id)),
                Err(error) => typed.identifiers.push((source, value, Some(error))),
            }
        }
    }
    if !typed.identifiers.is_empty() {
        return render_consent(
            &citizen,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            (&request, &aid, &form),
            Some(typed),
        )
        .await;
    }
    let tenant = &citizen.tenant.tenant;
    let now = Utc::now();
    let txn = tenant.db().begin_write().await?;
    let mut pulls = Vec::new();
    for source in form.sources() {
        if typed.ticked.contains(&source) {
            let subject = subjects
                .iter()
                .find(|(s, _)| *s == source)
                .map(|(_, id)| id.as_str());
            let consent = consent::give_for(
                &txn,
                citizen.citizen.id,
                source,
                aid.id,
                GivenBy::Citizen,
                now,
                subject,
            )
            .await?;
            pulls.push(
                pull::create_for_consent(&txn, &consent, request.id, RequestedBy::Citizen, now)
                    .await?,
            );
        } else {
            consent::withdraw_for(&txn, citizen.citizen.id, source, aid.id, now).await?;
        }
    }
    txn.commit().await?;
    pull::wake(&state.platform, tenant, &pulls).await;
    // A moment for the data to arrive, so the first step shows it pre-filled; past that, the
    // step says it is on its way and the citizen goes on.
    let ids: Vec<i64> = pulls
        .iter()
        .filter(|p| p.state == PullState::Pending)
        .map(|p| p.id)
        .collect();
    if !ids.is_empty() {
        pull::wait_ended(tenant, &ids, std::time::Duration::from_secs(3)).await?;
    }
    Ok(Redirect::to(&next).into_response())
}

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
    let titles: std::collections::HashMap<i64, String> = aids::list(tenant, false)
        .await?
        .into_iter()
        .map(|a| (a.id, a.title))
        .collect();
    let consents = consent::list_for_citizen(tenant, citizen.citizen.id)
        .await?
        .into_iter()
        .map(|c| app::pages::national::ConsentRow {
            source: c.source.label().to_owned(),
            aid: titles
                .get(&c.aid_id)
                .cloned()
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
    let consent_id = super::parse_id(&id)?;
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
            pull.created_at.format("%d/%m/%Y à %H:%M"),
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
pub(super) async fn call_rows(
    tenant: &tenants::Tenant,
    citizen_id: i64,
) -> Result<Vec<CallRow>, AppError> {
    let references = request_names(tenant, citizen_id).await?;
    let calls: Vec<CallRow> = pull::calls_for_citizen(tenant, citizen_id)
        .await?
        .into_iter()
        .map(|c| CallRow {
            date: c.at.format("%d/%m/%Y %H:%M").to_string(),
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

/// How the citizen's pages name each of their requests: « votre demande 2026-… ».
async fn request_names(
    tenant: &tenants::Tenant,
    citizen_id: i64,
) -> Result<std::collections::HashMap<i64, String>, AppError> {
    Ok(requests::list_for_citizen(tenant, citizen_id)
        .await?
        .into_iter()
        .map(|(r, title)| {
            (
                r.id,
                r.reference.map_or_else(
                    || format!("votre brouillon « {title} »"),
                    |reference| format!("votre demande {reference}"),
                ),
            )
        })
        .collect())
}
