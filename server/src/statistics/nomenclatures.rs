//! The shared nomenclatures indicators are computed on, shipped with the code and versioned:
//! a figure says which version of which nomenclature its codes come from, so that a change of
//! codes never mixes with an older month. Sources and how to refresh the départements are in
//! `server/reference/nomenclatures/README.md`.

use std::sync::LazyLock;

/// A list of codes with their labels, at a version.
#[derive(Clone, Debug)]
pub struct Nomenclature {
    /// Its name in exports and schemas (`departement`, `age`…).
    pub id: &'static str,
    pub label: &'static str,
    /// « COG 2026 », « 2026-1 »: bumped whenever a code is added, removed or changes meaning.
    pub version: &'static str,
    pub entries: Vec<(&'static str, &'static str)>,
}

impl Nomenclature {
    pub fn label_of(&self, code: &str) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, label)| *label)
    }

    pub fn has(&self, code: &str) -> bool {
        self.label_of(code).is_some()
    }
}

/// A département of the COG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Departement {
    pub code: &'static str,
    pub name: &'static str,
    pub overseas: bool,
}

static DEPARTEMENTS: LazyLock<Vec<Departement>> = LazyLock::new(|| {
    include_str!("../../reference/nomenclatures/departements.tsv")
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            Some(Departement {
                code: fields.next()?,
                name: fields.next()?,
                overseas: fields.next()? == "outre-mer",
            })
        })
        .collect()
});

/// The 101 départements, in COG order.
pub fn departements() -> &'static [Departement] {
    &DEPARTEMENTS
}

/// The département of INSEE code `code` (« 2A », « 30 », « 974 »), if it is one.
pub fn departement(code: &str) -> Option<Departement> {
    let code = code.trim().to_uppercase();
    DEPARTEMENTS.iter().find(|d| d.code == code).copied()
}

/// The age bands of DREES's surveys (OARSA among them), by age in whole years.
pub fn age_band(age: u32) -> &'static str {
    match age {
        0..=24 => "moins_25",
        25..=29 => "25_29",
        30..=39 => "30_39",
        40..=49 => "40_49",
        50..=59 => "50_59",
        _ => "60_plus",
    }
}

/// The `sexe` code of the funds' `SEXE` (1 a man, 2 a woman).
pub fn sex(fund_code: &str) -> Option<&'static str> {
    match fund_code.trim() {
        "1" => Some("homme"),
        "2" => Some("femme"),
        _ => None,
    }
}

/// The `anciennete_rsa` band, on `on`, of someone subject to rights and duties since
/// `entered_on`.
pub fn seniority_band(entered_on: chrono::NaiveDate, on: chrono::NaiveDate) -> &'static str {
    let half_year = entered_on.checked_add_months(chrono::Months::new(6));
    let year = entered_on.checked_add_months(chrono::Months::new(12));
    if half_year.is_none_or(|d| on < d) {
        "moins_6_mois"
    } else if year.is_none_or(|d| on < d) {
        "6_mois_1_an"
    } else {
        "1_an_plus"
    }
}

/// Every nomenclature, as exports and the open data's schema describe them.
pub fn all() -> Vec<Nomenclature> {
    let mut all = shared();
    all.extend(people());
    all
}

/// The codes every module's figures share.
fn shared() -> Vec<Nomenclature> {
    vec![
        Nomenclature {
            id: "departement",
            label: "Département (code officiel géographique de l'INSEE)",
            version: "COG 2026",
            entries: departements().iter().map(|d| (d.code, d.name)).collect(),
        },
        Nomenclature {
            id: "taille_departement",
            label: "Taille du département (population municipale de l'INSEE)",
            version: "2026-1",
            entries: vec![
                ("moins_250k", "Moins de 250 000 habitants"),
                ("250k_500k", "De 250 000 à 499 999 habitants"),
                ("500k_1m", "De 500 000 à 999 999 habitants"),
                ("1m_plus", "Un million d'habitants ou plus"),
            ],
        },
        Nomenclature {
            id: "orientation",
            label: "Parcours d'orientation des bénéficiaires du RSA (CASF L.262-29)",
            version: "2026-1",
            entries: vec![
                ("professional", "Professionnel (France Travail)"),
                ("socio_professional", "Socio-professionnel"),
                ("social", "Social"),
            ],
        },
        Nomenclature {
            id: "droit_mdph",
            label: "Droits et prestations demandés à la MDPH",
            version: "2026-1",
            entries: vec![
                ("aeeh", "AEEH et son complément"),
                ("aah", "AAH"),
                ("pch", "PCH"),
                ("cmi_invalidite", "CMI invalidité"),
                ("cmi_priorite", "CMI priorité"),
                ("cmi_stationnement", "CMI stationnement"),
                ("rqth", "RQTH"),
                ("orientation_professionnelle", "Orientation professionnelle"),
                (
                    "orientation_esms",
                    "Orientation vers un établissement ou service médico-social",
                ),
                ("amendement_creton", "Amendement Creton"),
                ("scolarisation", "Parcours de scolarisation"),
                (
                    "avpf",
                    "Affiliation gratuite à l'assurance vieillesse des parents au foyer",
                ),
            ],
        },
        Nomenclature {
            id: "categorie_aide",
            label: "Catégorie d'aide sociale facultative (chaque département y range ses aides)",
            version: "2026-1",
            entries: vec![
                ("logement", "Logement et maintien dans le logement"),
                ("energie", "Énergie et eau"),
                ("subsistance", "Subsistance et alimentation"),
                ("mobilite", "Mobilité et transport"),
                ("famille_enfance", "Famille et enfance"),
                ("insertion", "Insertion sociale et professionnelle"),
                ("sante", "Santé"),
                ("personnes_agees", "Personnes âgées"),
                ("handicap", "Personnes handicapées"),
                ("autre", "Autre"),
            ],
        },
        Nomenclature {
            id: "age",
            label: "Tranche d'âge",
            version: "2026-1",
            entries: vec![
                ("moins_25", "Moins de 25 ans"),
                ("25_29", "25 à 29 ans"),
                ("30_39", "30 à 39 ans"),
                ("40_49", "40 à 49 ans"),
                ("50_59", "50 à 59 ans"),
                ("60_plus", "60 ans ou plus"),
            ],
        },
        Nomenclature {
            id: "menage",
            label: "Type de ménage",
            version: "2026-1",
            entries: vec![
                ("seul_sans_enfant", "Personne seule sans enfant"),
                ("seul_avec_enfants", "Personne seule avec enfant(s)"),
                ("couple_sans_enfant", "Couple sans enfant"),
                ("couple_avec_enfants", "Couple avec enfant(s)"),
            ],
        },
        Nomenclature {
            id: "canal",
            label: "Canal d'un contact avec un usager",
            version: "2026-1",
            entries: vec![
                ("accueil", "Visite à l'accueil"),
                ("telephone", "Appel téléphonique"),
                ("courrier", "Courrier"),
                ("courriel", "Courriel"),
            ],
        },
        Nomenclature {
            id: "issue",
            label: "Issue d'une décision",
            version: "2026-1",
            entries: vec![
                ("accord", "Accord"),
                ("accord_partiel", "Accord partiel"),
                ("refus", "Refus"),
                ("ajournement", "Ajournement"),
                ("irrecevable", "Irrecevable ou sans suite"),
            ],
        },
    ]
}

