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

mod common;

use std::fmt::Write as _;
use std::io::BufRead as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use common::*;
use guichet::staff::{self, Email, NewStaff, Role};
use tenants::{Platform, Tenant};

/// The benchmark's own setting up, as its journal entries name it.
const BENCH_SETUP: guichet::staff::Author =
    guichet::staff::Author::Operator("mesure de performance");

const CLIENTS: usize = 16;
const STAFF_COUNT: usize = 20;
const TENANT_COUNT: usize = 101;
const NEW_TENANTS: usize = 10;

const SLUG: &str = "cd-bench";
const ADMIN_EMAIL: &str = "admin@cd-bench.fr";
const ADMIN_NAME: &str = "Adèle Admin";
const PASSWORD: &str = "mot-de-passe-du-banc-d-essai";

const TARGET_RATIO: f64 = 0.40;
const TARGET_START: Duration = Duration::from_secs(3);
const TARGET_RSS_BYTES: u64 = 150_000_000;
const TARGET_PROVISION: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    common::bench_main("Guichet foundation benchmarks", run_all)
}

async fn run_all(bench: &BenchRun) -> anyhow::Result<Vec<Figure>> {
    let (data_dir, pg_url, binary) = (bench.data_dir(), bench.pg_url(), &bench.binary);
    let platform = open_platform(data_dir, pg_url).await?;

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
        clients.push(signed_in_client(real_addr, SLUG, ADMIN_EMAIL, PASSWORD).await?);
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
            first_password: staff::FirstPassword::Known(PASSWORD.to_owned()),
        },
        BENCH_SETUP,
    )
    .await?;
    Ok(())
}

#[derive(Clone)]
struct Bare {
    platform: Platform,
    tenant: Tenant,
}

/// The floor to compare with: no sessions, no tenant resolution, no rendering framework.
async fn start_bare_server(platform: &Platform, tenant: &Tenant) -> anyhow::Result<Running> {
    serve_router(
        Router::new()
            .route("/comptes", get(bare_staff_list))
            .with_state(Bare {
                platform: platform.clone(),
                tenant: tenant.clone(),
            }),
    )
    .await
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

// ---------------------------------------------------------------------------------------------
// 2. Start-up time and idle memory of the real binary

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

    let client = guichet::tls::http_client();
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
