//! A ProConnect simulator: an OpenID Connect provider on loopback with test agents of several
//! administrations (SIRETs), with and without a second factor, for development, the demo and
//! the tests. Start it with `guichet proconnect-simulator`.
//!
//! It speaks ProConnect's protocol: paths under `/api/v2`, discovery, `state` and `nonce` of
//! 32 characters at least, no authorize parameter beyond those ProConnect defines, the
//! `claims` parameter (an essential `acr` is noted, not enforced: each agent signs in at their
//! identity provider's level, so the client's own check is what refuses a weak one),
//! `client_secret_post`, single-use codes, an ES256 id_token with `acr` and `amr`, the userinfo
//! as a signed JWT (`application/jwt`), `/jwks` and `/session/end`. For the tests, it can
//! alter its id_tokens or userinfo after signing them ([`Tampering`]).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::PrivateSigningKey;
use openidconnect::core::CoreJsonWebKeySet;
use serde::Deserialize;
use tokio::net::TcpListener;

use super::agent::Agent;
use crate::oidc::simulator_kit::{
    self, Choice, EXPIRED, EndSessionQuery, EsKey, InteractionForm, RegisteredUris, back_to,
    bearer, chooser_page, error_page, invalid_token, oauth_error, provider_metadata, random_token,
    signed_jwt,
};

/// Where the simulator's OpenID endpoints live, as on the real service.
pub const API_PREFIX: &str = "/api/v2";
const NAME: &str = "ProConnect";
const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(60);
const CODE_TTL: Duration = Duration::from_secs(60);
const INTERACTION_TTL: Duration = Duration::from_secs(600);
/// ProConnect refuses shorter `state` and `nonce` values.
const MIN_RANDOM_LEN: usize = 32;
/// The authorize parameters ProConnect defines; any other is refused.
const AUTHORIZE_PARAMS: [&str; 10] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "claims",
    "acr_values",
    "prompt",
    "login_hint",
];

/// The SIRET of the demo department's test agents (`demo::SIRET`).
pub const DEMO_SIRET: &str = crate::demo::SIRET;
/// The SIRET of another administration's test agent.
pub const OTHER_SIRET: &str = "22340001700016";

/// For the tests: change a token after signing it, as an attacker in the middle would.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tampering {
    #[default]
    None,
    /// The id_token's payload names another subject; its signature no longer matches.
    IdToken,
    /// The userinfo's payload carries the demo administrator's address, as an agent who wants
    /// her account would write it; its signature no longer matches.
    Userinfo,
}

/// The service provider the simulator accepts.
#[derive(Clone, Debug)]
pub struct SimulatorConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Its return addresses: any other is refused.
    pub redirect_uris: RegisteredUris,
    pub tampering: Tampering,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            client_id: "guichet-demo-agents".into(),
            client_secret: "guichet-demo-agents-secret".into(),
            redirect_uris: RegisteredUris::default(),
            tampering: Tampering::None,
        }
    }
}

/// A test agent, and how their identity provider authenticates them.
#[derive(Clone, Debug)]
pub struct TestAgent {
    pub agent: Agent,
    pub amr: Vec<&'static str>,
    /// Who they are, on the picking page.
    pub description: &'static str,
}

/// The test agents offered on the sign-in page.
pub fn test_agents() -> Vec<TestAgent> {
    let agent = |sub: &str,
                 idp: &str,
                 email: &str,
                 given: &str,
                 usual: &str,
                 siret: &str,
                 unit: &str,
                 acr: &str,
                 amr: Vec<&'static str>,
                 description: &'static str| TestAgent {
        agent: Agent {
            sub: sub.into(),
            idp_id: idp.into(),
            email: email.into(),
            given_name: given.into(),
            usual_name: usual.into(),
            uid: format!("uid-{sub}"),
            siret: siret.into(),
            organizational_unit: unit.into(),
            acr: Some(acr.into()),
            mfa: amr.contains(&"mfa"),
        },
        amr,
        description,
    };
    let department_idp = "sim-idp-departement";
    vec![
        agent(
            "sim-agent-claire-dupont",
            department_idp,
            "admin@demo.guichet.test",
            "Claire",
            "DUPONT",
            DEMO_SIRET,
            "Direction des systèmes d'information",
            "eidas2",
            vec!["pwd", "totp", "mfa"],
            "administratrice du département de démonstration, avec double authentification",
        ),
        agent(
            "sim-agent-sophie-martin",
            department_idp,
            "aid-instructor@demo.guichet.test",
            "Sophie",
            "MARTIN",
            DEMO_SIRET,
            "Direction de l'action sociale",
            "eidas1",
            vec!["pwd"],
            "instructrice du département de démonstration, mot de passe seul",
        ),
        agent(
            "sim-agent-yanis-bernard",
            department_idp,
            "reception@demo.guichet.test",
            "Yanis",
            "BERNARD",
            DEMO_SIRET,
            "Accueil",
            "eidas2",
            vec!["pwd", "otp", "mfa"],
            "agent d'accueil du département de démonstration, avec double authentification",
        ),
        agent(
            "sim-agent-nadia-haddad",
            department_idp,
            "nadia.haddad@demo.guichet.test",
            "Nadia",
            "HADDAD",
            DEMO_SIRET,
            "Direction de l'action sociale",
            "eidas1",
            vec!["pwd"],
            "agente du département de démonstration sans compte Guichet",
        ),
        agent(
            "sim-agent-paul-roux",
            "sim-idp-autre-administration",
            "paul.roux@autre-administration.test",
            "Paul",
            "ROUX",
            OTHER_SIRET,
            "Service des solidarités",
            "eidas2",
            vec!["pwd", "totp", "mfa"],
            "agent d'une autre administration (autre SIRET)",
        ),
    ]
}

