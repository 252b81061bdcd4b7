//! The person's side, in their space: their orientation, referent and contract; signing the
//! version waiting for them, marking an action done.

use app::insertion::{MyFollowUpPage, MyFollowUpView};
use app::validation::FieldErrors;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use super::contracts::{Buttons, version_view};
use crate::dates::on as date;
use crate::http::AppError;
use crate::http::citizen::CurrentCitizen;
use crate::http::form::Form;
use crate::http::ui::Ui;
use crate::insertion::contract::{self, ContractStatus, DoneBy};
use crate::insertion::space::{self, PATH};

#[derive(Debug, Default, Deserialize)]
pub struct SpaceParams {
    ok: Option<String>,
}

/// `GET /mon-espace/rsa`.
pub async fn my_follow_up(
    citizen: CurrentCitizen,
    ui: Ui,
    Query(params): Query<SpaceParams>,
) -> Result<Response, AppError> {
    let notice = match params.ok.as_deref() {
        Some("signe") => {
            Some("Votre contrat est signé : il est en vigueur. Votre référent en est informé.")
        }
        Some("faite") => Some("C'est noté : votre référent verra que l'action est faite."),
        Some("observations") => {
            Some("Vos observations sont envoyées : elles seront lues avant toute décision.")
        }
        _ => None,
    };
    let shown = Shown {
        notice: notice.map(str::to_owned),
        ..Shown::default()
    };
    render(&citizen, ui, StatusCode::OK, shown).await
}

/// What the page shows besides the follow-up: mistakes, what happened, observations as typed.
#[derive(Default)]
struct Shown {
    errors: FieldErrors,
    notice: Option<String>,
    refusal: Option<String>,
    observations: String,
}

async fn render(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, AppError> {
    let Shown {
        errors,
        notice,
        refusal,
        observations,
    } = shown;
    let tenant = &citizen.tenant;
    let mine = space::of_citizen(&tenant.tenant, citizen.citizen.id).await?;
    // One follow-up in practice; when a citizen was named twice, one still followed.
    let Some(mine) = mine.into_iter().max_by_key(|m| m.person.left_on.is_none()) else {
        let view = MyFollowUpView {
            facts: vec![(
                "Suivi".to_owned(),
                "Le département ne vous suit pas au titre du RSA.".to_owned(),
            )],
            invitations: Vec::new(),
            to_sign: None,
            in_force: None,
            cases: Vec::new(),
        };
        return Ok(ui.with_citizen(citizen).render(status, move |ctx| {
            view! { <MyFollowUpPage ctx follow_up=view errors notice refusal /> }
        }));
    };
    let names = crate::insertion::settings::read(&tenant.tenant).await?;
    let mut facts = vec![(
        "Parcours".to_owned(),
        match &mine.orientation {
            Some(o) => format!(
                "{}, avec {} (depuis le {})",
                names.label(o.track),
                o.body,
                o.starts_on.map(date).unwrap_or_default()
            ),
            None => "Pas encore décidé : le département vous proposera un rendez-vous.".to_owned(),
        },
    )];
    facts.push((
        "Votre référent".to_owned(),
        mine.referent
            .as_ref()
            .map(|r| r.staff_name.clone())
            .unwrap_or_else(|| "Pas encore désigné".to_owned()),
    ));
    if let Some(left) = mine.person.left_on {
        facts.push(("Fin du suivi".to_owned(), date(left)));
    }
    let done_href = |action: i64| tenant.href(&format!("{PATH}/actions/{action}/faite"));
    let to_sign = contract::being_written(&mine.contracts)
        .filter(|c| c.row.status == ContractStatus::ToSign)
        .map(|c| {
            (
                version_view(
                    c,
                    Buttons {
                        done: None,
                        remove: None,
                    },
                ),
                tenant.href(&format!("{PATH}/contrat/{}/signer", c.row.id)),
            )
        });
    let in_force = contract::in_force(&mine.contracts).map(|c| {
        version_view(
            c,
            Buttons {
                done: Some(&done_href),
                remove: None,
            },
        )
    });
    let now = chrono::Utc::now();
    let invitations = crate::insertion::invitations::of_person(&tenant.tenant, mine.person.id)
        .await?
        .into_iter()
        .filter(|i| i.standing(now) == crate::insertion::invitations::Standing::ToBook)
        .map(|i| {
            (
                format!(
                    "Choisir mon {} (jusqu'au {} inclus)",
                    i.row.purpose.label(),
                    i.last_day()
                ),
                i.row.booking_url,
            )
        })
        .collect();
    let view = MyFollowUpView {
        facts,
        invitations,
        to_sign,
        in_force,
        cases: super::sanctions::my_cases(tenant, &mine.cases, &observations),
    };
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <MyFollowUpPage ctx follow_up=view errors notice refusal /> }
    }))
}

