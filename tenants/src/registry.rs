//! The tenant registry: creating, listing, suspending and removing departments.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};

use crate::entity::tenant;
use crate::store::{Engine, Platform, StoreError, Tenant};
use crate::{DomainName, Module, Slug};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    Active,
    Suspended,
}

impl TenantStatus {
    fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
        }
    }
}

/// A tenant's row in the registry, parsed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TenantRecord {
    pub id: i64,
    pub slug: Slug,
    pub name: String,
    pub domain: Option<String>,
    pub modules: Vec<Module>,
    pub status: TenantStatus,
    pub created_at: chrono::DateTime<Utc>,
}

impl TryFrom<tenant::Model> for TenantRecord {
    type Error = DbErr;

    fn try_from(m: tenant::Model) -> Result<Self, DbErr> {
        let corrupt = |what: &str| DbErr::Custom(format!("tenant row {}: bad {what}", m.id));
        Ok(Self {
            id: m.id,
            slug: Slug::parse(&m.slug).map_err(|_| corrupt("slug"))?,
            name: m.name.clone(),
            domain: m.domain.clone(),
            modules: Module::parse_list(&m.modules).map_err(|_| corrupt("modules"))?,
            status: match m.status.as_str() {
                "active" => TenantStatus::Active,
                "suspended" => TenantStatus::Suspended,
                _ => return Err(corrupt("status")),
            },
            created_at: m.created_at,
        })
    }
}

/// How long request routing trusts its copy of the registry. Changes made through this
/// `Platform` apply at once; changes made elsewhere (the CLI, another node) within this delay.
pub const REGISTRY_TTL: Duration = Duration::from_secs(2);

/// The whole registry, indexed for request routing: one query every [`REGISTRY_TTL`] instead
/// of one per request.
pub(crate) struct RegistrySnapshot {
    taken: Instant,
    by_slug: HashMap<Slug, Arc<TenantRecord>>,
    by_domain: HashMap<String, Arc<TenantRecord>>,
}

