//! Referents (CASF L.262-27): the officer names, for each person followed, a referent among
//! the department's insertion referents — one by one or for many at once — and hands them
//! over to another, the history kept. People without one are listed.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::Desk;
use super::clock::{Entered, PeoplePage};
use crate::entity::{insertion_person, insertion_referent};
use crate::listing::PageAt;
use crate::staff::{Role, StaffAccount};

/// People per page of the list without referent (the same as the list to orient).
pub const PAGE: u64 = super::clock::PAGE;
/// The longest hand-over note kept.
pub const NOTE_MAX: usize = 500;

/// Why a referent cannot be named, in French.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("seul un officier d'orientation désigne les référents")]
    NotOfficer,
    #[error(
        "ce compte n'est pas celui d'un référent insertion actif de ce département : choisissez un référent de la liste"
    )]
    NotAReferent,
    #[error("cochez au moins une personne")]
    NobodyChosen,
    #[error("{0} est déjà le référent de cette personne")]
    Already(String),
}

/// The referents a department may name: its active accounts holding the role.
pub fn candidates(accounts: Vec<StaffAccount>) -> Vec<StaffAccount> {
    let mut referents: Vec<StaffAccount> = accounts
        .into_iter()
        .filter(|a| a.active && a.has_role(Role::InsertionReferent))
        .collect();
    referents.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    referents
}

/// A person's referents, the current one first.
pub async fn of_person(
    desk: &Desk<'_>,
    person_id: i64,
) -> Result<Vec<insertion_referent::Model>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let rows = insertion_referent::Entity::find()
        .filter(insertion_referent::Column::PersonId.eq(person_id))
        .order_by_desc(insertion_referent::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// The people followed (subject to rights and duties, still named by the files) who have no
/// referent now.
pub(super) fn without_referent() -> Condition {
    super::clock::followed().add(insertion_person::Column::ReferentId.is_null())
}

/// A page of the people without referent, longest known first, and how many there are.
pub async fn people_without(desk: &Desk<'_>, at: &PageAt<Entered>) -> Result<PeoplePage, DbErr> {
    super::clock::page_of(desk, super::clock::PeopleList::WithoutReferent, &[], at).await
}

/// Names `referent` for each of `person_ids` from `today`, handing over from whoever had them;
/// all or none. `referent` must be one of [`candidates`]: the caller read them from the
/// department's accounts.
pub async fn assign(
    desk: &Desk<'_>,
    person_ids: &[i64],
    referent: &StaffAccount,
    candidates: &[StaffAccount],
    note: &str,
    today: NaiveDate,
) -> Result<Result<u64, Refusal>, DbErr> {
    if !desk.account().has_role(Role::InsertionOrientation) {
        return Ok(Err(Refusal::NotOfficer));
    }
    if !candidates.iter().any(|c| c.id == referent.id) {
        return Ok(Err(Refusal::NotAReferent));
    }
    if person_ids.is_empty() {
        return Ok(Err(Refusal::NobodyChosen));
    }
    let note: String = note.trim().chars().take(NOTE_MAX).collect();
    let txn = desk.tenant().db().begin_write().await?;
    // Only this department's people: an id of elsewhere, or made up, is not found here.
    let people = insertion_person::Entity::find()
        .filter(insertion_person::Column::Id.is_in(person_ids.iter().copied()))
        .all(&txn)
        .await?;
    let current = insertion_referent::Entity::find()
        .filter(insertion_referent::Column::PersonId.is_in(people.iter().map(|p| p.id)))
        .filter(insertion_referent::Column::ToOn.is_null())
        .all(&txn)
        .await?;
    if let [one] = people.as_slice()
        && current
            .iter()
            .any(|c| c.person_id == one.id && c.staff_id == referent.id)
    {
        txn.commit().await?;
        return Ok(Err(Refusal::Already(referent.display_name.clone())));
    }
    // Those who already have this referent are left as they are.
    let keep: Vec<i64> = current
        .iter()
        .filter(|c| c.staff_id == referent.id)
        .map(|c| c.person_id)
        .collect();
    let handed_over: Vec<i64> = current
        .iter()
        .filter(|c| c.staff_id != referent.id)
        .map(|c| c.id)
        .collect();
    insertion_referent::Entity::update_many()
        .col_expr(insertion_referent::Column::ToOn, Expr::value(today))
        .filter(insertion_referent::Column::Id.is_in(handed_over))
        .exec(&txn)
        .await?;
    // The person's row says who follows them now (lists and figures read it).
    insertion_person::Entity::update_many()
        .col_expr(
            insertion_person::Column::ReferentId,
            Expr::value(referent.id),
        )
        .filter(insertion_person::Column::Id.is_in(people.iter().map(|p| p.id)))
        .exec(&txn)
        .await?;
    let mut journal = Vec::new();
    let mut named = 0;
    for person in people.iter().filter(|p| !keep.contains(&p.id)) {
        insertion_referent::ActiveModel {
            person_id: Set(person.id),
            citizen_id: Set(person.citizen_id),
            staff_id: Set(referent.id),
            staff_name: Set(referent.display_name.clone()),
            from_on: Set(today),
            to_on: Set(None),
            assigned_by: Set(desk.account().id),
            assigned_by_name: Set(desk.account().display_name.clone()),
            note: Set(note.clone()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let had_one = current.iter().any(|c| c.person_id == person.id);
        journal.push(desk.file_event(
            person.citizen_id,
            if had_one {
                "changement de votre référent RSA"
            } else {
                "désignation de votre référent RSA"
            },
            &format!("personne suivie n° {}", person.id),
            super::FOLLOW_UP,
        ));
        named += 1;
    }
    crate::audit::append_in(&txn, &journal).await?;
    txn.commit().await?;
    Ok(Ok(named))
}
