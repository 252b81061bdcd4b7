//! The supervisor's figures (counts only, no names): files by stage; requests waiting for a
//! decision near or past their limit; per right, the median delay from completeness to the
//! decision against the legal limit (4 months, 3 for the AAH) and the decisions by outcome;
//! the share of rights granted without a time limit among the cases where the law allows it.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, ConnectionTrait as _, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    Statement,
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

/// Decided requests of one right, with one outcome and one delay from completeness to the
/// decision, counted by the store.
#[derive(Debug, FromQueryResult)]
struct Decided {
    right_code: String,
    outcome: String,
    /// Days.
    delay: i64,
    count: i64,
}

/// Granted requests of one right, by their file's findings and whether the right was granted
/// without a time limit, counted by the store.
#[derive(Debug, FromQueryResult)]
struct Granted {
    right_code: String,
    outcome: String,
    without_limit: bool,
    rate_band: Option<String>,
    rsdae: Option<bool>,
    lasting: Option<bool>,
    count: i64,
}

/// What one right's decisions add up to.
#[derive(Debug, Default)]
struct PerRight {
    /// (days, requests), by days.
    delays: Vec<(i64, u64)>,
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

/// The requests the delays and decisions count.
const DECIDED: &str = "r.outcome IN ('granted', 'partial', 'refused') \
                       AND r.decided_on IS NOT NULL AND r.due_on IS NOT NULL";

/// Days from completeness (the due day less 4 months, at the month's last day when it has no
/// such day, as `chrono` and PostgreSQL count) to the decision.
fn delay_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "CAST(r.decided_on - CAST(r.due_on - INTERVAL '4 months' AS DATE) AS BIGINT)"
        }
        _ => {
            "CAST(julianday(r.decided_on) - julianday(date(r.due_on, '-4 months', 'floor')) \
             AS INTEGER)"
        }
    }
}

/// The figures' lines after the files by stage: counts in the store, the decided requests
/// counted by right, outcome and delay there too (a department's 130,000 decisions read one
/// by one made the page 845 ms), the medians taken here.
pub async fn lines(tenant: &Tenant, today: NaiveDate) -> Result<Vec<(String, String)>, DbErr> {
    let txn = tenant.db().begin().await?;
    let late = waiting(&txn, (None, today - chrono::Duration::days(1))).await?;
    let soon = waiting(
        &txn,
        (Some(today), today + chrono::Duration::days(ALERT_DAYS)),
    )
    .await?;
    let backend = txn.get_database_backend();
    let delay = delay_sql(backend);
    let decided = Decided::find_by_statement(Statement::from_string(
        backend,
        format!(
            "SELECT r.right_code, r.outcome, {delay} AS delay, COUNT(*) AS count \
             FROM disability_requests r WHERE {DECIDED} \
             GROUP BY r.right_code, r.outcome, {delay}"
        ),
    ))
    .all(&txn)
    .await?;
    let granted = Granted::find_by_statement(Statement::from_string(
        backend,
        format!(
            "SELECT r.right_code, r.outcome, r.without_limit, e.rate_band, e.rsdae, e.lasting, \
             COUNT(*) AS count \
             FROM disability_requests r LEFT JOIN disability_evaluations e ON e.file_id = r.file_id \
             WHERE {DECIDED} AND r.outcome IN ('granted', 'partial') \
             GROUP BY r.right_code, r.outcome, r.without_limit, e.rate_band, e.rsdae, e.lasting"
        ),
    ))
    .all(&txn)
    .await?;
    txn.commit().await?;
    Ok(summarize((soon, late), &decided, &granted))
}

