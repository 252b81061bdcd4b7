//! Indicators: what each module declares it can count (`Part::indicators`), and their monthly
//! figures, computed by the module from its own tables and kept here per department
//! (`statistics_monthly`). Dashboards, exports and comparisons read these figures, never a
//! module's rows, and only through [`super::secrecy`].

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use tenants::Tenant;

use crate::entity::{statistics_monthly, statistics_yearly};
use crate::modules::{Boxed, PARTS};

/// What a figure counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Persons, or what each person has one of (requests): secrecy hides small counts.
    Count,
    /// A number of days (a median, a 90th percentile): shown only on enough persons.
    Days,
    /// A share from 0 to 1, shown as a percentage, only on enough persons.
    Share,
}

/// An indicator as its module declares it.
#[derive(Debug)]
pub struct Indicator {
    /// `module.what`, stable: stored figures are found by it.
    pub id: &'static str,
    pub name: &'static str,
    /// How it is computed, in plain French, as the dashboard shows it.
    pub definition: &'static str,
    pub unit: Unit,
    /// The nomenclatures (`statistics::nomenclatures`) it can be broken down by.
    pub breakdowns: &'static [&'static str],
}

/// A module's indicators and how it computes their figures.
pub struct Indicators {
    pub list: &'static [Indicator],
    /// Codes the module adds to a nomenclature, with their labels: `(nomenclature, code,
    /// label)` (an aid the department has not ranked yet).
    pub unlisted: &'static [(&'static str, &'static str, &'static str)],
    /// Its early-detection rules (`super::detection`).
    pub signals: &'static [super::detection::Signal],
    /// Its parts of the national surveys (`super::returns`).
    pub returns: &'static [super::returns::Return],
    /// Its labels the department ranks in a shared nomenclature (`super::mapping`).
    pub local_labels: &'static [super::mapping::LocalLabels],
    /// Every figure of the months from `since` (all months for `None`) in one department, as
    /// of `today` (a cohort whose delay is not over yet is not counted).
    pub compute: Compute,
}

/// A module's computation: `(tenant, since, today)` to its figures.
pub type Compute =
    for<'a> fn(&'a Tenant, Option<NaiveDate>, NaiveDate) -> Boxed<'a, Result<Vec<Figure>, DbErr>>;

/// A month, as figures are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

impl Month {
    pub fn of(day: NaiveDate) -> Self {
        Self(day.with_day(1).expect("every month has a first day"))
    }

    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    /// `YYYY-MM`, as stored.
    pub fn key(self) -> String {
        self.0.format("%Y-%m").to_string()
    }

    pub fn parse(key: &str) -> Option<Self> {
        NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d")
            .ok()
            .map(Self)
    }

    /// The month `n` months before this one.
    pub fn back(self, n: u32) -> Self {
        Self(self.0 - chrono::Months::new(n))
    }
}

/// What a figure covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    Month,
    /// The twelve months ending with the figure's month: what departments are compared on
    /// and yearly returns report (a median over a year is not a mean of monthly medians).
    Year,
}

/// The twelve months a [`Span::Year`] figure computed on `today` covers: the last twelve
/// complete months.
pub fn year_ending(today: NaiveDate) -> Month {
    Month::of(today).back(1)
}

/// One figure of an indicator: for a month, for everyone or one code of a breakdown.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub indicator: &'static str,
    /// The month, or the last of a year's twelve.
    pub month: Month,
    pub span: Span,
    /// `None` for everyone; else the nomenclature and the code.
    pub breakdown: Option<(&'static str, String)>,
    pub value: f64,
    /// How many persons (or requests) it was computed on.
    pub persons: u64,
}

/// Counts and samples gathered per (month, breakdown), turned into figures.
#[derive(Default)]
pub struct Tally {
    counts: BTreeMap<Key, u64>,
    samples: BTreeMap<Key, Vec<f64>>,
}

