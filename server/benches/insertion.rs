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
//! Then the orientation officer's lists (second factor included) at 16 clients, in departments
//! of 15,000, 150,000 and 1,000,000 people (`INSERTION_BENCH_LIST_SIZES`, comma-separated).
//! See `docs/BENCHMARKS.md`.

mod common;

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use chrono::NaiveDate;
use common::*;
use guichet::insertion::import::{self, ImportStatus, Received};
use guichet::insertion::{Desk, clock, generator, referents};
use guichet::listing::PageAt;
use guichet::staff::Role;
use tenants::{Platform, Tenant};

const TARGET_IMPORT: Duration = Duration::from_secs(300);
const TARGET_REIMPORT: Duration = Duration::from_secs(60);
const TARGET_RSS: u64 = 300_000_000;
const TARGET_INDICATORS_P95: Duration = Duration::from_millis(200);
const TARGET_LIST_PREVIEW: Duration = Duration::from_secs(5);
const LIST_ROWS: usize = 5_000;
/// The officer's lists at 16 clients, as the instructors' queue (issue 22).
const TARGET_LIST_P95: Duration = Duration::from_millis(25);
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
    let officer = staff_account(
        &platform,
        &tenant,
        ("orientation@cd-rsa.fr", PASSWORD),
        Role::InsertionOrientation,
    )
    .await?;
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
    let mut lists = Vec::new();
    for size in bench_sizes(
        "INSERTION_BENCH_LIST_SIZES",
        &[15_000, people as usize, 1_000_000],
    )? {
        lists.extend(officer_lists(&platform, size).await?);
    }
    platform.db().clone().close().await?;

    let total = first.preview + first.apply;
    let retotal = again.preview + again.apply;
    Ok([
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
    ]
    .into_iter()
    .chain(lists)
    .collect())
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
    staff_account(platform, tenant, (SUPERVISOR, PASSWORD), Role::Supervisor).await?;
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

