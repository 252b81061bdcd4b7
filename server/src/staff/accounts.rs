//! Staff accounts live in the platform store (sign-in happens before any tenant data is
//! touched), always scoped by the resolved [`Tenant`]: every query filters on its id.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, ModelTrait, QueryFilter, QueryOrder, Set,
};
use tenants::{Platform, Tenant};

use super::lifecycle::LinkPurpose;
use super::password::{dummy_hash, hash_password, verify_password};
use super::{Author, Email, Role, RoleError};
use crate::audit;
use crate::entity::{staff_account, staff_role};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffAccount {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub active: bool,
    /// Created, its owner has not chosen a password yet (their activation link is pending).
    pub awaiting_activation: bool,
}

impl StaffAccount {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// `aid_instructor,reception`: how roles are written in the audit journal.
    pub fn role_ids(&self) -> String {
        self.roles
            .iter()
            .map(|r| r.id())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// How this account is named in the audit journal.
    pub fn audit_subject(&self) -> String {
        format!(
            "agent {} ({}) rôles [{}]",
            self.id,
            self.email,
            self.role_ids()
        )
    }
}

pub struct NewStaff {
    pub email: Email,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub first_password: FirstPassword,
}

/// How a new account gets its password.
pub enum FirstPassword {
    /// Its owner chooses it through an activation link: no one else ever knows it.
    ChosenByOwner,
    /// Known in advance: the demo department's published logins, and tests.
    Known(String),
}

/// A stored hash no password matches: the account awaits its owner's first password.
const NO_PASSWORD_YET: &str = "";

/// A created account, and the token of its activation link when its owner chooses the password.
pub struct CreatedAccount {
    pub account: StaffAccount,
    pub activation_token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("un compte existe déjà avec l'adresse {0} dans ce département")]
    EmailTaken(String),
    #[error("le nom de l'agent est vide : indiquez son prénom et son nom")]
    EmptyName,
    #[error(transparent)]
    Role(#[from] RoleError),
    #[error("erreur de la base de données : {0}")]
    Db(#[from] DbErr),
}

/// Creates an account of this tenant, journaled in `by`'s name in the same commit.
pub async fn create_account(
    platform: &Platform,
    tenant: &Tenant,
    new: NewStaff,
    by: Author<'_>,
) -> Result<CreatedAccount, AccountError> {
    let display_name = new.display_name.trim().to_owned();
    if display_name.is_empty() {
        return Err(AccountError::EmptyName);
    }
    for role in &new.roles {
        role.check_available(tenant.modules())?;
    }
    let password_hash = match &new.first_password {
        FirstPassword::ChosenByOwner => NO_PASSWORD_YET.to_owned(),
        FirstPassword::Known(password) => hash_password(password),
    };
    let txn = tenants::begin_write(platform.db()).await?;
    let inserted = staff_account::ActiveModel {
        tenant_id: Set(tenant.id()),
        email: Set(new.email.as_str().to_owned()),
        display_name: Set(display_name),
        password_hash: Set(password_hash),
        active: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(_) => AccountError::EmailTaken(new.email.to_string()),
        None => e.into(),
    })?;
    insert_roles(&txn, inserted.id, &new.roles).await?;
    let activation_token = match new.first_password {
        FirstPassword::ChosenByOwner => {
            Some(super::lifecycle::issue_link(&txn, inserted.id, LinkPurpose::Activation).await?)
        }
        FirstPassword::Known(_) => None,
    };
    let account = to_account(inserted, new.roles);
    let entry = by.event("création d'un compte agent", &account.audit_subject());
    audit::commit_platform_change(txn, tenant, &[entry]).await?;
    Ok(CreatedAccount {
        account,
        activation_token,
    })
}

pub async fn list_accounts(
    platform: &Platform,
    tenant: &Tenant,
) -> Result<Vec<StaffAccount>, DbErr> {
    let rows = staff_account::Entity::find()
        .filter(staff_account::Column::TenantId.eq(tenant.id()))
        .order_by_asc(staff_account::Column::DisplayName)
        .find_with_related(staff_role::Entity)
        .all(platform.db())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(account, roles)| to_account(account, parse_roles(&roles)))
        .collect())
}

/// The account with this id *in this tenant*; another tenant's id finds nothing.
pub async fn find_account(
    platform: &Platform,
    tenant: &Tenant,
    id: i64,
) -> Result<Option<StaffAccount>, DbErr> {
    find_account_in(platform.db(), tenant, id).await
}

