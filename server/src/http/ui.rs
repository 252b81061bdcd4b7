//! Rendering pages: the [`Ui`] extractor gathers what the layout needs (department, form
//! token, signed-in staff) so handlers only supply the page's own data.

use app::{CitizenBar, NavLink, PageContext, StaffBar, TenantBrand};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::IntoView;
use tower_sessions::Session;

use super::auth::CurrentStaff;
use super::citizen::CurrentCitizen;
use super::desks;
use super::{AppError, AppState, TenantCtx, csrf};
use crate::render::to_html;
use crate::staff::Role;

pub struct Ui {
    state: AppState,
    tenant: Option<TenantCtx>,
    csrf: String,
    staff: Option<StaffBar>,
    citizen: Option<CitizenBar>,
}

impl FromRequestParts<AppState> for Ui {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let tenant = parts.extensions.get::<TenantCtx>().cloned();
        // Read, never create: a session (a row in the platform store) is made only where a form
        // needs one — the sign-in page, see `with_form_token` — not for every anonymous visit.
        let csrf = match parts.extensions.get::<Session>() {
            Some(session) => csrf::existing(session).await?.unwrap_or_default(),
            None => String::new(),
        };
        Ok(Self {
            state: state.clone(),
            tenant,
            csrf,
            staff: None,
            citizen: None,
        })
    }
}

impl Ui {
    /// Makes sure this page's forms carry a token, creating the session if needed.
    pub async fn with_form_token(mut self, session: &Session) -> Result<Self, AppError> {
        if self.csrf.is_empty() {
            self.csrf = csrf::token(session).await?;
        }
        Ok(self)
    }

    /// Shows the signed-in staff member's menu in the header.
    pub fn with_staff(mut self, staff: &CurrentStaff) -> Self {
        let ctx = &staff.tenant;
        let mut nav = vec![NavLink {
            href: ctx.href("/agents/"),
            label: "Tableau de bord".into(),
        }];
        for (module, access) in desks::open_modules(staff) {
            match crate::modules::part_of(module) {
                Some(part) => nav.extend((part.staff_nav)(ctx, access)),
                // A module not built yet opens on its page, which says so.
                None => nav.push(NavLink {
                    href: ctx.href(&format!("/agents/modules/{}", module.id())),
                    label: module.label().into(),
                }),
            }
        }
        if staff.account.has_role(Role::Admin) {
            nav.push(NavLink {
                href: ctx.href("/agents/admin/comptes"),
                label: "Agents".into(),
            });
            nav.push(NavLink {
                href: ctx.href("/agents/admin/identite"),
                label: "Connexion des agents".into(),
            });
            for part in crate::modules::PARTS {
                if part.module.is_none_or(|m| ctx.tenant.has_module(m)) {
                    nav.extend((part.admin_nav)(ctx));
                }
            }
            nav.push(NavLink {
                href: ctx.href("/agents/admin/journal"),
                label: "Journal d'audit".into(),
            });
        }
        self.staff = Some(StaffBar {
            display_name: staff.account.display_name.clone(),
            nav,
        });
        self
    }

    /// Shows the signed-in citizen's menu in the header.
    pub fn with_citizen(mut self, citizen: &CurrentCitizen) -> Self {
        self.citizen = Some(CitizenBar {
            display_name: citizen.citizen.display_name(),
        });
        self
    }

    pub fn render<V: IntoView + 'static>(
        self,
        status: StatusCode,
        page: impl FnOnce(PageContext) -> V,
    ) -> Response {
        let mut ctx = page_context(&self.state, self.tenant.as_ref(), self.staff, self.csrf);
        ctx.citizen = self.citizen;
        (status, Html(to_html(move || page(ctx)))).into_response()
    }

    pub fn tenant(&self) -> Option<&TenantCtx> {
        self.tenant.as_ref()
    }
}

pub fn page_context(
    state: &AppState,
    tenant: Option<&TenantCtx>,
    staff: Option<StaffBar>,
    csrf: String,
) -> PageContext {
    PageContext {
        options: state.settings.leptos.clone(),
        tenant: tenant.map(|t| TenantBrand {
            name: t.tenant.name().to_owned(),
            base: t.base.clone(),
            logo_url: None,
        }),
        staff,
        citizen: None,
        csrf,
    }
}
