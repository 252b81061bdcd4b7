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
