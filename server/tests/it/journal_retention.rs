//! The journal kept for a set time (`retention::journal`): its head goes at the department's
//! term, never past a held citizen's first entry, with a signed cut the verification starts
//! from; a head removed any other way is caught.

use chrono::{Months, Utc};
use guichet::audit::{self, Verification};
use guichet::entity::{audit_entry, audit_journal_cut};
use guichet::retention::{self, Mode, Outcome};
use guichet::staff::{Role, StaffAccount};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder};
use tenants::{Module, Tenant};

use crate::fixtures::{simulated, switched_on};
use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(the_journal_head_goes_at_its_term_with_a_signed_cut);

const JOURNAL: &str = "journal.entrees";

/// An instructor reads `citizen`'s file.
async fn read_file_of(tenant: &Tenant, by: &StaffAccount, citizen: i64) {
    let mut event = guichet::staff::desk::event(by, "consultation du dossier", "dossier", "", None);
    event.citizen_id = Some(citizen);
    audit::record(tenant, event).await.unwrap();
}

/// The journal's entries, oldest first: (seq, citizen).
async fn entries(tenant: &Tenant) -> Vec<(i64, Option<i64>)> {
    let txn = tenant.db().begin().await.unwrap();
    let rows = audit_entry::Entity::find()
        .order_by_asc(audit_entry::Column::Seq)
        .all(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    rows.into_iter().map(|e| (e.seq, e.citizen_id)).collect()
}

async fn journal_pass(app: &TestApp, tenant: &Tenant, mode: Mode) -> Outcome {
    // Thirteen months on: every entry is past the default twelve.
    let later = Utc::now().checked_add_months(Months::new(13)).unwrap();
    retention::pass(&app.platform, Some(&app.anchor()), tenant, later, mode)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.category == JOURNAL)
        .expect("the journal's category")
}

async fn assert_whole(app: &TestApp, tenant: &Tenant) {
    assert!(matches!(
        audit::verify(tenant).await.unwrap(),
        Verification::Intact { .. }
    ));
    assert_eq!(app.anchor().contradiction(tenant).await.unwrap(), None);
}

async fn the_journal_head_goes_at_its_term_with_a_signed_cut(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app
        .tenant("gard", &[Module::AidRequests, Module::UserRelations])
        .await;
    let admin = app.worker(&gard, Role::Admin).await;
    let instructor = app.worker(&gard, Role::AidInstructor).await;
    let karim = simulated(&gard, "sim-karim-benali").await.id;
    let fatou = simulated(&gard, "sim-fatou-diallo").await.id;
    for _ in 0..3 {
        read_file_of(&gard, &instructor, karim).await;
    }
    // Fatou disputes a decision: her file, journal included, is kept.
    let hold = retention::holds::place(&gard, fatou, "Recours TA", &admin)
        .await
        .unwrap()
        .unwrap();
    read_file_of(&gard, &instructor, karim).await;
    app.anchor().checkpoint(&gard).await.unwrap().unwrap();
    let before = entries(&gard).await;
    let fatou_first = before.iter().find(|e| e.1 == Some(fatou)).unwrap().0;
    assert!(fatou_first > 4, "{before:?}");

    // Counted, not removed, until the administrator switches it on; up to Fatou's first entry.
    let counted = journal_pass(&app, &gard, Mode::CountOnly).await;
    assert!(!counted.applied);
    assert_eq!(counted.due, (fatou_first - 1) as u64);
    assert_eq!(entries(&gard).await, before);

    switched_on(&gard, JOURNAL, &admin).await;
    let cut = journal_pass(&app, &gard, Mode::AsSet).await;
    assert!(cut.applied);
    assert_eq!(cut.due, (fatou_first - 1) as u64);
    let after = entries(&gard).await;
    assert_eq!(
        after[0].0, fatou_first,
        "the journal starts at Fatou's entry"
    );
    assert!(after.iter().all(|e| e.0 >= fatou_first));
    assert_whole(&app, &gard).await;
    let linked_to = before_hash(&gard).await;
    let signed = app.anchor().checkpoints(&gard).await.unwrap();
    assert!(
        signed
            .iter()
            .any(|c| c.cut && c.seq == fatou_first - 1 && c.hash == linked_to),
        "{signed:?}"
    );
    let txn = gard.db().begin().await.unwrap();
    let recorded = audit_entry::Entity::find()
        .all(&txn)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == audit::CUT_ACTION)
        .count();
    txn.commit().await.unwrap();
    assert_eq!(recorded, 1, "the cut is in the journal");

    // Once the dispute is over, the rest goes, all but the newest entry.
    retention::holds::lift(&gard, hold, &admin)
        .await
        .unwrap()
        .unwrap();
    let newest = entries(&gard).await.last().unwrap().0;
    let again = journal_pass(&app, &gard, Mode::AsSet).await;
    assert_eq!(again.due, (newest - fatou_first) as u64);
    let left = entries(&gard).await;
    assert_eq!(left[0].0, newest, "{left:?}");
    assert_whole(&app, &gard).await;

    // Karim reads on his journal's page how long it is kept.
    let mut karim_visit = Visitor::new(&app);
    karim_visit
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let page = karim_visit.get("/gard/mon-espace/journal").await;
    assert!(
        page.body
            .contains("Le département conserve ce journal 12 mois"),
        "{}",
        page.body
    );

    // Exported after its cuts, the department imports whole on another platform.
    let archive = app.data_dir().join("gard.tar.gz");
    guichet::transfer::export(&app.platform, &gard, &archive)
        .await
        .unwrap();
    let elsewhere = TestApp::start(backend).await;
    let imported = guichet::transfer::import(&elsewhere.platform, &elsewhere.seal_key, &archive)
        .await
        .unwrap();
    assert!(matches!(
        audit::verify(&imported.tenant).await.unwrap(),
        Verification::Intact { .. }
    ));
    elsewhere.stop().await;

    refused_and_caught(&app, &gard, backend).await;
    app.stop().await;
}

