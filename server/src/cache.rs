//! Values read from a store, trusted for a short while ([`TTL`]) in this process.
//!
//! For what many pages read and few actions change (accounts, looks, the aid catalogue):
//! changes made through this node drop the entry at once; changes made on another node apply
//! within [`TTL`], as for the tenant registry.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use sea_orm::DbErr;
use tenants::Tenant;

pub const TTL: Duration = Duration::from_secs(2);

/// Values by key, each trusted for [`TTL`] after it was read.
pub struct TtlCache<K, V> {
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
    pub async fn get_or_read<F: Future<Output = Result<Option<V>, DbErr>>>(
        &self,
        key: K,
        read: F,
    ) -> Result<Option<V>, DbErr> {
        if let Some((at, value)) = self.entries.read().expect("cache lock").get(&key)
            && at.elapsed() < TTL
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

    pub fn forget(&self, key: &K) {
        self.entries.write().expect("cache lock").remove(key);
    }
}

/// One value per department, always there once read (a department without one gets the
/// default), kept for [`TTL`].
pub struct PerTenant<V>(TtlCache<i64, V>);

impl<V> Default for PerTenant<V> {
    fn default() -> Self {
        Self(TtlCache::default())
    }
}

impl<V: Clone + Default> PerTenant<V> {
    /// The department's value, at most [`TTL`] old, or what `read` reads now.
    pub async fn get_or_read(
        &self,
        tenant: &Tenant,
        read: impl Future<Output = Result<V, DbErr>>,
    ) -> Result<V, DbErr> {
        let read = async { read.await.map(Some) };
        Ok(self
            .0
            .get_or_read(tenant.id(), read)
            .await?
            .unwrap_or_default())
    }

    /// After a change on this node: the next read goes to the store.
    pub fn forget(&self, tenant: &Tenant) {
        self.0.forget(&tenant.id());
    }
}
