//! The module's indicators (statistics): requests filed, decided, granted and refused, the
//! processing delay and the share decided late, by month and by the aid's category in the
//! shared nomenclature. Computed from the module's own tables; the statistics part stores them.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use tenants::Tenant;

use super::filing::Status;
use crate::entity::{aid, aid_request, decision};
use crate::modules::Boxed;
use crate::statistics::detection::{Signal, Situation};
use crate::statistics::indicators::{Figure, Indicator, Indicators, Month, Summary, Tally, Unit};
use crate::statistics::returns::{Answer, Answers, Question, Return};

const BY_CATEGORY: &[&str] = &["categorie_aide"];

/// The code of an aid the department has not ranked yet.
pub const UNRANKED: &str = "non_classee";

pub static INDICATORS: Indicators = Indicators {
    list: &[
        Indicator {
            id: "aid_requests.filed",
            name: "Demandes déposées",
            definition: "Demandes d'aide déposées dans le mois (les brouillons ne comptent pas).",
            unit: Unit::Count,
            breakdowns: BY_CATEGORY,
        },
        Indicator {
            id: "aid_requests.decided",
            name: "Demandes décidées",
            definition: "Demandes décidées dans le mois, par un agent ou par le silence du département à la date limite.",
            unit: Unit::Count,
            breakdowns: BY_CATEGORY,
        },
        Indicator {
            id: "aid_requests.granted",
            name: "Demandes accordées",
            definition: "Demandes accordées en tout ou en partie dans le mois, y compris celles acceptées faute de réponse dans le délai.",
            unit: Unit::Count,
            breakdowns: BY_CATEGORY,
        },
        Indicator {
            id: "aid_requests.refused",
            name: "Demandes refusées",
            definition: "Demandes refusées dans le mois, y compris celles refusées faute de réponse dans le délai.",
            unit: Unit::Count,
            breakdowns: BY_CATEGORY,
        },
        Indicator {
            id: "aid_requests.delay_median",
            name: "Délai médian de traitement",
            definition: "Pour les demandes décidées dans le mois, nombre de jours du dépôt à la décision dont la moitié des demandes ne dépasse pas.",
            unit: Unit::Days,
            breakdowns: BY_CATEGORY,
        },
        Indicator {
            id: "aid_requests.delay_p90",
            name: "Délai de traitement de neuf demandes sur dix",
            definition: "Pour les demandes décidées dans le mois, nombre de jours du dépôt à la décision que neuf demandes sur dix ne dépassent pas.",
            unit: Unit::Days,
            breakdowns: BY_CATEGORY,
        },
        Indicator {
            id: "aid_requests.overdue_share",
            name: "Part des décisions hors délai",
            definition: "Parmi les demandes décidées dans le mois, part de celles décidées après leur date limite ou par le silence du département.",
            unit: Unit::Share,
            breakdowns: BY_CATEGORY,
        },
    ],
    unlisted: &[("categorie_aide", UNRANKED, "Aide non classée")],
    returns: &SOCIAL_AID,
    local_labels: &[],
    signals: &[Signal {
        id: "aid_requests.awaiting_answer",
        name: "Demandes en attente d'une réponse de l'usager depuis plus de 30 jours",
        explanation: "Des informations ou des pièces ont été demandées à l'usager il y a plus de 30 jours et il n'a pas répondu : sa demande reste en suspens. Un appel ou un courrier peut l'aider à la compléter avant qu'il y renonce.",
        find: awaiting_answer,
    }],
    compute,
};

/// Days without the citizen's answer after which a request is worth a call.
pub const AWAITING_DAYS: u64 = 30;

/// Requests waiting for the citizen's answer for more than [`AWAITING_DAYS`], the oldest first.
fn awaiting_answer(tenant: &Tenant, today: NaiveDate) -> Boxed<'_, Result<Vec<Situation>, DbErr>> {
    Box::pin(async move {
        let txn = tenant.db().begin().await?;
        let waiting = aid_request::Entity::find()
            .filter(aid_request::Column::Status.eq(Status::InfoRequested))
            .filter(aid_request::Column::PausedSince.lte(today - chrono::Days::new(AWAITING_DAYS)))
            .order_by_asc(aid_request::Column::PausedSince)
            .order_by_asc(aid_request::Column::Id)
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(waiting
            .into_iter()
            .filter_map(|r| {
                let asked = r.paused_since?;
                // An answer since the question: the instructor's turn, not the citizen's.
                let answered = r
                    .citizen_replied_at
                    .is_some_and(|at| at.date_naive() >= asked);
                (!answered).then(|| Situation {
                    citizen_id: r.citizen_id,
                    who: r.reference.clone().unwrap_or_default(),
                    what: format!("Informations demandées le {}", crate::dates::on(asked)),
                    since: asked,
                    file: format!("/agents/demandes/{}", r.id),
                })
            })
            .collect())
    })
}

#[derive(FromQueryResult)]
struct Filed {
    id: i64,
    aid_id: i64,
    citizen_id: i64,
    status: Status,
    submitted_at: DateTime<Utc>,
    due_on: Option<NaiveDate>,
}

#[derive(FromQueryResult)]
struct Decided {
    request_id: i64,
    decided_at: DateTime<Utc>,
}

