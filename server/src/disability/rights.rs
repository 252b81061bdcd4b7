//! The rights a person can ask the MDPH for (CERFA 15692*01, part E), each with its code, who
//! may ask for it (under 20, from 20, anyone) and the court its decision is contested before
//! after the RAPO (L134-3 CASF splits them between the judicial and the administrative court).
//! The « complément de ressources » takes no new claims since 1 December 2019 and the ACTP only
//! renewals: neither is offered.

/// A right of part E.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Right {
    Aeeh,
    Aah,
    Pch,
    CmiInvalidite,
    CmiPriorite,
    CmiStationnement,
    Rqth,
    WorkOrientation,
    Esms,
    Creton,
    Schooling,
    Avpf,
}

/// Who may ask for a right, by age on filing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ages {
    /// Under 20 (the child pole).
    Child,
    /// From 20 (the RQTH and work orientations from 16, checked by the team).
    Adult,
    Any,
}

/// Where a decision on the right is contested after the RAPO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Court {
    /// Tribunal judiciaire, pôle social.
    Judicial,
    Administrative,
}

impl Court {
    pub fn label(self) -> &'static str {
        match self {
            Court::Judicial => "le tribunal judiciaire (pôle social)",
            Court::Administrative => "le tribunal administratif",
        }
    }
}

impl Right {
    pub const ALL: [Right; 12] = [
        Right::Aeeh,
        Right::Aah,
        Right::Pch,
        Right::CmiInvalidite,
        Right::CmiPriorite,
        Right::CmiStationnement,
        Right::Rqth,
        Right::WorkOrientation,
        Right::Esms,
        Right::Creton,
        Right::Schooling,
        Right::Avpf,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Right::Aeeh => "aeeh",
            Right::Aah => "aah",
            Right::Pch => "pch",
            Right::CmiInvalidite => "cmi_invalidite",
            Right::CmiPriorite => "cmi_priorite",
            Right::CmiStationnement => "cmi_stationnement",
            Right::Rqth => "rqth",
            Right::WorkOrientation => "orientation_professionnelle",
            Right::Esms => "orientation_esms",
            Right::Creton => "amendement_creton",
            Right::Schooling => "scolarisation",
            Right::Avpf => "avpf",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Right::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The short name, as letters and pages say it.
    pub fn short(self) -> &'static str {
        match self {
            Right::Aeeh => "AEEH",
            Right::Aah => "AAH",
            Right::Pch => "PCH",
            Right::CmiInvalidite => "CMI invalidité",
            Right::CmiPriorite => "CMI priorité",
            Right::CmiStationnement => "CMI stationnement",
            Right::Rqth => "RQTH",
            Right::WorkOrientation => "Orientation professionnelle",
            Right::Esms => "Orientation médico-sociale",
            Right::Creton => "Amendement Creton",
            Right::Schooling => "Scolarisation (PPS)",
            Right::Avpf => "AVPF de l'aidant",
        }
    }

    /// The whole name, with what it is.
    pub fn label(self) -> &'static str {
        match self {
            Right::Aeeh => "Allocation d'éducation de l'enfant handicapé (AEEH) et son complément",
            Right::Aah => "Allocation aux adultes handicapés (AAH)",
            Right::Pch => {
                "Prestation de compensation du handicap (PCH) : aide humaine, aides techniques, aménagement du logement ou du véhicule, charges spécifiques"
            }
            Right::CmiInvalidite => "Carte mobilité inclusion mention « invalidité »",
            Right::CmiPriorite => "Carte mobilité inclusion mention « priorité »",
            Right::CmiStationnement => "Carte mobilité inclusion mention « stationnement »",
            Right::Rqth => "Reconnaissance de la qualité de travailleur handicapé (RQTH)",
            Right::WorkOrientation => {
                "Orientation professionnelle : marché du travail, emploi accompagné, ESAT, réadaptation"
            }
            Right::Esms => {
                "Orientation vers un établissement ou un service médico-social (IME, SESSAD, MAS, FAM, foyer, SAVS, SAMSAH…)"
            }
            Right::Creton => {
                "Maintien dans un établissement pour enfants après 20 ans (amendement Creton)"
            }
            Right::Schooling => {
                "Parcours de scolarisation (PPS) : accompagnant (AESH), matériel pédagogique adapté"
            }
            Right::Avpf => {
                "Affiliation gratuite de l'aidant familial à l'assurance vieillesse (AVPF)"
            }
        }
    }

    pub fn ages(self) -> Ages {
        match self {
            Right::Aeeh | Right::Schooling => Ages::Child,
            Right::Aah | Right::Rqth | Right::WorkOrientation | Right::Creton => Ages::Adult,
            _ => Ages::Any,
        }
    }

    pub fn court(self) -> Court {
        match self {
            Right::Rqth | Right::WorkOrientation | Right::CmiStationnement => Court::Administrative,
            _ => Court::Judicial,
        }
    }

    /// Whether a person of this pole may ask for the right.
    pub fn open_to(self, pole: Pole) -> bool {
        matches!(
            (self.ages(), pole),
            (Ages::Any, _) | (Ages::Child, Pole::Child) | (Ages::Adult, Pole::Adult)
        )
    }

    /// The rights offered to a person of this pole, in the form's order.
    pub fn offered_to(pole: Pole) -> impl Iterator<Item = Right> {
        Right::ALL.into_iter().filter(move |r| r.open_to(pole))
    }
}

