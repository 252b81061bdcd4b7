//! Staff sign-in with ProConnect: the way out to the provider (asking the department's minimum
//! assurance) and the way back, where the checked agent is matched to a staff account of the
//! department (`staff::identity`), then signed in: at once with ProConnect's second factor,
//! else as after a password (the app's code asked when the account has one).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::auth::{StaffSessionData, first_factor_passed, login_with_error, open_session};
use super::citizen::{ReturnParams, absolute};
use super::ui::Ui;
use super::{AppError, AppState, TenantCtx};
use crate::proconnect::{Agent, PcError, PendingSignIn, SignedInAgent};
use crate::staff::identity::{self, AgentRefused, Matched};

/// The sign-in in progress, between leaving for ProConnect and coming back.
const PENDING_KEY: &str = "staff_proconnect_pending";
/// Where ProConnect sends agents back, under the department's address.
pub const RETURN_PATH: &str = "/agents/connexion/proconnect/retour";

/// Where ProConnect sends the staff member back after logout: the sign-in page.
pub const SIGNED_OUT_PATH: &str = "/agents/connexion";

/// `GET /agents/connexion/proconnect`: off to ProConnect.
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    session: Session,
    ui: Ui,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let Some(proconnect) = state.proconnect.clone() else {
        return refused(
            ui,
            &state,
            StatusCode::SERVICE_UNAVAILABLE,
            PcError::NotConfigured.message(),
        )
        .await;
    };
    let policy = state.policies.get(&state.platform, &tenant.tenant).await?;
    let redirect_uri = absolute(&state, &headers, &tenant, RETURN_PATH);
    match proconnect.start(&redirect_uri, policy.minimum).await {
        Ok((url, pending)) => {
            session.insert(PENDING_KEY, pending).await?;
            Ok(Redirect::to(url.as_str()).into_response())
        }
        Err(e) => {
            tracing::warn!(error = %e, "ProConnect sign-in could not start");
            refused(ui, &state, StatusCode::SERVICE_UNAVAILABLE, e.message()).await
        }
    }
}

/// `GET /agents/connexion/proconnect/retour`: back from ProConnect.
pub async fn finish(
    State(state): State<AppState>,
    session: Session,
    ui: Ui,
    Query(params): Query<ReturnParams>,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    // Spent whatever happens next: a return can be used once.
    let pending = session.remove::<PendingSignIn>(PENDING_KEY).await?;
    let policy = state.policies.get(&state.platform, &tenant.tenant).await?;
    let signed_in = match checked_agent(&state, pending, &params, policy.minimum).await {
        Ok(signed_in) => signed_in,
        Err(e) => {
            tracing::warn!(error = %e, tenant = %tenant.tenant.slug(), "ProConnect sign-in failed");
            let status = match e {
                PcError::Cancelled => StatusCode::OK,
                PcError::AssuranceTooLow { .. } => StatusCode::FORBIDDEN,
                PcError::BadState | PcError::Invalid(_) => StatusCode::BAD_REQUEST,
                PcError::NotConfigured | PcError::Provider(_) | PcError::Unreachable(_) => {
                    StatusCode::BAD_GATEWAY
                }
            };
            return refused(ui, &state, status, e.message()).await;
        }
    };
    let SignedInAgent { agent, id_token } = signed_in;
    let matched =
        identity::account_for_agent(&state.platform, &tenant.tenant, &policy, &agent).await?;
    let (account, matched) = match matched {
        Ok(found) => found,
        Err(refusal) => {
            tracing::warn!(tenant = %tenant.tenant.slug(), ?refusal, siret = %agent.siret, "ProConnect agent refused");
            let message = refusal_message(&refusal, &agent, &tenant);
            return refused(ui, &state, StatusCode::FORBIDDEN, &message).await;
        }
    };
    if matched == Matched::NewlyLinked {
        crate::mail::tell(
            &state.platform,
            &tenant.tenant,
            &account.email,
            "Votre compte est relié à ProConnect",
            "Votre compte Guichet vient d'être relié à votre identité ProConnect : vous pouvez désormais vous connecter avec ProConnect. Si ce n'était pas vous, prévenez tout de suite l'administrateur de votre département.",
        )
        .await?;
    }
    let linked = if matched == Matched::NewlyLinked {
        ", compte relié à cette identité"
    } else {
        ""
    };
    let data = StaffSessionData {
        second_factor: agent.mfa,
        proconnect_id_token: Some(id_token),
        ..StaffSessionData::new(&tenant, &account)
    };
    if agent.mfa {
        let action = format!("connexion avec ProConnect (double authentification){linked}");
        open_session(&session, &tenant, account, data, &action).await?;
        return Ok(Redirect::to(&tenant.href("/agents/")).into_response());
    }
    let action = format!("connexion avec ProConnect{linked}");
    first_factor_passed(&state, &session, &tenant, account, data, &action).await
}

/// The agent ProConnect sends back, checked, or why not.
async fn checked_agent(
    state: &AppState,
    pending: Option<PendingSignIn>,
    params: &ReturnParams,
    minimum: Option<crate::proconnect::Assurance>,
) -> Result<SignedInAgent, PcError> {
    let proconnect = state.proconnect.as_ref().ok_or(PcError::NotConfigured)?;
    match (&params.error, pending, &params.code, &params.state) {
        (Some(error), ..) if error == "access_denied" => Err(PcError::Cancelled),
        (Some(error), ..) => Err(PcError::Provider(format!(
            "{error}: {}",
            params.error_description.as_deref().unwrap_or("")
        ))),
        (None, Some(pending), Some(code), Some(returned)) => {
            proconnect.finish(&pending, code, returned, minimum).await
        }
        _ => Err(PcError::BadState),
    }
}

/// What an agent who cannot come in reads: why, and whom to ask.
fn refusal_message(refusal: &AgentRefused, agent: &Agent, tenant: &TenantCtx) -> String {
    let department = tenant.tenant.name();
    match refusal {
        AgentRefused::ForeignSiret => format!(
            "Votre administration (SIRET {}) n'est pas déclarée par {department} : seuls ses agents se connectent ici. Si vous travaillez pour ce département, demandez à son administrateur Guichet d'ajouter ce SIRET.",
            agent.siret
        ),
        AgentRefused::NoAccount => format!(
            "Aucun compte Guichet n'a été créé pour {} dans {department}. Demandez à l'administrateur Guichet de votre département de créer votre compte avec cette adresse, puis reconnectez-vous.",
            agent.email
        ),
        AgentRefused::Inactive => {
            "Votre compte Guichet est désactivé. Adressez-vous à l'administrateur Guichet de votre département.".to_owned()
        }
        AgentRefused::LinkedToAnother => format!(
            "Le compte Guichet de {} est déjà relié à une autre identité ProConnect. Demandez à l'administrateur Guichet de votre département de vérifier votre compte.",
            agent.email
        ),
    }
}

async fn refused(
    ui: Ui,
    state: &AppState,
    status: StatusCode,
    message: &str,
) -> Result<Response, AppError> {
    let ui = ui.with_form_token();
    Ok(login_with_error(
        ui,
        state,
        status,
        Some(message.to_owned()),
        String::new(),
    ))
}
