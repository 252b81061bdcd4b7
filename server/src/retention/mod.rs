//! Retention (issue 22): each part declares the categories of data it keeps, how long by
//! default and between which bounds a department may choose (`Part::retention`), and how to
//! find and remove what is past its time. A daily pass per department counts, for every
//! category, what is past its time; it removes it only in the categories the department's
//! administrator switched on after reading that count (the dry run), except those the platform
//! always removed (`Category::applied_by_default`). A citizen under a legal hold
//! (`holds`) loses nothing, whatever its age. Every removal is journaled, in the citizen's
//! file where it has one, in the same transaction; each pass is kept (`retention_runs`) and
//! counted on the metrics.
//!
//! A platform capability, like statistics: it reads what the parts declare, never their
//! tables. The documents a citizen sent are the foundation's; they go when nothing any part
//! keeps names them any more ([`Retention::documents_in_use`]) and they are old enough.

pub mod documents;
pub mod erasure;
pub mod holds;
pub mod http;
pub mod jobs;
pub mod journal;

use chrono::{DateTime, Months, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use tenants::{Module, Platform, Tenant};

use crate::audit::{self, AuditEvent};
use crate::entity::{legal_hold, retention_run, retention_setting};
use crate::journal_anchor::JournalAnchor;
use crate::modules::{Boxed, PARTS, Part, Table, section};

pub static PART: Part = Part {
    module: None,
    routes: http::routes,
    staff_nav: |_, _| Vec::new(),
    admin_nav: http::admin_nav,
    citizen_nav: crate::modules::no_nav,
    home: None,
    workers: jobs::workers,
    schedules: jobs::schedules,
    housekeeping: crate::modules::no_housekeeping,
    files: None,
    follow_ups: None,
    access: holds::access,
    tables: || {
        vec![
            Table::of::<retention_setting::Entity>(None),
            Table::of::<legal_hold::Entity>(Some(section::HOLDS)),
            Table::of::<retention_run::Entity>(None),
        ]
    },
    indicators: None,
    retention: Some(&documents::RETENTION),
};

/// What a part keeps and for how long.
pub struct Retention {
    pub categories: &'static [Category],
    /// Which of these documents (ids) its rows still name: a document goes only when no part
    /// names it.
    pub documents_in_use: Option<DocumentsInUse>,
}

/// Of the documents given, those a part's rows still name.
pub type DocumentsInUse =
    for<'a> fn(&'a DatabaseTransaction, &'a [i64]) -> Boxed<'a, Result<Vec<i64>, DbErr>>;

/// A category of data: what it is, how long it is kept, and how what is past its time is
/// found and removed.
pub struct Category {
    /// Stable: it names the department's setting and its passes (`aides.closes`).
    pub id: &'static str,
    /// As the administrator reads it: « Demandes d'aide décidées ».
    pub label: &'static str,
    /// What starts the clock, after « à compter de » : « la dernière modification ».
    pub counted_from: &'static str,
    /// What the law or the CNIL's référentiel says, shown beside the duration.
    pub basis: &'static str,
    pub months: Bounds,
    /// Removed without the administrator switching it on: the platform always removed it.
    pub applied_by_default: bool,
    /// The module whose data it is, named in the journal.
    pub module: Option<Module>,
    /// What was last touched before the date given: one item per thing removed together (a
    /// request with its exchanges, a thread with its messages), whose legal holds the pass
    /// applies; or a head of rows, counted and stopped by the category before anything held.
    pub due: Due,
    /// Removes the items [`Category::due`] found, in the pass's transaction; says which files
    /// go with them (deleted once it commits).
    pub remove: Remove,
    /// A citizen's items, removed with [`Category::remove`] when they ask for their data to be
    /// erased (`erasure`); `None` where the law keeps them until their term whatever the
    /// citizen asks (a filed request blocks the erasure anyway).
    pub of_citizen: Option<OfCitizen>,
    /// With whose rights [`Category::remove`] runs. An erasure runs in the application's
    /// transaction: a category removed as the store's owner has no `of_citizen`.
    pub removed_as: RemovedAs,
}

/// The rights a category's removal needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemovedAs {
    /// The application's role, as every other write.
    Application,
    /// The store's owner: the rows are append-only for the application's role, and their own
    /// guard says what may go (the journal's head, up to its recorded cut).
    StoreOwner,
}

