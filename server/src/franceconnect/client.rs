//! The FranceConnect client: authorization code flow with `state` and `nonce`, id_token checked
//! against the provider's published keys, `acr=eidas1`, userinfo as a signed JWT, logout through
//! `/session/end`.

use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessToken, AuthType, AuthenticationContextClass, AuthenticationFlow, AuthorizationCode,
    Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndSessionUrl,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdToken, IdTokenFields, IssuerUrl, JsonWebKey,
    LogoutRequest, Nonce, OAuth2TokenResponse, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse, SubjectIdentifier,
    TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};

use super::http_client::Http;
use super::identity::{FcClaims, FcIdentity};

/// How the platform is registered with FranceConnect.
#[derive(Clone, Debug)]
pub struct FranceConnectConfig {
    /// The provider's issuer, e.g. `https://fcp-low.integ01.dev-franceconnect.fr/api/v2`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

/// Discovery (and the provider's keys) is fetched once and kept this long.
const DISCOVERY_TTL: Duration = Duration::from_secs(600);

/// What FranceConnect is asked to share.
const SCOPES: [&str; 8] = [
    "given_name",
    "family_name",
    "birthdate",
    "gender",
    "birthplace",
    "birthcountry",
    "email",
    "preferred_username",
];

type FcTokenResponse = StandardTokenResponse<
    IdTokenFields<
        FcClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
type FcIdToken =
    IdToken<FcClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
type FcClient = Client<
    FcClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    FcTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What goes wrong with a FranceConnect sign-in. `Display` is for logs; [`FcError::message`]
/// is what the citizen reads.
#[derive(Debug, thiserror::Error)]
pub enum FcError {
    #[error("FranceConnect is not configured")]
    NotConfigured,
    #[error("the provider answered an error: {0}")]
    Provider(String),
    #[error("the person cancelled")]
    Cancelled,
    #[error("state mismatch or no sign-in in progress")]
    BadState,
    #[error("the provider could not be reached or answered badly: {0}")]
    Unreachable(String),
    #[error("a token did not check out: {0}")]
    Invalid(String),
}

impl FcError {
    /// A plain-French explanation with what to do next.
    pub fn message(&self) -> &'static str {
        match self {
            FcError::NotConfigured => {
                "La connexion avec FranceConnect n'est pas disponible sur ce service. Utilisez un compte Guichet."
            }
            FcError::Cancelled => {
                "Vous avez annulé la connexion avec FranceConnect. Vous pouvez recommencer quand vous voulez."
            }
            FcError::BadState => {
                "Cette connexion a expiré ou a été ouverte dans un autre onglet. Recommencez depuis la page de connexion."
            }
            FcError::Provider(_) | FcError::Unreachable(_) => {
                "FranceConnect ne répond pas pour le moment. Réessayez dans quelques minutes, ou utilisez un compte Guichet."
            }
            FcError::Invalid(_) => {
                "La réponse de FranceConnect n'a pas pu être vérifiée. Recommencez la connexion ; si cela se reproduit, utilisez un compte Guichet."
            }
        }
    }
}

/// A sign-in in progress, kept in the citizen's session between leaving for FranceConnect and
/// coming back.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingSignIn {
    state: String,
    nonce: String,
    redirect_uri: String,
}

/// A completed sign-in.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub identity: FcIdentity,
    /// Kept to end the FranceConnect session at logout (`id_token_hint`).
    pub id_token: String,
}

struct Provider {
    client: FcClient,
    end_session: Option<EndSessionUrl>,
    userinfo: Option<url::Url>,
    keys: CoreJsonWebKeySet,
    issuer: String,
    fetched: Instant,
}

/// The FranceConnect client, shared by every request.
pub struct FranceConnect {
    config: FranceConnectConfig,
    http: Http,
    provider: RwLock<Option<Arc<Provider>>>,
}

impl FranceConnect {
    pub fn new(config: FranceConnectConfig) -> Self {
        Self {
            config,
            http: Http::new(),
            provider: RwLock::new(None),
        }
    }

