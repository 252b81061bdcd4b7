//! A FranceConnect v2 simulator: an OpenID Connect provider on loopback with a handful of test
//! identities, for development, the demo and the tests.
//!
//! It speaks the protocol the real service speaks (same paths under `/api/v2`, discovery, ES256
//! signatures, `acr_values=eidas1`, userinfo as a signed JWT, `client_secret_post`, 60 s access
//! tokens, single-use codes, `/session/end`), so the client cannot tell it from the real one.
//! Data providers (the API Particulier simulator) check an access token at `/checktoken`, as
//! FranceConnect's data providers do. Start it with `guichet franceconnect-simulator`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AccessToken, Audience, AuthenticationContextClass, AuthenticationMethodReference,
    EndUserBirthday, EndUserEmail, EndUserFamilyName, EndUserGivenName, EndUserUsername, IdToken,
    IdTokenClaims, IssuerUrl, Nonce, PrivateSigningKey, StandardClaims, SubjectIdentifier,
    UserInfoClaims, UserInfoJsonWebToken,
};
use serde::Deserialize;
use tokio::net::TcpListener;

use super::identity::{FcClaims, FcIdentity};
use crate::oidc::simulator_kit::{
    self, Choice, EXPIRED, EndSessionQuery, EsKey, InteractionForm, RegisteredUris, bearer,
    chooser_page, error_page, invalid_token, oauth_error, provider_metadata, random_token,
    signed_jwt,
};

/// How the simulator names itself on its pages.
const NAME: &str = "FranceConnect";

/// Where the simulator's OpenID endpoints live, as on the real service.
pub const API_PREFIX: &str = "/api/v2";
/// Access tokens live 60 seconds, as on FranceConnect.
const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(60);
/// An authorization code must be redeemed quickly, and only once.
const CODE_TTL: Duration = Duration::from_secs(60);
/// An identity-picking page left open longer than this must start over.
const INTERACTION_TTL: Duration = Duration::from_secs(600);

/// The data provider the simulator knows (API Particulier): the credentials it presents to
/// `/checktoken`. Constants rather than configuration, as FranceConnect registers its data
/// providers itself.
pub const DATA_PROVIDER_CLIENT_ID: &str = "api-particulier-simulateur";
pub const DATA_PROVIDER_CLIENT_SECRET: &str = "api-particulier-simulateur-secret";

/// The service provider the simulator accepts (one, as a test integration would be).
#[derive(Clone, Debug)]
pub struct SimulatorConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Its return addresses: any other is refused.
    pub redirect_uris: RegisteredUris,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            client_id: "guichet-demo".into(),
            client_secret: "guichet-demo-secret".into(),
            redirect_uris: RegisteredUris::default(),
        }
    }
}

/// The test identities offered on the sign-in page.
pub fn test_identities() -> Vec<FcIdentity> {
    let person = |sub: &str,
                  given: &str,
                  family: &str,
                  birthdate: &str,
                  gender: &str,
                  birthplace: &str,
                  birthcountry: &str,
                  email: &str,
                  usage: &str| FcIdentity {
        sub: sub.into(),
        given_name: given.into(),
        family_name: family.into(),
        birthdate: birthdate.into(),
        gender: gender.into(),
        birthplace: birthplace.into(),
        birthcountry: birthcountry.into(),
        email: email.into(),
        preferred_username: usage.into(),
    };
    vec![
        person(
            "sim-angela-dubois",
            "Angela Claire Louise",
            "DUBOIS",
            "1962-08-24",
            "female",
            "75107",
            "99100",
            "angela.dubois@courriel.test",
            "",
        ),
        person(
            "sim-karim-benali",
            "Karim",
            "BENALI",
            "1988-03-02",
            "male",
            "69123",
            "99100",
            "karim.benali@courriel.test",
            "",
        ),
        person(
            "sim-marie-leroy",
            "Marie Thérèse",
            "LEROY",
            "1951-11-30",
            "female",
            "59350",
            "99100",
            "marie.leroy@courriel.test",
            "MARTIN",
        ),
        person(
            "sim-lucas-nguyen",
            "Lucas",
            "NGUYEN",
            "2003-06-15",
            "male",
            "33063",
            "99100",
            "lucas.nguyen@courriel.test",
            "",
        ),
        person(
            "sim-fatou-diallo",
            "Fatou",
            "DIALLO",
            "1979-01-09",
            "female",
            "",
            "99341",
            "fatou.diallo@courriel.test",
            "",
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
    let app = router(Simulator::new(issuer.clone(), config));
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "FranceConnect simulator stopped");
        }
    });
    Ok(SimulatorHandle { addr, issuer, task })
}

