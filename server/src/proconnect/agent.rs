//! Who ProConnect vouches for, and how strongly.

use openidconnect::AdditionalClaims;
use serde::{Deserialize, Serialize};

/// ProConnect's claims beyond the standard OpenID ones (`given_name`, `email`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct PcClaims {
    /// The agent's usual (family) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usual_name: Option<String>,
    /// The agent's id at their identity provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// The SIRET of the body the agent works for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siret: Option<String>,
    /// Which identity provider vouched for the agent (with `sub`, the agent's stable key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizational_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub belonging_population: Option<String>,
}

impl AdditionalClaims for PcClaims {}

/// An agent as ProConnect identified them, checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Stable per service provider and identity provider.
    pub sub: String,
    pub idp_id: String,
    pub email: String,
    pub given_name: String,
    pub usual_name: String,
    pub uid: String,
    pub siret: String,
    pub organizational_unit: String,
    /// The assurance level the id_token states (`eidas1`, `eidas2`…), if any.
    pub acr: Option<String>,
    /// The id_token's `amr` holds `mfa`: the agent passed a second factor.
    pub mfa: bool,
}

/// A minimum assurance a department can require of ProConnect sign-ins, from the `acr` the
/// id_token carries. ProConnect's values come in three strengths: `eidas1` and the
/// identity providers' own `self-asserted` / `consistency-checked` (one factor); `eidas2` and
/// the `-2fa` variants of the former (two factors); `eidas3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Assurance {
    /// Two factors at least (`eidas2` or a `-2fa` value).
    Substantial,
    /// `eidas3`.
    High,
}

/// Every `acr` value known, with the strength it stands for (1, 2 or 3).
const ACR_STRENGTHS: [(&str, u8); 7] = [
    ("eidas1", 1),
    ("self-asserted", 1),
    ("consistency-checked", 1),
    ("eidas2", 2),
    ("self-asserted-2fa", 2),
    ("consistency-checked-2fa", 2),
    ("eidas3", 3),
];

impl Assurance {
    pub const ALL: [Assurance; 2] = [Assurance::Substantial, Assurance::High];

    pub fn id(self) -> &'static str {
        match self {
            Assurance::Substantial => "eidas2",
            Assurance::High => "eidas3",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Assurance::Substantial => "Double authentification au moins (eidas2)",
            Assurance::High => "Niveau élevé (eidas3)",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    fn strength(self) -> u8 {
        match self {
            Assurance::Substantial => 2,
            Assurance::High => 3,
        }
    }

    /// The `acr` values that meet this level, as asked in the `claims` parameter.
    pub fn acr_values(self) -> Vec<&'static str> {
        ACR_STRENGTHS
            .iter()
            .filter(|(_, s)| *s >= self.strength())
            .map(|(acr, _)| *acr)
            .collect()
    }

    /// Whether an id_token's `acr` meets this level (an unknown or missing one does not).
    pub fn is_met_by(self, acr: Option<&str>) -> bool {
        ACR_STRENGTHS
            .iter()
            .any(|(known, s)| Some(*known) == acr && *s >= self.strength())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_is_met_by_its_values_and_stronger_ones_only() {
        let two = Assurance::Substantial;
        assert!(two.is_met_by(Some("eidas2")));
        assert!(two.is_met_by(Some("self-asserted-2fa")));
        assert!(two.is_met_by(Some("eidas3")));
        assert!(!two.is_met_by(Some("eidas1")));
        assert!(!two.is_met_by(Some("consistency-checked")));
        assert!(!two.is_met_by(Some("EIDAS2")));
        assert!(!two.is_met_by(None));
        assert_eq!(Assurance::High.acr_values(), vec!["eidas3"]);
        assert!(two.acr_values().contains(&"consistency-checked-2fa"));
        for level in Assurance::ALL {
            assert_eq!(Assurance::parse(level.id()), Some(level));
        }
    }
}
