//! How long the follow-up of a person who left the RSA is kept: everything of theirs (their
//! right's timeline, orientations, referents, contracts, notes, convocations, sanction cases)
//! goes together, 2 years by default after they left and after the last movement of their
//! follow-up. A person still in the RSA is never due, whatever the age of their file; one who
//! comes back in a later monthly file is no longer « left » (`people`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, ExprTrait as _, QueryFilter, QuerySelect,
};
use tenants::Module;

use crate::entity::{
    insertion_contract, insertion_contract_action, insertion_invitation, insertion_note,
    insertion_orientation, insertion_person, insertion_referent, insertion_right_event,
    insertion_sanction_case,
};
use crate::modules::Boxed;
use crate::retention::{
    Bounds, Category, Found, Item, Leftover, Removal, Retention, cited, delete_where,
};

pub static RETENTION: Retention = Retention {
    categories: &[LEFT],
    // A contract's signed paper copy is the foundation's document: it goes once no contract
    // names it any more.
    documents_in_use: Some(|txn, ids| {
        Box::pin(cited::<insertion_contract::Entity>(
            txn,
            insertion_contract::Column::PaperDocumentId,
            ids,
        ))
    }),
};

const LEFT: Category = Category {
    id: "insertion.sortis",
    label: "Suivis RSA des personnes sorties du dispositif (orientations, contrats, notes, \
            convocations, sanctions)",
    counted_from: "leur sortie du RSA et le dernier mouvement de leur suivi",
    basis: "Référentiel de la CNIL pour le secteur social et médico-social (délibération \
            2023-095) : données d'accompagnement conservées 2 ans après le dernier contact ; \
            l'action en recouvrement d'un indu de RSA se prescrit elle aussi par 2 ans, hors \
            fraude (code de l'action sociale et des familles).",
    // The module's figures recount their last months from these rows.
    months: Bounds {
        default: 24,
        min: crate::retention::SHORTEST_COUNTED,
        max: 120,
    },
    applied_by_default: false,
    removed_as: crate::retention::RemovedAs::Application,
    module: Some(Module::Insertion),
    due: left_before,
    remove: remove_people,
    // The follow-up is the department's legal duty: it goes at its term, not on request (a
    // citizen's erasure is refused while it lasts, `space::follow_ups`).
    of_citizen: None,
};

/// People who left before `before` and whose follow-up has not moved since.
fn left_before(
    txn: &DatabaseTransaction,
    before: DateTime<Utc>,
) -> Boxed<'_, Result<Found, DbErr>> {
    Box::pin(async move {
        let rows: Vec<(i64, i64, Option<chrono::NaiveDate>)> = insertion_person::Entity::find()
            .select_only()
            .columns([
                insertion_person::Column::Id,
                insertion_person::Column::CitizenId,
                insertion_person::Column::LeftOn,
            ])
            .filter(insertion_person::Column::LeftOn.lt(before.date_naive()))
            .filter(insertion_person::Column::UpdatedAt.lt(before))
            .filter(insertion_person::Column::Id.not_in_subquery(moved_since(before)))
            .into_tuple()
            .all(txn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, citizen, left_on)| Item {
                id,
                citizen_id: Some(citizen),
                label: Some(match left_on {
                    Some(day) => format!("suivi RSA n° {id}, sorti le {}", day.format("%d/%m/%Y")),
                    None => format!("suivi RSA n° {id}"),
                }),
            })
            .collect())
    })
}

/// The people whose follow-up moved on or after `since`: a note, a contract, an orientation, a
/// convocation or a sanction case dated then keeps the whole follow-up.
fn moved_since(since: DateTime<Utc>) -> SelectStatement {
    let day = since.date_naive();
    let mut moved = Query::select()
        .column(insertion_note::Column::PersonId)
        .from(insertion_note::Entity)
        .and_where(insertion_note::Column::CreatedAt.gte(since))
        .to_owned();
    let others = [
        Query::select()
            .column(insertion_contract::Column::PersonId)
            .from(insertion_contract::Entity)
            .and_where(insertion_contract::Column::CreatedAt.gte(since))
            .to_owned(),
        Query::select()
            .column(insertion_orientation::Column::PersonId)
            .from(insertion_orientation::Entity)
            .cond_where(
                insertion_orientation::Column::CreatedAt
                    .gte(since)
                    .or(insertion_orientation::Column::DecidedAt.gte(since)),
            )
            .to_owned(),
        Query::select()
            .column(insertion_invitation::Column::PersonId)
            .from(insertion_invitation::Entity)
            .and_where(insertion_invitation::Column::SentAt.gte(since))
            .to_owned(),
        Query::select()
            .column(insertion_sanction_case::Column::PersonId)
            .from(insertion_sanction_case::Entity)
            .cond_where(
                insertion_sanction_case::Column::OpenedAt
                    .gte(since)
                    .or(insertion_sanction_case::Column::DecidedAt.gte(since))
                    .or(insertion_sanction_case::Column::LiftedOn.gte(day)),
            )
            .to_owned(),
    ];
    for other in others {
        moved.union(sea_orm::sea_query::UnionType::All, other);
    }
    moved
}

/// Removes the people given with every row of their follow-up.
fn remove_people<'a>(removal: &'a Removal<'a>) -> Boxed<'a, Result<Vec<Leftover>, DbErr>> {
    Box::pin(async move {
        let (txn, people) = (removal.txn, removal.ids);
        delete_where::<insertion_contract_action::Entity>(txn, "person_id", people).await?;
        delete_where::<insertion_contract::Entity>(txn, "person_id", people).await?;
        delete_where::<insertion_note::Entity>(txn, "person_id", people).await?;
        delete_where::<insertion_invitation::Entity>(txn, "person_id", people).await?;
        delete_where::<insertion_sanction_case::Entity>(txn, "person_id", people).await?;
        delete_where::<insertion_orientation::Entity>(txn, "person_id", people).await?;
        delete_where::<insertion_referent::Entity>(txn, "person_id", people).await?;
        delete_where::<insertion_right_event::Entity>(txn, "person_id", people).await?;
        delete_where::<insertion_person::Entity>(txn, "id", people).await?;
        Ok(Vec::new())
    })
}