/// What is needed to create a tenant; every field is already parsed.
#[derive(Clone, Debug)]
pub struct NewTenant {
    pub slug: Slug,
    pub name: String,
    pub modules: Vec<Module>,
    pub domain: Option<DomainName>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "le département « {0} » existe déjà : choisissez un autre identifiant, ou supprimez l'ancien avec `guichet tenant remove {0} --yes`"
    )]
    SlugTaken(Slug),
    #[error("le domaine « {0} » est déjà celui d'un autre département : choisissez-en un autre")]
    DomainTaken(String),
    #[error("aucun département « {0} » : `guichet tenant list` montre ceux qui existent")]
    NotFound(String),
    #[error("le nom du département est vide : donnez-le avec --name \"Département de …\"")]
    EmptyName,
    #[error(
        "un fichier {0} existe déjà sans département enregistré : déplacez-le ou supprimez-le, puis recommencez"
    )]
    StrayStore(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DbErr> for RegistryError {
    fn from(e: DbErr) -> Self {
        RegistryError::Store(StoreError::Db(e))
    }
}

impl Platform {
    /// Creates a tenant: its store (migrated) and its registry row, all or nothing.
    #[tracing::instrument(skip(self, new), fields(slug = %new.slug))]
    pub async fn create_tenant(&self, new: NewTenant) -> Result<Tenant, RegistryError> {
        let name = new.name.trim().to_owned();
        if name.is_empty() {
            return Err(RegistryError::EmptyName);
        }
        if self.find_row_by_slug(&new.slug).await?.is_some() {
            return Err(RegistryError::SlugTaken(new.slug));
        }
        if let Some(domain) = &new.domain
            && self.find_row_by_domain(domain.as_str()).await?.is_some()
        {
            return Err(RegistryError::DomainTaken(domain.as_str().to_owned()));
        }
        let row = tenant::ActiveModel {
            slug: Set(new.slug.as_str().to_owned()),
            name: Set(name),
            domain: Set(new.domain.as_ref().map(|d| d.as_str().to_owned())),
            modules: Set(Module::join(&new.modules)),
            status: Set(TenantStatus::Active.as_str().to_owned()),
            created_at: Set(Utc::now()),
            ..Default::default()
        };

        let model = match self.engine() {
            Engine::Sqlite => self.create_sqlite_tenant(&new.slug, row).await?,
            Engine::Postgres { .. } => self.create_postgres_tenant(&new.slug, row).await?,
        };
        self.invalidate_registry();
        let record = TenantRecord::try_from(model)?;
        Ok(self.tenant_from_record(Arc::new(record)))
    }

    async fn create_sqlite_tenant(
        &self,
        slug: &Slug,
        row: tenant::ActiveModel,
    ) -> Result<tenant::Model, RegistryError> {
        let path = self.sqlite_path(slug);
        if path.exists() {
            return Err(RegistryError::StrayStore(path.display().to_string()));
        }
        let result = async {
            // Migrate the new file first; the registry row comes last, so a failure before it
            // leaves only the file, which the clean-up below removes.
            let record = provisional_record(slug);
            self.open_tenant(Arc::new(record), true)
                .db()
                .migrate()
                .await?;
            Ok::<_, RegistryError>(row.insert(self.db()).await?)
        }
        .await;
        if result.is_err() {
            self.close_tenant_pool(slug).await;
            remove_sqlite_files(&path);
        }
        result.map_err(|e| unique_violation_as_taken(e, slug))
    }

    async fn create_postgres_tenant(
        &self,
        slug: &Slug,
        row: tenant::ActiveModel,
    ) -> Result<tenant::Model, RegistryError> {
        // PostgreSQL DDL is transactional: schema, tables and registry row commit together.
        let schema = slug.schema_name();
        let txn = self.db().begin().await?;
        txn.execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
            .await
            .map_err(|e| match e.sql_err() {
                Some(_) => RegistryError::SlugTaken(slug.clone()),
                None if e.to_string().contains("already exists") => {
                    RegistryError::StrayStore(format!("schéma {schema}"))
                }
                None => e.into(),
            })?;
        txn.execute_unprepared(&format!("SET LOCAL search_path TO \"{schema}\""))
            .await?;
        <migrations::TenantMigrator as migrations::MigratorTrait>::up(&txn, None).await?;
        crate::store::grant_data_role(&txn, &schema).await?;
        txn.execute_unprepared("SET LOCAL search_path TO public")
            .await?;
        let model = row
            .insert(&txn)
            .await
            .map_err(|e| unique_violation_as_taken(e.into(), slug))?;
        txn.commit().await?;
        Ok(model)
    }

    /// All tenants, by slug, read from the store.
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let rows = tenant::Entity::find()
            .order_by_asc(tenant::Column::Slug)
            .all(self.db())
            .await?;
        rows.into_iter()
            .map(|m| Ok(self.tenant_from_record(Arc::new(TenantRecord::try_from(m)?))))
            .collect()
    }

    pub async fn tenant_by_slug(&self, slug: &Slug) -> Result<Option<Tenant>, StoreError> {
        let snapshot = self.registry_snapshot().await?;
        Ok(snapshot
            .by_slug
            .get(slug)
            .map(|r| self.tenant_from_record(r.clone())))
    }

    /// The tenant whose own domain is `host` (already lower-cased, without port).
    pub async fn tenant_by_domain(&self, host: &str) -> Result<Option<Tenant>, StoreError> {
        let snapshot = self.registry_snapshot().await?;
        Ok(snapshot
            .by_domain
            .get(host)
            .map(|r| self.tenant_from_record(r.clone())))
    }

    async fn registry_snapshot(&self) -> Result<Arc<RegistrySnapshot>, StoreError> {
        if let Some(snapshot) = self.registry.read().expect("registry lock").as_ref()
            && snapshot.taken.elapsed() < REGISTRY_TTL
        {
            return Ok(snapshot.clone());
        }
        let taken = Instant::now();
        let mut by_slug = HashMap::new();
        let mut by_domain = HashMap::new();
        for row in tenant::Entity::find().all(self.db()).await? {
            let record = Arc::new(TenantRecord::try_from(row)?);
            if let Some(domain) = &record.domain {
                by_domain.insert(domain.clone(), record.clone());
            }
            by_slug.insert(record.slug.clone(), record);
        }
        let snapshot = Arc::new(RegistrySnapshot {
            taken,
            by_slug,
            by_domain,
        });
        *self.registry.write().expect("registry lock") = Some(snapshot.clone());
        Ok(snapshot)
    }

    fn invalidate_registry(&self) {
        *self.registry.write().expect("registry lock") = None;
    }

    pub async fn set_tenant_status(
        &self,
        slug: &Slug,
        status: TenantStatus,
    ) -> Result<(), RegistryError> {
        let row = self
            .find_row_by_slug(slug)
            .await?
            .ok_or_else(|| RegistryError::NotFound(slug.to_string()))?;
        let mut active: tenant::ActiveModel = row.into();
        active.status = Set(status.as_str().to_owned());
        active.update(self.db()).await?;
        self.invalidate_registry();
        Ok(())
    }

    /// Removes a tenant: registry row (and its staff, by cascade), store and files.
    #[tracing::instrument(skip(self))]
    pub async fn remove_tenant(&self, slug: &Slug) -> Result<(), RegistryError> {
        if self.find_row_by_slug(slug).await?.is_none() {
            return Err(RegistryError::NotFound(slug.to_string()));
        }
        match self.engine() {
            Engine::Sqlite => {
                tenant::Entity::delete_many()
                    .filter(tenant::Column::Slug.eq(slug.as_str()))
                    .exec(self.db())
                    .await?;
                self.close_tenant_pool(slug).await;
                remove_sqlite_files(&self.sqlite_path(slug));
            }
            Engine::Postgres { .. } => {
                let txn = self.db().begin().await?;
                tenant::Entity::delete_many()
                    .filter(tenant::Column::Slug.eq(slug.as_str()))
                    .exec(&txn)
                    .await?;
                txn.execute_unprepared(&format!(
                    "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                    slug.schema_name()
                ))
                .await?;
                txn.commit().await?;
            }
        }
        self.invalidate_registry();
        self.remove_files(slug).await?;
        Ok(())
    }

    async fn find_row_by_slug(&self, slug: &Slug) -> Result<Option<tenant::Model>, DbErr> {
        tenant::Entity::find()
            .filter(tenant::Column::Slug.eq(slug.as_str()))
            .one(self.db())
            .await
    }

    async fn find_row_by_domain(&self, host: &str) -> Result<Option<tenant::Model>, DbErr> {
        tenant::Entity::find()
            .filter(tenant::Column::Domain.eq(host))
            .one(self.db())
            .await
    }
}

/// A record used only to open the store of a tenant being created.
fn provisional_record(slug: &Slug) -> TenantRecord {
    TenantRecord {
        id: 0,
        slug: slug.clone(),
        name: String::new(),
        domain: None,
        modules: Vec::new(),
        status: TenantStatus::Active,
        created_at: Utc::now(),
    }
}

fn unique_violation_as_taken(e: RegistryError, slug: &Slug) -> RegistryError {
    match &e {
        RegistryError::Store(StoreError::Db(db)) if db.sql_err().is_some() => {
            RegistryError::SlugTaken(slug.clone())
        }
        _ => e,
    }
}

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}
