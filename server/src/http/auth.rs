//! Staff sign-in and sign-out, and the [`CurrentStaff`] extractor.

use std::net::{IpAddr, SocketAddr};

use app::pages::auth::LoginPage;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use tenants::Module;
use tower_sessions::Session;

use super::form::{Form, SignInForm};
use super::ui::Ui;
use super::{AppError, AppState, TenantCtx, csrf};
use crate::audit;
use crate::staff::{self, Email, StaffAccount};
use crate::throttle::{self, LoginKeys};

pub(super) use crate::session_store::{STAFF_KEY, STAFF_PENDING_KEY as PENDING_KEY};

/// Where a staff member whose roles need a second factor, and who has none, is sent.
pub(super) const ENROL_PATH: &str = "/agents/securite/double-facteur";

/// Who is signed in, in which tenant, and how. Kept in the session.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct StaffSessionData {
    pub tenant_id: i64,
    pub staff_id: i64,
    /// A second factor was passed: an app's code, a recovery code, or ProConnect's `mfa`.
    #[serde(default)]
    pub second_factor: bool,
    /// The ProConnect id_token, kept to end that session too at sign-out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proconnect_id_token: Option<String>,
    /// When the first factor was passed (Unix seconds): the session ends a fixed time after,
    /// however active. A session from before this field reads 0, long over.
    #[serde(default)]
    pub signed_in_at: i64,
}

impl StaffSessionData {
    pub fn new(tenant: &TenantCtx, account: &StaffAccount) -> Self {
        Self {
            tenant_id: tenant.tenant.id(),
            staff_id: account.id,
            signed_in_at: chrono::Utc::now().timestamp(),
            ..Self::default()
        }
    }
}

/// The staff member signed in to the department of this request. Obtaining one proves it:
/// a session of another department, or of a removed or deactivated account, is refused.
#[derive(Clone, Debug)]
pub struct CurrentStaff {
    pub tenant: TenantCtx,
    pub account: StaffAccount,
}

impl CurrentStaff {
    /// Records an entry in the department's audit journal in this staff member's name.
    pub async fn audit(&self, action: &str, subject: &str, reason: &str) -> Result<(), AppError> {
        self.record(action, subject, reason, None).await
    }

    /// Journals a read of a citizen's file outside a module's desk: only the named wider
    /// access does (another module's worker reads a record, journaled under their module with
    /// the reason they gave). Every other entry about a file goes through a desk.
    pub async fn audit_file_under_wider_access(
        &self,
        module: Module,
        citizen_id: i64,
        action: &str,
        subject: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        self.record(action, subject, reason, Some((module, citizen_id)))
            .await
    }

    async fn record(
        &self,
        action: &str,
        subject: &str,
        reason: &str,
        file: Option<(Module, i64)>,
    ) -> Result<(), AppError> {
        audit::record(
            &self.tenant.tenant,
            crate::staff::desk::event(&self.account, action, subject, reason, file),
        )
        .await?;
        Ok(())
    }
}

/// A staff member signed in to this department, before the second-factor rule: what the
/// enrolment pages and sign-out take, as someone led to enrol must reach them.
pub struct SignedInStaff {
    pub staff: CurrentStaff,
    /// Whether they passed a second factor in this session.
    pub second_factor: bool,
    /// Whether their roles, in this department, need one.
    pub second_factor_required: bool,
}

impl FromRequestParts<AppState> for SignedInStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (tenant, session) = super::tenant_and_session(parts)?;
        let login_href = tenant.href("/agents/connexion");
        let Some(data) = session.get::<StaffSessionData>(STAFF_KEY).await? else {
            return Err(AppError::SignInRequired { login_href });
        };
        if data.tenant_id != tenant.tenant.id() {
            // A session opened in another department: never good here.
            return Err(AppError::Forbidden);
        }
        let account = state
            .accounts
            .get(&state.platform, &tenant.tenant, data.staff_id)
            .await?;
        let lifetime = state.settings.session_lifetime.staff;
        let over = super::SessionLifetime::is_over(lifetime, data.signed_in_at);
        let Some(account) = account.filter(|a| a.active && !over) else {
            session.flush().await?;
            return Err(AppError::SignInRequired { login_href });
        };
        keep_alive(&session, state.settings.session_idle).await?;
        let policy = state.policies.get(&state.platform, &tenant.tenant).await?;
        Ok(Self {
            second_factor_required: policy.requires_second_factor(&account.roles),
            second_factor: data.second_factor,
            staff: CurrentStaff { tenant, account },
        })
    }
}

impl FromRequestParts<AppState> for CurrentStaff {
    type Rejection = AppError;

