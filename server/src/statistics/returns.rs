//! National returns: the yearly figures a department sends to national surveys (DREES's OARSA
//! on the orientation of RSA beneficiaries, its social aid survey), as CSV with the
//! département's INSEE code. Each module declares its part of a survey (`Indicators::returns`)
//! and computes its answers from its own tables; they are computed with the indicators
//! (nightly and on demand) for the last closed year and kept per year (`statistics_returns`),
//! then published through [`super::secrecy`] like every other figure.
//! See `server/reference/drees/README.md` for what the surveys ask.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use tenants::Tenant;

use super::indicators::Unit;
use super::nomenclatures;
use super::publish::Cell;
use super::secrecy::{self, CountTable, Shown};
use crate::entity::statistics_return;
use crate::modules::{Boxed, PARTS};

/// A national survey.
#[derive(Debug)]
pub struct Survey {
    /// Its identifier in files and addresses.
    pub id: &'static str,
    pub name: &'static str,
    /// What it asks, in plain French, as the page says it.
    pub about: &'static str,
}

pub static SURVEYS: [Survey; 2] = [
    Survey {
        id: "oarsa",
        name: "Enquête OARSA de la DREES (orientation et accompagnement des bénéficiaires du RSA)",
        about: "Personnes soumises aux droits et devoirs au 31 décembre, part orientée et organisme référent, délai moyen d'orientation, part ayant un contrat, par âge, sexe, type de ménage et ancienneté.",
    },
    Survey {
        id: "aide_sociale",
        name: "Enquête Aide sociale de la DREES (volet des aides instruites sur Guichet)",
        about: "Demandes d'aide décidées et accordées dans l'année par catégorie d'aide, personnes aidées, droits accordés par la MDPH par droit.",
    },
];

pub fn survey(id: &str) -> Option<&'static Survey> {
    SURVEYS.iter().find(|s| s.id == id)
}

/// One question of a survey, as the module answering it declares it.
#[derive(Debug)]
pub struct Question {
    /// `survey.what`, stable: stored answers are found by it.
    pub id: &'static str,
    pub label: &'static str,
    pub unit: Unit,
    /// The nomenclatures its answer is broken down by, beside everyone's.
    pub breakdowns: &'static [&'static str],
}

/// A module's part of a survey.
pub struct Return {
    pub survey: &'static str,
    pub questions: &'static [Question],
    /// The answers about `year` (situations on its 31 December, events during it).
    pub compute: ReturnCompute,
}

pub type ReturnCompute = for<'a> fn(&'a Tenant, i32) -> Boxed<'a, Result<Vec<Answer>, DbErr>>;

/// The code a person gets in a breakdown when their record does not say.
pub const UNKNOWN: &str = "non_renseigne";

/// One answer: for everyone, or one code of a breakdown.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub question: &'static str,
    pub breakdown: Option<(&'static str, String)>,
    pub value: f64,
    /// How many persons (or requests) it was computed on.
    pub persons: u64,
}

type Key = (&'static str, Option<(&'static str, String)>);

/// Counts and observations gathered per question and breakdown, turned into answers.
#[derive(Default)]
pub struct Answers {
    counts: BTreeMap<Key, u64>,
    samples: BTreeMap<Key, (f64, u64)>,
}