/// The shortest duration of a category whose rows the statistics count: the nightly
/// computation recounts the last [`RECOMPUTED_MONTHS`] months from the modules' rows, which
/// must still be there.
///
/// [`RECOMPUTED_MONTHS`]: crate::statistics::indicators::RECOMPUTED_MONTHS
pub const SHORTEST_COUNTED: u32 = crate::statistics::indicators::RECOMPUTED_MONTHS + 1;

/// Months a category is kept: the default and the bounds a department may choose between.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub default: u32,
    pub min: u32,
    pub max: u32,
}

pub type Due =
    for<'a> fn(&'a DatabaseTransaction, DateTime<Utc>) -> Boxed<'a, Result<Found, DbErr>>;
pub type OfCitizen = for<'a> fn(&'a DatabaseTransaction, i64) -> Boxed<'a, Result<Vec<i64>, DbErr>>;
pub type Remove = for<'a> fn(&'a Removal<'a>) -> Boxed<'a, Result<Vec<Leftover>, DbErr>>;

/// What a category's [`Category::due`] found past its time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// Things removed one by one, with their children and files; a legal hold on their
    /// citizen keeps them.
    Items(Vec<Item>),
    /// The first `count` rows in their order, up to `last` included, removed at once and
    /// never listed: the journal's head, which in a large department is millions of entries.
    /// The category stops its head before anything held.
    Head { last: i64, count: u64 },
}

impl FromIterator<Item> for Found {
    fn from_iter<I: IntoIterator<Item = Item>>(items: I) -> Self {
        Found::Items(items.into_iter().collect())
    }
}

/// One thing past its time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: i64,
    /// Whose it is: its removal shows in their file's journal.
    pub citizen_id: Option<i64>,
    /// How the journal names it (a request's reference), or `None` for rows counted only in
    /// the pass's entry (a call's trace line).
    pub label: Option<String>,
}

/// What a category's removal works with.
pub struct Removal<'a> {
    pub txn: &'a DatabaseTransaction,
    pub platform: &'a Platform,
    /// Signs the journal's cut (`journal`); a pass that only counts has none.
    pub anchor: Option<&'a JournalAnchor>,
    pub tenant: &'a Tenant,
    /// One batch of the items, in the order [`Category::due`] gave them; for a
    /// [`Found::Head`], its last row alone.
    pub ids: &'a [i64],
    /// Whether it is the category's last batch in this transaction.
    pub last: bool,
}

/// A file that goes with removed rows, deleted once the removal commits: its key in the
/// department's files ([`crate::files`]).
#[derive(Clone, Debug)]
pub struct Leftover(pub String);

/// Every category of every part, in the order passes run them (the parts' order: the
/// documents freed by the modules go last).
pub fn categories() -> impl Iterator<Item = &'static Category> {
    PARTS
        .iter()
        .filter_map(|p| p.retention)
        .flat_map(|r| r.categories.iter())
}

pub fn category(id: &str) -> Option<&'static Category> {
    categories().find(|c| c.id == id)
}

/// How one department keeps one category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    pub months: u32,
    pub applied: bool,
}

/// The department's setting of every category, defaults where it chose none.
pub async fn settings(tenant: &Tenant) -> Result<Vec<(&'static Category, Setting)>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = retention_setting::Entity::find().all(&txn).await?;
    txn.commit().await?;
    Ok(categories()
        .map(|c| (c, setting_of(c, rows.iter().find(|r| r.category == c.id))))
        .collect())
}

/// The months the department keeps `category`, if it switched its removal on; reads one row.
pub async fn applied_months(
    tenant: &Tenant,
    category: &'static Category,
) -> Result<Option<u32>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = retention_setting::Entity::find_by_id(category.id.to_owned())
        .one(&txn)
        .await?;
    txn.commit().await?;
    let setting = setting_of(category, row.as_ref());
    Ok(setting.applied.then_some(setting.months))
}

