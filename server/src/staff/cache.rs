//! The signed-in staff member's account and roles, kept in memory for a short while.
//!
//! Every staff request needs them; reading them from the store each time was a third of the
//! page's database work. Changes made through this node apply at once (the entry is dropped);
//! changes made on another node apply within [`ACCOUNT_TTL`], as for the tenant registry.
//! Sign-out is unaffected: the session itself is read from the store on every request.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use sea_orm::DbErr;
use tenants::{Platform, Tenant};

use super::{StaffAccount, find_account};

pub const ACCOUNT_TTL: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct AccountCache {
    entries: RwLock<HashMap<(i64, i64), (Instant, StaffAccount)>>,
}

impl AccountCache {
    /// The account with this id in this tenant, at most [`ACCOUNT_TTL`] old.
    pub async fn get(
        &self,
        platform: &Platform,
        tenant: &Tenant,
        id: i64,
    ) -> Result<Option<StaffAccount>, DbErr> {
        let key = (tenant.id(), id);
        if let Some((at, account)) = self.entries.read().expect("cache lock").get(&key)
            && at.elapsed() < ACCOUNT_TTL
        {
            return Ok(Some(account.clone()));
        }
        let found = find_account(platform, tenant, id).await?;
        let mut entries = self.entries.write().expect("cache lock");
        match &found {
            Some(account) => {
                entries.insert(key, (Instant::now(), account.clone()));
            }
            None => {
                entries.remove(&key);
            }
        }
        Ok(found)
    }

    /// Drops an entry after a change to that account.
    pub fn forget(&self, tenant: &Tenant, id: i64) {
        self.entries
            .write()
            .expect("cache lock")
            .remove(&(tenant.id(), id));
    }
}
