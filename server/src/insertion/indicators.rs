//! The module's indicators, for the referents' supervisor (figures only, no names): people
//! subject to rights and duties, those still to orient and their deadlines, the share oriented
//! within 42 days of entry and the average delay, orientations by track, people without a
//! referent, the share with a contract signed within the month after their first orientation,
//! the average delay from orientation to the first meeting attended, sanction cases pending
//! and sanctions in force. Counted from the date of entry (when the department received the information),
//! never from the import's.

use sea_orm::sea_query::{CaseStatement, Expr, Func, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use tenants::Tenant;

use super::clock::{ALERT_DAYS, ORIENTATION_DAYS, followed, to_orient};
use super::orientation::{OrientationStatus, Track};
use super::referents::without_referent;
use crate::entity::{insertion_orientation, insertion_person};

/// The people's counts, read in one pass over the table.
#[derive(Debug, FromQueryResult)]
struct Counts {
    followed: Option<i64>,
    waiting: Option<i64>,
    overdue: Option<i64>,
    soon: Option<i64>,
    in_cohort: Option<i64>,
    in_time: Option<i64>,
    oriented: Option<i64>,
    days: Option<i64>,
    without_referent: Option<i64>,
    contract_cohort: Option<i64>,
    contract_in_time: Option<i64>,
}

/// 1 for the rows `condition` holds for, summed.
fn how_many(condition: Condition) -> SimpleExpr {
    Func::sum(Expr::expr(
        CaseStatement::new()
            .case(condition, Expr::val(1))
            .finally(Expr::val(0)),
    ))
    .into()
}

/// The figures, label and value, in reading order.
pub async fn figure_lines(tenant: &Tenant) -> Result<Vec<(String, String)>, DbErr> {
    let (counts, by_track) = read(tenant).await?;
    let (pending, in_force) = super::sanctions::counts(tenant).await?;
    let names = super::settings::read(tenant).await?;
    let mut lines = lines(&counts, &by_track, &names);
    lines.push((
        "Délai moyen entre l’orientation et le premier rendez-vous honoré".to_owned(),
        first_meetings(tenant).await?,
    ));
    lines.push((
        "Procédures de sanction en cours".to_owned(),
        pending.to_string(),
    ));
    lines.push(("Sanctions en cours".to_owned(), in_force.to_string()));
    Ok(lines)
}

/// The people's counts in one pass, and the orientations in force by track.
async fn read(tenant: &Tenant) -> Result<(Counts, Vec<(Track, i64)>), DbErr> {
    let today = crate::dates::today();
    let clock_over = today - chrono::Duration::days(ORIENTATION_DAYS);
    let soon_before = clock_over + chrono::Duration::days(ALERT_DAYS + 1);
    // Those whose 42 days are over (left since or not), and among them those oriented in time.
    let cohort = Condition::all()
        .add(insertion_person::Column::RightsAndDuties.eq(true))
        .add(insertion_person::Column::EnteredOn.lte(clock_over));
    let in_time = insertion_person::Column::OrientationDays
        .lte(i32::try_from(ORIENTATION_DAYS).unwrap_or(42));
    let oriented = insertion_person::Column::OrientationDays.is_not_null();
    // Those whose month to sign is over, or who signed already (in time or not).
    let month_ago = today
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(today);
    let contract_cohort = Condition::any()
        .add(insertion_person::Column::OrientedOn.lte(month_ago))
        .add(insertion_person::Column::ContractInTime.is_not_null());
    let txn = tenant.db().begin().await?;
    let counts = insertion_person::Entity::find()
        .select_only()
        .column_as(how_many(followed()), "followed")
        .column_as(how_many(to_orient()), "waiting")
        .column_as(
            how_many(to_orient().add(insertion_person::Column::EnteredOn.lt(clock_over))),
            "overdue",
        )
        .column_as(
            how_many(
                to_orient()
                    .add(insertion_person::Column::EnteredOn.gte(clock_over))
                    .add(insertion_person::Column::EnteredOn.lt(soon_before)),
            ),
            "soon",
        )
        .column_as(how_many(cohort.clone()), "in_cohort")
        .column_as(how_many(cohort.add(in_time)), "in_time")
        .column_as(how_many(Condition::all().add(oriented)), "oriented")
        .column_as(insertion_person::Column::OrientationDays.sum(), "days")
        .column_as(how_many(without_referent()), "without_referent")
        .column_as(how_many(contract_cohort), "contract_cohort")
        .column_as(
            how_many(Condition::all().add(insertion_person::Column::ContractInTime.eq(true))),
            "contract_in_time",
        )
        .into_model::<Counts>()
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::Custom("no counts".into()))?;
    let by_track: Vec<(Track, i64)> = insertion_orientation::Entity::find()
        .select_only()
        .column(insertion_orientation::Column::Track)
        .column_as(insertion_orientation::Column::Id.count(), "n")
        .filter(insertion_orientation::Column::Status.eq(OrientationStatus::Decided))
        .filter(insertion_orientation::Column::EndsOn.is_null())
        .group_by(insertion_orientation::Column::Track)
        .into_tuple()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok((counts, by_track))
}

