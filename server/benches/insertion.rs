//! Insertion benchmarks. Prints figures against the targets; asserts nothing about timings.
//!
//! A generated monthly file of a large department (150,000 applicants and partners, windows-1252,
//! households with children) is imported as an officer would: preview, confirmation, writes —
//! each pass the job's own code (`import::run`), in this process. Then the same file again:
//! preview and writes, which must write nothing. Figures: the file's size, each pass's wall
//! time, this process's peak memory (VmHWM: the generator, the reader, the matching index and
//! the store's pool together), people and rows written.
//!
//! `cargo bench -p guichet-server --bench insertion` runs on SQLite; with
//! `DATABASE_URL=postgres://…` on PostgreSQL. `INSERTION_BENCH_PEOPLE` sets the size (150000).
//! See `docs/BENCHMARKS.md`.

mod common;

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use chrono::NaiveDate;
use common::*;
use guichet::insertion::import::{self, ImportStatus, Received};
use guichet::insertion::{Desk, generator};
use guichet::staff::{self, Email, NewStaff, Role};
use tenants::{Platform, Tenant};

const TARGET_IMPORT: Duration = Duration::from_secs(300);
const TARGET_REIMPORT: Duration = Duration::from_secs(60);
const TARGET_RSS: u64 = 300_000_000;
const TARGET_INDICATORS_P95: Duration = Duration::from_millis(200);
const TARGET_LIST_PREVIEW: Duration = Duration::from_secs(5);
const LIST_ROWS: usize = 5_000;
const SUPERVISOR: &str = "chef@cd-rsa.fr";
const PASSWORD: &str = "mot-de-passe-du-banc";

fn main() -> std::process::ExitCode {
    common::bench_main("Guichet insertion benchmarks", run_all)
}

