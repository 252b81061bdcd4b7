//! A department's short name, as it appears in URLs, host names and store names.

use std::fmt;

/// Path segments and host labels the platform keeps for itself.
const RESERVED: &[&str] = &[
    "admin", "api", "assets", "favicon", "health", "pkg", "public", "sante", "static", "www",
];

/// A validated tenant slug: 2 to 40 characters, lowercase ASCII letters, digits and single
/// hyphens, starting with a letter and not ending with a hyphen.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Slug(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SlugError {
    #[error("l'identifiant « {0} » doit faire entre 2 et 40 caractères (exemple : cd-creuse)")]
    Length(String),
    #[error(
        "l'identifiant « {0} » ne peut contenir que des lettres minuscules sans accent, des chiffres et des tirets simples, commencer par une lettre et ne pas finir par un tiret (exemple : cd-creuse)"
    )]
    Characters(String),
    #[error("l'identifiant « {0} » est réservé par la plateforme : choisissez-en un autre")]
    Reserved(String),
}

impl Slug {
    pub fn parse(input: &str) -> Result<Self, SlugError> {
        let s = input.trim();
        if !(2..=40).contains(&s.chars().count()) {
            return Err(SlugError::Length(s.to_owned()));
        }
        let well_formed = s.starts_with(|c: char| c.is_ascii_lowercase())
            && !s.ends_with('-')
            && !s.contains("--")
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !well_formed {
            return Err(SlugError::Characters(s.to_owned()));
        }
        if RESERVED.contains(&s) {
            return Err(SlugError::Reserved(s.to_owned()));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The PostgreSQL schema holding this tenant's tables. Slugs have no underscore, so
    /// mapping `-` to `_` cannot make two slugs share a schema.
    pub fn schema_name(&self) -> String {
        format!("tenant_{}", self.0.replace('-', "_"))
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_department_names() {
        for ok in ["demo", "cd23", "cd-creuse", "hautes-alpes", "ab"] {
            assert_eq!(Slug::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn trims_surrounding_spaces() {
        assert_eq!(Slug::parse("  demo ").unwrap().as_str(), "demo");
    }

    #[test]
    fn rejects_bad_shapes_with_a_reason() {
        assert!(matches!(Slug::parse("a"), Err(SlugError::Length(_))));
        assert!(matches!(
            Slug::parse(&"a".repeat(41)),
            Err(SlugError::Length(_))
        ));
        for bad in [
            "Demo", "créteil", "23cd", "-cd", "cd-", "cd--23", "cd_23", "cd 23", "cd.fr",
        ] {
            assert!(
                matches!(Slug::parse(bad), Err(SlugError::Characters(_))),
                "{bad}"
            );
        }
        assert!(matches!(Slug::parse("pkg"), Err(SlugError::Reserved(_))));
    }

    #[test]
    fn error_messages_are_french_and_say_how_to_fix() {
        let msg = Slug::parse("Demo").unwrap_err().to_string();
        assert!(msg.contains("lettres minuscules"), "{msg}");
        assert!(msg.contains("exemple"), "{msg}");
    }

    #[test]
    fn schema_names_are_distinct_and_safe() {
        assert_eq!(Slug::parse("cd-23").unwrap().schema_name(), "tenant_cd_23");
        assert_eq!(Slug::parse("cd23").unwrap().schema_name(), "tenant_cd23");
    }
}
