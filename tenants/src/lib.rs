//! Tenants (départements): the registry in the platform store, resolution of a request to its
//! tenant, and the handle to each tenant's own store.
//!
//! Isolation is by construction: a [`Tenant`] can only be obtained from the [`Platform`] (by
//! slug, host or domain), and the only way to reach a tenant's data is [`TenantDb::begin`],
//! which returns a transaction bound to that tenant's store (its SQLite file, or its PostgreSQL
//! schema pinned with `SET LOCAL search_path`). No function takes a bare tenant id together with
//! a shared connection.

mod domain;
pub mod entity;
pub mod files;
mod module;
mod registry;
mod resolve;
mod slug;
mod store;

pub use domain::{DomainError, DomainName};
pub use files::FilesConfig;
pub use module::{Module, UnknownModule};
pub use registry::{NewTenant, REGISTRY_TTL, RegistryError, TenantStatus};
pub use resolve::{HostMatch, match_host, split_path_prefix};
pub use slug::{Slug, SlugError};
pub use store::{
    DATA_ROLE, Engine, NotReady, Platform, StoreConfig, StoreError, Tenant, TenantDb, begin_write,
};
