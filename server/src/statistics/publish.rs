//! An indicator's stored figures as they may leave the platform: one table per indicator,
//! months down, the breakdown's codes across, through [`super::secrecy`] and nothing else.
//! Pages, charts and downloads all draw from a [`Table`], so none can show what another hides.

use sea_orm::DbErr;
use tenants::Tenant;

use super::indicators::{self, Indicator, Month, Stored, Unit};
use super::nomenclatures;
use super::secrecy::{self, CountTable, Shown};

/// The months a table covers, counted back from the last month computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Months(u32),
    All,
}

impl Period {
    pub const CHOICES: [(Period, &'static str, &'static str); 3] = [
        (Period::Months(12), "12", "Les 12 derniers mois"),
        (Period::Months(24), "24", "Les 24 derniers mois"),
        (Period::All, "tout", "Tout l'historique"),
    ];

    /// From the query string; 12 months when absent or unknown.
    pub fn parse(value: Option<&str>) -> Self {
        Self::CHOICES
            .iter()
            .find(|(_, id, _)| Some(*id) == value)
            .map_or(Period::Months(12), |(p, _, _)| *p)
    }

    pub fn id(self) -> &'static str {
        Self::CHOICES
            .iter()
            .find(|(p, _, _)| *p == self)
            .map_or("12", |(_, id, _)| id)
    }

    fn since(self, today: chrono::NaiveDate) -> Month {
        match self {
            Period::Months(n) => Month::of(today).back(n - 1),
            Period::All => Month::parse("0001-01").expect("a valid month"),
        }
    }
}

/// A published value and how to read it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Value(f64),
    /// Hidden by statistical secrecy (« s »).
    Secret,
    /// Nothing to compute on (no request decided that month, say).
    Empty,
}

impl Cell {
    pub fn value(&self) -> Option<f64> {
        match self {
            Cell::Value(v) => Some(*v),
            _ => None,
        }
    }

    /// As a page or a download shows it, in `unit`.
    pub fn text(&self, unit: Unit) -> String {
        match self {
            Cell::Value(v) => format_value(*v, unit),
            Cell::Secret => "s".to_owned(),
            Cell::Empty => "–".to_owned(),
        }
    }
}

/// `1 234`, `12,5`, `45 %`, as read in French.
pub fn format_value(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Count => group_thousands(value.round() as i64),
        Unit::Days if value.fract() == 0.0 => group_thousands(value as i64),
        Unit::Days => format!("{value:.1}").replace('.', ","),
        Unit::Share => format!("{}\u{a0}%", (value * 100.0).round() as i64),
    }
}

fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// One indicator's published table.
#[derive(Clone, Debug)]
pub struct Table {
    pub indicator: &'static Indicator,
    /// The breakdown's nomenclature, if broken down.
    pub breakdown: Option<&'static str>,
    pub months: Vec<Month>,
    /// Each column's code and label; one column « Ensemble » when not broken down.
    pub columns: Vec<(String, String)>,
    /// Month by month, one cell per column.
    pub cells: Vec<Vec<Cell>>,
    /// Broken down: each month's figure for everyone (the last column a reader adds).
    pub month_totals: Option<Vec<Cell>>,
    /// For counts broken down: each column's total over the period, and the grand total,
    /// last. A series alone has none: a total would let a hidden month be worked out.
    pub period_totals: Option<Vec<Cell>>,
}

impl Table {
    /// The column headers and the rows (a header, then a cell per column) as every reader
    /// shows them: months, then the period's totals for counts.
    pub fn grid(&self) -> (Vec<String>, Vec<(String, Vec<Cell>)>) {
        let mut headers = vec!["Mois".to_owned()];
        headers.extend(self.columns.iter().map(|(_, label)| label.clone()));
        if self.month_totals.is_some() {
            headers.push("Ensemble".to_owned());
        }
        let mut rows: Vec<(String, Vec<Cell>)> = self
            .months
            .iter()
            .enumerate()
            .map(|(i, month)| {
                let mut cells = self.cells[i].clone();
                if let Some(totals) = &self.month_totals {
                    cells.push(totals[i].clone());
                }
                (month_label(*month), cells)
            })
            .collect();
        if let Some(totals) = &self.period_totals
            && !self.months.is_empty()
        {
            rows.push(("Total de la période".to_owned(), totals.clone()));
        }
        (headers, rows)
    }

    /// Each month's figure for everyone, as the chart draws it.
    pub fn everyone(&self) -> Vec<Cell> {
        match &self.month_totals {
            Some(totals) => totals.clone(),
            None => self.cells.iter().map(|row| row[0].clone()).collect(),
        }
    }
}

/// The label of `code` in `breakdown`'s nomenclature, or as the module that adds it names it.
pub(super) fn label_of(breakdown: &str, code: &str) -> String {
    nomenclatures::find(breakdown)
        .and_then(|n| n.label_of(code))
        .or_else(|| indicators::unlisted_label(breakdown, code))
        .map_or_else(|| code.to_owned(), str::to_owned)
}