impl Answers {
    fn keys(question: &'static str, by: &[(&'static str, Option<&str>)]) -> Vec<Key> {
        std::iter::once((question, None))
            .chain(by.iter().map(|(nomenclature, code)| {
                (
                    question,
                    Some((*nomenclature, code.unwrap_or(UNKNOWN).to_owned())),
                )
            }))
            .collect()
    }

    /// One more for `question`, for everyone and in each breakdown of `by` (a code the
    /// record does not give counts as [`UNKNOWN`], so each breakdown adds up to everyone).
    pub fn count(&mut self, question: &'static str, by: &[(&'static str, Option<&str>)]) {
        for key in Self::keys(question, by) {
            *self.counts.entry(key).or_default() += 1;
        }
    }

    /// One observation of `question` (days, or 1/0 for a share), averaged.
    pub fn sample(
        &mut self,
        question: &'static str,
        by: &[(&'static str, Option<&str>)],
        value: f64,
    ) {
        for key in Self::keys(question, by) {
            let (sum, n) = self.samples.entry(key).or_default();
            *sum += value;
            *n += 1;
        }
    }

    pub fn finish(self) -> Vec<Answer> {
        let counts = self
            .counts
            .into_iter()
            .map(|((question, breakdown), n)| Answer {
                question,
                breakdown,
                value: n as f64,
                persons: n,
            });
        let means = self
            .samples
            .into_iter()
            .map(|((question, breakdown), (sum, n))| Answer {
                question,
                breakdown,
                value: sum / n as f64,
                persons: n,
            });
        counts.chain(means).collect()
    }
}

/// The 31 December of `year`.
pub fn year_end(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// The year whose returns are due on `today`: the last closed one.
pub fn closed_year(today: NaiveDate) -> i32 {
    today.year() - 1
}

/// The parts of `survey` the department's modules answer.
fn parts(tenant: &Tenant, survey: &str) -> Vec<&'static Return> {
    PARTS
        .iter()
        .filter(|p| p.module.is_some_and(|m| tenant.has_module(m)))
        .filter_map(|p| p.indicators)
        .flat_map(|i| i.returns.iter())
        .filter(|r| r.survey == survey)
        .collect()
}

/// The surveys the department answers (one of its modules has a part in them).
pub fn answered(tenant: &Tenant) -> Vec<&'static Survey> {
    SURVEYS
        .iter()
        .filter(|s| !parts(tenant, s.id).is_empty())
        .collect()
}

/// Computes every survey's answers about `year` and replaces the stored ones; how many.
pub async fn compute(tenant: &Tenant, year: i32) -> Result<usize, DbErr> {
    let mut rows = Vec::new();
    let now = Utc::now();
    for survey in &SURVEYS {
        for part in parts(tenant, survey.id) {
            let mut answers = (part.compute)(tenant, year).await?;
            // A count with nothing to count is 0, said: the year was computed.
            for question in part.questions.iter().filter(|q| q.unit == Unit::Count) {
                if !answers
                    .iter()
                    .any(|a| a.question == question.id && a.breakdown.is_none())
                {
                    answers.push(Answer {
                        question: question.id,
                        breakdown: None,
                        value: 0.0,
                        persons: 0,
                    });
                }
            }
            for answer in answers {
                let (breakdown, code) = answer.breakdown.unwrap_or_default();
                rows.push(statistics_return::ActiveModel {
                    year: Set(year),
                    survey: Set(survey.id.to_owned()),
                    question: Set(answer.question.to_owned()),
                    breakdown: Set(breakdown.to_owned()),
                    code: Set(code),
                    value: Set(answer.value),
                    persons: Set(answer.persons as i64),
                    computed_at: Set(now),
                    ..Default::default()
                });
            }
        }
    }
    let stored = rows.len();
    let txn = tenant.db().begin_write().await?;
    statistics_return::Entity::delete_many()
        .filter(statistics_return::Column::Year.eq(year))
        .exec(&txn)
        .await?;
    super::indicators::insert_chunked(&txn, rows).await?;
    txn.commit().await?;
    Ok(stored)
}

/// The years whose answers are stored, the latest first.
pub async fn years(tenant: &Tenant) -> Result<Vec<i32>, DbErr> {
    let txn = tenant.db().begin().await?;
    let years: Vec<i32> = statistics_return::Entity::find()
        .select_only()
        .column(statistics_return::Column::Year)
        .distinct()
        .order_by_desc(statistics_return::Column::Year)
        .into_tuple()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(years)
}

