//! OpenID Connect, as the state's identity federations speak it: FranceConnect for citizens,
//! ProConnect for public servants. One relying party (authorization code flow, `state` and
//! `nonce`, the id_token and the signed userinfo checked against the provider's published
//! keys, logout through `end_session_endpoint`) that each federation's client configures with
//! its scopes and assurance rules; and what their simulators share.

mod http_client;
mod relying_party;
pub mod simulator_kit;

pub use http_client::Http;
pub use relying_party::{
    AuthorizeOptions, OidcConfig, OidcError, PendingSignIn, RelyingParty, Verified, verify_userinfo,
};
