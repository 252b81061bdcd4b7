//! Foundation benchmarks. Prints figures against the targets; asserts nothing about timings.
//!
//! 1. Staff page throughput: the real server (in-process) serving an administrator's staff
//!    list, against a bare axum handler running the same query.
//! 2. Start-up time and idle memory of the real `guichet` binary with 101 tenants.
//! 3. Time to provision one more tenant.
//!
//! `cargo bench -p guichet-server --bench foundation` runs on SQLite; with
//! `DATABASE_URL=postgres://…` it runs on PostgreSQL, in a fresh database created on that
//! server and dropped at the end. See `docs/BENCHMARKS.md`.

use std::fmt::Write as _;
use std::io::BufRead as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use guichet::server::{ServerOptions, app_state, serve};
use guichet::staff::{self, Email, NewStaff, Role};
use reqwest::header::{HOST, HeaderMap, HeaderValue};
use sea_orm::ConnectionTrait;
use tenants::{Engine, Module, NewTenant, Platform, Slug, StoreConfig, Tenant};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const CLIENTS: usize = 16;
const WARM_UP: Duration = Duration::from_secs(1);
const MEASURE: Duration = Duration::from_secs(5);
const STAFF_COUNT: usize = 20;
const TENANT_COUNT: usize = 101;
const NEW_TENANTS: usize = 10;
/// The binary's own default pool size, so both measured servers get the same.
const PG_MAX_CONNECTIONS: u32 = 20;

const SLUG: &str = "cd-bench";
const ADMIN_EMAIL: &str = "admin@cd-bench.fr";
const ADMIN_NAME: &str = "Adèle Admin";
const PASSWORD: &str = "mot-de-passe-du-banc-d-essai";

const TARGET_RATIO: f64 = 0.40;
const TARGET_START: Duration = Duration::from_secs(3);
const TARGET_RSS_BYTES: u64 = 150_000_000;
const TARGET_PROVISION: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("benchmark failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let binary = locate_binary()?;
    let data_dir = tempfile::tempdir()?;
    let pg = match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Some(FreshPg::create(&url).await?)
        }
        Ok(url) if !url.trim().is_empty() => {
            bail!("DATABASE_URL must be postgres://… (or unset for SQLite)")
        }
        _ => None,
    };

    println!("Guichet foundation benchmarks");
    println!(
        "  engine: {}",
        match &pg {
            Some(pg) => format!("PostgreSQL (fresh database {})", pg.name),
            None => "SQLite".to_owned(),
        }
    );
    println!(
        "  cores: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "  binary: {} ({} profile)",
        binary.path.display(),
        binary.profile
    );
    println!();

    let result = run_all(
        data_dir.path(),
        pg.as_ref().map(|p| p.url.as_str()),
        &binary,
    )
    .await;
    // Drop the database even when a measurement failed.
    if let Some(pg) = pg {
        pg.drop_database().await?;
    }
    let figures = result?;
    print_table(&figures);
    Ok(())
}

async fn run_all(
    data_dir: &Path,
    pg_url: Option<&str>,
    binary: &Binary,
) -> anyhow::Result<Vec<Figure>> {
    let platform = Platform::open(StoreConfig {
        engine: match pg_url {
            Some(url) => Engine::Postgres {
                url: url.to_owned(),
            },
            None => Engine::Sqlite,
        },
        data_dir: data_dir.to_owned(),
        pg_max_connections: PG_MAX_CONNECTIONS,
    })
    .await?;

    let mut figures = staff_page(&platform).await?;

    // The bench tenant (with its staff) counts as one of the 101.
    println!("Creating {} more tenants…", TENANT_COUNT - 1);
    for i in 1..TENANT_COUNT {
        create_tenant(&platform, &format!("cd-{i:03}")).await?;
    }
    figures.extend(start_up(binary, data_dir, pg_url).await?);
    figures.extend(provisioning(&platform).await?);
    platform.db().clone().close().await?;
    Ok(figures)
}

// ---------------------------------------------------------------------------------------------
// 1. Staff page throughput

