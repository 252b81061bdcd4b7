//! The supervisor's figures (counts only, no names): files by stage; requests waiting for a
//! decision near or past their limit; per right, the median delay from completeness to the
//! decision against the legal limit (4 months, 3 for the AAH) and the decisions by outcome;
//! the share of rights granted without a time limit among the cases where the law allows it.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};
use tenants::Tenant;

use super::bounds::{self, Findings};
use super::decisions::Outcome;
use super::evaluation::RateBand;
use super::rights::Right;
use crate::entity::{disability_evaluation, disability_request};

/// Days before its limit when a request waiting for a decision is flagged.
pub const ALERT_DAYS: i64 = 30;

/// The delay the figures hold a right's decision to, in months.
pub fn limit_months(right: Right) -> u32 {
    match right {
        Right::Aah => 3,
        _ => 4,
    }
}

#[derive(Debug, FromQueryResult)]
struct RequestFacts {
    file_id: i64,
    right_code: String,
    outcome: Option<String>,
    due_on: Option<NaiveDate>,
    decided_on: Option<NaiveDate>,
    without_limit: bool,
}

#[derive(Debug, FromQueryResult)]
struct FindingFacts {
    file_id: i64,
    rate_band: Option<String>,
    rsdae: bool,
    lasting: bool,
}

/// What one right's decisions add up to.
#[derive(Debug, Default)]
struct PerRight {
    delays: Vec<i64>,
    outcomes: HashMap<&'static str, u64>,
}

/// The figures' lines after the files by stage.
pub async fn lines(tenant: &Tenant, today: NaiveDate) -> Result<Vec<(String, String)>, DbErr> {
    let txn = tenant.db().begin().await?;
    let requests = disability_request::Entity::find()
        .select_only()
        .columns([
            disability_request::Column::FileId,
            disability_request::Column::RightCode,
            disability_request::Column::Outcome,
            disability_request::Column::DueOn,
            disability_request::Column::DecidedOn,
            disability_request::Column::WithoutLimit,
        ])
        .filter(disability_request::Column::DueOn.is_not_null())
        .into_model::<RequestFacts>()
        .all(&txn)
        .await?;
    let findings: HashMap<i64, Findings> = disability_evaluation::Entity::find()
        .select_only()
        .columns([
            disability_evaluation::Column::FileId,
            disability_evaluation::Column::RateBand,
            disability_evaluation::Column::Rsdae,
            disability_evaluation::Column::Lasting,
        ])
        .into_model::<FindingFacts>()
        .all(&txn)
        .await?
        .into_iter()
        .map(|f| {
            let found = Findings {
                band: f.rate_band.as_deref().and_then(RateBand::parse),
                rsdae: f.rsdae,
                lasting: f.lasting,
            };
            (f.file_id, found)
        })
        .collect();
    txn.commit().await?;
    Ok(summarize(&requests, &findings, today))
}

