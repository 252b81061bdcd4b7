//! The HTTP side: one axum router per kind of request (a department's pages, the platform's
//! own pages), chosen by [`dispatch::dispatch`] once the tenant is resolved.

mod admin;
mod aids;
mod auth;
mod citizen;
mod csrf;
pub mod desks;
mod dispatch;
mod error;
mod filing;
mod form;
mod instruction;
mod mandates;
mod national;
mod pages;
mod ui;
mod user_relations;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use leptos::config::LeptosOptions;
use tenants::{Platform, Tenant};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use auth::CurrentStaff;
pub use citizen::CurrentCitizen;
pub use error::AppError;

use crate::session_store::DbSessionStore;
use crate::throttle::ThrottlePolicy;

/// Settings of the HTTP side.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// `<slug>.<base domain>` reaches a department.
    pub base_domain: String,
    pub leptos: LeptosOptions,
    /// Where `/pkg` files (CSS, JS, WebAssembly) are served from.
    pub site_root: PathBuf,
    pub session_idle: Duration,
    /// Send cookies with `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (behind a trusted proxy).
    pub trust_forwarded_for: bool,
    pub throttle: ThrottlePolicy,
}

/// Shared by every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub platform: Platform,
    pub settings: Arc<HttpSettings>,
    /// Signed-in staff accounts, briefly cached (see `staff::AccountCache`).
    pub accounts: Arc<crate::staff::AccountCache>,
    /// Where mail goes; handlers queue mail in the tenant's outbox, workers send it.
    pub mailer: crate::mail::Mailer,
    /// The FranceConnect client, when configured.
    pub franceconnect: Option<Arc<crate::franceconnect::FranceConnect>>,
    /// The API Particulier client, when configured (one rate limiter for every caller).
    pub national_api: crate::jobs::NationalApi,
}

/// The tenant of this request, as resolved by [`dispatch::dispatch`].
#[derive(Clone, Debug)]
pub struct TenantCtx {
    pub tenant: Tenant,
    /// `/demo` when reached by path prefix, empty when reached by host.
    pub base: String,
}

impl TenantCtx {
    pub fn href(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// An id from the path; anything else is a page that does not exist.
fn parse_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

/// The catalogue and requests exist only in departments subscribed to the aid-requests module.
fn aid_requests_subscribed(tenant: &TenantCtx) -> Result<(), AppError> {
    if tenant.tenant.has_module(tenants::Module::AidRequests) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Builds the whole application.
pub fn router(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.platform.db().clone()))
        .with_name("guichet_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(
            time::Duration::try_from(state.settings.session_idle)
                .unwrap_or(time::Duration::minutes(30)),
        ));

