//! Login throttling, per account and per client address.
//!
//! Failures are rows in the platform store rather than counters in memory, so that the limit
//! holds across every `guichet serve` node behind a load balancer.

use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set};
use std::net::IpAddr;
use tenants::{Platform, Tenant};

use crate::entity::login_failure;
use crate::staff::Email;

/// How many failures are tolerated within the window before sign-in is refused.
#[derive(Clone, Copy, Debug)]
pub struct ThrottlePolicy {
    pub per_account: u64,
    pub per_address: u64,
    pub window_secs: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 30,
            window_secs: 15 * 60,
        }
    }
}

pub struct LoginKeys {
    account: String,
    address: String,
}

impl LoginKeys {
    pub fn new(tenant: &Tenant, email: &str, address: IpAddr) -> Self {
        // Unparsable emails still count against a key, normalised the same way.
        let email =
            Email::parse(email).map_or_else(|_| email.trim().to_lowercase(), |e| e.to_string());
        Self {
            account: format!("account:{}:{email}", tenant.id()),
            address: format!("address:{address}"),
        }
    }
}

impl LoginKeys {
    /// A citizen's local account: counted apart from staff accounts with the same address.
    pub fn citizen(tenant: &Tenant, email: &str, address: IpAddr) -> Self {
        let mut keys = Self::new(tenant, email, address);
        keys.account = keys.account.replacen("account:", "citizen:", 1);
        keys
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Whether this attempt must be refused before the password is even checked.
pub async fn is_blocked(
    platform: &Platform,
    policy: ThrottlePolicy,
    keys: &LoginKeys,
) -> Result<bool, DbErr> {
    let since = now() - policy.window_secs;
    let count = |key: &str| {
        login_failure::Entity::find()
            .filter(login_failure::Column::Key.eq(key))
            .filter(login_failure::Column::At.gt(since))
            .count(platform.db())
    };
    Ok(count(&keys.account).await? >= policy.per_account
        || count(&keys.address).await? >= policy.per_address)
}

pub async fn record_failure(platform: &Platform, keys: &LoginKeys) -> Result<(), DbErr> {
    let at = now();
    login_failure::Entity::insert_many([
        login_failure::ActiveModel {
            key: Set(keys.account.clone()),
            at: Set(at),
            ..Default::default()
        },
        login_failure::ActiveModel {
            key: Set(keys.address.clone()),
            at: Set(at),
            ..Default::default()
        },
    ])
    .exec(platform.db())
    .await?;
    Ok(())
}

/// A successful sign-in clears the account's failures (not the address's).
pub async fn clear_account(platform: &Platform, keys: &LoginKeys) -> Result<(), DbErr> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Key.eq(&keys.account))
        .exec(platform.db())
        .await?;
    Ok(())
}

/// Drops failures older than the window.
pub async fn purge_old(platform: &Platform, policy: ThrottlePolicy) -> Result<(), DbErr> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::At.lte(now() - policy.window_secs))
        .exec(platform.db())
        .await?;
    Ok(())
}
