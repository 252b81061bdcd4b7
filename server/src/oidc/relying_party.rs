//! The relying party: discovery (kept [`DISCOVERY_TTL`]), the authorization URL, the code
//! exchange with every token checked, and the logout URL.

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
    AccessToken, AdditionalClaims, AuthType, AuthenticationContextClass, AuthenticationFlow,
    AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdToken, IdTokenFields,
    IssuerUrl, JsonWebKey, LogoutRequest, Nonce, OAuth2TokenResponse, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
    SubjectIdentifier, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};

use super::http_client::Http;

/// How the platform is registered with a provider.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// The provider's issuer, ending in `/api/v2` for the French federations.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

/// Discovery (and the provider's keys) is fetched once and kept this long.
const DISCOVERY_TTL: Duration = Duration::from_secs(600);

type OidcTokenResponse<AC> = StandardTokenResponse<
    IdTokenFields<
        AC,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
type OidcIdToken<AC> =
    IdToken<AC, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
type OidcClient<AC> = Client<
    AC,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    OidcTokenResponse<AC>,
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

/// What goes wrong with a sign-in, whoever the provider. `Display` is for logs; each
/// federation's client says it in French to its users.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the provider answered an error: {0}")]
    Provider(String),
    #[error("state mismatch or no sign-in in progress")]
    BadState,
    #[error("the provider could not be reached or answered badly: {0}")]
    Unreachable(String),
    #[error("a token did not check out: {0}")]
    Invalid(String),
}

/// A sign-in in progress, kept in the session between leaving for the provider and coming
/// back.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingSignIn {
    state: String,
    nonce: String,
    redirect_uri: String,
}

/// What the authorization request asks, beyond the code flow, `state` and `nonce`.
pub struct AuthorizeOptions<'a> {
    /// Scopes besides `openid`.
    pub scopes: &'a [&'a str],
    /// Random bytes in `state` and in `nonce` (16 give 22 characters, 32 give 43).
    pub random_bytes: u32,
    pub acr_values: Option<&'a str>,
    /// `prompt=login`: the provider asks the person again even if it knows them.
    pub prompt_login: bool,
    /// Parameters the provider defines, such as `claims`.
    pub extra: Vec<(&'static str, String)>,
}

/// A completed, checked sign-in.
#[derive(Debug)]
pub struct Verified<AC: AdditionalClaims> {
    /// The id_token, kept to end the provider's session at logout (`id_token_hint`).
    pub id_token: String,
    /// The assurance level the id_token states.
    pub acr: Option<String>,
    /// How the person authenticated (`pwd`, `mfa`, `totp`…), as the id_token states.
    pub amr: Vec<String>,
    /// The checked userinfo (signed JWT), about the id_token's subject.
    pub userinfo: UserInfoClaims<AC, CoreGenderClaim>,
}

struct Provider<AC: AdditionalClaims> {
    client: OidcClient<AC>,
    end_session: Option<EndSessionUrl>,
    userinfo: Option<url::Url>,
    keys: CoreJsonWebKeySet,
    fetched: Instant,
}

/// A relying party of one provider, shared by every request.
pub struct RelyingParty<AC: AdditionalClaims> {
    config: OidcConfig,
    http: Http,
    provider: RwLock<Option<Arc<Provider<AC>>>>,
}