    let tenant_routes = Router::new()
        .route("/", get(pages::department_home))
        .route(
            "/connexion",
            get(citizen::login_page).post(citizen::local_login),
        )
        .route(
            "/inscription",
            get(citizen::sign_up_page).post(citizen::sign_up),
        )
        .route(
            "/inscription/confirmer",
            get(citizen::confirm_page).post(citizen::confirm),
        )
        .route(
            "/mot-de-passe-oublie",
            get(citizen::forgot_page).post(citizen::forgot),
        )
        .route(
            "/mot-de-passe/nouveau",
            get(citizen::new_password_page).post(citizen::new_password),
        )
        .route(
            "/connexion/franceconnect",
            get(citizen::franceconnect_start),
        )
        .route(
            "/connexion/franceconnect/retour",
            get(citizen::franceconnect_return),
        )
        .route("/deconnexion", post(citizen::logout))
        .route("/deconnexion/terminee", get(citizen::signed_out))
        .route("/mon-espace", get(citizen::space))
        .route("/mon-espace/donnees", get(national::my_data))
        .route("/mon-espace/journal", get(user_relations::access_journal))
        .route(
            "/mon-espace/coordonnees",
            get(user_relations::my_details).post(user_relations::save_my_details),
        )
        .route(
            "/mon-espace/coordonnees/foyer",
            post(user_relations::add_household_member),
        )
        .route(
            "/mon-espace/coordonnees/foyer/{id}/retirer",
            post(user_relations::remove_household_member),
        )
        .route(
            "/mon-espace/mes-informations",
            get(user_relations::my_information),
        )
        .route(
            "/mon-espace/mes-informations.json",
            get(user_relations::my_information_file),
        )
        .route(
            "/mon-espace/rendez-vous",
            get(user_relations::my_appointments).post(user_relations::citizen_book),
        )
        .route(
            "/mon-espace/rendez-vous/{id}/annuler",
            post(user_relations::citizen_cancel),
        )
        .route(
            "/mon-espace/messages",
            get(user_relations::my_messages).post(user_relations::write_to_department),
        )
        .route(
            "/mon-espace/messages/{id}",
            get(user_relations::my_thread).post(user_relations::citizen_reply),
        )
        .route(
            "/mon-espace/donnees/accords/{id}/retirer",
            post(national::withdraw),
        )
        .route("/mon-espace/mandats", get(mandates::my_mandates))
        .route("/mon-espace/mandats/{id}/revoquer", post(mandates::revoke))
        .route("/agents", get(pages::to_staff_home))
        .route("/agents/", get(pages::staff_home))
        .route("/agents/connexion", get(auth::login_page).post(auth::login))
        .route("/agents/deconnexion", post(auth::logout))
        .route("/agents/modules/{module}", get(pages::module_home))
        .route("/agents/usagers", get(user_relations::search))
        .route(
            "/agents/usagers/nouveau",
            get(user_relations::new_record_form).post(user_relations::create_record),
        )
        .route("/agents/usagers/{id}", get(user_relations::record))
        .route(
            "/agents/usagers/{id}/contacts",
            post(user_relations::log_contact),
        )
        .route("/agents/usagers/{id}/relance", post(user_relations::remind))
        .route(
            "/agents/usagers/{id}/fusionner/{absorbed}",
            post(user_relations::merge_records),
        )
        .route(
            "/agents/usagers/{id}/acces-elargi",
            get(user_relations::wider_access_form).post(user_relations::wider_access),
        )
        .route(
            "/agents/usagers/{id}/messages",
            post(user_relations::staff_write),
        )
        .route(
            "/agents/usagers/{id}/mandats/nouveau",
            get(mandates::new_mandate_form),
        )
        .route(
            "/agents/usagers/{id}/mandats",
            post(mandates::record_mandate),
        )
        .route("/agents/mandats/{id}", get(mandates::mandate_page))
        .route(
            "/agents/mandats/{id}/courrier",
            get(mandates::mandate_letter),
        )
        .route("/agents/mandats/{id}/fin", post(mandates::end_mandate))
        .route(
            "/agents/mandats/{id}/aides/{slug}",
            post(filing::assisted_start),
        )
        .route(
            "/agents/mandats/{id}/demandes/{request}/etape/{step}",
            get(filing::assisted_step_page)
                .post(filing::assisted_save_step)
                .layer(axum::extract::DefaultBodyLimit::max(
                    csrf::MAX_MULTIPART_BYTES,
                )),
        )
        .route(
            "/agents/mandats/{id}/demandes/{request}/recapitulatif",
            get(filing::assisted_review),
        )
        .route(
            "/agents/mandats/{id}/demandes/{request}/deposer",
            post(filing::assisted_submit),
        )
        .route("/agents/messages", get(user_relations::staff_inbox))
        .route(
            "/agents/rendez-vous",
            get(user_relations::staff_appointments).post(user_relations::publish_slots),
        )
        .route(
            "/agents/rendez-vous/{id}/presence",
            post(user_relations::record_attendance),
        )
        .route(
            "/agents/usagers/{id}/rendez-vous",
            post(user_relations::staff_book),
        )
        .route(
            "/agents/messages/{id}",
            get(user_relations::staff_thread).post(user_relations::staff_reply),
        )
        .route(
            "/agents/messages/{thread}/pieces/{doc}",
            get(user_relations::staff_piece),
        )
        .route("/agents/demandes", get(instruction::queue_page))
        .route("/agents/demandes/export", post(instruction::export_start))
        .route(
            "/agents/demandes/export/{id}",
            get(instruction::export_page),
        )
        .route(
            "/agents/demandes/export/{id}/etat",
            get(instruction::export_state),
        )
        .route(
            "/agents/demandes/export/{id}/fichier",
            get(instruction::export_file),
        )
        .route("/agents/demandes/{id}", get(instruction::request_page))
        .route("/agents/demandes/{id}/attribuer", post(instruction::assign))
        .route("/agents/demandes/{id}/decider", post(instruction::decide))
        .route("/agents/demandes/{id}/complement", post(instruction::ask))
        .route(
            "/agents/demandes/{id}/donnees/actualiser",
            post(instruction::refresh_national_data),
        )
        .route(
            "/agents/demandes/{id}/donnees/accord",
            post(instruction::record_consent),
        )
        .route(
            "/agents/demandes/{id}/documents/{doc}",
            get(instruction::request_document),
        )
        .route("/agents/admin/comptes", get(admin::staff_list))
        .route(
            "/agents/admin/comptes/nouveau",
            get(admin::new_staff_form).post(admin::create_staff),
        )
        .route(
            "/agents/admin/comptes/{id}",
            get(admin::edit_staff_form).post(admin::update_staff),
        )
        .route("/agents/admin/journal", get(admin::audit_journal))
        .route("/agents/admin/aides", get(aids::admin_list))
        .route(
            "/agents/admin/aides/nouvelle",
            get(aids::new_aid_form).post(aids::create_aid),
        )
        .route(
            "/agents/admin/aides/{id}",
            get(aids::edit_aid_form).post(aids::update_aid),
        )
        .route(
            "/agents/admin/aides/{id}/questions",
            post(aids::add_question),
        )
        .route(
            "/agents/admin/aides/{id}/questions/{key}/retirer",
            post(aids::remove_question),
        )
        .route("/aides", get(aids::catalogue))
        .route("/aides/{slug}", get(aids::aid_page))
        .route("/aides/{slug}/demander", get(filing::start))
        .route("/demandes/{id}", get(filing::request_page))
        .route(
            "/demandes/{id}/etape/{step}",
            get(filing::step_page).post(filing::save_step).layer(
                axum::extract::DefaultBodyLimit::max(csrf::MAX_MULTIPART_BYTES),
            ),
        )
        .route("/documents/{id}", get(filing::own_document))
        .route(
            "/demandes/{id}/donnees",
            get(national::consent_page).post(national::consent_save),
        )
        .route("/demandes/{id}/recapitulatif", get(filing::review))
        .route("/demandes/{id}/deposer", post(filing::submit))
        .route("/demandes/{id}/courrier", get(filing::letter))
        .route("/demandes/{id}/complement", post(filing::answer))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(csrf::verify_form_token))
        .layer(sessions.clone())
        .with_state(state.clone());

    let platform_routes = Router::new()
        .route("/", get(pages::platform_home))
        .route("/sante", get(pages::health))
        .fallback(pages::not_found)
        .with_state(state.clone());

    let pkg_dir = state
        .settings
        .site_root
        .join(state.settings.leptos.site_pkg_dir.as_ref());

    Router::new()
        .nest_service("/pkg", ServeDir::new(pkg_dir))
        .fallback(dispatch::dispatch)
        .with_state(dispatch::Routers {
            state,
            tenant: tenant_routes,
            platform: platform_routes,
        })
        // Pages and the WebAssembly shrink 3 to 5 times: it matters on slow links.
        .layer(CompressionLayer::new())
}
