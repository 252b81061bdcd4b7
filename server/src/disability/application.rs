//! The national application, CERFA 15692*01, as data: its parts A (identity, representative,
//! legal protection), B (daily life), C (school or studies), D (work) and F (the family carer)
//! as the steps of a form (the same engine as aid forms: drafts, one page per step, French
//! messages, no JavaScript needed). Part E, the rights asked for, is a page of its own
//! (`rights`): each right becomes a request with its own status and clock.
//!
//! Parts A and B are always filled; C, D and F only where they apply, so their questions are
//! optional and say when to answer them.

use std::sync::LazyLock;

use chrono::NaiveDate;

use crate::aid_requests::form::{
    Answer, AnswerError, Answers, FieldDef, FieldKind, FormDefinition,
};

/// The form's national number, kept with each file's answers.
pub const VERSION: &str = "15692*01";

/// The steps' titles, by step.
pub const PARTS: [&str; 6] = [
    "Partie A — La personne concernée",
    "Partie A — Qui fait la demande, protection juridique, urgence",
    "Partie B — La vie quotidienne",
    "Partie C — La vie scolaire ou étudiante",
    "Partie D — La situation professionnelle",
    "Partie F — L'aidant familial",
];

/// Keys the module reads beyond showing them.
pub mod keys {
    pub const BIRTH_NAME: &str = "a_nom";
    pub const FIRST_NAMES: &str = "a_prenoms";
    pub const BORN_ON: &str = "a_naissance";
    pub const NIR: &str = "a_nir";
    pub const POSTCODE: &str = "a_code_postal";
    pub const FILLED_BY: &str = "a_qui";
    pub const PROTECTION: &str = "a_protection";
}

/// Who fills the form.
pub const FILLED_BY: [&str; 4] = [
    "La personne concernée elle-même",
    "Un parent (ou titulaire de l'autorité parentale)",
    "Son représentant légal (tutelle, curatelle, habilitation familiale)",
    "Un proche qui l'aide",
];

/// Legal protection: any but the first asks for the court's decision among the pieces.
pub const PROTECTIONS: [&str; 5] = [
    "Aucune",
    "Tutelle",
    "Curatelle",
    "Habilitation familiale",
    "Sauvegarde de justice",
];

fn choice(options: &[&str]) -> FieldKind {
    FieldKind::Choice {
        options: options.iter().map(|o| (*o).to_owned()).collect(),
    }
}

fn optional(key: &str, step: u32, label: &str, kind: FieldKind, help: &str) -> FieldDef {
    FieldDef {
        required: false,
        help: help.into(),
        ..FieldDef::new(key, step, label, kind)
    }
}

fn helped(key: &str, step: u32, label: &str, kind: FieldKind, help: &str) -> FieldDef {
    FieldDef {
        help: help.into(),
        ..FieldDef::new(key, step, label, kind)
    }
}

