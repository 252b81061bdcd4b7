//! Disability (MDPH) benchmarks. Prints figures against the targets; asserts nothing about
//! timings.
//!
//! One department holds 200,000 files (a fifth just filed, the others further on), their
//! requests and the team's findings; two more hold 20,000 and 1,000,000 for the list.
//! 1. Reception's and the evaluators' list (`/agents/handicap`, the 50 first filed of a stage,
//!    and a page near the end) served by the real server in-process to a signed-in evaluator
//!    (second factor included), against a bare axum handler running the same query:
//!    requests/s with 16 clients at each size, p95 with 16 and 1 at 200,000.
//! 2. The supervisor's figures page (stages, delays per right, decisions), p95.
//! 3. A physician opening a 5 MB sealed certificate (read from disk, unwrapped, decrypted,
//!    journaled), one at a time: p50 and p95.
//! 4. The department's export with 10,000 sealed medical pieces: wall time and size.
//!
//! `cargo bench -p guichet-server --bench disability` runs on SQLite; with
//! `DATABASE_URL=postgres://…` on PostgreSQL. `DISABILITY_BENCH_FILES` sets the main size (200000),
//! `DISABILITY_BENCH_SIZES` the list's (comma-separated; a tenth, once and five times the main).
//! See `docs/BENCHMARKS.md`.

mod common;

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use chrono::{Duration as Days, NaiveDate, Utc};
use common::*;
use guichet::aid_requests::form::{Answer, Answers};
use guichet::disability::completeness::{self, FiledKey, Team};
use guichet::disability::files::{self, FiledBy, Kind, Status};
use guichet::disability::pieces::{self, Certificate, PieceKind};
use guichet::disability::{Desk, medical::MedicalDesk};
use guichet::entity::{disability_evaluation, disability_file, disability_request};
use guichet::listing::PageAt;
use guichet::staff::second_factor::SealKey;
use guichet::staff::{Role, StaffAccount};
use sea_orm::{EntityTrait, Set};
use tenants::{Platform, Tenant};

const SLUG: &str = "cd-mdph";
const PASSWORD: &str = "mot-de-passe-du-banc-mdph";
const SUPERVISOR: &str = "chef@cd-mdph.fr";
const SATURATION_CLIENTS: usize = 16;
const SEALED_PIECES: usize = 10_000;
const BIG_PIECE: usize = 5 * 1024 * 1024;
const OPENINGS: usize = 40;

const TARGET_RATIO: f64 = 0.40;
const TARGET_QUEUE_P95: Duration = Duration::from_millis(50);
const TARGET_FIGURES_P95: Duration = Duration::from_millis(500);
const TARGET_OPEN_P95: Duration = Duration::from_millis(50);
const TARGET_EXPORT: Duration = Duration::from_secs(60);

fn main() -> std::process::ExitCode {
    common::bench_main("Guichet disability benchmarks", run_all)
}

