//! What the project's OpenID Connect simulators (FranceConnect, ProConnect) share: an ES256
//! key made at each start, random tokens, OAuth error answers, discovery metadata, signed JWTs,
//! and the end-session endpoint.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use leptos::prelude::*;
use openidconnect::core::{
    CoreClientAuthMethod, CoreJsonCurveType, CoreJsonWebKey, CoreJwsSigningAlgorithm,
    CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AuthUrl, AuthenticationContextClass, EmptyAdditionalProviderMetadata, EndSessionUrl, IssuerUrl,
    JsonWebKeyId, JsonWebKeySetUrl, LogoutProviderMetadata, PrivateSigningKey,
    ProviderMetadataWithLogout, ResponseTypes, SigningError, TokenUrl, UserInfoUrl,
};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::Generate;
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde::Deserialize;

use crate::render::to_html;

/// A simulator's ES256 signing key, made fresh at each start.
pub struct EsKey {
    key: SigningKey,
    kid: JsonWebKeyId,
}

impl EsKey {
    pub fn generate() -> Self {
        Self {
            key: SigningKey::generate(),
            kid: JsonWebKeyId::new(format!("sim-{}", random_token(8))),
        }
    }

    pub fn kid(&self) -> &str {
        self.kid.as_str()
    }
}

impl PrivateSigningKey for EsKey {
    type VerificationKey = CoreJsonWebKey;

    fn sign(&self, alg: &CoreJwsSigningAlgorithm, message: &[u8]) -> Result<Vec<u8>, SigningError> {
        match alg {
            CoreJwsSigningAlgorithm::EcdsaP256Sha256 => {
                // The fixed-size r‖s form is what JWS expects.
                let signature: Signature = self.key.sign(message);
                Ok(signature.to_bytes().to_vec())
            }
            other => Err(SigningError::UnsupportedAlg(format!("{other:?}"))),
        }
    }

    fn as_verification_key(&self) -> CoreJsonWebKey {
        let point = self.key.verifying_key().to_sec1_point(false);
        let coordinate = |c: Option<&[u8]>| c.map(<[u8]>::to_vec).unwrap_or_default();
        CoreJsonWebKey::new_ec(
            coordinate(point.x().map(|x| x.as_slice())),
            coordinate(point.y().map(|y| y.as_slice())),
            CoreJsonCurveType::P256,
            Some(self.kid.clone()),
        )
    }
}

pub fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// An OAuth error answer, as JSON (`error`, `error_description`).
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// A page for errors that cannot go back to the service provider.
pub fn error_page(simulator: &'static str, status: StatusCode, message: &str) -> Response {
    let message = message.to_owned();
    let title = format!("Erreur — simulateur {simulator}");
    let html = to_html(None, move || {
        view! {
            <html lang="fr">
                <head>
                    <meta charset="utf-8" />
                    <title>{title}</title>
                </head>
                <body>
                    <main>
                        <h1>"Une erreur est survenue"</h1>
                        <p>{message}</p>
                    </main>
                </body>
            </html>
        }
    });
    (status, Html(format!("<!DOCTYPE html>{html}"))).into_response()
}