async fn staff_page(platform: &Platform) -> anyhow::Result<Vec<Figure>> {
    println!("Preparing tenant {SLUG} with {STAFF_COUNT} staff accounts…");
    let tenant = create_tenant(platform, SLUG).await?;
    add_staff(platform, &tenant, ADMIN_EMAIL, ADMIN_NAME, &[Role::Admin]).await?;
    let roles = [
        Role::Reception,
        Role::AidInstructor,
        Role::InsertionReferent,
        Role::DisabilityEvaluator,
        Role::Supervisor,
    ];
    for i in 1..STAFF_COUNT {
        let role = roles[i % roles.len()];
        let email = format!("agent{i:02}@cd-bench.fr");
        add_staff(platform, &tenant, &email, &format!("Agent {i:02}"), &[role]).await?;
    }

    let real_server = start_real_server(platform).await?;
    let bare_server = start_bare_server(platform, &tenant).await?;
    let (real_addr, bare_addr) = (real_server.addr, bare_server.addr);

    // Reached as `localhost` with a path prefix: one tenant lookup by slug, as for a
    // department's own host name (a bare IP address would add a lookup by domain).
    let mut clients = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        clients.push(signed_in_client(real_addr).await?);
    }
    let real_url = format!("http://{real_addr}/{SLUG}/agents/admin/comptes");
    println!("Staff page: {CLIENTS} clients, {WARM_UP:?} warm-up then {MEASURE:?}…");
    let last_row = format!("Agent {:02}", STAFF_COUNT - 1);
    let real = hammer(clients, &real_url, &last_row).await?;

    let bare_clients = (0..CLIENTS)
        .map(|_| client(bare_addr))
        .collect::<Result<_, _>>()?;
    let bare_url = format!("http://{bare_addr}/comptes");
    println!("Bare handler: same load…");
    let bare = hammer(bare_clients, &bare_url, &last_row).await?;

    real_server.stop().await?;
    bare_server.stop().await?;

    let ratio = real.per_sec / bare.per_sec;
    Ok(vec![
        Figure::info(
            "Staff page: requests/s",
            format!(
                "{:.0} req/s ({} ok, {} failed)",
                real.per_sec, real.ok, real.failed
            ),
        ),
        Figure::info(
            "Staff page: latency p50 / p95",
            format!("{} / {}", ms(real.p50), ms(real.p95)),
        ),
        Figure::info(
            "Bare handler: requests/s",
            format!(
                "{:.0} req/s ({} ok, {} failed)",
                bare.per_sec, bare.ok, bare.failed
            ),
        ),
        Figure::info(
            "Bare handler: latency p50 / p95",
            format!("{} / {}", ms(bare.p50), ms(bare.p95)),
        ),
        Figure::checked(
            "Staff page / bare handler",
            format!("{:.1} %", ratio * 100.0),
            format!(">= {:.0} %", TARGET_RATIO * 100.0),
            ratio >= TARGET_RATIO,
        ),
    ])
}

async fn create_tenant(platform: &Platform, slug: &str) -> anyhow::Result<Tenant> {
    Ok(platform
        .create_tenant(NewTenant {
            slug: Slug::parse(slug)?,
            name: format!("Département {slug}"),
            modules: Module::ALL.to_vec(),
            domain: None,
        })
        .await?)
}

async fn add_staff(
    platform: &Platform,
    tenant: &Tenant,
    email: &str,
    name: &str,
    roles: &[Role],
) -> anyhow::Result<()> {
    staff::create_account(
        platform,
        tenant,
        NewStaff {
            email: Email::parse(email)?,
            display_name: name.to_owned(),
            roles: roles.to_vec(),
            password: PASSWORD.to_owned(),
        },
    )
    .await?;
    Ok(())
}

/// A server running on this runtime, until [`Running::stop`].
struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await?
    }
}

async fn start_real_server(platform: &Platform) -> anyhow::Result<Running> {
    let options = ServerOptions {
        site_root: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/site"),
        ..ServerOptions::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(
        listener,
        app_state(platform.clone(), &options),
        async {
            let _ = rx.await;
        },
    ));
    Ok(Running { addr, stop, task })
}

