//! National data benchmarks (issue 5). Prints figures against the targets; asserts nothing
//! about timings.
//!
//! 1. Refreshing 10,000 citizens against the API Particulier simulator's quota (200 calls a
//!    second): the real server in-process, its client allowed the same quota, calling through a
//!    relay that counts the simulator's answers; one pull per citizen, woken as a staff refresh
//!    does, either while the server runs (live) or before it starts (backlog); measured until
//!    every pull ended: calls per second from the first call to the last against the quota,
//!    429 answers, final states, and a timeline of jobs enqueued and calls made. Then the
//!    client's rate limiter alone, without HTTP or database.
//! 2. No-op job throughput: a bench-local job type pushed in bulk into the apalis queue of the
//!    platform store, drained by a worker built as `jobs::worker!` builds them (behind
//!    `jobs::Gated`), for a few fetch batch sizes.
//!
//! `cargo bench -p guichet-server --bench national` runs on SQLite; with
//! `DATABASE_URL=postgres://…` on PostgreSQL (a fresh database, dropped at the end).
//! `GUICHET_BENCH_PART=1` or `2` runs one part only; `GUICHET_BENCH_QUOTA` and
//! `GUICHET_BENCH_CITIZENS` change part 1's quota and size. See `docs/BENCHMARKS.md`.

mod common;

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use apalis::prelude::*;
use apalis_core::backend::BackendConfig as _;
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use chrono::Utc;
use common::*;
use governor::{Quota, RateLimiter};
use guichet::aid_requests::catalogue::{self, AidInput};
use guichet::api_particulier::client::{ClientConfig, limiter_quota};
use guichet::api_particulier::simulator::{self, DEMO_TOKEN, SimulatorConfig};
use guichet::entity::{citizen, data_pull, national_call};
use guichet::jobs::{self, Gated};
use guichet::national::Source;
use guichet::national::consent::{self, GivenBy};
use guichet::national::pull::{self, PullState, RequestedBy};
use guichet::server::ServerOptions;
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect, Set, Statement};
use serde::{Deserialize, Serialize};
use tenants::{Engine, Platform, Tenant};
use tokio::net::TcpListener;

/// The benchmark's own setting up, as its journal entries name it.
const BENCH_SETUP: guichet::staff::Author =
    guichet::staff::Author::Operator("mesure de performance");

const SLUG: &str = "cd-bench";
/// Citizens refreshed (`GUICHET_BENCH_CITIZENS` to change it).
const CITIZENS: usize = 10_000;
/// The simulator's calls per second per token, and the client's allowance: 10,000 calls take
/// 50 s at best.
const QUOTA: u32 = 200;

/// [`CITIZENS`] and [`QUOTA`], or what `GUICHET_BENCH_CITIZENS` and `GUICHET_BENCH_QUOTA` say
/// (e.g. the real service's 20 calls per second).
fn citizens() -> usize {
    env_number("GUICHET_BENCH_CITIZENS").unwrap_or(CITIZENS)
}

fn quota() -> u32 {
    env_number("GUICHET_BENCH_QUOTA").unwrap_or(QUOTA).max(2)
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok()?.trim().parse().ok()
}

/// High enough that only the per-token quota can refuse a call (10,000 calls in a minute from
/// one address would otherwise hit the published 1,000 per minute).
const PER_ADDRESS_PER_MINUTE: u32 = 1_000_000;
const TARGET_SHARE_OF_QUOTA: f64 = 0.95;

const NOOP_JOBS: usize = 20_000;
/// Enqueued one at a time through `jobs::enqueue`, as the application does.
const ONE_BY_ONE: usize = 2_000;
/// The apalis default (10) first, then larger fetches.
const BATCH_SIZES: [usize; 3] = [10, 50, 200];
const TARGET_JOBS_PER_SEC: f64 = 1_000.0;

fn main() -> std::process::ExitCode {
    // `GUICHET_BENCH_TRACE=warn,guichet=info` (any filter) shows what the server logs.
    if let Ok(filter) = std::env::var("GUICHET_BENCH_TRACE") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .init();
    }
    common::bench_main("Guichet national data benchmarks", run_all)
}