/// The simulator's routes.
pub fn router(simulator: Simulator) -> Router {
    let api = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/interaction/choose", post(choose_identity))
        .route("/interaction/cancel", post(cancel))
        .route("/token", post(token))
        .route("/userinfo", get(userinfo))
        .route("/checktoken", post(checktoken))
        .route("/session/end", get(end_session));
    Router::new()
        .nest(API_PREFIX, api)
        .with_state(Arc::new(simulator))
}

/// The simulator's state: its signing key and the grants in flight (memory only).
pub struct Simulator {
    issuer: String,
    config: SimulatorConfig,
    key: EsKey,
    identities: Vec<FcIdentity>,
    grants: Mutex<Grants>,
}

#[derive(Default)]
struct Grants {
    interactions: HashMap<String, Interaction>,
    codes: HashMap<String, CodeGrant>,
    access_tokens: HashMap<String, AccessGrant>,
}

/// What an access token stands for: whom, which scopes, since when.
struct AccessGrant {
    sub: String,
    scope: String,
    created: Instant,
    /// Unix times of issue and expiry, for `iat` and `exp` at `/checktoken`.
    issued_at: i64,
    expires_at: i64,
}

impl Grants {
    fn sweep(&mut self) {
        let now = Instant::now();
        self.interactions
            .retain(|_, i| now.duration_since(i.created) < INTERACTION_TTL);
        self.codes
            .retain(|_, c| now.duration_since(c.created) < CODE_TTL);
        self.access_tokens
            .retain(|_, grant| now.duration_since(grant.created) < ACCESS_TOKEN_TTL);
    }
}

/// An authorization request waiting for the person to pick an identity.
#[derive(Clone)]
struct Interaction {
    redirect_uri: String,
    state: String,
    nonce: String,
    /// The scopes asked for, which the access token will carry.
    scope: String,
    created: Instant,
}

struct CodeGrant {
    sub: String,
    redirect_uri: String,
    nonce: String,
    scope: String,
    created: Instant,
}

impl Simulator {
    pub fn new(issuer: String, config: SimulatorConfig) -> Self {
        Self {
            issuer,
            config,
            key: EsKey::generate(),
            identities: test_identities(),
            grants: Mutex::default(),
        }
    }

    fn grants(&self) -> std::sync::MutexGuard<'_, Grants> {
        let mut grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        grants.sweep();
        grants
    }

    fn identity(&self, sub: &str) -> Option<&FcIdentity> {
        self.identities.iter().find(|i| i.sub == sub)
    }
}

async fn discovery(State(sim): State<Arc<Simulator>>) -> Response {
    Json(provider_metadata(&sim.issuer, &["eidas1"])).into_response()
}

async fn jwks(State(sim): State<Arc<Simulator>>) -> Response {
    Json(CoreJsonWebKeySet::new(vec![sim.key.as_verification_key()])).into_response()
}

#[derive(Deserialize)]
struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    acr_values: Option<String>,
}

