//! The administrator's insertion settings page.

use app::insertion::{InsertionSettingsPage, InsertionSettingsView};
use app::validation::FieldErrors;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use crate::http::AppError;
use crate::http::auth::CurrentStaff;
use crate::http::desks::AdminDesk;
use crate::http::form::{Form, ListQuery};
use crate::http::ui::Ui;
use crate::insertion::settings::{self, Settings};

const PATH: &str = "/agents/admin/insertion";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsTyped {
    professional: String,
    socio_professional: String,
    social: String,
    booking_days: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsParams {
    ok: Option<String>,
}

fn render(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    typed: SettingsTyped,
    errors: FieldErrors,
    notice: Option<String>,
) -> Response {
    let view = InsertionSettingsView {
        action: staff.tenant.href(PATH),
        labels: [typed.professional, typed.socio_professional, typed.social],
        booking_days: typed.booking_days,
    };
    ui.with_staff(staff).render(status, move |ctx| {
        view! { <InsertionSettingsPage ctx settings=view errors notice /> }
    })
}

/// `GET /agents/admin/insertion` (administrators).
pub async fn settings_page(
    staff: CurrentStaff,
    ui: Ui,
    ListQuery(params): ListQuery<SettingsParams>,
) -> Result<Response, AppError> {
    let desk = AdminDesk::open(&staff)?;
    let Settings {
        labels: [professional, socio_professional, social],
        booking_days,
    } = settings::read(desk.tenant()).await?;
    let typed = SettingsTyped {
        professional,
        socio_professional,
        social,
        booking_days: booking_days.to_string(),
    };
    let notice = (params.ok.as_deref() == Some("enregistres"))
        .then(|| "Les réglages sont enregistrés.".to_owned());
    Ok(render(
        &staff,
        ui,
        StatusCode::OK,
        typed,
        FieldErrors::new(),
        notice,
    ))
}

/// `POST /agents/admin/insertion`.
pub async fn save_settings(
    staff: CurrentStaff,
    ui: Ui,
    Form(typed): Form<SettingsTyped>,
) -> Result<Response, AppError> {
    let desk = AdminDesk::open(&staff)?;
    let parsed = Settings::parse(
        [
            typed.professional.as_str(),
            typed.socio_professional.as_str(),
            typed.social.as_str(),
        ],
        &typed.booking_days,
    );
    match parsed {
        Ok(chosen) => {
            settings::save(desk.tenant(), &chosen, &staff.account).await?;
            let to = staff.tenant.href(&format!("{PATH}?ok=enregistres"));
            Ok(Redirect::to(&to).into_response())
        }
        Err(errors) => Ok(render(
            &staff,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            typed,
            errors,
            None,
        )),
    }
}