fn lines(
    counts: &Counts,
    by_track: &[(Track, i64)],
    names: &super::settings::Settings,
) -> Vec<(String, String)> {
    let n = |v: Option<i64>| u64::try_from(v.unwrap_or(0)).unwrap_or(0);
    let (followed, waiting, overdue, soon) = (
        n(counts.followed),
        n(counts.waiting),
        n(counts.overdue),
        n(counts.soon),
    );
    let (in_cohort, in_time, oriented) =
        (n(counts.in_cohort), n(counts.in_time), n(counts.oriented));
    let days = counts.days;
    let without_referent = n(counts.without_referent);

    let mut lines = vec![
        (
            "Personnes soumises aux droits et devoirs".to_owned(),
            followed.to_string(),
        ),
        ("Personnes à orienter".to_owned(), waiting.to_string()),
        (
            format!("Dont le délai de {ORIENTATION_DAYS} jours est dépassé"),
            overdue.to_string(),
        ),
        (
            format!("Dont le délai échoit dans {ALERT_DAYS} jours ou moins"),
            soon.to_string(),
        ),
        (
            format!("Orientées dans les {ORIENTATION_DAYS} jours suivant leur entrée"),
            share(in_time, in_cohort),
        ),
        (
            "Délai moyen entre l'entrée et l'orientation".to_owned(),
            match (oriented, days) {
                (n, Some(total)) if n > 0 => {
                    format!("{:.1} jours", total as f64 / n as f64).replace('.', ",")
                }
                _ => "Aucune orientation".to_owned(),
            },
        ),
    ];
    for track in Track::ALL {
        let n = by_track
            .iter()
            .find(|(t, _)| *t == track)
            .map_or(0, |(_, n)| *n);
        lines.push((
            format!("Orientations en cours : {}", names.label(track)),
            n.to_string(),
        ));
    }
    lines.push((
        "Personnes suivies sans référent".to_owned(),
        without_referent.to_string(),
    ));
    lines.push((
        "Contrats signés dans le mois suivant l’orientation".to_owned(),
        share(n(counts.contract_in_time), n(counts.contract_cohort)),
    ));
    lines
}

/// An appointment attended through an invitation, and its person's orientation.
#[derive(Debug, FromQueryResult)]
struct Met {
    person_id: i64,
    oriented_on: chrono::NaiveDate,
    starts_at: chrono::DateTime<chrono::Utc>,
}

