//! The orientation clock: the department orients each person subject to rights and duties
//! within 6 weeks of receiving the information that opened their right (D.262-65-2), or France
//! Travail does. Counted from the date of entry (the file's creation date), never from the
//! import's.

use chrono::NaiveDate;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::Desk;
use super::flux::RightState;
use crate::entity::{insertion_person, insertion_right_event};
use crate::listing::{self, PageAt, Total};

/// The legal delay to orient, in days.
pub const ORIENTATION_DAYS: i64 = 42;
/// From how many days left the list warns.
pub const ALERT_DAYS: i64 = 7;
/// People per page of the list.
pub const PAGE: u64 = 50;

/// The states of a right that make someone a beneficiary to follow.
const FOLLOWED: [RightState; 4] = [
    RightState::Applied,
    RightState::Open,
    RightState::RightSuspended,
    RightState::PaymentSuspended,
];

/// How close a deadline is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    Overdue,
    Soon,
    Later,
}

/// The clock of one person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    pub deadline: NaiveDate,
    pub days_left: i64,
}

impl Clock {
    pub fn from_entry(entered_on: NaiveDate, today: NaiveDate) -> Self {
        Self::until(entered_on + chrono::Duration::days(ORIENTATION_DAYS), today)
    }

    /// The clock of any deadline (the month to sign a contract…).
    pub fn until(deadline: NaiveDate, today: NaiveDate) -> Self {
        Self {
            deadline,
            days_left: (deadline - today).num_days(),
        }
    }

    pub fn urgency(self) -> Urgency {
        match self.days_left {
            d if d < 0 => Urgency::Overdue,
            d if d <= ALERT_DAYS => Urgency::Soon,
            _ => Urgency::Later,
        }
    }

    /// In words: « 12 jours restants », « dernier jour », « dépassé de 3 jours ».
    pub fn words(self) -> String {
        match self.days_left {
            0 => "Dernier jour".to_owned(),
            1 => "1 jour restant".to_owned(),
            d if d > 1 => format!("{d} jours restants"),
            -1 => "Dépassé de 1 jour".to_owned(),
            d => format!("Dépassé de {} jours", -d),
        }
    }
}

/// The people followed: subject to rights and duties, still named by the files.
pub(super) fn followed() -> Condition {
    Condition::all()
        .add(insertion_person::Column::RightsAndDuties.eq(true))
        .add(insertion_person::Column::LeftOn.is_null())
}

/// Who is to be oriented: followed, a right open or applied for, never oriented. (An
/// orientation decided stays in force until the next one: `orientation_days`, set by the
/// first decision, says whether there is one, without reading the orientations.)
pub(super) fn to_orient() -> Condition {
    followed()
        .add(insertion_person::Column::RightState.is_in(FOLLOWED))
        .add(insertion_person::Column::OrientationDays.is_null())
}

/// A person's place in the lists of people: the longest known first, then by id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entered(pub NaiveDate, pub i64);

impl Entered {
    /// As an address carries it (`2026-11-06~123`).
    pub fn encode(&self) -> String {
        format!("{}~{}", self.0, self.1)
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let (date, id) = raw.rsplit_once('~')?;
        Some(Self(date.parse().ok()?, id.parse().ok()?))
    }
}

impl listing::Position for Entered {
    fn columns_and_values(&self) -> (Vec<Expr>, Vec<Expr>) {
        (
            vec![
                Expr::col(insertion_person::Column::EnteredOn),
                Expr::col(insertion_person::Column::Id),
            ],
            vec![Expr::value(self.0), Expr::value(self.1)],
        )
    }

    fn ascending(&self) -> bool {
        true
    }
}

/// A page of a list of people, and how many the list holds.
pub type PeoplePage = (listing::Page<insertion_person::Model, Entered>, Total);

/// A page of the people to orient, the nearest deadline first, and how many there are.
/// `words` narrow it to names holding each of them.
pub async fn people_to_orient(
    desk: &Desk<'_>,
    words: &[String],
    at: &PageAt<Entered>,
) -> Result<PeoplePage, DbErr> {
    page_of(desk, PeopleList::ToOrient, words, at).await
}

/// A list of the people followed that an officer works through, the longest known first. Each
/// gives both its rows' condition and its whole total from the kept counts (tenant migration
/// m0048), so the two cannot disagree.
#[derive(Clone, Copy, Debug)]
pub(super) enum PeopleList {
    /// [`to_orient`]: followed, a right to follow, no orientation decided.
    ToOrient,
    /// `referents::without_referent`: followed, no referent.
    WithoutReferent,
}