/// The style of the simulators' pages, inline (they are another origin than Guichet).
pub const SIMULATOR_CSS: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#161616}\
header{background:#000091;color:#fff;padding:.75rem 1rem}.brand{margin:0;font-weight:700}\
main{max-width:40rem;margin:1rem auto;padding:0 1rem}.identities{list-style:none;padding:0}\
.identities li{margin:.75rem 0}button{background:#000091;color:#fff;border:0;padding:.6rem 1rem;\
font-size:1rem;cursor:pointer}button.secondary{background:#fff;color:#000091;border:1px solid #000091}\
button:focus{outline:3px solid #0a76f6;outline-offset:2px}.detail{display:block;color:#3a3a3a;font-size:.9rem}";

/// The discovery document of a simulator at `issuer`: code flow, ES256, client_secret_post,
/// userinfo signed, end of session, and the `acr` values it knows.
pub fn provider_metadata(issuer: &str, acr_values: &[&str]) -> ProviderMetadataWithLogout {
    let url = |path: &str| format!("{issuer}{path}");
    ProviderMetadataWithLogout::new(
        IssuerUrl::new(issuer.to_owned()).expect("issuer is a URL"),
        AuthUrl::new(url("/authorize")).expect("URL"),
        JsonWebKeySetUrl::new(url("/jwks")).expect("URL"),
        vec![ResponseTypes::new(vec![CoreResponseType::Code])],
        vec![CoreSubjectIdentifierType::Public],
        vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256],
        LogoutProviderMetadata {
            end_session_endpoint: Some(EndSessionUrl::new(url("/session/end")).expect("URL")),
            additional_metadata: EmptyAdditionalProviderMetadata {},
        },
    )
    .set_token_endpoint(Some(TokenUrl::new(url("/token")).expect("URL")))
    .set_userinfo_endpoint(Some(UserInfoUrl::new(url("/userinfo")).expect("URL")))
    .set_userinfo_signing_alg_values_supported(Some(vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256]))
    .set_acr_values_supported(Some(
        acr_values
            .iter()
            .map(|a| AuthenticationContextClass::new((*a).into()))
            .collect(),
    ))
    .set_token_endpoint_auth_methods_supported(Some(vec![CoreClientAuthMethod::ClientSecretPost]))
}

/// Any claims as a compact ES256 JWS with the key's id.
pub fn signed_jwt(key: &EsKey, claims: &serde_json::Value) -> Option<String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = serde_json::json!({ "alg": "ES256", "kid": key.kid.as_str() });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key
        .sign(&CoreJwsSigningAlgorithm::EcdsaP256Sha256, input.as_bytes())
        .ok()?;
    Some(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// The bearer token of a request, if it has one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
}

/// The answer to a userinfo call with an unknown or expired access token.
pub fn invalid_token() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        Json(serde_json::json!({ "error": "invalid_token", "error_description": "jeton d'accès inconnu ou expiré" })),
    )
        .into_response()
}

/// The two addresses a service provider declares to FranceConnect or ProConnect for one
/// client: where an authorization comes back, and where the browser goes after logout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientReturns {
    pub redirect: String,
    pub post_logout: String,
}

/// The return addresses registered for the simulator's client, as a service provider declares
/// them to FranceConnect or ProConnect beforehand: an authorization or logout request naming
/// another one is refused there, never sent back. Shared, so that whoever starts the simulator
/// can add a department's addresses as it comes (the tests create departments after starting
/// it).
#[derive(Clone, Debug, Default)]
pub struct RegisteredUris(Arc<Mutex<Registered>>);

#[derive(Debug, Default)]
struct Registered {
    redirect: BTreeSet<String>,
    post_logout: BTreeSet<String>,
}

impl RegisteredUris {
    pub fn new(
        redirects: impl IntoIterator<Item = String>,
        post_logouts: impl IntoIterator<Item = String>,
    ) -> Self {
        Self(Arc::new(Mutex::new(Registered {
            redirect: redirects.into_iter().collect(),
            post_logout: post_logouts.into_iter().collect(),
        })))
    }

    pub fn register(&self, returns: ClientReturns) {
        let mut registered = self.lock();
        registered.redirect.insert(returns.redirect);
        registered.post_logout.insert(returns.post_logout);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registered> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The `redirect_uri` of an authorization request if it is one registered for the client, or
/// the provider's error page: exact match, as both services compare them.
pub fn registered_redirect_uri(
    simulator: &'static str,
    registered: &RegisteredUris,
    uri: Option<String>,
) -> Result<String, Box<Response>> {
    let uri = uri.unwrap_or_default();
    let refused = if !url::Url::parse(&uri).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
        "L'adresse de retour (redirect_uri) est absente ou invalide."
    } else if !registered.lock().redirect.contains(&uri) {
        "L'adresse de retour (redirect_uri) n'est pas déclarée pour ce fournisseur de service : déclarez-la dans la configuration du client."
    } else {
        return Ok(uri);
    };
    Err(Box::new(error_page(
        simulator,
        StatusCode::BAD_REQUEST,
        refused,
    )))
}

/// `redirect_uri` with these query parameters added.
pub fn back_to(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    match url::Url::parse(redirect_uri) {
        Ok(mut target) => {
            target.query_pairs_mut().extend_pairs(pairs);
            Redirect::to(target.as_str()).into_response()
        }
        Err(_) => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri invalide",
        ),
    }
}