/// A category's setting from its row, or its defaults when the department chose none.
fn setting_of(category: &Category, row: Option<&retention_setting::Model>) -> Setting {
    let bounds = category.months;
    row.map_or(
        Setting {
            months: bounds.default,
            applied: category.applied_by_default,
        },
        |r| Setting {
            // A bound narrowed since is applied as it stands now.
            months: u32::try_from(r.months)
                .unwrap_or(bounds.default)
                .clamp(bounds.min, bounds.max),
            applied: r.applied,
        },
    )
}

/// Why a setting was refused, in French.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("Cette catégorie de données n'existe pas.")]
    UnknownCategory,
    #[error("Indiquez une durée entre {min} et {max} mois pour « {label} ».")]
    OutOfBounds {
        label: &'static str,
        min: u32,
        max: u32,
    },
}

/// Records the department's choice for `category`, journaled in `by`'s name.
pub async fn save_setting(
    tenant: &Tenant,
    category: &str,
    setting: Setting,
    by: &crate::staff::StaffAccount,
) -> Result<Result<(), SettingError>, DbErr> {
    let Some(c) = self::category(category) else {
        return Ok(Err(SettingError::UnknownCategory));
    };
    if !(c.months.min..=c.months.max).contains(&setting.months) {
        return Ok(Err(SettingError::OutOfBounds {
            label: c.label,
            min: c.months.min,
            max: c.months.max,
        }));
    }
    let txn = tenant.db().begin_write().await?;
    retention_setting::Entity::delete_by_id(c.id.to_owned())
        .exec(&txn)
        .await?;
    retention_setting::ActiveModel {
        category: Set(c.id.to_owned()),
        months: Set(i32::try_from(setting.months).unwrap_or(i32::MAX)),
        applied: Set(setting.applied),
        changed_by: Set(Some(by.id)),
        changed_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    let what = if setting.applied {
        "supprimé chaque jour"
    } else {
        "compté seulement"
    };
    let subject = format!("{} : {} mois, {what}", c.label, setting.months);
    audit::append_in(
        &txn,
        &[crate::staff::desk::event(
            by,
            "réglage de la conservation des données",
            &subject,
            "",
            None,
        )],
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(()))
}

/// What one pass found in one category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub category: &'static str,
    pub months: u32,
    pub applied: bool,
    /// Past their time and not held: removed if `applied`, or what would be.
    pub due: u64,
    /// Past their time but kept under a legal hold.
    pub held: u64,
}

/// Whether a pass removes (as each category is set) or only counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The daily pass: categories switched on are removed, the others counted.
    AsSet,
    /// Counts every category, removes nothing (the administrator's « Compter maintenant »,
    /// `guichet retention report`).
    CountOnly,
}

/// One pass over every category of `tenant` as of `now`. The journal's head is removed only
/// with the `anchor` that signs its cut.
pub async fn pass(
    platform: &Platform,
    anchor: Option<&JournalAnchor>,
    tenant: &Tenant,
    now: DateTime<Utc>,
    mode: Mode,
) -> anyhow::Result<Vec<Outcome>> {
    let mut outcomes = Vec::new();
    for (category, setting) in settings(tenant).await? {
        let before = now
            .checked_sub_months(Months::new(setting.months))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let apply = setting.applied && mode == Mode::AsSet;
        let outcome = sweep((platform, anchor), tenant, category, setting, before, apply).await?;
        record_run(tenant, now, &outcome).await?;
        crate::metrics::record_retention(tenant.slug().as_str(), &outcome);
        outcomes.push(outcome);
    }
    if outcomes.iter().any(|o| o.applied && o.due > 0) {
        crate::modules::compact_kept_counts(platform, tenant).await;
    }
    Ok(outcomes)
}

