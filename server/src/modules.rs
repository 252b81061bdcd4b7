//! Each part of the platform declared once: its pages, its menu entries, its module page, its
//! tables, its jobs and schedules. The router, the staff menu, the tenant export and import,
//! the merge of duplicate records, the job worker and the invariant tests iterate over
//! [`PARTS`]; adding a module is a folder of its own and one line there (see
//! `docs/ARCHITECTURE.md`, "Adding a module").

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

use anyhow::Context as _;
use app::NavLink;
use axum::Router;
use axum::routing::MethodRouter;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    Iterable, PrimaryKeyToColumn, PrimaryKeyTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tenants::{Module, Platform, Tenant};

use crate::citizens::Citizen;
use crate::citizens::file::{AccessSections, Files, Section};
use crate::http::desks::FiguresDesk;
use crate::http::{AppState, TenantCtx};
use crate::jobs::Running;
use crate::mail::Mailer;
use crate::national::jobs::NationalApi;
use crate::staff::DeskAccess;
use crate::throttle::ThrottlePolicy;

/// A future a table's function returns (boxed: tables of every entity sit in one list).
pub type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One part of the platform: a module a department subscribes to, or what every department
/// has (the foundation: sign-in, citizens, the journal, mail; national data).
pub struct Part {
    /// `None` for the foundation and the services modules share.
    pub module: Option<Module>,
    /// Its pages, staff and citizen sides. A module's routes answer 404 in a department that
    /// has not subscribed to it, whatever its handlers check.
    pub routes: fn(Routes) -> Routes,
    /// Its entries in the staff menu, for a staff member who opens it with `access`.
    pub staff_nav: fn(&TenantCtx, DeskAccess) -> Vec<NavLink>,
    /// Its entries in the administrator's menu.
    pub admin_nav: fn(&TenantCtx) -> Vec<NavLink>,
    /// Its entries in the citizen's space (what the citizen can start there).
    pub citizen_nav: fn(&TenantCtx) -> Vec<NavLink>,
    /// Its tables in the tenant store, parents before children.
    pub tables: fn() -> Vec<Table>,
    /// Its page under « /agents/modules/… » (modules only).
    pub home: Option<ModuleHome>,
    /// Its job workers, one per job type (see `jobs::worker!`).
    pub workers: fn(&Services) -> Vec<Running<anyhow::Result<()>>>,
    /// What it enqueues on a schedule.
    pub schedules: fn(&Services) -> Vec<Running<()>>,
    /// Its share of the housekeeping job, run for each department that has the part.
    pub housekeeping: Housekeeper,
    /// The citizens' files it keeps, read by the parts that show them (reception's record,
    /// alerts and mandates, « Mes données »): they read this, never the module.
    pub files: Option<Files>,
    /// What it follows citizens for, read like `files` by the citizen's space and reception.
    pub follow_ups: Option<crate::citizens::file::FollowUps>,
    /// Its sections of a citizen's right of access, whether the department still subscribes
    /// or not (what is held is shown).
    pub access: AccessSections,
    /// What it counts for the department's statistics (modules only).
    pub indicators: Option<&'static crate::statistics::indicators::Indicators>,
    /// The categories of data it keeps and for how long (see `retention`).
    pub retention: Option<&'static crate::retention::Retention>,
}

/// A part's share of housekeeping in one department.
pub type Housekeeper = for<'a> fn(&'a Platform, &'a Tenant) -> Boxed<'a, anyhow::Result<()>>;

/// What the parts' workers and schedules run with.
#[derive(Clone)]
pub struct Services {
    pub platform: Platform,
    pub throttle: ThrottlePolicy,
    pub mailer: Mailer,
    pub national_api: NationalApi,
    /// Names this process's workers: apalis refuses a name whose heartbeat is fresh, so two
    /// nodes, or one restarted quickly, each need their own.
    pub instance: String,
    /// How long sent mail stays in the outboxes (`mail::purge_sent`).
    pub sent_mail_kept: std::time::Duration,
    /// Signs checkpoints of each journal's head (housekeeping), when the platform has a key.
    pub journal_anchor: Option<std::sync::Arc<crate::journal_anchor::JournalAnchor>>,
    /// Statistical secrecy's threshold for the figures departments share (nightly).
    pub statistics_threshold: u64,
}

