//! Home pages, module entry pages, health and not-found.

use app::pages::home::{
    DashboardPage, DepartmentHomePage, ModuleCard, ModulePage, PlatformHomePage,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use tenants::{Module, TenantStatus};

use super::desks;
use super::ui::Ui;
use super::{AppError, AppState, CurrentStaff};

pub async fn department_home(ui: Ui) -> Result<Response, AppError> {
    let tenant = &ui.tenant().ok_or(AppError::NotFound)?.tenant;
    let name = tenant.name().to_owned();
    let aids = tenant.has_module(Module::AidRequests);
    Ok(ui.render(StatusCode::OK, move |ctx| {
        view! { <DepartmentHomePage ctx name aids /> }
    }))
}

/// `/composants`: the page components, in this department's look (see `app::pages::catalogue`).
pub async fn components_catalogue(ui: Ui) -> Result<Response, AppError> {
    ui.tenant().ok_or(AppError::NotFound)?;
    Ok(ui.render(StatusCode::OK, |ctx| {
        view! { <app::pages::catalogue::ComponentsPage ctx /> }
    }))
}

pub async fn to_staff_home(ui: Ui) -> Result<Response, AppError> {
    let ctx = ui.tenant().ok_or(AppError::NotFound)?;
    Ok(Redirect::permanent(&ctx.href("/agents/")).into_response())
}

pub async fn staff_home(staff: CurrentStaff, ui: Ui) -> Response {
    let modules: Vec<ModuleCard> = desks::open_modules(&staff)
        .into_iter()
        .map(|(module, access)| ModuleCard {
            href: staff
                .tenant
                .href(&format!("/agents/modules/{}", module.id())),
            label: module.label().to_owned(),
            role: access.label().to_owned(),
        })
        .collect();
    let name = staff.account.display_name.clone();
    ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <DashboardPage ctx greeting_name=name modules /> }
    })
}

pub async fn module_home(
    staff: CurrentStaff,
    ui: Ui,
    Path(module): Path<String>,
) -> Result<Response, AppError> {
    let module = Module::parse(&module).map_err(|_| AppError::NotFound)?;
    let desk = desks::FiguresDesk::open(&staff, module)?;
    let (summary, figures) = match crate::modules::part_of(module).and_then(|p| p.home.as_ref()) {
        Some(home) => (home.summary, (home.figures)(&desk).await?),
        // Modules still to be built say so.
        None => (
            match module {
                Module::Insertion => "Le suivi des bénéficiaires du RSA apparaîtra ici.",
                Module::Disability => "Les dossiers handicap apparaîtront ici.",
                _ => "Ce module apparaîtra ici.",
            },
            Vec::new(),
        ),
    };
    let label = module.label().to_owned();
    let role = desk.access().label().to_owned();
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <ModulePage ctx label role summary=summary.to_owned() figures /> }
    }))
}

pub async fn platform_home(State(state): State<AppState>, ui: Ui) -> Result<Response, AppError> {
    let departments = state
        .platform
        .list_tenants()
        .await?
        .into_iter()
        .filter(|t| t.status() == TenantStatus::Active)
        .map(|t| (t.name().to_owned(), format!("/{}/", t.slug())))
        .collect::<Vec<_>>();
    Ok(ui.render(StatusCode::OK, move |ctx| {
        view! { <PlatformHomePage ctx departments /> }
    }))
}

pub async fn health(State(state): State<AppState>) -> Response {
    use sea_orm::ConnectionTrait;
    match state.platform.db().execute_unprepared("SELECT 1").await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "base de données injoignable",
            )
                .into_response()
        }
    }
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
