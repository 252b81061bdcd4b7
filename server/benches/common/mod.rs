//! What the benchmarks share: servers on this runtime, load generation, figures, a fresh
//! PostgreSQL database per run, the real binary. Each bench uses a part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::Router;
use axum::http::StatusCode;
use guichet::server::{ServerOptions, app_state, serve};
use guichet::staff::StaffAccount;
use guichet::staff::second_factor::{self, PendingSecret, SealKey};
use reqwest::header::{HOST, HeaderMap, HeaderValue};
use sea_orm::ConnectionTrait;
use tenants::{Engine, Module, NewTenant, Platform, Slug, StoreConfig, Tenant};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The allocator `guichet` ships with (server/src/main.rs): the benches serve their pages in
/// their own process, and measure what an operator runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub const WARM_UP: Duration = Duration::from_secs(1);
pub const MEASURE: Duration = Duration::from_secs(5);
/// The binary's own default pool size, so every measured server gets the same.
pub const PG_MAX_CONNECTIONS: u32 = 20;

/// Runs a bench's body on a multi-threaded runtime; a failure prints its causes.
pub fn main_with<F>(body: impl FnOnce() -> F) -> ExitCode
where
    F: std::future::Future<Output = anyhow::Result<()>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(body()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("benchmark failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A bench's `main`: `measure` runs on a fresh [`BenchRun`] titled `title`, whose data is
/// dropped afterwards whatever happened; its figures are printed.
pub fn bench_main(
    title: &'static str,
    measure: impl AsyncFnOnce(&BenchRun) -> anyhow::Result<Vec<Figure>>,
) -> ExitCode {
    main_with(|| async move {
        let bench = BenchRun::start(title).await?;
        let figures = measure(&bench).await;
        bench.finish(figures).await
    })
}

/// One bench run: the binary, a fresh data directory and (with `DATABASE_URL`) a fresh
/// PostgreSQL database, dropped by [`BenchRun::finish`] even when a measurement failed.
pub struct BenchRun {
    pub binary: Binary,
    data_dir: tempfile::TempDir,
    pg: Option<FreshPg>,
}

impl BenchRun {
    /// Prepares the run and prints its header.
    pub async fn start(title: &str) -> anyhow::Result<Self> {
        let binary = locate_binary()?;
        let data_dir = tempfile::tempdir()?;
        let pg = fresh_pg_from_env().await?;
        println!("{title}");
        println!("  engine: {}", engine_label(pg.as_ref()));
        println!("  cores: {}", cores());
        println!(
            "  binary: {} ({} profile)",
            binary.path.display(),
            binary.profile
        );
        println!();
        Ok(Self {
            binary,
            data_dir,
            pg,
        })
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    pub fn pg_url(&self) -> Option<&str> {
        self.pg.as_ref().map(|p| p.url.as_str())
    }

    /// Drops the database, then prints the figures (or returns the failure).
    pub async fn finish(self, figures: anyhow::Result<Vec<Figure>>) -> anyhow::Result<()> {
        if let Some(pg) = self.pg {
            pg.drop_database().await?;
        }
        print_table(&figures?);
        Ok(())
    }
}

/// PostgreSQL when `DATABASE_URL` says so (a fresh database on that server), else SQLite.
pub async fn fresh_pg_from_env() -> anyhow::Result<Option<FreshPg>> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Some(FreshPg::create(&url).await?))
        }
        Ok(url) if !url.trim().is_empty() => {
            bail!("DATABASE_URL must be postgres://… (or unset for SQLite)")
        }
        _ => Ok(None),
    }
}

pub async fn open_platform(data_dir: &Path, pg_url: Option<&str>) -> anyhow::Result<Platform> {
    Ok(Platform::open(StoreConfig {
        engine: match pg_url {
            Some(url) => Engine::Postgres {
                url: url.to_owned(),
            },
            None => Engine::Sqlite,
        },
        data_dir: data_dir.to_owned(),
        pg_max_connections: PG_MAX_CONNECTIONS,
        files: Default::default(),
    })
    .await?)
}

