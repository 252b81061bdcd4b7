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
use super::desks::{self, DeskAccess};
use super::security::CspNonce;
use super::{AppError, AppState, TenantCtx, csrf};
use crate::render::to_html;
use crate::staff::Role;
use tenants::Module;

pub struct Ui {
    state: AppState,
    nonce: Option<CspNonce>,
    /// A new form cookie to set (`Set-Cookie` value), for a visitor without a session.
    form_cookie: Option<String>,
    tenant: Option<TenantCtx>,
    csrf: String,
    staff: Option<StaffBar>,
    citizen: Option<CitizenBar>,
}

impl FromRequestParts<AppState> for Ui {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let tenant = parts.extensions.get::<TenantCtx>().cloned();
        // Read, never create: a session (a row in the platform store) starts at sign-in; until
        // then a visitor's form token comes from their form cookie (see `with_form_token`).
        let in_session = match parts.extensions.get::<Session>() {
            Some(session) => csrf::existing(session).await?,
            None => None,
        };
        let csrf = in_session
            .or_else(|| state.form_key.anonymous_token(&parts.headers))
            .unwrap_or_default();
        Ok(Self {
            state: state.clone(),
            nonce: parts.extensions.get::<CspNonce>().cloned(),
            form_cookie: None,
            tenant,
            csrf,
            staff: None,
            citizen: None,
        })
    }
}

impl Ui {
    /// Makes sure this page's forms carry a token: a visitor with neither a session nor a
    /// form cookie gets a form cookie, and no session row.
    pub fn with_form_token(mut self) -> Self {
        if self.csrf.is_empty() {
            let (cookie, token) = self.state.form_key.new_cookie(self.state.settings.https);
            self.form_cookie = Some(cookie);
            self.csrf = token;
        }
        self
    }

    /// On a public page: the citizen's menu when someone is signed in.
    pub fn with_citizen_if_signed_in(self, citizen: Result<CurrentCitizen, AppError>) -> Self {
        match citizen {
            Ok(citizen) => self.with_citizen(&citizen),
            Err(_) => self,
        }
    }

    /// Shows the signed-in staff member's menu in the header.
    pub fn with_staff(mut self, staff: &CurrentStaff) -> Self {
        let menu = StaffMenu::of(staff);
        let mut nav = vec![NavLink {
            href: staff.tenant.href("/agents/"),
            label: "Tableau de bord".into(),
            description: "",
        }];
        nav.extend(menu.modules.into_iter().flat_map(|m| m.links));
        nav.extend(menu.admin);
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
        // A page sent back with what is wrong (a form's mistakes, a refused sign-in).
        ctx.refused = status.is_client_error();
        let nonce = self.nonce.as_ref().map(CspNonce::as_str);
        let mut response = (status, Html(to_html(nonce, move || page(ctx)))).into_response();
        if let Some(cookie) = self
            .form_cookie
            .and_then(|c| axum::http::HeaderValue::from_str(&c).ok())
        {
            response
                .headers_mut()
                .append(axum::http::header::SET_COOKIE, cookie);
        }
        response
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
        stylesheet: state.settings.assets.stylesheet_href(),
        tenant: tenant.map(|t| TenantBrand {
            name: t.tenant.name().to_owned(),
            base: t.base.clone(),
            logo_url: t
                .look
                .has_logo
                .then(|| t.href(&format!("/logo.png?v={}", t.look.version))),
            stylesheet: t.href(&format!("/apparence.css?v={}", t.look.version)),
        }),
        staff,
        citizen: None,
        csrf,
        refused: false,
    }
}

/// What a staff member may open: the modules in service where they hold a role, with their
/// pages, and the department's administration for an administrator. The header's menu and the
/// staff home are both drawn from it, so neither offers what the other hides.
pub struct StaffMenu {
    pub modules: Vec<OpenModule>,
    /// Modules the staff member has a role in that are not built yet: named, never linked.
    pub coming: Vec<Module>,
    pub admin: Vec<NavLink>,
}

pub struct OpenModule {
    pub module: Module,
    pub access: DeskAccess,
    pub links: Vec<NavLink>,
    /// Pages opened now and then, listed on the staff home only: the header stays short, so
    /// that a list below it starts high on the screen.
    pub home_links: Vec<NavLink>,
}

impl StaffMenu {
    pub fn of(staff: &CurrentStaff) -> Self {
        let ctx = &staff.tenant;
        let mut modules = Vec::new();
        let mut coming = Vec::new();
        for (module, access) in desks::open_modules(staff) {
            match crate::modules::part_of(module) {
                Some(part) => {
                    let mut links = (part.staff_nav)(ctx, access);
                    // A supervisor reads the module's figures among its pages.
                    if access == DeskAccess::Supervisor && part.indicators.is_some() {
                        links.push(NavLink {
                            href: ctx.href(&format!("/agents/statistiques/{}", module.id())),
                            label: format!("Statistiques — {}", module.label()),
                            description: "Les indicateurs du module par mois, en graphiques et en tableaux à télécharger.",
                        });
                    }
                    // Those who work on its files see the situations its rules find.
                    let mut home_links = Vec::new();
                    if matches!(access, DeskAccess::Worker(_))
                        && part.indicators.is_some_and(|i| !i.signals.is_empty())
                    {
                        home_links.push(NavLink {
                            href: ctx.href(&format!("/agents/reperage/{}", module.id())),
                            label: format!("Repérage — {}", module.label()),
                            description: "Les situations où un contact peut aider, selon les règles choisies par le département.",
                        });
                    }
                    modules.push(OpenModule {
                        module,
                        access,
                        links,
                        home_links,
                    });
                }
                None => coming.push(module),
            }
        }
        let mut admin = Vec::new();
        if staff.account.has_role(Role::Admin) {
            let link = |href: &str, label: &str, description| NavLink {
                href: ctx.href(href),
                label: label.into(),
                description,
            };
            admin.push(link(
                "/agents/admin/comptes",
                "Agents",
                "Créer les comptes, choisir les rôles, envoyer un lien, désactiver un compte.",
            ));
            admin.push(link(
                "/agents/admin/identite",
                "Connexion des agents",
                "ProConnect, SIRET du département, rôles qui exigent la double authentification.",
            ));
            for part in crate::modules::PARTS {
                if part.module.is_none_or(|m| ctx.tenant.has_module(m)) {
                    admin.extend((part.admin_nav)(ctx));
                }
            }
            admin.push(link(
                "/agents/admin/apparence",
                "Apparence du département",
                "Le logo et la couleur du département, sur chaque page et chaque courrier.",
            ));
            admin.push(link(
                "/agents/admin/journal",
                "Journal d'audit",
                "Qui a fait quoi, quand et pourquoi, sur quel dossier.",
            ));
        }
        Self {
            modules,
            coming,
            admin,
        }
    }
}
