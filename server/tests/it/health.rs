//! Health for load balancers and orchestrators: liveness (`/sante/vie`) asks nothing of the
//! stores, so a store that is down does not get every instance restarted; readiness
//! (`/sante`) answers 200 only when every store answers at this build's migration level.

use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tenants::{Module, Tenant};

use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(readiness_waits_for_every_store_at_this_builds_level);

/// Runs `statement` on the department's store as its owner (the migrations' own table).
async fn on_store(tenant: &Tenant, statement: &str) {
    let txn = tenant.db().begin_as_owner().await.unwrap();
    txn.execute_unprepared(statement).await.unwrap();
    txn.commit().await.unwrap();
}

fn answer(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON: {body}"))
}

async fn last_migration(tenant: &Tenant) -> String {
    let txn = tenant.db().begin_as_owner().await.unwrap();
    let backend = txn.get_database_backend();
    let row = txn
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
        ))
        .await
        .unwrap()
        .expect("a migrated store");
    txn.commit().await.unwrap();
    row.try_get("", "version").unwrap()
}

/// `/sante`'s answer once the store changed: it is kept a second, so probes are asked again
/// until it changes (or 3 s have passed).
async fn probed(probe: &mut Visitor, expected: StatusCode) -> crate::harness::Page {
    let mut page = probe.get("/sante").await;
    for _ in 0..30 {
        if page.status == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        page = probe.get("/sante").await;
    }
    page
}

async fn readiness_waits_for_every_store_at_this_builds_level(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    app.tenant("lozere", &Module::ALL).await;
    let mut probe = Visitor::new(&app);
    let ready = probe.get("/sante").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(answer(&ready.body), json!({ "pret": true }));
    assert_eq!(probe.get("/sante/vie").await.status, StatusCode::OK);

    // The Gard's store lacks this build's last migration (an instance started on a store
    // another process has not migrated yet).
    let last = last_migration(&gard).await;
    on_store(
        &gard,
        &format!("DELETE FROM seaql_migrations WHERE version = '{last}'"),
    )
    .await;
    let behind = probed(&mut probe, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(behind.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        answer(&behind.body),
        json!({ "pret": false, "raison": "1 département(s) en attente de migrations : lancez « guichet migrate »" })
    );
    assert!(
        !behind.body.contains("gard"),
        "the public answer names no department"
    );
    assert_eq!(probe.get("/sante/vie").await.status, StatusCode::OK);
    on_store(
        &gard,
        &format!("INSERT INTO seaql_migrations (version, applied_at) VALUES ('{last}', 0)"),
    )
    .await;
    assert_eq!(
        probed(&mut probe, StatusCode::OK).await.status,
        StatusCode::OK
    );

    // A newer version migrated it: this build does not know what the store holds.
    on_store(
        &gard,
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m9999_a_venir', 0)",
    )
    .await;
    let ahead = probed(&mut probe, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(ahead.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        answer(&ahead.body)["raison"],
        "1 département(s) dont la base ne répond pas ou a été migrée par une version plus récente de Guichet"
    );
    assert_eq!(probe.get("/sante/vie").await.status, StatusCode::OK);
    app.stop().await;
}
