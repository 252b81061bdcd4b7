//! Retention (issue 22): one department holding decided aid requests whose last change is
//! spread over five years (with their decision and an event each) and drafts spread over two;
//! then the nightly pass three ways: counting only (the dry run every department sees first),
//! removing with every category switched on, and again once nothing is due. Then another
//! department's journal, every entry past its term: the time and the memory its head's cut
//! takes.
//!
//! `cargo bench -p guichet-server --bench retention` (SQLite; `DATABASE_URL=…` for
//! PostgreSQL); `RETENTION_BENCH_REQUESTS` sets the size (100,000 by default),
//! `RETENTION_BENCH_JOURNAL` the journal's entries (1,000,000 by default).

mod common;

use std::time::Instant;

use anyhow::Context as _;
use chrono::{Duration, Utc};
use common::*;
use guichet::aid_requests::filing::Status;
use guichet::audit::{self, AuditEvent};
use guichet::entity::{aid_request, decision, request_event, retention_setting};
use guichet::journal_anchor::JournalAnchor;
use guichet::retention::{self, Mode, Outcome};
use guichet::staff::second_factor::SealKey;
use sea_orm::{EntityTrait, Set};
use tenants::Tenant;

const PER_CITIZEN: usize = 4;

fn main() -> std::process::ExitCode {
    common::bench_main("Guichet retention benchmark", run)
}

