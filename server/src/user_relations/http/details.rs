//! The citizen's contact details and household.

use app::user_relations::{DetailsForm, MemberForm, MemberRow, MyDetailsPage};
use app::validation::FieldErrors;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use crate::http::AppError;
use crate::http::citizen::CurrentCitizen;
use crate::http::form::FormFields;
use crate::http::ui::Ui;
use crate::user_relations::details::{self, Details, NewMember, PreferredChannel};

#[derive(Debug, Default, Deserialize)]
pub struct DetailsParams {
    ok: Option<String>,
}

/// `GET /mon-espace/coordonnees`.
/// The citizen's contact details as saved, in the form's terms (empty if none yet).
async fn saved_details(citizen: &CurrentCitizen) -> Result<DetailsForm, AppError> {
    let saved = details::of(&citizen.tenant.tenant, citizen.citizen.id).await?;
    Ok(saved.map_or_else(DetailsForm::default, |d| DetailsForm {
        phone: d.phone,
        address: d.postal_address,
        preferred: d.preferred.id().to_owned(),
    }))
}

pub async fn my_details(
    citizen: CurrentCitizen,
    ui: Ui,
    Query(params): Query<DetailsParams>,
) -> Result<Response, AppError> {
    let notice = match params.ok.as_deref() {
        Some("coordonnees") => Some("Vos coordonnées sont enregistrées."),
        Some("ajoute") => Some("La personne est ajoutée à votre foyer."),
        Some("retire") => Some("La personne est retirée de votre foyer."),
        _ => None,
    }
    .map(str::to_owned);
    let form = saved_details(&citizen).await?;
    render_my_details(
        &citizen,
        ui,
        StatusCode::OK,
        form,
        MemberForm::default(),
        FieldErrors::new(),
        notice,
    )
    .await
}

async fn render_my_details(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    form: DetailsForm,
    member: MemberForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant;
    let members = details::household(&tenant.tenant, citizen.citizen.id)
        .await?
        .into_iter()
        .map(|m| MemberRow {
            name: format!("{} {}", m.given_name, m.family_name),
            relation: m.relation.to_owned(),
            birth_year: m.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            remove_action: tenant.href(&format!("/mon-espace/coordonnees/foyer/{}/retirer", m.id)),
        })
        .collect();
    let channels = PreferredChannel::ALL
        .into_iter()
        .map(|c| (c.id().to_owned(), c.label().to_owned()))
        .collect();
    let relations = details::RELATIONS
        .into_iter()
        .map(|(id, label)| (id.to_owned(), label.to_owned()))
        .collect();
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <MyDetailsPage ctx form channels members member relations errors notice /> }
    }))
}

/// `POST /mon-espace/coordonnees`.
pub async fn save_my_details(
    citizen: CurrentCitizen,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let typed: DetailsForm = form.read()?;
    match Details::parse(&typed.phone, &typed.address, &typed.preferred) {
        Ok(valid) => {
            details::save(&citizen.tenant.tenant, citizen.citizen.id, &valid).await?;
            Ok(Redirect::to(
                &citizen
                    .tenant
                    .href("/mon-espace/coordonnees?ok=coordonnees"),
            )
            .into_response())
        }
        Err(errors) => {
            render_my_details(
                &citizen,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
                MemberForm::default(),
                errors,
                None,
            )
            .await
        }
    }
}

/// `POST /mon-espace/coordonnees/foyer`: adds a household member.
pub async fn add_household_member(
    citizen: CurrentCitizen,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let typed: MemberForm = form.read()?;
    match NewMember::parse(
        &typed.given,
        &typed.family,
        &typed.relation,
        &typed.birth_year,
        details::this_year(),
    ) {
        Ok(member) => {
            details::add_member(&citizen.tenant.tenant, citizen.citizen.id, &member).await?;
            Ok(
                Redirect::to(&citizen.tenant.href("/mon-espace/coordonnees?ok=ajoute"))
                    .into_response(),
            )
        }
        Err(errors) => {
            let form = saved_details(&citizen).await?;
            render_my_details(
                &citizen,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                typed,
                errors,
                None,
            )
            .await
        }
    }
}

/// `POST /mon-espace/coordonnees/foyer/{id}/retirer`: removes one of the citizen's members.
pub async fn remove_household_member(
    citizen: CurrentCitizen,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::http::parse_id(&id)?;
    if !details::remove_member(&citizen.tenant.tenant, citizen.citizen.id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&citizen.tenant.href("/mon-espace/coordonnees?ok=retire")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Records opened by hand