#[derive(Deserialize)]
pub struct EndSessionParams {
    id_token_hint: Option<String>,
    state: Option<String>,
    post_logout_redirect_uri: Option<String>,
}

/// `GET /session/end`: back to `post_logout_redirect_uri`, if it is one registered for the
/// client (exact match), with the `state` given.
pub fn end_session(
    simulator: &'static str,
    registered: &RegisteredUris,
    params: EndSessionParams,
) -> Response {
    if params.id_token_hint.as_deref().unwrap_or("").is_empty() {
        return error_page(
            simulator,
            StatusCode::BAD_REQUEST,
            "La déconnexion demande le jeton d'identité (id_token_hint).",
        );
    }
    let target = params.post_logout_redirect_uri.unwrap_or_default();
    let refused = if url::Url::parse(&target).is_err() {
        "L'adresse de retour après déconnexion (post_logout_redirect_uri) est absente ou invalide."
    } else if !registered.lock().post_logout.contains(&target) {
        "L'adresse de retour après déconnexion (post_logout_redirect_uri) n'est pas déclarée pour ce fournisseur de service : déclarez-la dans la configuration du client."
    } else {
        return match params.state {
            Some(state) => back_to(&target, &[("state", &state)]),
            None => Redirect::to(&target).into_response(),
        };
    };
    error_page(simulator, StatusCode::BAD_REQUEST, refused)
}

/// The query of `GET /session/end`, for a simulator's handler.
pub type EndSessionQuery = Query<EndSessionParams>;

/// One identity a simulator offers on its sign-in page.
pub struct Choice {
    pub sub: String,
    /// Shown as « Se connecter en tant que {name} ».
    pub name: String,
    pub detail: String,
}

/// The page where a tester picks who signs in: one button per [`Choice`], posting the
/// `interaction` and its `sub` to `{issuer}/interaction/choose`, and a cancel button.
pub fn chooser_page(
    simulator: &'static str,
    (what, intro): (&'static str, &'static str),
    issuer: &str,
    interaction: &str,
    choices: Vec<Choice>,
) -> Response {
    let choose = format!("{issuer}/interaction/choose");
    let cancel = format!("{issuer}/interaction/cancel");
    let interaction = interaction.to_owned();
    let html = to_html(None, move || {
        view! {
            <html lang="fr">
                <head>
                    <meta charset="utf-8" />
                    <meta name="viewport" content="width=device-width, initial-scale=1" />
                    <title>{format!("Choisir {what} — simulateur {simulator}")}</title>
                    <style>{SIMULATOR_CSS}</style>
                </head>
                <body>
                    <header>
                        <p class="brand">{format!("{simulator} — simulateur")}</p>
                    </header>
                    <main>
                        <h1>{format!("Choisir {what}")}</h1>
                        <p>{intro}</p>
                        <ul class="identities">
                            {choices
                                .into_iter()
                                .map(|choice| {
                                    view! {
                                        <li>
                                            <form method="post" action=choose.clone() novalidate=true>
                                                <input type="hidden" name="interaction" value=interaction.clone() />
                                                <input type="hidden" name="sub" value=choice.sub />
                                                <button type="submit">
                                                    {format!("Se connecter en tant que {}", choice.name)}
                                                </button>
                                                <span class="detail">{choice.detail}</span>
                                            </form>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                        <form method="post" action=cancel novalidate=true>
                            <input type="hidden" name="interaction" value=interaction.clone() />
                            <button type="submit" class="secondary">"Annuler et revenir au service"</button>
                        </form>
                    </main>
                </body>
            </html>
        }
    });
    Html(format!("<!DOCTYPE html>{html}")).into_response()
}

/// What the chooser page's buttons post.
#[derive(Deserialize)]
pub struct InteractionForm {
    pub interaction: String,
    pub sub: Option<String>,
}

/// Why a chooser page's interaction is gone.
pub const EXPIRED: &str = "Cette demande de connexion a expiré. Revenez au service et recommencez.";
