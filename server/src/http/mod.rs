//! The HTTP side: one axum router per kind of request (a department's pages, the platform's
//! own pages), chosen by [`dispatch::dispatch`] once the tenant is resolved.

pub mod admin;
pub mod auth;
pub mod citizen;
pub mod csrf;
pub mod desks;
mod dispatch;
mod error;
pub mod form;
pub mod identity_policy;
pub mod pages;
pub mod proconnect;
pub mod second_factor;
pub mod ui;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
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
    /// Departments' staff identity policies, briefly cached (every staff request reads one).
    pub policies: Arc<crate::staff::PolicyCache>,
    /// The FranceConnect client, when configured.
    pub franceconnect: Option<Arc<crate::franceconnect::FranceConnect>>,
    /// The ProConnect client (staff), when configured.
    pub proconnect: Option<Arc<crate::proconnect::ProConnect>>,
    /// The API Particulier client, when configured (one rate limiter for every caller).
    pub national_api: crate::national::jobs::NationalApi,
    /// Seals and opens staff's second-factor secrets.
    pub seal_key: crate::staff::second_factor::SealKey,
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
/// The department a request is for (set by dispatch) and its session, for the sign-in
/// extractors.
fn tenant_and_session(
    parts: &axum::http::request::Parts,
) -> Result<(TenantCtx, tower_sessions::Session), AppError> {
    let tenant = parts
        .extensions
        .get::<TenantCtx>()
        .cloned()
        .ok_or(AppError::NotFound)?;
    let session = parts
        .extensions
        .get::<tower_sessions::Session>()
        .cloned()
        .ok_or_else(|| AppError::Internal("session layer missing".into()))?;
    Ok((tenant, session))
}

pub fn parse_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

/// A document as a download, never rendered inline (it came from outside).
pub fn document_response(doc: &crate::documents::Document, bytes: Vec<u8>) -> Response {
    let name: String = doc
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (axum::http::header::CONTENT_TYPE, doc.content_type.clone()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                "nosniff".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A module's routes answer 404 in a department that has not subscribed to it (see
/// `modules::Routes`).
pub async fn require_module(
    module: tenants::Module,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let subscribed = req
        .extensions()
        .get::<TenantCtx>()
        .is_some_and(|ctx| ctx.tenant.has_module(module));
    if subscribed {
        next.run(req).await
    } else {
        AppError::NotFound.into_response()
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

    let tenant_routes = crate::modules::router()
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
