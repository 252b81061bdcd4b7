//! Early detection: from what the platform already holds, the situations worth a proactive
//! contact. Each module declares its rules (`Indicators::signals`), each explained in plain
//! French; none runs until the department's administrator switches it on (journaled). A rule's
//! situations are listed to the staff who work on the module's files, by reference or name as
//! the module's own lists show them; opening one is journaled for the person, with the rule as
//! the reason, before the file opens.

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use sea_orm::{DbErr, EntityTrait, Set};
use tenants::{Module, Tenant};

use crate::entity::detection_rule;
use crate::modules::{Boxed, PARTS};

/// A rule as its module declares it.
pub struct Signal {
    /// `module.what`, stable: the department's choice is kept by it.
    pub id: &'static str,
    pub name: &'static str,
    /// What it finds and why a contact may help, in plain French.
    pub explanation: &'static str,
    pub find: Find,
}

/// A rule's search: `(tenant, today)` to the situations it finds, the most urgent first.
pub type Find = for<'a> fn(&'a Tenant, NaiveDate) -> Boxed<'a, Result<Vec<Situation>, DbErr>>;

/// One situation a rule found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Situation {
    pub citizen_id: i64,
    /// How the module's lists name it: a file's reference, or the person's name.
    pub who: String,
    /// What the rule saw (« Droit AAH jusqu'au 31/03/2027 »).
    pub what: String,
    pub since: NaiveDate,
    /// The file to open, under the department (`/agents/insertion/personnes/12`).
    pub file: String,
}

/// Every declared rule, with its module.
pub fn declared() -> impl Iterator<Item = (Module, &'static Signal)> {
    PARTS
        .iter()
        .filter_map(|p| Some((p.module?, p.indicators.as_ref()?)))
        .flat_map(|(module, indicators)| indicators.signals.iter().map(move |s| (module, s)))
}

/// The rule `id` and its module, if declared.
pub fn find(id: &str) -> Option<(Module, &'static Signal)> {
    declared().find(|(_, s)| s.id == id)
}

/// The rules `tenant` has switched on.
pub async fn enabled(tenant: &Tenant) -> Result<BTreeSet<String>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = detection_rule::Entity::find().all(&txn).await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(|r| r.rule).collect())
}

/// Switches on exactly `rules` (declared ones of the department's modules), with the journal
/// entry `entry`, in one transaction. Rules switched on before keep their date.
pub async fn choose(
    tenant: &Tenant,
    rules: &BTreeSet<&'static str>,
    entry: crate::audit::AuditEvent,
) -> Result<(), DbErr> {
    let txn = tenant.db().begin_write().await?;
    let before: BTreeSet<String> = detection_rule::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| r.rule)
        .collect();
    for gone in before.iter().filter(|r| !rules.contains(r.as_str())) {
        detection_rule::Entity::delete_by_id(gone.clone())
            .exec(&txn)
            .await?;
    }
    let now = Utc::now();
    let added: Vec<_> = rules
        .iter()
        .filter(|r| !before.contains(**r))
        .map(|r| detection_rule::ActiveModel {
            rule: Set((*r).to_owned()),
            enabled_at: Set(now),
        })
        .collect();
    if !added.is_empty() {
        detection_rule::Entity::insert_many(added)
            .exec(&txn)
            .await?;
    }
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await
}

/// The rules of `module` the department switched on, with what each finds today.
pub async fn situations(
    tenant: &Tenant,
    module: Module,
    today: NaiveDate,
) -> Result<Vec<(&'static Signal, Vec<Situation>)>, DbErr> {
    let on = enabled(tenant).await?;
    let mut found = Vec::new();
    for (_, signal) in declared().filter(|(m, s)| *m == module && on.contains(s.id)) {
        found.push((signal, (signal.find)(tenant, today).await?));
    }
    Ok(found)
}
