//! The module's early-detection rules (`statistics::detection`): people subject to rights and
//! duties still without an orientation after 4 weeks, and households whose right was closed
//! after its payment was suspended for want of the quarterly return.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, Months, NaiveDate};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use tenants::Tenant;

use super::clock::to_orient;
use super::flux::RightState;
use super::people::EventKind;
use crate::entity::{insertion_person, insertion_right_event};
use crate::modules::Boxed;
use crate::statistics::detection::{Signal, Situation};

pub static SIGNALS: [Signal; 2] = [
    Signal {
        id: "insertion.not_oriented",
        name: "Bénéficiaires du RSA sans orientation après 4 semaines",
        explanation: "Une personne soumise aux droits et devoirs est entrée dans le RSA il y a plus de 4 semaines et n'a pas encore d'orientation. Sans orientation, elle n'a ni référent ni accompagnement : un contact peut lever ce qui bloque (adresse, convocation manquée).",
        find: not_oriented,
    },
    Signal {
        id: "insertion.closed_without_return",
        name: "Foyers dont le droit au RSA a été clos faute de déclaration trimestrielle",
        explanation: "Dans les 6 derniers mois, le versement du RSA d'un foyer a été suspendu parce que sa déclaration trimestrielle de ressources n'était pas arrivée, puis son droit a été clos. Le foyer y a peut-être encore droit : un contact peut l'aider à refaire sa déclaration ou sa demande.",
        find: closed_without_return,
    },
];

/// Days after entering the RSA without an orientation after which a person is worth a call.
pub const NOT_ORIENTED_DAYS: u64 = 28;

/// The funds' reason for a payment suspended because the quarterly return was not sent
/// (`MOTISUSVERSRSA` 06).
pub const NO_QUARTERLY_RETURN: &str = "06";

/// Months back a closure is still worth a call.
pub const CLOSED_MONTHS: u32 = 6;

/// People to orient who entered more than [`NOT_ORIENTED_DAYS`] ago, the longest waiting first.
fn not_oriented(tenant: &Tenant, today: NaiveDate) -> Boxed<'_, Result<Vec<Situation>, DbErr>> {
    Box::pin(async move {
        let txn = tenant.db().begin().await?;
        let people = insertion_person::Entity::find()
            .filter(to_orient())
            .filter(insertion_person::Column::EnteredOn.lte(today - Days::new(NOT_ORIENTED_DAYS)))
            .order_by_asc(insertion_person::Column::EnteredOn)
            .order_by_asc(insertion_person::Column::Id)
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(people
            .iter()
            .map(|p| {
                let what = format!(
                    "Entrée dans le RSA le {}, sans orientation",
                    crate::dates::on(p.entered_on)
                );
                situation(p, what, p.entered_on)
            })
            .collect())
    })
}

/// Households whose right closed in the last [`CLOSED_MONTHS`] after a suspension for want of
/// the quarterly return, and is still closed: one line per household, the latest first.
fn closed_without_return(
    tenant: &Tenant,
    today: NaiveDate,
) -> Boxed<'_, Result<Vec<Situation>, DbErr>> {
    Box::pin(async move {
        let closed = [RightState::Closed, RightState::ClosedEarlier];
        let txn = tenant.db().begin().await?;
        let closures = insertion_right_event::Entity::find()
            .filter(insertion_right_event::Column::Kind.eq(EventKind::Change))
            .filter(insertion_right_event::Column::RightState.is_in(closed))
            .filter(
                insertion_right_event::Column::HappenedOn.gte(today - Months::new(CLOSED_MONTHS)),
            )
            .order_by_desc(insertion_right_event::Column::HappenedOn)
            .all(&txn)
            .await?;
        let ids: BTreeSet<i64> = closures.iter().map(|e| e.person_id).collect();
        let mut suspended: BTreeMap<i64, NaiveDate> = BTreeMap::new();
        let mut people: BTreeMap<i64, insertion_person::Model> = BTreeMap::new();
        for chunk in ids.iter().copied().collect::<Vec<_>>().chunks(500) {
            for e in insertion_right_event::Entity::find()
                .filter(insertion_right_event::Column::PersonId.is_in(chunk.iter().copied()))
                .filter(insertion_right_event::Column::RightState.eq(RightState::PaymentSuspended))
                .filter(insertion_right_event::Column::Reason.eq(NO_QUARTERLY_RETURN))
                .all(&txn)
                .await?
            {
                suspended.insert(e.person_id, e.happened_on);
            }
            for p in insertion_person::Entity::find()
                .filter(insertion_person::Column::Id.is_in(chunk.iter().copied()))
                .filter(insertion_person::Column::RightState.is_in(closed))
                .all(&txn)
                .await?
            {
                people.insert(p.id, p);
            }
        }
        txn.commit().await?;
        let mut households = BTreeSet::new();
        Ok(closures
            .into_iter()
            .filter(|e| suspended.get(&e.person_id).is_some_and(|s| *s <= e.happened_on))
            .filter_map(|e| {
                let p = people.get(&e.person_id)?;
                // Applicant and partner share the household's right: one call for both.
                households
                    .insert((p.fund.clone(), p.matricule.clone()))
                    .then(|| {
                        let what = format!(
                            "Droit clos le {} après une suspension faute de déclaration trimestrielle",
                            crate::dates::on(e.happened_on)
                        );
                        situation(p, what, e.happened_on)
                    })
            })
            .collect())
    })
}

/// A person's situation as the module's lists name them: by name, their file to open.
fn situation(person: &insertion_person::Model, what: String, since: NaiveDate) -> Situation {
    Situation {
        citizen_id: person.citizen_id,
        who: format!("{} {}", person.family_name, person.given_name),
        what,
        since,
        file: format!("/agents/insertion/personnes/{}", person.id),
    }
}