/// The engine line of a bench's header.
pub fn engine_label(pg: Option<&FreshPg>) -> String {
    match pg {
        Some(pg) => format!("PostgreSQL (fresh database {})", pg.name),
        None => "SQLite".to_owned(),
    }
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get())
}

/// Serves `app` on a port 0 listener of this runtime (the benches' bare handlers).
pub async fn serve_router(app: Router) -> anyhow::Result<Running> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await?;
        Ok(())
    });
    Ok(Running { addr, stop, task })
}

pub async fn create_tenant(platform: &Platform, slug: &str) -> anyhow::Result<Tenant> {
    Ok(platform
        .create_tenant(NewTenant {
            slug: Slug::parse(slug)?,
            name: format!("Département {slug}"),
            modules: Module::ALL.to_vec(),
            domain: None,
        })
        .await?)
}

/// What autovacuum does a minute after a bulk write, done at once: the kept counts' rows were
/// rewritten once per request (a million dead versions to step over), and the planner needs
/// the new rows' statistics. This machine's PostgreSQL runs with autovacuum off; the figures
/// before 2026-12-06 were measured without this. Nothing to do on SQLite.
pub async fn vacuum(platform: &Platform, tenant: &Tenant) -> anyhow::Result<()> {
    if !matches!(platform.engine(), Engine::Postgres { .. }) {
        return Ok(());
    }
    let schema = tenant.slug().schema_name();
    let tables = platform
        .db()
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT tablename FROM pg_tables WHERE schemaname = $1",
            [schema.clone().into()],
        ))
        .await?;
    for row in tables {
        let table: String = row.try_get("", "tablename")?;
        platform
            .db()
            .execute_unprepared(&format!("VACUUM ANALYZE \"{schema}\".\"{table}\""))
            .await?;
    }
    // The seeding wrote a thousand rows a transaction, as an import does: compacted as an
    // import compacts them.
    guichet::modules::compact_kept_counts(platform, tenant).await;
    Ok(())
}

/// A chunk of seeded aid requests and the decisions on them, in one write transaction.
pub async fn insert_requests(
    tenant: &Tenant,
    requests: Vec<guichet::entity::aid_request::ActiveModel>,
    decisions: Vec<guichet::entity::decision::ActiveModel>,
) -> anyhow::Result<()> {
    use sea_orm::EntityTrait as _;
    let txn = tenant.db().begin_write().await?;
    guichet::entity::aid_request::Entity::insert_many(requests)
        .exec(&txn)
        .await?;
    if !decisions.is_empty() {
        guichet::entity::decision::Entity::insert_many(decisions)
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// `count` citizens with ids 1 to `count`, inserted in chunks (a bench's own seeding).
pub async fn seed_citizens(tenant: &Tenant, count: usize) -> anyhow::Result<()> {
    use guichet::entity::citizen;
    use sea_orm::{EntityTrait, Set};
    let now = chrono::Utc::now();
    for chunk in (0..count).collect::<Vec<_>>().chunks(1000) {
        let rows = chunk.iter().map(|&n| citizen::ActiveModel {
            id: Set(n as i64 + 1),
            fc_sub: Set(Some(format!("sub-{n}"))),
            given_name: Set(format!("Prénom{n}")),
            family_name: Set(format!("NOM{n}")),
            preferred_username: Set(String::new()),
            birthdate: Set("1980-01-01".to_owned()),
            gender: Set("female".to_owned()),
            birthplace: Set("30189".to_owned()),
            birthcountry: Set("99100".to_owned()),
            email: Set(format!("usager{n}@exemple.fr")),
            login_email: Set(None),
            password_hash: Set(None),
            email_confirmed_at: Set(None),
            created_at: Set(now),
            last_sign_in_at: Set(None),
            merged_into: Set(None),
        });
        let txn = tenant.db().begin_write().await?;
        citizen::Entity::insert_many(rows).exec(&txn).await?;
        txn.commit().await?;
    }
    Ok(())
}

/// A server running on this runtime, until [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    pub stop: oneshot::Sender<()>,
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await?
    }
}

