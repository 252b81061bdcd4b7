//! What every staff request reads, kept in memory for a short while: the signed-in staff
//! member's account and roles, their department's identity policy, and the department's staff
//! directory (the names and roles lists draw from it).
//!
//! Every staff request needs them; reading the account from the store each time was a third
//! of the page's database work. Changes made through this node apply at once (the entry is
//! dropped); changes made on another node apply within [`ACCOUNT_TTL`], as for the tenant
//! registry. Sign-out is unaffected: the session itself is read from the store on every
//! request.

use std::sync::Arc;

use sea_orm::DbErr;
use tenants::{Platform, Tenant};

use super::identity::{IdentityPolicy, policy};
use super::{StaffAccount, find_account, list_accounts};

pub use crate::cache::TTL as ACCOUNT_TTL;
use crate::cache::{PerTenant, TtlCache};

#[derive(Default)]
pub struct AccountCache {
    accounts: TtlCache<(i64, i64), StaffAccount>,
    directories: PerTenant<Arc<[StaffAccount]>>,
}

impl AccountCache {
    /// The account with this id in this tenant, at most [`ACCOUNT_TTL`] old.
    pub async fn get(
        &self,
        platform: &Platform,
        tenant: &Tenant,
        id: i64,
    ) -> Result<Option<StaffAccount>, DbErr> {
        self.accounts
            .get_or_read((tenant.id(), id), find_account(platform, tenant, id))
            .await
    }

    /// Every account of the department, by display name ([`list_accounts`]), at most
    /// [`ACCOUNT_TTL`] old: the instructors' queue names assignees and offers
    /// instructors on every view.
    pub async fn directory(
        &self,
        platform: &Platform,
        tenant: &Tenant,
    ) -> Result<Arc<[StaffAccount]>, DbErr> {
        let read = async { list_accounts(platform, tenant).await.map(Arc::from) };
        self.directories.get_or_read(tenant, read).await
    }

    /// Drops what was kept of an account after a change to it, or of a new account of
    /// `tenant` (the directory then lacks it).
    pub fn forget(&self, tenant: &Tenant, id: i64) {
        self.accounts.forget(&(tenant.id(), id));
        self.directories.forget(tenant);
    }
}

#[derive(Default)]
pub struct PolicyCache(PerTenant<IdentityPolicy>);

impl PolicyCache {
    /// The department's identity policy, at most [`ACCOUNT_TTL`] old.
    pub async fn get(&self, platform: &Platform, tenant: &Tenant) -> Result<IdentityPolicy, DbErr> {
        self.0.get_or_read(tenant, policy(platform, tenant)).await
    }

    /// Drops the department's entry after a change to its policy.
    pub fn forget(&self, tenant: &Tenant) {
        self.0.forget(tenant);
    }
}
