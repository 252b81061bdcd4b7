//! An aid's form, as data: steps of typed fields. Answers are validated on the server against
//! the definition they were filed under (each request keeps its form version).

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::national::{FactKey, Source};

// The rules and messages the browser also uses to warn early (`app::validation`).
pub use app::validation::parse_cents;
use app::validation::{
    MAX_TEXT_CHARS, amount_message, choice_message, date_message, number_message, parse_number,
    required_message, text_too_long_message,
};

/// The whole form of one version of an aid.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormDefinition {
    pub fields: Vec<FieldDef>,
}

/// One question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    /// Stable key of the answer (`f1`, `f2`…), unique in the form.
    pub key: String,
    /// The page (1-based) the question is on.
    pub step: u32,
    pub label: String,
    #[serde(default)]
    pub help: String,
    pub required: bool,
    pub kind: FieldKind,
    /// A fact a national administration can give instead: pre-fills the answer or, for a
    /// document, makes it unnecessary while the citizen's consent stands (see `national`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact: Option<FactKey>,
    /// For a number or an amount: the answers accepted.
    #[serde(default, skip_serializing_if = "Bounds::is_open")]
    pub bounds: Bounds,
}

/// The smallest and largest answer a number (or an amount, in cents) may take: a household of
/// 0 people or a rent of 0 € is a typing mistake the citizen hears about at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub least: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub most: Option<i64>,
}

impl Bounds {
    pub fn is_open(&self) -> bool {
        self.least.is_none() && self.most.is_none()
    }

    /// `value` within the bounds, or what to answer instead (`shown` writes a value).
    fn check(&self, label: &str, value: i64, shown: impl Fn(i64) -> String) -> Result<(), String> {
        match (self.least, self.most) {
            (Some(least), Some(most)) if !(least..=most).contains(&value) => Err(format!(
                "« {label} » attend une réponse entre {} et {}.",
                shown(least),
                shown(most)
            )),
            (Some(least), _) if value < least => Err(format!(
                "« {label} » attend au moins {} : vérifiez votre réponse.",
                shown(least)
            )),
            (_, Some(most)) if value > most => Err(format!(
                "« {label} » attend au plus {} : vérifiez votre réponse.",
                shown(most)
            )),
            _ => Ok(()),
        }
    }
}

impl FieldDef {
    /// A required question with no help text and no national fact; the other fields are set
    /// with `FieldDef { help, ..FieldDef::new(…) }`.
    pub fn new(key: &str, step: u32, label: &str, kind: FieldKind) -> Self {
        Self {
            key: key.into(),
            step,
            label: label.into(),
            help: String::new(),
            required: true,
            kind,
            fact: None,
            bounds: Bounds::default(),
        }
    }
}

/// The typed set of questions an administrator can ask.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    /// Euros, kept in cents.
    Amount,
    Date,
    Choice {
        options: Vec<String>,
    },
    YesNo,
    /// A document to upload (PDF, JPEG or PNG).
    Document,
}

impl FieldKind {
    /// Parses the administrator's choice of type; `options` for a choice, one per line.
    pub fn parse(kind: &str, options: &str) -> Result<Self, String> {
        Ok(match kind {
            "text" => FieldKind::Text,
            "number" => FieldKind::Number,
            "amount" => FieldKind::Amount,
            "date" => FieldKind::Date,
            "yes_no" => FieldKind::YesNo,
            "document" => FieldKind::Document,
            "choice" => {
                let options: Vec<String> = options
                    .lines()
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect();
                if options.len() < 2 {
                    return Err(
                        "Une question à choix demande au moins deux réponses possibles, une par ligne."
                            .into(),
                    );
                }
                FieldKind::Choice { options }
            }
            other => {
                return Err(format!(
                    "Type de question inconnu « {other} » : choisissez texte, nombre, montant, date, choix, oui/non ou document."
                ));
            }
        })
    }

    pub fn id(&self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Amount => "amount",
            FieldKind::Date => "date",
            FieldKind::Choice { .. } => "choice",
            FieldKind::YesNo => "yes_no",
            FieldKind::Document => "document",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            FieldKind::Text => "texte",
            FieldKind::Number => "nombre",
            FieldKind::Amount => "montant en euros",
            FieldKind::Date => "date",
            FieldKind::Choice { .. } => "choix dans une liste",
            FieldKind::YesNo => "oui / non",
            FieldKind::Document => "document à joindre",
        }
    }

    /// Every type, for the administrator's list.
    pub const CHOICES: [(&'static str, &'static str); 7] = [
        ("text", "texte"),
        ("number", "nombre"),
        ("amount", "montant en euros"),
        ("date", "date"),
        ("choice", "choix dans une liste"),
        ("yes_no", "oui / non"),
        ("document", "document à joindre"),
    ];
}

