//! The platform store and the per-tenant stores.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use migrations::{APPEND_ONLY_TABLES, MigratorTrait, PlatformMigrator, TenantMigrator};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, IsolationLevel,
    SqliteTransactionMode, SqlxPostgresConnector, SqlxSqliteConnector, TransactionOptions,
    TransactionTrait,
};

use crate::registry::TenantRecord;
use crate::{Module, Slug, TenantStatus};

/// Which database engine holds the stores.
#[derive(Clone, Debug)]
pub enum Engine {
    /// One SQLite file for the platform and one per tenant, under the data directory.
    Sqlite,
    /// One database: the platform in `public`, one schema per tenant.
    Postgres { url: String },
}

#[derive(Clone, Debug)]
pub struct StoreConfig {
    pub engine: Engine,
    /// Holds the SQLite files (if any) and the tenants' uploaded files.
    pub data_dir: PathBuf,
    /// Size of the shared PostgreSQL pool.
    pub pg_max_connections: u32,
    /// Where the departments' files are kept.
    pub files: crate::FilesConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "impossible de créer le dossier de données {path} : {source}. Choisissez un dossier accessible en écriture avec --data-dir ou GUICHET_DATA_DIR"
    )]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "l'adresse de base de données « {0} » est invalide : attendu postgres://utilisateur@hôte:port/base"
    )]
    BadUrl(String),
    #[error(
        "la base de données est injoignable ({0}) : vérifiez que PostgreSQL tourne et que DATABASE_URL est juste"
    )]
    Unreachable(String),
    #[error(
        "le rôle PostgreSQL « {DATA_ROLE} », sous lequel Guichet lit et écrit les données des départements, n'est pas utilisable par l'utilisateur de DATABASE_URL ({0}) : faites exécuter une fois par un administrateur de la base « CREATE ROLE {DATA_ROLE} NOLOGIN; GRANT {DATA_ROLE} TO <utilisateur de DATABASE_URL>; » (ou donnez à cet utilisateur le droit CREATEROLE), puis relancez"
    )]
    DataRole(String),
    #[error(
        "« {0} » n'est pas l'adresse d'un stockage objet : attendu s3://seau ou s3://seau/dossier (ou rien, pour le dossier de données)"
    )]
    FilesAddress(String),
    #[error(
        "le stockage des fichiers ne répond pas ou refuse l'accès ({0}) : vérifiez GUICHET_FILES et les variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION et, hors Amazon, AWS_ENDPOINT_URL"
    )]
    Files(String),
    #[error("erreur de la base de données : {0}")]
    Db(#[from] DbErr),
}

/// Why an instance should not be sent traffic yet, for the operator (counts only: the answer
/// is public).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NotReady {
    #[error("la base de la plateforme ne répond pas")]
    PlatformStore,
    #[error("{0} migration(s) de la plateforme en attente : lancez « guichet migrate »")]
    PlatformMigrations(usize),
    #[error("{}", departments_not_ready(*failing, *behind))]
    Tenants { failing: usize, behind: usize },
    #[error("le stockage des fichiers ne répond pas")]
    Files,
}

fn departments_not_ready(failing: usize, behind: usize) -> String {
    let mut reasons = Vec::new();
    if failing > 0 {
        reasons.push(format!(
            "{failing} département(s) dont la base ne répond pas ou a été migrée par une version plus récente de Guichet"
        ));
    }
    if behind > 0 {
        reasons.push(format!(
            "{behind} département(s) en attente de migrations : lancez « guichet migrate »"
        ));
    }
    reasons.join(" ; ")
}

/// On PostgreSQL, the role every tenant transaction of the application runs under
/// (`SET LOCAL ROLE`, [`TenantDb::begin`]). It reads and writes the tenant's tables but owns
/// none: it can only add to and read the append-only ones (`migrations::APPEND_ONLY_TABLES`,
/// the journal), cannot drop their triggers nor alter any table, and cannot write the
/// migrations' record. The store's owner (the user of `DATABASE_URL`) keeps those rights for
/// migrations ([`TenantDb::begin_as_owner`]). Roles belong to the whole PostgreSQL cluster:
/// the databases of several platforms on one cluster share it, each granting it only its own
/// tables.
pub const DATA_ROLE: &str = "guichet_tenant_data";

