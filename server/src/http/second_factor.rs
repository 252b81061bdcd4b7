//! Staff's second factor in the pages: the code asked after the password of an account that
//! has one (throttled like the password), and enrolling an authenticator app (QR code and
//! key, a code to confirm, recovery codes shown once), renewing those codes, and removing
//! one's own app where one's roles allow it. See `staff::second_factor`.

use app::pages::auth::{EnrolSecondFactorPage, RecoveryCodesPage, SecondFactorPage};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;
use tower_sessions::Session;

use super::auth::{
    ClientAddr, CurrentStaff, PENDING_KEY, STAFF_KEY, SignedInStaff, StaffSessionData,
    client_address, open_session,
};
use super::form::Form;
use super::ui::Ui;
use super::{AppError, AppState};
use crate::mail;
use crate::staff::Author;
use crate::staff::second_factor::{self, Checked, PendingSecret};
use crate::throttle::{self, LoginKeys};

/// The secret being enrolled, between the page and its form.
const ENROLLING_KEY: &str = "staff_enrolling";
/// What the enrolment page says once, after a removal.
const NOTICE_KEY: &str = "second_factor_notice";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

/// `GET /agents/connexion/code`: only after a right password.
pub async fn code_page(session: Session, ui: Ui) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    if pending(&session, &tenant.tenant).await?.is_none() {
        return Ok(Redirect::to(&tenant.href("/agents/connexion")).into_response());
    }
    let ui = ui.with_form_token();
    Ok(ui.render(StatusCode::OK, |ctx| {
        view! { <SecondFactorPage ctx error=None /> }
    }))
}

/// `POST /agents/connexion/code`: a code of the app (once) or a recovery code opens the
/// session; a wrong one counts as a failed sign-in.
pub async fn code_submit(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    headers: axum::http::HeaderMap,
    session: Session,
    ui: Ui,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let Some(pending) = pending(&session, &tenant.tenant).await? else {
        return Ok(Redirect::to(&tenant.href("/agents/connexion")).into_response());
    };
    let Some(account) = state
        .accounts
        .get(&state.platform, &tenant.tenant, pending.staff_id)
        .await?
        .filter(|a| a.active)
    else {
        session.flush().await?;
        return Ok(Redirect::to(&tenant.href("/agents/connexion")).into_response());
    };
    let refuse = |ui: Ui, status, message: &str| {
        let error = Some(message.to_owned());
        ui.render(status, move |ctx| view! { <SecondFactorPage ctx error /> })
    };
    let address = client_address(&state, peer, &headers);
    let keys = LoginKeys::new(&tenant.tenant, &account.email, address);
    let Some(counted) = throttle::begin(&state.platform, state.settings.throttle, &keys).await?
    else {
        return Ok(refuse(
            ui,
            StatusCode::TOO_MANY_REQUESTS,
            "Trop de tentatives ont échoué. Par sécurité, attendez 15 minutes avant de réessayer.",
        ));
    };
    let now = chrono::Utc::now();
    let checked = second_factor::check(
        &state.platform,
        &state.seal_key,
        account.id,
        &form.code,
        now,
    )
    .await?;
    let action = match checked {
        Checked::Code => "connexion (double authentification)".to_owned(),
        Checked::Recovery { left } => {
            format!("connexion avec un code de secours ({left} restant(s))")
        }
        Checked::Replayed | Checked::Wrong => {
            let message = if checked == Checked::Replayed {
                "Ce code a déjà servi : attendez que l'application en affiche un nouveau."
            } else {
                "Ce code ne correspond pas : saisissez le code à 6 chiffres affiché par votre application (vérifiez que l'heure du téléphone est juste), ou un code de secours."
            };
            return Ok(refuse(ui, StatusCode::UNAUTHORIZED, message));
        }
    };
    throttle::succeeded(&state.platform, counted).await?;
    if let Checked::Recovery { left } = checked {
        mail::tell(
            &state.platform,
            &tenant.tenant,
            &account.email,
            "Un code de secours a servi à vous connecter",
            &format!("Un de vos codes de secours vient de servir à vous connecter à Guichet ({} restant(s)). Si ce n'était pas vous, prévenez tout de suite l'administrateur de votre département.", left),
        )
        .await?;
    }
    let signed_in = StaffSessionData {
        second_factor: true,
        ..pending
    };
    open_session(&session, &tenant, account, signed_in, &action).await?;
    Ok(Redirect::to(&tenant.href("/agents/")).into_response())
}

