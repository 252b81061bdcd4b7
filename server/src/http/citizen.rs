//! Citizens' sign-in (FranceConnect), sign-out and their space, and the [`CurrentCitizen`]
//! extractor.

use app::pages::citizen::{CitizenLoginPage, CitizenSpacePage, IdentityLine, SignedOutPage};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::ui::Ui;
use super::{AppError, AppState, TenantCtx, csrf};
use crate::citizens::{self, Citizen};
use crate::franceconnect::{FcError, PendingSignIn};

const CITIZEN_KEY: &str = "citizen";
const PENDING_KEY: &str = "franceconnect_pending";

/// Who is signed in, in which tenant. Kept in the session.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct CitizenSessionData {
    tenant_id: i64,
    citizen_id: i64,
    /// FranceConnect's id_token, to end its session too at sign-out.
    fc_id_token: Option<String>,
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
        let tenant = parts
            .extensions
            .get::<TenantCtx>()
            .cloned()
            .ok_or(AppError::NotFound)?;
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| AppError::Internal("session layer missing".into()))?;
        let login_href = tenant.href("/connexion");
        let Some(data) = session.get::<CitizenSessionData>(CITIZEN_KEY).await? else {
            return Err(AppError::SignInRequired { login_href });
        };
        if data.tenant_id != tenant.tenant.id() {
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

/// This department's address as the browser reached it, for the URLs FranceConnect sends the
/// citizen back to.
fn absolute(state: &AppState, headers: &HeaderMap, tenant: &TenantCtx, path: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}{}", tenant.href(path))
}

fn login_with_error(
    ui: Ui,
    state: &AppState,
    status: StatusCode,
    message: Option<String>,
) -> Response {
    let franceconnect = state.franceconnect.is_some();
    ui.render(status, move |ctx| {
        view! { <CitizenLoginPage ctx error=message franceconnect /> }
    })
}

pub async fn login_page(
    State(state): State<AppState>,
    citizen: Result<CurrentCitizen, AppError>,
    ui: Ui,
) -> Result<Response, AppError> {
    if let Ok(citizen) = citizen {
        return Ok(Redirect::to(&citizen.tenant.href("/mon-espace")).into_response());
    }
    Ok(login_with_error(ui, &state, StatusCode::OK, None))
}

pub async fn franceconnect_start(
    State(state): State<AppState>,
    headers: HeaderMap,
    session: Session,
    ui: Ui,
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
    let redirect_uri = absolute(&state, &headers, &tenant, "/connexion/franceconnect/retour");
    match fc.start(&redirect_uri).await {
        Ok((url, pending)) => {
            session.insert(PENDING_KEY, pending).await?;
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

#[derive(Debug, Deserialize)]
pub struct ReturnParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
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
    // A new id at sign-in defeats session fixation; a new form token goes with it.
    session.cycle_id().await?;
    session
        .insert(
            CITIZEN_KEY,
            CitizenSessionData {
                tenant_id: tenant.tenant.id(),
                citizen_id: citizen.id,
                fc_id_token: Some(signed_in.id_token),
            },
        )
        .await?;
    csrf::rotate(&session).await?;
    tracing::info!(tenant = %tenant.tenant.slug(), citizen = citizen.id, "citizen signed in with FranceConnect");
    Ok(Redirect::to(&tenant.href("/mon-espace")).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    session: Session,
    citizen: Result<CurrentCitizen, AppError>,
    ui: Ui,
) -> Result<Response, AppError> {
    let tenant = ui.tenant().cloned().ok_or(AppError::NotFound)?;
    let signed_out = absolute(&state, &headers, &tenant, "/deconnexion/terminee");
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
    Ok(Redirect::to(&tenant.href("/deconnexion/terminee")).into_response())
}

pub async fn signed_out(ui: Ui) -> Response {
    ui.render(StatusCode::OK, |ctx| view! { <SignedOutPage ctx /> })
}

pub async fn space(citizen: CurrentCitizen, ui: Ui) -> Response {
    let person = citizen.citizen.clone();
    let greeting_name = person.display_name();
    let via_franceconnect = person.via_franceconnect;
    let identity = identity_lines(&person);
    ui.with_citizen(&citizen)
        .render(StatusCode::OK, move |ctx| {
            view! { <CitizenSpacePage ctx greeting_name identity via_franceconnect /> }
        })
}

fn identity_lines(person: &Citizen) -> Vec<IdentityLine> {
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
    lines.push(line(
        "Sexe",
        match person.gender.as_str() {
            "female" => "Féminin".into(),
            "male" => "Masculin".into(),
            _ => "Non renseigné".into(),
        },
    ));
    lines.push(line(
        "Lieu de naissance",
        if person.birthplace.is_empty() {
            format!("à l'étranger (pays : code INSEE {})", person.birthcountry)
        } else {
            format!("commune de code INSEE {}", person.birthplace)
        },
    ));
    if !person.email.is_empty() {
        lines.push(line("Adresse électronique", person.email.clone()));
    }
    lines
}

/// `1962-08-24` → `24/08/1962`; anything else as given.
fn french_date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| iso.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_shown_the_french_way() {
        assert_eq!(french_date("1962-08-24"), "24/08/1962");
        assert_eq!(french_date(""), "");
        assert_eq!(french_date("1962"), "1962");
    }
}