pub async fn start_real_server(platform: &Platform) -> anyhow::Result<Running> {
    start_real_server_with(platform, ServerOptions::default()).await
}

/// [`start_real_server`] with options of the bench's own (the site root is set here).
pub async fn start_real_server_with(
    platform: &Platform,
    options: ServerOptions,
) -> anyhow::Result<Running> {
    let options = ServerOptions {
        site_root: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/site"),
        ..options
    };
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(
        listener,
        app_state(platform.clone(), &options)?,
        async {
            let _ = rx.await;
        },
    ));
    Ok(Running { addr, stop, task })
}

/// The real page escapes what it shows; so does the floor, to compare like with like.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One keep-alive connection per client, sending `Host: localhost`.
pub fn client(addr: SocketAddr) -> reqwest::Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    headers.insert(
        HOST,
        HeaderValue::from_str(&format!("localhost:{}", addr.port())).expect("valid host"),
    );
    guichet::tls::http_client_builder()
        .default_headers(headers)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
}

/// Signs in as a staff member through the real form; the client keeps the session cookie.
pub async fn signed_in_client(
    addr: SocketAddr,
    slug: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<reqwest::Client> {
    let client = client(addr)?;
    let login_url = format!("http://{addr}/{slug}/agents/connexion");
    let page = client.get(&login_url).send().await?.text().await?;
    let csrf = form_token(&page).context("the sign-in page")?;
    let response = client
        .post(&login_url)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await?;
    if response.status() != StatusCode::SEE_OTHER {
        bail!("sign-in failed with status {}", response.status());
    }
    Ok(client)
}

/// The sizes a list is measured at: the comma-separated numbers in `var` (`_` allowed), else
/// `default`. A page's cost must not follow its department's size: three sizes show it.
pub fn bench_sizes(var: &str, default: &[usize]) -> anyhow::Result<Vec<usize>> {
    match std::env::var(var) {
        Ok(list) => list
            .split(',')
            .map(|n| n.trim().replace('_', "").parse().context(var.to_owned()))
            .collect(),
        Err(_) => Ok(default.to_vec()),
    }
}

/// « 10k », « 1M ».
pub fn size_label(size: usize) -> String {
    match size {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// A staff account of `tenant` holding `role`, with a known password, named after its role.
pub async fn staff_account(
    platform: &Platform,
    tenant: &Tenant,
    (email, password): (&str, &str),
    role: guichet::staff::Role,
) -> anyhow::Result<StaffAccount> {
    use guichet::staff::{self, Email, NewStaff};
    Ok(staff::create_account(
        platform,
        tenant,
        NewStaff {
            email: Email::parse(email)?,
            display_name: role.label().into(),
            roles: vec![role],
            first_password: staff::FirstPassword::Known(password.into()),
        },
        staff::Author::Operator("mesure de performance"),
    )
    .await?
    .account)
}

/// The platform secret the benches seal second factors with (fixed: the figures do not
/// depend on it). A server that must check those factors starts with it
/// ([`start_real_server_with`]).
pub fn bench_seal() -> anyhow::Result<SealKey> {
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    Ok(SealKey::from_base64(&key)?)
}

/// Enrols an authenticator for `account`, as its owner would, and gives its secret. Enrolled
/// 30 s ago so that the code of a sign-in now is a later one (a code serves once).
pub async fn enrol_second_factor(
    platform: &Platform,
    tenant: &Tenant,
    seal: &SealKey,
    account: &StaffAccount,
) -> anyhow::Result<PendingSecret> {
    let secret = PendingSecret::generate();
    let at = chrono::Utc::now() - chrono::Duration::seconds(30);
    second_factor::enrol(
        (platform, tenant),
        seal,
        account,
        &secret,
        &authenticator_code(&secret, at),
        at,
    )
    .await
    .context("second factor enrolled")?;
    Ok(secret)
}

/// A signed-in client of an account holding a second factor: password, then the code.
pub async fn signed_in_with_code(
    addr: SocketAddr,
    (slug, email, password): (&str, &str, &str),
    secret: &PendingSecret,
) -> anyhow::Result<reqwest::Client> {
    let client = signed_in_client(addr, slug, email, password).await?;
    let code_url = format!("http://{addr}/{slug}/agents/connexion/code");
    let page = client.get(&code_url).send().await?.text().await?;
    let csrf = form_token(&page).context("the code page")?;
    let code = authenticator_code(secret, chrono::Utc::now());
    let response = client
        .post(&code_url)
        .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await?;
    if response.status() != StatusCode::SEE_OTHER {
        bail!("second factor refused: {}", response.status());
    }
    Ok(client)
}

/// The code an authenticator app shows at `at`.
fn authenticator_code(secret: &PendingSecret, at: chrono::DateTime<chrono::Utc>) -> String {
    let Ok(secret) = totp_rs::Secret::try_from_base32(secret.to_base32()) else {
        return String::new();
    };
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name("banc")
        .build()
        .map(|totp| totp.generate(at.timestamp() as u64).to_string())
        .unwrap_or_default()
}

/// The form token a page's form repeats.
pub fn form_token(page: &str) -> anyhow::Result<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).context("no form token")? + marker.len();
    Ok(page
        .get(start..start + 64)
        .context("short form token")?
        .to_owned())
}

pub struct Load {
    pub per_sec: f64,
    pub ok: usize,
    pub failed: usize,
    pub p50: Duration,
    pub p95: Duration,
}

/// Every client sends requests back to back; only those started after the warm-up count.
pub async fn hammer(
    clients: Vec<reqwest::Client>,
    url: &str,
    expect: &str,
) -> anyhow::Result<Load> {
    let measure_from = Instant::now() + WARM_UP;
    let end = measure_from + MEASURE;
    let tasks = clients
        .into_iter()
        .map(|client| {
            let (url, expect) = (url.to_owned(), expect.to_owned());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failed = 0;
                loop {
                    let sent = Instant::now();
                    if sent >= end {
                        break;
                    }
                    // A page counts only if it holds the whole list, down to its last row.
                    let ok = match client.get(&url).send().await {
                        Ok(r) if r.status() == StatusCode::OK => {
                            r.text().await.is_ok_and(|body| body.contains(&expect))
                        }
                        _ => false,
                    };
                    if sent >= measure_from {
                        if ok {
                            latencies.push(sent.elapsed());
                        } else {
                            failed += 1;
                        }
                    }
                }
                (latencies, failed)
            })
        })
        .collect::<Vec<_>>();
    let mut latencies = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (l, f) = task.await?;
        latencies.extend(l);
        failed += f;
    }
    if latencies.is_empty() {
        bail!("no successful request to {url} ({failed} failed)");
    }
    latencies.sort_unstable();
    Ok(Load {
        per_sec: latencies.len() as f64 / MEASURE.as_secs_f64(),
        ok: latencies.len(),
        failed,
        p50: percentile(&latencies, 0.50),
        p95: percentile(&latencies, 0.95),
    })
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub struct Binary {
    pub path: PathBuf,
    pub profile: &'static str,
}

