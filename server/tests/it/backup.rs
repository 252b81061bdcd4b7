//! The restore drill, as an operator would run it: a platform filled, backed up with
//! `guichet backup` while citizens keep filing, destroyed, then `guichet restore` into an empty
//! platform holding the same secret key. Every request accepted before the backup began is
//! back, no more than was accepted by its end, documents byte for byte, every journal verifies
//! against its signed checkpoints, staff keep their account numbers and their second factors,
//! a citizen signs in and finds their request, an administrator signs in with her app.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use guichet::aid_requests::catalogue::Aid;
use guichet::citizens;
use guichet::documents;
use guichet::entity::{aid_request, document};
use guichet::server::ServerOptions;
use guichet::staff::Role;
use guichet::staff::second_factor::SealKey;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, QueryOrder};
use tenants::{Module, Slug, Tenant};

use crate::fixtures::{self, PDF};
use crate::harness::{Backend, TestApp, Visitor, both_engines, fails_with, succeeds};

both_engines!(
    a_platform_backed_up_while_serving_restores_whole,
    a_backup_that_cannot_be_trusted_restores_nothing,
    a_backup_sent_to_an_object_store_restores_from_it,
);

/// Requests by id, with their reference.
async fn requests(tenant: &Tenant) -> BTreeMap<i64, Option<String>> {
    let txn = tenant.db().begin().await.unwrap();
    let rows = aid_request::Entity::find()
        .order_by_asc(aid_request::Column::Id)
        .all(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    rows.into_iter().map(|r| (r.id, r.reference)).collect()
}

/// Every document's bytes, by id.
async fn document_bytes(app: &TestApp, tenant: &Tenant) -> BTreeMap<i64, Vec<u8>> {
    let txn = tenant.db().begin().await.unwrap();
    let ids: Vec<i64> = document::Entity::find()
        .all(&txn)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    txn.commit().await.unwrap();
    let mut bytes = BTreeMap::new();
    for id in ids {
        let doc = documents::find(tenant, id).await.unwrap().unwrap();
        bytes.insert(
            id,
            documents::read(&app.platform, tenant, &doc).await.unwrap(),
        );
    }
    bytes
}

/// A PDF of its own for the `n`th citizen: identical bytes would prove nothing.
async fn own_document(app: &TestApp, tenant: &Tenant, citizen_id: i64, n: usize) {
    let mut bytes = PDF.to_vec();
    bytes.extend_from_slice(format!("% pièce n° {n}\n").as_bytes());
    fixtures::stored_pdf(app, tenant, citizen_id, &format!("avis-{n}.pdf"), bytes).await;
}

/// The Gard (aid requests, with documents and Karim BENALI's request) and the Lozère; with the
/// Gard's instructor's account number, made after the Lozère's first account.
async fn filled(app: &TestApp) -> (Tenant, Aid, i64) {
    let gard = app
        .tenant("gard", &[Module::AidRequests, Module::UserRelations])
        .await;
    let lozere = app.tenant("lozere", &[Module::AidRequests]).await;
    app.staff(&gard, "chef@gard.fr", "Chef du Gard", &[Role::Admin])
        .await;
    app.staff(&lozere, "chef@lozere.fr", "Chef de Lozère", &[Role::Admin])
        .await;
    let instructor = app
        .staff(
            &gard,
            "inst@gard.fr",
            "Instructrice",
            &[Role::AidInstructor],
        )
        .await;
    let aid = fixtures::rent_aid(&gard).await;
    for n in 0..12 {
        let (_, _, citizen) = fixtures::filed(&gard, &aid, n).await;
        own_document(app, &gard, citizen.id, n).await;
    }
    let karim = guichet::franceconnect::simulator::test_identities()
        .into_iter()
        .find(|i| i.sub == "sim-karim-benali")
        .unwrap();
    let karim = citizens::sign_in_with_franceconnect(&gard, &karim)
        .await
        .unwrap();
    fixtures::file_request(&gard, &aid, &karim, 52_000).await;
    let lozere_aid = fixtures::rent_aid(&lozere).await;
    fixtures::filed(&lozere, &lozere_aid, 1).await;
    (gard, aid, instructor)
}

async fn a_platform_backed_up_while_serving_restores_whole(backend: Backend) {
    let app = platform_with_key(backend, KEY).await;
    let (gard, aid, instructor) = filled(&app).await;
    for slug in ["gard", "lozere"] {
        succeeds(&app.cli(&["audit", "checkpoint", slug]));
    }

    // Citizens keep filing while the backup runs.
    let before = requests(&gard).await;
    let filing = Arc::new(AtomicBool::new(true));
    let load = tokio::spawn({
        let (gard, aid, filing) = (gard.clone(), aid.clone(), filing.clone());
        async move {
            let mut n = 1000;
            while filing.load(Ordering::Relaxed) {
                fixtures::filed(&gard, &aid, n).await;
                n += 1;
            }
            n - 1000
        }
    });
    let place = tempfile::tempdir().unwrap();
    let saved = place.path().join("sauvegarde");
    let printed = succeeds(&app.cli(&["backup", "--out", saved.to_str().unwrap()]));
    filing.store(false, Ordering::Relaxed);
    let filed_meanwhile = load.await.unwrap();
    assert!(printed.contains("« gard » sauvegardé"), "{printed}");
    assert!(printed.contains("« lozere » sauvegardé"), "{printed}");
    let after = requests(&gard).await;
    let documents = document_bytes(&app, &gard).await;

    // The platform is lost; the key was kept apart, and staff keep their phones.
    let phones = app.authenticators.clone();
    app.stop().await;

    let fresh = platform_with_key(backend, KEY).await;
    let printed = succeeds(&fresh.cli(&["restore", saved.to_str().unwrap()]));
    assert!(
        printed.contains("2 département(s) restauré(s)"),
        "{printed}"
    );
    assert!(printed.contains("points de contrôle vérifiés"), "{printed}");
    // Each department's administrator had enrolled an app: sealed with the same key, it is back.
    assert_eq!(
        printed
            .matches("1 second(s) facteur(s) d'agent repris")
            .count(),
        2,
        "{printed}"
    );
    assert!(!printed.contains("à enrôler"), "{printed}");
    let gard = fresh
        .platform
        .tenant_by_slug(&Slug::parse("gard").unwrap())
        .await
        .unwrap()
        .expect("the Gard is back");

    let restored = requests(&gard).await;
    assert!(
        before.iter().all(|(id, r)| restored.get(id) == Some(r)),
        "every request accepted before the backup is back"
    );
    // A request caught in the snapshot between its draft and its filing comes back a draft.
    assert!(
        restored
            .iter()
            .all(|(id, r)| after.get(id).is_some_and(|a| r.is_none() || a == r)),
        "nothing that was never accepted"
    );
    eprintln!(
        "{} requests before, {filed_meanwhile} filed during the backup, {} restored",
        before.len(),
        restored.len()
    );
    assert_eq!(document_bytes(&fresh, &gard).await, documents);
    for slug in ["gard", "lozere"] {
        let verified = succeeds(&fresh.cli(&["audit", "verify", slug]));
        assert!(verified.contains("intact"), "{verified}");
    }
    assert_eq!(
        fresh.account(&gard, instructor).await.email.as_str(),
        "inst@gard.fr",
        "the department's tables name staff by their account numbers"
    );

    // Karim signs in as before and finds his request (the new platform's address is declared
    // to FranceConnect, as an operator does when a platform moves).
    fresh.declare_returns(&format!("http://{}", fresh.addr), "gard");
    let mut karim = Visitor::new(&fresh);
    for _ in 0..50 {
        // `restore` ran in another process: this server sees the registry within 2 s.
        if karim.get("/gard/").await.status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    karim
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let space = karim.get("/gard/mon-espace").await;
    assert_eq!(space.status, StatusCode::OK);
    assert!(space.body.contains("Aide au loyer"), "{}", space.body);

    // The Gard's administrator signs in with the app on her phone: asked for its code, not to
    // enrol again.
    let mut chef = Visitor::new(&fresh);
    let login = chef.get("/gard/agents/connexion").await;
    let password = crate::harness::password_of("chef@gard.fr");
    let step = chef
        .post(
            "/gard/agents/connexion",
            &[
                ("csrf", login.csrf().as_str()),
                ("email", "chef@gard.fr"),
                ("password", password.as_str()),
            ],
        )
        .await;
    assert_eq!(
        step.location.as_deref(),
        Some("/gard/agents/connexion/code"),
        "{}",
        step.body
    );
    let code = phones.next_code("chef@gard.fr").expect("her app");
    let form = chef.get("/gard/agents/connexion/code").await;
    let signed_in = chef
        .post(
            "/gard/agents/connexion/code",
            &[("csrf", form.csrf().as_str()), ("code", code.as_str())],
        )
        .await;
    assert_eq!(
        signed_in.location.as_deref(),
        Some("/gard/agents/"),
        "{}",
        signed_in.body
    );
    fresh.stop().await;
}

async fn a_backup_that_cannot_be_trusted_restores_nothing(backend: Backend) {
    let app = platform_with_key(backend, KEY).await;
    filled(&app).await;
    let place = tempfile::tempdir().unwrap();
    let saved = place.path().join("sauvegarde");
    let saved_arg = saved.to_str().unwrap();
    succeeds(&app.cli(&["audit", "checkpoint", "gard"]));
    succeeds(&app.cli(&["backup", "--out", saved_arg]));
    fails_with(&app.cli(&["backup", "--out", saved_arg]), "existe déjà");
    fails_with(
        &app.cli(&["backup", "--out", "/tmp/ailleurs", "--tenant", "ardeche"]),
        "« ardeche » inconnu",
    );
    // Into a platform that has departments: refused, it is left as it was.
    fails_with(&app.cli(&["restore", saved_arg]), "plateforme vide");

    let fresh = platform_with_key(backend, KEY).await;
    fails_with(
        &fresh.cli(&["restore", place.path().to_str().unwrap()]),
        "donnez le dossier qu'a écrit « guichet backup »",
    );
    // Made by a later Guichet: refused, its tables may hold what this one would drop.
    let manifest = saved.join("sauvegarde.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let later = text.replace(
        &format!("\"guichet\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"guichet\": \"99.0.0\"",
    );
    assert_ne!(later, text);
    std::fs::write(&manifest, later).unwrap();
    fails_with(
        &fresh.cli(&["restore", saved_arg]),
        "plus récent que celui-ci",
    );
    std::fs::write(&manifest, text).unwrap();
    // One byte of the Lozère's archive changed: refused before anything is written.
    let archive = saved.join("departements/lozere.tar.gz");
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&archive, &bytes).unwrap();
    fails_with(&fresh.cli(&["restore", saved_arg]), "abîmée ou remplacée");
    assert!(fresh.platform.list_tenants().await.unwrap().is_empty());
    bytes[middle] ^= 0x01;
    std::fs::write(&archive, &bytes).unwrap();

    // Another platform's key: the checkpoints do not verify, and what was restored is removed.
    std::fs::write(fresh.data_dir().join("secret.key"), OTHER_KEY).unwrap();
    let other_key = fresh.cli(&["restore", saved_arg]);
    fails_with(&other_key, "rien n'a été restauré");
    assert!(fresh.platform.list_tenants().await.unwrap().is_empty());
    assert!(!files_of(&fresh, "gard").exists());
    app.stop().await;
    fresh.stop().await;
}

async fn a_backup_sent_to_an_object_store_restores_from_it(backend: Backend) {
    let bucket = crate::s3::ObjectStore::start(&["sauvegardes"]);
    let env = bucket.env();
    let app = platform_with_key(backend, KEY).await;
    let (gard, aid, _) = filled(&app).await;
    // A scan that does not compress: the Gard's archive is sent in three parts.
    let mut scan = PDF.to_vec();
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    scan.extend((0..11 << 20).map(|_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as u8
    }));
    let (_, _, citizen) = fixtures::filed(&gard, &aid, 99).await;
    fixtures::stored_pdf(&app, &gard, citizen.id, "scan.pdf", scan).await;
    succeeds(&app.cli(&["audit", "checkpoint", "gard"]));
    let before = requests(&gard).await;
    let documents = document_bytes(&app, &gard).await;
    let out = "s3://sauvegardes/nuit/2026-12-06";
    let printed = succeeds(&app.cli_with(&["backup", "--out", out], &env));
    assert!(
        printed.contains(&format!("sauvegarde écrite dans {out}")),
        "{printed}"
    );
    let stored = bucket.path("sauvegardes/nuit/2026-12-06");
    for object in [
        "sauvegarde.json",
        "departements/gard.tar.gz",
        "points-de-controle/gard.jsonl",
    ] {
        assert!(stored.join(object).is_file(), "{object} in the bucket");
    }
    let archive = std::fs::metadata(stored.join("departements/gard.tar.gz")).unwrap();
    assert!(archive.len() > 10 << 20, "{} bytes", archive.len());
    fails_with(
        &app.cli_with(&["backup", "--out", out], &env),
        "existe déjà",
    );
    let mut wrong_secret = env;
    wrong_secret[4].1 = "pas-le-bon";
    fails_with(
        &app.cli_with(
            &["backup", "--out", "s3://sauvegardes/nuit/autre"],
            &wrong_secret,
        ),
        "identifiants AWS_*",
    );
    fails_with(
        &app.cli_with(&["backup", "--out", "s3://sauvegardes"], &env),
        "attendu s3://seau/dossier/nom",
    );
    app.stop().await;

    let fresh = platform_with_key(backend, KEY).await;
    // A backup stopped before its manifest was sent is not one.
    fails_with(
        &fresh.cli_with(&["restore", "s3://sauvegardes/nuit/inconnue"], &env),
        "ne contient pas de sauvegarde complète",
    );
    let printed = succeeds(&fresh.cli_with(&["restore", out], &env));
    assert!(
        printed.contains("2 département(s) restauré(s)"),
        "{printed}"
    );
    assert!(printed.contains("points de contrôle vérifiés"), "{printed}");
    let gard = fresh
        .platform
        .tenant_by_slug(&Slug::parse("gard").unwrap())
        .await
        .unwrap()
        .expect("the Gard is back");
    assert_eq!(requests(&gard).await, before);
    assert_eq!(document_bytes(&fresh, &gard).await, documents);
    let verified = succeeds(&fresh.cli(&["audit", "verify", "gard"]));
    assert!(verified.contains("intact"), "{verified}");
    let left: Vec<_> = std::fs::read_dir(fresh.data_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".sauvegarde"))
        .collect();
    assert!(left.is_empty(), "nothing staged is left behind: {left:?}");
    fresh.stop().await;
}

fn files_of(app: &TestApp, slug: &str) -> PathBuf {
    app.platform.files_dir(&Slug::parse(slug).unwrap())
}

/// The platform's secret key, as an operator keeps it apart from backups.
const KEY: &str = "c2VjcmV0IGtleSBvZiB0aGUgcGxhdGZvcm0gMzIgYnk=";
/// Another platform's.
const OTHER_KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

/// A platform whose server and command line share `key`, as every process of a platform does.
async fn platform_with_key(backend: Backend, key: &str) -> TestApp {
    let app = TestApp::start_with(
        backend,
        ServerOptions {
            seal_key: SealKey::from_base64(key).unwrap(),
            ..ServerOptions::default()
        },
    )
    .await;
    std::fs::write(app.data_dir().join("secret.key"), key).unwrap();
    app
}
