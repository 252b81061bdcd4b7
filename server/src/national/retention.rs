//! How long the trace of calls made to the national administrations in a citizen's name is
//! kept: 36 months, as API Particulier's terms ask, then removed (the platform always did).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::entity::national_call;
use crate::modules::Boxed;
use crate::retention::{Bounds, Category, Item, Retention};

pub static RETENTION: Retention = Retention {
    categories: &[Category {
        id: "national.appels",
        label: "Trace des demandes faites aux administrations au nom des usagers",
        counted_from: "la demande",
        basis: "Conditions d'utilisation d'API Particulier : la trace de chaque appel est \
                conservée 36 mois.",
        months: Bounds {
            default: 36,
            min: 36,
            max: 60,
        },
        applied_by_default: true,
        module: None,
        due,
        remove: crate::retention::delete_rows::<national_call::Entity>,
        of_citizen: None,
    }],
    documents_in_use: None,
};

fn due(txn: &DatabaseTransaction, before: DateTime<Utc>) -> Boxed<'_, Result<Vec<Item>, DbErr>> {
    Box::pin(async move {
        let rows: Vec<(i64, i64)> = national_call::Entity::find()
            .select_only()
            .columns([national_call::Column::Id, national_call::Column::CitizenId])
            .filter(national_call::Column::At.lt(before))
            .into_tuple()
            .all(txn)
            .await?;
        // A trace line is counted in the pass's entry, not journaled one by one.
        Ok(rows
            .into_iter()
            .map(|(id, citizen)| Item {
                id,
                citizen_id: Some(citizen),
                label: None,
            })
            .collect())
    })
}
