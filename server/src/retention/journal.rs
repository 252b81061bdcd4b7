//! The audit journal's oldest entries: each entry chains to the one before it, so only a head
//! can go, never a row in the middle. A pass removes the entries older than the department's
//! term up to the first one about a citizen under a legal hold (a dispute keeps who read the
//! file), after signing a cut (`JournalAnchor::cut`) and before appending the entry that
//! records it (`audit::CUT_ACTION`): the journal then verifies from its new first entry. The
//! newest entry always stays, so that the chain and its numbers go on.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::{Bounds, Category, Found, Leftover, Removal};
use crate::audit::{self, AuditEvent};
use crate::entity::{audit_entry, audit_journal_cut};
use crate::modules::Boxed;

pub const CATEGORY: Category = Category {
    id: "journal.entrees",
    label: "Journal des consultations et des actions des agents",
    counted_from: "l'entrée",
    basis: "La CNIL recommande de conserver les traces d'accès de six mois à un an \
            (délibération n° 2021-122 sur la journalisation), plus longtemps si un risque ou \
            un texte le justifie ; un litige en cours garde tout le journal depuis sa \
            première entrée sur la personne.",
    months: Bounds {
        default: 12,
        min: 6,
        max: 120,
    },
    applied_by_default: false,
    removed_as: super::RemovedAs::StoreOwner,
    module: None,
    due,
    remove,
    of_citizen: None,
};

/// Every entry before `before`, oldest first, up to the first about a held citizen.
fn due(txn: &DatabaseTransaction, before: DateTime<Utc>) -> Boxed<'_, Result<Found, DbErr>> {
    Box::pin(async move {
        let held = super::holds::held_in(txn).await?;
        let mut kept = Condition::any().add(audit_entry::Column::At.gte(before));
        // Held citizens are few: named one by one, in batches under the parameters' bound.
        for batch in held.chunks(500) {
            kept = kept.add(audit_entry::Column::CitizenId.is_in(batch.iter().copied()));
        }
        let first_kept: Option<i64> = audit_entry::Entity::find()
            .select_only()
            .column(audit_entry::Column::Seq)
            .filter(kept)
            .order_by_asc(audit_entry::Column::Seq)
            .limit(1)
            .into_tuple()
            .one(txn)
            .await?;
        // The newest entry always stays: the next one chains to it, and its number goes on.
        let newest = audit_entry::Entity::find()
            .select_only()
            .column_as(audit_entry::Column::Seq.max(), "seq")
            .into_tuple::<Option<i64>>()
            .one(txn)
            .await?
            .flatten();
        let Some(end) = first_kept.into_iter().chain(newest).min() else {
            return Ok(Found::Items(Vec::new()));
        };
        // Counted, not listed: a year of a large department's journal is millions of rows.
        let (count, last): (i64, Option<i64>) = audit_entry::Entity::find()
            .select_only()
            .column_as(audit_entry::Column::Seq.count(), "count")
            .column_as(audit_entry::Column::Seq.max(), "last")
            .filter(audit_entry::Column::Seq.lt(end))
            .into_tuple()
            .one(txn)
            .await?
            .unwrap_or((0, None));
        Ok(match last {
            Some(last) => Found::Head {
                last,
                count: u64::try_from(count).unwrap_or(0),
            },
            None => Found::Items(Vec::new()),
        })
    })
}

/// The head up to its last entry (the pass gives it alone), at once: the cut is signed, then
/// recorded (which lets the guard delete up to it), then the entries deleted and the cut
/// journaled.
fn remove<'a>(removal: &'a Removal<'a>) -> Boxed<'a, Result<Vec<Leftover>, DbErr>> {
    Box::pin(async move {
        let Some(&last) = removal.ids.iter().max() else {
            return Ok(Vec::new());
        };
        if removal.last {
            let Some(anchor) = removal.anchor else {
                return Err(DbErr::Custom(
                    "le journal ne se coupe qu'avec la clé de la plateforme, qui signe la coupure"
                        .into(),
                ));
            };
            let entry = audit_entry::Entity::find_by_id(last)
                .one(removal.txn)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound(format!("entrée {last} du journal")))?;
            anchor
                .cut(removal.tenant, entry.seq, &entry.hash)
                .await
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            audit_journal_cut::ActiveModel {
                seq: Set(entry.seq),
                hash: Set(entry.hash.clone()),
                cut_at: Set(Utc::now()),
            }
            .insert(removal.txn)
            .await?;
            delete_up_to(removal.txn, last).await?;
            let cut = AuditEvent {
                actor_id: None,
                actor_email: "conservation automatique".into(),
                actor_role: crate::staff::AUTOMATIC_ROLE.into(),
                action: audit::CUT_ACTION.into(),
                subject: audit::cut_subject(entry.seq, &entry.hash),
                reason: CATEGORY.basis.into(),
                citizen_id: None,
                module: String::new(),
            };
            audit::append_in(removal.txn, &[cut]).await?;
        }
        Ok(Vec::new())
    })
}

/// The whole head up to `last`.
async fn delete_up_to(txn: &DatabaseTransaction, last: i64) -> Result<(), DbErr> {
    audit_entry::Entity::delete_many()
        .filter(audit_entry::Column::Seq.lte(last))
        .exec(txn)
        .await?;
    Ok(())
}