impl<AC: AdditionalClaims + Send + Sync> RelyingParty<AC> {
    pub fn new(config: OidcConfig) -> Self {
        Self {
            config,
            http: Http::default(),
            provider: RwLock::new(None),
        }
    }

    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    async fn provider(&self) -> Result<Arc<Provider<AC>>, OidcError> {
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
            .map_err(|e| OidcError::Unreachable(format!("issuer: {e}")))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Unreachable(format!("discovery: {e}")))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let keys = metadata.jwks().clone();
        let userinfo = metadata.userinfo_endpoint().map(|u| u.url().clone());
        let client = Client::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.clone())),
        )
        // Both federations authenticate clients with client_secret_post.
        .set_auth_type(AuthType::RequestBody);
        let provider = Arc::new(Provider {
            client,
            end_session,
            userinfo,
            keys,
            fetched: Instant::now(),
        });
        *self.provider.write().unwrap_or_else(|e| e.into_inner()) = Some(provider.clone());
        Ok(provider)
    }

    /// Where to send the person, and what to remember until they come back to
    /// `redirect_uri`.
    pub async fn start(
        &self,
        redirect_uri: &str,
        options: AuthorizeOptions<'_>,
    ) -> Result<(url::Url, PendingSignIn), OidcError> {
        let provider = self.provider().await?;
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| OidcError::Invalid(format!("redirect_uri: {e}")))?;
        let bytes = options.random_bytes;
        let mut request = provider
            .client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                move || CsrfToken::new_random_len(bytes),
                move || Nonce::new_random_len(bytes),
            )
            .set_redirect_uri(std::borrow::Cow::Owned(redirect))
            .add_scopes(options.scopes.iter().map(|s| Scope::new((*s).into())));
        if let Some(acr) = options.acr_values {
            request = request.add_auth_context_value(AuthenticationContextClass::new(acr.into()));
        }
        if options.prompt_login {
            request = request.add_prompt(CoreAuthPrompt::Login);
        }
        for (name, value) in options.extra {
            request = request.add_extra_param(name, value);
        }
        let (url, state, nonce) = request.url();
        Ok((
            url,
            PendingSignIn {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                redirect_uri: redirect_uri.to_owned(),
            },
        ))
    }

    /// Completes the sign-in when the person comes back with `code` and `state`: the code is
    /// exchanged, the id_token checked (signature, issuer, audience, expiry, nonce, and its
    /// `acr` by `check_acr`), then the signed userinfo fetched and checked.
    pub async fn finish(
        &self,
        pending: &PendingSignIn,
        code: &str,
        state: &str,
        check_acr: impl Fn(Option<&str>) -> Result<(), String> + Send + Sync,
    ) -> Result<Verified<AC>, OidcError> {
        if state != pending.state {
            return Err(OidcError::BadState);
        }
        let provider = self.provider().await?;
        let redirect = RedirectUrl::new(pending.redirect_uri.clone())
            .map_err(|e| OidcError::Invalid(format!("redirect_uri: {e}")))?;
        let tokens = provider
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Invalid(format!("token endpoint: {e}")))?
            .set_redirect_uri(std::borrow::Cow::Owned(redirect))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Provider(format!("token: {e}")))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| OidcError::Invalid("no id_token".into()))?;
        let verifier = provider
            .client
            .id_token_verifier()
            .set_auth_context_verifier_fn(|acr: Option<&AuthenticationContextClass>| {
                check_acr(acr.map(|a| a.as_str()))
            });
        let nonce = Nonce::new(pending.nonce.clone());
        let claims = id_token
            .claims(&verifier, &nonce)
            .map_err(|e| OidcError::Invalid(format!("id_token: {e}")))?;
        let subject = claims.subject().clone();
        let acr = claims.auth_context_ref().map(|a| a.as_str().to_owned());
        let amr = claims
            .auth_method_refs()
            .map(|refs| refs.iter().map(|r| r.as_str().to_owned()).collect())
            .unwrap_or_default();
        let userinfo = self
            .userinfo(&provider, tokens.access_token(), &subject)
            .await?;
        Ok(Verified {
            id_token: id_token.to_string(),
            acr,
            amr,
            userinfo,
        })
    }

    /// Fetches and checks the signed userinfo. openidconnect's own userinfo check only accepts
    /// RS256; the federations recommend ES256, so the JWS is checked here against the same keys.
    async fn userinfo(
        &self,
        provider: &Provider<AC>,
        access_token: &AccessToken,
        subject: &SubjectIdentifier,
    ) -> Result<UserInfoClaims<AC, CoreGenderClaim>, OidcError> {
        let url = provider
            .userinfo
            .as_ref()
            .ok_or_else(|| OidcError::Invalid("no userinfo endpoint".into()))?;
        let response = self
            .http
            .0
            .get(url.as_str())
            .bearer_auth(access_token.secret())
            .send()
            .await
            .map_err(|e| OidcError::Unreachable(format!("userinfo: {e}")))?;
        if !response.status().is_success() {
            return Err(OidcError::Provider(format!(
                "userinfo: {}",
                response.status()
            )));
        }
        let jwt = response
            .text()
            .await
            .map_err(|e| OidcError::Unreachable(format!("userinfo body: {e}")))?;
        verify_userinfo(
            jwt.trim(),
            &provider.keys,
            &self.config.issuer,
            &self.config.client_id,
            subject,
        )
    }

    /// Where to send the person to end the provider's session too, coming back to
    /// `post_logout_redirect_uri`. `None` when the provider publishes no end-session endpoint.
    pub async fn logout_url(
        &self,
        id_token: &str,
        post_logout_redirect_uri: &str,
    ) -> Result<Option<url::Url>, OidcError> {
        let provider = self.provider().await?;
        let Some(end_session) = provider.end_session.clone() else {
            return Ok(None);
        };
        let id_token = OidcIdToken::<AC>::from_str(id_token)
            .map_err(|e| OidcError::Invalid(format!("stored id_token: {e}")))?;
        let post_logout = PostLogoutRedirectUrl::new(post_logout_redirect_uri.to_owned())
            .map_err(|e| OidcError::Invalid(format!("post_logout_redirect_uri: {e}")))?;
        Ok(Some(
            LogoutRequest::from(end_session)
                .set_id_token_hint(&id_token)
                .set_post_logout_redirect_uri(post_logout)
                .set_state(CsrfToken::new_random_len(32))
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
pub fn verify_userinfo<AC: AdditionalClaims>(
    jwt: &str,
    keys: &CoreJsonWebKeySet,
    issuer: &str,
    client_id: &str,
    subject: &SubjectIdentifier,
) -> Result<UserInfoClaims<AC, CoreGenderClaim>, OidcError> {
    let invalid = |what: &str| OidcError::Invalid(format!("userinfo: {what}"));
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
    let claims = UserInfoClaims::<AC, CoreGenderClaim>::from_json::<serde_json::Error>(
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
