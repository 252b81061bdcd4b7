//! Citizens' sign-in (FranceConnect), sign-out and their space, and the [`CurrentCitizen`]
//! extractor.

use app::pages::auth::ChoosePasswordPage;
use app::pages::citizen::{
    CitizenLoginPage, CitizenSpacePage, ConfirmEmailPage, FollowUpLink, ForgotPasswordPage,
    IdentityLine, MessagePage, RequestSummary, SignUpPage, SignUpValues, SignedOutPage,
};
use app::validation::FieldErrors;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::auth::{ClientAddr, SignInKind};
use super::form::{Form, FormFields, SignInForm};
use super::ui::Ui;
use super::{AppError, AppState, TenantCtx, csrf};
use crate::citizens::local::{self, LocalSignIn, SignUp};
use crate::citizens::{self, Citizen};
use crate::franceconnect::{FcError, PendingSignIn};
use crate::mail;
use crate::staff::Email;
use crate::throttle::{self, LoginKeys};

use crate::session_store::{self, CITIZEN_KEY, Holder};
const PENDING_KEY: &str = "franceconnect_pending";

/// Who is signed in, in which tenant. Kept in the session.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct CitizenSessionData {
    tenant_id: i64,
    citizen_id: i64,
    /// FranceConnect's id_token, to end its session too at sign-out.
    fc_id_token: Option<String>,
    /// When they signed in (Unix seconds): the session ends a fixed time after, however
    /// active. A session from before this field reads 0, long over.
    #[serde(default)]
    signed_in_at: i64,
}

/// The citizen signed in to the department of this request. A session opened in another
/// department does not count here: the citizen is sent to this department's sign-in page.
#[derive(Clone, Debug)]
pub struct CurrentCitizen {
    pub tenant: TenantCtx,
    pub citizen: Citizen,
    fc_id_token: Option<String>,
}

impl FromRequestParts<AppState> for CurrentCitizen {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (tenant, session) = super::tenant_and_session(parts)?;
        let login_href = super::return_to::login_href(&tenant, parts);
        let Some(data) = session.get::<CitizenSessionData>(CITIZEN_KEY).await? else {
            return Err(AppError::SignInRequired { login_href });
        };
        if data.tenant_id != tenant.tenant.id() {
            return Err(AppError::SignInRequired { login_href });
        }
        let lifetime = state.settings.session_lifetime.citizen;
        if super::SessionLifetime::is_over(lifetime, data.signed_in_at) {
            session.flush().await?;
            return Err(AppError::SignInRequired { login_href });
        }
        match citizens::find(&tenant.tenant, data.citizen_id).await? {
            Some(citizen) => {
                super::auth::keep_alive(&session, state.settings.session_idle).await?;
                Ok(Self {
                    tenant,
                    citizen,
                    fc_id_token: data.fc_id_token,
                })
            }
            None => {
                session.remove::<CitizenSessionData>(CITIZEN_KEY).await?;
                Err(AppError::SignInRequired { login_href })
            }
        }
    }
}

/// Where FranceConnect sends citizens back, under the department's address.
pub const FRANCECONNECT_RETURN_PATH: &str = "/connexion/franceconnect/retour";

/// Where FranceConnect sends the citizen back after logout, under the department's address.
pub const SIGNED_OUT_PATH: &str = "/deconnexion/terminee";

/// This department's address as the browser reached it, for the links we send (FranceConnect's
/// return address, mailed links). The `Host` header is only trusted when it is one of ours —
/// the base domain or a subdomain of it, the department's own domain, or a loopback address
/// for local use — so a forged `Host` cannot put an attacker's site in a password-reset mail.
pub(crate) fn absolute(
    state: &AppState,
    headers: &HeaderMap,
    tenant: &TenantCtx,
    path: &str,
) -> String {
    let sent = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let host = if trusted_host(sent, &state.settings.base_domain, tenant.tenant.domain()) {
        sent.to_owned()
    } else {
        state.settings.base_domain.clone()
    };
    let scheme = if state.settings.https {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}{}", tenant.href(path))
}

fn trusted_host(host: &str, base_domain: &str, own_domain: Option<&str>) -> bool {
    let Ok(authority) = host.parse::<axum::http::uri::Authority>() else {
        return false;
    };
    let name = authority.host().trim_end_matches('.').to_ascii_lowercase();
    let base = base_domain.to_ascii_lowercase();
    let loopback = name == "localhost"
        || name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    loopback
        || name == base
        || name.ends_with(&format!(".{base}"))
        || own_domain.is_some_and(|d| d.eq_ignore_ascii_case(&name))
}