/// The team a file goes to by the person's age on filing: under 20, the children's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pole {
    Child,
    Adult,
}

impl Pole {
    /// The age the children's pole stops at (AEEH until 20).
    pub const ADULT_AGE: u32 = 20;

    pub fn of(born_on: chrono::NaiveDate, on: chrono::NaiveDate) -> Self {
        match on.years_since(born_on) {
            Some(age) if age >= Self::ADULT_AGE => Pole::Adult,
            _ => Pole::Child,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Pole::Child => "child",
            Pole::Adult => "adult",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        [Pole::Child, Pole::Adult]
            .into_iter()
            .find(|p| p.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            Pole::Child => "Enfants (moins de 20 ans)",
            Pole::Adult => "Adultes",
        }
    }
}

/// The rights ticked on the form, checked: known, offered to the person's pole, each once.
/// A right asked twice is refused, never merged silently.
pub fn read_choice(ticked: &[String], pole: Pole) -> Result<Vec<Right>, String> {
    let mut rights: Vec<Right> = Vec::new();
    for code in ticked {
        let Some(right) = Right::parse(code.trim()) else {
            return Err(
                "Un droit coché n'est pas dans la liste : cochez les droits proposés sur la page."
                    .into(),
            );
        };
        if rights.contains(&right) {
            return Err(format!(
                "« {} » est demandé deux fois : ne le cochez qu'une fois.",
                right.short()
            ));
        }
        if !right.open_to(pole) {
            return Err(match right.ages() {
                Ages::Child => format!(
                    "« {} » est réservé aux moins de 20 ans : la personne concernée a 20 ans ou plus.",
                    right.short()
                ),
                _ => format!(
                    "« {} » est réservé aux personnes de 20 ans et plus : pour un enfant, cochez les droits de l'enfant.",
                    right.short()
                ),
            });
        }
        rights.push(right);
    }
    Ok(rights)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn codes_round_trip_and_courts_follow_the_law() {
        for right in Right::ALL {
            assert_eq!(Right::parse(right.code()), Some(right));
        }
        assert_eq!(Right::Rqth.court(), Court::Administrative);
        assert_eq!(Right::CmiStationnement.court(), Court::Administrative);
        assert_eq!(Right::Aah.court(), Court::Judicial);
        assert_eq!(Right::CmiInvalidite.court(), Court::Judicial);
    }

    #[test]
    fn the_pole_turns_on_the_twentieth_birthday() {
        let born = NaiveDate::from_ymd_opt(2006, 3, 15).unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(Pole::of(born, day(2026, 3, 14)), Pole::Child);
        assert_eq!(Pole::of(born, day(2026, 3, 15)), Pole::Adult);
    }

    #[test]
    fn a_right_twice_or_for_the_wrong_age_is_refused() {
        let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            read_choice(&codes(&["aah", "rqth"]), Pole::Adult),
            Ok(vec![Right::Aah, Right::Rqth])
        );
        assert!(
            read_choice(&codes(&["aah", "aah"]), Pole::Adult)
                .unwrap_err()
                .contains("deux fois")
        );
        assert!(
            read_choice(&codes(&["aah"]), Pole::Child)
                .unwrap_err()
                .contains("20 ans et plus")
        );
        assert!(
            read_choice(&codes(&["aeeh"]), Pole::Adult)
                .unwrap_err()
                .contains("moins de 20 ans")
        );
        assert!(read_choice(&codes(&["rsa"]), Pole::Adult).is_err());
    }
}
