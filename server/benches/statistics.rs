//! Statistics benchmarks. Prints figures against the targets; asserts nothing about timings.
//!
//! 100 departments holding 100,000 aid requests each, filed over the last two years and
//! mostly decided, every department agreed to be compared (same size band).
//! 1. The nightly computation of every department's figures and national returns, and their
//!    sharing for the comparison (`statistics::jobs::compute_all`): wall time in all, and per
//!    department.
//! 2. A module's dashboard (aid requests, 24 months by category: charts, tables, secrecy
//!    audited by linear programming) served by the real server in-process: its first view
//!    after the computation (every table audited), then p50 / p95 with 1 and 4 clients.
//! 3. The comparison page across the 100 departments: p50 / p95 with 1 and 4 clients.
//!
//! `cargo bench -p guichet-server --bench statistics` runs on SQLite; with
//! `DATABASE_URL=postgres://…` on PostgreSQL. `GUICHET_BENCH_DEPARTMENTS` and
//! `GUICHET_BENCH_REQUESTS` change the sizes (100 and 100,000). See `docs/BENCHMARKS.md`.

mod common;

use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{Datelike as _, Utc};
use common::*;
use guichet::aid_requests::catalogue::{self, AidInput};
use guichet::aid_requests::filing::Status;
use guichet::entity::{aid_request, decision, statistics_profile};
use guichet::staff::{self, Email, NewStaff, Role};
use guichet::statistics::{jobs, nomenclatures, secrecy};
use sea_orm::{ActiveModelTrait, Set};
use tenants::{Platform, Tenant};

const BENCH_SETUP: guichet::staff::Author =
    guichet::staff::Author::Operator("mesure de performance");

const PER_CITIZEN: usize = 4;
const SUPERVISOR_EMAIL: &str = "pilotage@cd-stat-000.fr";
const PASSWORD: &str = "mot-de-passe-du-banc-d-essai";

const TARGET_NIGHTLY: Duration = Duration::from_secs(120);
const TARGET_DASHBOARD_P95: Duration = Duration::from_millis(50);
const TARGET_COMPARISON_P95: Duration = Duration::from_millis(100);

fn size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> std::process::ExitCode {
    common::bench_main("Guichet statistics benchmarks", run_all)
}

async fn run_all(bench: &BenchRun) -> anyhow::Result<Vec<Figure>> {
    let departments = size("GUICHET_BENCH_DEPARTMENTS", 100).max(1);
    let requests = size("GUICHET_BENCH_REQUESTS", 100_000).max(PER_CITIZEN);
    let platform = open_platform(bench.data_dir(), bench.pg_url()).await?;
    let started = Instant::now();
    println!("Seeding {departments} departments of {requests} aid requests each…");
    let mut tenants = Vec::new();
    for i in 0..departments {
        let tenant = create_tenant(&platform, &format!("cd-stat-{i:03}")).await?;
        seed_requests(&tenant, requests).await?;
        compared(&tenant, i).await?;
        tenants.push(tenant);
    }
    let measured = tenants.first().context("one department at least")?;
    staff::create_account(
        &platform,
        measured,
        NewStaff {
            email: Email::parse(SUPERVISOR_EMAIL)?,
            display_name: "Pilotage".to_owned(),
            roles: vec![Role::Supervisor],
            first_password: staff::FirstPassword::Known(PASSWORD.to_owned()),
        },
        BENCH_SETUP,
    )
    .await?;
    println!("  seeded in {:.1} s", started.elapsed().as_secs_f64());

    let mut figures = nightly(&platform, departments).await?;
    figures.extend(pages(&platform, measured, departments).await?);
    platform.db().clone().close().await?;
    Ok(figures)
}

/// `requests` aid requests over five aids of distinct categories, filed over the last two
/// years: most decided (granted, partly, refused, by silence), some still under instruction.
async fn seed_requests(tenant: &Tenant, requests: usize) -> anyhow::Result<()> {
    let mut aids = Vec::new();
    for (title, category) in [
        ("Aide au paiement du loyer", "logement"),
        ("Aide à l'énergie", "energie"),
        ("Secours alimentaire", "subsistance"),
        ("Aide à la mobilité", "mobilite"),
        ("Fonds d'aide aux jeunes", "insertion"),
    ] {
        let input = AidInput {
            title: title.to_owned(),
            description: "Une aide du département.".to_owned(),
            eligibility: "Les habitants du département.".to_owned(),
            documents: String::new(),
            deadline_days: "60".to_owned(),
            silence: "refusal".to_owned(),
            open: true,
            category: category.to_owned(),
        }
        .validate()
        .map_err(|e| anyhow::anyhow!("aid: {e:?}"))?;
        aids.push(catalogue::create(tenant, input, BENCH_SETUP).await?.id);
    }
    let now = Utc::now();
    let today = now.date_naive();
    let citizens = requests.div_ceil(PER_CITIZEN);
    seed_citizens(tenant, citizens).await?;
    let prefix = tenant.slug().to_string().to_uppercase();
    for chunk in (0..requests).collect::<Vec<_>>().chunks(1000) {
        let mut request_rows = Vec::with_capacity(chunk.len());
        let mut decision_rows = Vec::new();
        for &i in chunk {
            let id = i as i64 + 1;
            // Spread over the last 730 days; decided 5 to 65 days after filing.
            let filed_on = today - chrono::Days::new((i * 7919 % 730) as u64 + 1);
            let due_on = filed_on + chrono::Days::new(60);
            let decided_on = filed_on + chrono::Days::new((i * 31 % 61) as u64 + 5);
            let status = match i % 10 {
                _ if decided_on > today => Status::Submitted,
                0..=4 => Status::Granted,
                5 => Status::PartiallyGranted,
                6 | 7 => Status::Refused,
                8 => Status::ImplicitRefusal,
                _ => Status::Submitted,
            };
            request_rows.push(aid_request::ActiveModel {
                id: Set(id),
                reference: Set(Some(format!("{prefix}-{}-{id:07}", filed_on.year()))),
                citizen_id: Set((i / PER_CITIZEN) as i64 + 1),
                aid_id: Set(aids[i % aids.len()]),
                form_version: Set(1),
                status: Set(status),
                answers: Set("{}".to_owned()),
                submitted_at: Set(filed_on.and_hms_opt(10, 0, 0).map(|t| t.and_utc())),
                due_on: Set(Some(due_on)),
                paused_since: Set(None),
                paused_days: Set(0),
                assignee_id: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                mandate_id: Set(None),
                citizen_replied_at: Set(None),
            });
            if matches!(
                status,
                Status::Granted | Status::PartiallyGranted | Status::Refused
            ) {
                decision_rows.push(decision::ActiveModel {
                    request_id: Set(id),
                    outcome: Set(status.id().to_owned()),
                    amount_cents: Set((status != Status::Refused).then_some(30_000)),
                    reasons: Set("[]".to_owned()),
                    comment: Set(String::new()),
                    decided_by: Set(None),
                    decided_at: Set(decided_on
                        .and_hms_opt(15, 0, 0)
                        .map_or(now, |t| t.and_utc())),
                    letter_file: Set(None),
                    ..Default::default()
                });
            }
        }
        insert_requests(tenant, request_rows, decision_rows).await?;
    }
    Ok(())
}