/// The form's questions.
pub static FORM: LazyLock<FormDefinition> = LazyLock::new(|| {
    use FieldKind::{Date, Text, YesNo};
    let school = "À remplir si la personne va à l'école, au collège, au lycée, fait des études ou une formation.";
    let work = "À remplir si la personne a un emploi, en cherche un, ou a un projet professionnel.";
    let carer = "À remplir par l'aidant familial, s'il le souhaite : un proche qui aide la personne au quotidien.";
    FormDefinition {
        fields: vec![
            // Part A: the person concerned.
            FieldDef::new(keys::BIRTH_NAME, 1, "Nom de naissance", Text),
            optional(
                "a_nom_usage",
                1,
                "Nom d'usage",
                Text,
                "Le nom marital, par exemple.",
            ),
            FieldDef::new(keys::FIRST_NAMES, 1, "Prénoms", Text),
            FieldDef::new("a_sexe", 1, "Sexe", choice(&["Féminin", "Masculin"])),
            FieldDef::new(keys::BORN_ON, 1, "Date de naissance", Date),
            FieldDef::new("a_lieu_naissance", 1, "Commune et pays de naissance", Text),
            FieldDef::new(
                "a_nationalite",
                1,
                "Nationalité",
                choice(&[
                    "Française",
                    "D'un pays de l'Union européenne ou de l'EEE",
                    "D'un autre pays",
                ]),
            ),
            FieldDef::new("a_adresse", 1, "Adresse (numéro et rue)", Text),
            FieldDef::new(keys::POSTCODE, 1, "Code postal", Text),
            FieldDef::new("a_commune", 1, "Commune", Text),
            optional("a_telephone", 1, "Téléphone", Text, ""),
            optional("a_courriel", 1, "Adresse électronique", Text, ""),
            optional(
                keys::NIR,
                1,
                "Numéro de sécurité sociale de la personne",
                Text,
                "15 chiffres, sur la carte Vitale ; pour un enfant, le sien s'il en a un.",
            ),
            FieldDef::new("a_assurance", 1, "Organisme d'assurance maladie", Text),
            FieldDef::new(
                "a_prestations",
                1,
                "Organisme qui verse les prestations familiales",
                choice(&["CAF", "MSA", "Aucun"]),
            ),
            optional("a_allocataire", 1, "Numéro d'allocataire", Text, ""),
            // Part A: who asks, protection, urgency.
            FieldDef::new(
                keys::FILLED_BY,
                2,
                "Qui remplit ce formulaire ?",
                choice(&FILLED_BY),
            ),
            optional(
                "a_representant",
                2,
                "Nom et prénom de la personne qui remplit, si ce n'est pas la personne concernée",
                Text,
                "",
            ),
            optional(
                "a_second_parent",
                2,
                "Pour un enfant : nom et prénom du second parent qui exerce l'autorité parentale",
                Text,
                "Pour un enfant, les deux parents signent la demande.",
            ),
            FieldDef::new(
                keys::PROTECTION,
                2,
                "Mesure de protection juridique",
                choice(&PROTECTIONS),
            ),
            helped(
                "a_urgence",
                2,
                "Votre situation est-elle urgente ?",
                YesNo,
                "Par exemple : impossible de rester à domicile, école ou établissement qui refuse la personne, emploi menacé, sortie d'hôpital, droits qui s'arrêtent dans moins de 2 mois.",
            ),
            optional(
                "a_urgence_detail",
                2,
                "Si oui, ce qui rend la situation urgente",
                Text,
                "",
            ),
            helped(
                "a_echanges",
                2,
                "Acceptez-vous que la MDPH échange avec les professionnels qui vous suivent ?",
                YesNo,
                "Médecin, établissement, école, employeur : seulement ce qui est utile à l'évaluation.",
            ),
            // Part B: daily life, always.
            FieldDef::new(
                "b_famille",
                3,
                "Situation familiale",
                choice(&["Seul ou seule", "En couple", "Avec ses parents", "Autre"]),
            ),
            FieldDef::new(
                "b_logement",
                3,
                "Logement",
                choice(&[
                    "Locataire",
                    "Propriétaire",
                    "Hébergé par un proche",
                    "En établissement",
                    "Sans logement stable",
                ]),
            ),
            optional(
                "b_aides",
                3,
                "Les aides déjà reçues (allocations, services, matériel)",
                Text,
                "",
            ),
            helped(
                "b_besoins",
                3,
                "Les difficultés rencontrées dans la vie quotidienne et les besoins",
                Text,
                "Se déplacer, se laver, s'habiller, faire les courses, communiquer, gérer son budget…",
            ),
            optional(
                "b_attentes",
                3,
                "Ce que la personne souhaite, ses attentes",
                Text,
                "",
            ),
            optional(
                "b_frais",
                3,
                "Frais liés au handicap restant à charge, par mois",
                FieldKind::Amount,
                "Transport, matériel, aide à domicile… ce qui n'est pas remboursé.",
            ),
            // Part C: school or studies, where it applies.
            optional(
                "c_etablissement",
                4,
                "École, établissement ou formation suivie",
                Text,
                school,
            ),
            optional(
                "c_type",
                4,
                "Type de scolarisation",
                choice(&[
                    "Classe ordinaire",
                    "Classe ordinaire avec ULIS",
                    "Unité d'enseignement en établissement médico-social",
                    "Enseignement à distance",
                    "Études supérieures ou formation",
                ]),
                "",
            ),
            optional(
                "c_besoins",
                4,
                "Besoins pour la scolarité (accompagnement, matériel, aménagements)",
                Text,
                "",
            ),
            optional("c_referent", 4, "Enseignant référent", Text, ""),
            // Part D: work, where it applies.
            optional(
                "d_situation",
                5,
                "Situation professionnelle",
                choice(&[
                    "En emploi",
                    "En recherche d'emploi",
                    "En arrêt de travail",
                    "En formation",
                    "Sans activité professionnelle",
                ]),
                work,
            ),
            optional(
                "d_milieu",
                5,
                "Si en emploi : le milieu de travail",
                choice(&["Milieu ordinaire", "Entreprise adaptée", "ESAT"]),
                "",
            ),
            optional(
                "d_amenagements",
                5,
                "Aménagements de poste demandés ou en place",
                Text,
                "",
            ),
            optional("d_projet", 5, "Projet professionnel", Text, ""),
            // Part F: the family carer, if they wish.
            optional(
                "f_aidant",
                6,
                "Nom et prénom de l'aidant familial",
                Text,
                carer,
            ),
            optional("f_lien", 6, "Son lien avec la personne", Text, ""),
            optional("f_aide", 6, "L'aide qu'il ou elle apporte", Text, ""),
            optional(
                "f_attentes",
                6,
                "Ce dont l'aidant aurait besoin",
                choice(&[
                    "Du répit (accueil temporaire, relais)",
                    "Un soutien financier",
                    "Être informé et formé",
                    "Rien pour le moment",
                ]),
                "",
            ),
        ],
    }
});

