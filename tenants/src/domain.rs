//! A department's own host name (for example `aides.creuse.fr`).

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct DomainName(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "le domaine « {0} » n'est pas un nom d'hôte valide : donnez un nom comme aides.mon-departement.fr, sans http:// ni chemin"
)]
pub struct DomainError(pub String);

impl DomainName {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |l: &str| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let labels: Vec<&str> = s.split('.').collect();
        let valid = s.len() <= 253
            && labels.len() >= 2
            && labels.iter().all(|l| label_ok(l))
            // The last label of a real domain is never all digits; this also rejects IPv4.
            && !labels.last().is_some_and(|l| l.chars().all(|c| c.is_ascii_digit()));
        if valid {
            Ok(Self(s))
        } else {
            Err(DomainError(input.trim().to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises_host_names() {
        assert_eq!(
            DomainName::parse("Aides.Creuse.FR.").unwrap().as_str(),
            "aides.creuse.fr"
        );
    }

    #[test]
    fn rejects_urls_ips_and_single_labels() {
        for bad in [
            "https://aides.fr",
            "aides.fr/x",
            "127.0.0.1",
            "localhost",
            "-a.fr",
            "a..fr",
            "",
        ] {
            assert!(DomainName::parse(bad).is_err(), "{bad}");
        }
    }
}
