//! The module's indicators (statistics): contacts by channel, appointments held and missed,
//! and citizens' messages answered within 48 hours, by month. Computed from the module's own
//! tables; the statistics part stores them.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tenants::Tenant;

use super::Channel;
use super::appointments::State;
use crate::entity::{appointment, appointment_slot, contact, message};
use crate::modules::Boxed;
use crate::statistics::indicators::{Figure, Indicator, Indicators, Month, Summary, Tally, Unit};

pub static INDICATORS: Indicators = Indicators {
    list: &[
        Indicator {
            id: "user_relations.contacts",
            name: "Contacts avec les usagers",
            definition: "Contacts notés par les agents dans le mois (visite, appel, courrier, courriel), messages sécurisés non compris.",
            unit: Unit::Count,
            breakdowns: &["canal"],
        },
        Indicator {
            id: "user_relations.appointments_held",
            name: "Rendez-vous honorés",
            definition: "Rendez-vous du mois auxquels l'usager est venu, selon l'agent qui l'a reçu.",
            unit: Unit::Count,
            breakdowns: &[],
        },
        Indicator {
            id: "user_relations.appointments_missed",
            name: "Rendez-vous non honorés",
            definition: "Rendez-vous du mois auxquels l'usager n'est pas venu sans avoir annulé.",
            unit: Unit::Count,
            breakdowns: &[],
        },
        Indicator {
            id: "user_relations.answered_48h",
            name: "Messages traités en 48 heures",
            definition: "Parmi les messages d'usagers reçus dans le mois qui attendaient une réponse, part de ceux auxquels un agent a répondu dans les 48 heures.",
            unit: Unit::Share,
            breakdowns: &[],
        },
    ],
    unlisted: &[],
    signals: &[],
    returns: &[],
    local_labels: &[],
    compute,
};

/// The channel's code in the shared nomenclature `canal`.
pub fn channel_code(channel: Channel) -> &'static str {
    match channel {
        Channel::Visit => "accueil",
        Channel::Call => "telephone",
        Channel::Letter => "courrier",
        Channel::Mail => "courriel",
    }
}

fn compute(
    tenant: &Tenant,
    since: Option<NaiveDate>,
    today: NaiveDate,
) -> Boxed<'_, Result<Vec<Figure>, DbErr>> {
    Box::pin(async move {
        let since = since.map(Month::of);
        let counted = |month: Month| since.is_none_or(|s| month >= s);
        let txn = tenant.db().begin().await?;
        let mut tally = Tally::default();
        for c in contact::Entity::find().all(&txn).await? {
            let (Some(day), Some(channel)) =
                (crate::dates::parse_day(&c.day), Channel::parse(&c.channel))
            else {
                continue;
            };
            let month = Month::of(day);
            if counted(month) {
                tally.count(
                    "user_relations.contacts",
                    month,
                    Some(("canal", channel_code(channel))),
                );
            }
        }
        let starts: HashMap<i64, DateTime<Utc>> = appointment_slot::Entity::find()
            .all(&txn)
            .await?
            .into_iter()
            .map(|s| (s.id, s.starts_at))
            .collect();
        for a in appointment::Entity::find()
            .filter(appointment::Column::State.is_in([State::Attended, State::Missed]))
            .all(&txn)
            .await?
        {
            let Some(month) = starts
                .get(&a.slot_id)
                .map(|at| Month::of(crate::dates::day_of(*at)))
            else {
                continue;
            };
            if counted(month) {
                let indicator = if a.state == State::Attended {
                    "user_relations.appointments_held"
                } else {
                    "user_relations.appointments_missed"
                };
                tally.count(indicator, month, None);
            }
        }
        // Who wrote when, never what: the bodies stay in the store.
        let messages: Vec<Said> = message::Entity::find()
            .select_only()
            .columns([
                message::Column::ThreadId,
                message::Column::Author,
                message::Column::CreatedAt,
            ])
            .order_by_asc(message::Column::ThreadId)
            .order_by_asc(message::Column::CreatedAt)
            .into_tuple()
            .all(&txn)
            .await?;
        txn.commit().await?;
        for (asked_at, answered) in awaited(&messages) {
            let month = Month::of(crate::dates::day_of(asked_at));
            if counted(month) {
                let in_time =
                    answered.is_some_and(|at| at - asked_at <= chrono::Duration::hours(48));
                tally.sample(
                    "user_relations.answered_48h",
                    month,
                    None,
                    f64::from(u8::from(in_time)),
                );
            }
        }
        Ok(tally.figures(today, &[("user_relations.answered_48h", Summary::Share)]))
    })
}

/// A message's thread, author (`citizen` or `staff`) and moment.
type Said = (i64, String, DateTime<Utc>);

/// Each citizen's message that waited for the department (the first of the citizen's in a row),
/// with when an agent answered it, if one did. `messages` by thread, then in order.
fn awaited(messages: &[Said]) -> Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let mut waiting = Vec::new();
    let mut open: Option<(i64, DateTime<Utc>)> = None;
    for (thread_id, author, at) in messages {
        if open.is_some_and(|(thread, _)| thread != *thread_id) {
            waiting.push((open.take().expect("checked").1, None));
        }
        match (author.as_str(), open) {
            ("citizen", None) => open = Some((*thread_id, *at)),
            ("staff", Some((_, asked))) => {
                waiting.push((asked, Some(*at)));
                open = None;
            }
            _ => {}
        }
    }
    waiting.extend(open.map(|(_, asked)| (asked, None)));
    waiting
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(thread_id: i64, author: &str, hour: i64) -> Said {
        (
            thread_id,
            author.into(),
            DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::hours(hour),
        )
    }

    #[test]
    fn a_citizens_message_waits_until_an_agent_answers_in_its_thread() {
        let at = |hour| DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::hours(hour);
        let waited = awaited(&[
            message(1, "citizen", 0),
            message(1, "citizen", 1),
            message(1, "staff", 50),
            message(1, "citizen", 60),
            message(2, "staff", 0),
            message(2, "citizen", 5),
            message(2, "staff", 6),
        ]);
        assert_eq!(
            waited,
            [(at(0), Some(at(50))), (at(60), None), (at(5), Some(at(6))),]
        );
    }
}