/// A running simulator.
pub struct SimulatorHandle {
    pub addr: SocketAddr,
    /// The issuer to configure the client with (`http://ADDR/api/v2`).
    pub issuer: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the simulator on `listener` in the background.
pub fn spawn(listener: TcpListener, config: SimulatorConfig) -> std::io::Result<SimulatorHandle> {
    let addr = listener.local_addr()?;
    let issuer = format!("http://{addr}{API_PREFIX}");
    let simulator = Simulator {
        issuer: issuer.clone(),
        config,
        key: EsKey::generate(),
        agents: test_agents(),
        grants: Mutex::default(),
    };
    let app = router(simulator);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "ProConnect simulator stopped");
        }
    });
    Ok(SimulatorHandle { addr, issuer, task })
}

fn router(simulator: Simulator) -> Router {
    let api = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/interaction/choose", post(choose_agent))
        .route("/interaction/cancel", post(cancel))
        .route("/token", post(token))
        .route("/userinfo", get(userinfo))
        .route("/session/end", get(end_session));
    Router::new()
        .nest(API_PREFIX, api)
        .with_state(Arc::new(simulator))
}

struct Simulator {
    issuer: String,
    config: SimulatorConfig,
    key: EsKey,
    agents: Vec<TestAgent>,
    grants: Mutex<Grants>,
}

impl Simulator {
    fn agent(&self, sub: &str) -> Option<&TestAgent> {
        self.agents.iter().find(|a| a.agent.sub == sub)
    }

    fn grants(&self) -> std::sync::MutexGuard<'_, Grants> {
        let mut grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        grants
            .interactions
            .retain(|_, i| now.duration_since(i.created) < INTERACTION_TTL);
        grants
            .codes
            .retain(|_, c| now.duration_since(c.created) < CODE_TTL);
        grants
            .access_tokens
            .retain(|_, (_, created)| now.duration_since(*created) < ACCESS_TOKEN_TTL);
        grants
    }
}

#[derive(Default)]
struct Grants {
    interactions: HashMap<String, Interaction>,
    codes: HashMap<String, CodeGrant>,
    /// Access token → (agent's subject, when issued).
    access_tokens: HashMap<String, (String, Instant)>,
}

#[derive(Clone)]
struct Interaction {
    redirect_uri: String,
    state: String,
    nonce: String,
    created: Instant,
}

struct CodeGrant {
    sub: String,
    redirect_uri: String,
    nonce: String,
    created: Instant,
}

async fn discovery(State(sim): State<Arc<Simulator>>) -> Response {
    let acr = [
        "eidas1",
        "eidas2",
        "eidas3",
        "self-asserted",
        "self-asserted-2fa",
        "consistency-checked",
        "consistency-checked-2fa",
    ];
    let metadata = provider_metadata(&sim.issuer, &acr).set_claims_parameter_supported(Some(true));
    Json(metadata).into_response()
}

async fn jwks(State(sim): State<Arc<Simulator>>) -> Response {
    Json(CoreJsonWebKeySet::new(vec![sim.key.as_verification_key()])).into_response()
}

