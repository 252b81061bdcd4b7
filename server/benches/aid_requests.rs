//! Aid-request benchmarks. Prints figures against the targets; asserts nothing about timings.
//!
//! 99 departments of 1,000 requests each, then the measured department at 10,000, 100,000 and
//! 1,000,000 requests (`GUICHET_BENCH_SIZES` to choose).
//! 1. The instructors' queue, at each size: how the store reads three pages (its plan), the
//!    queue's SQL alone, then the page served by the real server in-process to 16 clients at
//!    once: the first page (against a bare axum handler running the same SQL), a page near the
//!    end (read from a row's key, as « Page suivante » does) and one agent's requests. The
//!    department of 100,000 also measures the first page with 4 clients and 1.
//! 2. A CSV export of the 24,000 requests of one aid, started from the queue page of the real
//!    `guichet` binary, followed on its progress page until the file is offered: wall time,
//!    the progress the page showed, and the server's peak memory.
//!
//! `cargo bench -p guichet-server --bench aid_requests` runs on SQLite; with
//! `DATABASE_URL=postgres://…` on PostgreSQL (a fresh database, dropped at the end).
//! See `docs/BENCHMARKS.md`.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::BufRead as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use chrono::{NaiveDate, Utc};
use common::*;
use guichet::aid_requests::Desk;
use guichet::aid_requests::catalogue::{self, AidInput};
use guichet::aid_requests::filing::Status;
use guichet::aid_requests::queue::{self, Assignee, PageAt, QueueFilter, SortKey};
use guichet::entity::{aid_request, decision};
use guichet::staff::{self, Email, NewStaff, Role};
use sea_orm::Set;
use tenants::{Platform, Tenant};

/// The benchmark's own setting up, as its journal entries name it.
const BENCH_SETUP: guichet::staff::Author =
    guichet::staff::Author::Operator("mesure de performance");

const TENANTS: usize = 100;
const BENCH_REQUESTS: usize = 100_000;
const OTHER_REQUESTS: usize = 1_000;
/// Requests per citizen.
const PER_CITIZEN: usize = 4;
/// Requests of the exported aid (every request of it is filed: drafts go to the others).
const EXPORTED: usize = 24_000;
const INSTRUCTORS: usize = 10;
const SATURATION_CLIENTS: usize = 16;

const SLUG: &str = "cd-bench";
const PASSWORD: &str = "mot-de-passe-du-banc-d-essai";

const TARGET_RATIO: f64 = 0.40;
const TARGET_RATE: f64 = 1_000.0;
const TARGET_P95: Duration = Duration::from_millis(25);
const TARGET_EXPORT: Duration = Duration::from_secs(10);
const TARGET_EXPORT_RSS: u64 = 200_000_000;

fn main() -> std::process::ExitCode {
    common::bench_main("Guichet aid-request benchmarks", run_all)
}

async fn run_all(bench: &BenchRun) -> anyhow::Result<Vec<Figure>> {
    let (data_dir, pg_url, binary) = (bench.data_dir(), bench.pg_url(), &bench.binary);
    let platform = open_platform(data_dir, pg_url).await?;
    let sizes = bench_sizes("GUICHET_BENCH_SIZES", &[10_000, BENCH_REQUESTS, 1_000_000])?;
    let started = Instant::now();
    println!(
        "Seeding {} departments of {OTHER_REQUESTS} requests…",
        TENANTS - 1
    );
    for i in 1..TENANTS {
        seed_department(&platform, &format!("cd-{i:03}"), OTHER_REQUESTS, false).await?;
    }
    println!("  seeded in {:.1} s", started.elapsed().as_secs_f64());
    let mut figures = Vec::new();
    let mut exported = None;
    for size in sizes {
        // The export and the lighter loads are measured on the department of 100,000.
        let main = size == BENCH_REQUESTS;
        let slug = if main {
            SLUG.to_owned()
        } else {
            format!("{SLUG}-{}", size_label(size).to_lowercase())
        };
        let started = Instant::now();
        println!("Seeding {slug} with {size} requests…");
        let seeded = seed_department(&platform, &slug, size, true).await?;
        println!("  seeded in {:.1} s", started.elapsed().as_secs_f64());
        figures.extend(queue_page(&platform, &seeded, main).await?);
        if main {
            exported = Some(seeded);
        }
    }
    if let Some(seeded) = exported {
        figures.extend(export(binary, data_dir, pg_url, &seeded).await?);
    }
    platform.db().clone().close().await?;
    Ok(figures)
}

