//! The HTTP side: one axum router per kind of request (a department's pages, the platform's
//! own pages), chosen by [`dispatch::dispatch`] once the tenant is resolved.

pub mod admin;
pub mod assets;
pub mod auth;
pub mod brand;
pub mod citizen;
pub mod client_address;
pub mod csrf;
pub mod desks;
mod dispatch;
mod error;
pub mod form;
pub mod identity_policy;
pub mod pages;
pub mod proconnect;
pub mod return_to;
pub mod second_factor;
pub mod security;
pub mod staff_password;
pub mod ui;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::config::LeptosOptions;
use tenants::{Platform, Tenant};

use crate::oidc::simulator_kit::ClientReturns;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
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
    /// Their names in this build.
    pub assets: assets::SiteAssets,
    pub session_idle: Duration,
    pub session_lifetime: SessionLifetime,
    /// Served over HTTPS (the public address says so): `Secure` cookies, HSTS, https links.
    pub https: bool,
    /// Requests served at once by this node; more wait their turn.
    pub max_concurrent_requests: usize,
    /// Statistical secrecy's threshold for every figure shown or downloaded.
    pub statistics_threshold: u64,
    /// How long sent mail stays in the outboxes (the housekeeping job purges it).
    pub sent_mail_kept: Duration,
    /// The identity providers' origins a sign-out may be redirected to (see `security`).
    pub csp_form_targets: String,
    /// Take the client address from `X-Forwarded-For` (behind a trusted proxy).
    /// The proxies in front, whose forwarding headers say who the client is.
    pub trusted_proxies: client_address::TrustedProxies,
    pub throttle: ThrottlePolicy,
}

/// How long a session lasts at most after its sign-in, however active: a stolen or forgotten
/// session does not live for ever.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLifetime {
    pub staff: Duration,
    pub citizen: Duration,
}

impl Default for SessionLifetime {
    fn default() -> Self {
        Self {
            staff: Duration::from_secs(12 * 3600),
            citizen: Duration::from_secs(24 * 3600),
        }
    }
}

impl SessionLifetime {
    /// Whether a session signed in at `signed_in_at` (Unix seconds) has outlived `lifetime`.
    pub(crate) fn is_over(lifetime: Duration, signed_in_at: i64) -> bool {
        chrono::Utc::now().timestamp() - signed_in_at >= lifetime.as_secs() as i64
    }
}

/// Shared by every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub platform: Platform,
    pub settings: Arc<HttpSettings>,
    /// Signed-in staff accounts, briefly cached (see `staff::AccountCache`).
    pub accounts: Arc<crate::staff::AccountCache>,
    /// Departments' aid titles, briefly cached (the instructors' queue names each row's aid).
    pub aid_titles: Arc<crate::aid_requests::catalogue::AidTitles>,
    /// Where mail goes; handlers queue mail in the tenant's outbox, workers send it.
    pub mailer: crate::mail::Mailer,
    /// Departments' looks, briefly cached (every page draws one).
    pub looks: Arc<crate::brand::LookCache>,
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
    /// Signs the form tokens of visitors who have no session yet.
    pub form_key: csrf::FormKey,
    /// The last readiness answer, briefly kept (`/sante`).
    pub readiness: Arc<pages::Readiness>,
}

/// The tenant of this request, as resolved by [`dispatch::dispatch`].
#[derive(Clone, Debug)]
pub struct TenantCtx {
    pub tenant: Tenant,
    /// `/demo` when reached by path prefix, empty when reached by host.
    pub base: String,
    /// Its colour and logo, as every page draws them.
    pub look: Arc<crate::brand::Look>,
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

/// A PDF letter as a download named `file_name`.
pub fn pdf_attachment(file_name: &str, pdf: Vec<u8>) -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        pdf,
    )
        .into_response()
}

pub fn parse_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

/// A document as a download, never rendered inline (it came from outside).
/// How a document is sent: to save, or to show inside the page that asked (`?apercu=oui`, for
/// the PDF and images a page previews).
#[derive(Clone, Copy, Debug, Default, serde::Deserialize)]
pub struct DocumentView {
    #[serde(
        default,
        rename = "apercu",
        deserialize_with = "app::validation::checkbox"
    )]
    pub preview: bool,
}

