//! The instructors' CSV export: made by a job with progress on its page, filtered like the
//! queue, safe for spreadsheets, only for whoever asked, journaled, taken over when its job
//! died, deleted after a day.

use std::time::{Duration, Instant};

use guichet::aid_requests::Desk;
use guichet::aid_requests::export::{self, ExportStatus};
use guichet::aid_requests::queue::QueueFilter;
use guichet::entity::{citizen, request_export};
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tenants::{Module, Tenant};

use crate::fixtures::{filed, rent_aid};
use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    an_instructor_exports_the_filtered_queue,
    an_export_is_only_for_whoever_asked,
    a_lost_or_dead_export_job_is_taken_over,
    finished_exports_are_deleted_after_a_day
);

/// Starts an export from the queue page (with its filter) and returns the export's page path.
async fn start_export(inst: &mut Visitor, query: &str, filter: &[(&str, &str)]) -> String {
    let queue = inst.get(&format!("/gard/agents/demandes{query}")).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    assert!(queue.body.contains("Exporter ces"), "{}", queue.body);
    let csrf = queue.csrf();
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(filter);
    let started = inst.post("/gard/agents/demandes/export", &form).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    started.location.expect("redirected to the export's page")
}

/// Follows the export's page until it offers the file; returns the download path.
async fn wait_for_file(inst: &mut Visitor, page: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let progress = inst.get(page).await;
        assert_eq!(progress.status, StatusCode::OK, "{}", progress.body);
        assert!(progress.body.contains("Avancement de l'export"));
        if progress.body.contains("Télécharger le fichier CSV") {
            assert!(progress.body.contains("État : Terminé"));
            return format!("{page}/fichier");
        }
        assert!(
            progress.body.contains("Actualiser l'avancement"),
            "an unfinished export offers to refresh: {}",
            progress.body
        );
        assert!(
            Instant::now() < deadline,
            "export not done: {}",
            progress.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn an_instructor_exports_the_filtered_queue(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let instructor = app
        .account_named(&tenant, ("inst@gard.fr", "Inès"), Role::AidInstructor)
        .await;
    let (me, desk) = (instructor.id, Desk::open(&tenant, &instructor).unwrap());
    let aid = rent_aid(&tenant).await;
    let mut refs = Vec::new();
    for n in 0..3 {
        refs.push(filed(&tenant, &aid, n).await);
    }
    // A name a spreadsheet would run as a formula.
    let txn = tenant.db().begin().await.unwrap();
    citizen::Entity::update_many()
        .col_expr(citizen::Column::FamilyName, Expr::value("=1+1"))
        .filter(citizen::Column::Id.eq(refs[2].2.id))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let version = guichet::aid_requests::queue::find_filed(&desk, refs[1].0)
        .await
        .unwrap()
        .unwrap()
        .version;
    guichet::aid_requests::queue::assign(&desk, refs[1].0, version, Some((me, "Inès")))
        .await
        .unwrap();

    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    // The queue's filter travels with the export: only the request assigned to me.
    let page = start_export(&mut inst, "?agent=moi", &[("agent", "moi")]).await;
    let file = wait_for_file(&mut inst, &page).await;
    let done = inst.get(&page).await;
    assert!(
        done.body.contains("1 demandes écrites sur 1 (100 %)"),
        "{}",
        done.body
    );
    let csv = inst.get(&file).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"demandes-gard-")
    );
    assert!(
        csv.body.starts_with('\u{feff}'),
        "a BOM, so Excel reads UTF-8"
    );
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(lines[0].starts_with("Référence;Aide;Nom;Prénoms;"));
    assert!(lines[1].starts_with(&format!("{};Aide au loyer;PERSONNE1;", refs[1].1)));
    assert!(lines[1].contains(";À instruire;Inès;"), "{}", lines[1]);

    // Without a filter: every filed request, in filing order, the formula defused.
    let page = start_export(&mut inst, "", &[]).await;
    let file = wait_for_file(&mut inst, &page).await;
    let csv = inst.get(&file).await;
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 4, "{}", csv.body);
    for (line, (_, reference, _)) in lines[1..].iter().zip(&refs) {
        assert!(line.starts_with(reference.as_str()), "{line}");
    }
    assert!(lines[3].contains(";'=1+1;"), "{}", lines[3]);
    assert!(!csv.body.contains(";=1+1;"));

    // Each download shows in the journal of each citizen whose request it holds, once: the
    // filtered file held PERSONNE1's only, the full one all three.
    let downloads = |entries: Vec<guichet::audit::FileAccess>| {
        entries
            .iter()
            .filter(|e| e.action == "téléchargement de vos demandes dans un export (fichier CSV)")
            .count()
    };
    for (n, (_, _, person)) in refs.iter().enumerate() {
        let journal = guichet::audit::for_citizen(&tenant, person.id, 100)
            .await
            .unwrap();
        assert_eq!(
            downloads(journal),
            if n == 1 { 2 } else { 1 },
            "citizen {n}"
        );
    }
    assert!(matches!(
        guichet::audit::verify(&tenant).await.unwrap(),
        guichet::audit::Verification::Intact { .. }
    ));

    let journal = guichet::audit::recent(&tenant, 20).await.unwrap();
    let actions: Vec<_> = journal.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "export CSV des demandes d'aide")
            .count(),
        2
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "téléchargement d'un export CSV des demandes d'aide")
            .count(),
        2
    );
    app.stop().await;
}

