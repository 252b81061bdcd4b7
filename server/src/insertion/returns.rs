//! The module's part of DREES's OARSA survey (the orientation and support of RSA
//! beneficiaries): the situation on 31 December of the year, from the module's own tables.
//! Notes on the survey: `server/reference/drees/README.md`.
//!
//! - Subject to rights and duties on 31 December: flagged so by the fund's file, entered on
//!   or before that day (the day the department learnt of it) and not gone before it.
//! - Oriented: an orientation decided and in force that day; its body's category is the
//!   department's mapping of the body's name (`statistics::mapping`); France Travail for the
//!   professional track unless mapped otherwise.
//! - Contract: among those oriented to another body than France Travail, those who signed a
//!   contract on or before 31 December since that orientation started (a new orientation
//!   calls for a new contract).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use tenants::Tenant;

use super::orientation::{OrientationStatus, Track};
use crate::entity::{insertion_contract, insertion_orientation, insertion_person};
use crate::modules::Boxed;
use crate::statistics::indicators::Unit;
use crate::statistics::nomenclatures::{age_band, seniority_band, sex};
use crate::statistics::returns::{Answer, Answers, Question, Return, year_end};

/// The category of bodies OARSA breaks orientations down by.
pub const BODY_NOMENCLATURE: &str = "organisme_referent";

const PERSON: &[&str] = &["age", "sexe", "menage", "anciennete_rsa"];

pub static OARSA: [Return; 1] = [Return {
    survey: "oarsa",
    questions: &[
        Question {
            id: "oarsa.soumis",
            label: "Personnes soumises aux droits et devoirs au 31 décembre",
            unit: Unit::Count,
            breakdowns: PERSON,
        },
        Question {
            id: "oarsa.orientes",
            label: "Personnes soumises aux droits et devoirs orientées au 31 décembre",
            unit: Unit::Count,
            breakdowns: &[
                BODY_NOMENCLATURE,
                "orientation",
                "age",
                "sexe",
                "menage",
                "anciennete_rsa",
            ],
        },
        Question {
            id: "oarsa.part_orientes",
            label: "Part des personnes soumises aux droits et devoirs orientées au 31 décembre",
            unit: Unit::Share,
            breakdowns: PERSON,
        },
        Question {
            id: "oarsa.delai_orientation",
            label: "Délai moyen, en jours, entre l'entrée dans les droits et devoirs et la première orientation, pour les personnes orientées pour la première fois dans l'année",
            unit: Unit::Days,
            breakdowns: &["age", "sexe"],
        },
        Question {
            id: "oarsa.part_contrat",
            label: "Parmi les personnes orientées au 31 décembre vers un organisme autre que France Travail, part ayant signé un contrat depuis le début de cette orientation",
            unit: Unit::Share,
            breakdowns: &[BODY_NOMENCLATURE],
        },
    ],
    compute: oarsa,
}];

#[derive(FromQueryResult)]
struct Subject {
    id: i64,
    birth_date: Option<NaiveDate>,
    sex: String,
    household: Option<String>,
    entered_on: NaiveDate,
    orientation_days: Option<i32>,
    oriented_on: Option<NaiveDate>,
}

#[derive(FromQueryResult)]
struct InForce {
    person_id: i64,
    track: Track,
    body: String,
    starts_on: Option<NaiveDate>,
}

#[derive(FromQueryResult)]
struct Signed {
    person_id: i64,
    signed_on: Option<NaiveDate>,
}