/// A validated answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Answer {
    Text(String),
    Number(i64),
    /// Cents.
    Amount(i64),
    Date(NaiveDate),
    Choice(String),
    YesNo(bool),
    /// The id of an uploaded document of the citizen.
    Document(i64),
}

impl Answer {
    /// How the answer reads on a review page or a letter.
    pub fn display(&self) -> String {
        match self {
            Answer::Text(s) | Answer::Choice(s) => s.clone(),
            Answer::Number(n) => n.to_string(),
            Answer::Amount(cents) => format_euros(*cents),
            Answer::Date(d) => d.format("%d/%m/%Y").to_string(),
            Answer::YesNo(true) => "Oui".into(),
            Answer::YesNo(false) => "Non".into(),
            Answer::Document(id) => format!("document n° {id}"),
        }
    }
}

impl Answer {
    /// The answer as it goes back into its form field.
    pub fn input_value(&self) -> String {
        match self {
            Answer::Text(s) | Answer::Choice(s) => s.clone(),
            Answer::Number(n) => n.to_string(),
            Answer::Amount(cents) => {
                if cents % 100 == 0 {
                    (cents / 100).to_string()
                } else {
                    format!("{},{:02}", cents / 100, cents % 100)
                }
            }
            Answer::Date(d) => d.format("%Y-%m-%d").to_string(),
            Answer::YesNo(true) => "oui".into(),
            Answer::YesNo(false) => "non".into(),
            Answer::Document(id) => id.to_string(),
        }
    }
}

/// `123456` → `1 234,56 €` (French grouping with a no-break space).
pub fn format_euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let euros = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{:02}\u{a0}€", cents % 100)
}

/// Answers by field key.
pub type Answers = BTreeMap<String, Answer>;

/// A field and what is wrong with its answer, in French.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerError {
    pub key: String,
    pub message: String,
}

impl FormDefinition {
    /// The number of pages (at least one).
    pub fn step_count(&self) -> u32 {
        self.fields.iter().map(|f| f.step).max().unwrap_or(1).max(1)
    }

    pub fn step_fields(&self, step: u32) -> impl Iterator<Item = &FieldDef> {
        self.fields.iter().filter(move |f| f.step == step)
    }

    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// A key not used yet.
    pub fn next_key(&self) -> String {
        let highest = self
            .fields
            .iter()
            .filter_map(|f| f.key.strip_prefix('f')?.parse::<u32>().ok())
            .max()
            .unwrap_or(0);
        format!("f{}", highest + 1)
    }

    /// Reads one page's answers from submitted values (`value(key)` is what the form sent for
    /// that field, empty when absent). Fields of other pages or other aids are never read, so a
    /// forged field name changes nothing. Document fields are answered elsewhere (uploads).
    pub fn read_step(
        &self,
        step: u32,
        value: impl Fn(&str) -> String,
    ) -> (Answers, Vec<AnswerError>) {
        let mut answers = Answers::new();
        let mut errors = Vec::new();
        for field in self.step_fields(step) {
            if field.kind == FieldKind::Document {
                continue;
            }
            let raw = value(&field.key);
            let raw = raw.trim();
            if raw.is_empty() {
                if field.required {
                    errors.push(AnswerError {
                        key: field.key.clone(),
                        message: required_message(&field.label),
                    });
                }
                continue;
            }
            match parse_answer(field, raw) {
                Ok(answer) => {
                    answers.insert(field.key.clone(), answer);
                }
                Err(message) => errors.push(AnswerError {
                    key: field.key.clone(),
                    message,
                }),
            }
        }
        (answers, errors)
    }

    /// The national sources this form's questions can be answered from, each once.
    pub fn sources(&self) -> Vec<Source> {
        let mut sources: Vec<Source> = Vec::new();
        for source in self
            .fields
            .iter()
            .filter_map(|f| f.fact.map(FactKey::source))
        {
            if !sources.contains(&source) {
                sources.push(source);
            }
        }
        sources
    }

    /// Checks a complete set of answers before submission: every required question answered,
    /// every answer of the right type and for a question of this form.
    pub fn check_complete(&self, answers: &Answers) -> Vec<AnswerError> {
        self.check_complete_waiving(answers, &HashSet::new())
    }