    /// Signed in, and past a second factor where the account's roles need one: an account
    /// with none is led to enrol; a session without one, of an account that has one (opened
    /// before the rule applied to it), must sign in again.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let signed_in = SignedInStaff::from_request_parts(parts, state).await?;
        if signed_in.second_factor || !signed_in.second_factor_required {
            return Ok(signed_in.staff);
        }
        let staff = signed_in.staff;
        if staff::second_factor::is_enrolled(&state.platform, staff.account.id).await? {
            let (_, session) = super::tenant_and_session(parts)?;
            session.flush().await?;
            let login_href = staff.tenant.href("/agents/connexion");
            return Err(AppError::SignInRequired { login_href });
        }
        Err(AppError::SecondFactorRequired {
            enrol_href: staff.tenant.href(ENROL_PATH),
        })
    }
}

/// The TCP peer's address, when the server was started with connect info.
pub struct ClientAddr(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

const SEEN_KEY: &str = "seen";

/// Slides the session's expiry with activity. tower-sessions only saves (and so pushes the
/// expiry forward) a modified session; touching a timestamp at most every minute (or a quarter
/// of the idle time, if shorter) keeps idle expiry right without a write on every request.
pub(crate) async fn keep_alive(
    session: &Session,
    idle: std::time::Duration,
) -> Result<(), AppError> {
    let now = chrono::Utc::now().timestamp_millis();
    let every = (idle.as_millis() / 4).min(60_000) as i64;
    let seen = session.get::<i64>(SEEN_KEY).await?.unwrap_or(0);
    if now - seen >= every {
        session.insert(SEEN_KEY, now).await?;
    }
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginParams {
    /// `choisi` after a password was chosen through a link.
    #[serde(rename = "mot-de-passe")]
    password: Option<String>,
}

pub async fn login_page(
    State(state): State<AppState>,
    ui: Ui,
    axum::extract::Query(params): axum::extract::Query<LoginParams>,
) -> Result<Response, AppError> {
    let ui = ui.with_form_token();
    let notice = params
        .password
        .map(|_| "Votre mot de passe est enregistré : connectez-vous avec lui.".to_owned());
    Ok(login_page_with(
        ui,
        &state,
        StatusCode::OK,
        (None, notice),
        String::new(),
    ))
}

/// The sign-in page, with a message when something went wrong.
pub(super) fn login_with_error(
    ui: Ui,
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
    email: String,
) -> Response {
    login_page_with(ui, state, status, (error, None), email)
}

fn login_page_with(
    ui: Ui,
    state: &AppState,
    status: StatusCode,
    (error, notice): (Option<String>, Option<String>),
    email: String,
) -> Response {
    let proconnect_href = state
        .proconnect
        .is_some()
        .then(|| ui.tenant().map(|t| t.href("/agents/connexion/proconnect")))
        .flatten();
    ui.render(status, move |ctx| {
        view! { <LoginPage ctx error notice email proconnect_href /> }
    })
}

/// The client's address, past the proxies the operator trusts (see `client_address`).
pub(crate) fn client_address(
    state: &AppState,
    peer: Option<SocketAddr>,
    headers: &axum::http::HeaderMap,
) -> IpAddr {
    state.settings.trusted_proxies.client(peer, headers)
}

/// A sign-in form as sent, before any password is checked.
pub(super) struct SignInAttempt {
    /// The address as typed, to show again.
    pub typed: String,
    /// The address, if it is one (a malformed one fails like a wrong password).
    pub email: Option<Email>,
    pub password: String,
    /// Counted as a failure until it succeeds.
    pub counted: throttle::Attempt,
}

/// Whose sign-in it is: how its failures are counted (staff and citizens apart), and what
/// one blocked after too many is told to do.
pub(super) struct SignInKind {
    pub keys: fn(&tenants::Tenant, &str, IpAddr) -> LoginKeys,
    pub blocked: &'static str,
}

/// Refused before the password is checked: the status, the message, the address as typed.
pub(super) type EarlyRefusal = (StatusCode, &'static str, String);

const STAFF_SIGN_IN: SignInKind = SignInKind {
    keys: LoginKeys::new,
    blocked: "Trop de tentatives de connexion ont échoué. Par sécurité, attendez 15 minutes avant de réessayer, ou demandez à votre administrateur de vérifier votre compte.",
};

impl SignInKind {
    /// Reads a sign-in form, refused before its password is checked after too many failures for
    /// the account or the address, or with a field left empty.
    pub(super) async fn attempt(
        &self,
        state: &AppState,
        tenant: &tenants::Tenant,
        (peer, headers): (Option<SocketAddr>, &axum::http::HeaderMap),
        form: SignInForm,
    ) -> Result<Result<SignInAttempt, EarlyRefusal>, AppError> {
        let typed = form.email.trim().to_owned();
        let address = client_address(state, peer, headers);
        if typed.is_empty() || form.password.is_empty() {
            let message = "Saisissez votre adresse électronique et votre mot de passe.";
            return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, message, typed)));
        }
        let keys = (self.keys)(tenant, &typed, address);
        let Some(counted) =
            throttle::begin(&state.platform, state.settings.throttle, &keys).await?
        else {
            return Ok(Err((StatusCode::TOO_MANY_REQUESTS, self.blocked, typed)));
        };
        Ok(Ok(SignInAttempt {
            email: Email::parse(&typed).ok(),
            typed,
            password: form.password,
            counted,
        }))
    }
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    headers: axum::http::HeaderMap,
    session: Session,
    ui: Ui,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let refuse = |ui: Ui, status: StatusCode, message: &str, email: String| {
        login_with_error(ui, &state, status, Some(message.to_owned()), email)
    };
    let attempt = STAFF_SIGN_IN.attempt(&state, &tenant.tenant, (peer, &headers), form);
    let attempt = match attempt.await? {
        Ok(attempt) => attempt,
        Err((status, message, typed)) => return Ok(refuse(ui, status, message, typed)),
    };
    let account = match &attempt.email {
        Some(email) => {
            staff::authenticate(&state.platform, &tenant.tenant, email, &attempt.password).await?
        }
        None => None,
    };
    let Some(account) = account else {
        return Ok(refuse(
            ui,
            StatusCode::UNAUTHORIZED,
            "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie (majuscules comprises) et réessayez.",
            attempt.typed,
        ));
    };

    throttle::succeeded(&state.platform, attempt.counted).await?;
    let signed_in = StaffSessionData::new(&tenant, &account);
    first_factor_passed(&state, &session, &tenant, account, signed_in, "connexion").await
}