async fn run_all(bench: &BenchRun) -> anyhow::Result<Vec<Figure>> {
    let part = std::env::var("GUICHET_BENCH_PART").unwrap_or_default();
    let platform = open_platform(bench.data_dir(), bench.pg_url()).await?;
    let mut figures = Vec::new();
    if part.is_empty() || part == "1" {
        figures.extend(refresh(&platform, Scenario::Live).await?);
        figures.extend(refresh(&platform, Scenario::Backlog).await?);
        figures.extend(limiter_alone().await);
    }
    if part.is_empty() || part == "2" {
        figures.extend(noop_jobs(&platform).await?);
    }
    platform.db().clone().close().await?;
    Ok(figures)
}

// ---------------------------------------------------------------------------------------------
// 1. Refreshing 10,000 citizens against the quota

/// When the pulls' jobs are enqueued.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scenario {
    /// As a staff refresh does: woken one by one while the server (and its workers) runs.
    Live,
    /// All 10,000 jobs already queued when the server starts (a backlog after a restart or an
    /// outage): the workers and the client's limiter alone.
    Backlog,
}

impl Scenario {
    fn label(self) -> &'static str {
        match self {
            Scenario::Live => "Refresh (live)",
            Scenario::Backlog => "Refresh (backlog)",
        }
    }
}

