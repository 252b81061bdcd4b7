//! How long an MDPH file is kept. A draft never filed goes 6 months after its last change by
//! default, or when the person asks for their data to be erased. Once the committee decided a
//! file (or it was found irrecevable) and every right it granted has ended, the whole file goes
//! together (its requests, pieces with the medical ones' sealed bytes, observations,
//! evaluation, appeals), 2 years by default after the last of these dates; with the person's
//! last file goes what the CAF said about their AAH. A right granted without limit keeps its
//! file; so does an appeal not answered yet.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, ExprTrait as _, QueryFilter, QuerySelect,
};
use tenants::Module;

use super::files::Status;
use crate::entity::{
    disability_appeal, disability_evaluation, disability_file, disability_observation,
    disability_piece, disability_request,
};
use crate::modules::Boxed;
use crate::retention::{
    Bounds, Category, Found, Item, Leftover, Removal, Retention, cited, delete_where,
};

pub static RETENTION: Retention = Retention {
    categories: &[DRAFTS, ENDED],
    // A piece that is not medical is the foundation's document: it goes once no piece names it.
    documents_in_use: Some(|txn, ids| {
        Box::pin(cited::<disability_piece::Entity>(
            txn,
            disability_piece::Column::DocumentId,
            ids,
        ))
    }),
};

/// MDPH files started and never filed (`Files::drafts`).
pub(crate) const DRAFTS: Category = Category {
    id: "handicap.brouillons",
    label: "Dossiers MDPH commencés et jamais déposés, avec leurs pièces",
    counted_from: "leur dernière modification",
    basis: "Un dossier abandonné avant son dépôt n'a aucune suite : rien ne justifie de le \
            garder, moins encore un certificat médical (RGPD, art. 5.1.e et 9). L'usager \
            voit dans son espace jusqu'à quand son brouillon est gardé.",
    months: Bounds {
        default: 6,
        min: 1,
        max: 24,
    },
    applied_by_default: false,
    removed_as: crate::retention::RemovedAs::Application,
    module: Some(Module::Disability),
    due: drafts_before,
    remove: remove_files,
    // The person may erase their own drafts (`retention::erasure`).
    of_citizen: Some(|txn, citizen| {
        Box::pin(crate::retention::ids_of::<disability_file::Entity>(
            txn,
            citizen,
            sea_orm::Condition::all().add(disability_file::Column::Status.eq(Status::Draft.id())),
        ))
    }),
};

const ENDED: Category = Category {
    id: "handicap.dossiers",
    label: "Dossiers MDPH décidés dont tous les droits ont pris fin (demandes, pièces, y \
            compris médicales, observations, évaluation, recours)",
    counted_from: "la fin du dernier droit accordé et le dernier mouvement du dossier",
    basis: "Référentiel de la CNIL pour le secteur social et médico-social (délibération \
            2023-095) : données d'accompagnement conservées 2 ans après le dernier contact ; \
            un droit accordé sans limitation de durée garde son dossier, un recours pendant \
            aussi (placez le dossier en conservation pour litige si un contentieux suit).",
    // The module's figures recount their last months from these rows.
    months: Bounds {
        default: 24,
        min: crate::retention::SHORTEST_COUNTED,
        max: 120,
    },
    applied_by_default: false,
    removed_as: crate::retention::RemovedAs::Application,
    module: Some(Module::Disability),
    due: ended_before,
    remove: remove_files,
    // A filed file stays until its term whatever the person asks (`retention::erasure`).
    of_citizen: None,
};

/// Drafts not touched since `before`: no piece or observation added since either.
fn drafts_before(
    txn: &DatabaseTransaction,
    before: DateTime<Utc>,
) -> Boxed<'_, Result<Found, DbErr>> {
    Box::pin(still_before(
        txn,
        &[Status::Draft],
        before,
        "brouillon de dossier MDPH",
    ))
}

/// Files decided (or irrecevable) before `before` whose rights all ended before it and that
/// did not move since.
fn ended_before(
    txn: &DatabaseTransaction,
    before: DateTime<Utc>,
) -> Boxed<'_, Result<Found, DbErr>> {
    Box::pin(still_before(
        txn,
        &[Status::Decided, Status::Irrecevable],
        before,
        "dossier MDPH",
    ))
}

