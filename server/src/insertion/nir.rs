//! The NIR (« numéro de sécurité sociale »): 13 characters — sex, year and month of birth,
//! place of birth (Corsica's `2A`/`2B` included), order — and a 2-digit key. CAF files carry the
//! 13 characters; department lists often the 15. People are matched on the 13; the key, when
//! given, is checked: `97 − (N mod 97)`, N read with `2A` as 19 and `2B` as 18.

/// A NIR as kept and compared: its first 13 characters, upper case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nir(String);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NirError {
    #[error(
        "le NIR « {0} » doit compter 13 caractères, ou 15 avec sa clé (espaces permis) : vérifiez qu'il est complet"
    )]
    Length(String),
    #[error(
        "le NIR « {0} » ne s'écrit qu'avec des chiffres (et 2A ou 2B pour un lieu de naissance en Corse)"
    )]
    Characters(String),
    #[error("le NIR « {0} » commence par {1} : il doit commencer par 1 (homme) ou 2 (femme)")]
    Sex(String, char),
    #[error(
        "la clé du NIR « {nir} » est {given}, elle devrait être {expected} : une faute de frappe s'est glissée dans le numéro ou dans la clé"
    )]
    Key {
        nir: String,
        given: String,
        expected: String,
    },
}

impl Nir {
    /// A NIR as typed or as a file gives it: spaces and dots dropped, 13 or 15 characters, the
    /// key checked when given.
    pub fn parse(raw: &str) -> Result<Self, NirError> {
        let text: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .collect::<String>()
            .to_uppercase();
        let shown = || raw.trim().chars().take(20).collect::<String>();
        if text.len() != 13 && text.len() != 15 {
            return Err(NirError::Length(shown()));
        }
        let (body, key) = text.split_at(13);
        let corsica = matches!(&body[5..7], "2A" | "2B");
        let digits_ok = body
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || (corsica && (5..7).contains(&i)))
            && key.chars().all(|c| c.is_ascii_digit());
        if !digits_ok {
            return Err(NirError::Characters(shown()));
        }
        let sex = body.chars().next().unwrap_or('0');
        if !matches!(sex, '1' | '2') {
            return Err(NirError::Sex(shown(), sex));
        }
        let nir = Nir(body.to_owned());
        if !key.is_empty() {
            let expected = nir.key();
            if key != expected {
                return Err(NirError::Key {
                    nir: shown(),
                    given: key.to_owned(),
                    expected,
                });
            }
        }
        Ok(nir)
    }

    /// The 13 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The control key, on two digits.
    pub fn key(&self) -> String {
        let number: u64 = self
            .0
            .replace("2A", "19")
            .replace("2B", "18")
            .parse()
            .unwrap_or_default();
        format!("{:02}", 97 - number % 97)
    }
}

impl std::fmt::Display for Nir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.0, self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_insee_rule_corsica_included() {
        assert_eq!(Nir::parse("1850675112045").unwrap().key(), "54");
        assert_eq!(Nir::parse("2871193048031").unwrap().key(), "76");
        assert_eq!(Nir::parse("185062A004012").unwrap().key(), "86");
        assert_eq!(
            Nir::parse("1 85 06 75 112 045 54").unwrap().as_str(),
            "1850675112045"
        );
        assert_eq!(
            Nir::parse("185062a00401286").unwrap().as_str(),
            "185062A004012"
        );
    }

    #[test]
    fn bad_nirs_say_what_is_wrong() {
        assert!(matches!(
            Nir::parse("18506751120"),
            Err(NirError::Length(_))
        ));
        assert!(matches!(
            Nir::parse("18506X5112045"),
            Err(NirError::Characters(_))
        ));
        assert!(matches!(
            Nir::parse("3850675112045"),
            Err(NirError::Sex(_, '3'))
        ));
        let key = Nir::parse("185067511204555").unwrap_err();
        assert!(key.to_string().contains("devrait être 54"), "{key}");
    }
}