fn login_with_error(
    ui: Ui,
    state: &AppState,
    status: StatusCode,
    message: Option<String>,
) -> Response {
    login_page_with(ui, state, status, message, String::new())
}

/// What the sign-in page says above the form.
#[derive(Default)]
struct LoginSays {
    error: Option<String>,
    notice: Option<String>,
    /// Why the page is shown, when the citizen was on their way elsewhere.
    why: Option<String>,
    /// Where that was (see `return_to::carried`).
    retour: Option<(String, String)>,
}

/// The sign-in page again, with what went wrong and the address typed.
fn login_page_with(
    ui: Ui,
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
    email: String,
) -> Response {
    let says = LoginSays {
        error,
        ..LoginSays::default()
    };
    login_page_saying(ui, state, status, says, email)
}

fn login_page_saying(
    ui: Ui,
    state: &AppState,
    status: StatusCode,
    says: LoginSays,
    email: String,
) -> Response {
    let franceconnect = state.franceconnect.is_some();
    let LoginSays {
        error,
        notice,
        why,
        retour,
    } = says;
    ui.render(status, move |ctx| {
        view! { <CitizenLoginPage ctx error notice why retour franceconnect email /> }
    })
}

#[derive(Debug, Deserialize)]
pub struct LoginParams {
    /// `?mot-de-passe=change` after a reset.
    #[serde(rename = "mot-de-passe")]
    password: Option<String>,
    /// The page to come back to once signed in (see `return_to`).
    retour: Option<String>,
}

pub async fn login_page(
    State(state): State<AppState>,
    citizen: Result<CurrentCitizen, AppError>,
    ui: Ui,
    Query(params): Query<LoginParams>,
) -> Result<Response, AppError> {
    if let Ok(citizen) = citizen {
        let to = super::return_to::safe(params.retour.as_deref().unwrap_or("/mon-espace"))
            .unwrap_or_else(|| "/mon-espace".to_owned());
        return Ok(Redirect::to(&citizen.tenant.href(&to)).into_response());
    }
    let notice = (params.password.as_deref() == Some("change"))
        .then(|| "Votre mot de passe a été changé. Connectez-vous avec le nouveau.".to_owned());
    let retour = super::return_to::carried(params.retour.as_deref());
    let why = retour.is_some().then(|| "La page demandée est réservée aux personnes connectées. Connectez-vous : vous y arriverez ensuite directement.".to_owned());
    let ui = ui.with_form_token();
    let says = LoginSays {
        error: None,
        notice,
        why,
        retour,
    };
    Ok(login_page_saying(
        ui,
        &state,
        StatusCode::OK,
        says,
        String::new(),
    ))
}

/// Signs a citizen in: new session id, their id kept in it, a new form token.
async fn open_session(
    session: &Session,
    tenant: &TenantCtx,
    citizen: &Citizen,
    fc_id_token: Option<String>,
) -> Result<(), AppError> {
    // A new id at sign-in defeats session fixation; a new form token goes with it.
    session.cycle_id().await?;
    session
        .insert(
            CITIZEN_KEY,
            CitizenSessionData {
                tenant_id: tenant.tenant.id(),
                citizen_id: citizen.id,
                fc_id_token,
                signed_in_at: chrono::Utc::now().timestamp(),
            },
        )
        .await?;
    csrf::rotate(session).await?;
    Ok(())
}

const CITIZEN_SIGN_IN: SignInKind = SignInKind {
    keys: LoginKeys::citizen,
    blocked: "Trop de tentatives de connexion ont échoué. Par sécurité, attendez 15 minutes avant de réessayer, ou changez votre mot de passe avec « Mot de passe oublié ? ».",
};