/// Creates [`DATA_ROLE`] if it does not exist (several platforms may start at once) and
/// makes the store's owner a member, so that it may take the role.
async fn ensure_data_role(db: &DatabaseConnection) -> Result<(), StoreError> {
    let statement = format!(
        "DO $$ BEGIN \
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{DATA_ROLE}') THEN \
             BEGIN CREATE ROLE {DATA_ROLE} NOLOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; \
           END IF; \
           IF NOT pg_has_role(current_user, '{DATA_ROLE}', 'MEMBER') THEN \
             EXECUTE format('GRANT {DATA_ROLE} TO %I', current_user); \
           END IF; \
         END $$"
    );
    db.execute_unprepared(&statement)
        .await
        .map_err(|e| StoreError::DataRole(e.to_string()))?;
    Ok(())
}

/// Grants [`DATA_ROLE`] what the application needs on `schema`'s tables as they are now
/// (run after every migration): no more.
pub(crate) async fn grant_data_role(txn: &DatabaseTransaction, schema: &str) -> Result<(), DbErr> {
    let mut statements = vec![
        format!("GRANT USAGE ON SCHEMA \"{schema}\" TO {DATA_ROLE}"),
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"{schema}\" TO {DATA_ROLE}"
        ),
        format!(
            "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA \"{schema}\" TO {DATA_ROLE}"
        ),
        format!("REVOKE INSERT, UPDATE, DELETE ON \"{schema}\".seaql_migrations FROM {DATA_ROLE}"),
    ];
    statements.extend(APPEND_ONLY_TABLES.iter().map(|table| {
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON \"{schema}\".\"{table}\" FROM {DATA_ROLE}")
    }));
    txn.execute_unprepared(&statements.join("; ")).await?;
    Ok(())
}

/// The platform (control) store and the way to every tenant's store.
///
/// Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct Platform {
    db: DatabaseConnection,
    pub(crate) config: Arc<StoreConfig>,
    /// The departments' files, one prefix each ([`crate::files`]).
    pub(crate) files: Arc<dyn object_store::ObjectStore>,
    /// SQLite only: one small pool per tenant file, opened on first use. sqlx closes the
    /// connections of an idle pool; the pool object itself is a few hundred bytes.
    sqlite_pools: Arc<Mutex<HashMap<Slug, DatabaseConnection>>>,
    /// The registry as last read, for request routing (see [`crate::registry::REGISTRY_TTL`]).
    pub(crate) registry: Arc<std::sync::RwLock<Option<Arc<crate::registry::RegistrySnapshot>>>>,
}

impl Platform {
    /// Opens (creating if needed) the platform store and runs its migrations. Tenants are not
    /// touched: call [`Platform::migrate_tenants`] for that.
    pub async fn open(config: StoreConfig) -> Result<Self, StoreError> {
        create_dir(&config.data_dir)?;
        let files = crate::files::open(&config.files, &config.data_dir)?;
        let db = match &config.engine {
            Engine::Sqlite => {
                create_dir(&config.data_dir.join("tenants"))?;
                let pool = sqlite_pool(&config.data_dir.join("platform.sqlite"), 8, true);
                SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
            }
            Engine::Postgres { url } => {
                let options = PgConnectOptions::from_str(url)
                    .map_err(|_| StoreError::BadUrl(redact_url(url)))?;
                let pool = PgPoolOptions::new()
                    .max_connections(config.pg_max_connections)
                    .min_connections(0)
                    .acquire_timeout(Duration::from_secs(5))
                    .idle_timeout(Duration::from_secs(300))
                    .connect_with(options)
                    .await
                    .map_err(|e| StoreError::Unreachable(short_reason(&e)))?;
                SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
            }
        };
        let platform = Self {
            db,
            config: Arc::new(config),
            files,
            sqlite_pools: Arc::default(),
            registry: Arc::default(),
        };
        platform
            .migrate_platform()
            .await
            .map_err(|e| match &platform.config.engine {
                Engine::Sqlite => StoreError::Db(e),
                Engine::Postgres { .. } => StoreError::Unreachable(e.to_string()),
            })?;
        if let Engine::Postgres { .. } = platform.config.engine {
            ensure_data_role(&platform.db).await?;
        }
        Ok(platform)
    }