/// The average days from the orientation in force to the first meeting attended on or after
/// it, over the people who had one. Read from the invitations (a few rows per person invited),
/// never from the whole people table.
async fn first_meetings(tenant: &Tenant) -> Result<String, DbErr> {
    use crate::entity::{appointment, appointment_slot, insertion_invitation as invitation};
    use crate::user_relations::appointments::State;
    use sea_orm::ConnectionTrait as _;
    use sea_orm::sea_query::{ExprTrait as _, Query};
    let statement = Query::select()
        .column((invitation::Entity, invitation::Column::PersonId))
        .column((
            insertion_person::Entity,
            insertion_person::Column::OrientedOn,
        ))
        .column((appointment_slot::Entity, appointment_slot::Column::StartsAt))
        .from(invitation::Entity)
        .inner_join(
            appointment::Entity,
            Expr::col((appointment::Entity, appointment::Column::Id))
                .equals((invitation::Entity, invitation::Column::AppointmentId)),
        )
        .inner_join(
            appointment_slot::Entity,
            Expr::col((appointment_slot::Entity, appointment_slot::Column::Id))
                .equals((appointment::Entity, appointment::Column::SlotId)),
        )
        .inner_join(
            insertion_person::Entity,
            Expr::col((insertion_person::Entity, insertion_person::Column::Id))
                .equals((invitation::Entity, invitation::Column::PersonId)),
        )
        .and_where(
            Expr::col((appointment::Entity, appointment::Column::State)).eq(State::Attended.id()),
        )
        .and_where(
            Expr::col((
                insertion_person::Entity,
                insertion_person::Column::OrientedOn,
            ))
            .is_not_null(),
        )
        .to_owned();
    let txn = tenant.db().begin().await?;
    let rows = Met::find_by_statement(txn.get_database_backend().build(&statement))
        .all(&txn)
        .await?;
    txn.commit().await?;
    let mut first = std::collections::BTreeMap::<i64, i64>::new();
    for met in rows {
        let on = met
            .starts_at
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive();
        let days = (on - met.oriented_on).num_days();
        if days >= 0 {
            first
                .entry(met.person_id)
                .and_modify(|d| *d = Ord::min(*d, days))
                .or_insert(days);
        }
    }
    Ok(average_days(first.values().copied()))
}

/// « 4,5 jours (2 personnes) », or that nobody has had a meeting yet.
fn average_days(days: impl Iterator<Item = i64>) -> String {
    let (count, total) = days.fold((0i64, 0i64), |(n, sum), d| (n + 1, sum + d));
    match count {
        0 => "Aucun rendez-vous honoré après une orientation".to_owned(),
        1 => format!("{total} jours (1 personne)"),
        _ => format!(
            "{} jours ({count} personnes)",
            format!("{:.1}", total as f64 / count as f64).replace('.', ",")
        ),
    }
}

