//! Each department's mapping of its own labels to the shared nomenclatures' codes, done once
//! by its administrator: the bodies it orients RSA beneficiaries to, written freely in each
//! orientation, each ranked in a category of OARSA's. Modules declare which of their labels
//! need ranking (`Indicators::local_labels`) and read the codes back when they compute. (Aids
//! are ranked in the aid's own settings, where they are written.)

use std::collections::{BTreeMap, HashMap};

use app::validation::FieldErrors;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use tenants::Tenant;

use super::nomenclatures;
use crate::entity::statistics_label_map;
use crate::modules::{Boxed, PARTS};

/// Labels of a module's that the department ranks in a nomenclature.
pub struct LocalLabels {
    pub nomenclature: &'static str,
    /// What they are, as the page titles them (« Organismes référents des orientations »).
    pub what: &'static str,
    /// The labels in use in the department.
    pub list: ListLabels,
}

/// A module's labels in use in a department.
pub type ListLabels = for<'a> fn(&'a Tenant) -> Boxed<'a, Result<Vec<String>, DbErr>>;

/// How a label is matched: lowercased, its spaces collapsed (« CCAS  de Nîmes » is « ccas de
/// nîmes »).
pub fn key(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The department's codes in `nomenclature`, by label key.
pub async fn codes(tenant: &Tenant, nomenclature: &str) -> Result<HashMap<String, String>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = statistics_label_map::Entity::find()
        .filter(statistics_label_map::Column::Nomenclature.eq(nomenclature))
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(|r| (r.label_key, r.code)).collect())
}

/// The labels the department's modules ask it to rank.
pub fn declared(tenant: &Tenant) -> Vec<&'static LocalLabels> {
    PARTS
        .iter()
        .filter(|p| p.module.is_some_and(|m| tenant.has_module(m)))
        .filter_map(|p| p.indicators)
        .flat_map(|i| i.local_labels.iter())
        .collect()
}

/// One label to rank and its code, if ranked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ranked {
    pub label: String,
    pub code: Option<String>,
}

/// Each declared list's labels in use, with their codes: `(list, labels)`, labels sorted,
/// one per key.
pub async fn current(tenant: &Tenant) -> Result<Vec<(&'static LocalLabels, Vec<Ranked>)>, DbErr> {
    let mut lists = Vec::new();
    for labels in declared(tenant) {
        let codes = codes(tenant, labels.nomenclature).await?;
        let mut by_key = BTreeMap::new();
        for label in (labels.list)(tenant).await? {
            let k = key(&label);
            by_key.entry(k.clone()).or_insert(Ranked {
                label: label.split_whitespace().collect::<Vec<_>>().join(" "),
                code: codes.get(&k).cloned(),
            });
        }
        lists.push((labels, by_key.into_values().collect()));
    }
    Ok(lists)
}

/// What the administrator's form sends for one label: its list's nomenclature, the label,
/// the code chosen (empty: not ranked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub nomenclature: String,
    pub label: String,
    pub code: String,
}

/// The form field of the `i`-th label of the `l`-th list, as the page names it.
pub fn field(l: usize, i: usize) -> String {
    format!("categorie-{l}-{i}")
}

/// Checks `choices` against the lists in use: each label must be one of its list's (the page
/// may be stale: refused as a whole), each code one of its nomenclature's (refused at its
/// field).
pub fn parse(
    lists: &[(&'static LocalLabels, Vec<Ranked>)],
    choices: &[Choice],
) -> Result<Vec<(&'static str, Ranked)>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut ranked = Vec::new();
    for choice in choices {
        let found = lists.iter().enumerate().find_map(|(l, (labels, entries))| {
            let i = entries.iter().position(|e| {
                labels.nomenclature == choice.nomenclature && key(&e.label) == key(&choice.label)
            })?;
            Some((l, i, labels.nomenclature, &entries[i]))
        });
        let Some((l, i, nomenclature, entry)) = found else {
            return Err(FieldErrors::form(
                "Un libellé envoyé n'est plus dans la liste du département : rechargez la page et recommencez.",
            ));
        };
        let code = choice.code.trim();
        if code.is_empty() {
            ranked.push((
                nomenclature,
                Ranked {
                    label: entry.label.clone(),
                    code: None,
                },
            ));
        } else if nomenclatures::find(nomenclature).is_some_and(|n| n.has(code)) {
            ranked.push((
                nomenclature,
                Ranked {
                    label: entry.label.clone(),
                    code: Some(code.to_owned()),
                },
            ));
        } else {
            errors.add(
                &field(l, i),
                format!(
                    "Cette catégorie n'existe pas : choisissez-en une de la liste pour « {} », ou « Non classé ».",
                    entry.label
                ),
            );
        }
    }
    if errors.is_empty() {
        Ok(ranked)
    } else {
        Err(errors)
    }
}

/// Saves the ranking (a label left unranked loses its code) and journals it, in one
/// transaction; how many labels are ranked.
pub async fn save(
    tenant: &Tenant,
    ranked: &[(&'static str, Ranked)],
    entry: crate::audit::AuditEvent,
) -> Result<usize, DbErr> {
    let now = Utc::now();
    let txn = tenant.db().begin_write().await?;
    for (nomenclature, entry) in ranked {
        let k = key(&entry.label);
        match &entry.code {
            None => {
                statistics_label_map::Entity::delete_many()
                    .filter(statistics_label_map::Column::Nomenclature.eq(*nomenclature))
                    .filter(statistics_label_map::Column::LabelKey.eq(k))
                    .exec(&txn)
                    .await?;
            }
            Some(code) => {
                statistics_label_map::Entity::insert(statistics_label_map::ActiveModel {
                    nomenclature: Set((*nomenclature).to_owned()),
                    label_key: Set(k),
                    label: Set(entry.label.clone()),
                    code: Set(code.clone()),
                    updated_at: Set(now),
                })
                .on_conflict(
                    OnConflict::columns([
                        statistics_label_map::Column::Nomenclature,
                        statistics_label_map::Column::LabelKey,
                    ])
                    .update_columns([
                        statistics_label_map::Column::Label,
                        statistics_label_map::Column::Code,
                        statistics_label_map::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec(&txn)
                .await?;
            }
        }
    }
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(ranked.iter().filter(|(_, r)| r.code.is_some()).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_whatever_their_case_and_spaces() {
        assert_eq!(key("  CCAS   de Nîmes "), "ccas de nîmes");
        assert_eq!(key("Ccas de nîmes"), key("CCAS de Nîmes"));
    }
}
