//! How long the relation with citizens is kept: message threads, appointments and the notes
//! of contacts, each 2 years after its last movement by default (the CNIL's référentiel for
//! accompaniment data).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use tenants::Module;

use crate::entity::{appointment, appointment_slot, contact, message, message_thread};
use crate::modules::Boxed;
use crate::retention::{
    Bounds, Category, Found, Item, Leftover, Removal, Retention, cited, delete_rows, delete_where,
    ids_of,
};

const ACCOMPANIMENT: &str = "Référentiel de la CNIL pour le secteur social et médico-social \
                             (délibération 2023-095) : données d'accompagnement conservées 2 ans \
                             après le dernier contact.";

/// Contacts, appointments and answered messages are counted by the statistics.
const TWO_YEARS: Bounds = Bounds {
    default: 24,
    min: crate::retention::SHORTEST_COUNTED,
    max: 120,
};

pub static RETENTION: Retention = Retention {
    categories: &[
        Category {
            id: "relations.messages",
            label: "Fils de messages avec les usagers",
            counted_from: "leur dernier message",
            basis: ACCOMPANIMENT,
            months: TWO_YEARS,
            applied_by_default: false,
            removed_as: crate::retention::RemovedAs::Application,
            module: Some(Module::UserRelations),
            due: threads,
            remove: remove_threads,
            of_citizen: Some(|txn, citizen| {
                Box::pin(ids_of::<message_thread::Entity>(
                    txn,
                    citizen,
                    Condition::all(),
                ))
            }),
        },
        Category {
            id: "relations.rendez_vous",
            label: "Rendez-vous passés",
            counted_from: "leur date",
            basis: ACCOMPANIMENT,
            months: TWO_YEARS,
            applied_by_default: false,
            removed_as: crate::retention::RemovedAs::Application,
            module: Some(Module::UserRelations),
            due: appointments,
            remove: delete_rows::<appointment::Entity>,
            of_citizen: Some(|txn, citizen| {
                Box::pin(ids_of::<appointment::Entity>(
                    txn,
                    citizen,
                    Condition::all(),
                ))
            }),
        },
        Category {
            id: "relations.contacts",
            label: "Contacts notés à l'accueil (canal, objet, note)",
            counted_from: "leur date",
            basis: ACCOMPANIMENT,
            months: TWO_YEARS,
            applied_by_default: false,
            removed_as: crate::retention::RemovedAs::Application,
            module: Some(Module::UserRelations),
            due: contacts,
            remove: delete_rows::<contact::Entity>,
            of_citizen: Some(|txn, citizen| {
                Box::pin(ids_of::<contact::Entity>(txn, citizen, Condition::all()))
            }),
        },
    ],
    documents_in_use: Some(|txn, ids| {
        Box::pin(cited::<message::Entity>(
            txn,
            message::Column::DocumentId,
            ids,
        ))
    }),
};

fn threads(txn: &DatabaseTransaction, before: DateTime<Utc>) -> Boxed<'_, Result<Found, DbErr>> {
    Box::pin(async move {
        let rows: Vec<(i64, i64, String)> = message_thread::Entity::find()
            .select_only()
            .columns([
                message_thread::Column::Id,
                message_thread::Column::CitizenId,
                message_thread::Column::Subject,
            ])
            .filter(message_thread::Column::LastMessageAt.lt(before))
            .into_tuple()
            .all(txn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, citizen, subject)| Item {
                id,
                citizen_id: Some(citizen),
                label: Some(format!("fil « {subject} »")),
            })
            .collect())
    })
}

fn remove_threads<'a>(removal: &'a Removal<'a>) -> Boxed<'a, Result<Vec<Leftover>, DbErr>> {
    Box::pin(async move {
        delete_where::<message::Entity>(removal.txn, "thread_id", removal.ids).await?;
        delete_where::<message_thread::Entity>(removal.txn, "id", removal.ids).await?;
        Ok(Vec::new())
    })
}

fn appointments(
    txn: &DatabaseTransaction,
    before: DateTime<Utc>,
) -> Boxed<'_, Result<Found, DbErr>> {
    Box::pin(async move {
        let past_slots = Query::select()
            .column(appointment_slot::Column::Id)
            .from(appointment_slot::Entity)
            .and_where(appointment_slot::Column::StartsAt.lt(before))
            .to_owned();
        let rows: Vec<(i64, i64)> = appointment::Entity::find()
            .select_only()
            .columns([appointment::Column::Id, appointment::Column::CitizenId])
            .filter(appointment::Column::SlotId.in_subquery(past_slots))
            .into_tuple()
            .all(txn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, citizen)| Item {
                id,
                citizen_id: Some(citizen),
                label: Some(format!("rendez-vous n° {id}")),
            })
            .collect())
    })
}

fn contacts(txn: &DatabaseTransaction, before: DateTime<Utc>) -> Boxed<'_, Result<Found, DbErr>> {
    Box::pin(async move {
        let rows: Vec<(i64, i64, String)> = contact::Entity::find()
            .select_only()
            .columns([
                contact::Column::Id,
                contact::Column::CitizenId,
                contact::Column::Day,
            ])
            .filter(contact::Column::CreatedAt.lt(before))
            .into_tuple()
            .all(txn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, citizen, day)| Item {
                id,
                citizen_id: Some(citizen),
                label: Some(format!("contact du {day}")),
            })
            .collect())
    })
}