fn done(citizen: &CurrentCitizen, what: &str) -> Response {
    Redirect::to(&citizen.tenant.href(&format!("{PATH}?ok={what}"))).into_response()
}

async fn refused(
    citizen: &CurrentCitizen,
    ui: Ui,
    refusal: contract::Refusal,
) -> Result<Response, AppError> {
    let shown = Shown {
        refusal: Some(crate::audit::sentence(&refusal.to_string())),
        ..Shown::default()
    };
    render(citizen, ui, StatusCode::CONFLICT, shown).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignTyped {
    read: String,
}

/// `POST /mon-espace/rsa/contrat/{id}/signer`: only the citizen's own version waiting.
pub async fn sign_my_contract(
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<SignTyped>,
) -> Result<Response, AppError> {
    let id = crate::http::parse_id(&id)?;
    let tenant = &citizen.tenant.tenant;
    if !contract::is_citizens(tenant, citizen.citizen.id, id).await? {
        return Err(AppError::NotFound);
    }
    if typed.read != "oui" {
        let errors = FieldErrors::at(
            "read-0",
            "Cochez la case pour dire que vous avez lu votre contrat, puis signez.",
        );
        let shown = Shown {
            errors,
            ..Shown::default()
        };
        return render(&citizen, ui, StatusCode::UNPROCESSABLE_ENTITY, shown).await;
    }
    match contract::sign_by_person(tenant, citizen.citizen.id, id).await? {
        Ok(()) => Ok(done(&citizen, "signe")),
        Err(refusal) => refused(&citizen, ui, refusal).await,
    }
}

/// `POST /mon-espace/rsa/actions/{id}/faite`: only an open action of their own contract.
pub async fn mark_my_action_done(
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::http::parse_id(&id)?;
    let tenant = &citizen.tenant.tenant;
    if !contract::is_citizens_action(tenant, citizen.citizen.id, id).await? {
        return Err(AppError::NotFound);
    }
    match contract::mark_done(tenant, citizen.citizen.id, id, DoneBy::Person).await? {
        Ok(_) => Ok(done(&citizen, "faite")),
        Err(refusal) => refused(&citizen, ui, refusal).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ObservationsTyped {
    observations: String,
}

/// `POST /mon-espace/rsa/sanctions/{id}/observations`: only on their own case, while awaited.
pub async fn send_my_observations(
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<ObservationsTyped>,
) -> Result<Response, AppError> {
    let id = crate::http::parse_id(&id)?;
    let tenant = &citizen.tenant.tenant;
    let mine = crate::insertion::sanctions::find(tenant, id)
        .await?
        .filter(|c| c.citizen_id == citizen.citizen.id)
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let Some(observations) = crate::insertion::sanctions::text(
        &mut errors,
        "observations",
        &typed.observations,
        "Écrivez vos observations avant de les envoyer.",
    ) else {
        let shown = Shown {
            errors,
            observations: typed.observations,
            ..Shown::default()
        };
        return render(&citizen, ui, StatusCode::UNPROCESSABLE_ENTITY, shown).await;
    };
    match crate::insertion::sanctions::written(tenant, citizen.citizen.id, mine.id, &observations)
        .await?
    {
        Ok(()) => Ok(done(&citizen, "observations")),
        Err(refusal) => sanction_refused(&citizen, ui, refusal).await,
    }
}

async fn sanction_refused(
    citizen: &CurrentCitizen,
    ui: Ui,
    refusal: crate::insertion::sanctions::Refusal,
) -> Result<Response, AppError> {
    let shown = Shown {
        refusal: Some(crate::audit::sentence(&refusal.to_string())),
        ..Shown::default()
    };
    render(citizen, ui, StatusCode::CONFLICT, shown).await
}