/// After a first factor (a password, or ProConnect without `mfa`): an account with an app
/// enrolled is asked its code before anything opens; any other opens, `action` journaled.
pub(super) async fn first_factor_passed(
    state: &AppState,
    session: &Session,
    tenant: &TenantCtx,
    account: StaffAccount,
    signed_in: StaffSessionData,
    action: &str,
) -> Result<Response, AppError> {
    if staff::second_factor::is_enrolled(&state.platform, account.id).await? {
        // The session holds no one until the code is right too.
        session.cycle_id().await?;
        session.insert(PENDING_KEY, signed_in).await?;
        csrf::rotate(session).await?;
        return Ok(Redirect::to(&tenant.href("/agents/connexion/code")).into_response());
    }
    open_session(session, tenant, account, signed_in, action).await?;
    Ok(Redirect::to(&tenant.href("/agents/")).into_response())
}

/// Signs `account` in as `signed_in` says: a new session id (defeats session fixation) with
/// a new form token, and the journal entry `action`.
pub(super) async fn open_session(
    session: &Session,
    tenant: &TenantCtx,
    account: StaffAccount,
    signed_in: StaffSessionData,
    action: &str,
) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.remove::<StaffSessionData>(PENDING_KEY).await?;
    session.insert(STAFF_KEY, signed_in).await?;
    csrf::rotate(session).await?;
    let staff = CurrentStaff {
        tenant: tenant.clone(),
        account,
    };
    staff
        .audit(action, &format!("agent {}", staff.account.email), "")
        .await
}

/// `POST /agents/deconnexion`: ends the session; after a ProConnect sign-in, ends the
/// ProConnect session too (`end_session_endpoint`), which sends the agent back to the
/// sign-in page.
pub async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    session: Session,
    staff: Result<SignedInStaff, AppError>,
    ui: Ui,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    match staff {
        Ok(SignedInStaff { staff, .. }) => {
            staff
                .audit("déconnexion", &format!("agent {}", staff.account.email), "")
                .await?;
        }
        // A session of another department is not this department's to end.
        Err(AppError::Forbidden) => return Err(AppError::Forbidden),
        Err(_) => {}
    }
    let id_token = session
        .get::<StaffSessionData>(STAFF_KEY)
        .await?
        .and_then(|data| data.proconnect_id_token);
    // Deletes the session from the store and expires the cookie.
    session.flush().await?;
    let login = tenant.href("/agents/connexion");
    if let (Some(id_token), Some(proconnect)) = (id_token, &state.proconnect) {
        let back = super::citizen::absolute(
            &state,
            &headers,
            &tenant,
            super::proconnect::SIGNED_OUT_PATH,
        );
        match proconnect.logout_url(&id_token, &back).await {
            Ok(Some(url)) => return Ok(Redirect::to(url.as_str()).into_response()),
            Ok(None) => {}
            // Our session is over either way; ProConnect's ends when it expires.
            Err(e) => tracing::warn!(error = %e, "ProConnect logout URL"),
        }
    }
    Ok(Redirect::to(&login).into_response())
}