async fn authorize(
    State(sim): State<Arc<Simulator>>,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    if params.client_id.as_deref() != Some(sim.config.client_id.as_str()) {
        return error_page(
            NAME,
            StatusCode::BAD_REQUEST,
            "Le fournisseur de service est inconnu (client_id).",
        );
    }
    let registered = &sim.config.redirect_uris;
    let redirect_uri =
        match simulator_kit::registered_redirect_uri(NAME, registered, params.redirect_uri) {
            Ok(uri) => uri,
            Err(refused) => return *refused,
        };
    let state = params.state.unwrap_or_default();
    let refuse = |error: &str, description: &str| {
        let mut target = url::Url::parse(&redirect_uri).expect("checked above");
        target
            .query_pairs_mut()
            .append_pair("error", error)
            .append_pair("error_description", description)
            .append_pair("state", &state);
        Redirect::to(target.as_str()).into_response()
    };
    if params.response_type.as_deref() != Some("code") {
        return refuse(
            "unsupported_response_type",
            "response_type doit valoir code",
        );
    }
    let scopes: Vec<&str> = params.scope.as_deref().unwrap_or("").split(' ').collect();
    let scope = scopes
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if !scopes.contains(&"openid") {
        return refuse("invalid_scope", "le scope openid est obligatoire");
    }
    // FranceConnect requires both, long enough to be unguessable.
    let nonce = params.nonce.unwrap_or_default();
    if state.len() < 22 || nonce.len() < 22 {
        return refuse(
            "invalid_request",
            "state et nonce sont obligatoires (22 caractères au moins)",
        );
    }
    if params.acr_values.as_deref() != Some("eidas1") {
        return refuse("invalid_request", "acr_values doit valoir eidas1");
    }
    let interaction = random_token(32);
    sim.grants().interactions.insert(
        interaction.clone(),
        Interaction {
            redirect_uri,
            state,
            nonce,
            scope,
            created: Instant::now(),
        },
    );
    identity_page(&sim, &interaction)
}

fn identity_page(sim: &Simulator, interaction: &str) -> Response {
    let choices = sim
        .identities
        .iter()
        .map(|person| Choice {
            sub: person.sub.clone(),
            name: format!("{} {}", person.given_name, person.family_name),
            detail: format!("née ou né le {}, {}", person.birthdate, person.email),
        })
        .collect();
    let page = (
        "une identité de test",
        "Ce simulateur remplace FranceConnect pour les essais. Choisissez la personne au nom de laquelle vous vous connectez.",
    );
    chooser_page(NAME, page, &sim.issuer, interaction, choices)
}

async fn choose_identity(
    State(sim): State<Arc<Simulator>>,
    Form(form): Form<InteractionForm>,
) -> Response {
    let mut grants = sim.grants();
    let Some(interaction) = grants.interactions.remove(&form.interaction) else {
        return error_page(NAME, StatusCode::BAD_REQUEST, EXPIRED);
    };
    let Some(person) = form.sub.as_deref().and_then(|s| sim.identity(s)) else {
        return error_page(NAME, StatusCode::BAD_REQUEST, "Identité de test inconnue.");
    };
    let code = random_token(43);
    grants.codes.insert(
        code.clone(),
        CodeGrant {
            sub: person.sub.clone(),
            redirect_uri: interaction.redirect_uri.clone(),
            nonce: interaction.nonce,
            scope: interaction.scope,
            created: Instant::now(),
        },
    );
    let mut target = url::Url::parse(&interaction.redirect_uri).expect("checked at /authorize");
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &interaction.state);
    Redirect::to(target.as_str()).into_response()
}