/// Department `i` agreed to be compared, in the same size band as every other.
async fn compared(tenant: &Tenant, i: usize) -> anyhow::Result<()> {
    let all = nomenclatures::departements();
    let code = all[i % all.len()].code;
    let txn = tenant.db().begin_write().await?;
    statistics_profile::ActiveModel {
        id: Set(1),
        department: Set(code.to_owned()),
        size: Set("500k_1m".to_owned()),
        compared: Set(true),
        updated_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn nightly(platform: &Platform, departments: usize) -> anyhow::Result<Vec<Figure>> {
    println!("The nightly computation of every department…");
    let started = Instant::now();
    let done = jobs::compute_all(
        platform,
        Utc::now().date_naive(),
        secrecy::DEFAULT_THRESHOLD,
    )
    .await?;
    let took = started.elapsed();
    let figures: usize = done.iter().map(|(_, n)| n).sum();
    Ok(vec![
        Figure::checked(
            "Nightly computation, every department (figures, returns, sharing)",
            format!(
                "{:.1} s for {departments} departments ({figures} monthly figures)",
                took.as_secs_f64()
            ),
            format!("< {} s", TARGET_NIGHTLY.as_secs()),
            took < TARGET_NIGHTLY,
        ),
        Figure::info(
            "  per department, on average",
            ms(took / u32::try_from(departments.max(1)).unwrap_or(1)),
        ),
    ])
}

async fn pages(
    platform: &Platform,
    measured: &Tenant,
    departments: usize,
) -> anyhow::Result<Vec<Figure>> {
    let server = start_real_server(platform).await?;
    let addr = server.addr;
    let slug = measured.slug().to_string();
    let dashboard = format!(
        "http://{addr}/{slug}/agents/statistiques/aid_requests?periode=24&par=categorie_aide"
    );
    let comparison = format!("http://{addr}/{slug}/agents/statistiques/comparaison");
    // The first view after the night's computation audits every table; later ones read
    // what secrecy has already published.
    let client = signed_in_client(addr, &slug, SUPERVISOR_EMAIL, PASSWORD).await?;
    let started = Instant::now();
    let page = client.get(&dashboard).send().await?.error_for_status()?;
    let page = page.text().await?;
    let first = started.elapsed();
    anyhow::ensure!(
        page.contains("Part des décisions hors délai"),
        "dashboard incomplete"
    );
    let mut figures = vec![Figure::info(
        "Dashboard, first view after the computation (secrecy audited)",
        ms(first),
    )];
    for (name, url, expect, target) in [
        (
            "Dashboard, aid requests by category over 24 months",
            &dashboard,
            "Part des décisions hors délai",
            TARGET_DASHBOARD_P95,
        ),
        (
            "Comparison page",
            &comparison,
            "3e quartile",
            TARGET_COMPARISON_P95,
        ),
    ] {
        for clients in [1, 4] {
            println!("{name}: {clients} client(s)…");
            let mut signed_in = Vec::new();
            for _ in 0..clients {
                signed_in.push(signed_in_client(addr, &slug, SUPERVISOR_EMAIL, PASSWORD).await?);
            }
            let load = hammer(signed_in, url, expect).await?;
            let value = format!(
                "p50 {} / p95 {} ({:.0} req/s, {} failed)",
                ms(load.p50),
                ms(load.p95),
                load.per_sec,
                load.failed
            );
            figures.push(if clients == 1 {
                Figure::checked(
                    name,
                    value,
                    format!("p95 <= {}", ms(target)),
                    load.p95 <= target,
                )
            } else {
                Figure::info("  with 4 clients at once", value)
            });
        }
    }
    figures.push(Figure::info(
        "  departments compared",
        departments.to_string(),
    ));
    server.stop().await?;
    Ok(figures)
}