/// A file name as a `Content-Disposition` may carry it: ASCII letters, digits, `.-_`.
fn safe_file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Bytes kept outside the documents (a sealed medical piece, opened) as an attachment to save.
pub fn file_attachment(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", safe_file_name(name)),
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

/// A document's answer, as an attachment to save.
pub fn document_response(doc: &crate::documents::Document, bytes: Vec<u8>) -> Response {
    document_answer(doc, bytes, DocumentView::default())
}

/// A document's answer: to save, or inline for a preview, which only this origin's pages may
/// frame and which runs nothing (`security::PREVIEW_POLICY`).
pub fn document_answer(
    doc: &crate::documents::Document,
    bytes: Vec<u8>,
    view: DocumentView,
) -> Response {
    let name = safe_file_name(&doc.filename);
    let disposition = if view.preview { "inline" } else { "attachment" };
    let mut response = (
        [
            (axum::http::header::CONTENT_TYPE, doc.content_type.clone()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{name}\""),
            ),
            (
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                "nosniff".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response();
    if view.preview {
        let headers = response.headers_mut();
        let policy = match doc.content_type.as_str() {
            "application/pdf" => security::PDF_PREVIEW_POLICY,
            _ => security::PREVIEW_POLICY,
        };
        headers.insert(
            axum::http::header::CONTENT_SECURITY_POLICY,
            axum::http::HeaderValue::from_static(policy),
        );
        headers.insert(
            axum::http::header::X_FRAME_OPTIONS,
            axum::http::HeaderValue::from_static("SAMEORIGIN"),
        );
    }
    response
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

/// The longest a request may take, its body included (16 MB at 1 Mbit/s takes about 130 s).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(200);

/// Builds the whole application.
pub fn router(state: AppState) -> Router {
    let state_limits = state.settings.clone();
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.platform.db().clone()))
        .with_name("guichet_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.https)
        .with_expiry(Expiry::OnInactivity(
            time::Duration::try_from(state.settings.session_idle)
                .unwrap_or(time::Duration::minutes(30)),
        ));

    let tenant_routes = crate::modules::router()
        .route_layer(axum::middleware::from_fn(crate::metrics::track))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.form_key.clone(),
            csrf::verify_form_token,
        ))
        .layer(sessions.clone())
        .with_state(state.clone());

    let platform_routes = Router::new()
        .route("/", get(pages::platform_home))
        .route("/sante", get(pages::readiness))
        .route("/sante/vie", get(pages::liveness))
        .route_layer(axum::middleware::from_fn(crate::metrics::track))
        .fallback(pages::not_found)
        .with_state(state.clone());

    let static_files = state.settings.assets.service(&state.settings.site_root);

    Router::new()
        .nest_service(&format!("/{}", assets::PKG_DIR), static_files)
        .fallback(dispatch::dispatch)
        .with_state(dispatch::Routers {
            state,
            tenant: tenant_routes,
            platform: platform_routes,
        })
        // Pages and the WebAssembly shrink 3 to 5 times: it matters on slow links.
        .layer(CompressionLayer::new())
        // Backstops: no request holds a worker for ever (bodies have their own, shorter limits
        // in `csrf`), and a flood waits its turn instead of exhausting memory.
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(GlobalConcurrencyLimitLayer::new(
            state_limits.max_concurrent_requests,
        ))
}

/// The addresses FranceConnect and ProConnect send a department's people back to, after
/// sign-in and after logout, when it is served under `base` (`https://guichet.example.fr`):
/// what its operator declares to each service, and what the simulators accept.
pub fn identity_return_uris(base: &str, slug: &str) -> (ClientReturns, ClientReturns) {
    let department = format!("{}/{slug}", base.trim_end_matches('/'));
    let under = |path: &str| format!("{department}{path}");
    (
        ClientReturns {
            redirect: under(citizen::FRANCECONNECT_RETURN_PATH),
            post_logout: under(citizen::SIGNED_OUT_PATH),
        },
        ClientReturns {
            redirect: under(proconnect::RETURN_PATH),
            post_logout: under(proconnect::SIGNED_OUT_PATH),
        },
    )
}