async fn refresh(platform: &Platform, scenario: Scenario) -> anyhow::Result<Vec<Figure>> {
    let slug = match scenario {
        Scenario::Live => SLUG,
        Scenario::Backlog => "cd-backlog",
    };
    let tenant = create_tenant(platform, slug).await?;
    let aid = catalogue::create(
        &tenant,
        AidInput {
            title: "Aide aux vacances".to_owned(),
            description: "Une aide pour partir en vacances en famille.".to_owned(),
            eligibility: "Les familles du département.".to_owned(),
            documents: String::new(),
            deadline_days: "30".to_owned(),
            silence: "refusal".to_owned(),
            open: true,
            category: "logement".to_owned(),
        }
        .validate()
        .map_err(|e| anyhow::anyhow!("aid: {e:?}"))?,
        BENCH_SETUP,
    )
    .await?;

    let label = scenario.label();
    println!(
        "{label}: {} citizens with a consent and a pending pull each…",
        citizens()
    );
    let started = Instant::now();
    seed_citizens(&tenant).await?;
    let pulls = queue_pulls(&tenant, aid.id).await?;
    println!("  seeded in {:.1} s", started.elapsed().as_secs_f64());

    let sim = simulator::spawn(
        TcpListener::bind("127.0.0.1:0").await?,
        SimulatorConfig {
            tokens: vec![DEMO_TOKEN.to_owned()],
            per_token_per_second: quota(),
            per_address_per_minute: PER_ADDRESS_PER_MINUTE,
            ..SimulatorConfig::default()
        },
    )?;
    // The client calls through a counting relay: the simulator's side of the figures.
    let relay_counts = Arc::new(Relay {
        target: sim.base_url.clone(),
        http: guichet::tls::http_client(),
        answered: std::sync::Mutex::default(),
    });
    let relay = serve_router(
        axum::Router::new()
            .fallback(relay_call)
            .with_state(relay_counts.clone()),
    )
    .await?;
    let options = ServerOptions {
        api_particulier: Some(ClientConfig {
            base_url: format!("http://{}", relay.addr),
            token: DEMO_TOKEN.to_owned(),
            recipient: "22300001800018".to_owned(),
            per_second: quota(),
            timeout: Duration::from_secs(10),
        }),
        ..ServerOptions::default()
    };

    // As a staff refresh does after its commit: `pull::wake`, which enqueues in bulk.
    let mut wake_time = Duration::ZERO;
    if scenario == Scenario::Backlog {
        println!(
            "{label}: waking {} pulls before the server starts…",
            pulls.len()
        );
        jobs::setup(platform).await?;
        let started = Instant::now();
        pull::wake(platform, &tenant, &pulls).await;
        wake_time = started.elapsed();
    }
    // The backlog is measured from the server's start (its workers start at once), the live
    // refresh from the wake.
    let mut cpu_before = process_cpu_time()?;
    let mut t0 = Utc::now();
    let mut started = Instant::now();
    let server = start_real_server_with(platform, options).await?;
    // The server answers once its `jobs::setup` ran: waking before that raced the creation of
    // the queue (the first pushes failed and waited for the sweep).
    let probe = client(server.addr)?;
    while probe
        .get(format!("http://{}/sante", server.addr))
        .send()
        .await
        .map_or(true, |r| !r.status().is_success())
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if scenario == Scenario::Live {
        println!(
            "{label}: waking {} pulls on the running server (quota {}/s)…",
            pulls.len(),
            quota()
        );
        cpu_before = process_cpu_time()?;
        t0 = Utc::now();
        started = Instant::now();
        pull::wake(platform, &tenant, &pulls).await;
        wake_time = started.elapsed();
    }
    println!(
        "  woken in {:.1} s; waiting for every pull to end…",
        wake_time.as_secs_f64()
    );
    let limit = Duration::from_secs(180).max(Duration::from_secs_f64(
        3.0 * citizens() as f64 / f64::from(quota()),
    ));
    let mut last_print = Instant::now();
    let ended = loop {
        let pending = pending_pulls(&tenant).await?;
        if pending == 0 {
            break Some(started.elapsed());
        }
        if started.elapsed() > limit {
            println!("  {pending} pulls still pending after {limit:?}: giving up");
            break None;
        }
        if last_print.elapsed() >= Duration::from_secs(10) {
            println!(
                "  {:>3.0} s: {pending} pending",
                started.elapsed().as_secs_f64()
            );
            last_print = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let cpu = process_cpu_time()? - cpu_before;
    let wall = started.elapsed();
    server.stop().await?;
    relay.stop().await?;
    drop(sim);
    let answered = std::mem::take(
        &mut *relay_counts
            .answered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );

    let calls = traced_calls(&tenant).await?;
    print_timeline(&calls, &enqueued_at(&tenant).await?, t0);
    let attempts = recorded_attempts(&tenant).await?;
    let states = pull::count_by_state(&tenant).await?;
    refresh_figures(
        scenario,
        &calls,
        &answered,
        attempts,
        &states,
        TimeSpans {
            t0,
            wake_time,
            ended,
            cpu,
            wall,
        },
    )
}

/// Forwards the client's calls to the simulator and counts the answers by status.
struct Relay {
    target: String,
    http: reqwest::Client,
    answered: std::sync::Mutex<BTreeMap<u16, usize>>,
}

async fn relay_call(
    axum::extract::State(relay): axum::extract::State<Arc<Relay>>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = relay.http.get(format!("{}{path}", relay.target));
    if let Some(auth) = headers.get("authorization") {
        request = request.header("authorization", auth);
    }
    let Ok(answer) = request.send().await else {
        return axum::http::StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let mut kept = axum::http::HeaderMap::new();
    for (name, value) in answer.headers() {
        if name.as_str().starts_with("ratelimit") || name == "retry-after" || name == "content-type"
        {
            kept.insert(name.clone(), value.clone());
        }
    }
    let body = answer.bytes().await.unwrap_or_default();
    *relay
        .answered
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(status.as_u16())
        .or_default() += 1;
    (status, kept, body).into_response()
}

/// Half of the citizens are the simulator's test people (three of the seven have a CAF file),
/// half are unknown to it (404): both are calls against the quota.
async fn seed_citizens(tenant: &Tenant) -> anyhow::Result<()> {
    let known = simulator::test_citizens();
    let now = Utc::now();
    for chunk in (0..citizens()).collect::<Vec<_>>().chunks(1000) {
        let rows = chunk.iter().map(|&n| {
            let (family, given, sex, (y, m, d)) = if n % 2 == 0 {
                let c = &known[(n / 2) % known.len()];
                (
                    c.birth_name.to_owned(),
                    c.given_names.join(" "),
                    c.sex,
                    c.birth_date,
                )
            } else {
                (
                    "INCONNU".to_owned(),
                    format!("Personne{n}"),
                    "F",
                    (1985, 5, 5),
                )
            };
            citizen::ActiveModel {
                fc_sub: Set(Some(format!("bench-{n}"))),
                given_name: Set(given),
                family_name: Set(family),
                preferred_username: Set(String::new()),
                birthdate: Set(format!("{y:04}-{m:02}-{d:02}")),
                gender: Set(if sex == "F" { "female" } else { "male" }.to_owned()),
                birthplace: Set("30189".to_owned()),
                birthcountry: Set("99100".to_owned()),
                email: Set(format!("usager{n}@exemple.fr")),
                login_email: Set(None),
                password_hash: Set(None),
                email_confirmed_at: Set(None),
                created_at: Set(now),
                last_sign_in_at: Set(None),
                ..Default::default()
            }
        });
        let txn = tenant.db().begin_write().await?;
        citizen::Entity::insert_many(rows).exec(&txn).await?;
        txn.commit().await?;
    }
    Ok(())
}

/// A consent and a pending pull per citizen, through the library, in one transaction.
async fn queue_pulls(tenant: &Tenant, aid_id: i64) -> anyhow::Result<Vec<pull::Pull>> {
    let now = Utc::now();
    let txn = tenant.db().begin_write().await?;
    let ids: Vec<i64> = citizen::Entity::find()
        .select_only()
        .column(citizen::Column::Id)
        .into_tuple()
        .all(&txn)
        .await?;
    let mut pulls = Vec::with_capacity(ids.len());
    for id in ids {
        let consent = consent::give(
            &txn,
            id,
            (Source::FamilyQuotient, consent::Purpose::Aid(aid_id)),
            GivenBy::Citizen,
            now,
            None,
        )
        .await?;
        pulls.push(
            pull::create(
                &txn,
                &format!("bench:refresh:{id}"),
                &consent,
                None,
                RequestedBy::Staff(1),
                now,
            )
            .await?,
        );
    }
    txn.commit().await?;
    Ok(pulls)
}

async fn pending_pulls(tenant: &Tenant) -> anyhow::Result<i64> {
    Ok(pull::count_by_state(tenant)
        .await?
        .into_iter()
        .find(|(s, _)| *s == PullState::Pending)
        .map_or(0, |(_, n)| n))
}

/// Every traced call: when it was traced, and the status the service answered.
async fn traced_calls(tenant: &Tenant) -> anyhow::Result<Vec<(chrono::DateTime<Utc>, i32)>> {
    let txn = tenant.db().begin().await?;
    let calls = national_call::Entity::find()
        .select_only()
        .column(national_call::Column::At)
        .column(national_call::Column::HttpStatus)
        .into_tuple()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(calls)
}

/// When each pull's job was last enqueued (Unix seconds).
async fn enqueued_at(tenant: &Tenant) -> anyhow::Result<Vec<i64>> {
    let txn = tenant.db().begin().await?;
    let at = data_pull::Entity::find()
        .select_only()
        .column(data_pull::Column::EnqueuedAt)
        .into_tuple()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(at)
}

/// Jobs enqueued and calls traced per 5 s since `t0`: shows which one paced the other.
fn print_timeline(
    calls: &[(chrono::DateTime<Utc>, i32)],
    enqueued: &[i64],
    t0: chrono::DateTime<Utc>,
) {
    const STEP: i64 = 5;
    let bucket = |secs: i64| (secs - t0.timestamp()).max(0) / STEP;
    let mut rows = BTreeMap::<i64, (usize, usize)>::new();
    for &at in enqueued {
        rows.entry(bucket(at)).or_default().0 += 1;
    }
    for (at, _) in calls {
        rows.entry(bucket(at.timestamp())).or_default().1 += 1;
    }
    println!("  seconds   jobs enqueued   calls   calls/s");
    for (b, (woken, called)) in rows {
        println!(
            "  {:>3}–{:<3}  {woken:>13}  {called:>6}  {:>8.1}",
            b * STEP,
            (b + 1) * STEP,
            called as f64 / STEP as f64
        );
    }
}

/// The calls the pulls themselves counted (their `attempts`): equal to the traced calls when
/// no call went untraced (a run that lost its claim calls but traces nothing).
async fn recorded_attempts(tenant: &Tenant) -> anyhow::Result<i64> {
    let txn = tenant.db().begin().await?;
    let attempts: Vec<i32> = data_pull::Entity::find()
        .select_only()
        .column(data_pull::Column::Attempts)
        .into_tuple()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(attempts.into_iter().map(i64::from).sum())
}

struct TimeSpans {
    /// When the measured part started: the wake (live) or the server's start (backlog).
    t0: chrono::DateTime<Utc>,
    wake_time: Duration,
    /// From `t0` to the last pull ended; `None` if it timed out.
    ended: Option<Duration>,
    cpu: Duration,
    wall: Duration,
}

fn refresh_figures(
    scenario: Scenario,
    calls: &[(chrono::DateTime<Utc>, i32)],
    answered: &BTreeMap<u16, usize>,
    attempts: i64,
    states: &[(PullState, i64)],
    spans: TimeSpans,
) -> anyhow::Result<Vec<Figure>> {
    let Some(first) = calls.iter().map(|(at, _)| *at).min() else {
        bail!("no call was traced");
    };
    let last = calls.iter().map(|(at, _)| *at).max().context("no call")?;
    let busy = (last - first).to_std().unwrap_or_default();
    // n calls span n - 1 intervals.
    let rate = (calls.len().saturating_sub(1)) as f64 / busy.as_secs_f64().max(1e-3);
    let quota = quota();
    let share = rate / f64::from(quota);
    let mut by_status = BTreeMap::<i32, usize>::new();
    for (_, status) in calls {
        *by_status.entry(*status).or_default() += 1;
    }
    // Refusals as traced, or as the simulator gave them (a call whose run lost its pull is
    // not traced).
    let rate_limited = by_status
        .get(&429)
        .copied()
        .unwrap_or(0)
        .max(answered.get(&429).copied().unwrap_or(0));
    // Calls per whole second of the busy period (the first and last seconds are partial).
    let mut per_second = BTreeMap::<i64, usize>::new();
    for (at, _) in calls {
        *per_second.entry(at.timestamp()).or_default() += 1;
    }
    let whole: Vec<usize> = per_second
        .range(first.timestamp() + 1..last.timestamp())
        .map(|(_, n)| *n)
        .collect();
    let mut sorted = whole.clone();
    sorted.sort_unstable();
    let second_line = if sorted.is_empty() {
        "—".to_owned()
    } else {
        format!(
            "min {} / median {} / max {} over {} s",
            sorted[0],
            sorted[sorted.len() / 2],
            sorted[sorted.len() - 1],
            sorted.len()
        )
    };
    let statuses = by_status
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let states = states
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{}: {n}", s.id()))
        .collect::<Vec<_>>()
        .join(", ");
    let to_first = (first - spans.t0).to_std().unwrap_or_default();
    let label = scenario.label();
    let name = |what: &str| format!("{label}: {what}");
    let wake_name = match scenario {
        Scenario::Live => "wake every pull, server running",
        Scenario::Backlog => "wake every pull before start",
    };
    Ok(vec![
        Figure::info(
            name(wake_name),
            format!(
                "{} ({:.0} jobs/s)",
                secs(spans.wake_time),
                citizens() as f64 / spans.wake_time.as_secs_f64()
            ),
        ),
        Figure::info(name("start to first call"), secs(to_first)),
        Figure::info(
            name("calls traced (pull attempts)"),
            format!("{} ({attempts})", calls.len()),
        ),
        Figure::info(name("calls by HTTP status"), statuses),
        Figure::info(
            name("simulator answered (relay)"),
            format!(
                "{} calls: {}",
                answered.values().sum::<usize>(),
                answered
                    .iter()
                    .map(|(s, n)| format!("{s}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Figure::checked(
            name("calls/s, first to last call"),
            format!(
                "{rate:.1}/s = {:.1} % of {quota}/s ({} calls in {})",
                share * 100.0,
                calls.len(),
                secs(busy)
            ),
            format!(">= {:.0} % of quota", TARGET_SHARE_OF_QUOTA * 100.0),
            share >= TARGET_SHARE_OF_QUOTA,
        ),
        Figure::info(name("calls per whole second"), second_line),
        Figure::checked(
            name("429 answers"),
            rate_limited.to_string(),
            "0".to_owned(),
            rate_limited == 0,
        ),
        Figure::info(name("pulls by final state"), states),
        Figure::checked(
            name("start to every pull ended"),
            spans.ended.map_or_else(|| "timed out".to_owned(), secs),
            "every pull ends".to_owned(),
            spans.ended.is_some(),
        ),
        Figure::info(
            name("bench process CPU"),
            format!(
                "{} = {:.2} cores",
                secs(spans.cpu),
                spans.cpu.as_secs_f64() / spans.wall.as_secs_f64()
            ),
        ),
    ])
}

/// The client's limiter (`client::limiter_quota`), with no HTTP and no database, 200 callers
/// waiting on it: how close to the quota it lets calls through, and the most it lets through in
/// any second, on an idle runtime and on one kept busy (four tasks computing 1 ms at a time, as
/// the pulls' database work and HTTP keep the real one). Then, for comparison, calls evenly
/// spaced at the quota with no burst (the client's limiter before 2026-12-01).
async fn limiter_alone() -> Vec<Figure> {
    let quota = quota();
    let per_second = NonZeroU32::new(quota).expect("quota of at least 2");
    let client = limiter_quota(per_second);
    let evenly = Quota::per_second(per_second).allow_burst(NonZeroU32::MIN);
    let mut figures = Vec::new();
    for (label, limiter, busy) in [
        ("client's", client, false),
        ("client's", client, true),
        ("evenly spaced, no burst", evenly, true),
    ] {
        let (rate, max_window) = limiter_run(limiter, busy).await;
        figures.push(Figure {
            name: format!(
                "Limiter alone ({label}), {}",
                if busy { "busy runtime" } else { "idle runtime" }
            ),
            value: format!(
                "{rate:.1}/s = {:.1} % of {quota}/s; at most {max_window} in any 1 s",
                rate * 100.0 / f64::from(quota)
            ),
            target: format!("at most {quota} in any 1 s"),
            met: Some(max_window <= quota as usize),
        });
    }
    figures
}

/// Calls let through per second over 3 s, and the most in any sliding second.
async fn limiter_run(quota: Quota, busy: bool) -> (f64, usize) {
    let limiter = Arc::new(RateLimiter::direct(quota));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    if busy {
        for _ in 0..4 {
            let stop = stop.clone();
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let slice = Instant::now();
                    while slice.elapsed() < Duration::from_millis(1) {
                        std::hint::spin_loop();
                    }
                    tokio::task::yield_now().await;
                }
            });
        }
    }
    let window = Duration::from_secs(3);
    let start = Instant::now();
    let end = start + window;
    let granted = Arc::new(std::sync::Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (limiter, granted) = (limiter.clone(), granted.clone());
            tokio::spawn(async move {
                loop {
                    limiter.until_ready().await;
                    let now = Instant::now();
                    if now >= end {
                        break;
                    }
                    granted
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(now - start);
                }
            })
        })
        .collect();
    tokio::time::sleep_until((end + Duration::from_millis(50)).into()).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.abort();
    }
    let mut at = std::mem::take(
        &mut *granted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    at.sort_unstable();
    let mut max_window = 0;
    let mut first = 0;
    for (i, t) in at.iter().enumerate() {
        while *t - at[first] >= Duration::from_secs(1) {
            first += 1;
        }
        max_window = max_window.max(i + 1 - first);
    }
    (at.len() as f64 / window.as_secs_f64(), max_window)
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

// ---------------------------------------------------------------------------------------------
// 2. No-op job throughput

/// The bench's own job: nothing to do, so the figures are the queue's alone.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Noop {
    n: u64,
}

/// The same job, for the one-at-a-time enqueue (its own queue, never drained).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct NoopOneByOne {
    n: u64,
}

/// Counts handled jobs; the one that completes the count stops the worker.
struct Progress {
    target: usize,
    done: AtomicUsize,
    started: Instant,
    finished: std::sync::Mutex<Option<Duration>>,
}

async fn noop(
    _job: Noop,
    progress: Data<Arc<Progress>>,
    worker: WorkerContext,
) -> Result<(), BoxDynError> {
    if progress.done.fetch_add(1, Ordering::AcqRel) + 1 == progress.target {
        *progress
            .finished
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(progress.started.elapsed());
        worker.stop()?;
    }
    Ok(())
}

struct Drained {
    enqueue: Duration,
    /// From the worker's start to the last handler run.
    handled: Duration,
    /// From the worker's start to its return (acknowledgements flushed).
    stopped: Duration,
    cpu: Duration,
    done_rows: i64,
}

async fn noop_jobs(platform: &Platform) -> anyhow::Result<Vec<Figure>> {
    jobs::setup(platform).await?;
    let mut figures = Vec::new();

    println!("No-op jobs: {ONE_BY_ONE} enqueued one at a time with jobs::enqueue…");
    let started = Instant::now();
    for n in 0..ONE_BY_ONE as u64 {
        jobs::enqueue(platform, NoopOneByOne { n }).await?;
    }
    let one_by_one = started.elapsed();
    figures.push(Figure::info(
        "No-op: enqueue one at a time (jobs::enqueue)",
        format!(
            "{:.0} jobs/s ({ONE_BY_ONE} in {})",
            ONE_BY_ONE as f64 / one_by_one.as_secs_f64(),
            ms(one_by_one)
        ),
    ));

    for batch in BATCH_SIZES {
        let run = format!("batch {batch}");
        println!("No-op jobs: {NOOP_JOBS} pushed in bulk, drained with {run}…");
        let d = drain(platform, batch, &run).await?;
        let rate = NOOP_JOBS as f64 / d.handled.as_secs_f64();
        let name_enqueue = format!("No-op, {run}: bulk enqueue");
        let name_drain = format!("No-op, {run}: drain jobs/s");
        let name_detail = format!("No-op, {run}: detail");
        figures.push(Figure::info(
            name_enqueue,
            format!(
                "{:.0} jobs/s ({NOOP_JOBS} in {})",
                NOOP_JOBS as f64 / d.enqueue.as_secs_f64(),
                ms(d.enqueue)
            ),
        ));
        let drain_target = format!(">= {TARGET_JOBS_PER_SEC:.0} jobs/s");
        figures.push(Figure {
            name: name_drain,
            value: format!("{rate:.0} jobs/s ({NOOP_JOBS} in {})", ms(d.handled)),
            target: if batch == BATCH_SIZES[0] {
                format!("{drain_target} (default)")
            } else {
                drain_target
            },
            met: Some(rate >= TARGET_JOBS_PER_SEC),
        });
        figures.push(Figure::info(
            name_detail,
            format!(
                "stopped after {}; {} rows Done; CPU {:.2} cores",
                ms(d.stopped),
                d.done_rows,
                d.cpu.as_secs_f64() / d.stopped.as_secs_f64()
            ),
        ));
    }
    Ok(figures)
}

/// Pushes [`NOOP_JOBS`] in one bulk push to a queue of its own, then runs one worker on it
/// until every job was handled.
async fn drain(platform: &Platform, batch: usize, run: &str) -> anyhow::Result<Drained> {
    let queue = format!("bench-noop-{}", run.replace(' ', "-"));
    let worker_name = format!("{queue}-{:08x}", rand::random::<u32>());
    let jobs: Vec<Noop> = (0..NOOP_JOBS as u64).map(|n| Noop { n }).collect();
    // As `jobs::worker!` builds its workers, with the batch size set on the storage.
    macro_rules! push_then_drain {
        ($storage:ident, $pool:expr) => {{
            let base = $storage::<Noop>::new($pool);
            let config = base.config().clone().batch_size(batch).queue(&queue);
            let mut storage = base.with_config(config);
            let started = Instant::now();
            storage.push_bulk(jobs).await?;
            let enqueue = started.elapsed();
            let progress = Arc::new(Progress {
                target: NOOP_JOBS,
                done: AtomicUsize::new(0),
                started: Instant::now(),
                finished: std::sync::Mutex::new(None),
            });
            let cpu_before = process_cpu_time()?;
            WorkerBuilder::new(worker_name)
                .backend(Gated::new(storage))
                .data(progress.clone())
                .build(noop)
                .run()
                .await?;
            (
                enqueue,
                progress.started.elapsed(),
                process_cpu_time()? - cpu_before,
                progress,
            )
        }};
    }
    let (enqueue, stopped, cpu, progress) = match platform.engine() {
        Engine::Sqlite => {
            push_then_drain!(SqliteStorage, platform.db().get_sqlite_connection_pool())
        }
        Engine::Postgres { .. } => {
            push_then_drain!(
                PostgresStorage,
                platform.db().get_postgres_connection_pool()
            )
        }
    };
    let handled = progress
        .finished
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .context("the worker stopped before handling every job")?;
    Ok(Drained {
        enqueue,
        handled,
        stopped,
        cpu,
        done_rows: done_rows(platform, &queue).await?,
    })
}

/// Jobs of the queue apalis recorded as done.
async fn done_rows(platform: &Platform, queue: &str) -> anyhow::Result<i64> {
    let db = platform.db();
    let backend = db.get_database_backend();
    let sql = match platform.engine() {
        Engine::Sqlite => "SELECT COUNT(*) AS n FROM Jobs WHERE job_type = ? AND status = 'Done'",
        Engine::Postgres { .. } => {
            "SELECT COUNT(*) AS n FROM apalis.jobs WHERE job_type = $1 AND status = 'Done'"
        }
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [queue.into()]))
        .await?
        .context("no count")?;
    Ok(row.try_get::<i64>("", "n")?)
}