/// `cargo bench` builds the package's binary in the release profile next to the bench (in
/// `CARGO_TARGET_DIR` when set, as the scripts do).
pub fn locate_binary() -> anyhow::Result<Binary> {
    let built = PathBuf::from(env!("CARGO_BIN_EXE_guichet"));
    if built.is_file() {
        return Ok(Binary {
            path: built.canonicalize()?,
            profile: if built.components().any(|c| c.as_os_str() == "release") {
                "release"
            } else {
                "debug"
            },
        });
    }
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    for profile in ["release", "debug"] {
        let path = target.join(profile).join("guichet");
        if path.is_file() {
            return Ok(Binary {
                path: path.canonicalize()?,
                profile,
            });
        }
    }
    bail!(
        "no guichet binary under {}: run `cargo build --release -p guichet-server`",
        target.display()
    )
}

/// A `kB` line of `/proc/<pid>/status`, in bytes.
pub fn proc_status_bytes(pid: u32, key: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with(key))
        .with_context(|| format!("no {key} in /proc/{pid}/status"))?;
    let kib: u64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?;
    Ok(kib * 1024)
}

/// CPU time this process has used so far (user + system, every thread), from
/// `/proc/self/stat`. Over a wall-clock interval it says how many cores the process kept busy.
pub fn process_cpu_time() -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // The command name may hold spaces: the fields after it start past the last ')'.
    let rest = stat
        .rsplit_once(')')
        .context("unreadable /proc/self/stat")?
        .1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    let ticks: u64 = fields
        .get(11..13)
        .context("short /proc/self/stat")?
        .iter()
        .map(|f| f.parse::<u64>())
        .sum::<Result<u64, _>>()?;
    // USER_HZ is 100 on every Linux architecture this runs on.
    Ok(Duration::from_millis(ticks * 10))
}