#[derive(Clone)]
struct Bare {
    platform: Platform,
    tenant: Tenant,
}

/// The floor to compare with: no sessions, no tenant resolution, no rendering framework.
async fn start_bare_server(platform: &Platform, tenant: &Tenant) -> anyhow::Result<Running> {
    let app = Router::new()
        .route("/comptes", get(bare_staff_list))
        .with_state(Bare {
            platform: platform.clone(),
            tenant: tenant.clone(),
        });
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

async fn bare_staff_list(State(bare): State<Bare>) -> Result<Html<String>, StatusCode> {
    let accounts = staff::list_accounts(&bare.platform, &bare.tenant)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let mut rows = String::new();
    for a in accounts {
        let roles = a.roles.iter().map(|r| r.label()).collect::<Vec<_>>();
        let _ = write!(
            rows,
            "<tr><td><a href=\"/comptes/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            a.id,
            escape(&a.display_name),
            escape(&a.email),
            escape(&roles.join(", ")),
            if a.active { "actif" } else { "désactivé" },
        );
    }
    Ok(Html(format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Agents</title></head>\
         <body><h1>Agents</h1><table><tr><th>Nom</th><th>Adresse</th><th>Rôles</th><th>État</th></tr>\
         {rows}</table></body></html>"
    )))
}

/// The real page escapes what it shows; so does the floor, to compare like with like.
fn escape(s: &str) -> String {
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
fn client(addr: SocketAddr) -> reqwest::Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    headers.insert(
        HOST,
        HeaderValue::from_str(&format!("localhost:{}", addr.port())).expect("valid host"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
}

/// Signs in as the administrator through the real form; the client keeps the session cookie.
async fn signed_in_client(addr: SocketAddr) -> anyhow::Result<reqwest::Client> {
    let client = client(addr)?;
    let login_url = format!("http://{addr}/{SLUG}/agents/connexion");
    let page = client.get(&login_url).send().await?.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let start = page
        .find(marker)
        .context("the sign-in page has no form token")?
        + marker.len();
    let csrf = page
        .get(start..start + 64)
        .context("short form token")?
        .to_owned();
    let response = client
        .post(&login_url)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", ADMIN_EMAIL),
            ("password", PASSWORD),
        ])
        .send()
        .await?;
    if response.status() != StatusCode::SEE_OTHER {
        bail!("sign-in failed with status {}", response.status());
    }
    Ok(client)
}

struct Load {
    per_sec: f64,
    ok: usize,
    failed: usize,
    p50: Duration,
    p95: Duration,
}

/// Every client sends requests back to back; only those started after the warm-up count.
async fn hammer(clients: Vec<reqwest::Client>, url: &str, expect: &str) -> anyhow::Result<Load> {
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

// ---------------------------------------------------------------------------------------------
// 2. Start-up time and idle memory of the real binary

struct Binary {
    path: PathBuf,
    profile: &'static str,
}

/// `cargo bench` builds the package's binary in the release profile next to the bench (in
/// `CARGO_TARGET_DIR` when set, as the scripts do).
fn locate_binary() -> anyhow::Result<Binary> {
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

async fn start_up(
    binary: &Binary,
    data_dir: &Path,
    pg_url: Option<&str>,
) -> anyhow::Result<Vec<Figure>> {
    println!("Start-up: `guichet serve` with {TENANT_COUNT} tenants…");
    let stderr_path = data_dir.join("guichet-serve.stderr");
    let mut command = Command::new(&binary.path);
    command
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("GUICHET_DATA_DIR", data_dir)
        .env_remove("GUICHET_DEMO")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path)?);
    match pg_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };

    let spawned = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {}", binary.path.display()))?;
    let pid = child.id();
    let result = measure_child(&mut child, spawned, pid).await;
    // Ours, by handle: kill and reap it whatever happened.
    let _ = child.kill();
    let _ = child.wait();
    result.with_context(|| {
        format!(
            "guichet serve: {}",
            std::fs::read_to_string(&stderr_path)
                .unwrap_or_default()
                .trim()
        )
    })
}

