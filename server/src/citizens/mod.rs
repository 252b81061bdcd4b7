//! Citizens of a department. One person signing in at two departments is two citizens: each
//! department's store knows only its own.

pub mod file;
pub mod local;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use tenants::Tenant;

use crate::entity::citizen;
use crate::franceconnect::FcIdentity;

/// A citizen as the pages need them.
#[derive(Clone, Debug)]
pub struct Citizen {
    pub id: i64,
    pub given_name: String,
    pub family_name: String,
    /// Usage name, if any.
    pub preferred_username: String,
    pub birthdate: String,
    pub gender: String,
    pub birthplace: String,
    pub birthcountry: String,
    pub email: String,
    /// Identified by FranceConnect (the identity is then not theirs to edit here).
    pub via_franceconnect: bool,
}

impl Citizen {
    /// "Angela DUBOIS": first given name and family (or usage) name.
    pub fn display_name(&self) -> String {
        let first = self.given_name.split_whitespace().next().unwrap_or("");
        let family = if self.preferred_username.is_empty() {
            &self.family_name
        } else {
            &self.preferred_username
        };
        format!("{first} {family}").trim().to_owned()
    }

    /// How the journal names them: an id, never the person's name.
    pub fn audit_subject(&self) -> String {
        format!("usager {}", self.id)
    }
}

impl From<citizen::Model> for Citizen {
    fn from(m: citizen::Model) -> Self {
        Self {
            id: m.id,
            given_name: m.given_name,
            family_name: m.family_name,
            preferred_username: m.preferred_username,
            birthdate: m.birthdate,
            gender: m.gender,
            birthplace: m.birthplace,
            birthcountry: m.birthcountry,
            email: m.email,
            via_franceconnect: m.fc_sub.is_some(),
        }
    }
}

/// Finds or creates the citizen FranceConnect identified, refreshing their identity from it
/// (FranceConnect's identity is authoritative).
pub async fn sign_in_with_franceconnect(
    tenant: &Tenant,
    identity: &FcIdentity,
) -> Result<Citizen, DbErr> {
    // Two first sign-ins racing: the unique key on fc_sub refuses the second insert, whose
    // retry then finds the row.
    let mut attempt = 0;
    loop {
        attempt += 1;
        match upsert(tenant, identity).await {
            Ok(citizen) => return Ok(citizen),
            Err(e) if attempt < 3 => tracing::debug!(error = %e, "citizen upsert raced, retrying"),
            Err(e) => return Err(e),
        }
    }
}

async fn upsert(tenant: &Tenant, identity: &FcIdentity) -> Result<Citizen, DbErr> {
    let txn = tenant.db().begin_write().await?;
    let now = Utc::now();
    let existing = citizen::Entity::find()
        .filter(citizen::Column::FcSub.eq(identity.sub.as_str()))
        .one(&txn)
        .await?;
    let mut row = match existing {
        Some(found) => found.into(),
        None => citizen::ActiveModel {
            fc_sub: Set(Some(identity.sub.clone())),
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.given_name = Set(identity.given_name.clone());
    row.family_name = Set(identity.family_name.clone());
    row.preferred_username = Set(identity.preferred_username.clone());
    row.birthdate = Set(identity.birthdate.clone());
    row.gender = Set(identity.gender.clone());
    row.birthplace = Set(identity.birthplace.clone());
    row.birthcountry = Set(identity.birthcountry.clone());
    row.email = Set(identity.email.clone());
    row.last_sign_in_at = Set(Some(now));
    let saved = row.save(&txn).await?;
    let id = saved
        .id
        .try_as_ref()
        .copied()
        .ok_or_else(|| DbErr::Custom("citizen id missing after save".into()))?;
    let model = citizen::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("citizen {id}")))?;
    txn.commit().await?;
    Ok(model.into())
}

/// The mail address the citizen gave, if any: where the department's mails to them go.
pub async fn mail_address(tenant: &Tenant, id: i64) -> Result<Option<String>, DbErr> {
    Ok(find(tenant, id)
        .await?
        .map(|c| c.email)
        .filter(|e| !e.is_empty()))
}

/// The citizen with this id in this department, if any.
pub async fn find(tenant: &Tenant, id: i64) -> Result<Option<Citizen>, DbErr> {
    let txn = tenant.db().begin().await?;
    let found = citizen::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    Ok(found.map(Citizen::from))
}

/// A citizen's id with those of the records merged into theirs.
pub async fn ids_of_person(tenant: &Tenant, citizen_id: i64) -> Result<Vec<i64>, DbErr> {
    let txn = tenant.db().begin().await?;
    let mut ids: Vec<i64> = citizen::Entity::find()
        .filter(citizen::Column::MergedInto.eq(citizen_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    txn.commit().await?;
    ids.push(citizen_id);
    Ok(ids)
}

/// The record a merged record went into, if it was merged.
pub async fn merged_into(tenant: &Tenant, citizen_id: i64) -> Result<Option<i64>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = citizen::Entity::find_by_id(citizen_id).one(&txn).await?;
    txn.commit().await?;
    Ok(row.and_then(|c| c.merged_into))
}