async fn authorize(
    State(sim): State<Arc<Simulator>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let param = |name: &str| params.get(name).cloned().unwrap_or_default();
    if param("client_id") != sim.config.client_id {
        let message = "Le fournisseur de service est inconnu (client_id).";
        return error_page(NAME, StatusCode::BAD_REQUEST, message);
    }
    let registered = &sim.config.redirect_uris;
    let asked = params.get("redirect_uri").cloned();
    let redirect_uri = match simulator_kit::registered_redirect_uri(NAME, registered, asked) {
        Ok(uri) => uri,
        Err(refused) => return *refused,
    };
    let state = param("state");
    let refuse = |error: &str, why: &str| {
        back_to(
            &redirect_uri,
            &[
                ("error", error),
                ("error_description", why),
                ("state", &state),
            ],
        )
    };
    if let Some(unknown) = params
        .keys()
        .find(|k| !AUTHORIZE_PARAMS.contains(&k.as_str()))
    {
        return refuse(
            "invalid_request",
            &format!("paramètre inconnu de ProConnect : {unknown}"),
        );
    }
    if param("response_type") != "code" {
        return refuse(
            "unsupported_response_type",
            "response_type doit valoir code",
        );
    }
    let scopes: HashSet<String> = param("scope").split(' ').map(str::to_owned).collect();
    if !scopes.contains("openid") {
        return refuse("invalid_scope", "le scope openid est obligatoire");
    }
    let nonce = param("nonce");
    if state.len() < MIN_RANDOM_LEN || nonce.len() < MIN_RANDOM_LEN {
        return refuse(
            "invalid_request",
            "state et nonce sont obligatoires (32 caractères au moins)",
        );
    }
    if let Some(claims) = params.get("claims")
        && serde_json::from_str::<serde_json::Value>(claims).is_err()
    {
        return refuse("invalid_request", "claims n'est pas un objet JSON");
    }
    let interaction = random_token(32);
    sim.grants().interactions.insert(
        interaction.clone(),
        Interaction {
            redirect_uri,
            state,
            nonce,
            created: Instant::now(),
        },
    );
    agent_page(&sim, &interaction)
}

fn agent_page(sim: &Simulator, interaction: &str) -> Response {
    let choices = sim
        .agents
        .iter()
        .map(|test| Choice {
            sub: test.agent.sub.clone(),
            name: format!("{} {}", test.agent.given_name, test.agent.usual_name),
            detail: format!(
                "{} — {}, SIRET {}, niveau {}",
                test.description,
                test.agent.email,
                test.agent.siret,
                test.agent.acr.clone().unwrap_or_default(),
            ),
        })
        .collect();
    let page = (
        "un agent de test",
        "Ce simulateur remplace ProConnect pour les essais. Choisissez l'agent public au nom duquel vous vous connectez.",
    );
    chooser_page(NAME, page, &sim.issuer, interaction, choices)
}

async fn choose_agent(
    State(sim): State<Arc<Simulator>>,
    Form(form): Form<InteractionForm>,
) -> Response {
    let mut grants = sim.grants();
    let Some(interaction) = grants.interactions.remove(&form.interaction) else {
        return error_page(NAME, StatusCode::BAD_REQUEST, EXPIRED);
    };
    let Some(test) = form.sub.as_deref().and_then(|s| sim.agent(s)) else {
        return error_page(NAME, StatusCode::BAD_REQUEST, "Agent de test inconnu.");
    };
    let code = random_token(43);
    grants.codes.insert(
        code.clone(),
        CodeGrant {
            sub: test.agent.sub.clone(),
            redirect_uri: interaction.redirect_uri.clone(),
            nonce: interaction.nonce,
            created: Instant::now(),
        },
    );
    back_to(
        &interaction.redirect_uri,
        &[("code", &code), ("state", &interaction.state)],
    )
}