/// Checks beyond a question's own type, on one step's answers: a NIR with a wrong key, a
/// postcode that is not five digits, a birth date not yet come.
pub fn step_errors(step: u32, answers: &Answers, today: NaiveDate) -> Vec<AnswerError> {
    let mut errors = Vec::new();
    if step != 1 {
        return errors;
    }
    let error = |key: &str, message: String| AnswerError {
        key: key.into(),
        message,
    };
    if let Some(Answer::Text(nir)) = answers.get(keys::NIR)
        && let Err(e) = crate::insertion::nir::Nir::parse(nir)
    {
        errors.push(error(keys::NIR, crate::audit::sentence(&e.to_string())));
    }
    if let Some(Answer::Text(code)) = answers.get(keys::POSTCODE)
        && !(code.len() == 5 && code.chars().all(|c| c.is_ascii_digit()))
    {
        errors.push(error(
            keys::POSTCODE,
            "Le code postal s'écrit avec 5 chiffres, par exemple 30000.".into(),
        ));
    }
    if let Some(Answer::Date(born)) = answers.get(keys::BORN_ON)
        && *born > today
    {
        errors.push(error(
            keys::BORN_ON,
            "La date de naissance est dans l'avenir : vérifiez l'année.".into(),
        ));
    }
    errors
}

/// What the module reads of a file's answers.
pub struct Facts {
    pub name: String,
    pub born_on: Option<NaiveDate>,
    pub postcode: Option<String>,
    /// Under legal protection: the court's decision is a mandatory piece.
    pub protected: bool,
}

impl Facts {
    pub fn of(answers: &Answers) -> Self {
        let text = |key: &str| match answers.get(key) {
            Some(Answer::Text(t) | Answer::Choice(t)) => Some(t.clone()),
            _ => None,
        };
        let name = [text(keys::FIRST_NAMES), text(keys::BIRTH_NAME)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            name,
            born_on: match answers.get(keys::BORN_ON) {
                Some(Answer::Date(d)) => Some(*d),
                _ => None,
            },
            postcode: text(keys::POSTCODE),
            protected: text(keys::PROTECTION).is_some_and(|p| p != PROTECTIONS[0]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_a_and_b_are_required_the_others_are_not() {
        let form = &*FORM;
        assert_eq!(form.step_count() as usize, PARTS.len());
        for field in &form.fields {
            if field.step >= 4 {
                assert!(!field.required, "{} should be optional", field.key);
            }
        }
        let keys: std::collections::HashSet<_> = form.fields.iter().map(|f| &f.key).collect();
        assert_eq!(keys.len(), form.fields.len(), "keys are unique");
    }

    #[test]
    fn a_wrong_nir_key_and_a_bad_postcode_are_said() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let mut answers = Answers::new();
        answers.insert(
            keys::NIR.into(),
            Answer::Text("2 85 07 75 056 123 71".into()),
        );
        answers.insert(keys::POSTCODE.into(), Answer::Text("3000".into()));
        answers.insert(
            keys::BORN_ON.into(),
            Answer::Date(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap()),
        );
        let errors = step_errors(1, &answers, today);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].message.contains("clé"));
        answers.insert(
            keys::NIR.into(),
            Answer::Text("2 85 07 75 056 123 70".into()),
        );
        answers.insert(keys::POSTCODE.into(), Answer::Text("30000".into()));
        answers.insert(
            keys::BORN_ON.into(),
            Answer::Date(NaiveDate::from_ymd_opt(1985, 7, 14).unwrap()),
        );
        assert!(step_errors(1, &answers, today).is_empty());
    }
}
