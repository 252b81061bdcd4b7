//! What every staff request reads, kept in memory for a short while: the signed-in staff
//! member's account and roles, and their department's identity policy.
//!
//! Every staff request needs them; reading the account from the store each time was a third
//! of the page's database work. Changes made through this node apply at once (the entry is
//! dropped); changes made on another node apply within [`ACCOUNT_TTL`], as for the tenant
//! registry. Sign-out is unaffected: the session itself is read from the store on every
//! request.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use sea_orm::DbErr;
use tenants::{Platform, Tenant};

use super::identity::{IdentityPolicy, policy};
use super::{StaffAccount, find_account};

pub const ACCOUNT_TTL: Duration = Duration::from_secs(2);

/// Values by key, each trusted for [`ACCOUNT_TTL`] after it was read.
pub(crate) struct TtlCache<K, V> {
    entries: RwLock<HashMap<K, (Instant, V)>>,
}

impl<K, V> Default for TtlCache<K, V> {
    fn default() -> Self {
        Self {
            entries: RwLock::default(),
        }
    }
}

impl<K: Hash + Eq, V: Clone> TtlCache<K, V> {
    pub(crate) async fn get_or_read<F: Future<Output = Result<Option<V>, DbErr>>>(
        &self,
        key: K,
        read: F,
    ) -> Result<Option<V>, DbErr> {
        if let Some((at, value)) = self.entries.read().expect("cache lock").get(&key)
            && at.elapsed() < ACCOUNT_TTL
        {
            return Ok(Some(value.clone()));
        }
        let found = read.await?;
        let mut entries = self.entries.write().expect("cache lock");
        match &found {
            Some(value) => {
                entries.insert(key, (Instant::now(), value.clone()));
            }
            None => {
                entries.remove(&key);
            }
        }
        Ok(found)
    }

    pub(crate) fn forget(&self, key: &K) {
        self.entries.write().expect("cache lock").remove(key);
    }
}

#[derive(Default)]
pub struct AccountCache(TtlCache<(i64, i64), StaffAccount>);

impl AccountCache {
    /// The account with this id in this tenant, at most [`ACCOUNT_TTL`] old.
    pub async fn get(
        &self,
        platform: &Platform,
        tenant: &Tenant,
        id: i64,
    ) -> Result<Option<StaffAccount>, DbErr> {
        self.0
            .get_or_read((tenant.id(), id), find_account(platform, tenant, id))
            .await
    }

    /// Drops an entry after a change to that account.
    pub fn forget(&self, tenant: &Tenant, id: i64) {
        self.0.forget(&(tenant.id(), id));
    }
}

#[derive(Default)]
pub struct PolicyCache(TtlCache<i64, IdentityPolicy>);

impl PolicyCache {
    /// The department's identity policy, at most [`ACCOUNT_TTL`] old.
    pub async fn get(&self, platform: &Platform, tenant: &Tenant) -> Result<IdentityPolicy, DbErr> {
        let read = async { policy(platform, tenant).await.map(Some) };
        Ok(self
            .0
            .get_or_read(tenant.id(), read)
            .await?
            .unwrap_or_default())
    }

    /// Drops the department's entry after a change to its policy.
    pub fn forget(&self, tenant: &Tenant) {
        self.0.forget(&tenant.id());
    }
}