fn summarize(
    requests: &[RequestFacts],
    findings: &HashMap<i64, Findings>,
    today: NaiveDate,
) -> Vec<(String, String)> {
    let (mut soon, mut late) = (0u64, 0u64);
    let mut per_right: HashMap<Right, PerRight> = HashMap::new();
    let (mut eligible, mut unlimited) = (0u64, 0u64);
    for r in requests {
        let Some(right) = Right::parse(&r.right_code) else {
            continue;
        };
        let outcome = r.outcome.as_deref().and_then(Outcome::parse);
        let Some(due) = r.due_on else { continue };
        match (outcome.filter(|o| o.is_final()), r.decided_on) {
            (Some(outcome), Some(decided)) => {
                // The due day is the completeness day plus 4 months.
                let complete = due - chrono::Months::new(4);
                let entry = per_right.entry(right).or_default();
                entry.delays.push((decided - complete).num_days());
                *entry.outcomes.entry(outcome.label()).or_default() += 1;
                let granted = matches!(outcome, Outcome::Granted | Outcome::Partial);
                let allowed = findings
                    .get(&r.file_id)
                    .and_then(|f| bounds::of(right, *f).ok())
                    .is_some_and(|b| b.without_limit);
                if granted && allowed {
                    eligible += 1;
                    unlimited += u64::from(r.without_limit);
                }
            }
            _ if due < today => late += 1,
            _ if (due - today).num_days() <= ALERT_DAYS => soon += 1,
            _ => {}
        }
    }
    let mut lines = vec![
        (
            format!("Demandes à moins de {ALERT_DAYS} jours de leur limite de 4 mois"),
            soon.to_string(),
        ),
        (
            "Demandes au-delà de leur limite de 4 mois, sans décision".to_owned(),
            late.to_string(),
        ),
    ];
    for right in Right::ALL {
        let Some(decided) = per_right.get_mut(&right) else {
            continue;
        };
        decided.delays.sort_unstable();
        let median = median_days(&decided.delays);
        lines.push((
            format!(
                "Délai médian entre complétude et décision — {} (limite : {} mois)",
                right.short(),
                limit_months(right)
            ),
            format!(
                "{} sur {} décision(s)",
                months(median),
                decided.delays.len()
            ),
        ));
        let outcomes: Vec<String> = Outcome::ALL
            .into_iter()
            .filter_map(|o| {
                decided
                    .outcomes
                    .get(o.label())
                    .map(|n| format!("{} : {n}", o.label()))
            })
            .collect();
        lines.push((
            format!("Décisions — {}", right.short()),
            outcomes.join(" ; "),
        ));
    }
    lines.push((
        "Droits accordés sans limitation de durée, là où la loi le permet".to_owned(),
        match (unlimited * 100).checked_div(eligible) {
            None => "aucun cas".to_owned(),
            Some(share) => format!("{share} % ({unlimited} sur {eligible})"),
        },
    ));
    lines
}

/// The median of sorted day counts (the lower middle of an even count).
fn median_days(sorted: &[i64]) -> i64 {
    sorted
        .get(sorted.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0)
}

/// « 2,3 mois ».
fn months(days: i64) -> String {
    let tenths = (days as f64 / 30.44 * 10.0).round() as i64;
    format!("{},{} mois", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        file_id: i64,
        right: &str,
        decided: Option<(&str, i64)>,
        due: NaiveDate,
    ) -> RequestFacts {
        RequestFacts {
            file_id,
            right_code: right.into(),
            outcome: decided.map(|(o, _)| o.into()),
            due_on: Some(due),
            decided_on: decided
                .map(|(_, days)| due - chrono::Months::new(4) + chrono::Duration::days(days)),
            without_limit: false,
        }
    }

    #[test]
    fn delays_outcomes_and_alerts_are_counted_per_right() {
        let today = NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
        let due = NaiveDate::from_ymd_opt(2027, 5, 1).unwrap();
        let requests = vec![
            request(1, "aah", Some(("granted", 61)), due),
            request(2, "aah", Some(("refused", 92)), due),
            request(3, "aah", Some(("granted", 30)), due),
            request(4, "pch", None, due),
            request(5, "pch", None, today + chrono::Duration::days(10)),
            request(6, "pch", None, today + chrono::Duration::days(90)),
        ];
        let lines = summarize(&requests, &HashMap::new(), today);
        let find = |label: &str| {
            lines
                .iter()
                .find(|(l, _)| l.starts_with(label))
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(find("Demandes à moins de 30 jours"), "1");
        assert_eq!(find("Demandes au-delà"), "1");
        assert_eq!(
            find("Délai médian entre complétude et décision — AAH"),
            "2,0 mois sur 3 décision(s)"
        );
        assert_eq!(find("Décisions — AAH"), "Accordé : 2 ; Refusé : 1");
        assert_eq!(find("Droits accordés sans limitation"), "aucun cas");
        assert!(lines.iter().all(|(l, _)| !l.contains("PCH (limite")));
    }
}
