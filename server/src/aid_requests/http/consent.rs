//! The consent step of a request: which national sources the citizen agrees to share for this
//! aid, with the identifiers some of them need. Pulls start as the citizen leaves the page.

use app::aid_requests::consent::{ConsentChoice, ConsentPage, IdentifierField};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use leptos::prelude::*;

use crate::aid_requests::catalogue;
use crate::aid_requests::filing::{self, Status};
use crate::aid_requests::form::FormDefinition;
use crate::http::citizen::CurrentCitizen;
use crate::http::form::FormFields;
use crate::http::ui::Ui;
use crate::http::{AppError, AppState};
use crate::ids::{CitizenId, RequestId};
use crate::national::consent::{self, GivenBy};
use crate::national::pull::{self, PullState, RequestedBy};
use crate::national::{FactKey, Source};

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
) -> Result<(filing::AidRequest, catalogue::Aid, FormDefinition), AppError> {
    let tenant = &citizen.tenant.tenant;
    let request = filing::find_for_citizen(
        tenant,
        CitizenId(citizen.citizen.id),
        RequestId(crate::http::parse_id(id)?),
    )
    .await?
    .filter(|r| r.status == Status::Draft)
    .ok_or(AppError::NotFound)?;
    let aid = catalogue::find(tenant, request.aid_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = catalogue::form(tenant, aid.id, request.form_version)
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
    (request, aid, form): (&filing::AidRequest, &catalogue::Aid, &FormDefinition),
    typed: Option<Typed>,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant.tenant;
    let now = Utc::now();
    let txn = tenant.db().begin().await?;
    let mut choices = Vec::new();
    for source in form.sources() {
        let current = consent::live(
            &txn,
            citizen.citizen.id,
            source,
            consent::Purpose::Aid(aid.id),
            now,
        )
        .await?;
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
    // Each identifier's mistake, leading to its field.
    let errors: Vec<(String, String)> = typed
        .iter()
        .flat_map(|t| {
            t.identifiers
                .iter()
                .filter_map(|(source, _, e)| Some((identifier_name(*source), e.clone()?)))
        })
        .collect();
    let errors = app::validation::FieldErrors::from(errors);
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
            let consent = consent::give(
                &txn,
                citizen.citizen.id,
                (source, consent::Purpose::Aid(aid.id)),
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
            consent::withdraw_for(
                &txn,
                citizen.citizen.id,
                source,
                consent::Purpose::Aid(aid.id),
                now,
            )
            .await?;
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
