//! Staff sign-in and sign-out, and the [`CurrentStaff`] extractor.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

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

const STAFF_KEY: &str = "staff";
/// A staff member past their password, whose second factor is asked next.
pub(super) const PENDING_KEY: &str = "staff_pending";

/// Who is signed in, in which tenant. Kept in the session.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct StaffSessionData {
    pub tenant_id: i64,
    pub staff_id: i64,
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

impl FromRequestParts<AppState> for CurrentStaff {
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
        match state
            .accounts
            .get(&state.platform, &tenant.tenant, data.staff_id)
            .await?
        {
            Some(account) if account.active => {
                keep_alive(&session, state.settings.session_idle).await?;
                Ok(Self { tenant, account })
            }
            _ => {
                session.flush().await?;
                Err(AppError::SignInRequired { login_href })
            }
        }
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

pub async fn login_page(session: Session, ui: Ui) -> Result<Response, AppError> {
    Ok(ui
        .with_form_token(&session)
        .await?
        .render(StatusCode::OK, |ctx| {
            view! { <LoginPage ctx error=None email=String::new() /> }
        }))
}

pub(crate) fn client_address(
    state: &AppState,
    parts_peer: Option<SocketAddr>,
    forwarded: Option<&str>,
) -> IpAddr {
    if state.settings.trust_forwarded_for
        && let Some(ip) = forwarded
            .and_then(|f| f.split(',').next())
            .and_then(|s| s.trim().parse().ok())
    {
        return ip;
    }
    parts_peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip())
}

/// A sign-in form as sent, before any password is checked.
pub(super) struct SignInAttempt {
    /// The address as typed, to show again.
    pub typed: String,
    /// The address, if it is one (a malformed one fails like a wrong password).
    pub email: Option<Email>,
    pub password: String,
    pub keys: LoginKeys,
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
        let address = client_address(
            state,
            peer,
            headers.get("x-forwarded-for").and_then(|h| h.to_str().ok()),
        );
        let keys = (self.keys)(tenant, &typed, address);
        if throttle::is_blocked(&state.platform, state.settings.throttle, &keys).await? {
            return Ok(Err((StatusCode::TOO_MANY_REQUESTS, self.blocked, typed)));
        }
        if typed.is_empty() || form.password.is_empty() {
            let message = "Saisissez votre adresse électronique et votre mot de passe.";
            return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, message, typed)));
        }
        Ok(Ok(SignInAttempt {
            email: Email::parse(&typed).ok(),
            typed,
            password: form.password,
            keys,
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
        let message = message.to_owned();
        ui.render(status, move |ctx| {
            view! { <LoginPage ctx error=Some(message) email /> }
        })
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
        throttle::record_failure(&state.platform, &attempt.keys).await?;
        return Ok(refuse(
            ui,
            StatusCode::UNAUTHORIZED,
            "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie (majuscules comprises) et réessayez.",
            attempt.typed,
        ));
    };

    throttle::clear_account(&state.platform, &attempt.keys).await?;
    if staff::second_factor::is_enrolled(&state.platform, account.id).await? {
        // The password is right; the session holds no one until the code is too.
        session.cycle_id().await?;
        let pending = StaffSessionData {
            tenant_id: tenant.tenant.id(),
            staff_id: account.id,
        };
        session.insert(PENDING_KEY, pending).await?;
        csrf::rotate(&session).await?;
        return Ok(Redirect::to(&tenant.href("/agents/connexion/code")).into_response());
    }
    open_session(&session, &tenant, account, "connexion").await?;
    Ok(Redirect::to(&tenant.href("/agents/")).into_response())
}

/// Signs `account` in: a new session id (defeats session fixation) with a new form token,
/// and the journal entry `action`.
pub(super) async fn open_session(
    session: &Session,
    tenant: &TenantCtx,
    account: StaffAccount,
    action: &str,
) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.remove::<StaffSessionData>(PENDING_KEY).await?;
    session
        .insert(
            STAFF_KEY,
            StaffSessionData {
                tenant_id: tenant.tenant.id(),
                staff_id: account.id,
            },
        )
        .await?;
    csrf::rotate(session).await?;
    let staff = CurrentStaff {
        tenant: tenant.clone(),
        account,
    };
    staff
        .audit(action, &format!("agent {}", staff.account.email), "")
        .await
}

pub async fn logout(
    session: Session,
    staff: Result<CurrentStaff, AppError>,
    ui: Ui,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    match staff {
        Ok(staff) => {
            staff
                .audit("déconnexion", &format!("agent {}", staff.account.email), "")
                .await?;
        }
        // A session of another department is not this department's to end.
        Err(AppError::Forbidden) => return Err(AppError::Forbidden),
        Err(_) => {}
    }
    // Deletes the session from the store and expires the cookie.
    session.flush().await?;
    Ok(Redirect::to(&tenant.href("/agents/connexion")).into_response())
}