/// « 83 % (250 sur 301) », or that nobody's clock is over yet.
fn share(part: u64, whole: u64) -> String {
    match whole {
        0 => "Aucune personne dont le délai est écoulé".to_owned(),
        _ => format!("{} % ({part} sur {whole})", part * 100 / whole),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_say_their_counts() {
        assert_eq!(share(250, 301), "83 % (250 sur 301)");
        assert_eq!(share(0, 0), "Aucune personne dont le délai est écoulé");
    }

    #[test]
    fn the_first_meetings_average_says_how_many_people() {
        assert_eq!(average_days([4, 5].into_iter()), "4,5 jours (2 personnes)");
        assert_eq!(average_days([3].into_iter()), "3 jours (1 personne)");
        assert!(average_days(std::iter::empty()).starts_with("Aucun"));
    }
}

/// The module's indicators for the department's statistics, by month of entry (or of
/// orientation) and by age band at entry.
pub static STATISTICS: crate::statistics::indicators::Indicators =
    crate::statistics::indicators::Indicators {
        list: &[
            Indicator {
                id: "insertion.entered",
                name: "Entrées dans les droits et devoirs",
                definition: "Bénéficiaires du RSA entrés dans le mois dans les droits et devoirs (date à laquelle le département l'a appris), par âge à l'entrée.",
                unit: Unit::Count,
                breakdowns: BY_AGE,
            },
            Indicator {
                id: "insertion.oriented_in_time_share",
                name: "Part orientée dans les 42 jours",
                definition: "Parmi les personnes entrées dans le mois dont le délai de 42 jours est passé, part de celles orientées dans ce délai.",
                unit: Unit::Share,
                breakdowns: BY_AGE,
            },
            Indicator {
                id: "insertion.contract_in_time_share",
                name: "Part avec un contrat dans le mois suivant l'orientation",
                definition: "Parmi les personnes orientées dans le mois dont le mois pour signer est passé (ou qui ont signé), part de celles qui ont signé leur contrat dans le mois suivant l'orientation.",
                unit: Unit::Share,
                breakdowns: BY_AGE,
            },
        ],
        unlisted: &[],
        signals: &super::detection::SIGNALS,
        returns: &super::returns::OARSA,
        local_labels: &[crate::statistics::mapping::LocalLabels {
            nomenclature: super::returns::BODY_NOMENCLATURE,
            what: "Organismes référents des orientations (RSA)",
            list: super::returns::bodies,
        }],
        compute: statistics,
    };

use crate::statistics::indicators::{Figure, Indicator, Month, Summary, Tally, Unit};

const BY_AGE: &[&str] = &["age"];

#[derive(Debug, FromQueryResult)]
struct Entered {
    birth_date: Option<chrono::NaiveDate>,
    entered_on: chrono::NaiveDate,
    orientation_days: Option<i32>,
    oriented_on: Option<chrono::NaiveDate>,
    contract_in_time: Option<bool>,
}

fn statistics(
    tenant: &Tenant,
    since: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> crate::modules::Boxed<'_, Result<Vec<Figure>, DbErr>> {
    Box::pin(async move {
        let txn = tenant.db().begin().await?;
        let people = insertion_person::Entity::find()
            .select_only()
            .columns([
                insertion_person::Column::BirthDate,
                insertion_person::Column::EnteredOn,
                insertion_person::Column::OrientationDays,
                insertion_person::Column::OrientedOn,
                insertion_person::Column::ContractInTime,
            ])
            .filter(insertion_person::Column::RightsAndDuties.eq(true))
            .into_model::<Entered>()
            .all(&txn)
            .await?;
        txn.commit().await?;
        let since = since.map(Month::of);
        let counted = |month: Month| since.is_none_or(|s| month >= s);
        let clock_over = today - chrono::Duration::days(ORIENTATION_DAYS);
        let month_ago = today
            .checked_sub_months(chrono::Months::new(1))
            .unwrap_or(today);
        let mut tally = Tally::default();
        for p in &people {
            let age = p
                .birth_date
                .and_then(|born| p.entered_on.years_since(born))
                .map(crate::statistics::nomenclatures::age_band);
            let by = age.map(|band| ("age", band));
            let entered = Month::of(p.entered_on);
            if counted(entered) {
                tally.count("insertion.entered", entered, by);
                if p.entered_on <= clock_over {
                    let in_time = p
                        .orientation_days
                        .is_some_and(|d| i64::from(d) <= ORIENTATION_DAYS);
                    tally.sample(
                        "insertion.oriented_in_time_share",
                        entered,
                        by,
                        f64::from(u8::from(in_time)),
                    );
                }
            }
            let Some(oriented_on) = p.oriented_on else {
                continue;
            };
            let oriented = Month::of(oriented_on);
            if counted(oriented) && (oriented_on <= month_ago || p.contract_in_time.is_some()) {
                tally.sample(
                    "insertion.contract_in_time_share",
                    oriented,
                    by,
                    f64::from(u8::from(p.contract_in_time == Some(true))),
                );
            }
        }
        Ok(tally.figures(
            today,
            &[
                ("insertion.oriented_in_time_share", Summary::Share),
                ("insertion.contract_in_time_share", Summary::Share),
            ],
        ))
    })
}