/// `indicator`'s table over `period`, broken down by `breakdown` if it can be, as secrecy
/// under `threshold` lets it be published.
pub async fn table(
    tenant: &Tenant,
    indicator: &'static Indicator,
    breakdown: Option<&'static str>,
    period: Period,
    today: chrono::NaiveDate,
    threshold: u64,
) -> Result<Table, DbErr> {
    let breakdown = breakdown.filter(|b| indicator.breakdowns.contains(b));
    let since = period.since(today);
    let stored = indicators::stored(tenant, indicator.id, breakdown, since).await?;
    let mut months: Vec<Month> = stored.iter().map(|s| s.month).collect();
    months.dedup();
    let mut codes: Vec<String> = match breakdown {
        Some(_) => stored.iter().map(|s| s.code.clone()).collect(),
        None => vec![String::new()],
    };
    // In the nomenclature's order; codes it does not list (« non classée ») last.
    let rank = |code: &String| {
        breakdown
            .and_then(nomenclatures::find)
            .and_then(|n| n.entries.iter().position(|(c, _)| c == code))
            .unwrap_or(usize::MAX)
    };
    codes.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    codes.dedup();
    let find = |month: Month, code: &str| -> Option<&Stored> {
        stored.iter().find(|s| s.month == month && s.code == code)
    };
    let columns = codes
        .iter()
        .map(|code| match breakdown {
            Some(b) => (code.clone(), label_of(b, code)),
            None => (String::new(), "Ensemble".to_owned()),
        })
        .collect();
    let mut table = Table {
        indicator,
        breakdown,
        months: months.clone(),
        columns,
        cells: Vec::new(),
        month_totals: None,
        period_totals: None,
    };
    if months.is_empty() {
        return Ok(table);
    }
    match indicator.unit {
        Unit::Count => {
            let cell = |shown: Shown| match shown {
                Shown::Value(v) => Cell::Value(v as f64),
                Shown::Secret => Cell::Secret,
            };
            let counts: Vec<u64> = months
                .iter()
                .flat_map(|m| codes.iter().map(|c| find(*m, c).map_or(0, |s| s.persons)))
                .collect();
            if breakdown.is_none() {
                // A series alone, with no total to subtract from.
                table.cells = secrecy::protect_series(&counts, threshold)
                    .into_iter()
                    .map(|shown| vec![cell(shown)])
                    .collect();
                return Ok(table);
            }
            let counts = CountTable::new(months.len(), codes.len(), counts)
                .expect("one count per month and code");
            let published = secrecy::protect(&counts, threshold);
            table.cells = (0..months.len())
                .map(|r| {
                    (0..codes.len())
                        .map(|c| cell(published.cell(r, c)))
                        .collect()
                })
                .collect();
            table.month_totals = Some(
                (0..months.len())
                    .map(|r| cell(published.row_total(r)))
                    .collect(),
            );
            let mut totals: Vec<Cell> = (0..codes.len())
                .map(|c| cell(published.col_total(c)))
                .collect();
            totals.push(cell(published.total()));
            table.period_totals = Some(totals);
        }
        Unit::Days | Unit::Share => {
            // A delay or a share on too few persons says too much about them: not shown.
            let measured = |s: Option<&Stored>| match s {
                None => Cell::Empty,
                Some(s) => secrecy::measure(s.value, s.persons, threshold)
                    .map_or(Cell::Secret, Cell::Value),
            };
            table.cells = months
                .iter()
                .map(|m| codes.iter().map(|c| measured(find(*m, c))).collect())
                .collect();
            if breakdown.is_some() {
                let everyone = indicators::stored(tenant, indicator.id, None, since).await?;
                table.month_totals = Some(
                    months
                        .iter()
                        .map(|m| measured(everyone.iter().find(|s| s.month == *m)))
                        .collect(),
                );
            }
        }
    }
    Ok(table)
}

/// The month in French, « avril 2026 ».
pub fn month_label(month: Month) -> String {
    use chrono::Datelike;
    let day = month.first_day();
    format!(
        "{} {}",
        crate::dates::MONTHS[day.month0() as usize],
        day.year()
    )
}

/// What the table says, in a sentence or two, beside the chart (its text alternative).
pub fn summary(table: &Table) -> String {
    let unit = table.indicator.unit;
    let everyone = table.everyone();
    let shown: Vec<(Month, f64)> = table
        .months
        .iter()
        .zip(&everyone)
        .filter_map(|(m, c)| Some((*m, c.value()?)))
        .collect();
    let Some((last_month, last)) = shown.last().copied() else {
        return if table.months.is_empty() {
            "Rien à compter sur cette période (les chiffres sont recalculés chaque nuit)."
                .to_owned()
        } else {
            "Chaque mois de la période porte sur trop peu de personnes pour être montré (secret statistique).".to_owned()
        };
    };
    let mut text = format!(
        "{} : {}",
        capitalized(&month_label(last_month)),
        format_value(last, unit)
    );
    if let Some((before_month, before)) = shown.iter().rev().nth(1) {
        text.push_str(&format!(
            ", contre {} en {}",
            format_value(*before, unit),
            month_label(*before_month)
        ));
    }
    text.push('.');
    if let Some(Cell::Value(total)) = table.period_totals.as_ref().and_then(|t| t.last()) {
        let first = table.months[0];
        text.push_str(&format!(
            " De {} à {} : {} en tout.",
            month_label(first),
            month_label(*table.months.last().expect("not empty")),
            format_value(*total, unit)
        ));
    }
    text
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_in_french() {
        assert_eq!(format_value(1234.0, Unit::Count), "1\u{202f}234");
        assert_eq!(format_value(12.0, Unit::Days), "12");
        assert_eq!(format_value(12.5, Unit::Days), "12,5");
        assert_eq!(format_value(0.456, Unit::Share), "46\u{a0}%");
        assert_eq!(Cell::Secret.text(Unit::Count), "s");
        assert_eq!(Period::parse(Some("24")), Period::Months(24));
        assert_eq!(Period::parse(Some("n'importe")), Period::Months(12));
        assert_eq!(month_label(Month::parse("2026-08").unwrap()), "août 2026");
    }
}
