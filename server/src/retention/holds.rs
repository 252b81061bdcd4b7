//! Legal holds: while a dispute over a citizen's file is under way (an appeal, a claim, a
//! judge's request), nothing of theirs is removed at its term. Placed and lifted by the
//! department's administrators, with a reason; journaled in the citizen's file, which shows
//! the hold in its right of access.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    Set,
};
use tenants::Tenant;

use crate::audit;
use crate::citizens::Citizen;
use crate::citizens::file::{Item, Section, Sections, date, line};
use crate::entity::{citizen, legal_hold};
use crate::modules::{Boxed, section};
use crate::staff::StaffAccount;

/// The citizens whose data is kept whatever its age, sorted.
pub async fn held_citizens(tenant: &Tenant) -> Result<Vec<i64>, DbErr> {
    let txn = tenant.db().begin().await?;
    let held = held_in(&txn).await?;
    txn.commit().await?;
    Ok(held)
}

/// [`held_citizens`], read in `txn`.
pub async fn held_in(txn: &sea_orm::DatabaseTransaction) -> Result<Vec<i64>, DbErr> {
    let mut held: Vec<i64> = legal_hold::Entity::find()
        .filter(legal_hold::Column::LiftedAt.is_null())
        .all(txn)
        .await?
        .into_iter()
        .map(|h| h.citizen_id)
        .collect();
    held.sort_unstable();
    held.dedup();
    Ok(held)
}

/// A hold under way, with whose it is.
#[derive(Clone, Debug)]
pub struct Hold {
    pub id: i64,
    pub citizen_id: i64,
    pub citizen_name: String,
    pub reason: String,
    pub placed_at: chrono::DateTime<Utc>,
}

/// The holds under way, newest first.
pub async fn current(tenant: &Tenant) -> Result<Vec<Hold>, DbErr> {
    let txn = tenant.db().begin().await?;
    let holds = legal_hold::Entity::find()
        .filter(legal_hold::Column::LiftedAt.is_null())
        .order_by_desc(legal_hold::Column::Id)
        .all(&txn)
        .await?;
    let citizens = citizen::Entity::find()
        .filter(citizen::Column::Id.is_in(holds.iter().map(|h| h.citizen_id)))
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(holds
        .into_iter()
        .map(|h| Hold {
            id: h.id,
            citizen_id: h.citizen_id,
            citizen_name: citizens
                .iter()
                .find(|c| c.id == h.citizen_id)
                .map(|c| format!("{} {}", c.family_name, c.given_name))
                .unwrap_or_default(),
            reason: h.reason,
            placed_at: h.placed_at,
        })
        .collect())
}

/// Why a hold could not be placed, in French.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum HoldError {
    #[error(
        "Aucun usager ne porte ce numéro dans votre département : il figure sur sa fiche, après « Usager n° »."
    )]
    UnknownCitizen,
    #[error(
        "Indiquez la raison de la conservation (la référence du recours ou du litige), en 500 caractères au plus."
    )]
    Reason,
    #[error("Cette conservation est déjà levée, ou n'existe pas.")]
    UnknownHold,
}

/// Keeps everything of `citizen_id` until the hold is lifted; journaled in their file.
pub async fn place(
    tenant: &Tenant,
    citizen_id: i64,
    reason: &str,
    by: &StaffAccount,
) -> Result<Result<i64, HoldError>, DbErr> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Ok(Err(HoldError::Reason));
    }
    let txn = tenant.db().begin_write().await?;
    if citizen::Entity::find_by_id(citizen_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Ok(Err(HoldError::UnknownCitizen));
    }
    let hold = legal_hold::ActiveModel {
        citizen_id: Set(citizen_id),
        reason: Set(reason.to_owned()),
        placed_by: Set(by.id),
        placed_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append_in(
        &txn,
        &[journal_entry(
            by,
            "conservation pour litige",
            reason,
            citizen_id,
        )],
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(hold.id))
}

/// Ends hold `id`: the citizen's data is kept again only as long as its category says.
pub async fn lift(
    tenant: &Tenant,
    id: i64,
    by: &StaffAccount,
) -> Result<Result<(), HoldError>, DbErr> {
    let txn = tenant.db().begin_write().await?;
    let Some(hold) = legal_hold::Entity::find_by_id(id)
        .filter(legal_hold::Column::LiftedAt.is_null())
        .one(&txn)
        .await?
    else {
        return Ok(Err(HoldError::UnknownHold));
    };
    let (citizen_id, reason) = (hold.citizen_id, hold.reason.clone());
    let mut lifted = hold.into_active_model();
    lifted.lifted_at = Set(Some(Utc::now()));
    lifted.lifted_by = Set(Some(by.id));
    lifted.update(&txn).await?;
    audit::append_in(
        &txn,
        &[journal_entry(
            by,
            "fin de la conservation pour litige",
            &reason,
            citizen_id,
        )],
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(()))
}

fn journal_entry(by: &StaffAccount, action: &str, reason: &str, citizen: i64) -> audit::AuditEvent {
    let mut event =
        crate::staff::desk::event(by, action, &format!("usager {citizen}"), reason, None);
    event.citizen_id = Some(citizen);
    event
}

/// The holds on the citizen's file, under way or lifted, in their right of access.
pub fn access<'a>(tenant: &'a Tenant, citizen: &'a Citizen) -> Boxed<'a, Sections> {
    Box::pin(async move {
        let txn = tenant.db().begin().await?;
        let holds = legal_hold::Entity::find()
            .filter(legal_hold::Column::CitizenId.eq(citizen.id))
            .order_by_desc(legal_hold::Column::Id)
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(vec![Section {
            title: section::HOLDS.into(),
            items: holds
                .into_iter()
                .map(|h| Item {
                    heading: format!("Depuis le {}", date(h.placed_at)),
                    lines: vec![
                        line("Raison", &h.reason),
                        line(
                            "Levée",
                            h.lifted_at
                                .map_or("non, en cours".into(), |t| format!("le {}", date(t))),
                        ),
                    ],
                })
                .collect(),
        }])
    })
}
