//! The rules and French messages of form answers and documents, in one place: the server
//! validates with them (it stays the authority), and the step pages' islands use the same ones
//! to tell the citizen early. Plain Rust, so both builds share it.

/// The longest text answer, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// The largest document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;

/// A one-line field holds no line break, NUL or other control character.
pub fn one_line(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

/// A one-line answer as kept: runs of spaces, tabs and line breaks (which only a crafted request
/// puts in a one-line field) become one space, and the ends are trimmed.
pub fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What every upload field says it accepts: one limit, stated where the file is chosen and
/// enforced by `documents::check` with a message at the field.
pub const DOCUMENT_LIMITS: &str = "PDF, JPEG ou PNG, 5 Mo au plus.";

/// Accepted document types: (MIME type, file name extensions).
pub const DOCUMENT_TYPES: [(&str, &[&str]); 3] = [
    ("application/pdf", &["pdf"]),
    ("image/jpeg", &["jpg", "jpeg"]),
    ("image/png", &["png"]),
];

pub fn required_message(label: &str) -> String {
    format!("Répondez à la question « {label} ».")
}

pub fn text_too_long_message(label: &str) -> String {
    format!("La réponse à « {label} » est trop longue ({MAX_TEXT_CHARS} caractères au plus).")
}

pub fn number_message(label: &str) -> String {
    format!("« {label} » attend un nombre entier, par exemple 3.")
}

pub fn amount_message(label: &str) -> String {
    format!("« {label} » attend un montant en euros, par exemple 450 ou 450,50.")
}

pub fn date_message(label: &str) -> String {
    format!("« {label} » attend une date, par exemple 31/01/2026.")
}

pub fn choice_message(label: &str) -> String {
    format!("Choisissez une des réponses proposées pour « {label} ».")
}

pub fn document_required_message(label: &str) -> String {
    format!("Joignez le document « {label} » (PDF, JPEG ou PNG).")
}

/// How a file is named in messages: `« avis.pdf »`, or "envoyé" when the browser sent no name.
fn file_name(name: &str) -> String {
    if name.is_empty() {
        "envoyé".to_owned()
    } else {
        format!("« {name} »")
    }
}

pub fn empty_file_message(name: &str) -> String {
    format!(
        "Le fichier {} est vide : choisissez le bon fichier.",
        file_name(name)
    )
}

pub fn file_too_large_message(name: &str, size: u64) -> String {
    format!(
        "Le fichier {} pèse {:.1} Mo : 5 Mo au plus. Réduisez-le (photo moins grande, PDF compressé) et recommencez.",
        file_name(name),
        size as f64 / 1_048_576.0
    )
}

pub fn file_type_message(name: &str) -> String {
    format!(
        "Le fichier {} n'est ni un PDF, ni une image JPEG ou PNG : enregistrez-le dans l'un de ces formats.",
        file_name(name)
    )
}

/// A whole number of the form: `3`, `1 200`; negative or absurd numbers refused.
pub fn parse_number(raw: &str) -> Option<i64> {
    raw.replace([' ', '\u{a0}'], "")
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=1_000_000_000).contains(n))
}

/// `450`, `450,5`, `450,50`, `1 234.56`, `450 €` → cents; negative or absurd amounts refused.
pub fn parse_cents(raw: &str) -> Option<i64> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '€'))
        .map(|c| if c == '.' { ',' } else { c })
        .collect();
    let (euros, cents) = match cleaned.split_once(',') {
        Some((e, c)) if !c.is_empty() && c.len() <= 2 && c.chars().all(|d| d.is_ascii_digit()) => (
            e,
            if c.len() == 1 {
                format!("{c}0")
            } else {
                c.to_owned()
            },
        ),
        Some(_) => return None,
        None => (cleaned.as_str(), "00".to_owned()),
    };
    if euros.is_empty() || !euros.chars().all(|d| d.is_ascii_digit()) || euros.len() > 9 {
        return None;
    }
    Some(euros.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?)
}

/// The kinds of typed answer the browser checks early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EarlyCheck {
    Text,
    Number,
    Amount,
    /// A date field; the browser reports its own unreadable input (`bad_input`).
    Date {
        bad_input: bool,
    },
    /// Radio buttons: only "nothing chosen" can be wrong in the browser.
    Choice,
}

/// What the browser can say about a typed answer before sending it, in the server's words;
/// `None` whenever the server might accept it (the server has the last word).
pub fn check_answer(check: EarlyCheck, label: &str, required: bool, raw: &str) -> Option<String> {
    let raw = raw.trim();
    if let EarlyCheck::Date { bad_input: true } = check {
        return Some(date_message(label));
    }
    if raw.is_empty() {
        return required.then(|| required_message(label));
    }
    match check {
        EarlyCheck::Text => {
            (raw.chars().count() > MAX_TEXT_CHARS).then(|| text_too_long_message(label))
        }
        EarlyCheck::Number => parse_number(raw).is_none().then(|| number_message(label)),
        EarlyCheck::Amount => parse_cents(raw).is_none().then(|| amount_message(label)),
        // A date input's value is a valid `YYYY-MM-DD` or empty; the server also wants a year
        // between 1900 and 2100. Anything else (a browser without date inputs) is left to it.
        EarlyCheck::Date { .. } => raw
            .split('-')
            .next()
            .filter(|year| year.len() == 4 && raw.len() == 10)
            .and_then(|year| year.parse::<i32>().ok())
            .filter(|year| !(1900..=2100).contains(year))
            .map(|_| date_message(label)),
        EarlyCheck::Choice => None,
    }
}