// ---------------------------------------------------------------------------------------------
// Seeding

/// What the benches need to know of the measured department.
struct Seeded {
    tenant: Tenant,
    slug: String,
    /// Requests written, drafts included.
    size: usize,
    /// Filed (non-draft) requests: the queue's total.
    filed: usize,
    /// Filed requests assigned to the first instructor (`instructeur01`).
    mine: usize,
    /// Requests waiting for the department (submitted, or waiting for the citizen).
    open: usize,
    exported_aid: i64,
}

async fn seed_department(
    platform: &Platform,
    slug: &str,
    requests: usize,
    with_staff: bool,
) -> anyhow::Result<Seeded> {
    let tenant = create_tenant(platform, slug).await?;
    let mut instructors = Vec::new();
    if with_staff {
        for i in 1..=INSTRUCTORS {
            instructors.push(
                staff::create_account(
                    platform,
                    &tenant,
                    NewStaff {
                        email: Email::parse(&format!("instructeur{i:02}@{slug}.fr"))?,
                        display_name: format!("Instructeur {i:02}"),
                        roles: vec![Role::AidInstructor],
                        first_password: staff::FirstPassword::Known(PASSWORD.to_owned()),
                    },
                    BENCH_SETUP,
                )
                .await?
                .account
                .id,
            );
        }
    }
    let mut aid_ids = Vec::new();
    for title in [
        "Aide au paiement du loyer",
        "Aide à l'énergie",
        "Fonds d'aide aux jeunes",
        "Aide à la mobilité",
        "Secours d'urgence",
    ] {
        let input = AidInput {
            title: title.to_owned(),
            description: "Une aide du département.".to_owned(),
            eligibility: "Les habitants du département.".to_owned(),
            documents: String::new(),
            deadline_days: "60".to_owned(),
            silence: "refusal".to_owned(),
            open: true,
            category: "logement".to_owned(),
        }
        .validate()
        .map_err(|e| anyhow::anyhow!("aid: {e:?}"))?;
        aid_ids.push(catalogue::create(&tenant, input, BENCH_SETUP).await?.id);
    }

    let now = Utc::now();
    let today = now.date_naive();
    let citizens = requests.div_ceil(PER_CITIZEN);
    seed_citizens(&tenant, citizens).await?;

    let (mut filed, mut mine, mut open) = (0, 0, 0);
    let year = now.format("%Y");
    let slug_upper = slug.to_uppercase();
    for chunk in (0..requests).collect::<Vec<_>>().chunks(1000) {
        let mut request_rows = Vec::with_capacity(chunk.len());
        let mut decision_rows = Vec::new();
        for &i in chunk {
            let exported = i < EXPORTED;
            let aid_id = if exported {
                aid_ids[0]
            } else {
                aid_ids[1 + i % 4]
            };
            let status = status_of(i, exported);
            let draft = status == "draft";
            filed += usize::from(!draft);
            open += usize::from(matches!(status, "submitted" | "info_requested"));
            mine += usize::from(!draft && with_staff && i % (INSTRUCTORS + 1) == 0);
            let due_on = today - chrono::Duration::days(60)
                + chrono::Duration::days((i * 7919 % 120) as i64);
            let submitted = (due_on - chrono::Duration::days(60))
                .and_hms_opt(10, 0, 0)
                .map(|t| t.and_utc());
            let id = i as i64 + 1;
            request_rows.push(aid_request::ActiveModel {
                id: Set(id),
                reference: Set((!draft).then(|| format!("{slug_upper}-{year}-{id:06}"))),
                citizen_id: Set((i / PER_CITIZEN) as i64 + 1),
                aid_id: Set(aid_id),
                form_version: Set(1),
                status: Set(Status::parse(status).expect("a status of this bench")),
                answers: Set("{}".to_owned()),
                submitted_at: Set(if draft { None } else { submitted }),
                due_on: Set((!draft).then_some(due_on)),
                paused_since: Set(None),
                paused_days: Set(0),
                assignee_id: Set(match i % (INSTRUCTORS + 1) {
                    k if k < instructors.len() => Some(instructors[k]),
                    _ => None,
                }),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                mandate_id: Set(None),
                citizen_replied_at: Set(None),
            });
            if let Some(amount) = decided_amount(status, i) {
                decision_rows.push(decision::ActiveModel {
                    request_id: Set(id),
                    outcome: Set(status.to_owned()),
                    amount_cents: Set(amount),
                    reasons: Set("[\"Ressources supérieures au plafond\"]".to_owned()),
                    comment: Set(String::new()),
                    decided_by: Set(instructors.first().copied()),
                    decided_at: Set(now),
                    letter_file: Set(None),
                    ..Default::default()
                });
            }
        }
        insert_requests(&tenant, request_rows, decision_rows).await?;
    }
    // PostgreSQL hands out ids from sequences, which explicit ids do not move.
    if matches!(platform.engine(), tenants::Engine::Postgres { .. }) {
        let txn = tenant.db().begin_write().await?;
        for table in ["citizens", "aid_requests"] {
            sea_orm::ConnectionTrait::execute_unprepared(
                &txn,
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                ),
            )
            .await?;
        }
        txn.commit().await?;
        vacuum(platform, &tenant).await?;
    }
    Ok(Seeded {
        tenant,
        slug: slug.to_owned(),
        size: requests,
        filed,
        mine,
        open,
        exported_aid: aid_ids[0],
    })
}

