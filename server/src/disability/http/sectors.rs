//! The administrator's page of the MDPH's sectors (`sectors`).

use app::disability::{SectorRow, SectorsPage};
use app::validation::FieldErrors;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Deserialize;

use crate::disability::files::Status;
use crate::disability::rights::Pole;
use crate::disability::sectors::{self, Sector};
use crate::entity::disability_file;
use crate::http::AppError;
use crate::http::auth::CurrentStaff;
use crate::http::desks::AdminDesk;
use crate::http::form::{Form, ListQuery};
use crate::http::ui::Ui;

pub const SECTORS_PATH: &str = "/agents/admin/mdph";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SectorsParams {
    ok: Option<String>,
}

async fn render(
    desk: &AdminDesk<'_>,
    ui: Ui,
    status: StatusCode,
    (text, errors, notice): (Option<String>, FieldErrors, Option<String>),
) -> Result<Response, AppError> {
    let saved = sectors::read(desk.tenant()).await?;
    let txn = desk.tenant().db().begin().await?;
    let mut rows = Vec::with_capacity(saved.len());
    for s in &saved {
        let open = disability_file::Entity::find()
            .filter(disability_file::Column::Sector.eq(&s.name))
            .filter(disability_file::Column::Status.is_in([
                Status::Filed.id(),
                Status::WaitingPieces.id(),
                Status::Complete.id(),
            ]))
            .count(&txn)
            .await?;
        rows.push(SectorRow {
            name: s.name.clone(),
            pole: s.pole.map_or("Enfants et adultes", Pole::label).into(),
            postcodes: s.prefixes.join(", "),
            open_files: open.to_string(),
        });
    }
    txn.commit().await?;
    let text = text.unwrap_or_else(|| sectors::write(&saved));
    let action = desk.staff().tenant.href(SECTORS_PATH);
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <SectorsPage ctx action sectors=rows text errors notice /> }
    }))
}

/// `GET /agents/admin/mdph` (administrators).
pub async fn sectors_page(
    staff: CurrentStaff,
    ui: Ui,
    ListQuery(params): ListQuery<SectorsParams>,
) -> Result<Response, AppError> {
    let desk = AdminDesk::open(&staff)?;
    let notice = params
        .ok
        .as_deref()
        .and_then(|n| n.parse::<usize>().ok())
        .map(|routed| {
            format!("Les secteurs sont enregistrés ; {routed} demande(s) en cours sans équipe y sont orientées.")
        });
    render(
        &desk,
        ui,
        StatusCode::OK,
        (None, FieldErrors::new(), notice),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SectorsTyped {
    secteurs: String,
}

/// `POST /agents/admin/mdph`.
pub async fn save_sectors(
    staff: CurrentStaff,
    ui: Ui,
    Form(typed): Form<SectorsTyped>,
) -> Result<Response, AppError> {
    let desk = AdminDesk::open(&staff)?;
    match sectors::parse(&typed.secteurs) {
        Ok(chosen) => {
            let routed = save(&desk, &chosen).await?;
            let to = staff.tenant.href(&format!("{SECTORS_PATH}?ok={routed}"));
            Ok(Redirect::to(&to).into_response())
        }
        Err(message) => {
            let errors = FieldErrors::at("secteurs", message);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&desk, ui, status, (Some(typed.secteurs), errors, None)).await
        }
    }
}

async fn save(desk: &AdminDesk<'_>, chosen: &[Sector]) -> Result<usize, AppError> {
    Ok(sectors::save(desk.tenant(), chosen, &desk.staff().account).await?)
}