/// The orientation officer's two lists (the people to orient, those without referent) in a
/// department of `size` people, served by the real server to the officer signed in with their
/// second factor, 16 clients: the first page, and a page near the end of the people to orient.
/// The people are written straight into the store (the import's own cost is measured above):
/// two in five to orient, one in five oriented without referent, entries over two years.
async fn officer_lists(platform: &Platform, size: usize) -> anyhow::Result<Vec<Figure>> {
    let label = size_label(size);
    let slug = format!("cd-rsa-{}", label.to_lowercase());
    let tenant = create_tenant(platform, &slug).await?;
    let started = Instant::now();
    seed_people(&tenant, size).await?;
    vacuum(platform, &tenant).await?;
    println!(
        "  {slug}: {size} people written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let email = format!("orientation@{slug}.fr");
    let officer = staff_account(
        platform,
        &tenant,
        (&email, PASSWORD),
        Role::InsertionOrientation,
    )
    .await?;
    let seal = bench_seal()?;
    let secret = enrol_second_factor(platform, &tenant, &seal, &officer).await?;
    let desk = Desk::open(&tenant, &officer).context("the officer's desk")?;
    let last_name = |page: &guichet::insertion::clock::PeoplePage| {
        page.0
            .rows
            .last()
            .map(|p| p.family_name.clone())
            .context("an empty list")
    };
    let first = clock::people_to_orient(&desk, &[], &PageAt::First).await?;
    let near_end = near_the_end(&tenant).await?;
    let deep = clock::people_to_orient(&desk, &[], &PageAt::After(near_end.clone())).await?;
    let without = referents::people_without(&desk, &PageAt::First).await?;
    let options = guichet::server::ServerOptions {
        seal_key: seal.clone(),
        ..Default::default()
    };
    let server = start_real_server_with(platform, options).await?;
    let session = signed_in_with_code(server.addr, (&slug, &email, PASSWORD), &secret).await?;
    let base = format!("http://{}/{slug}/agents/insertion", server.addr);
    let pages = [
        (
            "people to orient, first page",
            base.clone(),
            last_name(&first)?,
        ),
        (
            "people to orient, a page near the end",
            format!("{base}?apres={}", near_end.encode()),
            last_name(&deep)?,
        ),
        (
            "people without referent, first page",
            format!("{base}/sans-referent"),
            last_name(&without)?,
        ),
    ];
    let mut figures = Vec::new();
    for (name, url, marker) in pages {
        println!("Officer's list, {label} people, {name}: 16 clients…");
        let load = hammer(vec![session.clone(); 16], &url, &marker).await?;
        figures.push(Figure::checked(
            format!("Officer's list, {label} people, {name}: req/s, p50 / p95"),
            format!(
                "{:.0} req/s, {} / {}",
                load.per_sec,
                ms(load.p50),
                ms(load.p95)
            ),
            format!("p95 <= {}", ms(TARGET_LIST_P95)),
            load.p95 <= TARGET_LIST_P95,
        ));
    }
    server.stop().await?;
    Ok(figures)
}

/// Writes `size` people followed for the RSA and their citizens, in batches.
async fn seed_people(tenant: &Tenant, size: usize) -> anyhow::Result<()> {
    use guichet::entity::insertion_person;
    use guichet::insertion::flux::RightState;
    use sea_orm::{EntityTrait as _, Set};
    seed_citizens(tenant, size).await?;
    let now = chrono::Utc::now();
    let first_day = now.date_naive() - chrono::Duration::days(730);
    for chunk in (0..size).collect::<Vec<_>>().chunks(1000) {
        let rows = chunk.iter().map(|&n| {
            let id = n as i64 + 1;
            let oriented = n % 5 >= 2;
            insertion_person::ActiveModel {
                id: Set(id),
                citizen_id: Set(id),
                nir: Set(None),
                fund: Set("CAF".into()),
                matricule: Set(format!("{:07}", n / 2)),
                role: Set(if n % 2 == 0 { "DEM" } else { "CJT" }.into()),
                internal_id: Set(None),
                family_name: Set(format!("NOM{n:07}")),
                given_name: Set("Camille".into()),
                birth_date: Set(None),
                sex: Set("2".into()),
                right_state: Set(RightState::Open),
                rights_and_duties: Set(true),
                homeless: Set(false),
                postcode: Set(Some("30000".into())),
                commune: Set(Some("Nîmes".into())),
                france_travail_id: Set(None),
                household_hash: Set(format!("{:064x}", n / 2)),
                household: Set(None),
                // About 70 people a day enter at 100,000 a year: many share a day.
                entered_on: Set(first_day + chrono::Duration::days((n * 7919 % 730) as i64)),
                left_on: Set(None),
                last_import_id: Set(1),
                orientation_days: Set(oriented.then_some(30)),
                referent_id: Set((oriented && n % 5 != 2).then_some(1)),
                oriented_on: Set(None),
                contract_in_time: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
        });
        let txn = tenant.db().begin_write().await?;
        insertion_person::Entity::insert_many(rows)
            .exec(&txn)
            .await?;
        txn.commit().await?;
    }
    Ok(())
}

/// The position of the person 100 before the last of the people to orient.
async fn near_the_end(tenant: &Tenant) -> anyhow::Result<clock::Entered> {
    use guichet::entity::insertion_person::{Column, Entity};
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    use sea_orm::{QueryOrder as _, QuerySelect as _};
    let txn = tenant.db().begin().await?;
    let row = Entity::find()
        .filter(Column::OrientationDays.is_null())
        .order_by_desc(Column::EnteredOn)
        .order_by_desc(Column::Id)
        .offset(100)
        .one(&txn)
        .await?
        .context("more than 100 people to orient")?;
    txn.commit().await?;
    Ok(clock::Entered(row.entered_on, row.id))
}
