//! The departments' files in an S3-compatible bucket (`GUICHET_FILES=s3://…`) instead of the
//! data directory: documents, decision letters and exports are written there and read back,
//! a department's archive carries them to a platform that keeps its files on disk, removing a
//! department empties its prefix, and a store that does not answer makes the instance not
//! ready. The journal's checkpoints go to the bucket too.

use std::path::{Path, PathBuf};

use guichet::aid_requests::Desk;
use guichet::aid_requests::export::{self, ExportStatus};
use guichet::aid_requests::queue::QueueFilter;
use guichet::documents;
use guichet::staff::Role;
use reqwest::StatusCode;
use tenants::{Module, NotReady, Platform, Slug, StoreConfig};

use crate::fixtures::{self, rent_aid};
use crate::harness::{Backend, TestApp, Visitor, both_engines, succeeds};
use crate::s3::ObjectStore;

both_engines!(
    a_departments_files_live_in_the_bucket,
    the_journals_checkpoints_live_in_the_bucket_too,
    an_officers_flux_goes_through_the_bucket
);

/// The files the store keeps under `dir` (a folder of the bucket), by their path below it.
fn stored_under(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = walk(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    found.sort();
    found
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

async fn a_departments_files_live_in_the_bucket(backend: Backend) {
    let bucket = ObjectStore::start(&["guichet"]);
    let app = TestApp::start_on_bucket(backend, &bucket, "s3://guichet/fichiers").await;
    let gard = app.tenant("gard", &[Module::AidRequests]).await;
    let instructor = app
        .account_named(&gard, ("inst@gard.fr", "Instructrice"), Role::AidInstructor)
        .await;
    let aid = rent_aid(&gard).await;
    let karim = guichet::franceconnect::simulator::test_identities()
        .into_iter()
        .find(|i| i.sub == "sim-karim-benali")
        .unwrap();
    let citizen = guichet::citizens::sign_in_with_franceconnect(&gard, &karim)
        .await
        .unwrap();
    let request = fixtures::file_request(&gard, &aid, &citizen, 52_000).await;
    let (id, reference) = (request.id, request.reference.unwrap());
    let in_bucket = bucket.path("guichet/fichiers/gard");

    // A citizen's document: in the bucket, nothing in the data directory.
    let mut scan = b"%PDF-1.4\n% avis d'imposition\n".to_vec();
    scan.extend((0..200_000u32).map(|n| n.to_le_bytes()[0]));
    let document = fixtures::stored_pdf(&app, &gard, citizen.id, "avis.pdf", scan.clone()).await;
    let doc = documents::find(&gard, document).await.unwrap().unwrap();
    let stored = stored_under(&in_bucket);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(stored[0].starts_with("documents/"), "{stored:?}");
    assert_eq!(std::fs::read(in_bucket.join(&stored[0])).unwrap(), scan);
    assert_eq!(
        documents::read(&app.platform, &gard, &doc).await.unwrap(),
        scan
    );
    assert!(walk(&app.platform.files_dir(gard.slug())).is_empty());

    // The decision's letter, then the citizen downloads it from the bucket.
    let desk = Desk::open(&gard, &instructor).unwrap();
    fixtures::decide(&app, &desk, id, "granted").await;
    let letter = format!("courriers/{reference}-decision.pdf");
    assert!(
        in_bucket.join(&letter).is_file(),
        "{:?}",
        stored_under(&in_bucket)
    );
    let mut person = Visitor::new(&app);
    person
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let downloaded = person.get(&format!("/gard/demandes/{id}/courrier")).await;
    assert_eq!(downloaded.status, StatusCode::OK);
    let written = std::fs::read(in_bucket.join(&letter)).unwrap();
    assert!(written.starts_with(b"%PDF-"));
    assert_eq!(downloaded.body, String::from_utf8_lossy(&written));

    // An export, made by its job and downloaded by its instructor.
    let made = export::create(&desk, &QueueFilter::default(), "file entière")
        .await
        .unwrap();
    export::run(&app.platform, &gard, made).await.unwrap();
    let done = export::find(&desk, made).await.unwrap().unwrap();
    assert_eq!(done.status, ExportStatus::Done);
    let key = export::file(&done).unwrap();
    let csv = std::fs::read_to_string(in_bucket.join(&key)).unwrap();
    assert_eq!(csv.lines().count(), 2, "a header and the request: {csv}");
    assert!(
        walk(&app.platform.files_dir(gard.slug())).is_empty(),
        "no working copy left"
    );
    let mut staff = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let file = staff
        .get(&format!("/gard/agents/demandes/export/{made}/fichier"))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, csv);

    // The department's archive carries its files to a platform that keeps them on disk.
    let archive = tempfile::tempdir().unwrap();
    let archive = archive.path().join("gard.tar.gz");
    let out = app.cli(&[
        "tenant",
        "export",
        "gard",
        "--out",
        archive.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let on_disk = TestApp::start(backend).await;
    let out = on_disk.cli(&["tenant", "import", archive.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let moved = on_disk
        .platform
        .tenant_by_slug(&Slug::parse("gard").unwrap())
        .await
        .unwrap()
        .unwrap();
    let doc_there = documents::find(&moved, document).await.unwrap().unwrap();
    assert_eq!(
        documents::read(&on_disk.platform, &moved, &doc_there)
            .await
            .unwrap(),
        scan
    );
    assert_eq!(
        stored_under(&on_disk.platform.files_dir(moved.slug())),
        stored_under(&in_bucket),
        "every file, under the same names"
    );
    on_disk.stop().await;

    // Removing the department deletes its files from the bucket.
    app.platform.remove_tenant(gard.slug()).await.unwrap();
    assert!(
        stored_under(&in_bucket).is_empty(),
        "{:?}",
        stored_under(&in_bucket)
    );

    // A bucket that does not answer: the instance is not ready, and says why.
    assert_eq!(app.platform.readiness().await, Ok(()));
    let silent = Platform::open(StoreConfig {
        engine: tenants::Engine::Sqlite,
        data_dir: tempfile::tempdir().unwrap().keep(),
        pg_max_connections: 1,
        files: closed_port_store().files("s3://guichet/fichiers"),
    })
    .await
    .unwrap();
    assert_eq!(silent.readiness().await, Err(NotReady::Files));
    app.stop().await;
}

/// A store's settings pointing at a port where nothing listens.
fn closed_port_store() -> ObjectStore {
    let mut store = ObjectStore::start(&[]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    store.endpoint = format!("http://{port}");
    store
}

/// One more entry in the department's journal.
async fn journaled(tenant: &tenants::Tenant, action: &str) {
    let event = guichet::audit::AuditEvent {
        actor_id: None,
        actor_email: "inst@gard.fr".into(),
        actor_role: "aid_instructor".into(),
        action: action.into(),
        subject: "demande n° 1".into(),
        reason: "instruction".into(),
        citizen_id: None,
        module: "aid_requests".into(),
    };
    guichet::audit::record(tenant, event).await.unwrap();
}

/// With the files in a bucket, the journal's checkpoints go there too (one object a day under
/// `_journal/`), where every instance appends to the same ones: they are checked, carried by
/// a backup and put back by its restore.
async fn the_journals_checkpoints_live_in_the_bucket_too(backend: Backend) {
    let bucket = ObjectStore::start(&["guichet"]);
    let app = TestApp::start_on_bucket(backend, &bucket, "s3://guichet/fichiers").await;
    let gard = app.tenant("gard", &[Module::AidRequests]).await;
    journaled(&gard, "première lecture").await;
    let signed = succeeds(&app.cli(&["audit", "checkpoint", "gard"]));
    assert!(signed.contains("point de contrôle signé"), "{signed}");
    journaled(&gard, "seconde lecture").await;
    let signed = succeeds(&app.cli(&["audit", "checkpoint", "gard"]));
    assert!(signed.contains("point de contrôle signé"), "{signed}");
    let days = bucket.path("guichet/fichiers/_journal/gard");
    let today = format!("{}.jsonl", chrono::Utc::now().format("%Y-%m-%d"));
    assert_eq!(stored_under(&days), std::slice::from_ref(&today));
    let day = days.join(&today);
    let written = std::fs::read_to_string(&day).unwrap();
    assert_eq!(written.lines().count(), 2, "{written}");
    assert!(!app.data_dir().join("journal-checkpoints").exists());
    let verified = succeeds(&app.cli(&["audit", "verify", "gard"]));
    assert!(
        verified.contains("2 point(s) de contrôle signé(s) concordant(s)"),
        "{verified}"
    );

    // A checkpoint altered in the bucket no longer verifies.
    let (first, rest) = written.split_once('\n').unwrap();
    let altered = first.replacen("\"seq\":", "\"seq\":1", 1);
    std::fs::write(&day, format!("{altered}\n{rest}")).unwrap();
    let refused = app.cli(&["audit", "verify", "gard"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("signature est fausse"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    std::fs::write(&day, &written).unwrap();

    // A backup carries them; its restore on another platform puts them back in its bucket.
    let saved = tempfile::tempdir().unwrap();
    let saved = saved.path().join("nuit");
    succeeds(&app.cli(&["backup", "--out", saved.to_str().unwrap()]));
    assert_eq!(
        std::fs::read_to_string(saved.join("points-de-controle/gard.jsonl")).unwrap(),
        written
    );
    let restored = TestApp::start_on_bucket(backend, &bucket, "s3://guichet/restaure").await;
    std::fs::copy(
        app.data_dir().join("secret.key"),
        restored.data_dir().join("secret.key"),
    )
    .unwrap();
    let printed = succeeds(&restored.cli(&["restore", saved.to_str().unwrap()]));
    assert!(printed.contains("points de contrôle vérifiés"), "{printed}");
    assert_eq!(
        std::fs::read_to_string(bucket.path("guichet/restaure/_journal/gard").join(&today))
            .unwrap(),
        written
    );
    let verified = succeeds(&restored.cli(&["audit", "verify", "gard"]));
    assert!(verified.contains("2 point(s) de contrôle"), "{verified}");
    restored.stop().await;
    app.stop().await;
}

/// A monthly flux received by the officer is kept in the bucket while it waits (its working
/// copy gone from the disk), read from there by the import's passes, and deleted once written.
async fn an_officers_flux_goes_through_the_bucket(backend: Backend) {
    use crate::insertion::{
        OFFICER, confirm, day, file_of, people_of, send, single_adults, wait_for,
    };
    let bucket = ObjectStore::start(&["guichet"]);
    let app = TestApp::start_on_bucket(backend, &bucket, "s3://guichet/fichiers").await;
    let gard = app.tenant("gard", &Module::ALL).await;
    app.staff(
        &gard,
        OFFICER,
        "Odile Orientation",
        &[Role::InsertionOrientation],
    )
    .await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    let flux = file_of(single_adults(5, 7), day(2026, 11, 6));
    let page = send(&mut officer, flux.clone(), "flux.xml").await;
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let waiting = bucket.path(&format!("guichet/fichiers/gard/insertion/import-{id}.xml"));
    assert_eq!(std::fs::read(&waiting).unwrap(), flux);
    let local = app.platform.files_dir(gard.slug()).join("insertion");
    wait_for(&mut officer, &page, "Aperçu prêt").await;
    assert!(
        walk(&local).is_empty(),
        "no working copy left: {:?}",
        walk(&local)
    );
    confirm(&mut officer, &page).await;
    assert_eq!(people_of(&gard).await.len(), 5);
    assert!(!waiting.exists(), "the flux is deleted once written");
    assert!(walk(&local).is_empty(), "{:?}", walk(&local));
    app.stop().await;
}
