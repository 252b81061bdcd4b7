//! One instance against two, on one PostgreSQL database, behind a round-robin balancer
//! (`guichet::balancer`). Each instance is the real server with a pool of its own, as a
//! `guichet serve` process has; both run in this process, so they share its cores as two
//! processes on one machine would.
//!
//! The load, the same for both: 8 citizens creating accounts (the form fetched, then sent: a
//! password hashed, the account and its confirmation mail written in one transaction) and 8
//! instructors reading their queue (empty: the rows' cost is the aid-requests bench's),
//! back to back, 5 s after a 1 s warm-up. Printed: writes and
//! reads per second with their p95, for one instance and for two, and the ratio.
//!
//! PostgreSQL only: `DATABASE_URL=postgres://… cargo bench -p guichet-server --bench instances`.

mod common;

use std::time::{Duration, Instant};

use anyhow::bail;
use common::*;
use guichet::balancer::Balancer;
use guichet::staff::{self, Email, NewStaff, Role};

const SLUG: &str = "cd-bench";
const INSTRUCTOR: &str = "instructrice@cd-bench.fr";
const PASSWORD: &str = "mot-de-passe-du-banc-d-essai";
const CLIENTS: usize = 8;

fn main() -> std::process::ExitCode {
    common::bench_main("Guichet: one instance against two", run)
}

async fn run(bench: &BenchRun) -> anyhow::Result<Vec<Figure>> {
    let Some(url) = bench.pg_url() else {
        bail!("this bench runs on PostgreSQL: set DATABASE_URL=postgres://…");
    };
    let platform = open_platform(bench.data_dir(), Some(url)).await?;
    let tenant = create_tenant(&platform, SLUG).await?;
    staff::create_account(
        &platform,
        &tenant,
        NewStaff {
            email: Email::parse(INSTRUCTOR)?,
            display_name: "Instructrice".into(),
            roles: vec![Role::AidInstructor],
            first_password: staff::FirstPassword::Known(PASSWORD.into()),
        },
        staff::Author::Operator("mesure de performance"),
    )
    .await?;

    let mut figures = Vec::new();
    let mut rates = Vec::new();
    for count in [1, 2] {
        let mut servers = Vec::with_capacity(count);
        for _ in 0..count {
            let instance = open_platform(bench.data_dir(), Some(url)).await?;
            servers.push(start_real_server(&instance).await?);
        }
        let balancer = Balancer::start(servers.iter().map(|s| s.addr).collect()).await?;
        println!("{count} instance(s): {WARM_UP:?} warm-up then {MEASURE:?}…");
        let (writes, reads) = mixed_load(balancer.addr, count).await?;
        println!("  connections per instance: {:?}", balancer.served());
        let name_writes: &'static str = match count {
            1 => "1 instance: accounts created/s, p95",
            _ => "2 instances: accounts created/s, p95",
        };
        let name_reads: &'static str = match count {
            1 => "1 instance: queue pages/s, p95",
            _ => "2 instances: queue pages/s, p95",
        };
        figures.push(Figure::info(name_writes, summary(&writes)));
        figures.push(Figure::info(name_reads, summary(&reads)));
        rates.push(writes.per_sec + reads.per_sec);
        for server in servers {
            server.stop().await?;
        }
    }
    figures.push(Figure::info(
        "Two instances against one (requests/s)",
        format!("{:.2} × on {} core(s)", rates[1] / rates[0], cores()),
    ));
    platform.db().clone().close().await?;
    Ok(figures)
}

fn summary(load: &Load) -> String {
    format!(
        "{:.0}/s ({} ok, {} failed), p95 {:.1} ms",
        load.per_sec,
        load.ok,
        load.failed,
        load.p95.as_secs_f64() * 1000.0
    )
}

/// Writers and readers at once; `run` numbers the emails so each round creates new accounts.
async fn mixed_load(addr: std::net::SocketAddr, run: usize) -> anyhow::Result<(Load, Load)> {
    let measure_from = Instant::now() + WARM_UP;
    let end = measure_from + MEASURE;
    let mut writers = Vec::with_capacity(CLIENTS);
    let mut readers = Vec::with_capacity(CLIENTS);
    for writer in 0..CLIENTS {
        let citizen = client(addr)?;
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            timed(measure_from, end, || {
                n += 1;
                let email = format!("r{run}-w{writer}-{n}@exemple.fr");
                let citizen = citizen.clone();
                async move { sign_up(&citizen, addr, &email).await }
            })
            .await
        }));
    }
    for _ in 0..CLIENTS {
        let instructor = signed_in_client(addr, SLUG, INSTRUCTOR, PASSWORD).await?;
        let url = format!("http://{addr}/{SLUG}/agents/demandes");
        readers.push(tokio::spawn(async move {
            timed(measure_from, end, || {
                let (instructor, url) = (instructor.clone(), url.clone());
                async move {
                    let page = instructor.get(&url).send().await.ok()?;
                    let body = page.text().await.ok()?;
                    // The queue's page (an empty department's: the page, not its rows).
                    body.contains("à instruire").then_some(())
                }
            })
            .await
        }));
    }
    Ok((gather(writers).await?, gather(readers).await?))
}

/// Runs `step` back to back until `end`; the latencies of the successes started after
/// `measure_from`, and the failures.
async fn timed<F, Fut>(measure_from: Instant, end: Instant, mut step: F) -> (Vec<Duration>, usize)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<()>>,
{
    let (mut latencies, mut failed) = (Vec::new(), 0);
    loop {
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        let ok = step().await.is_some();
        if sent >= measure_from {
            match ok {
                true => latencies.push(sent.elapsed()),
                false => failed += 1,
            }
        }
    }
    (latencies, failed)
}

async fn gather(
    tasks: Vec<tokio::task::JoinHandle<(Vec<Duration>, usize)>>,
) -> anyhow::Result<Load> {
    let (mut latencies, mut failed) = (Vec::new(), 0);
    for task in tasks {
        let (l, f) = task.await?;
        latencies.extend(l);
        failed += f;
    }
    latencies.sort_unstable();
    let p = |q| match latencies.is_empty() {
        true => Duration::ZERO,
        false => percentile(&latencies, q),
    };
    Ok(Load {
        per_sec: latencies.len() as f64 / MEASURE.as_secs_f64(),
        ok: latencies.len(),
        failed,
        p50: p(0.5),
        p95: p(0.95),
    })
}

/// The sign-up form fetched and sent; `Some` once the account exists.
async fn sign_up(citizen: &reqwest::Client, addr: std::net::SocketAddr, email: &str) -> Option<()> {
    let url = format!("http://{addr}/{SLUG}/inscription");
    let form = citizen.get(&url).send().await.ok()?.text().await.ok()?;
    let csrf = form_token(&form).ok()?;
    let password = "une citoyenne et sa phrase secrète";
    let done = citizen
        .post(&url)
        .form(&[
            ("csrf", csrf.as_str()),
            ("given_name", "Awa"),
            ("family_name", "Diop"),
            ("email", email),
            ("password", password),
            ("password_again", password),
        ])
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    done.contains("Vérifiez votre messagerie").then_some(())
}