/// The sign-in waiting for its second factor, if it is this department's.
async fn pending(
    session: &Session,
    tenant: &tenants::Tenant,
) -> Result<Option<StaffSessionData>, AppError> {
    Ok(session
        .get::<StaffSessionData>(PENDING_KEY)
        .await?
        .filter(|p| p.tenant_id == tenant.id()))
}

/// `GET /agents/securite/double-facteur`: a new secret to enrol, as a QR code and as text.
/// Reached before the second-factor rule ([`SignedInStaff`]): it is where that rule sends a
/// staff member who has none. One who has one and signed in without it (an old session) signs
/// in again: only a session that passed the app's code replaces it.
pub async fn enrol_page(
    State(state): State<AppState>,
    signed_in: SignedInStaff,
    session: Session,
    ui: Ui,
) -> Result<Response, AppError> {
    let enrolling = enrolling(&state, &session, signed_in).await?;
    let secret = PendingSecret::generate();
    session.insert(ENROLLING_KEY, secret.to_base32()).await?;
    let notice = session.remove::<String>(NOTICE_KEY).await?;
    render_enrol(&enrolling, ui, StatusCode::OK, &secret, (None, notice))
}

/// Who may enrol: anyone signed in, except an account that has an app and a session that did
/// not pass it.
async fn enrolling(
    state: &AppState,
    session: &Session,
    signed_in: SignedInStaff,
) -> Result<Enrolling, AppError> {
    let enrolled = second_factor::is_enrolled(&state.platform, signed_in.staff.account.id).await?;
    if enrolled && !signed_in.second_factor {
        session.flush().await?;
        let login_href = signed_in.staff.tenant.href("/agents/connexion");
        return Err(AppError::SignInRequired { login_href });
    }
    Ok(Enrolling {
        required: signed_in.second_factor_required && !signed_in.second_factor,
        removable: !signed_in.second_factor_required,
        enrolled,
        staff: signed_in.staff,
    })
}

struct Enrolling {
    staff: CurrentStaff,
    enrolled: bool,
    /// Led here by the rule: the page says why.
    required: bool,
    /// Their roles let them do without a second factor.
    removable: bool,
}

/// `POST /agents/securite/double-facteur`: the code the app shows confirms the secret.
pub async fn enrol_submit(
    State(state): State<AppState>,
    signed_in: SignedInStaff,
    session: Session,
    ui: Ui,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let enrolling = enrolling(&state, &session, signed_in).await?;
    let staff = &enrolling.staff;
    let tenant = &staff.tenant;
    let Some(secret) = session
        .get::<String>(ENROLLING_KEY)
        .await?
        .and_then(|text| PendingSecret::from_base32(&text))
    else {
        // The page was not shown in this session (expired, another tab): start again.
        return Ok(Redirect::to(&tenant.href("/agents/securite/double-facteur")).into_response());
    };
    let enrolled = second_factor::enrol(
        (&state.platform, &tenant.tenant),
        &state.seal_key,
        &staff.account,
        &secret,
        &form.code,
        chrono::Utc::now(),
    )
    .await;
    let codes = match enrolled {
        Ok(codes) => codes,
        Err(second_factor::EnrolError::WrongCode) => {
            let error = Some(second_factor::EnrolError::WrongCode.to_string());
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_enrol(&enrolling, ui, status, &secret, (error, None));
        }
        Err(second_factor::EnrolError::Db(e)) => return Err(e.into()),
    };
    session.remove::<String>(ENROLLING_KEY).await?;
    // The app's code was just typed: the session has passed a second factor, under a new id.
    if let Some(data) = session.get::<StaffSessionData>(STAFF_KEY).await? {
        session.cycle_id().await?;
        let data = StaffSessionData {
            second_factor: true,
            ..data
        };
        session.insert(STAFF_KEY, data).await?;
    }
    mail::tell(
        &state.platform,
        &tenant.tenant,
        &staff.account.email,
        "Double authentification enregistrée",
        "Une application d'authentification vient d'être enregistrée pour votre compte Guichet : elle vous sera demandée à chaque connexion. Si ce n'était pas vous, prévenez tout de suite l'administrateur de votre département.",
    )
    .await?;
    Ok(recovery_codes_page(ui, staff, codes, false))
}

