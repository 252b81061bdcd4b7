//! Departments compared with each other, on their own terms: a department that opts in (its
//! administrator, with its INSEE code and its size band) has its figures over the last twelve
//! months copied, secrecy applied, to the platform store (`statistics_shared`) each time they
//! are computed. Its comparison page sets each of its indicators beside the quartiles of the
//! consenting departments of the same size band; the operator sees every band
//! (`guichet statistics compare`); calendar years go to the open-data export
//! (`guichet statistics open-data`). Opting out deletes what was shared at once. Nothing here
//! opens another department's store.

use std::collections::BTreeMap;

use app::validation::FieldErrors;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use tenants::{Platform, Tenant};

use super::indicators::{self, Indicator, Month, Unit};
use super::nomenclatures;
use super::secrecy;
use crate::entity::{statistics_profile, statistics_shared};

/// Under this many departments with a figure, no quartile is shown: they would come too
/// close to one department's own figure.
pub const MIN_DEPARTMENTS: usize = 5;

/// What a department declares to be compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Its COG code (`30`, `2A`, `974`).
    pub department: String,
    /// A `taille_departement` code.
    pub size: String,
    /// It agreed to be compared and to appear in the open-data export.
    pub compared: bool,
}

impl Profile {
    /// The profile as the form sent it, or what is wrong with each field, in French.
    pub fn parse(department: &str, size: &str, compared: bool) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let department = match nomenclatures::departement(department) {
            Some(d) => d.code.to_owned(),
            None => {
                errors.add(
                    "departement",
                    "Choisissez le département dans la liste (son code INSEE, par exemple 30 pour le Gard).",
                );
                String::new()
            }
        };
        let sizes = nomenclatures::find("taille_departement").expect("a shipped nomenclature");
        if !sizes.has(size) {
            errors.add(
                "taille",
                "Choisissez la taille du département dans la liste (sa population municipale selon l'INSEE).",
            );
        }
        if errors.is_empty() {
            Ok(Self {
                department,
                size: size.to_owned(),
                compared,
            })
        } else {
            Err(errors)
        }
    }
}

/// The department's profile, if its administrator has filled it in.
pub async fn profile(tenant: &Tenant) -> Result<Option<Profile>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = statistics_profile::Entity::find_by_id(1).one(&txn).await?;
    txn.commit().await?;
    Ok(row.map(|r| Profile {
        department: r.department,
        size: r.size,
        compared: r.compared,
    }))
}