impl Services {
    pub fn new(
        platform: Platform,
        throttle: ThrottlePolicy,
        mailer: Mailer,
        national_api: NationalApi,
    ) -> Self {
        Self {
            platform,
            throttle,
            mailer,
            national_api,
            instance: format!("{:08x}", rand::random::<u32>()),
            sent_mail_kept: std::time::Duration::from_secs(30 * 24 * 3600),
            journal_anchor: None,
            statistics_threshold: crate::statistics::secrecy::DEFAULT_THRESHOLD,
        }
    }
}

/// Runs every part's workers until the process stops (or one of them fails).
pub async fn run_workers(services: Services) -> anyhow::Result<()> {
    let mut running = tokio::task::JoinSet::new();
    for part in PARTS {
        for worker in (part.workers)(&services) {
            running.spawn(worker);
        }
    }
    // Dropping the set (this future aborted) stops every worker.
    while let Some(done) = running.join_next().await {
        done??;
    }
    Ok(())
}

/// Every part's schedules, to run beside the workers.
pub fn schedules(services: &Services) -> Vec<Running<()>> {
    PARTS.iter().flat_map(|p| (p.schedules)(services)).collect()
}

/// No share of housekeeping.
pub fn no_housekeeping<'a>(_: &'a Platform, _: &'a Tenant) -> Boxed<'a, anyhow::Result<()>> {
    Box::pin(async { Ok(()) })
}

/// A module's page: what it says, and the figures it shows (supervisors see nothing more).
pub struct ModuleHome {
    pub summary: &'static str,
    pub figures: for<'a> fn(&'a FiguresDesk<'a>) -> Boxed<'a, Figures>,
}

/// A module's figures, label and value.
pub type Figures = Result<Vec<(String, String)>, DbErr>;

/// No figures.
pub fn no_figures<'a>(_: &'a FiguresDesk<'a>) -> Boxed<'a, Figures> {
    Box::pin(async { Ok(Vec::new()) })
}

/// Every part, in the order their tables load (parents before children).
pub static PARTS: [&Part; 8] = [
    &crate::foundation::PART,
    &crate::aid_requests::PART,
    &crate::national::PART,
    &crate::user_relations::PART,
    &crate::insertion::PART,
    &crate::disability::PART,
    &crate::statistics::PART,
    // Last: the documents the modules' removals free go in the same pass.
    &crate::retention::PART,
];

/// The entries of the citizen's space of every part `tenant` subscribes to.
pub fn citizen_nav(tenant: &TenantCtx) -> Vec<NavLink> {
    PARTS
        .iter()
        .filter(|p| p.module.is_none_or(|m| tenant.tenant.has_module(m)))
        .flat_map(|p| (p.citizen_nav)(tenant))
        .collect()
}

/// The part declaring `module`, if it is built.
pub fn part_of(module: Module) -> Option<&'static Part> {
    PARTS.iter().copied().find(|p| p.module == Some(module))
}

/// The files `module` keeps, if it is built and keeps some.
pub fn files_of(module: Module) -> Option<&'static Files> {
    part_of(module)?.files.as_ref()
}

/// The files of every module, subscribed or not (to name what is held).
pub fn all_files() -> impl Iterator<Item = &'static Files> {
    PARTS.iter().filter_map(|p| p.files.as_ref())
}

/// The files of every module `tenant` subscribes to.
pub fn files_in(tenant: &Tenant) -> impl Iterator<Item = &'static Files> + '_ {
    PARTS
        .iter()
        .filter(|p| p.module.is_none_or(|m| tenant.has_module(m)))
        .filter_map(|p| p.files.as_ref())
}