/// What the browser can say about a chosen file before sending it: empty, too large, or
/// named or labelled as a type the server refuses whatever its content. Its real content is
/// only read by the server.
pub fn check_file(name: &str, declared_type: &str, size: u64) -> Option<String> {
    if size == 0 {
        return Some(empty_file_message(name));
    }
    if size > MAX_DOCUMENT_BYTES as u64 {
        return Some(file_too_large_message(name, size));
    }
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let extension_ok = extension.as_deref().is_none_or(|e| {
        DOCUMENT_TYPES
            .iter()
            .any(|(_, extensions)| extensions.contains(&e))
    });
    let declared_ok = declared_type.is_empty()
        || declared_type == "application/octet-stream"
        || DOCUMENT_TYPES
            .iter()
            .any(|(mime, _)| *mime == declared_type);
    (!extension_ok || !declared_ok).then(|| file_type_message(name))
}

/// A checkbox read from a form (serde `deserialize_with`): ticked when sent, whatever its
/// value (`on`, `oui`); with `#[serde(default)]`, unticked when absent.
pub fn checkbox<'de, D: serde::Deserializer<'de>>(field: D) -> Result<bool, D::Error> {
    let value: String = serde::Deserialize::deserialize(field)?;
    Ok(!value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_the_french_way() {
        assert_eq!(parse_cents("450"), Some(45_000));
        assert_eq!(parse_cents("450,5"), Some(45_050));
        assert_eq!(parse_cents("1 234.56 €"), Some(123_456));
        assert_eq!(parse_cents("-3"), None);
        assert_eq!(parse_cents("12,345"), None);
        assert_eq!(parse_cents("abc"), None);
    }

    #[test]
    fn early_checks_speak_only_when_sure() {
        let check = |c, raw| check_answer(c, "Loyer", true, raw);
        assert_eq!(
            check(EarlyCheck::Amount, "  "),
            Some(required_message("Loyer"))
        );
        assert_eq!(check_answer(EarlyCheck::Amount, "Loyer", false, ""), None);
        assert_eq!(
            check(EarlyCheck::Amount, "beaucoup"),
            Some(amount_message("Loyer"))
        );
        assert_eq!(check(EarlyCheck::Amount, "520,40"), None);
        assert_eq!(
            check(EarlyCheck::Number, "3,5"),
            Some(number_message("Loyer"))
        );
        assert_eq!(check(EarlyCheck::Number, "1 200"), None);
        assert_eq!(
            check(EarlyCheck::Date { bad_input: false }, "2026-01-31"),
            None
        );
        assert_eq!(
            check(EarlyCheck::Date { bad_input: false }, "1850-01-31"),
            Some(date_message("Loyer"))
        );
        // A browser without date inputs: the server reads this one.
        assert_eq!(
            check(EarlyCheck::Date { bad_input: false }, "31/01/2026"),
            None
        );
        assert_eq!(
            check(EarlyCheck::Date { bad_input: true }, ""),
            Some(date_message("Loyer"))
        );
        assert_eq!(
            check(EarlyCheck::Choice, ""),
            Some(required_message("Loyer"))
        );
        assert_eq!(check(EarlyCheck::Choice, "Locataire"), None);
    }

    #[test]
    fn files_are_refused_early_only_by_size_name_or_label() {
        assert!(check_file("avis.pdf", "application/pdf", 1_000).is_none());
        assert!(check_file("scan", "", 1_000).is_none());
        assert!(check_file("PHOTO.JPG", "image/jpeg", 1_000).is_none());
        assert!(
            check_file("avis.pdf", "application/pdf", 6 * 1024 * 1024)
                .is_some_and(|m| m.contains("5 Mo au plus"))
        );
        assert!(check_file("notes.txt", "text/plain", 10).is_some_and(|m| m.contains("n'est ni")));
        assert!(check_file("avis.pdf", "text/plain", 10).is_some());
        assert!(check_file("vide.pdf", "application/pdf", 0).is_some_and(|m| m.contains("vide")));
        assert!(file_too_large_message("a.pdf", 5_452_595).contains("pèse 5.2 Mo"));
    }
}

/// What a form refused, field by field: each message names the field it is about (its `name`
/// and `id` in the page), so the page shows it beside the field and the summary links to it.
/// A message about the whole form has no field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(Option<String>, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// One message about the whole form.
    pub fn form(message: impl Into<String>) -> Self {
        Self(vec![(None, message.into())])
    }

    /// One message about one field.
    pub fn at(field: &str, message: impl Into<String>) -> Self {
        Self(vec![(Some(field.to_owned()), message.into())])
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((Some(field.to_owned()), message.into()));
    }

    /// A message about the whole form, said once.
    pub fn add_form(&mut self, message: impl Into<String>) {
        let message = message.into();
        if !self.0.iter().any(|(_, m)| *m == message) {
            self.0.push((None, message));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds another check's messages after these.
    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    /// The message about `field`, if any (the first).
    pub fn of(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(f, _)| f.as_deref() == Some(field))
            .map(|(_, m)| m.clone())
    }

    /// Every message, with its field when it has one, in the order found.
    pub fn entries(&self) -> &[(Option<String>, String)] {
        &self.0
    }

    /// Every message, in the order found.
    pub fn messages(&self) -> Vec<String> {
        self.0.iter().map(|(_, m)| m.clone()).collect()
    }
}

/// Messages about the whole form, none tied to a field.
impl From<Vec<String>> for FieldErrors {
    fn from(messages: Vec<String>) -> Self {
        Self(messages.into_iter().map(|m| (None, m)).collect())
    }
}

impl From<Vec<(String, String)>> for FieldErrors {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self(pairs.into_iter().map(|(f, m)| (Some(f), m)).collect())
    }
}