    /// The platform store's pending migrations, in one transaction. On PostgreSQL it takes
    /// [`MIGRATION_LOCK`] first: instances starting together migrate one after the other, the
    /// later ones finding nothing left to do.
    async fn migrate_platform(&self) -> Result<(), DbErr> {
        let txn = self.db.begin().await?;
        lock_migrations(&txn).await?;
        PlatformMigrator::up(&txn, None).await?;
        txn.commit().await
    }

    /// Runs pending migrations on every tenant's store.
    pub async fn migrate_tenants(&self) -> Result<usize, StoreError> {
        let tenants = self.list_tenants().await?;
        for tenant in &tenants {
            tenant.db.migrate().await?;
        }
        Ok(tenants.len())
    }

    /// Whether every store answers and is migrated to this build's level: what a load
    /// balancer asks before sending an instance traffic (`/sante`). Reads only.
    pub async fn readiness(&self) -> Result<(), NotReady> {
        let pending = PlatformMigrator::get_pending_migrations_read_only(&self.db)
            .await
            .map_err(|_| NotReady::PlatformStore)?;
        if !pending.is_empty() {
            return Err(NotReady::PlatformMigrations(pending.len()));
        }
        let tenants = self
            .list_tenants()
            .await
            .map_err(|_| NotReady::PlatformStore)?;
        let (mut failing, mut behind) = (0, 0);
        for tenant in &tenants {
            match tenant.db.pending_migrations().await {
                Ok(0) => {}
                Ok(_) => behind += 1,
                Err(_) => failing += 1,
            }
        }
        if failing + behind > 0 {
            return Err(NotReady::Tenants { failing, behind });
        }
        if !self.files_answer().await {
            return Err(NotReady::Files);
        }
        Ok(())
    }

    /// The platform store. Platform-level code (staff accounts, sessions) uses it; tenant data
    /// never lives there.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn engine(&self) -> &Engine {
        &self.config.engine
    }

    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    pub(crate) fn sqlite_path(&self, slug: &Slug) -> PathBuf {
        self.config
            .data_dir
            .join("tenants")
            .join(format!("{slug}.sqlite"))
    }

    /// Builds the handle to a tenant's store. Crate-private: tenants are only handed out by
    /// the registry lookups.
    pub(crate) fn tenant_from_record(&self, record: Arc<TenantRecord>) -> Tenant {
        self.open_tenant(record, false)
    }

    /// `create`: make the SQLite file if missing. Only tenant creation does; otherwise a stale
    /// registry entry of a removed tenant would bring back an empty file.
    pub(crate) fn open_tenant(&self, record: Arc<TenantRecord>, create: bool) -> Tenant {
        let db = match &self.config.engine {
            Engine::Sqlite => {
                let mut pools = self.sqlite_pools.lock().expect("pool map poisoned");
                let conn = pools
                    .entry(record.slug.clone())
                    .or_insert_with(|| {
                        SqlxSqliteConnector::from_sqlx_sqlite_pool(sqlite_pool(
                            &self.sqlite_path(&record.slug),
                            4,
                            create,
                        ))
                    })
                    .clone();
                TenantDb(Arc::new(TenantConn::Sqlite(conn)))
            }
            Engine::Postgres { .. } => TenantDb(Arc::new(TenantConn::Postgres {
                pool: self.db.clone(),
                schema: record.slug.schema_name(),
            })),
        };
        Tenant { record, db }
    }

    /// Forgets (and closes) a tenant's SQLite pool, before its file is removed or replaced.
    pub(crate) async fn close_tenant_pool(&self, slug: &Slug) {
        let pool = self
            .sqlite_pools
            .lock()
            .expect("pool map poisoned")
            .remove(slug);
        if let Some(pool) = pool {
            let _ = pool.close().await;
        }
    }
}