/// The follow-ups of `citizen_id` in every module `tenant` subscribes to.
pub async fn follow_ups_of(
    tenant: &Tenant,
    citizen_id: i64,
) -> Result<Vec<crate::citizens::file::FollowUp>, sea_orm::DbErr> {
    let mut all = Vec::new();
    for read in PARTS
        .iter()
        .filter(|p| p.module.is_none_or(|m| tenant.has_module(m)))
        .filter_map(|p| p.follow_ups)
    {
        all.extend(read(tenant, citizen_id).await?);
    }
    Ok(all)
}

/// Whether `citizen_id` has a file open in `module` in this department (a module that keeps no
/// files has none).
pub async fn has_open_case(
    tenant: &Tenant,
    module: Module,
    citizen_id: i64,
) -> Result<bool, DbErr> {
    let Some(files) = PARTS
        .iter()
        .find(|p| p.module == Some(module) && tenant.has_module(module))
        .and_then(|p| p.files.as_ref())
    else {
        return Ok(false);
    };
    (files.has_open_case)(tenant, citizen_id).await
}

/// Everything the department holds on `citizen`, part by part, in [`section::ORDER`].
pub async fn right_of_access(tenant: &Tenant, citizen: &Citizen) -> Result<Vec<Section>, DbErr> {
    let mut sections = Vec::new();
    for part in PARTS {
        sections.extend((part.access)(tenant, citizen).await?);
    }
    // A title missing from the order goes last rather than first.
    sections.sort_by_key(|s| {
        section::ORDER
            .iter()
            .position(|t| *t == s.title)
            .unwrap_or(usize::MAX)
    });
    Ok(sections)
}

/// Every declared table, parents before children.
pub fn tables() -> Vec<Table> {
    PARTS.iter().flat_map(|p| (p.tables)()).collect()
}

/// Tables of a tenant store that no part carries, and why (the invariant test checks that
/// every other table is declared).
pub const INTERNAL_TABLES: [(&str, &str); 7] = [
    (
        "seaql_migrations",
        "the migrator's own record of what ran; an import migrates its store itself",
    ),
    (
        "citizen_tokens",
        "one-time sign-up and password links, valid for hours: an import must not revive them",
    ),
    (
        "mail_outbox",
        "mails carry live links (confirmation, reset): an archive must not hold them; mail not yet sent when a department moves is not sent from the copy",
    ),
    (
        "request_counts",
        "kept by triggers on aid_requests, rebuilt as an import's rows go in",
    ),
    (
        "open_request_due_counts",
        "kept by triggers on aid_requests, rebuilt as an import's rows go in",
    ),
    (
        "disability_status_counts",
        "kept by triggers on disability_files, rebuilt as an import's rows go in",
    ),
    (
        "insertion_people_counts",
        "kept by triggers on insertion_people, rebuilt as an import's rows go in",
    ),
];

/// The counts triggers keep (internal tables above): a few hundred rows, rewritten on every
/// change of the rows they count.
pub const KEPT_COUNTS: [&str; 4] = [
    "request_counts",
    "open_request_due_counts",
    "disability_status_counts",
    "insertion_people_counts",
];

/// Rewrites the kept counts' tables compactly, on PostgreSQL, after a transaction that changed
/// many counted rows at once (an import, a retention pass). Each such transaction rewrites a
/// count row as many times as it changes rows, and PostgreSQL cannot prune versions of its own
/// transaction: a million requests written a thousand per transaction left `request_counts`'s
/// 330 rows spread over 5,000 pages that `VACUUM` cannot give back, and every queue page read
/// them all (7 ms of its 19; docs/BENCHMARKS.md). `VACUUM FULL` of a few hundred rows locks the
/// table for milliseconds. One row at a time, as the platform writes day to day, keeps them
/// compact by itself (page pruning). Nothing to do on SQLite, whose updates are in place.
///
/// Best effort: while it waits for its lock, writes to what the table counts wait behind it,
/// so it waits [`COMPACTION_LOCK_WAIT`] at most (a long transaction holding the table) and
/// leaves that table as it is, logged; nothing it does can fail the import or the pass.
pub async fn compact_kept_counts(platform: &Platform, tenant: &Tenant) {
    if !matches!(platform.engine(), tenants::Engine::Postgres { .. }) {
        return;
    }
    let schema = tenant.slug().schema_name();
    for table in KEPT_COUNTS {
        if let Err(e) = vacuum_full(platform, &format!("\"{schema}\".\"{table}\"")).await {
            tracing::warn!(tenant = %tenant.slug(), table, error = %e, "kept counts not compacted");
        }
    }
}