/// One line of a published return.
#[derive(Clone, Debug)]
pub struct Line {
    pub question: &'static Question,
    /// The breakdown's nomenclature and code, `None` for everyone.
    pub breakdown: Option<(&'static str, String)>,
    pub cell: Cell,
}

impl Line {
    /// The code's label in its nomenclature, or « Ensemble ».
    pub fn code_label(&self) -> String {
        match &self.breakdown {
            None => "Ensemble".to_owned(),
            Some((_, code)) if code == UNKNOWN => "Non renseigné".to_owned(),
            Some((nomenclature, code)) => super::publish::label_of(nomenclature, code),
        }
    }
}

/// `survey`'s answers about `year` as they may leave the platform under `threshold`: each
/// question for everyone, then by each breakdown with every code of its nomenclature and
/// [`UNKNOWN`] (0 when none), counts protected with everyone's as their margin, delays and shares shown only on
/// enough persons. Empty when nothing was computed for that year.
pub async fn published(
    tenant: &Tenant,
    survey: &str,
    year: i32,
    threshold: u64,
) -> Result<Vec<Line>, DbErr> {
    let txn = tenant.db().begin().await?;
    let stored = statistics_return::Entity::find()
        .filter(statistics_return::Column::Year.eq(year))
        .filter(statistics_return::Column::Survey.eq(survey))
        .all(&txn)
        .await?;
    txn.commit().await?;
    if stored.is_empty() {
        return Ok(Vec::new());
    }
    let answer = |question: &str, breakdown: &str, code: &str| {
        stored
            .iter()
            .find(|r| r.question == question && r.breakdown == breakdown && r.code == code)
            .map(|r| (r.value, r.persons.max(0) as u64))
    };
    let mut lines = Vec::new();
    for question in parts(tenant, survey).iter().flat_map(|p| p.questions) {
        let everyone = answer(question.id, "", "");
        let mut question_lines = vec![Line {
            question,
            breakdown: None,
            cell: measured(question.unit, everyone, threshold),
        }];
        for nomenclature in question.breakdowns {
            let mut codes: Vec<String> = nomenclatures::find(nomenclature)
                .map(|n| n.entries.iter().map(|(c, _)| (*c).to_owned()).collect())
                .unwrap_or_default();
            let unlisted: Vec<String> = stored
                .iter()
                .filter(|r| r.question == question.id && r.breakdown == *nomenclature)
                .map(|r| r.code.clone())
                .filter(|c| !codes.contains(c) && c != UNKNOWN)
                .collect();
            codes.extend(unlisted);
            // Said every year, 0 or not: a file's lines do not change from one year to the next.
            codes.push(UNKNOWN.to_owned());
            let found: Vec<_> = codes
                .iter()
                .map(|c| answer(question.id, nomenclature, c))
                .collect();
            let cells: Vec<Cell> = if question.unit == Unit::Count {
                let counts: Vec<u64> = found.iter().map(|f| f.map_or(0, |(_, n)| n)).collect();
                let Some(table) = CountTable::new(codes.len(), 1, counts) else {
                    continue;
                };
                let protected = secrecy::protect(&table, threshold);
                if protected.total() == Shown::Secret {
                    question_lines[0].cell = Cell::Secret;
                }
                (0..codes.len())
                    .map(|row| shown(protected.cell(row, 0)))
                    .collect()
            } else {
                found
                    .iter()
                    .map(|f| measured(question.unit, *f, threshold))
                    .collect()
            };
            question_lines.extend(codes.into_iter().zip(cells).map(|(code, cell)| Line {
                question,
                breakdown: Some((*nomenclature, code)),
                cell,
            }));
        }
        lines.extend(question_lines);
    }
    Ok(lines)
}

fn shown(value: Shown) -> Cell {
    match value {
        Shown::Value(n) => Cell::Value(n as f64),
        Shown::Secret => Cell::Secret,
    }
}

/// A count by primary suppression (its margins are protected with its breakdowns), a delay
/// or a share on enough persons; nothing to compute on is empty, a count of none is 0.
fn measured(unit: Unit, found: Option<(f64, u64)>, threshold: u64) -> Cell {
    match (unit, found) {
        (Unit::Count, None) => Cell::Value(0.0),
        (Unit::Count, Some((_, n))) => shown(secrecy::protect_series(&[n], threshold)[0]),
        (_, None) | (_, Some((_, 0))) => Cell::Empty,
        (_, Some((value, persons))) => {
            secrecy::measure(value, persons, threshold).map_or(Cell::Secret, Cell::Value)
        }
    }
}

/// The return as a CSV file: one line per answer, with the département's COG code.
pub fn csv(department: &str, survey: &Survey, year: i32, lines: &[Line]) -> csv::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "departement",
        "annee",
        "enquete",
        "question",
        "libelle",
        "ventilation",
        "modalite",
        "modalite_libelle",
        "unite",
        "valeur",
    ])?;
    for line in lines {
        let (breakdown, code) = line
            .breakdown
            .clone()
            .unwrap_or(("ensemble", "ensemble".to_owned()));
        let value = match (&line.cell, line.question.unit) {
            (Cell::Value(v), Unit::Count) => format!("{}", v.round() as i64),
            (Cell::Value(v), Unit::Days) => format!("{}", (v * 10.0).round() / 10.0),
            (Cell::Value(v), Unit::Share) => format!("{}", (v * 1000.0).round() / 10.0),
            (Cell::Secret, _) => "s".to_owned(),
            (Cell::Empty, _) => String::new(),
        };
        out.write_record([
            department,
            &year.to_string(),
            survey.id,
            line.question.id,
            line.question.label,
            breakdown,
            &code,
            &line.code_label(),
            unit_code(line.question.unit),
            &value,
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

fn unit_code(unit: Unit) -> &'static str {
    match unit {
        Unit::Count => "nombre",
        Unit::Days => "jours",
        Unit::Share => "pourcentage",
    }
}

/// The file's name: `oarsa-2025-030.csv`.
pub fn file_name(survey: &Survey, year: i32, department: &str) -> String {
    format!("{}-{year}-{}.csv", survey.id, department.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_breakdown_adds_up_to_everyone_with_unknown_codes_counted() {
        let mut answers = Answers::default();
        answers.count("q", &[("sexe", Some("femme"))]);
        answers.count("q", &[("sexe", None)]);
        answers.sample("d", &[("sexe", Some("femme"))], 10.0);
        answers.sample("d", &[("sexe", Some("femme"))], 20.0);
        let all = answers.finish();
        let find = |q, b: Option<(&'static str, &str)>| {
            all.iter()
                .find(|a| {
                    a.question == q && a.breakdown.as_ref().map(|(n, c)| (*n, c.as_str())) == b
                })
                .map(|a| (a.value, a.persons))
        };
        assert_eq!(find("q", None), Some((2.0, 2)));
        assert_eq!(find("q", Some(("sexe", "femme"))), Some((1.0, 1)));
        assert_eq!(find("q", Some(("sexe", UNKNOWN))), Some((1.0, 1)));
        assert_eq!(find("d", Some(("sexe", "femme"))), Some((15.0, 2)));
    }

    #[test]
    fn a_small_delay_is_hidden_and_a_count_of_none_is_zero() {
        assert_eq!(measured(Unit::Days, Some((12.0, 3)), 11), Cell::Secret);
        assert_eq!(
            measured(Unit::Days, Some((12.0, 11)), 11),
            Cell::Value(12.0)
        );
        assert_eq!(measured(Unit::Share, None, 11), Cell::Empty);
        assert_eq!(measured(Unit::Count, None, 11), Cell::Value(0.0));
        assert_eq!(measured(Unit::Count, Some((4.0, 4)), 11), Cell::Secret);
    }

    #[test]
    fn the_closed_year_is_the_one_before() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        assert_eq!(closed_year(day), 2025);
        assert_eq!(
            year_end(2025),
            NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
        );
    }
}