/// How the national surveys describe people (OARSA's sex, seniority and referent body).
fn people() -> Vec<Nomenclature> {
    vec![
        Nomenclature {
            id: "sexe",
            label: "Sexe",
            version: "2026-1",
            entries: vec![("femme", "Femme"), ("homme", "Homme")],
        },
        Nomenclature {
            id: "anciennete_rsa",
            label: "Ancienneté dans les droits et devoirs du RSA au 31 décembre",
            version: "2026-1",
            entries: vec![
                ("moins_6_mois", "Moins de 6 mois"),
                ("6_mois_1_an", "De 6 mois à moins d'un an"),
                ("1_an_plus", "Un an ou plus"),
            ],
        },
        Nomenclature {
            id: "organisme_referent",
            label: "Organisme référent unique d'une personne orientée (enquête OARSA)",
            version: "2026-1",
            entries: vec![
                ("france_travail", "France Travail"),
                ("departement", "Services du département"),
                (
                    "autre_spe",
                    "Autre organisme du service public de l'emploi (mission locale, Cap emploi…)",
                ),
                (
                    "autre_organisme",
                    "Autre organisme (CCAS, CIAS, association, caisse d'allocations familiales…)",
                ),
            ],
        },
    ]
}

/// The nomenclature `id`.
pub fn find(id: &str) -> Option<Nomenclature> {
    all().into_iter().find(|n| n.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cog_lists_every_departement_with_corsica_and_overseas() {
        let all = departements();
        assert_eq!(all.len(), 101);
        assert_eq!(all.iter().filter(|d| d.overseas).count(), 5);
        assert_eq!(departement("2a").map(|d| d.name), Some("Corse-du-Sud"));
        assert_eq!(departement("30").map(|d| d.name), Some("Gard"));
        assert_eq!(departement("974").map(|d| d.name), Some("La Réunion"));
        // Corsica has had no « 20 » since 1976; collectivities are no départements.
        assert_eq!(departement("20"), None);
        assert_eq!(departement("975"), None);
    }

    #[test]
    fn every_code_is_listed_once_and_every_age_falls_in_a_band() {
        for n in all() {
            let mut codes: Vec<_> = n.entries.iter().map(|(c, _)| *c).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), n.entries.len(), "{}", n.id);
        }
        let ages = find("age").unwrap();
        for age in [0, 24, 25, 29, 30, 59, 60, 99] {
            assert!(ages.has(age_band(age)), "{age}");
        }
        assert_eq!(age_band(25), "25_29");
    }

    #[test]
    fn seniority_bands_turn_on_the_six_month_and_one_year_days() {
        let entered = chrono::NaiveDate::from_ymd_opt(2025, 3, 6).unwrap();
        let on =
            |y, m, d| seniority_band(entered, chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap());
        assert_eq!(on(2025, 9, 5), "moins_6_mois");
        assert_eq!(on(2025, 9, 6), "6_mois_1_an");
        assert_eq!(on(2026, 3, 5), "6_mois_1_an");
        assert_eq!(on(2026, 3, 6), "1_an_plus");
        let bands = find("anciennete_rsa").unwrap();
        assert!(
            ["moins_6_mois", "6_mois_1_an", "1_an_plus"]
                .iter()
                .all(|c| bands.has(c))
        );
        assert_eq!(
            (sex("1"), sex("2"), sex("")),
            (Some("homme"), Some("femme"), None)
        );
    }

    #[test]
    fn the_modules_codes_are_in_the_shared_nomenclatures() {
        let rights = find("droit_mdph").unwrap();
        for right in crate::disability::rights::Right::ALL {
            assert!(rights.has(right.code()), "{}", right.code());
        }
        let channels = find("canal").unwrap();
        for channel in crate::user_relations::Channel::ALL {
            let code = crate::user_relations::indicators::channel_code(channel);
            assert!(channels.has(code), "{code}");
        }
        let tracks = find("orientation").unwrap();
        for track in crate::insertion::orientation::Track::ALL {
            assert!(tracks.has(track.id()), "{}", track.id());
        }
    }
}
