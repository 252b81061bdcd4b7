//! The department's look (see `crate::brand`): the administrator's page to choose its colour
//! and logo (`/agents/admin/apparence`), and the stylesheet and logo every page uses. Both are
//! addressed with the look's version, so browsers keep them until the look changes.

use app::pages::admin::{BrandForm, BrandPage};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use tower_sessions::Session;

use super::desks::AdminDesk;
use super::form::{FormData, FormFields};
use super::ui::Ui;
use super::{AppError, AppState, CurrentStaff};
use crate::brand::{self, Change, Colour};
use app::validation::FieldErrors;

const NOTICE_KEY: &str = "brand_notice";

/// `GET /apparence.css`: the department's colours.
pub async fn stylesheet(ui: Ui) -> Result<Response, AppError> {
    let ctx = ui.tenant().ok_or(AppError::NotFound)?;
    Ok(versioned(
        "text/css; charset=utf-8",
        ctx.look.stylesheet().into_bytes(),
    ))
}

/// `GET /logo.png`: the department's logo.
pub async fn logo(ui: Ui) -> Result<Response, AppError> {
    let ctx = ui.tenant().ok_or(AppError::NotFound)?;
    let png = brand::logo(&ctx.tenant).await?.ok_or(AppError::NotFound)?;
    Ok(versioned("image/png", png))
}

/// A public file whose address changes with the look: cached for long.
fn versioned(content_type: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}

/// `GET /agents/admin/apparence`.
pub async fn page(staff: CurrentStaff, session: Session, ui: Ui) -> Result<Response, AppError> {
    AdminDesk::open(&staff)?;
    let notice = session.remove::<String>(NOTICE_KEY).await?;
    let colour = staff.tenant.look.colour.hex();
    Ok(render(
        &staff,
        ui,
        StatusCode::OK,
        colour,
        FieldErrors::new(),
        notice,
    ))
}

/// `POST /agents/admin/apparence/couleur`.
pub async fn save_colour(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    AdminDesk::open(&staff)?;
    let typed = form.get("colour").to_owned();
    match Colour::parse(&typed) {
        Ok(colour) => {
            let what = format!("couleur du département : {}", colour.hex());
            apply(&state, &staff, &session, Change::Colour(colour), &what).await
        }
        Err(message) => Ok(refused(&staff, ui, typed, "colour", message)),
    }
}

/// `POST /agents/admin/apparence/logo`: a new logo, or (`retirer`) none.
pub async fn save_logo(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    data: FormData,
) -> Result<Response, AppError> {
    AdminDesk::open(&staff)?;
    if !data.fields.get("retirer").is_empty() {
        return apply(&state, &staff, &session, Change::NoLogo, "logo retiré").await;
    }
    let sent = data.uploads.iter().find(|u| u.field == "logo");
    match brand::checked_logo(sent.map_or(&[][..], |u| u.bytes.as_slice())) {
        Ok(png) => apply(&state, &staff, &session, Change::Logo(png), "nouveau logo").await,
        Err(message) => {
            let colour = staff.tenant.look.colour.hex();
            Ok(refused(&staff, ui, colour, "logo", message))
        }
    }
}

async fn apply(
    state: &AppState,
    staff: &CurrentStaff,
    session: &Session,
    change: Change,
    what: &str,
) -> Result<Response, AppError> {
    let tenant = &staff.tenant.tenant;
    let entry = crate::staff::desk::event(
        &staff.account,
        "apparence du département modifiée",
        what,
        "",
        None,
    );
    brand::change(tenant, change, entry).await?;
    state.looks.forget(tenant);
    session
        .insert(
            NOTICE_KEY,
            "L'apparence du département est enregistrée.".to_owned(),
        )
        .await?;
    Ok(Redirect::to(&staff.tenant.href("/agents/admin/apparence")).into_response())
}

/// The page again, with `message` at `field` and the colour as typed.
fn refused(staff: &CurrentStaff, ui: Ui, colour: String, field: &str, message: String) -> Response {
    let errors = FieldErrors::at(field, message);
    render(
        staff,
        ui,
        StatusCode::UNPROCESSABLE_ENTITY,
        colour,
        errors,
        None,
    )
}

fn render(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    colour: String,
    errors: FieldErrors,
    notice: Option<String>,
) -> Response {
    let ctx = &staff.tenant;
    let form = BrandForm {
        colour,
        colour_action: ctx.href("/agents/admin/apparence/couleur"),
        logo_action: ctx.href("/agents/admin/apparence/logo"),
        logo_src: ctx
            .look
            .has_logo
            .then(|| ctx.href(&format!("/logo.png?v={}", ctx.look.version))),
    };
    ui.with_staff(staff).render(status, move |page| {
        view! { <BrandPage ctx=page form errors notice /> }
    })
}