/// Every filed request with its aid's category, and when each was decided.
struct Requests {
    filed: Vec<(Filed, &'static str)>,
    decided_at: HashMap<i64, DateTime<Utc>>,
}

/// Reads every filed request: a decision of the months computed may answer an older one.
async fn read(tenant: &Tenant) -> Result<Requests, DbErr> {
    let txn = tenant.db().begin().await?;
    // Each aid's code in the shared nomenclature (an aid not ranked yet has none).
    let shared = crate::statistics::nomenclatures::find("categorie_aide")
        .map(|n| n.entries)
        .unwrap_or_default();
    let categories: HashMap<i64, &'static str> = aid::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|a| {
            let code = shared.iter().find(|(code, _)| *code == a.category)?.0;
            Some((a.id, code))
        })
        .collect();
    let filed = aid_request::Entity::find()
        .select_only()
        .columns([
            aid_request::Column::Id,
            aid_request::Column::AidId,
            aid_request::Column::CitizenId,
            aid_request::Column::Status,
            aid_request::Column::SubmittedAt,
            aid_request::Column::DueOn,
        ])
        .filter(aid_request::Column::SubmittedAt.is_not_null())
        .into_model::<Filed>()
        .all(&txn)
        .await?;
    let mut decided_at: HashMap<i64, DateTime<Utc>> = HashMap::new();
    for d in decision::Entity::find()
        .select_only()
        .columns([decision::Column::RequestId, decision::Column::DecidedAt])
        .order_by_asc(decision::Column::DecidedAt)
        .into_model::<Decided>()
        .all(&txn)
        .await?
    {
        decided_at.insert(d.request_id, d.decided_at);
    }
    txn.commit().await?;
    let filed = filed
        .into_iter()
        .map(|request| {
            let category = categories.get(&request.aid_id).copied().unwrap_or(UNRANKED);
            (request, category)
        })
        .collect();
    Ok(Requests { filed, decided_at })
}

fn compute(
    tenant: &Tenant,
    since: Option<NaiveDate>,
    today: NaiveDate,
) -> Boxed<'_, Result<Vec<Figure>, DbErr>> {
    Box::pin(async move {
        let Requests { filed, decided_at } = read(tenant).await?;
        let since = since.map(Month::of);
        let mut tally = Tally::default();
        for (request, category) in &filed {
            let by = Some(("categorie_aide", *category));
            let filed_on = request.submitted_at.date_naive();
            if since.is_none_or(|s| Month::of(filed_on) >= s) {
                tally.count("aid_requests.filed", Month::of(filed_on), by);
            }
            let Some(decision) = decision_of(request, &decided_at) else {
                continue;
            };
            let month = Month::of(decision.on);
            if since.is_some_and(|s| month < s) {
                continue;
            }
            tally.count("aid_requests.decided", month, by);
            tally.count(
                if decision.granted {
                    "aid_requests.granted"
                } else {
                    "aid_requests.refused"
                },
                month,
                by,
            );
            let days = (decision.on - filed_on).num_days().max(0) as f64;
            tally.sample("aid_requests.delay_median", month, by, days);
            tally.sample("aid_requests.delay_p90", month, by, days);
            let late = decision.by_silence || request.due_on.is_some_and(|due| decision.on > due);
            tally.sample(
                "aid_requests.overdue_share",
                month,
                by,
                f64::from(u8::from(late)),
            );
        }
        Ok(tally.figures(
            today,
            &[
                ("aid_requests.delay_median", Summary::Median),
                ("aid_requests.delay_p90", Summary::Percentile90),
                ("aid_requests.overdue_share", Summary::Share),
            ],
        ))
    })
}

/// The module's part of DREES's social aid survey: the year's decisions by category of aid,
/// and the people helped.
static SOCIAL_AID: [Return; 1] = [Return {
    survey: "aide_sociale",
    questions: &[
        Question {
            id: "aide_sociale.demandes_decidees",
            label: "Demandes d'aide décidées dans l'année (par un agent ou par le silence du département)",
            unit: Unit::Count,
            breakdowns: BY_CATEGORY,
        },
        Question {
            id: "aide_sociale.demandes_accordees",
            label: "Demandes d'aide accordées en tout ou en partie dans l'année",
            unit: Unit::Count,
            breakdowns: BY_CATEGORY,
        },
        Question {
            id: "aide_sociale.personnes_aidees",
            label: "Personnes ayant obtenu au moins une aide dans l'année",
            unit: Unit::Count,
            breakdowns: &[],
        },
    ],
    compute: social_aid,
}];

fn social_aid(tenant: &Tenant, year: i32) -> Boxed<'_, Result<Vec<Answer>, DbErr>> {
    Box::pin(async move {
        let Requests { filed, decided_at } = read(tenant).await?;
        let mut answers = Answers::default();
        let mut helped = std::collections::HashSet::new();
        for (request, category) in &filed {
            let Some(decision) = decision_of(request, &decided_at) else {
                continue;
            };
            if decision.on.year() != year {
                continue;
            }
            let by = [("categorie_aide", Some(*category))];
            answers.count("aide_sociale.demandes_decidees", &by);
            if decision.granted {
                answers.count("aide_sociale.demandes_accordees", &by);
                if helped.insert(request.citizen_id) {
                    answers.count("aide_sociale.personnes_aidees", &[]);
                }
            }
        }
        Ok(answers.finish())
    })
}

/// When and how a request was settled, if it was.
struct Settled {
    on: NaiveDate,
    granted: bool,
    by_silence: bool,
}

fn decision_of(request: &Filed, decided_at: &HashMap<i64, DateTime<Utc>>) -> Option<Settled> {
    let explicit = |granted| {
        Some(Settled {
            on: decided_at.get(&request.id)?.date_naive(),
            granted,
            by_silence: false,
        })
    };
    // Silence settles a request on its due date, whenever the daily job got to it.
    let silence = |granted| {
        Some(Settled {
            on: request.due_on?,
            granted,
            by_silence: true,
        })
    };
    match request.status {
        Status::Granted | Status::PartiallyGranted => explicit(true),
        Status::Refused => explicit(false),
        Status::ImplicitAcceptance => silence(true),
        Status::ImplicitRefusal => silence(false),
        Status::Draft | Status::Submitted | Status::InfoRequested => None,
    }
}