/// One category: counted, and removed with its journal entries when `apply`.
async fn sweep(
    (platform, anchor): (&Platform, Option<&JournalAnchor>),
    tenant: &Tenant,
    category: &'static Category,
    setting: Setting,
    before: DateTime<Utc>,
    apply: bool,
) -> anyhow::Result<Outcome> {
    let txn = match (apply, category.removed_as) {
        (false, _) => tenant.db().begin().await?,
        (true, RemovedAs::Application) => tenant.db().begin_write().await?,
        (true, RemovedAs::StoreOwner) => tenant.db().begin_write_as_owner().await?,
    };
    // The items not held (which the journal names one by one), the ids to remove, how many
    // go and how many a hold keeps.
    let (items, ids, count, held) = match (category.due)(&txn, before).await? {
        Found::Items(all) => {
            // Read in the removal's transaction: a hold placed before it commits keeps its
            // file.
            let held = holds::held_in(&txn).await?;
            let (items, kept): (Vec<Item>, Vec<Item>) = all
                .into_iter()
                .partition(|i| i.citizen_id.is_none_or(|c| held.binary_search(&c).is_err()));
            let ids = items.iter().map(|i| i.id).collect();
            let count = items.len() as u64;
            (items, ids, count, kept.len() as u64)
        }
        Found::Head { last, count } => (Vec::new(), vec![last], count, 0),
    };
    let mut leftovers = Vec::new();
    if apply && count > 0 {
        leftovers = remove_all(category, &txn, (platform, anchor), tenant, &ids).await?;
        let events = journal(category, setting.months, &items, count);
        audit::append_in(&txn, &events).await?;
    }
    txn.commit().await?;
    delete_files(platform, tenant, leftovers).await;
    Ok(Outcome {
        category: category.id,
        months: setting.months,
        applied: apply,
        due: count,
        held,
    })
}

/// Removes `category`'s `ids`, in the order given, in batches: both engines bound the
/// parameters of one statement. The last batch is flagged for what is done once (the
/// journal's cut).
async fn remove_all(
    category: &Category,
    txn: &DatabaseTransaction,
    (platform, anchor): (&Platform, Option<&JournalAnchor>),
    tenant: &Tenant,
    ids: &[i64],
) -> Result<Vec<Leftover>, DbErr> {
    const BATCH: usize = 500;
    let batches = ids.len().div_ceil(BATCH);
    let mut leftovers = Vec::new();
    for (n, batch) in ids.chunks(BATCH).enumerate() {
        let removal = Removal {
            txn,
            platform,
            anchor,
            tenant,
            ids: batch,
            last: n + 1 == batches,
        };
        leftovers.extend((category.remove)(&removal).await?);
    }
    Ok(leftovers)
}

/// Who removes: the platform, on the department's rule.
fn automatic(
    category: &Category,
    action: &str,
    subject: String,
    citizen: Option<i64>,
) -> AuditEvent {
    AuditEvent {
        actor_id: None,
        actor_email: "conservation automatique".into(),
        actor_role: crate::staff::AUTOMATIC_ROLE.into(),
        action: action.into(),
        subject,
        reason: category.basis.into(),
        citizen_id: citizen,
        module: category
            .module
            .map_or_else(String::new, |m| m.id().to_owned()),
    }
}

/// One entry per labelled item (in its citizen's file), and one for the whole category's
/// `count`.
fn journal(category: &Category, months: u32, items: &[Item], count: u64) -> Vec<AuditEvent> {
    let mut events: Vec<AuditEvent> = items
        .iter()
        .filter_map(|item| {
            let label = item.label.as_ref()?;
            Some(automatic(
                category,
                "suppression à l'échéance de conservation",
                format!("{} : {label}", category.label),
                item.citizen_id,
            ))
        })
        .collect();
    events.push(automatic(
        category,
        "suppression à l'échéance de conservation",
        format!(
            "{} : {count} supprimé(s), conservés {months} mois",
            category.label,
        ),
        None,
    ));
    events
}

/// Deletes the files of removed rows. Their rows are gone: a file that cannot be deleted is
/// logged (it is named by nothing any more, and a later pass does not see it).
async fn delete_files(platform: &Platform, tenant: &Tenant, leftovers: Vec<Leftover>) {
    for leftover in leftovers {
        if let Err(e) = crate::files::delete(platform, tenant.slug(), &leftover.0).await {
            tracing::error!(tenant = %tenant.slug(), ?leftover, error = %e, "file of removed data left behind");
        }
    }
}

