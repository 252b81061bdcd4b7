//! How long what national data leaves behind is kept: the trace of calls made in a citizen's
//! name 36 months, as API Particulier's terms ask, then removed (the platform always did); the
//! data received for a request goes with the request ([`remove_for_requests`], called by the
//! module's own removal); a consent that ended stays while anything it let in is kept, then its
//! term.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QuerySelect,
};

use crate::entity::{consent, data_pull, national_call, national_fact};
use crate::modules::Boxed;
use crate::retention::{Bounds, Category, Found, Item, Retention};

pub static RETENTION: Retention = Retention {
    categories: &[CALLS, CONSENTS],
    documents_in_use: None,
};

const CONSENTS: Category = Category {
    id: "national.consentements",
    label: "Accords terminés (retirés ou expirés) pour la transmission de données",
    counted_from: "leur fin",
    basis: "RGPD, article 7.1 : le département doit pouvoir prouver l'accord tant qu'il garde \
            les données reçues grâce à lui ; la trace des appels est gardée 36 mois.",
    months: Bounds {
        default: 36,
        min: 36,
        max: 120,
    },
    applied_by_default: false,
    removed_as: crate::retention::RemovedAs::Application,
    module: None,
    due: ended_consents,
    remove: crate::retention::delete_rows::<consent::Entity>,
    of_citizen: None,
};

const CALLS: Category = Category {
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
    removed_as: crate::retention::RemovedAs::Application,
    module: None,
    due: traced_calls,
    remove: crate::retention::delete_rows::<national_call::Entity>,
    of_citizen: None,
};

/// Call trace lines older than `before`.
fn traced_calls(
    txn: &DatabaseTransaction,
    before: DateTime<Utc>,
) -> Boxed<'_, Result<Found, DbErr>> {
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

/// Consents withdrawn or expired before `before` that no pull or fact still kept cites.
fn ended_consents(
    txn: &DatabaseTransaction,
    before: DateTime<Utc>,
) -> Boxed<'_, Result<Found, DbErr>> {
    Box::pin(async move {
        let ended = Condition::any()
            .add(consent::Column::WithdrawnAt.lt(before))
            .add(
                Condition::all()
                    .add(consent::Column::WithdrawnAt.is_null())
                    .add(consent::Column::ExpiresAt.lt(before)),
            );
        let rows: Vec<(i64, i64)> = consent::Entity::find()
            .select_only()
            .columns([consent::Column::Id, consent::Column::CitizenId])
            .filter(ended)
            .filter(
                consent::Column::Id.not_in_subquery(
                    Query::select()
                        .column(data_pull::Column::ConsentId)
                        .from(data_pull::Entity)
                        .to_owned(),
                ),
            )
            .filter(
                consent::Column::Id.not_in_subquery(
                    Query::select()
                        .column(national_fact::Column::ConsentId)
                        .from(national_fact::Entity)
                        .to_owned(),
                ),
            )
            .into_tuple()
            .all(txn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, citizen)| Item {
                id,
                citizen_id: Some(citizen),
                label: Some(format!("accord n° {id} pour la transmission de données")),
            })
            .collect())
    })
}

/// Removes the pulls made for `requests` and the facts they brought, in the caller's
/// transaction: what the administrations sent for a request is part of its file and goes
/// with it. Each module that asks for national data calls this from its own removal.
pub async fn remove_for_requests(txn: &DatabaseTransaction, requests: &[i64]) -> Result<(), DbErr> {
    let pulls: Vec<i64> = data_pull::Entity::find()
        .select_only()
        .column(data_pull::Column::Id)
        .filter(data_pull::Column::RequestId.is_in(requests.iter().copied()))
        .into_tuple()
        .all(txn)
        .await?;
    remove_pulls(txn, pulls).await
}

/// Removes the pulls a module made for `citizens` as a whole, outside any request (the MDPH
/// asking the CAF about the AAH: consents whose purpose is the module), and the facts they
/// brought. The module calls it from its removal once a citizen has no file left with it.
pub async fn remove_for_module(
    txn: &DatabaseTransaction,
    module: tenants::Module,
    citizens: &[i64],
) -> Result<(), DbErr> {
    let consents = Query::select()
        .column(consent::Column::Id)
        .from(consent::Entity)
        .and_where(consent::Column::Purpose.eq(module.id()))
        .to_owned();
    let pulls: Vec<i64> = data_pull::Entity::find()
        .select_only()
        .column(data_pull::Column::Id)
        .filter(data_pull::Column::CitizenId.is_in(citizens.iter().copied()))
        .filter(data_pull::Column::RequestId.is_null())
        .filter(data_pull::Column::ConsentId.in_subquery(consents))
        .into_tuple()
        .all(txn)
        .await?;
    remove_pulls(txn, pulls).await
}

async fn remove_pulls(txn: &DatabaseTransaction, pulls: Vec<i64>) -> Result<(), DbErr> {
    national_fact::Entity::delete_many()
        .filter(national_fact::Column::PullId.is_in(pulls.iter().copied()))
        .exec(txn)
        .await?;
    data_pull::Entity::delete_many()
        .filter(data_pull::Column::Id.is_in(pulls))
        .exec(txn)
        .await?;
    Ok(())
}