/// Statuses in a department's proportions: mostly to instruct or decided, a few drafts.
fn status_of(i: usize, exported: bool) -> &'static str {
    match i % 20 {
        0 if !exported => "draft",
        0..=6 => "submitted",
        7..=8 => "info_requested",
        9..=14 => "granted",
        15..=16 => "partially_granted",
        17..=18 => "refused",
        _ => "implicit_refusal",
    }
}

/// `Some(amount)` for an explicit decision (the amount only when something was granted).
fn decided_amount(status: &str, i: usize) -> Option<Option<i64>> {
    match status {
        "granted" | "partially_granted" => Some(Some(20_000 + (i % 50) as i64 * 1_000)),
        "refused" => Some(None),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// 1. The queue page

/// The pages measured at every size: (what, the address's query, the filter, where it starts).
fn measured_pages(today: NaiveDate, me: i64) -> Vec<(&'static str, String, QueueFilter, PageAt)> {
    // Near the end of the queue: due dates run from 60 days ago to 60 days ahead.
    let deep = SortKey::Due(today + chrono::Duration::days(50), 0);
    vec![
        (
            "first page",
            String::new(),
            QueueFilter::default(),
            PageAt::First,
        ),
        (
            "page near the end",
            format!("apres={}", deep.encode()),
            QueueFilter::default(),
            PageAt::After(deep),
        ),
        (
            "one agent's",
            "agent=moi".to_owned(),
            QueueFilter {
                assignee: Assignee::Staff(me),
                ..QueueFilter::default()
            },
            PageAt::First,
        ),
        (
            "two states'",
            "statut=submitted&statut=info_requested".to_owned(),
            QueueFilter {
                status: vec![Status::Submitted, Status::InfoRequested],
                ..QueueFilter::default()
            },
            PageAt::First,
        ),
    ]
}

async fn queue_page(
    platform: &Platform,
    bench: &Seeded,
    main: bool,
) -> anyhow::Result<Vec<Figure>> {
    let instructor = staff::list_accounts(platform, &bench.tenant)
        .await?
        .into_iter()
        .find(|a| a.has_role(Role::AidInstructor))
        .context("the seeded department has instructors")?;
    let desk = Desk::open(&bench.tenant, &instructor).context("an instructor's desk")?;
    let real_server = start_real_server(platform).await?;
    let bare_server = serve_router(
        Router::new()
            .route("/demandes", get(bare_queue))
            .with_state(Bare {
                platform: platform.clone(),
                tenant: bench.tenant.clone(),
                instructor: instructor.clone(),
                aid_titles: Arc::default(),
                accounts: Arc::default(),
            }),
    )
    .await?;
    let (real_addr, bare_addr) = (real_server.addr, bare_server.addr);
    let slug = &bench.slug;
    let size = size_label(bench.size);
    let email = instructor.email.clone();
    let today = Utc::now().date_naive();
    let pages = measured_pages(today, instructor.id);
    let mut figures = Vec::new();

    print_plans(&bench.tenant, &pages).await?;
    // The same SQL with nothing else around it, one call at a time: the floor of a page's time.
    for (what, _, filter, at) in &pages {
        let mut alone = Vec::with_capacity(50);
        for _ in 0..50 {
            let started = Instant::now();
            queue::queue(&desk, filter, at).await?;
            alone.push(started.elapsed());
        }
        alone.sort_unstable();
        figures.push(Figure::info(
            format!("{size}: queue SQL alone, {what}: p50 / p95"),
            format!(
                "{} / {}",
                ms(percentile(&alone, 0.5)),
                ms(percentile(&alone, 0.95))
            ),
        ));
    }

    // A page counts only if it shows the filter's whole total, as French writes it.
    let total = |n: usize| format!("{} demande(s)", app::islands::grouped(n as u64));
    for (what, query, _, _) in &pages {
        let url = format!("http://{real_addr}/{slug}/agents/demandes?{query}");
        let expect = if query.starts_with("agent") {
            total(bench.mine)
        } else if query.starts_with("statut") {
            total(bench.open)
        } else {
            total(bench.filed)
        };
        let clients: &[usize] = if main && query.is_empty() {
            &[SATURATION_CLIENTS, 4, 1]
        } else {
            &[SATURATION_CLIENTS]
        };
        for &clients in clients {
            println!("{size}, {what}: {clients} client(s), {WARM_UP:?} warm-up then {MEASURE:?}…");
            let mut signed_in = Vec::with_capacity(clients);
            for _ in 0..clients {
                signed_in.push(signed_in_client(real_addr, slug, &email, PASSWORD).await?);
            }
            let real = hammer(signed_in, &url, &expect).await?;
            let mut rate = format!(
                "{:.0} req/s ({} ok, {} failed)",
                real.per_sec, real.ok, real.failed
            );
            if query.is_empty() {
                println!("Bare handler: same load…");
                let bare_clients = (0..clients)
                    .map(|_| client(bare_addr))
                    .collect::<Result<_, _>>()?;
                let bare = hammer(
                    bare_clients,
                    &format!("http://{bare_addr}/demandes"),
                    &expect,
                )
                .await?;
                let _ = write!(rate, "; bare {:.0} req/s", bare.per_sec);
                if clients == SATURATION_CLIENTS {
                    let ratio = real.per_sec / bare.per_sec;
                    figures.push(Figure::checked(
                        format!("{size}: queue page / bare handler (16 clients)"),
                        format!("{:.1} %", ratio * 100.0),
                        format!(">= {:.0} %", TARGET_RATIO * 100.0),
                        ratio >= TARGET_RATIO,
                    ));
                }
            }
            let name = format!("{size}: {what}, {clients} client(s)");
            if clients == SATURATION_CLIENTS {
                figures.push(Figure::checked(
                    format!("{name}: req/s"),
                    rate,
                    format!(">= {TARGET_RATE:.0} req/s"),
                    real.per_sec >= TARGET_RATE,
                ));
            } else {
                figures.push(Figure::info(format!("{name}: req/s"), rate));
            }
            figures.push(Figure::checked(
                format!("{name}: p50 / p95"),
                format!("{} / {}", ms(real.p50), ms(real.p95)),
                format!("p95 <= {}", ms(TARGET_P95)),
                real.p95 <= TARGET_P95,
            ));
        }
    }
    real_server.stop().await?;
    bare_server.stop().await?;
    Ok(figures)
}

/// Prints how the store reads each measured page's rows (`EXPLAIN QUERY PLAN` on SQLite,
/// `EXPLAIN ANALYZE` on PostgreSQL).
async fn print_plans(
    tenant: &Tenant,
    pages: &[(&'static str, String, QueueFilter, PageAt)],
) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait as _;
    let txn = tenant.db().begin().await?;
    let backend = txn.get_database_backend();
    for (what, _, filter, at) in pages {
        let (explain, column) = match backend {
            sea_orm::DbBackend::Postgres => ("EXPLAIN (ANALYZE, BUFFERS)", "QUERY PLAN"),
            _ => ("EXPLAIN QUERY PLAN", "detail"),
        };
        for statement in queue::rows_statements(backend, filter, at) {
            let explained = sea_orm::Statement {
                sql: format!("{explain} {}", statement.sql),
                ..statement
            };
            println!("Plan of the {what}: {}", explained.sql);
            for row in txn.query_all_raw(explained).await? {
                println!("    {}", row.try_get::<String>("", column)?);
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

#[derive(Clone)]
struct Bare {
    platform: Platform,
    tenant: Tenant,
    instructor: staff::StaffAccount,
    aid_titles: Arc<catalogue::AidTitles>,
    accounts: Arc<staff::AccountCache>,
}

/// The floor: the queries the real page makes (the queue page, the aids for the filter, the
/// staff for names, the last two from the same short caches), written out as a minimal
/// escaped table. No session, no tenant
/// resolution, no rendering framework.
async fn bare_queue(State(bare): State<Bare>) -> Result<Html<String>, StatusCode> {
    let fail = |_| StatusCode::INTERNAL_SERVER_ERROR;
    let desk = Desk::open(&bare.tenant, &bare.instructor).ok_or(StatusCode::FORBIDDEN)?;
    let page = queue::queue(&desk, &QueueFilter::default(), &PageAt::First)
        .await
        .map_err(fail)?;
    let aids = bare.aid_titles.get(&bare.tenant).await.map_err(fail)?;
    let accounts = bare
        .accounts
        .directory(&bare.platform, &bare.tenant)
        .await
        .map_err(fail)?;
    let mut rows = String::new();
    for r in &page.rows {
        let aid = aids
            .iter()
            .find(|(id, _)| *id == r.aid_id)
            .map_or("", |(_, title)| title.as_str());
        let assignee = r
            .assignee_id
            .and_then(|id| accounts.iter().find(|a| a.id == id))
            .map_or("—", |a| a.display_name.as_str());
        let _ = write!(
            rows,
            "<tr><td><a href=\"/demandes/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            r.id,
            escape(&r.reference),
            escape(aid),
            escape(&r.citizen_name),
            french_date(r.submitted_on),
            french_date(r.due_on),
            r.status.staff_label(),
            escape(assignee),
        );
    }
    let counts: String = page
        .counts
        .iter()
        .map(|(s, n)| format!("<li>{} : {n}</li>", s.staff_label()))
        .collect();
    Ok(Html(format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Demandes</title>\
         </head><body><h1>Demandes</h1><ul>{counts}<li>Délai dépassé : {}</li></ul><table>\
         <caption>{} demande(s)</caption>{rows}</table></body></html>",
        page.overdue,
        app::islands::grouped(page.total.at_least())
    )))
}

fn french_date(date: Option<NaiveDate>) -> String {
    date.map_or_else(String::new, |d| d.format("%d/%m/%Y").to_string())
}

// ---------------------------------------------------------------------------------------------
// 2. The CSV export, on the real binary

async fn export(
    binary: &Binary,
    data_dir: &Path,
    pg_url: Option<&str>,
    bench: &Seeded,
) -> anyhow::Result<Vec<Figure>> {
    println!("Export: `guichet serve`, then {EXPORTED} requests to CSV…");
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
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {}", binary.path.display()))?;
    let result = follow_export(&mut child, bench).await;
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

async fn follow_export(
    child: &mut std::process::Child,
    bench: &Seeded,
) -> anyhow::Result<Vec<Figure>> {
    let pid = child.id();
    let stdout = child.stdout.take().context("child stdout")?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // Std pipes block: a thread reads the lines and keeps draining so the child never stalls.
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let addr: SocketAddr = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = rx.recv().await {
            if let Some(rest) = line.strip_prefix("Guichet écoute sur http://") {
                let addr = rest.split_whitespace().next().unwrap_or_default();
                return Ok(addr.parse::<SocketAddr>()?);
            }
        }
        bail!("the server exited before listening")
    })
    .await
    .context("no \"Guichet écoute sur\" line within 120 s")??;

    let email = format!("instructeur01@{SLUG}.fr");
    let client = signed_in_client(addr, SLUG, &email, PASSWORD).await?;
    let queue_url = format!(
        "http://{addr}/{SLUG}/agents/demandes?aide={}",
        bench.exported_aid
    );
    let queue = client.get(&queue_url).send().await?.text().await?;
    if !queue.contains(&format!(
        "{} demande(s)",
        app::islands::grouped(EXPORTED as u64)
    )) {
        bail!("the queue filtered on the exported aid does not show {EXPORTED} requests");
    }
    let csrf = form_token(&queue)?;
    let rss_before = proc_status_bytes(pid, "VmRSS:")?;

    let started = Instant::now();
    let response = client
        .post(format!("http://{addr}/{SLUG}/agents/demandes/export"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("aide", bench.exported_aid.to_string().as_str()),
        ])
        .send()
        .await?;
    if response.status() != StatusCode::SEE_OTHER {
        bail!("starting the export answered {}", response.status());
    }
    let page_path = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .context("no export page")?
        .to_owned();
    let page_url = format!("http://{addr}{page_path}");
    // The page is read as an instructor would, a few times a second.
    let mut shown = BTreeSet::new();
    let mut polls = 0;
    let elapsed = loop {
        let page = client.get(&page_url).send().await?.text().await?;
        polls += 1;
        if let Some(percent) = shown_percent(&page) {
            shown.insert(percent);
        }
        if page.contains("Télécharger le fichier CSV") {
            break started.elapsed();
        }
        if page.contains("État : Échec") {
            bail!("the export failed");
        }
        if started.elapsed() > Duration::from_secs(300) {
            bail!("the export did not finish within 300 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let peak = proc_status_bytes(pid, "VmHWM:")?;

    // The download writes one entry in the journal of each citizen in the file.
    let download_started = Instant::now();
    let csv = client
        .get(format!("{page_url}/fichier"))
        .send()
        .await?
        .bytes()
        .await?;
    let download = download_started.elapsed();
    let lines = csv.iter().filter(|b| **b == b'\n').count();
    if lines != EXPORTED + 1 {
        bail!("the file has {lines} lines, not {}", EXPORTED + 1);
    }
    let shown: Vec<String> = shown.iter().map(|p| format!("{p}")).collect();
    Ok(vec![
        Figure::checked(
            "Export of 24,000 requests: start to file offered",
            ms(elapsed),
            format!("<= {}", ms(TARGET_EXPORT)),
            elapsed <= TARGET_EXPORT,
        ),
        Figure::info(
            "Export: percentages the page showed",
            format!("{} % ({polls} page loads)", shown.join(", ")),
        ),
        Figure::info(
            "Export: file",
            format!("{} lines, {}", lines, mb(csv.len() as u64)),
        ),
        Figure::info(
            "Export: download, journaled for each citizen in the file",
            ms(download),
        ),
        Figure::info("Server RSS before the export", mb(rss_before)),
        Figure::checked(
            "Server peak RSS (VmHWM)",
            mb(peak),
            format!("<= {}", mb(TARGET_EXPORT_RSS)),
            peak <= TARGET_EXPORT_RSS,
        ),
    ])
}

/// The "(NN %)" of the progress text.
fn shown_percent(page: &str) -> Option<u64> {
    let end = page.find(" %)</p>")?;
    let start = page[..end].rfind('(')? + 1;
    page[start..end].trim().parse().ok()
}
