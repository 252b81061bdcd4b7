//! A staff member's own password: chosen through a mailed link (a new account's activation, a
//! reset an administrator sent), or changed when signed in. No one else ever sees it.

use app::pages::auth::ChoosePasswordPage;
use app::pages::citizen::MessagePage;
use app::validation::FieldErrors;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use tower_sessions::Session;

use super::auth::{ClientAddr, client_address};
use super::citizen::TokenParams;
use super::form::FormFields;
use super::ui::Ui;
use super::{AppError, AppState, CurrentStaff};
use crate::staff::StaffAccount;
use crate::staff::lifecycle::{self, LinkPurpose, PasswordChange};
use crate::throttle::{self, LoginKeys};

/// Where a mailed link leads (`?jeton=` follows).
pub const LINK_PATH: &str = "/agents/mot-de-passe/choisir";
const CHANGE_PATH: &str = "/agents/securite/mot-de-passe";

/// The new password and its confirmation, checked against the policy with what is known of
/// the account (a password made of one's name or address is refused).
fn new_password_errors(form: &FormFields, account: &StaffAccount) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let about = [account.email.as_str(), account.display_name.as_str()];
    let (password, again) = (form.get("password"), form.get("password_again"));
    crate::staff::new_password_errors(password, again, &about, &mut |field, message| {
        errors.add(field, message)
    });
    errors
}

fn link_page(
    ui: Ui,
    status: StatusCode,
    (account, purpose): &(StaffAccount, LinkPurpose),
    token: String,
    errors: FieldErrors,
) -> Response {
    let department = ui
        .tenant()
        .map(|t| t.tenant.name().to_owned())
        .unwrap_or_default();
    let (title, intro) = match purpose {
        LinkPurpose::Activation => (
            "Activer votre compte",
            format!(
                "Bienvenue {}. Choisissez le mot de passe de votre compte {} ({department}) : vous seul le connaîtrez.",
                account.display_name, account.email
            ),
        ),
        LinkPurpose::Reset => (
            "Choisir un nouveau mot de passe",
            format!(
                "Compte {} ({department}). Votre ancien mot de passe ne servira plus, et toutes vos sessions ouvertes seront fermées.",
                account.email
            ),
        ),
    };
    let action = ui.tenant().map(|t| t.href(LINK_PATH)).unwrap_or_default();
    ui.render(status, move |ctx| {
        view! { <ChoosePasswordPage ctx title=title.into() intro action token errors /> }
    })
}

fn dead_link(ui: Ui) -> Response {
    let login = ui
        .tenant()
        .map(|t| t.href("/agents/connexion"))
        .unwrap_or_default();
    ui.render(StatusCode::BAD_REQUEST, move |ctx| {
        view! {
            <MessagePage
                ctx
                title="Ce lien n'est plus valable".into()
                paragraphs=vec!["Ce lien a déjà servi, a expiré, a été remplacé par un lien plus récent, ou votre compte est désactivé. Demandez à l'administrateur de votre département de vous en envoyer un nouveau.".into()]
                link=Some((login, "Aller à la page de connexion".into()))
            />
        }
    })
}

/// `GET /agents/mot-de-passe/choisir?jeton=…`
pub async fn link_form(
    State(state): State<AppState>,
    ui: Ui,
    Query(params): Query<TokenParams>,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let token = params.jeton.unwrap_or_default();
    let Some(holder) = lifecycle::link_holder(&state.platform, &tenant.tenant, &token).await?
    else {
        return Ok(dead_link(ui));
    };
    let ui = ui.with_form_token();
    Ok(link_page(
        ui,
        StatusCode::OK,
        &holder,
        token,
        FieldErrors::new(),
    ))
}