async fn cancel(State(sim): State<Arc<Simulator>>, Form(form): Form<InteractionForm>) -> Response {
    let Some(interaction) = sim.grants().interactions.remove(&form.interaction) else {
        return error_page(NAME, StatusCode::BAD_REQUEST, EXPIRED);
    };
    back_to(
        &interaction.redirect_uri,
        &[
            ("error", "access_denied"),
            ("error_description", "l'agent a annulé la connexion"),
            ("state", &interaction.state),
        ],
    )
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn token(State(sim): State<Arc<Simulator>>, Form(form): Form<TokenForm>) -> Response {
    if form.client_id.as_deref() != Some(sim.config.client_id.as_str())
        || form.client_secret.as_deref() != Some(sim.config.client_secret.as_str())
    {
        let why = "client_id ou client_secret incorrect";
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", why);
    }
    if form.grant_type.as_deref() != Some("authorization_code") {
        let why = "grant_type doit valoir authorization_code";
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", why);
    }
    let mut grants = sim.grants();
    // A code is spent on first use, even by a failed exchange.
    let Some(grant) = form.code.as_deref().and_then(|c| grants.codes.remove(c)) else {
        let why = "code inconnu, expiré ou déjà utilisé";
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why);
    };
    if form.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        let why = "redirect_uri différente de celle de la demande";
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why);
    }
    let Some(test) = sim.agent(&grant.sub) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "agent inconnu");
    };
    let access_token = random_token(43);
    grants
        .access_tokens
        .insert(access_token.clone(), (grant.sub.clone(), Instant::now()));
    drop(grants);
    let now = chrono::Utc::now().timestamp();
    let claims = serde_json::json!({
        "iss": sim.issuer,
        "sub": grant.sub,
        "aud": sim.config.client_id,
        "exp": now + 60,
        "iat": now,
        "auth_time": now,
        "nonce": grant.nonce,
        "acr": test.agent.acr,
        "amr": test.amr,
        "at_hash": at_hash(&access_token),
    });
    let Some(mut id_token) = signed_jwt(&sim.key, &claims) else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "signature impossible",
        );
    };
    if sim.config.tampering == Tampering::IdToken {
        id_token = tampered(&id_token, |claims| {
            claims["sub"] = "sim-agent-quelquun-dautre".into();
        });
    }
    Json(serde_json::json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_TTL.as_secs(),
        "id_token": id_token,
        "scope": "openid email given_name usual_name uid siret idp_id organizational_unit belonging_population",
    }))
    .into_response()
}

/// `at_hash`: the left half of the access token's SHA-256, as ES256 id_tokens carry it.
fn at_hash(access_token: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// `jwt` with its payload changed by `change` and its signature kept: no longer valid.
fn tampered(jwt: &str, change: impl FnOnce(&mut serde_json::Value)) -> String {
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut claims: serde_json::Value = URL_SAFE_NO_PAD
        .decode(parts[1])
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    change(&mut claims);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

async fn userinfo(State(sim): State<Arc<Simulator>>, headers: HeaderMap) -> Response {
    let sub = bearer(&headers).and_then(|token| {
        sim.grants()
            .access_tokens
            .get(token)
            .map(|(sub, _)| sub.clone())
    });
    let Some(test) = sub.as_deref().and_then(|s| sim.agent(s)) else {
        return invalid_token();
    };
    let agent = &test.agent;
    let claims = serde_json::json!({
        "iss": sim.issuer,
        "aud": sim.config.client_id,
        "sub": agent.sub,
        "email": agent.email,
        "given_name": agent.given_name,
        "usual_name": agent.usual_name,
        "uid": agent.uid,
        "siret": agent.siret,
        "idp_id": agent.idp_id,
        "organizational_unit": agent.organizational_unit,
        "belonging_population": "agent-public",
    });
    let Some(mut jwt) = signed_jwt(&sim.key, &claims) else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "signature impossible",
        );
    };
    if sim.config.tampering == Tampering::Userinfo {
        jwt = tampered(&jwt, |claims| {
            claims["email"] = "admin@demo.guichet.test".into()
        });
    }
    ([(header::CONTENT_TYPE, "application/jwt")], jwt).into_response()
}

async fn end_session(
    State(sim): State<Arc<Simulator>>,
    Query(params): EndSessionQuery,
) -> Response {
    simulator_kit::end_session(NAME, &sim.config.redirect_uris, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_agents_have_distinct_subjects_and_both_kinds_of_sign_in() {
        let agents = test_agents();
        let subs: HashSet<_> = agents.iter().map(|a| a.agent.sub.as_str()).collect();
        assert_eq!(subs.len(), agents.len());
        assert!(agents.iter().any(|a| a.agent.mfa));
        assert!(agents.iter().any(|a| !a.agent.mfa));
        assert!(agents.iter().any(|a| a.agent.siret == OTHER_SIRET));
    }

    #[test]
    fn a_tampered_token_keeps_its_signature_and_changes_its_payload() {
        let key = EsKey::generate();
        let jwt = signed_jwt(&key, &serde_json::json!({"sub": "a"})).unwrap();
        let changed = tampered(&jwt, |c| c["sub"] = "b".into());
        assert_eq!(jwt.split('.').nth(2), changed.split('.').nth(2));
        assert_ne!(jwt.split('.').nth(1), changed.split('.').nth(1));
    }
}
