//! A staff account's life after its creation: its owner chooses the password through a mailed
//! link (no one else ever sees it), changes it, gets a reset link from an administrator, and
//! can be deactivated and reactivated. Every password change and every deactivation ends the
//! account's other sessions in the same transaction.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::Expr,
};
use tenants::{Platform, Tenant};
use tower_sessions::session::Id;

use super::accounts::find_account_in;
use super::password::{hash_password, verify_password};
use super::{Author, StaffAccount, find_account};
use crate::audit;
use crate::entity::{staff_account, staff_token};
use crate::links::{new_token, token_hash};
use crate::session_store::{Holder, end_sessions};

/// What a link mailed to a staff member is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    /// The new account's owner chooses their first password.
    Activation,
    /// An administrator sent it: the owner chooses a new password.
    Reset,
}

impl LinkPurpose {
    fn id(self) -> &'static str {
        match self {
            Self::Activation => "activation",
            Self::Reset => "reset",
        }
    }

    fn parse(id: &str) -> Option<Self> {
        [Self::Activation, Self::Reset]
            .into_iter()
            .find(|p| p.id() == id)
    }

    /// How long the link works: a new colleague may open it days later; a reset is asked for
    /// when it is needed.
    pub fn lifetime(self) -> Duration {
        match self {
            Self::Activation => Duration::days(7),
            Self::Reset => Duration::hours(24),
        }
    }

    /// How long the link works, as the mail says it.
    pub fn lifetime_text(self) -> &'static str {
        match self {
            Self::Activation => "7 jours",
            Self::Reset => "24 heures",
        }
    }
}