/// Why a profile was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error(
        "Un autre département de la plateforme est déjà comparé sous le code {0} : vérifiez le code, ou écrivez à l'opérateur de la plateforme si c'est bien le vôtre."
    )]
    TakenCode(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Saves `profile` with the journal entry `entry`, then shares the department's figures
/// (or withdraws them when it opts out).
pub async fn save(
    platform: &Platform,
    tenant: &Tenant,
    profile: &Profile,
    entry: crate::audit::AuditEvent,
    threshold: u64,
) -> Result<(), SaveError> {
    if profile.compared {
        let txn = platform.db().begin().await?;
        let taken = statistics_shared::Entity::find()
            .filter(statistics_shared::Column::Department.eq(&profile.department))
            .filter(statistics_shared::Column::TenantId.ne(tenant.id()))
            .one(&txn)
            .await?;
        txn.commit().await?;
        if taken.is_some() {
            return Err(SaveError::TakenCode(profile.department.clone()));
        }
    }
    let txn = tenant.db().begin_write().await?;
    let existing = statistics_profile::Entity::find_by_id(1).one(&txn).await?;
    let row = statistics_profile::ActiveModel {
        id: Set(1),
        department: Set(profile.department.clone()),
        size: Set(profile.size.clone()),
        compared: Set(profile.compared),
        updated_at: Set(Utc::now()),
    };
    if existing.is_some() {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    share(platform, tenant, threshold).await?;
    Ok(())
}

/// Copies the department's figures of the last twelve months computed to the platform store,
/// secrecy applied, if it agreed; else removes every figure it shared. Returns how many
/// figures are shared.
pub async fn share(platform: &Platform, tenant: &Tenant, threshold: u64) -> Result<usize, DbErr> {
    let profile = profile(tenant).await?.filter(|p| p.compared);
    let ending = match &profile {
        Some(_) => indicators::latest_year(tenant).await?,
        None => None,
    };
    let rows = match (&profile, ending) {
        (Some(profile), Some(ending)) => {
            let stored = indicators::stored_year(tenant, ending).await?;
            shareable(tenant, &stored, threshold)
                .into_iter()
                .map(|(indicator, value)| statistics_shared::ActiveModel {
                    tenant_id: Set(tenant.id()),
                    department: Set(profile.department.clone()),
                    size: Set(profile.size.clone()),
                    indicator: Set(indicator.to_owned()),
                    ending: Set(ending.key()),
                    value: Set(value),
                    published_at: Set(Utc::now()),
                    ..Default::default()
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let txn = tenants::begin_write(platform.db()).await?;
    let mut stale = statistics_shared::Entity::delete_many()
        .filter(statistics_shared::Column::TenantId.eq(tenant.id()));
    if let (Some(_), Some(ending)) = (&profile, ending) {
        // Earlier years stay shared; this one is replaced.
        stale = stale.filter(statistics_shared::Column::Ending.eq(ending.key()));
    }
    stale.exec(&txn).await?;
    let shared = rows.len();
    if !rows.is_empty() {
        statistics_shared::Entity::insert_many(rows)
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(shared)
}

/// Each indicator of the department's modules with its year's figure as it may leave the
/// department: a count shown when none or enough persons (`None`: secret), a delay or a share
/// only on enough persons. Indicators with nothing to compute on are left out.
fn shareable(
    tenant: &Tenant,
    stored: &BTreeMap<String, (f64, u64)>,
    threshold: u64,
) -> Vec<(&'static str, Option<f64>)> {
    indicators::declared()
        .filter(|(module, _)| tenant.has_module(*module))
        .filter_map(|(_, indicator)| {
            let figure = stored.get(indicator.id).copied();
            let value = match (indicator.unit, figure) {
                (Unit::Count, None) => Some(0.0),
                (Unit::Count, Some((_, persons))) => {
                    match secrecy::protect_series(&[persons], threshold)[0] {
                        secrecy::Shown::Value(n) => Some(n as f64),
                        secrecy::Shown::Secret => None,
                    }
                }
                (_, None) => return None,
                (_, Some((value, persons))) => secrecy::measure(value, persons, threshold),
            };
            Some((indicator.id, value))
        })
        .collect()
}

/// The first, second and third quartiles of a group's figures, interpolated between the two
/// nearest ranks (Hyndman and Fan's type 7, as spreadsheets compute them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quartiles {
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
}

impl Quartiles {
    /// `None` under [`MIN_DEPARTMENTS`] values.
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.len() < MIN_DEPARTMENTS {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |p: f64| {
            let h = (sorted.len() - 1) as f64 * p;
            let (low, high) = (h.floor() as usize, h.ceil() as usize);
            sorted[low] + (h - h.floor()) * (sorted[high] - sorted[low])
        };
        Some(Self {
            q1: at(0.25),
            median: at(0.5),
            q3: at(0.75),
        })
    }

    pub fn as_array(self) -> [f64; 3] {
        [self.q1, self.median, self.q3]
    }
}

/// The three quartiles as read in French in `unit` (« – » each when there are none), for the
/// page and the operator's view alike.
pub fn quartile_texts(quartiles: Option<[f64; 3]>, unit: Unit) -> [String; 3] {
    quartiles.map_or_else(
        || std::array::from_fn(|_| "–".to_owned()),
        |q| q.map(|v| super::publish::format_value(v, unit)),
    )
}

/// One indicator compared.
#[derive(Clone, Debug)]
pub struct Line {
    pub indicator: &'static Indicator,
    /// The department's own figure as shared (`None`: secret or nothing to compute).
    pub own: Option<Option<f64>>,
    /// How many departments of the band have a figure shown.
    pub departments: usize,
    pub quartiles: Option<Quartiles>,
}

/// A department's comparison: its band, the twelve months, and a line per indicator.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub size: String,
    pub ending: Month,
    pub lines: Vec<Line>,
}

/// The comparison of `tenant` with its band on the last twelve months it shared, if it
/// agreed to be compared and has shared figures.
pub async fn compare(platform: &Platform, tenant: &Tenant) -> Result<Option<Comparison>, DbErr> {
    let txn = platform.db().begin().await?;
    let latest = statistics_shared::Entity::find()
        .filter(statistics_shared::Column::TenantId.eq(tenant.id()))
        .order_by_desc(statistics_shared::Column::Ending)
        .one(&txn)
        .await?;
    let Some(latest) = latest else {
        txn.commit().await?;
        return Ok(None);
    };
    let group = band(&txn, &latest.size, &latest.ending).await?;
    txn.commit().await?;
    let ending = Month::parse(&latest.ending).expect("stored as YYYY-MM");
    let lines = indicators::declared()
        .filter(|(module, _)| tenant.has_module(*module))
        .map(|(_, indicator)| {
            let rows: Vec<&statistics_shared::Model> = group
                .iter()
                .filter(|r| r.indicator == indicator.id)
                .collect();
            let values: Vec<f64> = rows.iter().filter_map(|r| r.value).collect();
            Line {
                indicator,
                own: rows
                    .iter()
                    .find(|r| r.tenant_id == tenant.id())
                    .map(|r| r.value),
                departments: values.len(),
                quartiles: Quartiles::of(&values),
            }
        })
        .collect();
    Ok(Some(Comparison {
        size: latest.size,
        ending,
        lines,
    }))
}

/// Every figure of a size band for the twelve months ending with `ending`.
async fn band(
    txn: &DatabaseTransaction,
    size: &str,
    ending: &str,
) -> Result<Vec<statistics_shared::Model>, DbErr> {
    statistics_shared::Entity::find()
        .filter(statistics_shared::Column::Size.eq(size))
        .filter(statistics_shared::Column::Ending.eq(ending))
        .all(txn)
        .await
}

/// The operator's view of one size band: each indicator's quartiles and every department's
/// figure.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BandView {
    pub size: String,
    pub ending: String,
    pub indicators: Vec<IndicatorView>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct IndicatorView {
    pub indicator: String,
    pub name: String,
    pub quartiles: Option<[f64; 3]>,
    /// (COG code, department's name, figure; `None` when secret).
    pub departments: Vec<(String, String, Option<f64>)>,
}

/// Every size band on its latest twelve months, as the operator sees it.
pub async fn platform_view(platform: &Platform) -> Result<Vec<BandView>, DbErr> {
    let txn = platform.db().begin().await?;
    let rows = statistics_shared::Entity::find()
        .order_by_asc(statistics_shared::Column::Size)
        .order_by_asc(statistics_shared::Column::Department)
        .all(&txn)
        .await?;
    txn.commit().await?;
    let mut views = Vec::new();
    let sizes = nomenclatures::find("taille_departement").expect("a shipped nomenclature");
    for (size, _) in &sizes.entries {
        let in_band: Vec<&statistics_shared::Model> =
            rows.iter().filter(|r| r.size == *size).collect();
        let Some(ending) = in_band.iter().map(|r| r.ending.clone()).max() else {
            continue;
        };
        let indicators = indicators::declared()
            .filter_map(|(_, indicator)| {
                let figures: Vec<_> = in_band
                    .iter()
                    .filter(|r| r.ending == ending && r.indicator == indicator.id)
                    .map(|r| {
                        let name = nomenclatures::departement(&r.department)
                            .map_or_else(|| r.department.clone(), |d| d.name.to_owned());
                        (r.department.clone(), name, r.value)
                    })
                    .collect();
                if figures.is_empty() {
                    return None;
                }
                let values: Vec<f64> = figures.iter().filter_map(|(_, _, v)| *v).collect();
                Some(IndicatorView {
                    indicator: indicator.id.to_owned(),
                    name: indicator.name.to_owned(),
                    quartiles: Quartiles::of(&values).map(|q| [q.q1, q.median, q.q3]),
                    departments: figures,
                })
            })
            .collect();
        views.push(BandView {
            size: size.to_string(),
            ending,
            indicators,
        });
    }
    Ok(views)
}

/// The operator's view as text, band by band.
pub fn as_text(bands: &[BandView]) -> String {
    use std::fmt::Write as _;
    let sizes = nomenclatures::find("taille_departement").expect("a shipped nomenclature");
    let mut out = String::new();
    if bands.is_empty() {
        out.push_str("Aucun département n'a encore choisi d'être comparé.\n");
    }
    for band in bands {
        let period = Month::parse(&band.ending)
            .map_or_else(|| band.ending.clone(), super::publish::month_label);
        let _ = writeln!(
            out,
            "{} — les 12 mois jusqu'à {period}",
            sizes.label_of(&band.size).unwrap_or(&band.size)
        );
        for view in &band.indicators {
            let unit = indicators::find(&view.indicator).map_or(Unit::Count, |i| i.unit);
            let shown = |v: f64| super::publish::format_value(v, unit);
            let spread = match (view.quartiles, quartile_texts(view.quartiles, unit)) {
                (None, _) => format!("moins de {MIN_DEPARTMENTS} départements, pas de quartiles"),
                (Some(_), [q1, median, q3]) => {
                    format!("1er quartile {q1}, médiane {median}, 3e quartile {q3}")
                }
            };
            let _ = writeln!(out, "  {} : {spread}", view.name);
            for (code, name, value) in &view.departments {
                let value = value.map_or_else(|| "s".to_owned(), shown);
                let _ = writeln!(out, "    {code} {name} : {value}");
            }
        }
    }
    out
}

/// The shared figures of whole calendar years (twelve months ending in December), as the
/// open-data export publishes them: (COG code, size band, year, indicator, figure).
pub async fn calendar_years(
    platform: &Platform,
) -> Result<Vec<(String, String, i32, &'static Indicator, Option<f64>)>, DbErr> {
    let txn = platform.db().begin().await?;
    let rows = statistics_shared::Entity::find()
        .filter(statistics_shared::Column::Ending.like("%-12"))
        .order_by_asc(statistics_shared::Column::Department)
        .order_by_asc(statistics_shared::Column::Ending)
        .order_by_asc(statistics_shared::Column::Indicator)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let indicator = indicators::find(&r.indicator)?;
            let year = r.ending.get(..4)?.parse().ok()?;
            Some((r.department, r.size, year, indicator, r.value))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_interpolate_and_need_enough_departments() {
        assert_eq!(Quartiles::of(&[1.0, 2.0, 3.0, 4.0]), None);
        let q = Quartiles::of(&[5.0, 1.0, 4.0, 2.0, 3.0]).unwrap();
        assert_eq!((q.q1, q.median, q.q3), (2.0, 3.0, 4.0));
        let q = Quartiles::of(&[10.0, 20.0, 30.0, 40.0, 50.0, 60.0]).unwrap();
        assert_eq!((q.q1, q.median, q.q3), (22.5, 35.0, 47.5));
    }

    #[test]
    fn a_profile_names_a_listed_departement_and_size() {
        let profile = Profile::parse("2a", "moins_250k", true).unwrap();
        assert_eq!(profile.department, "2A");
        let errors = Profile::parse("20", "immense", true).unwrap_err();
        let fields: Vec<_> = errors
            .entries()
            .iter()
            .filter_map(|(f, _)| f.clone())
            .collect();
        assert_eq!(fields, ["departement", "taille"]);
    }
}