async fn an_export_is_only_for_whoever_asked(backend: Backend) {
    let app = TestApp::start(backend).await;
    let crate::fixtures::TwoDepartments {
        gard,
        filed: (_, reference, _),
        ..
    } = crate::fixtures::gard_and_herault(
        &app,
        &[
            ("inst@gard.fr", "Inès", &[Role::AidInstructor]),
            ("autre@gard.fr", "Autre", &[Role::AidInstructor]),
            ("chef@gard.fr", "Chef", &[Role::Supervisor]),
        ],
    )
    .await;

    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let page = start_export(&mut inst, "", &[]).await;
    let file = wait_for_file(&mut inst, &page).await;

    // A colleague: not found, whether the page or the file.
    let mut colleague = Visitor::signed_in(&app, "/gard", "autre@gard.fr").await;
    for path in [&page, &file] {
        let seen = colleague.get(path).await;
        assert_eq!(seen.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!seen.body.contains(&reference));
    }
    // Supervisors see figures, not contents: no export for them.
    let mut chief = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let queue = chief.get("/gard/agents/demandes").await;
    assert!(!queue.body.contains("Exporter ces"));
    let csrf = queue.csrf();
    let refused = chief
        .post("/gard/agents/demandes/export", &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(chief.get(&file).await.status, StatusCode::FORBIDDEN);
    // Another department's instructor, on this department's address or their own.
    let mut foreign = Visitor::signed_in(&app, "/herault", "inst@herault.fr").await;
    let seen = foreign.get(&file).await;
    assert_eq!(seen.status, StatusCode::FORBIDDEN);
    assert!(!seen.body.contains(&reference));
    let own_address = file.replace("/gard/", "/herault/");
    assert_eq!(
        foreign.get(&own_address).await.status,
        StatusCode::NOT_FOUND
    );
    // Without the form token, nothing is started.
    let before = export_count(&gard).await;
    let forged = inst.post("/gard/agents/demandes/export", &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(export_count(&gard).await, before);
    app.stop().await;
}

async fn export_count(tenant: &Tenant) -> usize {
    let txn = tenant.db().begin().await.unwrap();
    let n = request_export::Entity::find()
        .all(&txn)
        .await
        .unwrap()
        .len();
    txn.commit().await.unwrap();
    n
}

async fn a_lost_or_dead_export_job_is_taken_over(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let instructor = app
        .account_named(&tenant, ("inst@gard.fr", "Inès"), Role::AidInstructor)
        .await;
    let desk = Desk::open(&tenant, &instructor).unwrap();
    let aid = rent_aid(&tenant).await;
    for n in 0..2 {
        filed(&tenant, &aid, n).await;
    }
    // An export whose job was never enqueued (a crash right after the row was written), and
    // one whose job died while running.
    let lost = export::create(&desk, &QueueFilter::default(), "file entière")
        .await
        .unwrap();
    let dead = export::create(&desk, &QueueFilter::default(), "file entière")
        .await
        .unwrap();
    let long_ago = chrono::Utc::now() - chrono::Duration::minutes(5);
    let txn = tenant.db().begin().await.unwrap();
    request_export::Entity::update_many()
        .col_expr(request_export::Column::CreatedAt, Expr::value(long_ago))
        .filter(request_export::Column::Id.eq(lost))
        .exec(&txn)
        .await
        .unwrap();
    request_export::Entity::update_many()
        .col_expr(request_export::Column::Status, Expr::value("running"))
        .col_expr(request_export::Column::Written, Expr::value(1))
        .col_expr(request_export::Column::UpdatedAt, Expr::value(long_ago))
        .filter(request_export::Column::Id.eq(dead))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();

    // Opening their pages starts them again.
    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    for id in [lost, dead] {
        let file = wait_for_file(&mut inst, &format!("/gard/agents/demandes/export/{id}")).await;
        let csv = inst.get(&file).await;
        assert_eq!(csv.body.lines().count(), 3, "{}", csv.body);
    }

    // Two runs of the same job at once: one makes the file, the other does nothing.
    let twice = export::create(&desk, &QueueFilter::default(), "file entière")
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        export::run(&app.platform, &tenant, twice),
        export::run(&app.platform, &tenant, twice)
    );
    a.unwrap();
    b.unwrap();
    let done = export::find(&desk, twice).await.unwrap().unwrap();
    assert_eq!(done.status, ExportStatus::Done);
    assert_eq!(done.written, 2);
    let key = export::file(&done).unwrap();
    let path = guichet::files::local_path(&app.platform, tenant.slug(), &key);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    // Run again once done: nothing changes.
    export::run(&app.platform, &tenant, twice).await.unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty());
    app.stop().await;
}