    async fn provider(&self) -> Result<Arc<Provider>, FcError> {
        if let Some(p) = self
            .provider
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            && p.fetched.elapsed() < DISCOVERY_TTL
        {
            return Ok(p.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| FcError::Unreachable(format!("issuer: {e}")))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| FcError::Unreachable(format!("discovery: {e}")))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let keys = metadata.jwks().clone();
        let userinfo = metadata.userinfo_endpoint().map(|u| u.url().clone());
        let client = Client::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.clone())),
        )
        // FranceConnect authenticates clients with client_secret_post.
        .set_auth_type(AuthType::RequestBody);
        let provider = Arc::new(Provider {
            client,
            end_session,
            userinfo,
            keys,
            issuer: self.config.issuer.clone(),
            fetched: Instant::now(),
        });
        *self.provider.write().unwrap_or_else(|e| e.into_inner()) = Some(provider.clone());
        Ok(provider)
    }

    /// Where to send the citizen, and what to remember until they come back to `redirect_uri`.
    pub async fn start(&self, redirect_uri: &str) -> Result<(url::Url, PendingSignIn), FcError> {
        let provider = self.provider().await?;
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| FcError::Invalid(format!("redirect_uri: {e}")))?;
        let (url, state, nonce) = provider
            .client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_redirect_uri(std::borrow::Cow::Owned(redirect))
            .add_scopes(SCOPES.map(|s| Scope::new(s.into())))
            .add_auth_context_value(AuthenticationContextClass::new("eidas1".into()))
            .add_prompt(CoreAuthPrompt::Login)
            .url();
        Ok((
            url,
            PendingSignIn {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                redirect_uri: redirect_uri.to_owned(),
            },
        ))
    }

    /// Completes the sign-in when the citizen comes back with `code` and `state`.
    pub async fn finish(
        &self,
        pending: &PendingSignIn,
        code: &str,
        state: &str,
    ) -> Result<SignedIn, FcError> {
        if state != pending.state {
            return Err(FcError::BadState);
        }
        let provider = self.provider().await?;
        let redirect = RedirectUrl::new(pending.redirect_uri.clone())
            .map_err(|e| FcError::Invalid(format!("redirect_uri: {e}")))?;
        let tokens = provider
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| FcError::Invalid(format!("token endpoint: {e}")))?
            .set_redirect_uri(std::borrow::Cow::Owned(redirect))
            .request_async(&self.http)
            .await
            .map_err(|e| FcError::Provider(format!("token: {e}")))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| FcError::Invalid("no id_token".into()))?;
        let verifier = provider
            .client
            .id_token_verifier()
            .set_auth_context_verifier_fn(|acr: Option<&AuthenticationContextClass>| {
                match acr.map(|a| a.as_str()) {
                    Some("eidas1") => Ok(()),
                    other => Err(format!("acr {other:?}, eidas1 expected")),
                }
            });
        let nonce = Nonce::new(pending.nonce.clone());
        let claims = id_token
            .claims(&verifier, &nonce)
            .map_err(|e| FcError::Invalid(format!("id_token: {e}")))?;
        let subject = claims.subject().clone();
        let identity = self
            .userinfo(&provider, tokens.access_token(), &subject)
            .await?;
        Ok(SignedIn {
            identity,
            id_token: id_token.to_string(),
        })
    }

    /// Fetches and checks the signed userinfo. openidconnect's own userinfo check only accepts
    /// RS256; FranceConnect recommends ES256, so the JWS is checked here against the same keys.
    async fn userinfo(
        &self,
        provider: &Provider,
        access_token: &AccessToken,
        subject: &SubjectIdentifier,
    ) -> Result<FcIdentity, FcError> {
        let url = provider
            .userinfo
            .as_ref()
            .ok_or_else(|| FcError::Invalid("no userinfo endpoint".into()))?;
        let response = self
            .http
            .0
            .get(url.as_str())
            .bearer_auth(access_token.secret())
            .send()
            .await
            .map_err(|e| FcError::Unreachable(format!("userinfo: {e}")))?;
        if !response.status().is_success() {
            return Err(FcError::Provider(format!(
                "userinfo: {}",
                response.status()
            )));
        }
        let jwt = response
            .text()
            .await
            .map_err(|e| FcError::Unreachable(format!("userinfo body: {e}")))?;
        let claims = verify_userinfo(
            jwt.trim(),
            &provider.keys,
            &provider.issuer,
            &self.config.client_id,
            subject,
        )?;
        let text = |v: Option<String>| v.unwrap_or_default();
        Ok(FcIdentity {
            sub: subject.as_str().to_owned(),
            given_name: text(
                claims
                    .given_name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned()),
            ),
            family_name: text(
                claims
                    .family_name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned()),
            ),
            birthdate: text(claims.birthdate().map(|b| b.as_str().to_owned())),
            gender: text(claims.gender().map(|g| g.as_str().to_owned())),
            birthplace: text(claims.additional_claims().birthplace.clone()),
            birthcountry: text(claims.additional_claims().birthcountry.clone()),
            email: text(claims.email().map(|e| e.as_str().to_owned())),
            preferred_username: text(claims.preferred_username().map(|u| u.as_str().to_owned())),
        })
    }

    /// Where to send the citizen to end their FranceConnect session too, coming back to
    /// `post_logout_redirect_uri`. `None` when the provider publishes no end-session endpoint.
    pub async fn logout_url(
        &self,
        id_token: &str,
        post_logout_redirect_uri: &str,
    ) -> Result<Option<url::Url>, FcError> {
        let provider = self.provider().await?;
        let Some(end_session) = provider.end_session.clone() else {
            return Ok(None);
        };
        let id_token = FcIdToken::from_str(id_token)
            .map_err(|e| FcError::Invalid(format!("stored id_token: {e}")))?;
        let post_logout = PostLogoutRedirectUrl::new(post_logout_redirect_uri.to_owned())
            .map_err(|e| FcError::Invalid(format!("post_logout_redirect_uri: {e}")))?;
        Ok(Some(
            LogoutRequest::from(end_session)
                .set_id_token_hint(&id_token)
                .set_post_logout_redirect_uri(post_logout)
                .set_state(CsrfToken::new_random())
                .http_get_url(),
        ))
    }
}