/// A tenant resolved from the registry: its record and the handle to its store.
///
/// Cheap to clone.
#[derive(Clone)]
pub struct Tenant {
    record: Arc<TenantRecord>,
    db: TenantDb,
}

impl Tenant {
    pub fn id(&self) -> i64 {
        self.record.id
    }
    pub fn slug(&self) -> &Slug {
        &self.record.slug
    }
    pub fn name(&self) -> &str {
        &self.record.name
    }
    pub fn domain(&self) -> Option<&str> {
        self.record.domain.as_deref()
    }
    pub fn modules(&self) -> &[Module] {
        &self.record.modules
    }
    pub fn has_module(&self, module: Module) -> bool {
        self.record.modules.contains(&module)
    }
    pub fn status(&self) -> TenantStatus {
        self.record.status
    }
    /// Suspended by the operator: its pages show a notice, and its jobs (mail, national
    /// pulls, exports) wait for it to be resumed.
    pub fn is_suspended(&self) -> bool {
        self.record.status == TenantStatus::Suspended
    }
    pub fn record(&self) -> &TenantRecord {
        &self.record
    }
    /// The handle to this tenant's own store.
    pub fn db(&self) -> &TenantDb {
        &self.db
    }
}

impl std::fmt::Debug for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenant")
            .field("slug", &self.record.slug)
            .finish()
    }
}

/// A connection to one tenant's store and nothing else.
#[derive(Clone)]
pub struct TenantDb(Arc<TenantConn>);

enum TenantConn {
    Sqlite(DatabaseConnection),
    /// The shared pool; every transaction pins `search_path` to the tenant's schema only, so
    /// neither the platform tables nor another tenant's schema are visible.
    Postgres {
        pool: DatabaseConnection,
        schema: String,
    },
}