pub async fn local_login(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    headers: HeaderMap,
    session: Session,
    ui: Ui,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let retour = form.retour.clone();
    let refuse = |ui: Ui, status: StatusCode, message: &str, email: String| {
        let says = LoginSays {
            error: Some(message.to_owned()),
            retour: super::return_to::carried(retour.as_deref()),
            ..LoginSays::default()
        };
        login_page_saying(ui, &state, status, says, email)
    };
    let attempt = CITIZEN_SIGN_IN.attempt(&state, &tenant.tenant, (peer, &headers), form);
    let attempt = match attempt.await? {
        Ok(attempt) => attempt,
        Err((status, message, typed)) => return Ok(refuse(ui, status, message, typed)),
    };
    let outcome = match &attempt.email {
        Some(email) => local::sign_in(&tenant.tenant, email, &attempt.password).await?,
        None => LocalSignIn::WrongCredentials,
    };
    match outcome {
        LocalSignIn::SignedIn(citizen) => {
            throttle::succeeded(&state.platform, attempt.counted).await?;
            open_session(&session, &tenant, &citizen, None).await?;
            let to = super::return_to::target(&tenant, retour.as_deref());
            Ok(Redirect::to(&to).into_response())
        }
        LocalSignIn::Unconfirmed => {
            // The right password: not a failure.
            throttle::succeeded(&state.platform, attempt.counted).await?;
            Ok(refuse(
                ui,
                StatusCode::FORBIDDEN,
                "Votre adresse électronique n'est pas encore confirmée. Ouvrez le lien que nous vous avons envoyé (pensez aux courriers indésirables), ou créez à nouveau votre compte pour recevoir un nouveau lien.",
                attempt.typed,
            ))
        }
        LocalSignIn::WrongCredentials => Ok(refuse(
            ui,
            StatusCode::UNAUTHORIZED,
            "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie (majuscules comprises) et réessayez.",
            attempt.typed,
        )),
    }
}

pub async fn sign_up_page(ui: Ui) -> Result<Response, AppError> {
    Ok(ui.with_form_token().render(StatusCode::OK, |ctx| {
        view! { <SignUpPage ctx values=SignUpValues::default() errors=FieldErrors::new() /> }
    }))
}

pub async fn sign_up(
    State(state): State<AppState>,
    headers: HeaderMap,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let input: SignUp = form.read()?;
    let email = match input.validate() {
        Ok(email) => email,
        Err(errors) => {
            let values = SignUpValues {
                given_name: input.given_name.clone(),
                family_name: input.family_name.clone(),
                email: input.email.clone(),
            };
            return Ok(ui.render(StatusCode::UNPROCESSABLE_ENTITY, move |ctx| {
                view! { <SignUpPage ctx values errors /> }
            }));
        }
    };
    let confirm_url = absolute(&state, &headers, &tenant, "/inscription/confirmer?jeton=");
    let sign_in_url = absolute(&state, &headers, &tenant, "/connexion");
    local::sign_up(&tenant.tenant, &input, &email, &confirm_url, &sign_in_url).await?;
    mail::wake(&state.platform, &tenant.tenant).await;
    let address = email.to_string();
    Ok(ui.render(StatusCode::OK, move |ctx| {
        view! {
            <MessagePage
                ctx
                title="Vérifiez votre messagerie".into()
                paragraphs=vec![
                    format!("Nous avons envoyé un message à {address}. Ouvrez le lien qu'il contient pour activer votre compte (il est valable 48 heures)."),
                    "Rien reçu après quelques minutes ? Regardez dans les courriers indésirables, ou recommencez l'inscription.".into(),
                ]
                link=None
            />
        }
    }))
}

#[derive(Debug, Deserialize)]
pub struct TokenParams {
    pub jeton: Option<String>,
}

fn expired_link(ui: Ui, ctx_href: String) -> Response {
    ui.render(StatusCode::BAD_REQUEST, move |ctx| {
        view! {
            <MessagePage
                ctx
                title="Ce lien n'est plus valable".into()
                paragraphs=vec!["Ce lien a déjà servi, a expiré ou est incomplet. Depuis la page de connexion, vous pouvez demander un nouveau lien (« Mot de passe oublié ? ») ou recommencer l'inscription.".into()]
                link=Some((ctx_href, "Aller à la page de connexion".into()))
            />
        }
    })
}

pub async fn confirm_page(ui: Ui, Query(params): Query<TokenParams>) -> Result<Response, AppError> {
    let token = params.jeton.unwrap_or_default();
    Ok(ui.with_form_token().render(StatusCode::OK, move |ctx| {
        view! { <ConfirmEmailPage ctx token /> }
    }))
}

pub async fn confirm(session: Session, ui: Ui, form: FormFields) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    match local::confirm_email(&tenant.tenant, form.get("jeton")).await? {
        Some(citizen) => {
            open_session(&session, &tenant, &citizen, None).await?;
            let to = super::return_to::after_sign_in(&session, &tenant).await?;
            Ok(Redirect::to(&to).into_response())
        }
        None => Ok(expired_link(ui, tenant.href("/connexion"))),
    }
}

