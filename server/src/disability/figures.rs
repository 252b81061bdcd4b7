//! The supervisor's figures (counts only, no names): files by stage; requests waiting for a
//! decision near or past their limit; per right, the median delay from completeness to the
//! decision against the legal limit (4 months, 3 for the AAH) and the decisions by outcome;
//! the share of rights granted without a time limit among the cases where the law allows it.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, ConnectionTrait as _, DbErr, EntityTrait, FromQueryResult, QueryFilter,
};
use tenants::Tenant;

use super::bounds::{self, Findings};
use super::decisions::Outcome;
use super::evaluation::RateBand;
use super::rights::Right;
use crate::entity::disability_request;

/// Days before its limit when a request waiting for a decision is flagged.
pub const ALERT_DAYS: i64 = 30;

/// The delay the figures hold a right's decision to, in months.
pub fn limit_months(right: Right) -> u32 {
    match right {
        Right::Aah => 3,
        _ => 4,
    }
}

/// A decided request with the findings of its file, as the figures read it.
#[derive(Debug, FromQueryResult)]
struct Decided {
    right_code: String,
    outcome: String,
    due_on: NaiveDate,
    decided_on: NaiveDate,
    without_limit: bool,
    rate_band: Option<String>,
    rsdae: Option<bool>,
    lasting: Option<bool>,
}

/// What one right's decisions add up to.
#[derive(Debug, Default)]
struct PerRight {
    delays: Vec<i64>,
    outcomes: HashMap<&'static str, u64>,
}

/// The requests waiting for a decision (none yet, or adjourned) whose due day is in `range`.
async fn waiting(
    txn: &sea_orm::DatabaseTransaction,
    (from, to): (Option<NaiveDate>, NaiveDate),
) -> Result<u64, DbErr> {
    use sea_orm::{Condition, PaginatorTrait};
    let mut query = disability_request::Entity::find()
        .filter(
            Condition::any()
                .add(disability_request::Column::Outcome.is_null())
                .add(disability_request::Column::Outcome.eq(Outcome::Adjourned.id())),
        )
        .filter(disability_request::Column::DueOn.lte(to));
    if let Some(from) = from {
        query = query.filter(disability_request::Column::DueOn.gte(from));
    }
    query.count(txn).await
}

/// The figures' lines after the files by stage: counts in the store, then the decided
/// requests alone, with their files' findings, summed here.
pub async fn lines(tenant: &Tenant, today: NaiveDate) -> Result<Vec<(String, String)>, DbErr> {
    let txn = tenant.db().begin().await?;
    let late = waiting(&txn, (None, today - chrono::Duration::days(1))).await?;
    let soon = waiting(
        &txn,
        (Some(today), today + chrono::Duration::days(ALERT_DAYS)),
    )
    .await?;
    let backend = txn.get_database_backend();
    let decided = Decided::find_by_statement(sea_orm::Statement::from_string(
        backend,
        "SELECT r.right_code, r.outcome, r.due_on, r.decided_on, r.without_limit, \
         e.rate_band, e.rsdae, e.lasting \
         FROM disability_requests r LEFT JOIN disability_evaluations e ON e.file_id = r.file_id \
         WHERE r.outcome IN ('granted', 'partial', 'refused') \
         AND r.decided_on IS NOT NULL AND r.due_on IS NOT NULL",
    ))
    .all(&txn)
    .await?;
    txn.commit().await?;
    Ok(summarize((soon, late), &decided))
}

fn summarize((soon, late): (u64, u64), decided: &[Decided]) -> Vec<(String, String)> {
    let mut per_right: HashMap<Right, PerRight> = HashMap::new();
    let (mut eligible, mut unlimited) = (0u64, 0u64);
    for r in decided {
        let (Some(right), Some(outcome)) =
            (Right::parse(&r.right_code), Outcome::parse(&r.outcome))
        else {
            continue;
        };
        // The due day is the completeness day plus 4 months.
        let complete = r.due_on - chrono::Months::new(4);
        let entry = per_right.entry(right).or_default();
        entry.delays.push((r.decided_on - complete).num_days());
        *entry.outcomes.entry(outcome.label()).or_default() += 1;
        let findings = Findings {
            band: r.rate_band.as_deref().and_then(RateBand::parse),
            rsdae: r.rsdae.unwrap_or(false),
            lasting: r.lasting.unwrap_or(false),
        };
        let granted = matches!(outcome, Outcome::Granted | Outcome::Partial);
        let allowed = bounds::of(right, findings).is_ok_and(|b| b.without_limit);
        if granted && allowed {
            eligible += 1;
            unlimited += u64::from(r.without_limit);
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

    fn decided(right: &str, outcome: &str, days: i64, due: NaiveDate) -> Decided {
        Decided {
            right_code: right.into(),
            outcome: outcome.into(),
            due_on: due,
            decided_on: due - chrono::Months::new(4) + chrono::Duration::days(days),
            without_limit: false,
            rate_band: None,
            rsdae: None,
            lasting: None,
        }
    }

    #[test]
    fn delays_outcomes_and_alerts_are_counted_per_right() {
        let due = NaiveDate::from_ymd_opt(2027, 5, 1).unwrap();
        let rows = vec![
            decided("aah", "granted", 61, due),
            decided("aah", "refused", 92, due),
            decided("aah", "granted", 30, due),
            Decided {
                without_limit: true,
                rate_band: Some("from_80".into()),
                lasting: Some(true),
                ..decided("rqth", "granted", 20, due)
            },
            Decided {
                rate_band: Some("from_80".into()),
                lasting: Some(true),
                ..decided("rqth", "granted", 20, due)
            },
        ];
        let lines = summarize((1, 2), &rows);
        let find = |label: &str| {
            lines
                .iter()
                .find(|(l, _)| l.starts_with(label))
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(find("Demandes à moins de 30 jours"), "1");
        assert_eq!(find("Demandes au-delà"), "2");
        assert_eq!(
            find("Délai médian entre complétude et décision — AAH"),
            "2,0 mois sur 3 décision(s)"
        );
        assert!(
            lines
                .iter()
                .any(|(l, _)| l.contains("AAH (limite : 3 mois)"))
        );
        assert_eq!(find("Décisions — AAH"), "Accordé : 2 ; Refusé : 1");
        assert_eq!(find("Droits accordés sans limitation"), "50 % (1 sur 2)");
        assert!(lines.iter().all(|(l, _)| !l.contains("PCH")));
    }
}