async fn run_all(bench: &BenchRun) -> anyhow::Result<Vec<Figure>> {
    // The main size (the figures page, the medical pieces, the export) is the department of
    // `DISABILITY_BENCH_FILES`; the evaluators' list is measured at every size.
    let main_size: usize = std::env::var("DISABILITY_BENCH_FILES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let sizes = bench_sizes(
        "DISABILITY_BENCH_SIZES",
        &[main_size / 10, main_size, main_size * 5],
    )?;
    let platform = open_platform(bench.data_dir(), bench.pg_url()).await?;
    let seal = bench_seal()?;
    let mut figures = Vec::new();
    for files in sizes {
        let main = files == main_size;
        let slug = if main {
            SLUG.to_owned()
        } else {
            format!("{SLUG}-{}", size_label(files).to_lowercase())
        };
        let tenant = create_tenant(&platform, &slug).await?;
        let started = Instant::now();
        seed(&tenant, files).await?;
        vacuum(&platform, &tenant).await?;
        println!(
            "  {slug}: seeded {files} files and their requests in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        figures.extend(queue(&platform, &tenant, &seal, (files, main)).await?);
        if main {
            figures.push(Figure::info(
                "Files in the main department",
                files.to_string(),
            ));
            figures.extend(figures_page(&platform, &tenant).await?);
            figures.extend(medical(&platform, &tenant, &seal).await?);
            figures.extend(export(bench, &platform, &tenant, &seal).await?);
        }
    }
    platform.db().clone().close().await?;
    Ok(figures)
}

/// The form's answers of file `n`: a name, a birth date (children and adults), a postcode.
fn answers(n: usize) -> String {
    let mut answers = Answers::new();
    let born = NaiveDate::from_ymd_opt(
        1950 + (n % 70) as i32,
        1 + (n % 12) as u32,
        1 + (n % 28) as u32,
    );
    answers.insert("a_nom".into(), Answer::Text(format!("NOM{n:06}")));
    answers.insert("a_prenoms".into(), Answer::Text("Camille".into()));
    if let Some(born) = born {
        answers.insert("a_naissance".into(), Answer::Date(born));
    }
    answers.insert(
        "a_code_postal".into(),
        Answer::Text(format!("30{:03}", n % 1000)),
    );
    answers.insert(
        "b_besoins".into(),
        Answer::Text("Aide pour les gestes de la vie quotidienne et les déplacements.".into()),
    );
    serde_json::to_string(&answers).unwrap_or_default()
}

/// Where file `n` stands: a fifth just filed, the others waiting, complete, decided or not
/// receivable.
fn status_of(n: usize) -> Status {
    match n % 20 {
        0..=3 => Status::Filed,
        4..=5 => Status::WaitingPieces,
        6..=12 => Status::Complete,
        13..=18 => Status::Decided,
        _ => Status::Irrecevable,
    }
}

/// Writes the files, two requests each and the team's findings, in batches.
async fn seed(tenant: &Tenant, files: usize) -> anyhow::Result<()> {
    let start = Utc::now() - Days::days(730);
    let today = Utc::now().date_naive();
    for batch in (0..files).collect::<Vec<_>>().chunks(500) {
        let mut file_rows = Vec::with_capacity(batch.len());
        let mut request_rows = Vec::with_capacity(batch.len() * 2);
        let mut finding_rows = Vec::with_capacity(batch.len());
        for &n in batch {
            let id = n as i64 + 1;
            let filed_at = start + Days::minutes(n as i64 * 5);
            let status = status_of(n);
            let complete_on = matches!(status, Status::Complete | Status::Decided)
                .then(|| filed_at.date_naive() + Days::days(20));
            file_rows.push(disability_file::ActiveModel {
                id: Set(id),
                citizen_id: Set(id),
                kind: Set(Kind::First.id().into()),
                filed_by: Set("self".into()),
                filed_by_name: Set(format!("Camille NOM{n:06}")),
                answers: Set(answers(n)),
                form_version: Set(guichet::disability::application::VERSION.into()),
                generic: Set(false),
                status: Set(status.id().into()),
                pole: Set(Some(if n % 4 == 0 { "child" } else { "adult" }.into())),
                created_at: Set(filed_at),
                updated_at: Set(filed_at),
                filed_at: Set(Some(filed_at)),
                complete_on: Set(complete_on),
                plan_hearing: Set(false),
                ..Default::default()
            });
            for (k, right) in ["aah", "pch"].into_iter().enumerate() {
                let decided = status == Status::Decided;
                let due = complete_on.map(|c| c + chrono::Months::new(4));
                request_rows.push(disability_request::ActiveModel {
                    file_id: Set(id),
                    citizen_id: Set(id),
                    right_code: Set(right.into()),
                    status: Set(if decided { "decided" } else { "filed" }.into()),
                    due_on: Set(due),
                    created_at: Set(filed_at),
                    outcome: Set(decided.then(|| {
                        if (n + k) % 5 == 0 {
                            "refused"
                        } else {
                            "granted"
                        }
                        .into()
                    })),
                    decided_on: Set(decided
                        .then(|| complete_on.map(|c| c + Days::days(60 + (n % 90) as i64)))
                        .flatten()
                        .map(|d| d.min(today))),
                    without_limit: Set(decided && n % 3 == 0),
                    notified_at: Set(decided.then_some(filed_at + Days::days(100))),
                    ..Default::default()
                });
            }
            if complete_on.is_some() {
                finding_rows.push(disability_evaluation::ActiveModel {
                    file_id: Set(id),
                    citizen_id: Set(id),
                    rate_band: Set(Some(
                        if n % 2 == 0 {
                            "from_80"
                        } else {
                            "from_50_to_79"
                        }
                        .into(),
                    )),
                    rsdae: Set(n % 2 == 1),
                    lasting: Set(n % 3 == 0),
                    updated_by_name: Set("Équipe".into()),
                    updated_at: Set(filed_at),
                    ..Default::default()
                });
            }
        }
        let txn = tenant.db().begin_write().await?;
        disability_file::Entity::insert_many(file_rows)
            .exec(&txn)
            .await?;
        disability_request::Entity::insert_many(request_rows)
            .exec(&txn)
            .await?;
        if !finding_rows.is_empty() {
            disability_evaluation::Entity::insert_many(finding_rows)
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

#[derive(Clone)]
struct Bare {
    tenant: Tenant,
    evaluator: StaffAccount,
}

/// The floor: the list's queries (the stages' counts, the teams, the files), written out as a
/// minimal escaped table. No session, no tenant resolution, no rendering framework.
async fn bare_queue(State(bare): State<Bare>) -> Result<Html<String>, StatusCode> {
    let fail = |_| StatusCode::INTERNAL_SERVER_ERROR;
    let desk = Desk::open(&bare.tenant, &bare.evaluator).ok_or(StatusCode::FORBIDDEN)?;
    let counts = guichet::disability::space::counts(&bare.tenant)
        .await
        .map_err(fail)?;
    let sectors = guichet::disability::sectors::read(&bare.tenant)
        .await
        .map_err(fail)?;
    let files = completeness::queue_of(&desk, (Status::Filed, Team::Any), &PageAt::First)
        .await
        .map_err(fail)?;
    let mut html = format!("<p>{counts:?} {}</p><table>", sectors.len());
    for f in &files.rows {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(&f.reference()),
            escape(&f.facts().name)
        ));
    }
    html.push_str("</table>");
    Ok(Html(html))
}

/// The evaluators' list of a department of `files`, at 16 clients (first page, with the bare
/// handler's floor, and a page near the end) and, for the main size, at 1 client.
async fn queue(
    platform: &Platform,
    tenant: &Tenant,
    seal: &SealKey,
    (files, main): (usize, bool),
) -> anyhow::Result<Vec<Figure>> {
    let slug = tenant.slug().as_str();
    let email = format!("evaluation@{slug}.fr");
    let evaluator = staff_account(
        platform,
        tenant,
        (&email, PASSWORD),
        Role::DisabilityEvaluator,
    )
    .await?;
    let secret = enrol_second_factor(platform, tenant, seal, &evaluator).await?;
    let options = guichet::server::ServerOptions {
        seal_key: seal.clone(),
        ..Default::default()
    };
    let real_server = start_real_server_with(platform, options).await?;
    let bare_server = serve_router(Router::new().route("/liste", get(bare_queue)).with_state(
        Bare {
            tenant: tenant.clone(),
            evaluator: evaluator.clone(),
        },
    ))
    .await?;
    let real_url = format!("http://{}/{slug}/agents/handicap", real_server.addr);
    let bare_url = format!("http://{}/liste", bare_server.addr);
    // The last row of the first page, and of a page near the end of the stage (read from a
    // file's position, as « Page suivante » does: 100 files before the last).
    let desk = Desk::open(tenant, &evaluator).context("desk")?;
    let last_row = |page: guichet::listing::Page<files::File, FiledKey>| {
        page.rows
            .last()
            .map(files::File::reference)
            .context("no filed file")
    };
    let last =
        last_row(completeness::queue_of(&desk, (Status::Filed, Team::Any), &PageAt::First).await?)?;
    let near_end = near_the_end(tenant).await?;
    let near_end_last = last_row(
        completeness::queue_of(
            &desk,
            (Status::Filed, Team::Any),
            &PageAt::After(near_end.clone()),
        )
        .await?,
    )?;
    let near_end_url = format!("{real_url}?apres={}", near_end.encode());
    // A code serves once: the clients share one session (a client's clones share its cookies).
    let session = signed_in_with_code(real_server.addr, (slug, &email, PASSWORD), &secret).await?;
    let size = size_label(files);
    let mut figures = Vec::new();
    let loads: &[usize] = if main {
        &[SATURATION_CLIENTS, 1]
    } else {
        &[SATURATION_CLIENTS]
    };
    for &clients in loads {
        println!("Evaluators' list, {size} files: {clients} client(s)…");
        let real = hammer(vec![session.clone(); clients], &real_url, &last).await?;
        let bare_clients = (0..clients)
            .map(|_| client(bare_server.addr))
            .collect::<Result<_, _>>()?;
        let bare = hammer(bare_clients, &bare_url, &last).await?;
        figures.push(Figure::info(
            format!("Evaluators' list, {size} files, {clients} client(s): req/s, p50"),
            format!(
                "{:.0} req/s, {} (bare {:.0} req/s, {})",
                real.per_sec,
                ms(real.p50),
                bare.per_sec,
                ms(bare.p50)
            ),
        ));
        if clients == SATURATION_CLIENTS {
            let ratio = real.per_sec / bare.per_sec;
            figures.push(Figure::checked(
                format!("Evaluators' list, {size} files / bare handler (16 clients)"),
                format!("{:.1} %", ratio * 100.0),
                format!(">= {:.0} %", TARGET_RATIO * 100.0),
                ratio >= TARGET_RATIO,
            ));
        }
        figures.push(Figure::checked(
            format!("Evaluators' list, {size} files, p95, {clients} client(s)"),
            ms(real.p95),
            format!("<= {}", ms(TARGET_QUEUE_P95)),
            real.p95 <= TARGET_QUEUE_P95,
        ));
    }
    println!("Evaluators' list near the end, {size} files: {SATURATION_CLIENTS} clients…");
    let deep = hammer(
        vec![session; SATURATION_CLIENTS],
        &near_end_url,
        &near_end_last,
    )
    .await?;
    figures.push(Figure::checked(
        format!(
            "Evaluators' list, {size} files, a page near the end, 16 clients: req/s, p50 / p95"
        ),
        format!(
            "{:.0} req/s, {} / {}",
            deep.per_sec,
            ms(deep.p50),
            ms(deep.p95)
        ),
        format!("p95 <= {}", ms(TARGET_QUEUE_P95)),
        deep.p95 <= TARGET_QUEUE_P95,
    ));
    real_server.stop().await?;
    bare_server.stop().await?;
    Ok(figures)
}

/// The position of the filed file 100 before the last of its stage.
async fn near_the_end(tenant: &Tenant) -> anyhow::Result<FiledKey> {
    use sea_orm::ColumnTrait as _;
    use sea_orm::{EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _};
    let txn = tenant.db().begin().await?;
    let row = disability_file::Entity::find()
        .filter(disability_file::Column::Status.eq(Status::Filed.id()))
        .order_by_desc(disability_file::Column::FiledAt)
        .order_by_desc(disability_file::Column::Id)
        .offset(100)
        .one(&txn)
        .await?
        .context("more than 100 filed files")?;
    txn.commit().await?;
    Ok(FiledKey(row.filed_at.context("filed")?, row.id))
}

async fn figures_page(platform: &Platform, tenant: &Tenant) -> anyhow::Result<Vec<Figure>> {
    staff_account(platform, tenant, (SUPERVISOR, PASSWORD), Role::Supervisor).await?;
    let server = start_real_server(platform).await?;
    let client = signed_in_client(server.addr, SLUG, SUPERVISOR, PASSWORD).await?;
    let url = format!("http://{}/{SLUG}/agents/modules/disability", server.addr);
    let load = hammer(vec![client], &url, "Droits accordés sans limitation").await?;
    server.stop().await?;
    Ok(vec![Figure::checked(
        "Supervisor's figures page p95 (1 client)",
        ms(load.p95),
        format!("<= {}", ms(TARGET_FIGURES_P95)),
        load.p95 <= TARGET_FIGURES_P95,
    )])
}

/// A draft of the department's, to attach pieces to.
async fn draft(tenant: &Tenant, citizen_id: i64) -> anyhow::Result<files::File> {
    let id = files::start(tenant, citizen_id, Kind::First, (FiledBy::Citizen, "Banc")).await?;
    files::find_for_citizen(tenant, citizen_id, id)
        .await?
        .context("the draft")
}

fn certificate(bytes: Vec<u8>) -> guichet::documents::Upload {
    guichet::documents::Upload {
        field: "fichier".into(),
        filename: "certificat.pdf".into(),
        declared_type: "application/pdf".into(),
        bytes,
    }
}

async fn medical(
    platform: &Platform,
    tenant: &Tenant,
    seal: &SealKey,
) -> anyhow::Result<Vec<Figure>> {
    let physician = staff_account(
        platform,
        tenant,
        ("medecin@cd-mdph.fr", PASSWORD),
        Role::DisabilityPhysician,
    )
    .await?;
    let file = draft(tenant, 9_000_001).await?;
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.resize(BIG_PIECE, b'x');
    let dated = Certificate {
        dated: Utc::now().date_naive(),
        rpps: "10000000000".into(),
    };
    let id = pieces::add(
        (platform, seal),
        tenant,
        (&file, FiledBy::Citizen),
        (PieceKind::Certificate, Some(dated)),
        &certificate(bytes),
        Utc::now(),
    )
    .await?
    .map_err(|refusal| anyhow::anyhow!("piece refused: {refusal:?}"))?;
    let piece = pieces::of_file(tenant, file.id())
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .context("the piece")?;
    let desk = Desk::open(tenant, &physician).context("desk")?;
    let medical = MedicalDesk::open(&desk).context("a physician's desk")?;
    let mut times = Vec::with_capacity(OPENINGS);
    for _ in 0..OPENINGS {
        let started = Instant::now();
        let opened = pieces::open_medical(&medical, (platform, seal), &piece).await?;
        times.push(started.elapsed());
        if opened.bytes.len() != BIG_PIECE {
            bail!("opened {} bytes", opened.bytes.len());
        }
    }
    times.sort_unstable();
    let p95 = percentile(&times, 0.95);
    Ok(vec![
        Figure::info(
            "Opening a 5 MB medical piece, p50",
            ms(percentile(&times, 0.5)),
        ),
        Figure::checked(
            "Opening a 5 MB medical piece (decryption, journal), p95",
            ms(p95),
            format!("<= {}", ms(TARGET_OPEN_P95)),
            p95 <= TARGET_OPEN_P95,
        ),
    ])
}

async fn export(
    bench: &BenchRun,
    platform: &Platform,
    tenant: &Tenant,
    seal: &SealKey,
) -> anyhow::Result<Vec<Figure>> {
    let started = Instant::now();
    for n in 0..SEALED_PIECES {
        // Ten certificates a draft, as ten successive ones would be.
        let file = if n % 10 == 0 {
            Some(draft(tenant, 8_000_000 + n as i64).await?)
        } else {
            None
        };
        let file = match file {
            Some(f) => f,
            None => continue_draft(tenant, 8_000_000 + (n - n % 10) as i64).await?,
        };
        let bytes = format!("%PDF-1.4\n% certificat {n}\n").into_bytes();
        pieces::add(
            (platform, seal),
            tenant,
            (&file, FiledBy::Citizen),
            (PieceKind::Medical, None),
            &certificate(bytes),
            Utc::now(),
        )
        .await?
        .map_err(|refusal| anyhow::anyhow!("piece refused: {refusal:?}"))?;
    }
    println!(
        "  sealed {SEALED_PIECES} medical pieces in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let out = bench.data_dir().join("export.tar");
    let started = Instant::now();
    guichet::transfer::export(platform, tenant, &out).await?;
    let took = started.elapsed();
    let size = std::fs::metadata(&out)?.len();
    Ok(vec![
        Figure::info(
            "Export size (the files above and 10,000 sealed pieces)",
            mb(size),
        ),
        Figure::checked(
            "Department export with 10,000 sealed pieces",
            format!("{:.1} s", took.as_secs_f64()),
            format!("<= {} s", TARGET_EXPORT.as_secs()),
            took <= TARGET_EXPORT,
        ),
    ])
}

/// The person's latest draft.
async fn continue_draft(tenant: &Tenant, citizen_id: i64) -> anyhow::Result<files::File> {
    files::of_citizen(tenant, citizen_id)
        .await?
        .into_iter()
        .next()
        .context("the draft")
}