pub async fn forgot_page(ui: Ui) -> Result<Response, AppError> {
    Ok(ui.with_form_token().render(StatusCode::OK, |ctx| {
        view! { <ForgotPasswordPage ctx error=None email=String::new() /> }
    }))
}

pub async fn forgot(
    State(state): State<AppState>,
    headers: HeaderMap,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let input = form.get("email").trim().to_owned();
    let Ok(email) = Email::parse(&input) else {
        return Ok(ui.render(StatusCode::UNPROCESSABLE_ENTITY, move |ctx| {
            view! {
                <ForgotPasswordPage
                    ctx
                    error=Some("L'adresse électronique n'est pas valide : elle doit ressembler à prenom.nom@exemple.fr.".into())
                    email=input
                />
            }
        }));
    };
    let reset_url = absolute(&state, &headers, &tenant, "/mot-de-passe/nouveau?jeton=");
    local::request_password_reset(&tenant.tenant, &email, &reset_url).await?;
    mail::wake(&state.platform, &tenant.tenant).await;
    let address = email.to_string();
    Ok(ui.render(StatusCode::OK, move |ctx| {
        view! {
            <MessagePage
                ctx
                title="Vérifiez votre messagerie".into()
                paragraphs=vec![
                    format!("Si un compte existe avec l'adresse {address}, nous venons d'y envoyer un lien pour choisir un nouveau mot de passe. Il est valable une heure."),
                ]
                link=None
            />
        }
    }))
}

fn choose_password_page(
    ui: Ui,
    status: StatusCode,
    token: String,
    errors: FieldErrors,
) -> Response {
    let action = ui
        .tenant()
        .map(|t| t.href("/mot-de-passe/nouveau"))
        .unwrap_or_default();
    ui.render(status, move |ctx| {
        view! { <ChoosePasswordPage ctx title="Choisir un nouveau mot de passe".into() action token errors /> }
    })
}

pub async fn new_password_page(
    ui: Ui,
    Query(params): Query<TokenParams>,
) -> Result<Response, AppError> {
    let token = params.jeton.unwrap_or_default();
    let ui = ui.with_form_token();
    Ok(choose_password_page(
        ui,
        StatusCode::OK,
        token,
        FieldErrors::new(),
    ))
}

pub async fn new_password(
    State(state): State<AppState>,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let token = form.get("jeton").to_owned();
    let errors = local::validate_new_password(form.get("password"), form.get("password_again"));
    if !errors.is_empty() {
        return Ok(choose_password_page(
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            token,
            errors,
        ));
    }
    let reset = local::reset_password(&tenant.tenant, &token, form.get("password")).await?;
    if let Some(citizen_id) = reset {
        // Whoever held a session of the account (perhaps who made the reset necessary) is out.
        let holder = Holder::Citizen {
            tenant_id: tenant.tenant.id(),
            citizen_id,
        };
        session_store::end_sessions(state.platform.db(), holder, None).await?;
        Ok(Redirect::to(&tenant.href("/connexion?mot-de-passe=change")).into_response())
    } else {
        Ok(expired_link(ui, tenant.href("/connexion")))
    }
}

/// `GET /connexion/franceconnect?retour=…`.
#[derive(Debug, Deserialize)]
pub struct StartParams {
    retour: Option<String>,
}

pub async fn franceconnect_start(
    State(state): State<AppState>,
    headers: HeaderMap,
    session: Session,
    ui: Ui,
    Query(params): Query<StartParams>,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let Some(fc) = state.franceconnect.clone() else {
        let message = FcError::NotConfigured.message().to_owned();
        return Ok(login_with_error(
            ui,
            &state,
            StatusCode::SERVICE_UNAVAILABLE,
            Some(message),
        ));
    };
    let redirect_uri = absolute(&state, &headers, &tenant, FRANCECONNECT_RETURN_PATH);
    match fc.start(&redirect_uri).await {
        Ok((url, pending)) => {
            session.insert(PENDING_KEY, pending).await?;
            super::return_to::remember(&session, params.retour.as_deref()).await?;
            Ok(Redirect::to(url.as_str()).into_response())
        }
        Err(e) => {
            tracing::warn!(error = %e, "FranceConnect sign-in could not start");
            Ok(login_with_error(
                ui,
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                Some(e.message().to_owned()),
            ))
        }
    }
}

/// What an OpenID provider sends back to `redirect_uri`.
#[derive(Debug, Deserialize)]
pub struct ReturnParams {
    pub(super) code: Option<String>,
    pub(super) state: Option<String>,
    pub(super) error: Option<String>,
    pub(super) error_description: Option<String>,
}