#[derive(Deserialize)]
struct JwsHeader {
    alg: String,
    kid: Option<String>,
}

/// Checks a compact JWS userinfo (ES256 or RS256) against the provider's keys, then its issuer,
/// audience and subject.
pub(super) fn verify_userinfo(
    jwt: &str,
    keys: &CoreJsonWebKeySet,
    issuer: &str,
    client_id: &str,
    subject: &SubjectIdentifier,
) -> Result<UserInfoClaims<FcClaims, CoreGenderClaim>, FcError> {
    let invalid = |what: &str| FcError::Invalid(format!("userinfo: {what}"));
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("not a compact JWS"));
    };
    let header_json = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| invalid("header encoding"))?;
    let header_fields: JwsHeader =
        serde_json::from_slice(&header_json).map_err(|_| invalid("header"))?;
    let alg = match header_fields.alg.as_str() {
        "ES256" => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        "RS256" => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        other => return Err(invalid(&format!("algorithm {other} refused"))),
    };
    let key = keys
        .keys()
        .iter()
        .find(|k| k.key_id().map(|id| id.as_str()) == header_fields.kid.as_deref())
        .ok_or_else(|| invalid("unknown key id"))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| invalid("signature encoding"))?;
    key.verify_signature(&alg, format!("{header}.{payload}").as_bytes(), &signature)
        .map_err(|e| invalid(&format!("signature: {e}")))?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| invalid("payload encoding"))?;
    let claims = UserInfoClaims::<FcClaims, CoreGenderClaim>::from_json::<serde_json::Error>(
        &payload,
        Some(subject),
    )
    .map_err(|e| invalid(&format!("claims: {e}")))?;
    if claims.issuer().map(|i| i.as_str()) != Some(issuer) {
        return Err(invalid("issuer"));
    }
    if !claims
        .audiences()
        .is_some_and(|a| a.iter().any(|a| a.as_str() == client_id))
    {
        return Err(invalid("audience"));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use openidconnect::PrivateSigningKey;

    use super::*;
    use crate::franceconnect::simulator::{EsKey, signed_userinfo, test_identities};

    const ISSUER: &str = "http://127.0.0.1:9/api/v2";

    #[test]
    fn userinfo_is_checked_for_signature_issuer_audience_and_subject() {
        let key = EsKey::generate();
        let keys = CoreJsonWebKeySet::new(vec![key.as_verification_key()]);
        let person = &test_identities()[0];
        let subject = SubjectIdentifier::new(person.sub.clone());
        let jwt = signed_userinfo(&key, ISSUER, "client", person).unwrap();

        let claims = verify_userinfo(&jwt, &keys, ISSUER, "client", &subject).unwrap();
        assert_eq!(claims.birthdate().unwrap().as_str(), person.birthdate);

        // A payload changed in transit no longer matches its signature.
        let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        parts[1] = URL_SAFE_NO_PAD.encode(payload.replace(&person.birthdate, "2000-01-01"));
        assert!(verify_userinfo(&parts.join("."), &keys, ISSUER, "client", &subject).is_err());

        // Signed by someone else's key, for another service, or about someone else.
        let other_keys = CoreJsonWebKeySet::new(vec![EsKey::generate().as_verification_key()]);
        assert!(verify_userinfo(&jwt, &other_keys, ISSUER, "client", &subject).is_err());
        assert!(verify_userinfo(&jwt, &keys, ISSUER, "other-client", &subject).is_err());
        assert!(verify_userinfo(&jwt, &keys, "http://evil/api/v2", "client", &subject).is_err());
        let stranger = SubjectIdentifier::new("someone-else".into());
        assert!(verify_userinfo(&jwt, &keys, ISSUER, "client", &stranger).is_err());
        // An unsigned token ("alg":"none") is refused outright.
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
        let unsigned = format!("{none_header}.{}.", jwt.split('.').nth(1).unwrap());
        assert!(verify_userinfo(&unsigned, &keys, ISSUER, "client", &subject).is_err());
    }
}