/// The files in one of `statuses` that nothing kept alive since `before`, each named in the
/// journal « `name` n° id ».
async fn still_before(
    txn: &DatabaseTransaction,
    statuses: &[Status],
    before: DateTime<Utc>,
    name: &str,
) -> Result<Found, DbErr> {
    let rows: Vec<(i64, i64)> = disability_file::Entity::find()
        .select_only()
        .columns([
            disability_file::Column::Id,
            disability_file::Column::CitizenId,
        ])
        .filter(disability_file::Column::Status.is_in(statuses.iter().map(|s| s.id())))
        .filter(disability_file::Column::UpdatedAt.lt(before))
        .filter(disability_file::Column::Id.not_in_subquery(still_alive(before)))
        .into_tuple()
        .all(txn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, citizen)| Item {
            id,
            citizen_id: Some(citizen),
            label: Some(format!("{name} n° {id}")),
        })
        .collect())
}

/// The files with a right running on or after `since` (or without limit), a decision, a
/// piece, an observation or an appeal dated then, or an appeal still unanswered.
fn still_alive(since: DateTime<Utc>) -> SelectStatement {
    let day = since.date_naive();
    let mut alive = Query::select()
        .column(disability_request::Column::FileId)
        .from(disability_request::Entity)
        .cond_where(
            disability_request::Column::EndsOn
                .gte(day)
                .or(disability_request::Column::WithoutLimit.eq(true))
                .or(disability_request::Column::DecidedOn.gte(day)),
        )
        .to_owned();
    let others = [
        Query::select()
            .column(disability_piece::Column::FileId)
            .from(disability_piece::Entity)
            .and_where(disability_piece::Column::CreatedAt.gte(since))
            .to_owned(),
        Query::select()
            .column(disability_observation::Column::FileId)
            .from(disability_observation::Entity)
            .and_where(disability_observation::Column::CreatedAt.gte(since))
            .to_owned(),
        Query::select()
            .column(disability_appeal::Column::FileId)
            .from(disability_appeal::Entity)
            .cond_where(
                disability_appeal::Column::AnsweredOn
                    .is_null()
                    .or(disability_appeal::Column::AnsweredOn.gte(day))
                    .or(disability_appeal::Column::FiledAt.gte(since)),
            )
            .to_owned(),
    ];
    for other in others {
        alive.union(sea_orm::sea_query::UnionType::All, other);
    }
    alive
}

/// Removes the files given with every row of theirs; the medical pieces' sealed bytes go
/// once it commits.
fn remove_files<'a>(removal: &'a Removal<'a>) -> Boxed<'a, Result<Vec<Leftover>, DbErr>> {
    Box::pin(async move {
        let (txn, files) = (removal.txn, removal.ids);
        let sealed: Vec<Option<String>> = disability_piece::Entity::find()
            .select_only()
            .column(disability_piece::Column::SealedKey)
            .filter(disability_piece::Column::FileId.is_in(files.iter().copied()))
            .into_tuple()
            .all(txn)
            .await?;
        delete_where::<disability_appeal::Entity>(txn, "file_id", files).await?;
        delete_where::<disability_evaluation::Entity>(txn, "file_id", files).await?;
        delete_where::<disability_observation::Entity>(txn, "file_id", files).await?;
        delete_where::<disability_piece::Entity>(txn, "file_id", files).await?;
        delete_where::<disability_request::Entity>(txn, "file_id", files).await?;
        // A later file (a renewal) no longer points at one that is gone.
        disability_file::Entity::update_many()
            .col_expr(
                disability_file::Column::PreviousFileId,
                Expr::value(Option::<i64>::None),
            )
            .filter(disability_file::Column::PreviousFileId.is_in(files.iter().copied()))
            .exec(txn)
            .await?;
        let citizens: Vec<i64> = disability_file::Entity::find()
            .select_only()
            .column(disability_file::Column::CitizenId)
            .filter(disability_file::Column::Id.is_in(files.iter().copied()))
            .into_tuple()
            .all(txn)
            .await?;
        delete_where::<disability_file::Entity>(txn, "id", files).await?;
        // What the CAF said about the AAH was asked for the person's files: it goes with the
        // last of them.
        let still_filed: Vec<i64> = disability_file::Entity::find()
            .select_only()
            .column(disability_file::Column::CitizenId)
            .filter(disability_file::Column::CitizenId.is_in(citizens.iter().copied()))
            .into_tuple()
            .all(txn)
            .await?;
        let without_file: Vec<i64> = citizens
            .into_iter()
            .filter(|c| !still_filed.contains(c))
            .collect();
        crate::national::retention::remove_for_module(txn, Module::Disability, &without_file)
            .await?;
        Ok(sealed
            .into_iter()
            .flatten()
            .map(|key| Leftover(super::medical::key_of(&key)))
            .collect())
    })
}