async fn record_run(tenant: &Tenant, now: DateTime<Utc>, outcome: &Outcome) -> Result<(), DbErr> {
    let txn = tenant.db().begin_write().await?;
    retention_run::ActiveModel {
        ran_at: Set(now),
        category: Set(outcome.category.to_owned()),
        months: Set(i32::try_from(outcome.months).unwrap_or(i32::MAX)),
        applied: Set(outcome.applied),
        count: Set(i64::try_from(outcome.due).unwrap_or(i64::MAX)),
        held: Set(i64::try_from(outcome.held).unwrap_or(i64::MAX)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // A year of daily passes is enough to answer « what went, when ».
    retention_run::Entity::delete_many()
        .filter(retention_run::Column::RanAt.lt(now - chrono::Duration::days(400)))
        .exec(&txn)
        .await?;
    txn.commit().await
}

/// The last pass of each category, if any.
pub async fn last_runs(tenant: &Tenant) -> Result<Vec<retention_run::Model>, DbErr> {
    let txn = tenant.db().begin().await?;
    let mut last = Vec::new();
    for category in categories() {
        if let Some(run) = retention_run::Entity::find()
            .filter(retention_run::Column::Category.eq(category.id))
            .order_by_desc(retention_run::Column::RanAt)
            .one(&txn)
            .await?
        {
            last.push(run);
        }
    }
    txn.commit().await?;
    Ok(last)
}

/// Deletes the rows of `E` whose `id` is one of the removal's: the whole of a category's
/// [`Category::remove`] when its rows have no children and no files.
pub fn delete_rows<'a, E: EntityTrait>(
    removal: &'a Removal<'a>,
) -> Boxed<'a, Result<Vec<Leftover>, DbErr>> {
    Box::pin(async move {
        delete_where::<E>(removal.txn, "id", removal.ids).await?;
        Ok(Vec::new())
    })
}

/// Deletes the rows of `E` whose column `column` (by name) is one of `ids`: a removal's
/// children, then its rows.
pub async fn delete_where<E: EntityTrait>(
    txn: &DatabaseTransaction,
    column: &str,
    ids: &[i64],
) -> Result<(), DbErr> {
    use std::str::FromStr as _;
    let Ok(column) = E::Column::from_str(column) else {
        return Err(DbErr::Custom(format!(
            "{} has no {column} column",
            E::default().table_name()
        )));
    };
    E::delete_many()
        .filter(column.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Of `ids`, the documents `column` of `E`'s rows names: a part's
/// [`Retention::documents_in_use`] is usually one or two of these.
pub async fn cited<E: EntityTrait>(
    txn: &DatabaseTransaction,
    column: E::Column,
    ids: &[i64],
) -> Result<Vec<i64>, DbErr> {
    use sea_orm::{ColumnTrait as _, QuerySelect as _};
    let cited: Vec<Option<i64>> = E::find()
        .select_only()
        .column(column)
        .filter(column.is_in(ids.iter().copied()))
        .into_tuple()
        .all(txn)
        .await?;
    Ok(cited.into_iter().flatten().collect())
}

/// The ids of `citizen`'s rows of `E` matching `condition`: a category's
/// [`Category::of_citizen`] is usually one of these.
pub async fn ids_of<E: EntityTrait>(
    txn: &DatabaseTransaction,
    citizen: i64,
    condition: sea_orm::Condition,
) -> Result<Vec<i64>, DbErr> {
    use sea_orm::QuerySelect as _;
    use std::str::FromStr as _;
    let (Ok(id), Ok(owner)) = (E::Column::from_str("id"), E::Column::from_str("citizen_id")) else {
        return Err(DbErr::Custom(format!(
            "{} has no id or citizen_id column",
            E::default().table_name()
        )));
    };
    E::find()
        .select_only()
        .column(id)
        .filter(owner.eq(citizen))
        .filter(condition)
        .into_tuple()
        .all(txn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_store_owner_removes_is_never_erased_on_request() {
        let owners: Vec<&str> = categories()
            .filter(|c| c.removed_as == RemovedAs::StoreOwner)
            .map(|c| c.id)
            .collect();
        assert_eq!(owners, [journal::CATEGORY.id]);
        for category in categories() {
            assert!(
                category.removed_as == RemovedAs::Application || category.of_citizen.is_none(),
                "{} is removed as the owner and erased on request, in the application's \
                 transaction",
                category.id
            );
        }
    }
}
