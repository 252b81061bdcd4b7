use std::fmt;

/// A lower-cased, plausibly deliverable email address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "l'adresse électronique « {0} » n'est pas valide : elle doit ressembler à prenom.nom@departement.fr"
)]
pub struct EmailError(pub String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim().to_lowercase();
        let err = || EmailError(input.trim().to_owned());
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(err)?;
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && !local.contains(['@', '"', '(', ')', ',', ':', ';', '<', '>', '[', '\\', ']']);
        if domain_ok && local_ok {
            Ok(Self(s))
        } else {
            Err(err())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_spaces() {
        assert_eq!(
            Email::parse(" Anne.Martin@Creuse.FR ").unwrap().as_str(),
            "anne.martin@creuse.fr"
        );
    }

    #[test]
    fn accepts_common_shapes() {
        for ok in [
            "a@b.fr",
            "prenom.nom+tag@cd-23.gouv.fr",
            "élise@département.fr",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_malformed_addresses_with_a_french_hint() {
        for bad in [
            "",
            "anne",
            "anne@",
            "@creuse.fr",
            "anne@creuse",
            "anne martin@creuse.fr",
            "a..b@c.fr",
            "a@-c.fr",
            "a@c..fr",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert!(err.to_string().contains("doit ressembler"), "{bad}");
        }
    }
}