    /// As [`Self::check_complete`], with the questions in `waived` no longer required (a
    /// certificate the national data replaces).
    pub fn check_complete_waiving(
        &self,
        answers: &Answers,
        waived: &HashSet<String>,
    ) -> Vec<AnswerError> {
        let mut errors = Vec::new();
        for field in &self.fields {
            match answers.get(&field.key) {
                None if field.required && !waived.contains(&field.key) => errors.push(AnswerError {
                    key: field.key.clone(),
                    message: format!(
                        "La question « {} » (étape {}) n'a pas de réponse.",
                        field.label, field.step
                    ),
                }),
                Some(answer) if !answer_fits(&field.kind, answer) => errors.push(AnswerError {
                    key: field.key.clone(),
                    message: format!(
                        "La réponse à « {} » ne correspond plus à la question : répondez de nouveau.",
                        field.label
                    ),
                }),
                _ => {}
            }
        }
        errors
    }
}

fn answer_fits(kind: &FieldKind, answer: &Answer) -> bool {
    match (kind, answer) {
        (FieldKind::Text, Answer::Text(_))
        | (FieldKind::Number, Answer::Number(_))
        | (FieldKind::Amount, Answer::Amount(_))
        | (FieldKind::Date, Answer::Date(_))
        | (FieldKind::YesNo, Answer::YesNo(_))
        | (FieldKind::Document, Answer::Document(_)) => true,
        (FieldKind::Choice { options }, Answer::Choice(choice)) => options.contains(choice),
        _ => false,
    }
}