fn oarsa(tenant: &Tenant, year: i32) -> Boxed<'_, Result<Vec<Answer>, DbErr>> {
    Box::pin(async move {
        let end = year_end(year);
        let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(end);
        let bodies = crate::statistics::mapping::codes(tenant, BODY_NOMENCLATURE).await?;
        let txn = tenant.db().begin().await?;
        let subjects = insertion_person::Entity::find()
            .select_only()
            .columns([
                insertion_person::Column::Id,
                insertion_person::Column::BirthDate,
                insertion_person::Column::Sex,
                insertion_person::Column::Household,
                insertion_person::Column::EnteredOn,
                insertion_person::Column::OrientationDays,
                insertion_person::Column::OrientedOn,
            ])
            .filter(insertion_person::Column::RightsAndDuties.eq(true))
            .filter(insertion_person::Column::EnteredOn.lte(end))
            .filter(
                Condition::any()
                    .add(insertion_person::Column::LeftOn.is_null())
                    .add(insertion_person::Column::LeftOn.gt(end)),
            )
            .into_model::<Subject>()
            .all(&txn)
            .await?;
        let in_force: HashMap<i64, InForce> = insertion_orientation::Entity::find()
            .select_only()
            .columns([
                insertion_orientation::Column::PersonId,
                insertion_orientation::Column::Track,
                insertion_orientation::Column::Body,
                insertion_orientation::Column::StartsOn,
            ])
            .filter(insertion_orientation::Column::Status.eq(OrientationStatus::Decided))
            .filter(insertion_orientation::Column::StartsOn.lte(end))
            .filter(
                Condition::any()
                    .add(insertion_orientation::Column::EndsOn.is_null())
                    .add(insertion_orientation::Column::EndsOn.gte(end)),
            )
            .into_model::<InForce>()
            .all(&txn)
            .await?
            .into_iter()
            .map(|o| (o.person_id, o))
            .collect();
        let signed: Vec<Signed> = insertion_contract::Entity::find()
            .select_only()
            .columns([
                insertion_contract::Column::PersonId,
                insertion_contract::Column::SignedOn,
            ])
            .filter(insertion_contract::Column::SignedOn.lte(end))
            .into_model::<Signed>()
            .all(&txn)
            .await?;
        txn.commit().await?;
        // Who signed since their orientation in force started.
        let with_contract: HashSet<i64> = signed
            .iter()
            .filter(|c| {
                let since = in_force.get(&c.person_id).and_then(|o| o.starts_on);
                c.signed_on
                    .zip(since)
                    .is_some_and(|(on, since)| on >= since)
            })
            .map(|c| c.person_id)
            .collect();

        let mut answers = Answers::default();
        for p in &subjects {
            let age = p
                .birth_date
                .and_then(|born| end.years_since(born))
                .map(age_band);
            let person = [
                ("age", age),
                ("sexe", sex(&p.sex)),
                ("menage", p.household.as_deref()),
                ("anciennete_rsa", Some(seniority_band(p.entered_on, end))),
            ];
            answers.count("oarsa.soumis", &person);
            let orientation = in_force.get(&p.id);
            answers.sample(
                "oarsa.part_orientes",
                &person,
                f64::from(u8::from(orientation.is_some())),
            );
            if let Some(o) = orientation {
                let body = body_category(o, &bodies);
                let mut by = vec![
                    (BODY_NOMENCLATURE, body),
                    ("orientation", Some(o.track.id())),
                ];
                by.extend(person);
                answers.count("oarsa.orientes", &by);
                if body != Some("france_travail") {
                    answers.sample(
                        "oarsa.part_contrat",
                        &[(BODY_NOMENCLATURE, body)],
                        f64::from(u8::from(with_contract.contains(&p.id))),
                    );
                }
            }
            if let (Some(days), Some(on)) = (p.orientation_days, p.oriented_on)
                && (start..=end).contains(&on)
            {
                answers.sample(
                    "oarsa.delai_orientation",
                    &person[..2],
                    f64::from(days.max(0)),
                );
            }
        }
        Ok(answers.finish())
    })
}

/// The department's category for the body's name; France Travail for the professional track
/// when it gave none.
fn body_category<'a>(o: &InForce, bodies: &'a HashMap<String, String>) -> Option<&'a str> {
    let mapped = bodies.get(&crate::statistics::mapping::key(&o.body));
    mapped
        .map(String::as_str)
        .or((o.track == Track::Professional).then_some("france_travail"))
}

/// The bodies orientations were decided to, as the department wrote them, for its mapping.
pub fn bodies(tenant: &Tenant) -> Boxed<'_, Result<Vec<String>, DbErr>> {
    Box::pin(async move {
        let txn = tenant.db().begin().await?;
        let names: Vec<String> = insertion_orientation::Entity::find()
            .select_only()
            .column(insertion_orientation::Column::Body)
            .filter(insertion_orientation::Column::Status.eq(OrientationStatus::Decided))
            .distinct()
            .into_tuple()
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(names)
    })
}
