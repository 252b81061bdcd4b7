//! Login throttling, per account and per client address.
//!
//! Failures are rows in the platform store rather than counters in memory, so that the limit
//! holds across every `guichet serve` node behind a load balancer.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, Set, Statement,
};
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

/// A sign-in attempt, counted as a failure of its account and address before its password
/// or code is checked: concurrent guesses cannot all pass the count before any is recorded.
/// It stays counted unless [`succeeded`] is called.
#[must_use]
pub struct Attempt {
    account: String,
    /// This attempt's row under the address key.
    address_row: i64,
}

/// Counts an attempt, or `None` when the account or the address already reached its limit
/// (then nothing is counted and nothing may be checked).
pub async fn begin(
    platform: &Platform,
    policy: ThrottlePolicy,
    keys: &LoginKeys,
) -> Result<Option<Attempt>, DbErr> {
    let since = now() - policy.window_secs;
    // On SQLite the write transaction holds the store's write lock; on PostgreSQL, transaction
    // locks on both keys (account first, in every attempt) serialize the count and the insert.
    let txn = tenants::begin_write(platform.db()).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        for key in [&keys.account, &keys.address] {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                [key.as_str().into()],
            ))
            .await?;
        }
    }
    let count = |key: &str| {
        login_failure::Entity::find()
            .filter(login_failure::Column::Key.eq(key))
            .filter(login_failure::Column::At.gt(since))
            .count(&txn)
    };
    if count(&keys.account).await? >= policy.per_account
        || count(&keys.address).await? >= policy.per_address
    {
        return Ok(None);
    }
    let at = now();
    let row = |key: &str| login_failure::ActiveModel {
        key: Set(key.to_owned()),
        at: Set(at),
        ..Default::default()
    };
    row(&keys.account).insert(&txn).await?;
    let address_row = row(&keys.address).insert(&txn).await?.id;
    txn.commit().await?;
    Ok(Some(Attempt {
        account: keys.account.clone(),
        address_row,
    }))
}

/// The attempt was right: the account's failures are cleared, and the attempt no longer
/// counts against the address (a busy office's good sign-ins do not lock it out).
pub async fn succeeded(platform: &Platform, attempt: Attempt) -> Result<(), DbErr> {
    login_failure::Entity::delete_many()
        .filter(
            Condition::any()
                .add(login_failure::Column::Key.eq(&attempt.account))
                .add(login_failure::Column::Id.eq(attempt.address_row)),
        )
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
