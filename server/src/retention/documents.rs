//! The documents citizens sent: each goes once it is old enough and no part's rows name it
//! any more (a request removed at its own term frees its pieces for this category, in the same
//! pass: this part's categories run after the modules').

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter};

use super::{Bounds, Category, Found, Item, Leftover, Removal, Retention};
use crate::entity::document;
use crate::modules::{Boxed, PARTS};

pub static RETENTION: Retention = Retention {
    // The journal last: it is cut after every removal of the pass is recorded in it.
    categories: &[
        Category {
            id: "usagers.pieces",
            label: "Pièces envoyées par les usagers, rattachées à aucun dossier conservé",
            counted_from: "leur envoi",
            basis: "Une pièce ne sert qu'au dossier qui la cite : rien ne justifie de la garder \
                quand aucun dossier conservé ne la cite plus (RGPD, art. 5.1.e).",
            months: Bounds {
                default: 24,
                min: 6,
                max: 120,
            },
            applied_by_default: false,
            removed_as: crate::retention::RemovedAs::Application,
            module: None,
            due,
            remove,
            of_citizen: Some(|txn, citizen| {
                Box::pin(super::ids_of::<document::Entity>(
                    txn,
                    citizen,
                    sea_orm::Condition::all(),
                ))
            }),
        },
        super::journal::CATEGORY,
    ],
    documents_in_use: None,
};

fn due(txn: &DatabaseTransaction, before: DateTime<Utc>) -> Boxed<'_, Result<Found, DbErr>> {
    Box::pin(async move {
        let old = document::Entity::find()
            .filter(document::Column::CreatedAt.lt(before))
            .all(txn)
            .await?;
        let ids: Vec<i64> = old.iter().map(|d| d.id).collect();
        let mut in_use = Vec::new();
        for uses in PARTS.iter().filter_map(|p| p.retention?.documents_in_use) {
            for batch in ids.chunks(500) {
                in_use.extend(uses(txn, batch).await?);
            }
        }
        in_use.sort_unstable();
        Ok(old
            .into_iter()
            .filter(|d| in_use.binary_search(&d.id).is_err())
            .map(|d| Item {
                id: d.id,
                citizen_id: Some(d.citizen_id),
                label: Some(d.filename),
            })
            .collect())
    })
}

fn remove<'a>(removal: &'a Removal<'a>) -> Boxed<'a, Result<Vec<Leftover>, DbErr>> {
    Box::pin(async move {
        let rows = document::Entity::find()
            .filter(document::Column::Id.is_in(removal.ids.iter().copied()))
            .all(removal.txn)
            .await?;
        document::Entity::delete_many()
            .filter(document::Column::Id.is_in(removal.ids.iter().copied()))
            .exec(removal.txn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|d| Leftover(crate::documents::key_of(&d.storage_key)))
            .collect())
    })
}