/// The share of rights granted without a time limit where the law allows it: (granted so,
/// granted where it could have been).
fn without_limit(granted: &[Granted]) -> (u64, u64) {
    let (mut unlimited, mut eligible) = (0u64, 0u64);
    for g in granted {
        let (Some(right), Some(Outcome::Granted | Outcome::Partial)) =
            (Right::parse(&g.right_code), Outcome::parse(&g.outcome))
        else {
            continue;
        };
        let findings = Findings {
            band: g.rate_band.as_deref().and_then(RateBand::parse),
            rsdae: g.rsdae.unwrap_or(false),
            lasting: g.lasting.unwrap_or(false),
        };
        if bounds::of(right, findings).is_ok_and(|b| b.without_limit) {
            let n = u64::try_from(g.count).unwrap_or(0);
            eligible += n;
            unlimited += if g.without_limit { n } else { 0 };
        }
    }
    (unlimited, eligible)
}

fn summarize(
    (soon, late): (u64, u64),
    decided: &[Decided],
    granted: &[Granted],
) -> Vec<(String, String)> {
    let mut per_right: HashMap<Right, PerRight> = HashMap::new();
    for r in decided {
        let (Some(right), Some(outcome)) =
            (Right::parse(&r.right_code), Outcome::parse(&r.outcome))
        else {
            continue;
        };
        let n = u64::try_from(r.count).unwrap_or(0);
        let entry = per_right.entry(right).or_default();
        entry.delays.push((r.delay, n));
        *entry.outcomes.entry(outcome.label()).or_default() += n;
    }
    let (unlimited, eligible) = without_limit(granted);
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
        let (median, count) = median_days(&decided.delays);
        lines.push((
            format!(
                "Délai médian entre complétude et décision — {} (limite : {} mois)",
                right.short(),
                limit_months(right)
            ),
            format!("{} sur {count} décision(s)", months(median)),
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

/// The median of day counts sorted by days, each with how many requests took it (the lower
/// middle of an even total), and that total.
fn median_days(sorted: &[(i64, u64)]) -> (i64, u64) {
    let total: u64 = sorted.iter().map(|(_, n)| n).sum();
    let middle = total.saturating_sub(1) / 2;
    let mut seen = 0;
    for (days, n) in sorted {
        seen += n;
        if seen > middle {
            return (*days, total);
        }
    }
    (0, total)
}

/// « 2,3 mois ».
fn months(days: i64) -> String {
    let tenths = (days as f64 / 30.44 * 10.0).round() as i64;
    format!("{},{} mois", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decided(right: &str, outcome: &str, delay: i64, count: i64) -> Decided {
        Decided {
            right_code: right.into(),
            outcome: outcome.into(),
            delay,
            count,
        }
    }

    fn granted(right: &str, without_limit: bool, count: i64) -> Granted {
        Granted {
            right_code: right.into(),
            outcome: "granted".into(),
            without_limit,
            rate_band: Some("from_80".into()),
            rsdae: None,
            lasting: Some(true),
            count,
        }
    }

    #[test]
    fn delays_outcomes_and_alerts_are_counted_per_right() {
        let decided = vec![
            decided("aah", "granted", 61, 1),
            decided("aah", "refused", 92, 1),
            decided("aah", "granted", 30, 1),
            decided("rqth", "granted", 20, 2),
            // Nine decisions: the fifth by delay is the median.
            decided("pch", "granted", 100, 4),
            decided("pch", "partial", 10, 5),
        ];
        let granted = vec![
            granted("rqth", true, 1),
            granted("rqth", false, 1),
            Granted {
                rate_band: None,
                lasting: None,
                ..granted("aah", false, 2)
            },
        ];
        let lines = summarize((1, 2), &decided, &granted);
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
        assert_eq!(
            find("Délai médian entre complétude et décision — PCH"),
            "0,3 mois sur 9 décision(s)"
        );
        assert_eq!(
            find("Décisions — PCH"),
            "Accordé : 4 ; Accordé en partie : 5"
        );
        assert_eq!(find("Droits accordés sans limitation"), "50 % (1 sur 2)");
        assert!(lines.iter().all(|(l, _)| !l.contains("CMI")));
    }
}