/// `POST /agents/mot-de-passe/choisir`: sets the password, ends every session of the account,
/// journals it, and sends its owner to sign in.
pub async fn link_submit(
    State(state): State<AppState>,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let token = form.get("jeton").to_owned();
    let Some(holder) = lifecycle::link_holder(&state.platform, &tenant.tenant, &token).await?
    else {
        return Ok(dead_link(ui));
    };
    let errors = new_password_errors(&form, &holder.0);
    if !errors.is_empty() {
        return Ok(link_page(
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            &holder,
            token,
            errors,
        ));
    }
    let set = lifecycle::set_password_by_link(
        &state.platform,
        &tenant.tenant,
        &token,
        form.get("password"),
    )
    .await?;
    let Some((account, _)) = set else {
        return Ok(dead_link(ui));
    };
    state.accounts.forget(&tenant.tenant, account.id);
    Ok(Redirect::to(&tenant.href("/agents/connexion?mot-de-passe=choisi")).into_response())
}

fn change_page(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    errors: FieldErrors,
    notice: Option<String>,
) -> Response {
    let action = staff.tenant.href(CHANGE_PATH);
    ui.with_staff(staff).render(status, move |ctx| {
        view! { <ChoosePasswordPage ctx title="Changer votre mot de passe".into() action ask_current=true errors notice /> }
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct ChangedParams {
    #[serde(default)]
    change: Option<String>,
}

/// `GET /agents/securite/mot-de-passe`
pub async fn change_form(
    staff: CurrentStaff,
    ui: Ui,
    Query(params): Query<ChangedParams>,
) -> Result<Response, AppError> {
    let notice = params.change.map(|_| {
        "Votre mot de passe est changé. Vos autres sessions ouvertes ont été fermées.".to_owned()
    });
    Ok(change_page(
        &staff,
        ui,
        StatusCode::OK,
        FieldErrors::new(),
        notice,
    ))
}

/// `POST /agents/securite/mot-de-passe`: the current password, then the new one twice. Ends
/// the account's other sessions; journaled; the owner is told by mail.
pub async fn change_submit(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ClientAddr(peer): ClientAddr,
    headers: axum::http::HeaderMap,
    session: Session,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let mut errors = new_password_errors(&form, &staff.account);
    if form.get("current_password").is_empty() {
        errors.add(
            "current_password",
            "Saisissez votre mot de passe actuel : il prouve que c'est bien vous.",
        );
    }
    if !errors.is_empty() {
        return Ok(change_page(
            &staff,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            None,
        ));
    }
    let tenant = &staff.tenant.tenant;
    // A guess of the current password counts like a sign-in's: a stolen session cannot
    // try passwords here faster than on the sign-in page.
    let address = client_address(&state, peer, &headers);
    let keys = LoginKeys::new(tenant, &staff.account.email, address);
    let Some(attempt) = throttle::begin(&state.platform, state.settings.throttle, &keys).await?
    else {
        errors.add(
            "current_password",
            "Trop de tentatives ont échoué. Par sécurité, attendez 15 minutes avant de réessayer.",
        );
        return Ok(change_page(
            &staff,
            ui,
            StatusCode::TOO_MANY_REQUESTS,
            errors,
            None,
        ));
    };
    let passwords = (form.get("current_password"), form.get("password"));
    let outcome = lifecycle::change_password(
        &state.platform,
        tenant,
        &staff.account,
        passwords,
        session.id(),
    )
    .await?;
    if outcome == PasswordChange::WrongCurrent {
        errors.add(
            "current_password",
            "Le mot de passe actuel est incorrect : vérifiez votre saisie (majuscules comprises).",
        );
        return Ok(change_page(
            &staff,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            None,
        ));
    }
    throttle::succeeded(&state.platform, attempt).await?;
    crate::mail::tell(
        &state.platform,
        tenant,
        &staff.account.email,
        "Votre mot de passe a été changé",
        "Le mot de passe de votre compte Guichet vient d'être changé, et vos autres sessions ont été fermées. Si ce n'est pas vous, prévenez aussitôt l'administrateur de votre département.",
    )
    .await?;
    Ok(Redirect::to(&staff.tenant.href(&format!("{CHANGE_PATH}?change=1"))).into_response())
}
