//! How long aid requests are kept: drafts never filed, and decided requests with their
//! timeline, exchanges, decision and letter. The pieces a removed request cited go with the
//! foundation's documents category once nothing else cites them.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QuerySelect};
use tenants::Module;

use super::filing::Status;
use super::form::{Answer, Answers};
use crate::entity::{aid_request, decision, request_event, request_message};
use crate::modules::Boxed;
use crate::retention::{Bounds, Category, Found, Item, Leftover, Removal, Retention};

/// The category of drafts never filed (`Files::drafts`).
pub const DRAFTS: &str = "aides.brouillons";

pub static RETENTION: Retention = Retention {
    categories: &[
        Category {
            id: DRAFTS,
            label: "Demandes d'aide commencées et jamais déposées",
            counted_from: "leur dernière modification",
            basis: "Un brouillon abandonné n'a aucune suite : rien ne justifie de le garder \
                    (RGPD, art. 5.1.e). L'usager voit dans son espace jusqu'à quand son \
                    brouillon est gardé.",
            months: Bounds {
                default: 6,
                min: 1,
                max: 24,
            },
            applied_by_default: false,
            removed_as: crate::retention::RemovedAs::Application,
            module: Some(Module::AidRequests),
            due: drafts,
            remove,
            of_citizen: Some(|txn, citizen| {
                Box::pin(crate::retention::ids_of::<aid_request::Entity>(
                    txn,
                    citizen,
                    sea_orm::Condition::all().add(aid_request::Column::Status.eq(Status::Draft)),
                ))
            }),
        },
        Category {
            id: "aides.decidees",
            label: "Demandes d'aide décidées, avec leurs échanges, leur décision et son courrier",
            counted_from: "leur dernière modification",
            basis: "Référentiel de la CNIL pour le secteur social et médico-social \
                    (délibération 2023-095) : 2 ans après le dernier contact ; plus longtemps \
                    si un recours est possible ou en cours (placez alors le dossier en \
                    conservation pour litige).",
            months: Bounds {
                default: 24,
                min: crate::retention::SHORTEST_COUNTED,
                max: 120,
            },
            applied_by_default: false,
            removed_as: crate::retention::RemovedAs::Application,
            module: Some(Module::AidRequests),
            due: decided,
            remove,
            of_citizen: None,
        },
    ],
    documents_in_use: Some(documents_in_use),
};

const DECIDED: [Status; 5] = [
    Status::Granted,
    Status::PartiallyGranted,
    Status::Refused,
    Status::ImplicitAcceptance,
    Status::ImplicitRefusal,
];

fn drafts(txn: &DatabaseTransaction, before: DateTime<Utc>) -> Boxed<'_, Result<Found, DbErr>> {
    Box::pin(past_term(txn, vec![Status::Draft], before))
}

fn decided(txn: &DatabaseTransaction, before: DateTime<Utc>) -> Boxed<'_, Result<Found, DbErr>> {
    Box::pin(past_term(txn, DECIDED.to_vec(), before))
}

async fn past_term(
    txn: &DatabaseTransaction,
    statuses: Vec<Status>,
    before: DateTime<Utc>,
) -> Result<Found, DbErr> {
    let rows: Vec<(i64, i64, Option<String>)> = aid_request::Entity::find()
        .select_only()
        .columns([
            aid_request::Column::Id,
            aid_request::Column::CitizenId,
            aid_request::Column::Reference,
        ])
        .filter(aid_request::Column::Status.is_in(statuses))
        .filter(aid_request::Column::UpdatedAt.lt(before))
        .into_tuple()
        .all(txn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, citizen, reference)| Item {
            id,
            citizen_id: Some(citizen),
            label: Some(reference.unwrap_or_else(|| format!("brouillon n° {id}"))),
        })
        .collect())
}

/// The requests with their timeline, the messages about them, their decision and its letter,
/// and what the administrations sent for them.
fn remove<'a>(removal: &'a Removal<'a>) -> Boxed<'a, Result<Vec<Leftover>, DbErr>> {
    Box::pin(async move {
        let (txn, ids) = (removal.txn, removal.ids.iter().copied());
        crate::national::retention::remove_for_requests(txn, removal.ids).await?;
        let letters: Vec<Option<String>> = decision::Entity::find()
            .select_only()
            .column(decision::Column::LetterFile)
            .filter(decision::Column::RequestId.is_in(ids.clone()))
            .into_tuple()
            .all(txn)
            .await?;
        decision::Entity::delete_many()
            .filter(decision::Column::RequestId.is_in(ids.clone()))
            .exec(txn)
            .await?;
        request_message::Entity::delete_many()
            .filter(request_message::Column::RequestId.is_in(ids.clone()))
            .exec(txn)
            .await?;
        request_event::Entity::delete_many()
            .filter(request_event::Column::RequestId.is_in(ids.clone()))
            .exec(txn)
            .await?;
        aid_request::Entity::delete_many()
            .filter(aid_request::Column::Id.is_in(ids))
            .exec(txn)
            .await?;
        Ok(letters.into_iter().flatten().map(Leftover).collect())
    })
}

/// The documents a request's answers or its exchanges cite.
fn documents_in_use<'a>(
    txn: &'a DatabaseTransaction,
    ids: &'a [i64],
) -> Boxed<'a, Result<Vec<i64>, DbErr>> {
    Box::pin(async move {
        let mut used = crate::retention::cited::<request_message::Entity>(
            txn,
            request_message::Column::DocumentId,
            ids,
        )
        .await?;
        // Answers are JSON: read those of the documents' owners, whose requests alone can cite them.
        let owners: Vec<i64> = crate::entity::document::Entity::find()
            .select_only()
            .column(crate::entity::document::Column::CitizenId)
            .filter(crate::entity::document::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(txn)
            .await?;
        let answers: Vec<String> = aid_request::Entity::find()
            .select_only()
            .column(aid_request::Column::Answers)
            .filter(aid_request::Column::CitizenId.is_in(owners))
            .into_tuple()
            .all(txn)
            .await?;
        for text in answers {
            // Answers that do not read may cite any of them: keep them all rather than lose
            // one a request still cites.
            let Ok(answers) = serde_json::from_str::<Answers>(&text) else {
                return Ok(ids.to_vec());
            };
            used.extend(answers.values().filter_map(|a| match a {
                Answer::Document(id) if ids.contains(id) => Some(*id),
                _ => None,
            }));
        }
        Ok(used)
    })
}
