//! The legal bounds of a committee's decision on a right: the rate it needs, the longest it
//! may last, and when it may be granted « sans limitation de durée » (décrets 2018-1222 for
//! the AAH, the CMI and the RQTH, 2018-1294 for the AEEH until 20, 2019-1501 for the AAH up
//! to 10 years, 2021-1394 for the PCH; other decisions last 1 to 10 years). Read from
//! `../shared/reference/mdph-forms.md` § 5; checked against the texts before any change.

use chrono::{Months, NaiveDate};

use super::evaluation::RateBand;
use super::rights::Right;

/// What the law allows for one right, given the team's findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// The longest a limited grant may last, in years.
    pub max_years: u32,
    /// Whether it may be granted without a time limit.
    pub without_limit: bool,
}

/// The team's findings a decision is checked against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    pub band: Option<RateBand>,
    pub rsdae: bool,
    /// Not likely to improve.
    pub lasting: bool,
}

/// Why a grant is outside the law: (field, message in French).
pub type OutOfBounds = (&'static str, String);

/// The bounds of a grant of `right`, or why it cannot be granted with these findings.
pub fn of(right: Right, findings: Findings) -> Result<Bounds, OutOfBounds> {
    use RateBand::{From50To79, From80};
    let lasting_at =
        |bands: &[RateBand]| findings.lasting && findings.band.is_some_and(|b| bands.contains(&b));
    let needs = |message: &str| Err(("resultat", message.to_owned()));
    Ok(match right {
        Right::Aah => match findings.band {
            Some(From80) => Bounds {
                max_years: 10,
                without_limit: findings.lasting,
            },
            Some(From50To79) if findings.rsdae => Bounds {
                max_years: 5,
                without_limit: false,
            },
            Some(From50To79) => {
                return needs(
                    "L'AAH à un taux de 50 à 79 % demande une restriction substantielle et durable pour l'accès à l'emploi (RSDAE) : l'équipe ne l'a pas retenue.",
                );
            }
            _ => {
                return needs(
                    "L'AAH demande un taux d'incapacité d'au moins 50 % : l'équipe n'a pas retenu un tel taux.",
                );
            }
        },
        Right::Aeeh => match findings.band {
            Some(From80 | From50To79) => Bounds {
                max_years: 5,
                without_limit: lasting_at(&[From80]),
            },
            _ => {
                return needs(
                    "L'AEEH demande un taux d'incapacité d'au moins 50 % : l'équipe n'a pas retenu un tel taux.",
                );
            }
        },
        Right::CmiInvalidite => match findings.band {
            Some(From80) => Bounds {
                max_years: 20,
                without_limit: findings.lasting,
            },
            _ => {
                return needs(
                    "La mention « invalidité » demande un taux d'au moins 80 % : pensez à la mention « priorité ».",
                );
            }
        },
        Right::CmiPriorite | Right::CmiStationnement => Bounds {
            max_years: 20,
            without_limit: false,
        },
        Right::Rqth => Bounds {
            max_years: 10,
            without_limit: lasting_at(&[From50To79, From80]),
        },
        Right::Pch => Bounds {
            max_years: 10,
            without_limit: findings.lasting,
        },
        _ => Bounds {
            max_years: 10,
            without_limit: false,
        },
    })
}

/// The day an AEEH granted « until 20 » ends: the eve of the twentieth birthday.
pub fn aeeh_end(born_on: NaiveDate) -> Option<NaiveDate> {
    born_on.checked_add_months(Months::new(12 * 20))?.pred_opt()
}

/// Checks a grant's period against the bounds: (start, end or none when without limit).
pub fn check_period(
    right: Right,
    bounds: Bounds,
    (starts_on, ends_on): (NaiveDate, Option<NaiveDate>),
    born_on: Option<NaiveDate>,
) -> Result<(), OutOfBounds> {
    match ends_on {
        None if !bounds.without_limit => Err((
            "fin",
            format!(
                "{} ne peut pas être accordée sans limitation de durée avec ces constats : indiquez sa date de fin.",
                right.short()
            ),
        )),
        None => Ok(()),
        Some(end) if end <= starts_on => Err((
            "fin",
            "La date de fin est avant la date de début : vérifiez les deux dates.".into(),
        )),
        Some(end) => {
            let longest = starts_on
                .checked_add_months(Months::new(12 * bounds.max_years))
                .and_then(|d| d.pred_opt());
            if longest.is_some_and(|longest| end > longest) {
                return Err((
                    "fin",
                    format!(
                        "{} s'accorde pour {} ans au plus avec ces constats : la date de fin dépasse le {}.",
                        right.short(),
                        bounds.max_years,
                        longest.map(crate::dates::on).unwrap_or_default()
                    ),
                ));
            }
            if right == Right::Aeeh
                && let Some(last) = born_on.and_then(aeeh_end)
                && end > last
            {
                return Err((
                    "fin",
                    format!(
                        "L'AEEH s'arrête aux 20 ans de l'enfant : la date de fin ne dépasse pas le {}.",
                        crate::dates::on(last)
                    ),
                ));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn found(band: RateBand, rsdae: bool, lasting: bool) -> Findings {
        Findings {
            band: Some(band),
            rsdae,
            lasting,
        }
    }

    #[test]
    fn the_aah_follows_the_rate_and_the_rsdae() {
        let at_80 = of(Right::Aah, found(RateBand::From80, false, true)).unwrap();
        assert_eq!(
            at_80,
            Bounds {
                max_years: 10,
                without_limit: true
            }
        );
        let at_60 = of(Right::Aah, found(RateBand::From50To79, true, true)).unwrap();
        assert_eq!(
            at_60,
            Bounds {
                max_years: 5,
                without_limit: false
            }
        );
        assert!(
            of(Right::Aah, found(RateBand::From50To79, false, false))
                .unwrap_err()
                .1
                .contains("RSDAE")
        );
        assert!(
            of(Right::Aah, Findings::default())
                .unwrap_err()
                .1
                .contains("50 %")
        );
        // An AAH at 50–79 % beyond its 5 years is refused, with the last day allowed.
        let start = day(2027, 1, 1);
        let refused =
            check_period(Right::Aah, at_60, (start, Some(day(2032, 1, 1))), None).unwrap_err();
        assert!(refused.1.contains("5 ans au plus"), "{refused:?}");
        assert!(refused.1.contains("31/12/2031"));
        assert!(check_period(Right::Aah, at_60, (start, Some(day(2031, 12, 31))), None).is_ok());
        assert!(check_period(Right::Aah, at_60, (start, None), None).is_err());
        assert!(check_period(Right::Aah, at_80, (start, None), None).is_ok());
    }

    #[test]
    fn an_end_before_the_start_and_an_aeeh_past_twenty_are_refused() {
        let bounds = of(Right::Aeeh, found(RateBand::From80, false, true)).unwrap();
        assert!(bounds.without_limit);
        let born = day(2015, 5, 10);
        assert_eq!(aeeh_end(born), Some(day(2035, 5, 9)));
        let start = day(2027, 1, 1);
        assert!(
            check_period(
                Right::Aeeh,
                bounds,
                (start, Some(day(2026, 12, 1))),
                Some(born)
            )
            .unwrap_err()
            .1
            .contains("avant la date de début")
        );
        let late = Bounds {
            max_years: 30,
            without_limit: false,
        };
        assert!(
            check_period(
                Right::Aeeh,
                late,
                (start, Some(day(2035, 6, 1))),
                Some(born)
            )
            .unwrap_err()
            .1
            .contains("20 ans")
        );
        assert!(
            of(
                Right::CmiInvalidite,
                found(RateBand::From50To79, false, true)
            )
            .is_err()
        );
        assert!(
            !of(
                Right::CmiStationnement,
                found(RateBand::From80, false, true)
            )
            .unwrap()
            .without_limit
        );
    }
}
