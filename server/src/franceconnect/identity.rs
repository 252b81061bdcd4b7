//! The identity FranceConnect vouches for ("identité pivot").

use openidconnect::AdditionalClaims;
use serde::{Deserialize, Serialize};

/// FranceConnect's claims beyond the standard OpenID ones.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct FcClaims {
    /// INSEE code of the birth town (empty when born abroad).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthplace: Option<String>,
    /// INSEE code of the birth country (`99100` is France).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthcountry: Option<String>,
}

impl AdditionalClaims for FcClaims {}

/// A citizen as FranceConnect identified them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FcIdentity {
    /// Stable per service provider: the key we know the person by.
    pub sub: String,
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`.
    pub birthdate: String,
    /// `female` or `male`.
    pub gender: String,
    pub birthplace: String,
    pub birthcountry: String,
    pub email: String,
    /// Usage name, when the person has one.
    pub preferred_username: String,
}