async fn cancel(State(sim): State<Arc<Simulator>>, Form(form): Form<InteractionForm>) -> Response {
    let Some(interaction) = sim.grants().interactions.remove(&form.interaction) else {
        return error_page(NAME, StatusCode::BAD_REQUEST, EXPIRED);
    };
    let mut target = url::Url::parse(&interaction.redirect_uri).expect("checked at /authorize");
    target
        .query_pairs_mut()
        .append_pair("error", "access_denied")
        .append_pair("error_description", "l'usager a annulé la connexion")
        .append_pair("state", &interaction.state);
    Redirect::to(target.as_str()).into_response()
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
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id ou client_secret incorrect",
        );
    }
    if form.grant_type.as_deref() != Some("authorization_code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type doit valoir authorization_code",
        );
    }
    let mut grants = sim.grants();
    // A code is spent on first use, even by a failed exchange.
    let Some(grant) = form.code.as_deref().and_then(|c| grants.codes.remove(c)) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "code inconnu, expiré ou déjà utilisé",
        );
    };
    if form.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri différente de celle de la demande",
        );
    }
    let access_token = random_token(43);
    let now = chrono::Utc::now();
    grants.access_tokens.insert(
        access_token.clone(),
        AccessGrant {
            sub: grant.sub.clone(),
            scope: grant.scope.clone(),
            created: Instant::now(),
            issued_at: now.timestamp(),
            // A constant of 60 s: the conversion cannot fail.
            expires_at: (now + chrono::TimeDelta::from_std(ACCESS_TOKEN_TTL).unwrap_or_default())
                .timestamp(),
        },
    );
    drop(grants);

    let claims = IdTokenClaims::new(
        IssuerUrl::new(sim.issuer.clone()).expect("issuer is a URL"),
        vec![Audience::new(sim.config.client_id.clone())],
        now + chrono::Duration::seconds(60),
        now,
        StandardClaims::new(SubjectIdentifier::new(grant.sub.clone())),
        FcClaims::default(),
    )
    .set_nonce(Some(Nonce::new(grant.nonce)))
    .set_auth_context_ref(Some(AuthenticationContextClass::new("eidas1".into())))
    .set_auth_time(Some(now))
    .set_auth_method_refs(Some(vec![AuthenticationMethodReference::new("pwd".into())]));
    let access = AccessToken::new(access_token.clone());
    let id_token = match IdToken::<
        FcClaims,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >::new(
        claims,
        &sim.key,
        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        Some(&access),
        None,
    ) {
        Ok(token) => token,
        Err(e) => {
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                &e.to_string(),
            );
        }
    };
    Json(serde_json::json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_TTL.as_secs(),
        "id_token": id_token.to_string(),
        "scope": "openid given_name family_name birthdate gender birthplace birthcountry email preferred_username",
    }))
    .into_response()
}

async fn userinfo(State(sim): State<Arc<Simulator>>, headers: HeaderMap) -> Response {
    let sub = bearer(&headers).and_then(|token| {
        sim.grants()
            .access_tokens
            .get(token)
            .map(|grant| grant.sub.clone())
    });
    let Some(person) = sub.as_deref().and_then(|s| sim.identity(s)) else {
        return invalid_token();
    };
    let compact = signed_userinfo(&sim.key, &sim.issuer, &sim.config.client_id, person);
    match compact {
        Some(compact) => ([(header::CONTENT_TYPE, "application/jwt")], compact).into_response(),
        None => oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "signature impossible",
        ),
    }
}

