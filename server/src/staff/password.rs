use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Hashes a password with argon2id (the crate's default parameters, OWASP's recommendation).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail on a generated salt")
        .to_string()
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_CHARS: usize = 256;

/// What is wrong with a new password, staff's or a citizen's: too short, too long, or common
/// — in the lists of common and breached passwords that zxcvbn carries (checked offline), or
/// guessable from them or from `about_the_person` (their address, their name). NIST SP 800-63B
/// asks for exactly this, and no rule about character classes.
pub fn new_password_problem(password: &str, about_the_person: &[&str]) -> Option<&'static str> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(
            "Le mot de passe doit compter au moins 12 caractères. Une phrase de quelques mots est facile à retenir et sûre.",
        );
    }
    if chars > MAX_PASSWORD_CHARS {
        return Some("Le mot de passe est trop long (256 caractères au plus).");
    }
    // zxcvbn's cost grows with length; past 100 characters a password is not guessable anyway.
    let head: String = password.chars().take(100).collect();
    if zxcvbn::zxcvbn(&head, about_the_person).score() < zxcvbn::Score::Three {
        return Some(
            "Ce mot de passe figure parmi les mots de passe courants ou déjà divulgués, ou se devine trop facilement (suite de touches, date, votre nom ou votre adresse). Choisissez par exemple une phrase de quelques mots sans lien avec vous.",
        );
    }
    None
}

/// A hash to verify against when the account does not exist, so that "unknown account" and
/// "wrong password" take the same time.
pub(crate) fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a real password"))
}

/// Reports what is wrong with a new password and its confirmation, field by field (`password`,
/// `password_again`), to `error`: the one check of staff and citizens alike.
pub fn new_password_errors(
    password: &str,
    again: &str,
    about_the_person: &[&str],
    error: &mut impl FnMut(&'static str, &str),
) {
    if let Some(problem) = new_password_problem(password, about_the_person) {
        error("password", problem);
    }
    if password != again {
        error(
            "password_again",
            "Les deux mots de passe ne sont pas identiques : saisissez le même deux fois.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_right_password() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horse ", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn common_and_personal_passwords_are_refused() {
        for common in [
            "password1234",
            "azertyuiop123",
            "123456789012",
            "motdepasse2026",
        ] {
            assert!(new_password_problem(common, &[]).is_some(), "{common}");
        }
        let about = ["camille.durand@cd23.fr", "Camille Durand"];
        assert!(new_password_problem("camilledurand", &about).is_some());
        assert!(new_password_problem("court", &[]).is_some());
        assert!(new_password_problem(&"a".repeat(300), &[]).is_some());
        assert_eq!(
            new_password_problem("le hibou range ses crayons verts", &about),
            None
        );
    }
}
