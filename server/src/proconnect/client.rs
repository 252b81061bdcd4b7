//! The ProConnect client: the shared relying party (`crate::oidc`) with ProConnect's scopes,
//! `state` and `nonce` of 43 random characters, no other authorize parameter than the
//! `claims` asking for a department's minimum `acr` (then checked in the id_token), and the
//! agent read from the signed userinfo.

use crate::oidc::{AuthorizeOptions, OidcConfig, OidcError, RelyingParty};

pub use crate::oidc::PendingSignIn;

use super::agent::{Agent, Assurance, PcClaims};

/// How the platform is registered with ProConnect (one client for every department).
pub type ProConnectConfig = OidcConfig;

/// What ProConnect is asked to share (`openid` is always asked).
const SCOPES: [&str; 8] = [
    "email",
    "given_name",
    "usual_name",
    "uid",
    "siret",
    "idp_id",
    "organizational_unit",
    "belonging_population",
];

/// What goes wrong with a ProConnect sign-in. `Display` is for logs; [`PcError::message`] is
/// what the agent reads.
#[derive(Debug, thiserror::Error)]
pub enum PcError {
    #[error("ProConnect is not configured")]
    NotConfigured,
    #[error("the agent cancelled")]
    Cancelled,
    #[error("the provider answered an error: {0}")]
    Provider(String),
    #[error("state mismatch or no sign-in in progress")]
    BadState,
    #[error("the provider could not be reached or answered badly: {0}")]
    Unreachable(String),
    #[error("a token did not check out: {0}")]
    Invalid(String),
    #[error("acr {acr:?} below the department's minimum {minimum:?}")]
    AssuranceTooLow {
        acr: Option<String>,
        minimum: Assurance,
    },
}

impl From<OidcError> for PcError {
    fn from(e: OidcError) -> Self {
        match e {
            OidcError::Provider(m) => PcError::Provider(m),
            OidcError::BadState => PcError::BadState,
            OidcError::Unreachable(m) => PcError::Unreachable(m),
            OidcError::Invalid(m) => PcError::Invalid(m),
        }
    }
}

impl PcError {
    /// A plain-French explanation with what to do next.
    pub fn message(&self) -> &'static str {
        match self {
            PcError::NotConfigured => {
                "La connexion avec ProConnect n'est pas disponible sur ce service. Connectez-vous avec votre adresse et votre mot de passe."
            }
            PcError::Cancelled => {
                "Vous avez annulé la connexion avec ProConnect. Vous pouvez recommencer quand vous voulez."
            }
            PcError::BadState => {
                "Cette connexion a expiré ou a été ouverte dans un autre onglet. Recommencez depuis la page de connexion."
            }
            PcError::Provider(_) | PcError::Unreachable(_) => {
                "ProConnect ne répond pas pour le moment. Réessayez dans quelques minutes, ou connectez-vous avec votre mot de passe."
            }
            PcError::Invalid(_) => {
                "La réponse de ProConnect n'a pas pu être vérifiée. Recommencez la connexion ; si cela se reproduit, prévenez l'administrateur de votre département."
            }
            PcError::AssuranceTooLow { .. } => {
                "Votre département demande une connexion plus sûre que celle que vous avez utilisée : reconnectez-vous avec ProConnect en choisissant une double authentification (code reçu sur votre téléphone, clé de sécurité…), ou demandez à votre administrateur comment l'activer."
            }
        }
    }
}

/// A completed sign-in.
#[derive(Clone, Debug)]
pub struct SignedInAgent {
    pub agent: Agent,
    /// Kept to end the ProConnect session at logout (`id_token_hint`).
    pub id_token: String,
}

/// The ProConnect client, shared by every request.
pub struct ProConnect(RelyingParty<PcClaims>);

impl ProConnect {
    pub fn new(config: ProConnectConfig) -> Self {
        Self(RelyingParty::new(config))
    }

    /// Where to send the agent, and what to remember until they come back to
    /// `redirect_uri`. With a `minimum`, ProConnect is asked for it as an essential claim.
    pub async fn start(
        &self,
        redirect_uri: &str,
        minimum: Option<Assurance>,
    ) -> Result<(url::Url, PendingSignIn), PcError> {
        let extra = minimum
            .map(|level| {
                let claims = serde_json::json!({
                    "id_token": { "acr": { "essential": true, "values": level.acr_values() } }
                });
                vec![("claims", claims.to_string())]
            })
            .unwrap_or_default();
        let options = AuthorizeOptions {
            scopes: &SCOPES,
            // ProConnect asks for at least 32 characters: 32 bytes give 43.
            random_bytes: 32,
            acr_values: None,
            prompt_login: false,
            extra,
        };
        Ok(self.0.start(redirect_uri, options).await?)
    }

    /// Completes the sign-in when the agent comes back with `code` and `state`; an id_token
    /// whose `acr` is below `minimum` is refused.
    pub async fn finish(
        &self,
        pending: &PendingSignIn,
        code: &str,
        state: &str,
        minimum: Option<Assurance>,
    ) -> Result<SignedInAgent, PcError> {
        // The id_token's signature, issuer, audience, expiry and nonce are checked by the
        // relying party; its acr is judged here, to tell the agent why they were refused.
        let verified = self.0.finish(pending, code, state, |_| Ok(())).await?;
        if let Some(minimum) = minimum
            && !minimum.is_met_by(verified.acr.as_deref())
        {
            return Err(PcError::AssuranceTooLow {
                acr: verified.acr,
                minimum,
            });
        }
        let claims = &verified.userinfo;
        let extra = claims.additional_claims();
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let Some(idp_id) = extra.idp_id.clone().filter(|i| !i.is_empty()) else {
            return Err(PcError::Invalid("userinfo without idp_id".into()));
        };
        let agent = Agent {
            sub: claims.subject().as_str().to_owned(),
            idp_id,
            email: claims
                .email()
                .map(|e| e.as_str().to_owned())
                .unwrap_or_default(),
            given_name: claims
                .given_name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            usual_name: text(&extra.usual_name),
            uid: text(&extra.uid),
            siret: text(&extra.siret),
            organizational_unit: text(&extra.organizational_unit),
            mfa: verified.amr.iter().any(|m| m == "mfa"),
            acr: verified.acr,
        };
        Ok(SignedInAgent {
            agent,
            id_token: verified.id_token,
        })
    }

    /// Where to send the agent to end their ProConnect session too, coming back to
    /// `post_logout_redirect_uri` (with a `state`).
    pub async fn logout_url(
        &self,
        id_token: &str,
        post_logout_redirect_uri: &str,
    ) -> Result<Option<url::Url>, PcError> {
        Ok(self
            .0
            .logout_url(id_token, post_logout_redirect_uri)
            .await?)
    }
}