pub async fn franceconnect_return(
    State(state): State<AppState>,
    session: Session,
    ui: Ui,
    Query(params): Query<ReturnParams>,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    // Spent whatever happens next: a return can be used once.
    let pending = session.remove::<PendingSignIn>(PENDING_KEY).await?;
    let outcome = match (&state.franceconnect, pending, &params) {
        (None, _, _) => Err(FcError::NotConfigured),
        (
            _,
            _,
            ReturnParams {
                error: Some(error), ..
            },
        ) if error == "access_denied" => Err(FcError::Cancelled),
        (
            _,
            _,
            ReturnParams {
                error: Some(error),
                error_description,
                ..
            },
        ) => Err(FcError::Provider(format!(
            "{error}: {}",
            error_description.as_deref().unwrap_or("")
        ))),
        (_, None, _) => Err(FcError::BadState),
        (Some(fc), Some(pending), params) => match (&params.code, &params.state) {
            (Some(code), Some(returned_state)) => fc.finish(&pending, code, returned_state).await,
            _ => Err(FcError::BadState),
        },
    };
    let signed_in = match outcome {
        Ok(signed_in) => signed_in,
        Err(e) => {
            tracing::warn!(error = %e, tenant = %tenant.tenant.slug(), "FranceConnect sign-in failed");
            let status = match e {
                FcError::Cancelled => StatusCode::OK,
                FcError::BadState | FcError::Invalid(_) => StatusCode::BAD_REQUEST,
                FcError::NotConfigured | FcError::Provider(_) | FcError::Unreachable(_) => {
                    StatusCode::BAD_GATEWAY
                }
            };
            return Ok(login_with_error(
                ui,
                &state,
                status,
                Some(e.message().to_owned()),
            ));
        }
    };
    let citizen = citizens::sign_in_with_franceconnect(&tenant.tenant, &signed_in.identity).await?;
    open_session(&session, &tenant, &citizen, Some(signed_in.id_token)).await?;
    tracing::info!(tenant = %tenant.tenant.slug(), citizen = citizen.id, "citizen signed in with FranceConnect");
    let to = super::return_to::after_sign_in(&session, &tenant).await?;
    Ok(Redirect::to(&to).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    session: Session,
    citizen: Result<CurrentCitizen, AppError>,
    ui: Ui,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let signed_out = absolute(&state, &headers, &tenant, SIGNED_OUT_PATH);
    // Ends our session first: whatever FranceConnect answers, the citizen is out here.
    session.flush().await?;
    if let (Ok(citizen), Some(fc)) = (citizen, &state.franceconnect)
        && let Some(id_token) = &citizen.fc_id_token
    {
        match fc.logout_url(id_token, &signed_out).await {
            Ok(Some(url)) => return Ok(Redirect::to(url.as_str()).into_response()),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "FranceConnect logout skipped"),
        }
    }
    Ok(Redirect::to(&tenant.href(SIGNED_OUT_PATH)).into_response())
}

pub async fn signed_out(ui: Ui) -> Response {
    ui.render(StatusCode::OK, |ctx| view! { <SignedOutPage ctx /> })
}

#[derive(Debug, Deserialize)]
pub struct SpaceParams {
    brouillon: Option<String>,
}

pub async fn space(
    citizen: CurrentCitizen,
    ui: Ui,
    Query(params): Query<SpaceParams>,
) -> Result<Response, AppError> {
    let person = citizen.citizen.clone();
    let greeting_name = person.display_name();
    let via_franceconnect = person.via_franceconnect;
    let identity = identity_lines(&person);
    // Every subscribed part's files, as each declares them (`Part::files`).
    let mut lines = Vec::new();
    for files in crate::modules::files_in(&citizen.tenant.tenant) {
        for file in (files.of_citizen)(&citizen.tenant.tenant, person.id).await? {
            lines.push((files, file));
        }
    }
    let mut requests = Vec::with_capacity(lines.len());
    for (files, file) in lines {
        requests.push(RequestSummary {
            href: citizen.tenant.href(&(files.citizen_path)(file.id)),
            kept_until: draft_kept_until(&citizen.tenant.tenant, files, &file).await?,
            title: file.title,
            reference: file.reference,
            status: file.status,
        });
    }
    let follow_ups = crate::modules::follow_ups_of(&citizen.tenant.tenant, person.id)
        .await?
        .into_iter()
        .map(|f| FollowUpLink {
            href: citizen.tenant.href(&f.citizen_path),
            title: f.title,
            since: crate::dates::on(f.since),
        })
        .collect::<Vec<_>>();
    let services = crate::modules::citizen_nav(&citizen.tenant);
    let notice = (params.brouillon.as_deref() == Some("enregistre")).then(|| {
        "Votre brouillon est enregistré : vous pourrez le reprendre ici quand vous voudrez."
            .to_owned()
    });
    Ok(ui.with_citizen(&citizen).render(StatusCode::OK, move |ctx| {
        view! { <CitizenSpacePage ctx greeting_name identity via_franceconnect requests follow_ups services notice /> }
    }))
}