/// As [`find_account`], on a connection or inside a transaction of the platform's store.
pub(super) async fn find_account_in(
    db: &impl sea_orm::ConnectionTrait,
    tenant: &Tenant,
    id: i64,
) -> Result<Option<StaffAccount>, DbErr> {
    // One query: the account and its roles joined (this runs on every staff request).
    let found = staff_account::Entity::find_by_id(id)
        .filter(staff_account::Column::TenantId.eq(tenant.id()))
        .find_with_related(staff_role::Entity)
        .all(db)
        .await?;
    Ok(found
        .into_iter()
        .next()
        .map(|(account, roles)| to_account(account, parse_roles(&roles))))
}

/// Replaces the roles of an account of this tenant, journaled in `by`'s name in the same
/// commit. `Ok(None)` if there is no such account.
pub async fn set_roles(
    platform: &Platform,
    tenant: &Tenant,
    id: i64,
    roles: &[Role],
    by: Author<'_>,
) -> Result<Option<StaffAccount>, AccountError> {
    for role in roles {
        role.check_available(tenant.modules())?;
    }
    let txn = tenants::begin_write(platform.db()).await?;
    let Some(account) = staff_account::Entity::find_by_id(id)
        .filter(staff_account::Column::TenantId.eq(tenant.id()))
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    staff_role::Entity::delete_many()
        .filter(staff_role::Column::StaffId.eq(account.id))
        .exec(&txn)
        .await?;
    insert_roles(&txn, account.id, roles).await?;
    let account = to_account(account, roles.to_vec());
    let entry = by.event(
        "modification des rôles d'un agent",
        &account.audit_subject(),
    );
    audit::commit_platform_change(txn, tenant, &[entry]).await?;
    Ok(Some(account))
}

/// Checks credentials. Unknown accounts cost the same argon2 verification as known ones.
pub async fn authenticate(
    platform: &Platform,
    tenant: &Tenant,
    email: &Email,
    password: &str,
) -> Result<Option<StaffAccount>, DbErr> {
    let row = staff_account::Entity::find()
        .filter(staff_account::Column::TenantId.eq(tenant.id()))
        .filter(staff_account::Column::Email.eq(email.as_str()))
        .one(platform.db())
        .await?;
    let hash = row
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |r| r.password_hash.clone());
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    match row {
        Some(account) if matches && account.active => {
            let roles = account
                .find_related(staff_role::Entity)
                .all(platform.db())
                .await?;
            Ok(Some(to_account(account, parse_roles(&roles))))
        }
        _ => Ok(None),
    }
}

async fn insert_roles(
    txn: &sea_orm::DatabaseTransaction,
    staff_id: i64,
    roles: &[Role],
) -> Result<(), DbErr> {
    if roles.is_empty() {
        return Ok(());
    }
    staff_role::Entity::insert_many(roles.iter().map(|r| staff_role::ActiveModel {
        staff_id: Set(staff_id),
        role: Set(r.id().to_owned()),
    }))
    .exec(txn)
    .await?;
    Ok(())
}

fn parse_roles(rows: &[staff_role::Model]) -> Vec<Role> {
    let mut roles: Vec<Role> = rows
        .iter()
        .filter_map(|r| Role::parse(&r.role).ok())
        .collect();
    roles.sort();
    roles
}

fn to_account(m: staff_account::Model, mut roles: Vec<Role>) -> StaffAccount {
    roles.sort();
    roles.dedup();
    StaffAccount {
        id: m.id,
        email: m.email,
        display_name: m.display_name,
        roles,
        active: m.active,
        awaiting_activation: m.password_hash == NO_PASSWORD_YET,
    }
}

/// The account with this address *in this tenant*, whether active or not.
pub async fn find_account_by_email(
    platform: &Platform,
    tenant: &Tenant,
    email: &Email,
) -> Result<Option<StaffAccount>, DbErr> {
    let found = staff_account::Entity::find()
        .filter(staff_account::Column::TenantId.eq(tenant.id()))
        .filter(staff_account::Column::Email.eq(email.as_str()))
        .find_with_related(staff_role::Entity)
        .all(platform.db())
        .await?;
    Ok(found
        .into_iter()
        .next()
        .map(|(account, roles)| to_account(account, parse_roles(&roles))))
}
