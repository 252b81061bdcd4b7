//! The module's indicators (statistics): requests decided per right, the delay from
//! completeness to the decision and the share decided within the legal limit (4 months, 3 for
//! the AAH), by month of the decision and by right in the shared nomenclature. Computed from
//! the module's own tables; the statistics part stores them.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};
use tenants::Tenant;

use super::decisions::Outcome;
use super::figures::limit_months;
use super::rights::Right;
use crate::entity::disability_request;
use crate::modules::Boxed;
use crate::statistics::detection::{Signal, Situation};
use crate::statistics::indicators::{Figure, Indicator, Indicators, Month, Summary, Tally, Unit};
use crate::statistics::returns::{Answer, Answers, Question, Return};

const BY_RIGHT: &[&str] = &["droit_mdph"];

pub static INDICATORS: Indicators = Indicators {
    list: &[
        Indicator {
            id: "disability.decided",
            name: "Droits décidés",
            definition: "Demandes de droits sur lesquelles la commission (CDAPH) a statué dans le mois : accord, accord partiel ou refus ; les ajournements ne comptent pas.",
            unit: Unit::Count,
            breakdowns: BY_RIGHT,
        },
        Indicator {
            id: "disability.delay_median",
            name: "Délai médian de décision",
            definition: "Pour les droits décidés dans le mois, nombre de jours entre la complétude du dossier et la décision dont la moitié des demandes ne dépasse pas.",
            unit: Unit::Days,
            breakdowns: BY_RIGHT,
        },
        Indicator {
            id: "disability.within_limit_share",
            name: "Part des décisions dans le délai légal",
            definition: "Parmi les droits décidés dans le mois, part de ceux décidés dans les 4 mois suivant la complétude du dossier (3 mois pour l'AAH).",
            unit: Unit::Share,
            breakdowns: BY_RIGHT,
        },
    ],
    unlisted: &[],
    returns: &SOCIAL_AID,
    local_labels: &[],
    signals: &[Signal {
        id: "disability.right_ending",
        name: "Droits qui prennent fin dans moins de 6 mois sans demande de renouvellement",
        explanation: "Un droit accordé par la MDPH prend fin dans moins de 6 mois et la personne n'a pas déposé de nouvelle demande pour ce droit. Sans renouvellement à temps, l'allocation ou l'aide s'interrompt : un contact peut l'aider à déposer sa demande.",
        find: rights_ending,
    }],
    compute,
};

/// Rights ending within 6 months without a renewal filed, the soonest first.
fn rights_ending(tenant: &Tenant, today: NaiveDate) -> Boxed<'_, Result<Vec<Situation>, DbErr>> {
    Box::pin(async move {
        Ok(super::register::ending_without_renewal(tenant, today)
            .await?
            .into_iter()
            .filter_map(|e| {
                let ends_on = e.granted.request.ends_on?;
                Some(Situation {
                    citizen_id: e.granted.request.citizen_id,
                    who: e.file.reference(),
                    what: format!(
                        "{} jusqu'au {}",
                        e.granted.right.label(),
                        crate::dates::on(ends_on)
                    ),
                    since: ends_on,
                    file: format!("/agents/handicap/dossiers/{}", e.file.id()),
                })
            })
            .collect())
    })
}

/// The module's part of DREES's social aid survey: the rights the commission decided in the
/// year, and those it granted, by right.
static SOCIAL_AID: [Return; 1] = [Return {
    survey: "aide_sociale",
    questions: &[
        Question {
            id: "aide_sociale.droits_mdph_decides",
            label: "Droits et prestations sur lesquels la CDAPH a statué dans l'année (accord, accord partiel ou refus)",
            unit: Unit::Count,
            breakdowns: BY_RIGHT,
        },
        Question {
            id: "aide_sociale.droits_mdph_accordes",
            label: "Droits et prestations accordés en tout ou en partie par la CDAPH dans l'année",
            unit: Unit::Count,
            breakdowns: BY_RIGHT,
        },
    ],
    compute: social_aid,
}];

/// What the commission ruled on (an adjournment is not a ruling).
const RULED: [Outcome; 3] = [Outcome::Granted, Outcome::Partial, Outcome::Refused];

#[derive(FromQueryResult)]
struct Ruled {
    right_code: String,
    outcome: Option<String>,
}

fn social_aid(tenant: &Tenant, year: i32) -> Boxed<'_, Result<Vec<Answer>, DbErr>> {
    Box::pin(async move {
        let (first, last) = (
            NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
            crate::statistics::returns::year_end(year),
        );
        let txn = tenant.db().begin().await?;
        let ruled = disability_request::Entity::find()
            .select_only()
            .columns([
                disability_request::Column::RightCode,
                disability_request::Column::Outcome,
            ])
            .filter(disability_request::Column::DecidedOn.between(first, last))
            .filter(disability_request::Column::Outcome.is_in(RULED.map(Outcome::id)))
            .into_model::<Ruled>()
            .all(&txn)
            .await?;
        txn.commit().await?;
        let mut answers = Answers::default();
        for r in &ruled {
            let Some(right) = Right::parse(&r.right_code) else {
                continue;
            };
            let by = [("droit_mdph", Some(right.code()))];
            answers.count("aide_sociale.droits_mdph_decides", &by);
            if r.outcome.as_deref() != Some(Outcome::Refused.id()) {
                answers.count("aide_sociale.droits_mdph_accordes", &by);
            }
        }
        Ok(answers.finish())
    })
}

#[derive(FromQueryResult)]
struct Decided {
    right_code: String,
    due_on: NaiveDate,
    decided_on: NaiveDate,
}

fn compute(
    tenant: &Tenant,
    since: Option<NaiveDate>,
    today: NaiveDate,
) -> Boxed<'_, Result<Vec<Figure>, DbErr>> {
    Box::pin(async move {
        let txn = tenant.db().begin().await?;
        let mut query = disability_request::Entity::find()
            .select_only()
            .columns([
                disability_request::Column::RightCode,
                disability_request::Column::DueOn,
                disability_request::Column::DecidedOn,
            ])
            .filter(disability_request::Column::DecidedOn.is_not_null())
            .filter(disability_request::Column::DueOn.is_not_null())
            .filter(disability_request::Column::Outcome.is_in(RULED.map(Outcome::id)));
        if let Some(since) = since {
            query = query.filter(disability_request::Column::DecidedOn.gte(since));
        }
        let decided = query.into_model::<Decided>().all(&txn).await?;
        txn.commit().await?;
        let mut tally = Tally::default();
        for r in &decided {
            let Some(right) = Right::parse(&r.right_code) else {
                continue;
            };
            let month = Month::of(r.decided_on);
            let by = Some(("droit_mdph", right.code()));
            // The due day is the completeness day plus 4 months (`completeness`).
            let complete = r.due_on - chrono::Months::new(4);
            let limit = complete + chrono::Months::new(limit_months(right));
            tally.count("disability.decided", month, by);
            let days = (r.decided_on - complete).num_days().max(0) as f64;
            tally.sample("disability.delay_median", month, by, days);
            let in_time = f64::from(u8::from(r.decided_on <= limit));
            tally.sample("disability.within_limit_share", month, by, in_time);
        }
        Ok(tally.figures(
            today,
            &[
                ("disability.delay_median", Summary::Median),
                ("disability.within_limit_share", Summary::Share),
            ],
        ))
    })
}