impl TenantDb {
    /// Starts a transaction on this tenant's store. All tenant reads and writes go through one;
    /// on PostgreSQL it runs as [`DATA_ROLE`].
    pub async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        match &*self.0 {
            TenantConn::Sqlite(conn) => conn.begin().await,
            TenantConn::Postgres { pool, schema } => {
                let txn = pool.begin().await?;
                txn.execute_unprepared(&format!(
                    "SET LOCAL search_path TO \"{schema}\"; SET LOCAL ROLE {DATA_ROLE}"
                ))
                .await?;
                Ok(txn)
            }
        }
    }

    /// A read-only transaction that sees the store as it was when it began, whatever is written
    /// meanwhile: a backup's tables agree with one another while the platform serves. On
    /// PostgreSQL, `REPEATABLE READ`; on SQLite (WAL), every read transaction already is one.
    pub async fn begin_snapshot(&self) -> Result<DatabaseTransaction, DbErr> {
        match &*self.0 {
            TenantConn::Sqlite(conn) => conn.begin().await,
            TenantConn::Postgres { pool, schema } => {
                let txn = pool
                    .begin_with_options(TransactionOptions {
                        isolation_level: Some(IsolationLevel::RepeatableRead),
                        access_mode: Some(AccessMode::ReadOnly),
                        ..TransactionOptions::default()
                    })
                    .await?;
                txn.execute_unprepared(&format!(
                    "SET LOCAL search_path TO \"{schema}\"; SET LOCAL ROLE {DATA_ROLE}"
                ))
                .await?;
                Ok(txn)
            }
        }
    }

    /// A transaction with the rights of the store's owner, for migrations and an operator's
    /// repairs: on PostgreSQL without [`DATA_ROLE`]'s limits (it can change the schema and
    /// drop the journal's triggers). The application's own reads and writes never use it.
    pub async fn begin_as_owner(&self) -> Result<DatabaseTransaction, DbErr> {
        match &*self.0 {
            TenantConn::Sqlite(conn) => conn.begin().await,
            TenantConn::Postgres { pool, schema } => {
                let txn = pool.begin().await?;
                txn.execute_unprepared(&format!("SET LOCAL search_path TO \"{schema}\""))
                    .await?;
                Ok(txn)
            }
        }
    }

    /// [`TenantDb::begin_as_owner`] that will write (the write lock at once on SQLite, as
    /// [`TenantDb::begin_write`]): the one change the application makes with the owner's
    /// rights, cutting the journal's head at its retention term.
    pub async fn begin_write_as_owner(&self) -> Result<DatabaseTransaction, DbErr> {
        match &*self.0 {
            TenantConn::Sqlite(conn) => begin_immediate(conn).await,
            TenantConn::Postgres { .. } => self.begin_as_owner().await,
        }
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads, then writes after another
    /// connection wrote, fails at once with "database is locked" (WAL cannot upgrade its
    /// snapshot), whereas an immediate one waits its turn (busy timeout).
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        match &*self.0 {
            TenantConn::Sqlite(conn) => begin_immediate(conn).await,
            TenantConn::Postgres { .. } => self.begin().await,
        }
    }

    /// Applies pending tenant migrations.
    /// How many of this build's migrations the store lacks; an error if it does not answer,
    /// or holds migrations this build does not know (a newer version migrated it).
    async fn pending_migrations(&self) -> Result<usize, DbErr> {
        let txn = self.begin_as_owner().await?;
        let pending = TenantMigrator::get_pending_migrations_read_only(&txn).await?;
        txn.commit().await?;
        Ok(pending.len())
    }

    pub(crate) async fn migrate(&self) -> Result<(), DbErr> {
        let txn = self.begin_as_owner().await?;
        lock_migrations(&txn).await?;
        TenantMigrator::up(&txn, None).await?;
        if let TenantConn::Postgres { schema, .. } = &*self.0 {
            grant_data_role(&txn, schema).await?;
        }
        txn.commit().await
    }
}

/// The PostgreSQL advisory lock every migration takes, for the rest of its transaction
/// (« guichet » in ASCII): advisory locks belong to one database, so platforms on other
/// databases of the cluster do not wait for each other.
const MIGRATION_LOCK: i64 = 0x67_7569_6368_6574;

/// On PostgreSQL, waits for [`MIGRATION_LOCK`], released when `txn` ends. SQLite serializes
/// writers itself, and is served by one process.
async fn lock_migrations(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            .await?;
    }
    Ok(())
}

/// A write transaction on a connection (the platform store): `BEGIN IMMEDIATE` on SQLite, see
/// [`TenantDb::begin_write`]; a plain transaction on PostgreSQL.
pub async fn begin_write(conn: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match conn.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => begin_immediate(conn).await,
        _ => conn.begin().await,
    }
}

async fn begin_immediate(conn: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    conn.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

fn create_dir(path: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(path).map_err(|source| StoreError::DataDir {
        path: path.to_owned(),
        source,
    })
}

fn sqlite_pool(path: &Path, max_connections: u32, create: bool) -> sea_orm::sqlx::SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .idle_timeout(Duration::from_secs(60))
        .connect_lazy_with(options)
}

/// Hides a password in a database URL before it is shown.
pub(crate) fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(illisible)".to_owned(),
    }
}

fn short_reason(e: &sea_orm::sqlx::Error) -> String {
    match e {
        sea_orm::sqlx::Error::Io(io) => io.to_string(),
        sea_orm::sqlx::Error::PoolTimedOut => "délai de connexion dépassé".to_owned(),
        other => other.to_string(),
    }
}