/// The day draft `file` goes if it is not filed by then, in words, when its module removes
/// drafts (`Files::drafts`) and its department switched that on. A citizen has few drafts: one
/// read of one setting each.
async fn draft_kept_until(
    tenant: &tenants::Tenant,
    files: &crate::citizens::file::Files,
    file: &crate::citizens::file::FileLine,
) -> Result<Option<String>, sea_orm::DbErr> {
    let Some(category) = files
        .drafts
        .filter(|_| file.draft)
        .and_then(crate::retention::category)
    else {
        return Ok(None);
    };
    let Some(months) = crate::retention::applied_months(tenant, category).await? else {
        return Ok(None);
    };
    Ok(file
        .changed_at
        .checked_add_months(chrono::Months::new(months))
        .map(|goes| crate::dates::on(crate::dates::day_of(goes))))
}

pub(crate) fn identity_lines(person: &Citizen) -> Vec<IdentityLine> {
    let line = |label: &str, value: String| IdentityLine {
        label: label.into(),
        value,
    };
    let mut lines = vec![
        line("Nom de naissance", person.family_name.clone()),
        line("Prénoms", person.given_name.clone()),
    ];
    if !person.preferred_username.is_empty() {
        lines.push(line("Nom d'usage", person.preferred_username.clone()));
    }
    lines.push(line("Date de naissance", french_date(&person.birthdate)));
    lines.push(line("Sexe", gender_label(&person.gender).into()));
    lines.push(line(
        "Lieu de naissance",
        match (person.birthplace.is_empty(), person.birthcountry.is_empty()) {
            // A record opened by hand at reception.
            (true, true) => "Non renseigné".into(),
            (true, false) => crate::cog::country_with_code(&person.birthcountry),
            (false, _) => crate::cog::commune_with_code(&person.birthplace),
        },
    ));
    if !person.email.is_empty() {
        lines.push(line("Adresse électronique", person.email.clone()));
    }
    lines
}

/// The gender FranceConnect gives (`female`, `male`), in words.
pub(crate) fn gender_label(gender: &str) -> &'static str {
    match gender {
        "female" => "Féminin",
        "male" => "Masculin",
        _ => "Non renseigné",
    }
}

/// `1962-08-24` → `24/08/1962`; anything else as given.
pub(crate) fn french_date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| iso.to_owned())
}

/// `GET /documents/{id}`: one of the citizen's own documents.
pub async fn own_document(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant.tenant;
    let doc = crate::documents::find(tenant, super::parse_id(&id)?)
        .await?
        .filter(|d| d.citizen_id == citizen.citizen.id)
        .ok_or(AppError::NotFound)?;
    let bytes = crate::documents::read(&state.platform, tenant, &doc).await?;
    Ok(crate::http::document_response(&doc, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_hosts_go_into_links() {
        assert!(trusted_host("gard.guichet.fr", "guichet.fr", None));
        assert!(trusted_host("guichet.fr:8443", "guichet.fr", None));
        assert!(trusted_host(
            "aides.gard.fr",
            "guichet.fr",
            Some("aides.gard.fr")
        ));
        assert!(trusted_host("127.0.0.1:3000", "guichet.fr", None));
        assert!(trusted_host("localhost:3000", "guichet.fr", None));
        assert!(!trusted_host("evil.example", "guichet.fr", None));
        assert!(!trusted_host("guichet.fr.evil.example", "guichet.fr", None));
        assert!(!trusted_host("evilguichet.fr", "guichet.fr", None));
        assert!(!trusted_host("", "guichet.fr", None));
        assert!(!trusted_host("a b", "guichet.fr", None));
    }

    #[test]
    fn dates_are_shown_the_french_way() {
        assert_eq!(french_date("1962-08-24"), "24/08/1962");
        assert_eq!(french_date(""), "");
        assert_eq!(french_date("1962"), "1962");
    }
}
