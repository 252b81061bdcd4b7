//! The modules a department can subscribe to.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Module {
    UserRelations,
    AidRequests,
    Insertion,
    Disability,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "module inconnu « {0} » : les modules possibles sont user_relations, aid_requests, insertion, disability"
)]
pub struct UnknownModule(pub String);

impl Module {
    pub const ALL: [Module; 4] = [
        Module::UserRelations,
        Module::AidRequests,
        Module::Insertion,
        Module::Disability,
    ];

    /// The identifier used in the CLI, the store and URLs.
    pub fn id(self) -> &'static str {
        match self {
            Module::UserRelations => "user_relations",
            Module::AidRequests => "aid_requests",
            Module::Insertion => "insertion",
            Module::Disability => "disability",
        }
    }

    /// The name shown to staff.
    pub fn label(self) -> &'static str {
        match self {
            Module::UserRelations => "Relation usager",
            Module::AidRequests => "Demandes d'aide",
            Module::Insertion => "Insertion (RSA)",
            Module::Disability => "Handicap",
        }
    }

    pub fn parse(input: &str) -> Result<Self, UnknownModule> {
        let s = input.trim();
        Module::ALL
            .into_iter()
            .find(|m| m.id() == s)
            .ok_or_else(|| UnknownModule(s.to_owned()))
    }

    /// Parses a comma-separated list; an empty list means every module. Duplicates collapse.
    pub fn parse_list(input: &str) -> Result<Vec<Self>, UnknownModule> {
        if input.trim().is_empty() {
            return Ok(Module::ALL.to_vec());
        }
        let mut modules = input
            .split(',')
            .map(Module::parse)
            .collect::<Result<Vec<_>, _>>()?;
        modules.sort();
        modules.dedup();
        Ok(modules)
    }

    pub fn join(modules: &[Module]) -> String {
        modules.iter().map(|m| m.id()).collect::<Vec<_>>().join(",")
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists() {
        assert_eq!(Module::parse_list("").unwrap(), Module::ALL.to_vec());
        assert_eq!(
            Module::parse_list("insertion, aid_requests,insertion").unwrap(),
            vec![Module::AidRequests, Module::Insertion]
        );
    }

    #[test]
    fn unknown_module_names_the_choices() {
        let err = Module::parse_list("aid_requests,rsa").unwrap_err();
        assert_eq!(err, UnknownModule("rsa".into()));
        assert!(err.to_string().contains("insertion"));
    }

    #[test]
    fn round_trips_through_storage() {
        let all = Module::join(&Module::ALL);
        assert_eq!(Module::parse_list(&all).unwrap(), Module::ALL.to_vec());
    }
}