impl PeopleList {
    fn condition(self) -> Condition {
        match self {
            Self::ToOrient => to_orient(),
            Self::WithoutReferent => super::referents::without_referent(),
        }
    }

    /// The whole total: a sum over `insertion_people_counts` (at most 28 rows), which counts
    /// only the people followed.
    async fn kept_total(self, txn: &DatabaseTransaction) -> Result<Total, DbErr> {
        // PostgreSQL sums a BIGINT into a NUMERIC.
        let mut query = Query::select()
            .expr_as(
                Expr::cust("CAST(COALESCE(SUM(count), 0) AS BIGINT)"),
                Alias::new("total"),
            )
            .from(Alias::new("insertion_people_counts"))
            .to_owned();
        match self {
            Self::ToOrient => query
                .and_where(Expr::col(Alias::new("oriented")).eq(0))
                .and_where(
                    Expr::col(Alias::new("right_state"))
                        .is_in(FOLLOWED.iter().map(|state| state.to_value())),
                ),
            Self::WithoutReferent => query.and_where(Expr::col(Alias::new("with_referent")).eq(0)),
        };
        Ok(Total::Exact(listing::read_total(txn, &query).await?))
    }
}

/// A page of `list` from `at`, the longest known first (the nearest deadline), narrowed to the
/// names holding each of `words`, and how many there are: the kept total of the whole list, or
/// counted up to [`listing::COUNTED_UP_TO`] when words narrow it.
pub(super) async fn page_of(
    desk: &Desk<'_>,
    list: PeopleList,
    words: &[String],
    at: &PageAt<Entered>,
) -> Result<PeoplePage, DbErr> {
    use insertion_person::Column as C;
    let mut condition = list.condition();
    for word in words {
        condition = condition.add(
            Condition::any()
                .add(crate::search::holds_word(Expr::col(C::FamilyName), word))
                .add(crate::search::holds_word(Expr::col(C::GivenName), word)),
        );
    }
    let txn = desk.tenant().db().begin().await?;
    let total = if words.is_empty() {
        list.kept_total(&txn).await?
    } else {
        listing::count_up_to(
            &txn,
            insertion_person::Entity::find().filter(condition.clone()),
        )
        .await?
    };
    let page = listing::read(
        &txn,
        vec![insertion_person::Entity::find().filter(condition)],
        |query, order| {
            query
                .order_by(C::EnteredOn, order.clone())
                .order_by(C::Id, order)
        },
        |p: &insertion_person::Model| Entered(p.entered_on, p.id),
        at,
        PAGE,
    )
    .await?;
    txn.commit().await?;
    Ok((page, total))
}

/// A person the module follows, to act on (the change it makes is journaled, not this read).
pub async fn find_person(
    desk: &Desk<'_>,
    id: i64,
) -> Result<Option<insertion_person::Model>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let person = insertion_person::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    Ok(person)
}

/// A person the module follows, and the timeline of their right, journaled as a read of
/// their file.
pub async fn person(
    desk: &Desk<'_>,
    id: i64,
) -> Result<Option<(insertion_person::Model, Vec<insertion_right_event::Model>)>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let Some(person) = insertion_person::Entity::find_by_id(id).one(&txn).await? else {
        txn.commit().await?;
        return Ok(None);
    };
    let events = insertion_right_event::Entity::find()
        .filter(insertion_right_event::Column::PersonId.eq(id))
        .order_by_asc(insertion_right_event::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    desk.audit_file(
        person.citizen_id,
        "consultation de votre suivi RSA",
        &format!("personne suivie n° {id}"),
        super::FOLLOW_UP,
    )
    .await?;
    Ok(Some((person, events)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_runs_six_weeks_from_entry() {
        let entry = NaiveDate::from_ymd_opt(2026, 11, 6).unwrap();
        let clock = Clock::from_entry(entry, entry);
        assert_eq!(
            clock.deadline,
            NaiveDate::from_ymd_opt(2026, 12, 18).unwrap()
        );
        assert_eq!(clock.days_left, 42);
        assert_eq!(clock.urgency(), Urgency::Later);
        let late = Clock::from_entry(entry, NaiveDate::from_ymd_opt(2026, 12, 21).unwrap());
        assert_eq!(late.urgency(), Urgency::Overdue);
        assert_eq!(late.words(), "Dépassé de 3 jours");
        let soon = Clock::from_entry(entry, NaiveDate::from_ymd_opt(2026, 12, 11).unwrap());
        assert_eq!(
            (soon.urgency(), soon.words()),
            (Urgency::Soon, "7 jours restants".to_owned())
        );
        let last = Clock::from_entry(entry, clock.deadline);
        assert_eq!(last.words(), "Dernier jour");
    }
}