/// How long [`compact_kept_counts`] waits for a table's lock.
pub const COMPACTION_LOCK_WAIT: &str = "1s";

/// `VACUUM (FULL, ANALYZE)` of `table` on a connection of its own with a bounded lock wait
/// (`VACUUM` cannot run in a transaction, where `SET LOCAL` would hold): the setting is reset
/// before the connection goes back to the pool.
async fn vacuum_full(platform: &Platform, table: &str) -> Result<(), sea_orm::sqlx::Error> {
    // The names are the department's schema (a checked slug) and our own tables.
    use sea_orm::sqlx::{AssertSqlSafe, Connection as _, query};
    let mut conn = platform
        .db()
        .get_postgres_connection_pool()
        .acquire()
        .await?;
    query(AssertSqlSafe(format!(
        "SET lock_timeout = '{COMPACTION_LOCK_WAIT}'"
    )))
    .execute(&mut *conn)
    .await?;
    let vacuumed = query(AssertSqlSafe(format!("VACUUM (FULL, ANALYZE) {table}")))
        .execute(&mut *conn)
        .await;
    let reset = query("RESET lock_timeout").execute(&mut *conn).await;
    if reset.is_err() {
        // A connection whose setting could not be reset does not go back to the pool.
        let _ = conn.detach().close().await;
    }
    vacuumed.and(reset).map(drop)
}

/// The router of every part; also records each route's path for the attack suite.
pub struct Routes {
    router: Router<AppState>,
    paths: Vec<(Option<Module>, &'static str)>,
}

impl Routes {
    fn new() -> Self {
        Self {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    /// Adds the handlers of `path` (relative to the department).
    pub fn route(mut self, path: &'static str, handlers: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, handlers);
        self.paths.push((None, path));
        self
    }

    /// The routes of `part` added to these; a module's answer 404 where it is not subscribed.
    fn merge(mut self, part: &Part) -> Self {
        let own = (part.routes)(Routes::new());
        let router = match part.module {
            Some(module) => own
                .router
                .route_layer(axum::middleware::from_fn(move |req, next| {
                    crate::http::require_module(module, req, next)
                })),
            None => own.router,
        };
        self.router = self.router.merge(router);
        self.paths
            .extend(own.paths.into_iter().map(|(_, path)| (part.module, path)));
        self
    }
}

/// Every part's routes in one router.
pub fn router() -> Router<AppState> {
    PARTS
        .iter()
        .fold(Routes::new(), |routes, part| routes.merge(part))
        .router
}

/// Every route's path, as declared (`/agents/demandes/{id}`…), with the module it belongs to.
pub fn route_paths() -> Vec<(Option<Module>, &'static str)> {
    PARTS
        .iter()
        .fold(Routes::new(), |routes, part| routes.merge(part))
        .paths
}

/// The titles of the parts of a citizen's file in their right of access
/// ([`right_of_access`]); each table holding citizens' rows names the one that
/// shows them (`Table::shown_in`).
pub mod section {
    pub const IDENTITY: &str = "Votre identité";
    pub const AID_REQUESTS: &str = "Vos demandes d'aide";
    pub const DOCUMENTS: &str = "Vos documents";
    pub const CONSENTS: &str = "Vos accords pour les données des administrations";
    pub const FACTS: &str = "Informations reçues des administrations";
    pub const CONTACTS: &str = "Vos contacts avec le département";
    pub const MESSAGES: &str = "Vos messages";
    pub const APPOINTMENTS: &str = "Vos rendez-vous";
    pub const MANDATES: &str = "Vos mandats de dépôt";
    pub const JOURNAL: &str = "Consultations et modifications de votre dossier par les agents";
    pub const WIDER_ACCESSES: &str = "Accès élargis à votre dossier";
    pub const CALLS: &str = "Demandes faites en votre nom aux administrations";
    pub const INSERTION: &str = "Votre suivi au titre du RSA";
    pub const DISABILITY: &str = "Vos demandes à la MDPH";
    pub const HOLDS: &str = "Conservation de votre dossier pour un litige";

    /// The order the citizen reads them in.
    pub const ORDER: [&str; 15] = [
        IDENTITY,
        AID_REQUESTS,
        INSERTION,
        DISABILITY,
        DOCUMENTS,
        CONSENTS,
        FACTS,
        CONTACTS,
        MESSAGES,
        APPOINTMENTS,
        MANDATES,
        JOURNAL,
        WIDER_ACCESSES,
        CALLS,
        HOLDS,
    ];
}

/// No menu entries.
pub fn no_nav(_: &TenantCtx) -> Vec<NavLink> {
    Vec::new()
}

/// How a merge of two records of one person treats a table's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnMerge {
    /// No citizen column: nothing to move.
    NoCitizen,
    /// Rows move to the kept record.
    Move,
    /// One row per citizen (the citizen is the key): the absorbed record's row moves unless
    /// the kept record has its own, which wins.
    KeepOne,
    /// Append-only (the journal): rows stay as written and are read across both records.
    ReadAcross,
}

/// A table of the tenant store, with what export, import and merge need of it.
pub struct Table {
    pub name: &'static str,
    /// Its `id` comes from a sequence (PostgreSQL is told about imported ids).
    pub serial: bool,
    pub on_merge: OnMerge,
    /// The section of the citizen's right of access that shows its rows (`None` without a
    /// citizen column).
    pub shown_in: Option<&'static str>,
    dump: for<'a> fn(&'a DatabaseTransaction) -> Boxed<'a, anyhow::Result<Vec<u8>>>,
    load: for<'a> fn(&'a DatabaseTransaction, &'a [u8]) -> Boxed<'a, anyhow::Result<()>>,
    move_citizen: for<'a> fn(&'a DatabaseTransaction, i64, i64) -> Boxed<'a, Result<(), DbErr>>,
    erase_citizen: for<'a> fn(&'a DatabaseTransaction, i64) -> Boxed<'a, Result<u64, DbErr>>,
    /// Its rows of a citizen outlive their erasure on request (a trace the law keeps).
    pub kept_after_erasure: bool,
}