pub struct Figure {
    pub name: String,
    pub value: String,
    pub target: String,
    pub met: Option<bool>,
}

impl Figure {
    pub fn info(name: impl Into<String>, value: String) -> Self {
        Self {
            name: name.into(),
            value,
            target: String::new(),
            met: None,
        }
    }

    pub fn checked(name: impl Into<String>, value: String, target: String, met: bool) -> Self {
        Self {
            name: name.into(),
            value,
            target,
            met: Some(met),
        }
    }
}

pub fn print_table(figures: &[Figure]) {
    let verdict = |f: &Figure| match f.met {
        Some(true) => "met",
        Some(false) => "NOT met",
        None => "",
    };
    let width = |get: &dyn Fn(&Figure) -> usize, header: &str| {
        figures.iter().map(get).max().unwrap_or(0).max(header.len())
    };
    let w_name = width(&|f| f.name.chars().count(), "Figure");
    let w_value = width(&|f| f.value.chars().count(), "Measured");
    let w_target = width(&|f| f.target.chars().count(), "Target");
    println!();
    println!(
        "| {:w_name$} | {:w_value$} | {:w_target$} | Verdict |",
        "Figure", "Measured", "Target"
    );
    println!(
        "|{:-<a$}|{:-<b$}|{:-<c$}|---------|",
        "",
        "",
        "",
        a = w_name + 2,
        b = w_value + 2,
        c = w_target + 2
    );
    for f in figures {
        println!(
            "| {:w_name$} | {:w_value$} | {:w_target$} | {:7} |",
            f.name,
            f.value,
            f.target,
            verdict(f)
        );
    }
}

pub fn ms(d: Duration) -> String {
    let millis = d.as_secs_f64() * 1000.0;
    if millis < 10.0 {
        format!("{millis:.2} ms")
    } else {
        format!("{millis:.0} ms")
    }
}

/// Megabytes of 10^6 bytes, as the target is written.
pub fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a fresh database per run

pub struct FreshPg {
    pub admin_url: String,
    pub name: String,
    pub url: String,
}

impl FreshPg {
    pub async fn create(admin_url: &str) -> anyhow::Result<Self> {
        let name = format!("guichet_bench_{:08x}", rand::random::<u32>());
        let admin = sea_orm::Database::connect(admin_url)
            .await
            .context("cannot reach the PostgreSQL server of DATABASE_URL")?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await?;
        admin.close().await?;
        let mut url = url::Url::parse(admin_url)?;
        url.set_path(&format!("/{name}"));
        Ok(Self {
            admin_url: admin_url.to_owned(),
            url: url.to_string(),
            name,
        })
    }

    pub async fn drop_database(self) -> anyhow::Result<()> {
        let admin = sea_orm::Database::connect(&self.admin_url).await?;
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .await?;
        admin.close().await?;
        Ok(())
    }
}