fn recovery_codes_page(
    ui: Ui,
    staff: &CurrentStaff,
    codes: Vec<String>,
    renewed: bool,
) -> Response {
    ui.with_staff(staff)
        .render(StatusCode::OK, move |ctx| {
            view! { <RecoveryCodesPage ctx codes renewed /> }
        })
        .into_response()
}

/// `POST /agents/securite/double-facteur/codes-de-secours`: new recovery codes, shown once;
/// the old ones no longer serve.
pub async fn renew_recovery_codes(
    State(state): State<AppState>,
    signed_in: SignedInStaff,
    session: Session,
    ui: Ui,
) -> Result<Response, AppError> {
    let enrolling = enrolling(&state, &session, signed_in).await?;
    let staff = &enrolling.staff;
    let Some(codes) = second_factor::regenerate_recovery_codes(
        &state.platform,
        &staff.tenant.tenant,
        &staff.account,
    )
    .await?
    else {
        // No app (removed in another tab): the page offers to enrol one.
        let page = staff.tenant.href("/agents/securite/double-facteur");
        return Ok(Redirect::to(&page).into_response());
    };
    mail::tell(
        &state.platform,
        &staff.tenant.tenant,
        &staff.account.email,
        "Nouveaux codes de secours",
        "De nouveaux codes de secours viennent d'être créés pour votre compte Guichet : les anciens ne servent plus. Si ce n'était pas vous, prévenez tout de suite l'administrateur de votre département.",
    )
    .await?;
    Ok(recovery_codes_page(ui, staff, codes, true))
}

/// `POST /agents/securite/double-facteur/supprimer`: removes one's own app and recovery
/// codes, unless one's roles require a second factor.
pub async fn remove(
    State(state): State<AppState>,
    signed_in: SignedInStaff,
    session: Session,
) -> Result<Response, AppError> {
    let enrolling = enrolling(&state, &session, signed_in).await?;
    let staff = &enrolling.staff;
    let page = staff.tenant.href("/agents/securite/double-facteur");
    if !enrolling.removable {
        // The page offers no removal then; a stale tab (a role given since) ends here.
        return Err(AppError::Conflict("Votre rôle exige la double authentification : elle ne peut pas être supprimée. Pour changer de téléphone, enregistrez la nouvelle application depuis la page « Double authentification » ; elle remplacera l'ancienne.".to_owned()));
    }
    let account = &staff.account;
    if second_factor::remove(
        &state.platform,
        &staff.tenant.tenant,
        account,
        Author::Staff(account),
    )
    .await?
    {
        mail::tell(
            &state.platform,
            &staff.tenant.tenant,
            &staff.account.email,
            "Double authentification supprimée",
            "La double authentification de votre compte Guichet vient d'être supprimée : vous vous connectez avec votre seul mot de passe. Si ce n'était pas vous, prévenez tout de suite l'administrateur de votre département.",
        )
        .await?;
        let notice = "Votre double authentification est supprimée : seul votre mot de passe vous sera demandé.";
        session.insert(NOTICE_KEY, notice.to_owned()).await?;
    }
    Ok(Redirect::to(&page).into_response())
}

fn render_enrol(
    enrolling: &Enrolling,
    ui: Ui,
    status: StatusCode,
    secret: &PendingSecret,
    (error, notice): (Option<String>, Option<String>),
) -> Result<Response, AppError> {
    let Enrolling {
        staff,
        enrolled,
        required,
        removable,
    } = enrolling;
    let (enrolled, required, removable) = (*enrolled, *required, *removable);
    let issuer = format!("Guichet — {}", staff.tenant.tenant.name());
    let qr_svg = secret.qr_svg(&issuer, &staff.account.email);
    let secret_text = secret.text();
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! { <EnrolSecondFactorPage ctx qr_svg secret_text enrolled required removable error notice /> }
    }))
}