fn parse_answer(field: &FieldDef, raw: &str) -> Result<Answer, String> {
    let label = &field.label;
    match &field.kind {
        FieldKind::Text => {
            if raw.chars().count() > MAX_TEXT_CHARS {
                Err(text_too_long_message(label))
            } else {
                Ok(Answer::Text(raw.to_owned()))
            }
        }
        FieldKind::Number => {
            let n = parse_number(raw).ok_or_else(|| number_message(label))?;
            field.bounds.check(label, n, |n| n.to_string())?;
            Ok(Answer::Number(n))
        }
        FieldKind::Amount => {
            let cents = parse_cents(raw).ok_or_else(|| amount_message(label))?;
            field.bounds.check(label, cents, format_euros)?;
            Ok(Answer::Amount(cents))
        }
        FieldKind::Date => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(raw, "%d/%m/%Y"))
            .ok()
            .filter(|d| (1900..=2100).contains(&d.format("%Y").to_string().parse().unwrap_or(0)))
            .map(Answer::Date)
            .ok_or_else(|| date_message(label)),
        FieldKind::Choice { options } => options
            .iter()
            .find(|o| o.as_str() == raw)
            .map(|o| Answer::Choice(o.clone()))
            .ok_or_else(|| choice_message(label)),
        FieldKind::YesNo => match raw {
            "oui" => Ok(Answer::YesNo(true)),
            "non" => Ok(Answer::YesNo(false)),
            _ => Err(format!("Répondez par oui ou par non à « {label} ».")),
        },
        FieldKind::Document => Err(format!("« {label} » attend un document joint.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> FormDefinition {
        let field = |key: &str, step, label: &str, required, kind| FieldDef {
            required,
            ..FieldDef::new(key, step, label, kind)
        };
        FormDefinition {
            fields: vec![
                field("f1", 1, "Loyer mensuel", true, FieldKind::Amount),
                field("f2", 1, "Personnes au foyer", true, FieldKind::Number),
                field(
                    "f3",
                    2,
                    "Situation",
                    true,
                    FieldKind::Choice {
                        options: vec!["Locataire".into(), "Hébergé".into()],
                    },
                ),
                field("f4", 2, "Date d'entrée", false, FieldKind::Date),
                field("f5", 2, "Déjà aidé ?", true, FieldKind::YesNo),
                field("f6", 3, "Quittance", true, FieldKind::Document),
            ],
        }
    }

    #[test]
    fn answers_outside_their_bounds_are_refused_in_words() {
        let bounded = |kind, least, most| FormDefinition {
            fields: vec![FieldDef {
                bounds: Bounds { least, most },
                ..FieldDef::new("f1", 1, "Personnes au foyer", kind)
            }],
        };
        let read = |form: &FormDefinition, raw: &str| {
            let (_, errors) = form.read_step(1, |_| raw.to_owned());
            errors.first().map(|e| e.message.clone())
        };
        let household = bounded(FieldKind::Number, Some(1), Some(20));
        assert_eq!(
            read(&household, "0").as_deref(),
            Some("« Personnes au foyer » attend une réponse entre 1 et 20.")
        );
        assert_eq!(read(&household, "4"), None);
        let rent = bounded(FieldKind::Amount, Some(100), None);
        assert_eq!(
            read(&rent, "0").as_deref(),
            Some("« Personnes au foyer » attend au moins 1,00\u{a0}€ : vérifiez votre réponse.")
        );
        assert_eq!(read(&rent, "450"), None);
        // Forms saved before bounds existed read as open.
        let stored: FieldDef = serde_json::from_str(
            r#"{"key":"f1","step":1,"label":"Q","required":true,"kind":{"type":"number"}}"#,
        )
        .unwrap();
        assert!(stored.bounds.is_open());
    }

    /// Reading amounts is `app::validation::parse_cents`'s, tested there.
    #[test]
    fn amounts_are_written_the_french_way() {
        assert_eq!(format_euros(123_456), "1\u{a0}234,56\u{a0}€");
        assert_eq!(format_euros(5), "0,05\u{a0}€");
    }

    #[test]
    fn a_page_reads_only_its_own_fields() {
        let values = |key: &str| {
            match key {
                "f1" => "450,50",
                "f2" => "3",
                "f3" => "Locataire",
                _ => "",
            }
            .to_owned()
        };
        let (answers, errors) = form().read_step(1, values);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(answers.len(), 2);
        assert_eq!(answers["f1"], Answer::Amount(45_050));
        assert!(
            !answers.contains_key("f3"),
            "a field of another page is ignored"
        );
    }

    #[test]
    fn bad_values_get_french_messages() {
        let values = |key: &str| {
            match key {
                "f3" => "Propriétaire",
                "f4" => "31/02/2026",
                "f5" => "peut-être",
                _ => "",
            }
            .to_owned()
        };
        let (answers, errors) = form().read_step(2, values);
        assert!(answers.is_empty());
        let keys: Vec<_> = errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["f3", "f4", "f5"]);
        assert!(errors[0].message.contains("Choisissez une des réponses"));
        assert!(errors[1].message.contains("attend une date"));
    }

    /// The browser warns only where the server refuses, and in the server's words.
    #[test]
    fn the_browser_warns_only_where_the_server_refuses() {
        use app::validation::{EarlyCheck, check_answer};
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        let cases: [(FieldKind, EarlyCheck, Vec<&str>); 4] = [
            (
                FieldKind::Amount,
                EarlyCheck::Amount,
                vec![
                    "",
                    " ",
                    "450",
                    "450,5",
                    "1 234.56 €",
                    "beaucoup",
                    "-3",
                    "12,345",
                ],
            ),
            (
                FieldKind::Number,
                EarlyCheck::Number,
                vec!["", "3", "1 200", "3,5", "-1", "trois", "99999999999"],
            ),
            (
                FieldKind::Date,
                EarlyCheck::Date { bad_input: false },
                vec![
                    "",
                    "2026-01-31",
                    "1850-01-01",
                    "2200-12-31",
                    "31/01/2026",
                    "2026-02-31",
                ],
            ),
            (
                FieldKind::Text,
                EarlyCheck::Text,
                vec!["", "Bonjour", &long],
            ),
        ];
        for (kind, check, values) in cases {
            for required in [true, false] {
                let form = FormDefinition {
                    fields: vec![FieldDef {
                        required,
                        ..FieldDef::new("f1", 1, "Question", kind.clone())
                    }],
                };
                for raw in &values {
                    let (_, errors) = form.read_step(1, |_| (*raw).to_owned());
                    let server = errors.first().map(|e| e.message.clone());
                    if let Some(early) = check_answer(check, "Question", required, raw) {
                        assert_eq!(Some(early), server, "{kind:?} {raw:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn submission_needs_every_required_answer_of_the_right_type() {
        let mut answers = Answers::new();
        answers.insert("f1".into(), Answer::Amount(1));
        answers.insert("f2".into(), Answer::Text("trois".into()));
        let keys: Vec<_> = form()
            .check_complete(&answers)
            .into_iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(keys, ["f2", "f3", "f5", "f6"]);
    }

    #[test]
    fn definitions_round_trip_through_json() {
        let json = serde_json::to_string(&form()).unwrap();
        assert!(json.contains(r#""type":"choice""#));
        assert_eq!(
            serde_json::from_str::<FormDefinition>(&json).unwrap(),
            form()
        );
        assert_eq!(form().step_count(), 3);
        assert_eq!(form().next_key(), "f7");
    }

    #[test]
    fn field_types_parse_with_reasons() {
        assert_eq!(FieldKind::parse("amount", "").unwrap(), FieldKind::Amount);
        assert!(FieldKind::parse("choice", "Seule\n").is_err());
        assert!(
            FieldKind::parse("photo", "")
                .unwrap_err()
                .contains("inconnu")
        );
    }
}
