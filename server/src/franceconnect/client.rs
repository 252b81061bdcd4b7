//! The FranceConnect client: the shared OpenID Connect relying party (`crate::oidc`) asking
//! FranceConnect's scopes with `acr_values=eidas1` (and `prompt=login`), the id_token's `acr`
//! required to be `eidas1`, and the pivot identity read from the signed userinfo.

use crate::oidc::{AuthorizeOptions, OidcConfig, OidcError, RelyingParty};

pub use crate::oidc::PendingSignIn;

use super::identity::{FcClaims, FcIdentity};

/// How the platform is registered with FranceConnect.
pub type FranceConnectConfig = OidcConfig;

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

impl From<OidcError> for FcError {
    fn from(e: OidcError) -> Self {
        match e {
            OidcError::Provider(m) => FcError::Provider(m),
            OidcError::BadState => FcError::BadState,
            OidcError::Unreachable(m) => FcError::Unreachable(m),
            OidcError::Invalid(m) => FcError::Invalid(m),
        }
    }
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

/// A completed sign-in.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub identity: FcIdentity,
    /// Kept to end the FranceConnect session at logout (`id_token_hint`).
    pub id_token: String,
}

/// The FranceConnect client, shared by every request.
pub struct FranceConnect(RelyingParty<FcClaims>);

impl FranceConnect {
    pub fn new(config: FranceConnectConfig) -> Self {
        Self(RelyingParty::new(config))
    }

    /// Where to send the citizen, and what to remember until they come back to `redirect_uri`.
    pub async fn start(&self, redirect_uri: &str) -> Result<(url::Url, PendingSignIn), FcError> {
        let options = AuthorizeOptions {
            scopes: &SCOPES,
            random_bytes: 16,
            acr_values: Some("eidas1"),
            prompt_login: true,
            extra: Vec::new(),
        };
        Ok(self.0.start(redirect_uri, options).await?)
    }

    /// Completes the sign-in when the citizen comes back with `code` and `state`.
    pub async fn finish(
        &self,
        pending: &PendingSignIn,
        code: &str,
        state: &str,
    ) -> Result<SignedIn, FcError> {
        let verified = self
            .0
            .finish(pending, code, state, |acr| match acr {
                Some("eidas1") => Ok(()),
                other => Err(format!("acr {other:?}, eidas1 expected")),
            })
            .await?;
        let claims = verified.userinfo;
        let text = |v: Option<String>| v.unwrap_or_default();
        let identity = FcIdentity {
            sub: claims.subject().as_str().to_owned(),
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
        };
        Ok(SignedIn {
            identity,
            id_token: verified.id_token,
        })
    }

    /// Where to send the citizen to end their FranceConnect session too, coming back to
    /// `post_logout_redirect_uri`. `None` when the provider publishes no end-session endpoint.
    pub async fn logout_url(
        &self,
        id_token: &str,
        post_logout_redirect_uri: &str,
    ) -> Result<Option<url::Url>, FcError> {
        Ok(self
            .0
            .logout_url(id_token, post_logout_redirect_uri)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use openidconnect::core::CoreJsonWebKeySet;
    use openidconnect::{PrivateSigningKey, SubjectIdentifier};

    use super::*;
    use crate::franceconnect::simulator::{signed_userinfo, test_identities};
    use crate::oidc::simulator_kit::EsKey;

    fn verify_userinfo(
        jwt: &str,
        keys: &CoreJsonWebKeySet,
        issuer: &str,
        client_id: &str,
        subject: &SubjectIdentifier,
    ) -> Result<
        openidconnect::UserInfoClaims<FcClaims, openidconnect::core::CoreGenderClaim>,
        OidcError,
    > {
        crate::oidc::verify_userinfo(jwt, keys, issuer, client_id, subject)
    }

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