/// What the journal's first entry links to: the last cut's hash.
async fn before_hash(tenant: &Tenant) -> String {
    let txn = tenant.db().begin().await.unwrap();
    let first = audit_entry::Entity::find()
        .order_by_asc(audit_entry::Column::Seq)
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    txn.commit().await.unwrap();
    first.prev_hash
}

/// Past the cut the guard refuses, even the store's owner; a cut recorded by hand lets the
/// owner delete the head, and the signed checkpoints show no one signed it.
async fn refused_and_caught(app: &TestApp, gard: &Tenant, backend: Backend) {
    let first = entries(gard).await[0].0;
    let delete_first = format!("DELETE FROM audit_journal WHERE seq = {first}");
    for owner in [false, true] {
        let txn = if owner {
            gard.db().begin_as_owner().await.unwrap()
        } else {
            gard.db().begin().await.unwrap()
        };
        let refused = txn.execute_unprepared(&delete_first).await.unwrap_err();
        let expected = if backend == Backend::Postgres && !owner {
            "permission denied"
        } else {
            "le journal d'audit ne se modifie pas"
        };
        assert!(refused.to_string().contains(expected), "{refused}");
        txn.rollback().await.unwrap();
    }
    let txn = gard.db().begin_as_owner().await.unwrap();
    let refused = txn
        .execute_unprepared("DELETE FROM audit_journal_cuts")
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("ne se modifie pas"),
        "{refused}"
    );
    txn.rollback().await.unwrap();

    // Someone who owns the store writes a cut of their own and deletes the head with it.
    let head_hash = {
        let txn = gard.db().begin().await.unwrap();
        let row = audit_entry::Entity::find_by_id(first)
            .one(&txn)
            .await
            .unwrap()
            .unwrap();
        txn.commit().await.unwrap();
        row.hash
    };
    let txn = gard.db().begin_as_owner().await.unwrap();
    txn.execute_unprepared(&format!(
        "INSERT INTO audit_journal_cuts (seq, hash, cut_at) VALUES ({first}, '{head_hash}', CURRENT_TIMESTAMP)"
    ))
    .await
    .unwrap();
    txn.execute_unprepared(&delete_first).await.unwrap();
    txn.commit().await.unwrap();
    assert!(
        matches!(
            audit::verify(gard).await.unwrap(),
            Verification::Intact { .. }
        ),
        "the store alone cannot tell"
    );
    let (seq, problem) = app.anchor().contradiction(gard).await.unwrap().unwrap();
    assert_eq!(seq, first);
    assert!(
        problem.contains("sans coupure de conservation signée"),
        "{problem}"
    );
    // Someone who drops the guard deletes the next entry and records no cut: the store alone
    // tells this time.
    let next = entries(gard).await[0].0;
    let txn = gard.db().begin_as_owner().await.unwrap();
    let guard = match backend {
        Backend::Postgres => "DROP TRIGGER audit_journal_no_change ON audit_journal",
        Backend::Sqlite => "DROP TRIGGER audit_journal_no_delete",
    };
    txn.execute_unprepared(guard).await.unwrap();
    txn.execute_unprepared(&format!("DELETE FROM audit_journal WHERE seq = {next}"))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    match audit::verify(gard).await.unwrap() {
        Verification::Broken { problem, .. } => assert!(
            problem.contains("sans coupure de conservation enregistrée"),
            "{problem}"
        ),
        intact => panic!("a head deleted without a cut verified: {intact:?}"),
    }
    let txn = gard.db().begin().await.unwrap();
    assert_eq!(
        audit_journal_cut::Entity::find().count(&txn).await.unwrap(),
        3
    );
    txn.commit().await.unwrap();
}