async fn run(bench: &BenchRun) -> anyhow::Result<Vec<Figure>> {
    let requests: usize = std::env::var("RETENTION_BENCH_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let platform = open_platform(bench.data_dir(), bench.pg_url()).await?;
    // Signs the journal's cut, its category switched on with the others.
    let anchor = JournalAnchor::new(&platform, &SealKey::random());
    let tenant = create_tenant(&platform, "cd-retention").await?;
    let signed = (&platform, &anchor);
    let started = Instant::now();
    seed(&tenant, requests).await?;
    println!(
        "Seeded {requests} decided requests and {} drafts in {:.1} s",
        requests / 4,
        started.elapsed().as_secs_f64()
    );
    let mut figures = vec![Figure::info("Decided requests", requests.to_string())];

    let (outcomes, took) = timed_pass(signed, &tenant, Mode::CountOnly).await?;
    let due = |o: &[Outcome], c: &str| o.iter().find(|o| o.category == c).map_or(0, |o| o.due);
    figures.push(Figure::info(
        "Dry run (count only)",
        format!(
            "{} ({} decided and {} drafts past their term)",
            ms(took),
            due(&outcomes, "aides.decidees"),
            due(&outcomes, "aides.brouillons")
        ),
    ));

    switch_everything_on(&tenant).await?;
    let (outcomes, took) = timed_pass(signed, &tenant, Mode::AsSet).await?;
    let removed: u64 = outcomes.iter().filter(|o| o.applied).map(|o| o.due).sum();
    figures.push(Figure::info(
        "Pass removing (every category on)",
        format!(
            "{} for {removed} removed with their children and journal entries ({:.0}/s)",
            ms(took),
            removed as f64 / took.as_secs_f64()
        ),
    ));
    let (outcomes, took) = timed_pass(signed, &tenant, Mode::AsSet).await?;
    let left: u64 = outcomes.iter().map(|o| o.due).sum();
    figures.push(Figure::info(
        "Next pass, nothing due",
        format!("{} ({left} due)", ms(took)),
    ));
    figures.push(journal_cut(signed).await?);
    platform.db().clone().close().await?;
    Ok(figures)
}

/// A department whose journal holds `RETENTION_BENCH_JOURNAL` entries, cut thirteen months
/// on (every entry past the default twelve): the pass's time and the memory it took beyond
/// what the process held before.
async fn journal_cut(
    (platform, anchor): (&tenants::Platform, &JournalAnchor),
) -> anyhow::Result<Figure> {
    let entries: usize = std::env::var("RETENTION_BENCH_JOURNAL")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let tenant = create_tenant(platform, "cd-journal").await?;
    let started = Instant::now();
    for start in (0..entries).step_by(10_000) {
        let events: Vec<AuditEvent> = (start..entries.min(start + 10_000))
            .map(|i| AuditEvent {
                actor_id: None,
                actor_email: "agent@cd-journal.fr".into(),
                actor_role: "instructeur".into(),
                action: "consultation du dossier".into(),
                subject: format!("Dossier {i}"),
                reason: String::new(),
                citizen_id: None,
                module: String::new(),
            })
            .collect();
        let txn = tenant.db().begin_write().await?;
        audit::append_in(&txn, &events).await?;
        txn.commit().await?;
    }
    println!(
        "Seeded a journal of {entries} entries in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    switch_everything_on(&tenant).await?;
    // The high-water mark from here: the seeding's batches are not the pass's.
    std::fs::write("/proc/self/clear_refs", "5")?;
    let before = proc_status_bytes(std::process::id(), "VmRSS:")?;
    let later = Utc::now()
        .checked_add_months(chrono::Months::new(13))
        .context("thirteen months on")?;
    let started = Instant::now();
    let outcomes = retention::pass(platform, Some(anchor), &tenant, later, Mode::AsSet).await?;
    let took = started.elapsed();
    let peak = proc_status_bytes(std::process::id(), "VmHWM:")?;
    let cut = outcomes
        .iter()
        .find(|o| o.category == retention::journal::CATEGORY.id)
        .map_or(0, |o| o.due);
    Ok(Figure::info(
        "Journal head cut, every entry past its term",
        format!(
            "{cut} of {entries} entries in {} ({:.0}/s), {:.1} MB more memory at the peak",
            ms(took),
            cut as f64 / took.as_secs_f64(),
            peak.saturating_sub(before) as f64 / 1e6
        ),
    ))
}

async fn timed_pass(
    (platform, anchor): (&tenants::Platform, &JournalAnchor),
    tenant: &Tenant,
    mode: Mode,
) -> anyhow::Result<(Vec<Outcome>, std::time::Duration)> {
    let started = Instant::now();
    let outcomes = retention::pass(platform, Some(anchor), tenant, Utc::now(), mode).await?;
    Ok((outcomes, started.elapsed()))
}

/// Every category removed at its default duration, as an administrator would set it.
async fn switch_everything_on(tenant: &Tenant) -> anyhow::Result<()> {
    let txn = tenant.db().begin_write().await?;
    let rows = retention::categories().map(|c| retention_setting::ActiveModel {
        category: Set(c.id.to_owned()),
        months: Set(c.months.default as i32),
        applied: Set(true),
        changed_by: Set(None),
        changed_at: Set(Utc::now()),
    });
    retention_setting::Entity::insert_many(rows)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// `requests` decided requests last changed between now and five years ago, each with its
/// decision and one event; a quarter as many drafts, last changed over two years.
async fn seed(tenant: &Tenant, requests: usize) -> anyhow::Result<()> {
    let now = Utc::now();
    let drafts = requests / 4;
    seed_citizens(tenant, (requests + drafts).div_ceil(PER_CITIZEN)).await?;
    let aid = guichet::aid_requests::catalogue::AidInput {
        title: "Aide au paiement du loyer".to_owned(),
        description: "Une aide du département.".to_owned(),
        eligibility: "Les locataires.".to_owned(),
        documents: String::new(),
        deadline_days: "60".to_owned(),
        silence: "refusal".to_owned(),
        open: true,
        category: "logement".to_owned(),
    }
    .validate()
    .map_err(|e| anyhow::anyhow!("aid: {e:?}"))?;
    let aid_id = guichet::aid_requests::catalogue::create(
        tenant,
        aid,
        guichet::staff::Author::Operator("mesure de performance"),
    )
    .await?
    .id;
    let total = requests + drafts;
    for chunk in (0..total).collect::<Vec<_>>().chunks(1000) {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut decisions = Vec::new();
        let mut events = Vec::new();
        for &i in chunk {
            let id = i as i64 + 1;
            let draft = i >= requests;
            let span_days = if draft { 2 * 365 } else { 5 * 365 };
            let changed = now - Duration::days((i * 7919 % span_days) as i64);
            rows.push(aid_request::ActiveModel {
                id: Set(id),
                reference: Set((!draft).then(|| format!("CD-RET-{id:07}"))),
                citizen_id: Set((i / PER_CITIZEN) as i64 + 1),
                aid_id: Set(aid_id),
                form_version: Set(1),
                status: Set(if draft {
                    Status::Draft
                } else {
                    Status::Refused
                }),
                answers: Set("{}".to_owned()),
                submitted_at: Set((!draft).then_some(changed)),
                due_on: Set(None),
                paused_since: Set(None),
                paused_days: Set(0),
                assignee_id: Set(None),
                version: Set(1),
                created_at: Set(changed),
                updated_at: Set(changed),
                mandate_id: Set(None),
                citizen_replied_at: Set(None),
            });
            events.push(request_event::ActiveModel {
                request_id: Set(id),
                at: Set(changed),
                kind: Set("created".into()),
                actor: Set("citizen".into()),
                detail: Set(String::new()),
                ..Default::default()
            });
            if !draft {
                decisions.push(decision::ActiveModel {
                    request_id: Set(id),
                    outcome: Set("refused".into()),
                    amount_cents: Set(None),
                    reasons: Set("[]".into()),
                    comment: Set(String::new()),
                    decided_by: Set(None),
                    decided_at: Set(changed),
                    letter_file: Set(None),
                    ..Default::default()
                });
            }
        }
        insert_requests(tenant, rows, decisions).await?;
        let txn = tenant.db().begin_write().await?;
        request_event::Entity::insert_many(events)
            .exec(&txn)
            .await?;
        txn.commit().await?;
    }
    Ok(())
}