/// A person's userinfo as the compact JWS FranceConnect answers with.
pub(crate) fn signed_userinfo(
    key: &EsKey,
    issuer: &str,
    audience: &str,
    person: &FcIdentity,
) -> Option<String> {
    let standard = StandardClaims::new(SubjectIdentifier::new(person.sub.clone()))
        .set_given_name(Some(
            EndUserGivenName::new(person.given_name.clone()).into(),
        ))
        .set_family_name(Some(
            EndUserFamilyName::new(person.family_name.clone()).into(),
        ))
        .set_birthdate(Some(EndUserBirthday::new(person.birthdate.clone())))
        .set_gender(Some(CoreGenderClaim::new(person.gender.clone())))
        .set_email(Some(EndUserEmail::new(person.email.clone())))
        .set_preferred_username(Some(EndUserUsername::new(
            person.preferred_username.clone(),
        )));
    let claims = UserInfoClaims::new(
        standard,
        FcClaims {
            birthplace: Some(person.birthplace.clone()),
            birthcountry: Some(person.birthcountry.clone()),
        },
    )
    .set_issuer(Some(IssuerUrl::new(issuer.to_owned()).ok()?))
    .set_audiences(Some(vec![Audience::new(audience.to_owned())]));
    let jwt = UserInfoJsonWebToken::<
        FcClaims,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >::new(claims, key, CoreJwsSigningAlgorithm::EcdsaP256Sha256)
    .ok()?;
    // Serialized, a signed token is the compact JWS as a JSON string.
    serde_json::to_value(&jwt)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

#[derive(Deserialize)]
struct CheckTokenForm {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// FranceConnect's access-token check for data providers (`POST /api/v2/checktoken`, form
/// `token`, `client_id`, `client_secret`). It answers a JWT (`application/token-introspection+jwt`,
/// RFC 9701) signed with the key published at `/jwks`: `{iss, aud, iat, token_introspection}`,
/// where `token_introspection` is `{"active": false}` for an unknown or expired token, else the
/// token's subject, scopes, times and the person's identity claims. The real service also
/// encrypts that JWT for the data provider (JWE); the simulator does not, as its one data
/// provider registers no encryption key.
async fn checktoken(
    State(sim): State<Arc<Simulator>>,
    Form(form): Form<CheckTokenForm>,
) -> Response {
    let present = |v: Option<String>| v.filter(|v| !v.is_empty());
    let (Some(token), Some(client_id), Some(client_secret)) = (
        present(form.token),
        present(form.client_id),
        present(form.client_secret),
    ) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required parameter missing or invalid.",
        );
    };
    if client_id != DATA_PROVIDER_CLIENT_ID || client_secret != DATA_PROVIDER_CLIENT_SECRET {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    let grant = sim
        .grants()
        .access_tokens
        .get(&token)
        .map(|g| (g.sub.clone(), g.scope.clone(), g.issued_at, g.expires_at));
    let introspection = match grant.and_then(|(sub, scope, iat, exp)| {
        sim.identity(&sub).map(|person| (person, scope, iat, exp))
    }) {
        None => serde_json::json!({ "active": false }),
        Some((person, scope, iat, exp)) => serde_json::json!({
            "active": true,
            "aud": sim.config.client_id,
            "sub": person.sub,
            "iat": iat,
            "exp": exp,
            "acr": "eidas1",
            "scope": scope,
            "given_name": person.given_name,
            "given_name_array": person.given_name.split_whitespace().collect::<Vec<_>>(),
            "family_name": person.family_name,
            "birthdate": person.birthdate,
            "gender": person.gender,
            "birthplace": person.birthplace,
            "birthcountry": person.birthcountry,
            "preferred_username": person.preferred_username,
        }),
    };
    let payload = serde_json::json!({
        "iss": sim.issuer,
        "aud": DATA_PROVIDER_CLIENT_ID,
        "iat": chrono::Utc::now().timestamp(),
        "token_introspection": introspection,
    });
    match signed_jwt(&sim.key, &payload) {
        Some(jwt) => (
            [(header::CONTENT_TYPE, "application/token-introspection+jwt")],
            jwt,
        )
            .into_response(),
        None => oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "signature impossible",
        ),
    }
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
    fn test_identities_have_distinct_subjects() {
        let people = test_identities();
        let mut subs: Vec<_> = people.iter().map(|p| p.sub.as_str()).collect();
        subs.sort_unstable();
        subs.dedup();
        assert_eq!(subs.len(), people.len());
        assert!(people.iter().all(|p| p.birthdate.len() == 10));
    }

    #[test]
    fn the_published_key_verifies_what_the_simulator_signs() {
        use openidconnect::{JsonWebKey, PrivateSigningKey};
        let key = EsKey::generate();
        let message = b"header.payload";
        let signature = key
            .sign(&CoreJwsSigningAlgorithm::EcdsaP256Sha256, message)
            .unwrap();
        let public = key.as_verification_key();
        assert!(
            public
                .verify_signature(
                    &CoreJwsSigningAlgorithm::EcdsaP256Sha256,
                    message,
                    &signature
                )
                .is_ok()
        );
        assert!(
            public
                .verify_signature(
                    &CoreJwsSigningAlgorithm::EcdsaP256Sha256,
                    b"tampered",
                    &signature
                )
                .is_err()
        );
    }
}