async fn run_all(bench: &BenchRun) -> anyhow::Result<Vec<Figure>> {
    let people: u64 = std::env::var("INSERTION_BENCH_PEOPLE")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(150_000);
    let platform = open_platform(bench.data_dir(), bench.pg_url()).await?;
    let tenant = create_tenant(&platform, "cd-rsa").await?;
    let officer = staff::create_account(
        &platform,
        &tenant,
        NewStaff {
            email: Email::parse("orientation@cd-rsa.fr")?,
            display_name: "Officier d'orientation".into(),
            roles: vec![Role::InsertionOrientation],
            first_password: staff::FirstPassword::Known(PASSWORD.into()),
        },
        staff::Author::Operator("mesure de performance"),
    )
    .await?
    .account;
    let desk = Desk::open(&tenant, &officer).context("the officer's desk")?;

    let path = bench.data_dir().join("flux.xml");
    let started = Instant::now();
    let (households, generated) = write_file(&path, people)?;
    let size = std::fs::metadata(&path)?.len();
    println!(
        "  generated {households} households, {generated} applicants and partners, {} in {:.1} s",
        mb(size),
        started.elapsed().as_secs_f64()
    );
    let baseline = proc_status_bytes(std::process::id(), "VmRSS:")?;

    let first = import_file(&platform, &tenant, &desk, &path, size).await?;
    let written = first.outcome.created;
    if written != generated {
        bail!("{written} people created, {generated} in the file");
    }
    let again = import_file(&platform, &tenant, &desk, &path, size).await?;
    if again.outcome.created + again.outcome.updated != 0 {
        bail!("the same file wrote again: {:?}", again.outcome);
    }
    let peak = proc_status_bytes(std::process::id(), "VmHWM:")?;
    let list = list_preview(&platform, &tenant, &desk).await?;
    let indicators = indicators_page(&platform, &tenant).await?;
    platform.db().clone().close().await?;

    let total = first.preview + first.apply;
    let retotal = again.preview + again.apply;
    Ok(vec![
        Figure::info(
            "People in the file (applicants, partners)",
            generated.to_string(),
        ),
        Figure::info("File size", mb(size)),
        Figure::info("Preview (read whole, match)", secs(first.preview)),
        Figure::info("Writes after confirmation", secs(first.apply)),
        Figure::checked(
            "First import, preview + writes",
            secs(total),
            format!("<= {}", secs(TARGET_IMPORT)),
            total <= TARGET_IMPORT,
        ),
        Figure::checked(
            "Same file again, preview + writes (0 written)",
            secs(retotal),
            format!("<= {}", secs(TARGET_REIMPORT)),
            retotal <= TARGET_REIMPORT,
        ),
        Figure::info("RSS before the imports", mb(baseline)),
        Figure::checked(
            "Preview of a 5,000-row CSV list (windows-1252, matched against the department)",
            secs(list),
            format!("<= {}", secs(TARGET_LIST_PREVIEW)),
            list <= TARGET_LIST_PREVIEW,
        ),
        Figure::checked(
            "Indicators page, p95 (1 client, 3 in 5 people oriented)",
            ms(indicators.p95),
            format!("<= {}", ms(TARGET_INDICATORS_P95)),
            indicators.p95 <= TARGET_INDICATORS_P95,
        ),
        Figure::info("Indicators page, p50", ms(indicators.p50)),
        Figure::checked(
            "Peak RSS of the process (VmHWM)",
            mb(peak),
            format!("<= {}", mb(TARGET_RSS)),
            peak <= TARGET_RSS,
        ),
    ])
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Writes a monthly file of about `people` applicants and partners; returns its households
/// and people.
fn write_file(path: &std::path::Path, people: u64) -> anyhow::Result<(u64, u64)> {
    // 1.35 adults a household on average: enough households, then counted exactly.
    let households = (people as f64 / 1.35) as usize;
    let mut counted = 0u64;
    let out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let created = NaiveDate::from_ymd_opt(2026, 11, 6).context("date")?;
    let reference = NaiveDate::from_ymd_opt(2026, 10, 31).context("date")?;
    let all = generator::households(households, "030", 2026).inspect(|h| {
        counted += h.people.iter().filter(|p| p.role.is_beneficiary()).count() as u64;
    });
    let written = generator::write(out, created, reference, all)?;
    Ok((written, counted))
}

struct Passes {
    preview: Duration,
    apply: Duration,
    outcome: guichet::insertion::people::Written,
}

/// Sends the file as the page would, then runs its preview and, confirmed, its writes.
async fn import_file(
    platform: &Platform,
    tenant: &Tenant,
    desk: &Desk<'_>,
    path: &std::path::Path,
    size: u64,
) -> anyhow::Result<Passes> {
    let copy = import::receiving_path(platform, tenant.slug());
    std::fs::create_dir_all(copy.parent().context("folder")?)?;
    std::fs::copy(path, &copy)?;
    let received = Received {
        path: copy,
        name: "flux.xml".into(),
        size,
        hash: "banc".into(),
        mapping: None,
    };
    let id = import::create(platform, desk, received).await?;
    let started = Instant::now();
    import::run(platform, tenant, id).await?;
    let preview = started.elapsed();
    let shown = import::find(tenant, id).await?.context("the import")?;
    if shown.status != ImportStatus::Previewed {
        bail!("preview ended {:?}: {:?}", shown.status, shown.error);
    }
    if let Err(refusal) = import::confirm(desk, id).await? {
        bail!("not confirmed: {refusal}");
    }
    let started = Instant::now();
    import::run(platform, tenant, id).await?;
    let apply = started.elapsed();
    let done = import::find(tenant, id).await?.context("the import")?;
    if done.status != ImportStatus::Applied {
        bail!("writes ended {:?}: {:?}", done.status, done.error);
    }
    println!(
        "  import n° {id}: preview {}, writes {}",
        secs(preview),
        secs(apply)
    );
    Ok(Passes {
        preview,
        apply,
        outcome: done.outcome.unwrap_or_default(),
    })
}

/// Writes a CSV list of `LIST_ROWS` applicants and partners (half of them already known to
/// the department, as a list kept beside the funds' files would be), then times its preview,
/// read with a saved mapping; the import is given up after.
async fn list_preview(
    platform: &Platform,
    tenant: &Tenant,
    desk: &Desk<'_>,
) -> anyhow::Result<Duration> {
    use guichet::insertion::lists::{self, Field, Mapping};
    let headings = ["Matricule", "Nom", "Prénom", "Naissance", "NIR", "Rôle"];
    let mut text = format!("{}\r\n", headings.join(";"));
    let mut rows = 0;
    // The generator's first households are in the department already (same seed as the file).
    for household in generator::households(LIST_ROWS, "030", 2026)
        .take(LIST_ROWS / 2)
        .chain(generator::households(LIST_ROWS, "030", 7).take(LIST_ROWS / 2))
    {
        for person in household.people.iter().filter(|p| p.role.is_beneficiary()) {
            if rows == LIST_ROWS {
                break;
            }
            text.push_str(&format!(
                "{};{};{};{};{};{}\r\n",
                household.matricule,
                person.family_name,
                person.given_name,
                person
                    .birth_date
                    .map(|d| d.format("%d/%m/%Y").to_string())
                    .unwrap_or_default(),
                person.nir.clone().unwrap_or_default(),
                person.role.code(),
            ));
            rows += 1;
        }
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let path = import::receiving_path(platform, tenant.slug());
    std::fs::write(&path, &bytes)?;
    let mapping = Mapping::parse("Liste du banc", "CAF", |field| {
        match field {
            Field::Matricule => "Matricule",
            Field::FamilyName => "Nom",
            Field::GivenName => "Prénom",
            Field::BirthDate => "Naissance",
            Field::Nir => "NIR",
            Field::Role => "Rôle",
            _ => "",
        }
        .to_owned()
    })
    .map_err(|e| anyhow::anyhow!("{:?}", e.messages()))?;
    let mapping = lists::save(desk, &mapping).await?;
    let received = Received {
        path,
        name: "liste.csv".into(),
        size: bytes.len() as u64,
        hash: "banc-liste".into(),
        mapping: Some(mapping.id),
    };
    let id = import::create(platform, desk, received).await?;
    let started = Instant::now();
    import::run(platform, tenant, id).await?;
    let took = started.elapsed();
    let shown = import::find(tenant, id).await?.context("the import")?;
    let Some(preview) = shown
        .preview
        .filter(|_| shown.status == ImportStatus::Previewed)
    else {
        bail!("list preview ended {:?}: {:?}", shown.status, shown.error);
    };
    println!(
        "  list n° {id}: {rows} rows, {} to create, {} unchanged or updated, {} in conflict, {} refused, preview {}",
        preview.to_create,
        preview.unchanged + preview.to_update,
        preview.conflicts,
        preview.refused,
        secs(took)
    );
    import::cancel(platform, desk, id).await?;
    Ok(took)
}

/// The supervisor's page of figures, served by the real server, once 3 in 5 people have an
/// orientation (written straight into the store: the decisions' own cost is not measured here).
async fn indicators_page(platform: &Platform, tenant: &Tenant) -> anyhow::Result<Load> {
    use sea_orm::ConnectionTrait as _;
    staff::create_account(
        platform,
        tenant,
        NewStaff {
            email: Email::parse(SUPERVISOR)?,
            display_name: "Chef de service".into(),
            roles: vec![Role::Supervisor],
            first_password: staff::FirstPassword::Known(PASSWORD.into()),
        },
        staff::Author::Operator("mesure de performance"),
    )
    .await?;
    let txn = tenant.db().begin_write().await?;
    txn.execute_unprepared(
        "INSERT INTO insertion_orientations (person_id, citizen_id, track, body, status, \
         starts_on, created_at) SELECT id, citizen_id, CASE id % 3 WHEN 0 THEN 'professional' \
         WHEN 1 THEN 'social' ELSE 'socio_professional' END, 'Organisme', 'decided', \
         entered_on, created_at FROM insertion_people WHERE id % 5 < 3",
    )
    .await?;
    txn.execute_unprepared(
        "UPDATE insertion_people SET orientation_days = id % 60 WHERE id % 5 < 3",
    )
    .await?;
    txn.commit().await?;
    let server = start_real_server(platform).await?;
    let client = signed_in_client(server.addr, "cd-rsa", SUPERVISOR, PASSWORD).await?;
    let url = format!("http://{}/cd-rsa/agents/modules/insertion", server.addr);
    let load = hammer(vec![client], &url, "Personnes suivies sans référent").await?;
    server.stop().await?;
    Ok(load)
}
