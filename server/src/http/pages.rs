//! Home pages, module entry pages, health and not-found.

use app::NavLink;
use app::pages::home::{
    DashboardPage, DepartmentHomePage, HomeLink, HomeSection, ModulePage, PlatformHomePage,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use tenants::{Module, TenantStatus};

use super::desks;
use super::ui::{StaffMenu, Ui};
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

/// The staff home: each module in service open to the staff member, with their role and its
/// pages, then the department's administration for an administrator (see `ui::StaffMenu`).
pub async fn staff_home(staff: CurrentStaff, ui: Ui) -> Response {
    let menu = StaffMenu::of(&staff);
    let mut sections: Vec<HomeSection> = menu
        .modules
        .into_iter()
        .map(|open| HomeSection {
            heading: open.module.label().to_owned(),
            role: Some(open.access.label().to_owned()),
            links: open
                .links
                .into_iter()
                .chain(open.home_links)
                .map(described)
                .collect(),
        })
        .collect();
    if !menu.admin.is_empty() {
        sections.push(HomeSection {
            heading: "Administration du département".to_owned(),
            role: None,
            links: menu.admin.into_iter().map(described).collect(),
        });
    }
    let coming = menu
        .coming
        .iter()
        .map(|m| format!("« {} »", m.label()))
        .collect();
    let name = staff.account.display_name.clone();
    ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <DashboardPage ctx greeting_name=name sections coming /> }
    })
}

/// A menu entry as a card of the home.
fn described(link: NavLink) -> HomeLink {
    HomeLink {
        href: link.href,
        label: link.label,
        description: (!link.description.is_empty()).then(|| link.description.to_owned()),
    }
}

pub async fn module_home(
    staff: CurrentStaff,
    ui: Ui,
    Path(module): Path<String>,
) -> Result<Response, AppError> {
    let module = Module::parse(&module).map_err(|_| AppError::NotFound)?;
    let desk = desks::FiguresDesk::open(&staff, module)?;
    // A module not in service has no page: nothing links to one.
    let part = crate::modules::part_of(module).ok_or(AppError::NotFound)?;
    let home = part.home.as_ref().ok_or(AppError::NotFound)?;
    let figures = (home.figures)(&desk).await?;
    let own_page = staff
        .tenant
        .href(&format!("/agents/modules/{}", module.id()));
    let links = (part.staff_nav)(&staff.tenant, desk.access())
        .into_iter()
        .filter(|l| l.href != own_page)
        .map(described)
        .collect();
    let label = module.label().to_owned();
    let role = desk.access().label().to_owned();
    let summary = home.summary.to_owned();
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <ModulePage ctx label role summary figures links /> }
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

/// `GET /sante`, readiness: every store answers and is migrated to this build's level, so a
/// load balancer may send this instance traffic (503 and the reason, in counts, otherwise:
/// `{"pret": false, "raison": "…"}`).
pub async fn readiness(State(state): State<AppState>) -> Response {
    // JSON, for programs: a plain-text refusal would be turned into a page for people.
    match state.readiness.answer(&state.platform).await {
        Ok(()) => axum::Json(serde_json::json!({ "pret": true })).into_response(),
        Err(reason) => {
            let body = serde_json::json!({ "pret": false, "raison": reason });
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
        }
    }
}

/// Readiness asks every department's store; on the public address, a flood of probes would
/// cost as many rounds. The answer is kept [`Readiness::KEPT`], and probes arriving while it is
/// being found wait for that one answer.
#[derive(Debug, Default)]
pub struct Readiness(tokio::sync::Mutex<Option<(std::time::Instant, Result<(), String>)>>);

impl Readiness {
    const KEPT: std::time::Duration = std::time::Duration::from_secs(1);

    async fn answer(&self, platform: &tenants::Platform) -> Result<(), String> {
        let mut last = self.0.lock().await;
        if let Some((at, answer)) = last.as_ref()
            && at.elapsed() < Self::KEPT
        {
            return answer.clone();
        }
        let answer = platform.readiness().await.map_err(|reason| {
            tracing::warn!(%reason, "not ready");
            reason.to_string()
        });
        *last = Some((std::time::Instant::now(), answer.clone()));
        answer
    }
}

/// `GET /sante/vie`, liveness: the process answers; nothing else is asked, so a store that is
/// down does not get every instance restarted.
pub async fn liveness() -> &'static str {
    "ok"
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