async fn finished_exports_are_deleted_after_a_day(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let instructor = app
        .account_named(&tenant, ("inst@gard.fr", "Inès"), Role::AidInstructor)
        .await;
    let desk = Desk::open(&tenant, &instructor).unwrap();
    let aid = rent_aid(&tenant).await;
    filed(&tenant, &aid, 0).await;
    let old = export::create(&desk, &QueueFilter::default(), "file entière")
        .await
        .unwrap();
    export::run(&app.platform, &tenant, old).await.unwrap();
    let recent = export::create(&desk, &QueueFilter::default(), "file entière")
        .await
        .unwrap();
    export::run(&app.platform, &tenant, recent).await.unwrap();
    let old_key = export::file(&export::find(&desk, old).await.unwrap().unwrap()).unwrap();
    let old_file = guichet::files::local_path(&app.platform, tenant.slug(), &old_key);
    let txn = tenant.db().begin().await.unwrap();
    request_export::Entity::update_many()
        .col_expr(
            request_export::Column::FinishedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::hours(25)),
        )
        .filter(request_export::Column::Id.eq(old))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();

    assert_eq!(
        export::purge_expired(&app.platform, &tenant).await.unwrap(),
        1
    );
    assert!(!old_file.exists());
    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let page = inst
        .get(&format!("/gard/agents/demandes/export/{old}"))
        .await;
    assert!(page.body.contains("Fichier supprimé"), "{}", page.body);
    assert!(!page.body.contains("Télécharger le fichier CSV"));
    assert_eq!(
        inst.get(&format!("/gard/agents/demandes/export/{old}/fichier"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let kept = inst
        .get(&format!("/gard/agents/demandes/export/{recent}/fichier"))
        .await;
    assert_eq!(kept.status, StatusCode::OK);
    app.stop().await;
}