async fn measure_child(
    child: &mut std::process::Child,
    spawned: Instant,
    pid: u32,
) -> anyhow::Result<Vec<Figure>> {
    // Lines are read on a thread (std pipes block); it keeps draining so the child never stalls.
    let stdout = child.stdout.take().context("child stdout")?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });

    let (listening_at, addr) = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some((at, line)) = rx.recv().await {
            if let Some(rest) = line.strip_prefix("Guichet écoute sur http://") {
                let addr = rest.split_whitespace().next().unwrap_or_default();
                return Ok((at, addr.parse::<SocketAddr>()?));
            }
        }
        bail!("the server exited before listening")
    })
    .await
    .context("no \"Guichet écoute sur\" line within 120 s")??;
    let to_listening = listening_at - spawned;

    let client = reqwest::Client::new();
    let health = format!("http://{addr}/sante");
    let to_healthy = loop {
        if let Ok(r) = client.get(&health).send().await
            && r.status() == StatusCode::OK
        {
            break spawned.elapsed();
        }
        if spawned.elapsed() > Duration::from_secs(120) {
            bail!("/sante did not answer 200 within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };

    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss = proc_status_bytes(pid, "VmRSS:")?;
    let peak = proc_status_bytes(pid, "VmHWM:")?;

    Ok(vec![
        Figure::checked(
            "Start-up: spawn to \"écoute sur\"",
            ms(to_listening),
            format!("<= {}", ms(TARGET_START)),
            to_listening <= TARGET_START,
        ),
        Figure::checked(
            "Start-up: spawn to /sante 200",
            ms(to_healthy),
            format!("<= {}", ms(TARGET_START)),
            to_healthy <= TARGET_START,
        ),
        Figure::checked(
            "Idle RSS after 2 s",
            mb(rss),
            format!("<= {}", mb(TARGET_RSS_BYTES)),
            rss <= TARGET_RSS_BYTES,
        ),
        Figure::info("Peak RSS (VmHWM)", mb(peak)),
    ])
}

/// A `kB` line of `/proc/<pid>/status`, in bytes.
fn proc_status_bytes(pid: u32, key: &str) -> anyhow::Result<u64> {
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

// ---------------------------------------------------------------------------------------------
// 3. Provisioning

async fn provisioning(platform: &Platform) -> anyhow::Result<Vec<Figure>> {
    println!("Provisioning: {NEW_TENANTS} tenants on top of {TENANT_COUNT}…");
    let mut times = Vec::with_capacity(NEW_TENANTS);
    for i in 0..NEW_TENANTS {
        let slug = format!("cd-neuf-{i:02}");
        let started = Instant::now();
        create_tenant(platform, &slug).await?;
        times.push(started.elapsed());
    }
    times.sort_unstable();
    let max = times[times.len() - 1];
    Ok(vec![Figure::checked(
        "Provision one tenant: min / median / max",
        format!(
            "{} / {} / {}",
            ms(times[0]),
            ms(times[times.len() / 2]),
            ms(max)
        ),
        format!("max <= {}", ms(TARGET_PROVISION)),
        max <= TARGET_PROVISION,
    )])
}

// ---------------------------------------------------------------------------------------------
// Output

struct Figure {
    name: &'static str,
    value: String,
    target: String,
    met: Option<bool>,
}

impl Figure {
    fn info(name: &'static str, value: String) -> Self {
        Self {
            name,
            value,
            target: String::new(),
            met: None,
        }
    }

    fn checked(name: &'static str, value: String, target: String, met: bool) -> Self {
        Self {
            name,
            value,
            target,
            met: Some(met),
        }
    }
}

fn print_table(figures: &[Figure]) {
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

fn ms(d: Duration) -> String {
    let millis = d.as_secs_f64() * 1000.0;
    if millis < 10.0 {
        format!("{millis:.2} ms")
    } else {
        format!("{millis:.0} ms")
    }
}

/// Megabytes of 10^6 bytes, as the target is written.
fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a fresh database per run

struct FreshPg {
    admin_url: String,
    name: String,
    url: String,
}

impl FreshPg {
    async fn create(admin_url: &str) -> anyhow::Result<Self> {
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

    async fn drop_database(self) -> anyhow::Result<()> {
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
