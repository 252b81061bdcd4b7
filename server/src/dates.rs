//! Moments as people in the department read them: in French, on the department's clock.
//! Stores hold UTC; every page, letter and export that shows a moment goes through here, so no
//! page shows a time an hour or two off.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Paris;

/// The months' names, January first, as written in a French sentence.
pub const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// "04/12/2026 à 09:30", local time.
pub fn date_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Paris)
        .format("%d/%m/%Y à %H:%M")
        .to_string()
}

/// "04/12/2026", the local day.
pub fn day(at: DateTime<Utc>) -> String {
    at.with_timezone(&Paris).format("%d/%m/%Y").to_string()
}

/// "04/12/2026": a calendar day (a deadline, a date of entry), as written in France.
pub fn on(day: chrono::NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// A day as typed: `2027-01-15` (a date field) or `15/01/2027`.
pub fn parse_day(raw: &str) -> Option<chrono::NaiveDate> {
    let raw = raw.trim();
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(raw, "%d/%m/%Y"))
        .ok()
}

/// Today in the department.
pub fn today() -> chrono::NaiveDate {
    day_of(Utc::now())
}

/// The department's calendar day at a moment.
pub fn day_of(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.with_timezone(&Paris).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_shown_on_the_local_clock() {
        let winter = "2026-12-04T23:30:00Z".parse().unwrap();
        assert_eq!(date_time(winter), "05/12/2026 à 00:30");
        assert_eq!(day(winter), "05/12/2026");
        let summer = "2026-07-01T08:00:00Z".parse().unwrap();
        assert_eq!(date_time(summer), "01/07/2026 à 10:00");
    }
}