/// Issues a link for `staff_id`; any earlier link of the account stops working (only the
/// newest one mailed does). Returns the token to put in the link.
pub async fn issue_link(
    txn: &DatabaseTransaction,
    staff_id: i64,
    purpose: LinkPurpose,
) -> Result<String, DbErr> {
    spend_all(txn, staff_id).await?;
    let (token, hash) = new_token();
    staff_token::ActiveModel {
        token_hash: Set(hash),
        staff_id: Set(staff_id),
        purpose: Set(purpose.id().to_owned()),
        expires_at: Set(Utc::now() + purpose.lifetime()),
        used_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(token)
}

/// Issues a link for an account of this tenant, in its own transaction, journaled in `by`'s
/// name: `None` if there is no such account.
pub async fn send_link(
    platform: &Platform,
    tenant: &Tenant,
    account: &StaffAccount,
    purpose: LinkPurpose,
    by: Author<'_>,
) -> Result<Option<String>, DbErr> {
    let txn = tenants::begin_write(platform.db()).await?;
    let exists = staff_account::Entity::find_by_id(account.id)
        .filter(staff_account::Column::TenantId.eq(tenant.id()))
        .one(&txn)
        .await?
        .is_some();
    if !exists {
        return Ok(None);
    }
    let token = issue_link(&txn, account.id, purpose).await?;
    let action = match purpose {
        LinkPurpose::Activation => "envoi d'un nouveau lien d'activation à un agent",
        LinkPurpose::Reset => "envoi d'un lien de changement de mot de passe à un agent",
    };
    let entry = by.event(action, &account.audit_subject());
    audit::commit_platform_change(txn, tenant, &[entry]).await?;
    Ok(Some(token))
}

async fn spend_all(txn: &DatabaseTransaction, staff_id: i64) -> Result<(), DbErr> {
    staff_token::Entity::update_many()
        .col_expr(staff_token::Column::UsedAt, Expr::value(Utc::now()))
        .filter(staff_token::Column::StaffId.eq(staff_id))
        .filter(staff_token::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// The unused, unexpired link with this token, for an account of this tenant.
async fn live_link(
    txn: &impl sea_orm::ConnectionTrait,
    tenant: &Tenant,
    token: &str,
) -> Result<Option<(staff_token::Model, staff_account::Model)>, DbErr> {
    let Some(link) = staff_token::Entity::find_by_id(token_hash(token))
        .filter(staff_token::Column::UsedAt.is_null())
        .filter(staff_token::Column::ExpiresAt.gt(Utc::now()))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    // A deactivated account's links stop working too.
    let account = staff_account::Entity::find_by_id(link.staff_id)
        .filter(staff_account::Column::TenantId.eq(tenant.id()))
        .filter(staff_account::Column::Active.eq(true))
        .one(txn)
        .await?;
    Ok(account.map(|account| (link, account)))
}

/// Whom a link is for and why, if it still works (to show the form; nothing is spent).
pub async fn link_holder(
    platform: &Platform,
    tenant: &Tenant,
    token: &str,
) -> Result<Option<(StaffAccount, LinkPurpose)>, DbErr> {
    let Some((link, account)) = live_link(platform.db(), tenant, token).await? else {
        return Ok(None);
    };
    let Some(purpose) = LinkPurpose::parse(&link.purpose) else {
        return Ok(None);
    };
    Ok(find_account(platform, tenant, account.id)
        .await?
        .map(|account| (account, purpose)))
}

/// Sets the password a link's owner chose (already checked against the policy), spends the
/// link and every other one of the account, and ends all its sessions. `None` if the link does
/// not work (used, expired, unknown, another department's).
pub async fn set_password_by_link(
    platform: &Platform,
    tenant: &Tenant,
    token: &str,
    password: &str,
) -> Result<Option<(StaffAccount, LinkPurpose)>, DbErr> {
    let hash = hash_off_thread(password).await?;
    let txn = tenants::begin_write(platform.db()).await?;
    let Some((link, account)) = live_link(&txn, tenant, token).await? else {
        return Ok(None);
    };
    // Conditional, so that two uses racing spend it once.
    let spent = staff_token::Entity::update_many()
        .col_expr(staff_token::Column::UsedAt, Expr::value(Utc::now()))
        .filter(staff_token::Column::TokenHash.eq(link.token_hash.as_str()))
        .filter(staff_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    let Some(purpose) = LinkPurpose::parse(&link.purpose).filter(|_| spent == 1) else {
        return Ok(None);
    };
    spend_all(&txn, account.id).await?;
    let id = account.id;
    let mut row: staff_account::ActiveModel = account.into();
    row.password_hash = Set(hash);
    row.update(&txn).await?;
    end_sessions(&txn, Holder::Staff(id), None).await?;
    let Some(owner) = find_account_in(&txn, tenant, id).await? else {
        return Ok(None);
    };
    let action = match purpose {
        LinkPurpose::Activation => "activation de son compte par l'agent",
        LinkPurpose::Reset => "nouveau mot de passe choisi par lien",
    };
    let entry = Author::Staff(&owner).event(action, &format!("agent {}", owner.email));
    audit::commit_platform_change(txn, tenant, &[entry]).await?;
    Ok(Some((owner, purpose)))
}

/// Why a password change was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PasswordChange {
    Changed,
    /// The current password given is not the account's.
    WrongCurrent,
}

/// Changes the password of an account of this tenant, its current one given (checked
/// against the policy by the caller), and ends its sessions but `keep` (the one asking).
pub async fn change_password(
    platform: &Platform,
    tenant: &Tenant,
    owner: &StaffAccount,
    (current, new): (&str, &str),
    keep: Option<Id>,
) -> Result<PasswordChange, DbErr> {
    let staff_id = owner.id;
    let Some(row) = staff_account::Entity::find_by_id(staff_id)
        .filter(staff_account::Column::TenantId.eq(tenant.id()))
        .one(platform.db())
        .await?
    else {
        return Ok(PasswordChange::WrongCurrent);
    };
    let (current, stored) = (current.to_owned(), row.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || verify_password(&current, &stored))
        .await
        .unwrap_or(false);
    if !matches {
        return Ok(PasswordChange::WrongCurrent);
    }
    let hash = hash_off_thread(new).await?;
    let txn = tenants::begin_write(platform.db()).await?;
    // Only if the password is still the one checked: two changes racing, one wins.
    let changed = staff_account::Entity::update_many()
        .col_expr(staff_account::Column::PasswordHash, Expr::value(hash))
        .filter(staff_account::Column::Id.eq(staff_id))
        .filter(staff_account::Column::PasswordHash.eq(row.password_hash))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed != 1 {
        return Ok(PasswordChange::WrongCurrent);
    }
    spend_all(&txn, staff_id).await?;
    end_sessions(&txn, Holder::Staff(staff_id), keep).await?;
    let entry = Author::Staff(owner).event(
        "changement de mot de passe",
        &format!("agent {}", owner.email),
    );
    audit::commit_platform_change(txn, tenant, &[entry]).await?;
    Ok(PasswordChange::Changed)
}

/// Deactivates or reactivates an account of this tenant, journaled in `by`'s name. A deactivated account's sessions all
/// end in the same transaction, and its links stop working. `None` if there is no such account.
pub async fn set_active(
    platform: &Platform,
    tenant: &Tenant,
    account: &StaffAccount,
    active: bool,
    by: Author<'_>,
) -> Result<Option<StaffAccount>, DbErr> {
    let staff_id = account.id;
    let txn = tenants::begin_write(platform.db()).await?;
    let updated = staff_account::Entity::update_many()
        .col_expr(staff_account::Column::Active, Expr::value(active))
        .filter(staff_account::Column::Id.eq(staff_id))
        .filter(staff_account::Column::TenantId.eq(tenant.id()))
        .exec(&txn)
        .await?
        .rows_affected;
    if updated != 1 {
        return Ok(None);
    }
    if !active {
        spend_all(&txn, staff_id).await?;
        end_sessions(&txn, Holder::Staff(staff_id), None).await?;
    }
    let action = if active {
        "réactivation d'un compte agent"
    } else {
        "désactivation d'un compte agent"
    };
    let entry = by.event(action, &account.audit_subject());
    audit::commit_platform_change(txn, tenant, &[entry]).await?;
    find_account(platform, tenant, staff_id).await
}

async fn hash_off_thread(password: &str) -> Result<String, DbErr> {
    let owned = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&owned))
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))
}