impl Tally {
    /// One more for `indicator` in `month`, counted for everyone and, when given, for `code`
    /// of the `breakdown` nomenclature.
    pub fn count(
        &mut self,
        indicator: &'static str,
        month: Month,
        by: Option<(&'static str, &str)>,
    ) {
        for key in keys(indicator, month, by) {
            *self.counts.entry(key).or_default() += 1;
        }
    }

    /// One observation of `indicator` (a delay, or 1/0 for a share), everyone's and `code`'s.
    pub fn sample(
        &mut self,
        indicator: &'static str,
        month: Month,
        by: Option<(&'static str, &str)>,
        value: f64,
    ) {
        for key in keys(indicator, month, by) {
            self.samples.entry(key).or_default().push(value);
        }
    }

    /// Counts as they are; samples as their `summary` (median, a share…): each month's, and
    /// the last twelve complete months' as of `today` ([`Span::Year`]).
    pub fn figures(self, today: NaiveDate, summaries: &[(&'static str, Summary)]) -> Vec<Figure> {
        let ending = year_ending(today);
        let in_year = |month: Month| month <= ending && month > ending.back(12);
        let figure = |(indicator, month, breakdown), span, value, persons| Figure {
            indicator,
            month,
            span,
            breakdown,
            value,
            persons,
        };
        let mut year_counts: BTreeMap<Key, u64> = BTreeMap::new();
        let mut figures = Vec::new();
        for ((indicator, month, breakdown), n) in self.counts {
            if in_year(month) {
                *year_counts
                    .entry((indicator, ending, breakdown.clone()))
                    .or_default() += n;
            }
            figures.push(figure(
                (indicator, month, breakdown),
                Span::Month,
                n as f64,
                n,
            ));
        }
        for (key, n) in year_counts {
            figures.push(figure(key, Span::Year, n as f64, n));
        }
        let mut year_samples: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
        for ((indicator, month, breakdown), mut values) in self.samples {
            let Some((_, summary)) = summaries.iter().find(|(id, _)| *id == indicator) else {
                continue;
            };
            if in_year(month) {
                year_samples
                    .entry((indicator, ending, breakdown.clone()))
                    .or_default()
                    .extend_from_slice(&values);
            }
            let persons = values.len() as u64;
            let value = summary.of(&mut values);
            figures.push(figure(
                (indicator, month, breakdown),
                Span::Month,
                value,
                persons,
            ));
        }
        for (key, mut values) in year_samples {
            let (_, summary) = summaries
                .iter()
                .find(|(id, _)| *id == key.0)
                .expect("only summarised samples are pooled");
            let persons = values.len() as u64;
            let value = summary.of(&mut values);
            figures.push(figure(key, Span::Year, value, persons));
        }
        figures
    }
}

type Key = (&'static str, Month, Option<(&'static str, String)>);

fn keys(
    indicator: &'static str,
    month: Month,
    by: Option<(&'static str, &str)>,
) -> impl Iterator<Item = Key> {
    std::iter::once((indicator, month, None))
        .chain(by.map(|(breakdown, code)| (indicator, month, Some((breakdown, code.to_owned())))))
}

/// How samples become one figure.
#[derive(Clone, Copy, Debug)]
pub enum Summary {
    /// The value half the samples are at or below (nearest rank).
    Median,
    /// The value nine in ten samples are at or below (nearest rank).
    Percentile90,
    /// The mean of 1s and 0s: the share of samples that are 1.
    Share,
}

impl Summary {
    fn of(self, values: &mut [f64]) -> f64 {
        values.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            // Nearest rank: the smallest value with at least p of the samples at or below it.
            let n = values.len();
            let at = ((p * n as f64).ceil() as usize).clamp(1, n);
            values[at - 1]
        };
        match self {
            Summary::Median => rank(0.5),
            Summary::Percentile90 => rank(0.9),
            Summary::Share => values.iter().sum::<f64>() / values.len() as f64,
        }
    }
}

/// Every declared indicator, with its module.
pub fn declared() -> impl Iterator<Item = (tenants::Module, &'static Indicator)> {
    PARTS
        .iter()
        .filter_map(|p| Some((p.module?, p.indicators.as_ref()?)))
        .flat_map(|(module, indicators)| indicators.list.iter().map(move |i| (module, i)))
}

/// The label a module gives `code`, which it adds to `breakdown`'s nomenclature.
pub fn unlisted_label(breakdown: &str, code: &str) -> Option<&'static str> {
    PARTS
        .iter()
        .filter_map(|p| p.indicators.as_ref())
        .flat_map(|i| i.unlisted.iter())
        .find(|(b, c, _)| *b == breakdown && *c == code)
        .map(|(_, _, label)| *label)
}

/// The declaration of `id`, if a module declares it.
pub fn find(id: &str) -> Option<&'static Indicator> {
    declared().map(|(_, i)| i).find(|i| i.id == id)
}

/// How many months of figures are recomputed each night: late decisions change the figures of
/// the months their requests were filed in. Older months keep what was computed, so a trend
/// survives the rows it was counted from being purged.
pub const RECOMPUTED_MONTHS: u32 = 13;

/// Computes the figures of every module `tenant` subscribes to and replaces the stored ones
/// of the months computed (every month the first time), in one transaction, then the last
/// closed year's national returns. Returns how many figures were stored.
pub async fn compute(tenant: &Tenant, today: NaiveDate) -> Result<usize, DbErr> {
    compute_reporting(tenant, today, None).await
}

/// The modules of `tenant` that compute figures.
fn computing(tenant: &Tenant) -> impl Iterator<Item = &'static Indicators> + '_ {
    PARTS.iter().filter_map(move |part| {
        let (module, indicators) = (part.module?, part.indicators?);
        tenant.has_module(module).then_some(indicators)
    })
}

/// The steps of a computation in `tenant`: each module's figures, storing them, the returns.
pub fn steps(tenant: &Tenant) -> usize {
    computing(tenant).count() + 2
}

/// [`compute`], recording on `run` (`super::runs`), if given, each of its [`steps`] done.
pub async fn compute_reporting(
    tenant: &Tenant,
    today: NaiveDate,
    run: Option<i64>,
) -> Result<usize, DbErr> {
    let done = async |step: usize| match run {
        Some(id) => super::runs::step_done(tenant, id, step).await,
        None => Ok(()),
    };
    let first_run = {
        let txn = tenant.db().begin().await?;
        let none = statistics_monthly::Entity::find()
            .one(&txn)
            .await?
            .is_none();
        txn.commit().await?;
        none
    };
    let since = (!first_run).then(|| Month::of(today).back(RECOMPUTED_MONTHS - 1));
    let mut figures = Vec::new();
    let mut step = 0;
    for indicators in computing(tenant) {
        figures.extend((indicators.compute)(tenant, since.map(Month::first_day), today).await?);
        step += 1;
        done(step).await?;
    }
    let (monthly, mut yearly): (Vec<Figure>, Vec<Figure>) =
        figures.into_iter().partition(|f| f.span == Span::Month);
    // A count with nothing to count this year is 0, said: the year was computed.
    let ending = year_ending(today);
    for (module, indicator) in declared() {
        let counted = |f: &Figure| f.indicator == indicator.id && f.breakdown.is_none();
        if indicator.unit == Unit::Count && tenant.has_module(module) && !yearly.iter().any(counted)
        {
            yearly.push(Figure {
                indicator: indicator.id,
                month: ending,
                span: Span::Year,
                breakdown: None,
                value: 0.0,
                persons: 0,
            });
        }
    }
    let txn = tenant.db().begin_write().await?;
    let mut stale = statistics_monthly::Entity::delete_many();
    if let Some(since) = since {
        stale = stale.filter(statistics_monthly::Column::Month.gte(since.key()));
    }
    stale.exec(&txn).await?;
    // Only this year is recomputed: the twelve months ending earlier keep their figures.
    statistics_yearly::Entity::delete_many()
        .filter(statistics_yearly::Column::Ending.eq(ending.key()))
        .exec(&txn)
        .await?;
    let now = Utc::now();
    let stored = monthly.len();
    let parts = |f: &Figure| {
        let (breakdown, code) = f.breakdown.clone().unwrap_or_default();
        (
            f.indicator.to_owned(),
            f.month.key(),
            breakdown.to_owned(),
            code,
        )
    };
    let monthly = monthly.iter().map(|f| {
        let (indicator, month, breakdown, code) = parts(f);
        statistics_monthly::ActiveModel {
            indicator: Set(indicator),
            month: Set(month),
            breakdown: Set(breakdown),
            code: Set(code),
            value: Set(f.value),
            persons: Set(f.persons as i64),
            computed_at: Set(now),
            ..Default::default()
        }
    });
    insert_chunked(&txn, monthly.collect()).await?;
    let yearly = yearly.iter().map(|f| {
        let (indicator, ending, breakdown, code) = parts(f);
        statistics_yearly::ActiveModel {
            indicator: Set(indicator),
            ending: Set(ending),
            breakdown: Set(breakdown),
            code: Set(code),
            value: Set(f.value),
            persons: Set(f.persons as i64),
            computed_at: Set(now),
            ..Default::default()
        }
    });
    insert_chunked(&txn, yearly.collect()).await?;
    txn.commit().await?;
    done(step + 1).await?;
    // The national returns of the last closed year, computed with the figures.
    super::returns::compute(tenant, super::returns::closed_year(today)).await?;
    done(step + 2).await?;
    Ok(stored)
}

/// Inserts `rows` in chunks: one statement per row is slow on PostgreSQL, one for all too big.
pub(super) async fn insert_chunked<A>(txn: &DatabaseTransaction, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Clone + Send,
{
    for chunk in rows.chunks(500) {
        A::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    Ok(())
}

/// The last of the latest twelve months computed, if any were.
pub async fn latest_year(tenant: &Tenant) -> Result<Option<Month>, DbErr> {
    let txn = tenant.db().begin().await?;
    let latest = statistics_yearly::Entity::find()
        .order_by_desc(statistics_yearly::Column::Ending)
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(latest.and_then(|row| Month::parse(&row.ending)))
}

/// The stored twelve-month figures ending with `ending`, for everyone, by indicator.
pub async fn stored_year(
    tenant: &Tenant,
    ending: Month,
) -> Result<BTreeMap<String, (f64, u64)>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = statistics_yearly::Entity::find()
        .filter(statistics_yearly::Column::Ending.eq(ending.key()))
        .filter(statistics_yearly::Column::Breakdown.eq(""))
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.indicator, (r.value, r.persons.max(0) as u64)))
        .collect())
}