impl Table {
    /// The table of entity `E`. Whether its rows belong to a citizen is read from the entity
    /// (a `citizen_id` column); the merge moves them, and `shown_in` must name where the
    /// citizen reads them.
    pub fn of<E>(shown_in: Option<&'static str>) -> Self
    where
        E: EntityTrait + Default,
        E::Model: Serialize + DeserializeOwned + IntoActiveModel<E::ActiveModel>,
        E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    {
        let on_merge = match citizen_column::<E>() {
            None => OnMerge::NoCitizen,
            Some(_) if is_key::<E>("citizen_id") => OnMerge::KeepOne,
            Some(_) => OnMerge::Move,
        };
        Self {
            name: E::default().table_name(),
            serial: <E::PrimaryKey as PrimaryKeyTrait>::auto_increment(),
            on_merge,
            shown_in,
            dump: |txn| Box::pin(dump::<E>(txn)),
            load: |txn, lines| Box::pin(load::<E>(txn, lines)),
            move_citizen: |txn, absorbed, kept| Box::pin(move_citizen::<E>(txn, absorbed, kept)),
            erase_citizen: |txn, citizen| Box::pin(erase_citizen::<E>(txn, citizen)),
            kept_after_erasure: false,
        }
    }

    /// A table whose rows of a citizen the law keeps after their erasure on request (until
    /// their own term: see `retention`).
    pub fn kept_after_erasure(mut self) -> Self {
        self.kept_after_erasure = true;
        self
    }

    /// An append-only table: a merge leaves its rows where they are.
    pub fn append_only(mut self) -> Self {
        self.on_merge = OnMerge::ReadAcross;
        self
    }

    /// Every row, one JSON object a line, in primary-key order.
    pub async fn dump(&self, txn: &DatabaseTransaction) -> anyhow::Result<Vec<u8>> {
        (self.dump)(txn).await
    }

    /// Inserts the rows of [`Table::dump`]'s output.
    pub async fn load(&self, txn: &DatabaseTransaction, lines: &[u8]) -> anyhow::Result<()> {
        (self.load)(txn, lines).await
    }

    /// Deletes `citizen`'s rows (the right to erasure), unless the table is append-only or
    /// [`Table::kept_after_erasure`]; how many.
    pub async fn erase_citizen(
        &self,
        txn: &DatabaseTransaction,
        citizen: i64,
    ) -> Result<u64, DbErr> {
        match self.on_merge {
            OnMerge::Move | OnMerge::KeepOne if !self.kept_after_erasure => {
                (self.erase_citizen)(txn, citizen).await
            }
            _ => Ok(0),
        }
    }

    /// Moves `absorbed`'s rows to `kept`, as [`Table::on_merge`] says.
    pub async fn move_citizen(
        &self,
        txn: &DatabaseTransaction,
        absorbed: i64,
        kept: i64,
    ) -> Result<(), DbErr> {
        match self.on_merge {
            OnMerge::NoCitizen | OnMerge::ReadAcross => Ok(()),
            OnMerge::Move | OnMerge::KeepOne => (self.move_citizen)(txn, absorbed, kept).await,
        }
    }
}

fn citizen_column<E: EntityTrait>() -> Option<E::Column> {
    E::Column::from_str("citizen_id").ok()
}

fn is_key<E: EntityTrait>(column: &str) -> bool {
    E::PrimaryKey::iter().any(|k| {
        use sea_orm::IdenStatic;
        k.into_column().as_str() == column
    })
}

async fn dump<E>(txn: &DatabaseTransaction) -> anyhow::Result<Vec<u8>>
where
    E: EntityTrait,
    E::Model: Serialize,
{
    let mut query = E::find();
    for column in E::PrimaryKey::iter() {
        query = query.order_by_asc(column.into_column());
    }
    let mut lines = Vec::new();
    for row in query.all(txn).await? {
        serde_json::to_writer(&mut lines, &row)?;
        lines.push(b'\n');
    }
    Ok(lines)
}

async fn load<E>(txn: &DatabaseTransaction, lines: &[u8]) -> anyhow::Result<()>
where
    E: EntityTrait + Default,
    E::Model: DeserializeOwned + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    use std::io::BufRead as _;
    for line in std::io::BufReader::new(lines).lines() {
        let line = line.context("ligne illisible dans l'archive")?;
        if line.trim().is_empty() {
            continue;
        }
        let row: E::Model = serde_json::from_str(&line).with_context(|| {
            format!(
                "une ligne de la table {} est invalide dans l'archive (abîmée ou modifiée)",
                E::default().table_name()
            )
        })?;
        row.into_active_model().insert(txn).await?;
    }
    Ok(())
}

async fn erase_citizen<E: EntityTrait>(
    txn: &DatabaseTransaction,
    citizen: i64,
) -> Result<u64, DbErr> {
    let Some(column) = citizen_column::<E>() else {
        return Ok(0);
    };
    Ok(E::delete_many()
        .filter(column.eq(citizen))
        .exec(txn)
        .await?
        .rows_affected)
}

async fn move_citizen<E: EntityTrait>(
    txn: &DatabaseTransaction,
    absorbed: i64,
    kept: i64,
) -> Result<(), DbErr> {
    let Some(column) = citizen_column::<E>() else {
        return Ok(());
    };
    if is_key::<E>("citizen_id") {
        let kept_has_one = E::find().filter(column.eq(kept)).one(txn).await?.is_some();
        if kept_has_one {
            E::delete_many()
                .filter(column.eq(absorbed))
                .exec(txn)
                .await?;
            return Ok(());
        }
    }
    E::update_many()
        .col_expr(column, Expr::value(kept))
        .filter(column.eq(absorbed))
        .exec(txn)
        .await?;
    Ok(())
}
