//! The department's catalogue of aids. Each aid has a form made of typed questions; every change
//! to the form is a new version, and the aid points at the current one.

use app::validation::FieldErrors;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use tenants::Tenant;

use super::form::FormDefinition;
use crate::audit;
use crate::entity::{aid, aid_form_version};
use crate::staff::Author;

/// What silence past the deadline means, as the law of the aid says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Silence {
    Acceptance,
    Refusal,
}

impl Silence {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "acceptance" => Some(Silence::Acceptance),
            "refusal" => Some(Silence::Refusal),
            _ => None,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Silence::Acceptance => "acceptance",
            Silence::Refusal => "refusal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Silence::Acceptance => "vaut acceptation",
            Silence::Refusal => "vaut refus",
        }
    }
}

/// An aid as pages need it.
#[derive(Clone, Debug)]
pub struct Aid {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub eligibility: String,
    /// One document per line.
    pub documents: String,
    pub deadline_days: i32,
    pub silence: Silence,
    pub open: bool,
    pub form_version: i32,
    /// Its code in the shared nomenclature of aid categories, or empty.
    pub category: String,
}

impl Aid {
    pub fn document_list(&self) -> Vec<String> {
        self.documents
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

impl From<aid::Model> for Aid {
    fn from(m: aid::Model) -> Self {
        Self {
            id: m.id,
            slug: m.slug,
            title: m.title,
            description: m.description,
            eligibility: m.eligibility,
            documents: m.documents,
            deadline_days: m.deadline_days,
            silence: Silence::parse(&m.silence_means).unwrap_or(Silence::Refusal),
            open: m.open,
            form_version: m.form_version,
            category: m.category,
        }
    }
}

/// The administrator's form for an aid, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AidInput {
    pub title: String,
    pub description: String,
    pub eligibility: String,
    pub documents: String,
    pub deadline_days: String,
    pub silence: String,
    #[serde(deserialize_with = "app::validation::checkbox")]
    pub open: bool,
    /// A code of the shared `categorie_aide` nomenclature, or empty (not ranked yet).
    #[serde(default)]
    pub category: String,
}

/// A checked [`AidInput`].
#[derive(Clone, Debug)]
pub struct ValidAid {
    title: String,
    description: String,
    eligibility: String,
    documents: String,
    deadline_days: i32,
    silence: Silence,
    open: bool,
    category: String,
}

impl AidInput {
    /// Every problem at once, each saying how to fix it.
    pub fn validate(&self) -> Result<ValidAid, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = self.title.trim();
        if title.is_empty() {
            errors.add(
                "title",
                "Donnez un titre à l'aide, par exemple « Aide au paiement du loyer ».",
            );
        } else if title.chars().count() > 150 {
            errors.add("title", "Le titre est trop long (150 caractères au plus).");
        }
        if self.description.trim().is_empty() {
            errors.add(
                "description",
                "Décrivez l'aide en quelques phrases simples : à quoi elle sert, ce qu'elle apporte.",
            );
        }
        if self.eligibility.trim().is_empty() {
            errors.add("eligibility", "Indiquez qui peut demander cette aide.");
        }
        let deadline = self.deadline_days.trim().parse::<i32>().ok();
        let deadline = match deadline {
            Some(days) if (1..=365).contains(&days) => days,
            _ => {
                errors.add(
                    "deadline_days",
                    "Le délai d'instruction est un nombre de jours entre 1 et 365, par exemple 60.",
                );
                0
            }
        };
        let silence = Silence::parse(&self.silence);
        if silence.is_none() {
            errors.add(
                "silence-acceptance",
                "Indiquez ce que vaut le silence du département à la fin du délai : acceptation ou refus.",
            );
        }
        let category = self.category.trim();
        if !category.is_empty() && !aid_categories().has(category) {
            errors.add(
                "category",
                "Choisissez la catégorie de l'aide dans la liste, ou « Non classée ».",
            );
        }
        match silence {
            Some(silence) if errors.is_empty() => Ok(ValidAid {
                title: title.to_owned(),
                description: self.description.trim().to_owned(),
                eligibility: self.eligibility.trim().to_owned(),
                documents: self.documents.trim().to_owned(),
                deadline_days: deadline,
                silence,
                open: self.open,
                category: category.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

impl From<&Aid> for AidInput {
    fn from(aid: &Aid) -> Self {
        Self {
            title: aid.title.clone(),
            description: aid.description.clone(),
            eligibility: aid.eligibility.clone(),
            documents: aid.documents.clone(),
            deadline_days: aid.deadline_days.to_string(),
            silence: aid.silence.id().to_owned(),
            open: aid.open,
            category: aid.category.clone(),
        }
    }
}

/// The shared nomenclature each aid is ranked in, so departments' figures compare.
pub fn aid_categories() -> crate::statistics::nomenclatures::Nomenclature {
    crate::statistics::nomenclatures::find("categorie_aide")
        .expect("the aid categories are a shipped nomenclature")
}

/// Every aid's title, by id: one read of the catalogue for a list of requests, not one per
/// request.
pub async fn titles(tenant: &Tenant) -> Result<std::collections::HashMap<i64, String>, DbErr> {
    Ok(list(tenant, false)
        .await?
        .into_iter()
        .map(|a| (a.id, a.title))
        .collect())
}

/// Every aid's id and title, in title order, kept for [`crate::cache::TTL`]: the instructors'
/// queue names each row's aid and offers every aid as a filter on every view. Only titles, so
/// that nothing relies on a kept form version. Changes made through this node drop the entry
/// ([`AidTitles::forget`]).
#[derive(Default)]
pub struct AidTitles(crate::cache::PerTenant<std::sync::Arc<[(i64, String)]>>);

impl AidTitles {
    pub async fn get(&self, tenant: &Tenant) -> Result<std::sync::Arc<[(i64, String)]>, DbErr> {
        let read = async {
            let aids = list(tenant, false).await?;
            Ok(aids.into_iter().map(|a| (a.id, a.title)).collect())
        };
        self.0.get_or_read(tenant, read).await
    }

    /// Drops the department's entry after a change to its catalogue.
    pub fn forget(&self, tenant: &Tenant) {
        self.0.forget(tenant);
    }
}

/// The catalogue, in title order; citizens see only open aids.
pub async fn list(tenant: &Tenant, only_open: bool) -> Result<Vec<Aid>, DbErr> {
    let txn = tenant.db().begin().await?;
    let mut query = aid::Entity::find().order_by_asc(aid::Column::Title);
    if only_open {
        query = query.filter(aid::Column::Open.eq(true));
    }
    let rows = query.all(&txn).await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(Aid::from).collect())
}

pub async fn find(tenant: &Tenant, id: i64) -> Result<Option<Aid>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = aid::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    Ok(row.map(Aid::from))
}

pub async fn find_by_slug(tenant: &Tenant, slug: &str) -> Result<Option<Aid>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = aid::Entity::find()
        .filter(aid::Column::Slug.eq(slug))
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(row.map(Aid::from))
}

/// A slug from the title, made unique in the catalogue (`aide-au-loyer`, `aide-au-loyer-2`…).
async fn unique_slug(txn: &DatabaseTransaction, title: &str) -> Result<String, DbErr> {
    let base = match slug::slugify(title) {
        s if s.is_empty() => "aide".to_owned(),
        s => s
            .chars()
            .take(60)
            .collect::<String>()
            .trim_end_matches('-')
            .to_owned(),
    };
    let mut candidate = base.clone();
    let mut n = 1;
    while aid::Entity::find()
        .filter(aid::Column::Slug.eq(candidate.as_str()))
        .one(txn)
        .await?
        .is_some()
    {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

/// Adds an aid with an empty form (version 1), journaled in `by`'s name.
pub async fn create(tenant: &Tenant, input: ValidAid, by: Author<'_>) -> Result<Aid, DbErr> {
    let txn = tenant.db().begin_write().await?;
    let now = Utc::now();
    let slug = unique_slug(&txn, &input.title).await?;
    let row = aid::ActiveModel {
        slug: Set(slug),
        title: Set(input.title),
        description: Set(input.description),
        eligibility: Set(input.eligibility),
        documents: Set(input.documents),
        deadline_days: Set(input.deadline_days),
        silence_means: Set(input.silence.id().to_owned()),
        open: Set(input.open),
        category: Set(input.category),
        form_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    insert_version(&txn, row.id, 1, &FormDefinition::default()).await?;
    let entry = by.event("création d'une aide", &subject(&row));
    audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(row.into())
}

/// Changes an aid's description and rules (its slug, hence its address, stays), journaled in
/// `by`'s name.
pub async fn update(
    tenant: &Tenant,
    id: i64,
    input: ValidAid,
    by: Author<'_>,
) -> Result<Option<Aid>, DbErr> {
    let txn = tenant.db().begin_write().await?;
    let Some(row) = aid::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(None);
    };
    let mut row: aid::ActiveModel = row.into();
    row.title = Set(input.title);
    row.description = Set(input.description);
    row.eligibility = Set(input.eligibility);
    row.documents = Set(input.documents);
    row.deadline_days = Set(input.deadline_days);
    row.silence_means = Set(input.silence.id().to_owned());
    row.open = Set(input.open);
    row.category = Set(input.category);
    row.updated_at = Set(Utc::now());
    let row = row.update(&txn).await?;
    let entry = by.event("modification d'une aide", &subject(&row));
    audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(Some(row.into()))
}

/// An aid as the journal names it.
fn subject(row: &aid::Model) -> String {
    format!("aide {} ({})", row.id, row.slug)
}

async fn insert_version(
    txn: &DatabaseTransaction,
    aid_id: i64,
    version: i32,
    definition: &FormDefinition,
) -> Result<(), DbErr> {
    aid_form_version::ActiveModel {
        aid_id: Set(aid_id),
        version: Set(version),
        definition: Set(
            serde_json::to_string(definition).map_err(|e| DbErr::Custom(e.to_string()))?
        ),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// One version of an aid's form.
pub async fn form(
    tenant: &Tenant,
    aid_id: i64,
    version: i32,
) -> Result<Option<FormDefinition>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = aid_form_version::Entity::find()
        .filter(aid_form_version::Column::AidId.eq(aid_id))
        .filter(aid_form_version::Column::Version.eq(version))
        .one(&txn)
        .await?;
    txn.commit().await?;
    row.map(|r| serde_json::from_str(&r.definition).map_err(|e| DbErr::Custom(e.to_string())))
        .transpose()
}

/// What went wrong changing a form.
#[derive(Debug, thiserror::Error)]
pub enum FormChangeError {
    #[error("aid not found")]
    NotFound,
    /// Another administrator changed the form since this page was shown.
    #[error("form changed meanwhile")]
    Conflict,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Applies `change` to the form as of `expected_version` and stores the result as the next
/// version, journaled as `what` in `by`'s name. Versions already used by requests stay as they were.
pub async fn change_form(
    tenant: &Tenant,
    (aid_id, expected_version): (i64, i32),
    (by, what): (Author<'_>, &str),
    change: impl FnOnce(&mut FormDefinition) -> Result<(), String>,
) -> Result<i32, FormChangeError> {
    let txn = tenant.db().begin_write().await?;
    let row = aid::Entity::find_by_id(aid_id)
        .one(&txn)
        .await?
        .ok_or(FormChangeError::NotFound)?;
    if row.form_version != expected_version {
        return Err(FormChangeError::Conflict);
    }
    let current = aid_form_version::Entity::find()
        .filter(aid_form_version::Column::AidId.eq(aid_id))
        .filter(aid_form_version::Column::Version.eq(row.form_version))
        .one(&txn)
        .await?
        .ok_or(FormChangeError::NotFound)?;
    let mut definition: FormDefinition = serde_json::from_str(&current.definition)
        .map_err(|e| FormChangeError::Db(DbErr::Custom(e.to_string())))?;
    change(&mut definition).map_err(FormChangeError::Invalid)?;
    let next = row.form_version + 1;
    // The unique (aid, version) index turns a race between two administrators into an error
    // for the second, never into a lost change.
    insert_version(&txn, aid_id, next, &definition).await?;
    let entry = by.event(what, &format!("{}, formulaire v{next}", subject(&row)));
    let mut row: aid::ActiveModel = row.into();
    row.form_version = Set(next);
    row.updated_at = Set(Utc::now());
    row.update(&txn).await?;
    audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AidInput {
        AidInput {
            title: "Aide au loyer".into(),
            description: "Une aide pour payer le loyer.".into(),
            eligibility: "Les locataires du département.".into(),
            documents: "Quittance de loyer\nAvis d'imposition".into(),
            deadline_days: "60".into(),
            silence: "refusal".into(),
            open: true,
            category: "logement".into(),
        }
    }

    #[test]
    fn a_complete_aid_passes() {
        let valid = input().validate().unwrap();
        assert_eq!(valid.deadline_days, 60);
        assert_eq!(valid.silence, Silence::Refusal);
    }

    #[test]
    fn every_problem_is_named() {
        let bad = AidInput {
            title: " ".into(),
            deadline_days: "0".into(),
            silence: "peut-être".into(),
            ..Default::default()
        };
        let errors = bad.validate().unwrap_err();
        for field in ["title", "description", "eligibility", "silence-acceptance"] {
            assert!(errors.of(field).is_some(), "{field}: {errors:?}");
        }
        assert!(
            errors
                .of("deadline_days")
                .unwrap()
                .contains("entre 1 et 365")
        );
    }
}