/// When the department's figures were last computed, if ever.
pub async fn last_computed(tenant: &Tenant) -> Result<Option<chrono::DateTime<Utc>>, DbErr> {
    let txn = tenant.db().begin().await?;
    let last = statistics_monthly::Entity::find()
        .order_by_desc(statistics_monthly::Column::ComputedAt)
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(last.map(|row| row.computed_at))
}

/// A stored figure, as read back.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub month: Month,
    pub code: String,
    pub value: f64,
    pub persons: u64,
}

/// The stored figures of `indicator` from `since` on, for everyone (`breakdown` `None`) or by
/// each code of `breakdown`, oldest month first.
pub async fn stored(
    tenant: &Tenant,
    indicator: &str,
    breakdown: Option<&str>,
    since: Month,
) -> Result<Vec<Stored>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = statistics_monthly::Entity::find()
        .filter(statistics_monthly::Column::Indicator.eq(indicator))
        .filter(statistics_monthly::Column::Breakdown.eq(breakdown.unwrap_or("")))
        .filter(statistics_monthly::Column::Month.gte(since.key()))
        .order_by_asc(statistics_monthly::Column::Month)
        .order_by_asc(statistics_monthly::Column::Code)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Stored {
                month: Month::parse(&r.month)?,
                code: r.code,
                value: r.value,
                persons: r.persons.max(0) as u64,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_percentiles_are_values_of_the_samples() {
        let mut delays = vec![10.0, 2.0, 7.0, 30.0, 5.0];
        assert_eq!(Summary::Median.of(&mut delays), 7.0);
        assert_eq!(Summary::Percentile90.of(&mut delays), 30.0);
        let mut even = vec![1.0, 2.0, 3.0, 4.0];
        assert_eq!(Summary::Median.of(&mut even), 2.0);
        assert_eq!(Summary::Share.of(&mut [1.0, 0.0, 0.0, 1.0]), 0.5);
    }

    #[test]
    fn a_year_pools_the_samples_of_its_twelve_months() {
        let month = |key| Month::parse(key).unwrap();
        let mut tally = Tally::default();
        // Delays of 1, 2 and 3 days in January, 100 in June, 50 in the month not yet over.
        for delay in [1.0, 2.0, 3.0] {
            tally.sample("x.delay", month("2026-01"), None, delay);
        }
        tally.sample("x.delay", month("2026-06"), None, 100.0);
        tally.sample("x.delay", month("2027-01"), None, 50.0);
        // A count a year and more before: outside the twelve months.
        tally.count("x.filed", month("2025-12"), None);
        tally.count("x.filed", month("2026-12"), None);
        let today = NaiveDate::from_ymd_opt(2027, 1, 10).unwrap();
        let figures = tally.figures(today, &[("x.delay", Summary::Median)]);
        let year = |id: &str| {
            figures
                .iter()
                .find(|f| f.indicator == id && f.span == Span::Year)
                .map(|f| (f.month.key(), f.value, f.persons))
        };
        // The median of 1, 2, 3, 100 (2), not of January's and June's medians (2 and 100).
        assert_eq!(year("x.delay"), Some(("2026-12".to_owned(), 2.0, 4)));
        assert_eq!(year("x.filed"), Some(("2026-12".to_owned(), 1.0, 1)));
        assert_eq!(figures.iter().filter(|f| f.span == Span::Month).count(), 5);
    }

    #[test]
    fn a_tally_counts_everyone_and_each_code() {
        let march = Month::parse("2026-03").unwrap();
        let mut tally = Tally::default();
        tally.count("x.filed", march, Some(("categorie_aide", "logement")));
        tally.count("x.filed", march, Some(("categorie_aide", "energie")));
        tally.count("x.filed", march, Some(("categorie_aide", "logement")));
        tally.count("x.other", march, None);
        let figures = tally.figures(march.first_day(), &[]);
        let value = |code: Option<&str>| {
            figures
                .iter()
                .filter(|f| f.indicator == "x.filed")
                .find(|f| f.breakdown.as_ref().map(|(_, c)| c.as_str()) == code)
                .map(|f| f.value)
        };
        // Not broken down: one figure, for everyone.
        assert_eq!(
            figures.iter().filter(|f| f.indicator == "x.other").count(),
            1
        );
        assert_eq!(value(None), Some(3.0));
        assert_eq!(value(Some("logement")), Some(2.0));
        assert_eq!(value(Some("energie")), Some(1.0));
        assert_eq!(march.back(3).key(), "2025-12");
    }
}
