//! Login throttling, per account and per client address.
//!
//! Failures are rows in the platform store rather than counters in memory, so that the limit
//! holds across every `guichet serve` node behind a load balancer.
//!
//! - An address is counted per department (`address:<tenant>:<ip>`), and under a ceiling for
//!   the whole platform (`address:*:<ip>`): one department's crowd does not lock another's,
//!   and one address cannot try every department's accounts.
//! - An account's failures from strangers' addresses lock it for strangers only. Addresses the
//!   account signed in from in the last 90 days are *known*; failures from a known address
//!   count apart (`<account key>@<ip>`), so an attacker elsewhere, however many guesses they
//!   make, cannot keep a colleague out of their usual office.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, Set, Statement,
};
use std::net::IpAddr;
use tenants::{Platform, Tenant};

use crate::entity::{login_failure, login_known_address};
use crate::staff::Email;

/// How many failures are tolerated within the window before sign-in is refused.
#[derive(Clone, Copy, Debug)]
pub struct ThrottlePolicy {
    /// Per account, from strangers' addresses (and apart, from each known address).
    pub per_account: u64,
    /// Per address, in one department.
    pub per_address: u64,
    /// Per address, across the platform.
    pub per_address_platform: u64,
    pub window_secs: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 30,
            per_address_platform: 100,
            window_secs: 15 * 60,
        }
    }
}

/// How long an address an account signed in from stays known.
const KNOWN_FOR_SECS: i64 = 90 * 24 * 3600;

pub struct LoginKeys {
    account: String,
    ip: String,
    address: String,
    platform_address: String,
}

impl LoginKeys {
    pub fn new(tenant: &Tenant, email: &str, address: IpAddr) -> Self {
        // Unparsable emails still count against a key, normalised the same way.
        let email =
            Email::parse(email).map_or_else(|_| email.trim().to_lowercase(), |e| e.to_string());
        let ip = address.to_canonical().to_string();
        Self {
            account: format!("account:{}:{email}", tenant.id()),
            address: format!("address:{}:{ip}", tenant.id()),
            platform_address: format!("address:*:{ip}"),
            ip,
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
    ip: String,
    /// The key it counted under: the account's, or the account's at a known address.
    account_key: String,
    /// This attempt's rows under the address keys.
    address_rows: [i64; 2],
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
    let known = login_known_address::Entity::find_by_id((keys.account.clone(), keys.ip.clone()))
        .filter(login_known_address::Column::SeenAt.gt(now() - KNOWN_FOR_SECS))
        .one(&txn)
        .await?
        .is_some();
    let account_key = if known {
        format!("{}@{}", keys.account, keys.ip)
    } else {
        keys.account.clone()
    };
    if txn.get_database_backend() == DbBackend::Postgres {
        // Always in this order, so that two attempts never wait on each other's locks.
        for key in [&account_key, &keys.address, &keys.platform_address] {
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
    if count(&account_key).await? >= policy.per_account
        || count(&keys.address).await? >= policy.per_address
        || count(&keys.platform_address).await? >= policy.per_address_platform
    {
        return Ok(None);
    }
    let at = now();
    let row = |key: &str| login_failure::ActiveModel {
        key: Set(key.to_owned()),
        at: Set(at),
        ..Default::default()
    };
    row(&account_key).insert(&txn).await?;
    let address_rows = [
        row(&keys.address).insert(&txn).await?.id,
        row(&keys.platform_address).insert(&txn).await?.id,
    ];
    txn.commit().await?;
    Ok(Some(Attempt {
        account: keys.account.clone(),
        ip: keys.ip.clone(),
        account_key,
        address_rows,
    }))
}

/// The attempt was right: the account's failures are cleared, the attempt no longer counts
/// against the address (a busy office's good sign-ins do not lock it out), and the address
/// becomes known to the account.
pub async fn succeeded(platform: &Platform, attempt: Attempt) -> Result<(), DbErr> {
    let txn = tenants::begin_write(platform.db()).await?;
    login_failure::Entity::delete_many()
        .filter(
            Condition::any()
                .add(login_failure::Column::Key.eq(&attempt.account))
                .add(login_failure::Column::Key.eq(&attempt.account_key))
                .add(login_failure::Column::Id.is_in(attempt.address_rows)),
        )
        .exec(&txn)
        .await?;
    login_known_address::Entity::insert(login_known_address::ActiveModel {
        account_key: Set(attempt.account),
        address: Set(attempt.ip),
        seen_at: Set(now()),
    })
    .on_conflict(
        OnConflict::columns([
            login_known_address::Column::AccountKey,
            login_known_address::Column::Address,
        ])
        .update_column(login_known_address::Column::SeenAt)
        .to_owned(),
    )
    .exec(&txn)
    .await?;
    txn.commit().await
}

/// Drops failures older than the window, and addresses no longer known.
pub async fn purge_old(platform: &Platform, policy: ThrottlePolicy) -> Result<(), DbErr> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::At.lte(now() - policy.window_secs))
        .exec(platform.db())
        .await?;
    login_known_address::Entity::delete_many()
        .filter(login_known_address::Column::SeenAt.lte(now() - KNOWN_FOR_SECS))
        .exec(platform.db())
        .await?;
    Ok(())
}
