//! What must hold of every table and every route, whoever adds them: a table of a department's
//! store is declared by a part (and so carried by export and import) or listed as internal
//! with its reason; a table holding citizens' rows is moved by a merge and shown by the right
//! of access. These tests read the migrated store itself, so a new migration's table cannot
//! slip past them.

use std::collections::BTreeSet;

use guichet::citizens;
use guichet::modules::{self, OnMerge};
use guichet::national::pull::{self, RequestedBy};
use guichet::user_relations::details::{self, Details, NewMember, PreferredChannel};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tenants::{Module, Tenant};

use crate::fixtures::{file_request, rent_aid};
use crate::harness::{Backend, TestApp, both_engines};

both_engines!(
    every_table_is_declared_or_internal_and_citizens_rows_are_merged,
    the_right_of_access_shows_every_table_that_holds_the_citizen,
    a_table_citing_documents_tells_retention_which_it_still_uses,
);

/// Each table of the tenant store with its columns, as the engine reports them.
async fn store_tables(tenant: &Tenant) -> Vec<(String, BTreeSet<String>)> {
    let txn = tenant.db().begin().await.unwrap();
    let backend = txn.get_database_backend();
    let names_sql = match backend {
        DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        _ => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
    };
    let names: Vec<String> = txn
        .query_all_raw(Statement::from_string(backend, names_sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .collect();
    let mut tables = Vec::new();
    for name in names {
        let columns_sql = match backend {
            DbBackend::Sqlite => format!("SELECT name FROM pragma_table_info('{name}')"),
            _ => format!(
                "SELECT column_name AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '{name}'"
            ),
        };
        let columns = txn
            .query_all_raw(Statement::from_string(backend, columns_sql))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String>("", "name").unwrap())
            .collect();
        tables.push((name, columns));
    }
    txn.commit().await.unwrap();
    tables
}

async fn every_table_is_declared_or_internal_and_citizens_rows_are_merged(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let declared = modules::tables();
    let internal: Vec<&str> = modules::INTERNAL_TABLES.iter().map(|(t, _)| *t).collect();
    let in_store = store_tables(&tenant).await;
    let mut problems = Vec::new();
    for (name, columns) in &in_store {
        if internal.contains(&name.as_str()) {
            continue;
        }
        let Some(table) = declared.iter().find(|t| t.name == name) else {
            problems.push(format!(
                "{name}: not declared by any part (add it to its module's `tables`, or to \
                 modules::INTERNAL_TABLES with the reason an export leaves it out)"
            ));
            continue;
        };
        if columns.contains("citizen_id") {
            if table.on_merge == OnMerge::NoCitizen {
                problems.push(format!(
                    "{name}: has a citizen_id column that its entity does not know, so a \
                     merge would leave its rows on the absorbed record"
                ));
            }
            if table.shown_in.is_none() {
                problems.push(format!(
                    "{name}: holds citizens' rows but names no section of the right of access"
                ));
            }
        }
    }
    for table in &declared {
        if !in_store.iter().any(|(name, _)| name == table.name) {
            problems.push(format!("{}: declared but not in the store", table.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!(
        "invariants: {} tables in the store, {} declared, {} internal",
        in_store.len(),
        declared.len(),
        internal.len()
    );
    app.stop().await;
}

/// A document goes at its term only when no part's rows cite it: a table with a column
/// citing documents belongs to a part that says which it uses (`Retention::documents_in_use`),
/// or retention would delete a piece a file still shows.
async fn a_table_citing_documents_tells_retention_which_it_still_uses(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let mut problems = Vec::new();
    let mut citing = Vec::new();
    for (name, columns) in store_tables(&tenant).await {
        if name == "documents"
            || !columns
                .iter()
                .any(|c| c == "document_id" || c.ends_with("_document_id"))
        {
            continue;
        }
        let part = modules::PARTS
            .iter()
            .find(|p| (p.tables)().iter().any(|t| t.name == name));
        match part {
            Some(part) if part.retention.is_some_and(|r| r.documents_in_use.is_some()) => {
                citing.push(name);
            }
            _ => problems.push(format!(
                "{name}: cites documents, but its part declares no `documents_in_use` in its \
                 `retention`"
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        citing.len() >= 4,
        "the tables citing documents were found: {citing:?}"
    );
    app.stop().await;
}

async fn the_right_of_access_shows_every_table_that_holds_the_citizen(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let citizen = fill_a_file(&app, &tenant).await;

    let sections = modules::right_of_access(&tenant, &citizen).await.unwrap();
    let titles: Vec<&str> = sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        modules::section::ORDER,
        "every part's sections, each once, in the order the citizen reads them \
         (a new section's title goes in modules::section::ORDER)"
    );
    let txn = tenant.db().begin().await.unwrap();
    let backend = txn.get_database_backend();
    let mut checked = Vec::new();
    let mut problems = Vec::new();
    for (name, columns) in store_tables(&tenant).await {
        if !columns.contains("citizen_id")
            || modules::INTERNAL_TABLES.iter().any(|(t, _)| *t == name)
        {
            continue;
        }
        let rows: i64 = txn
            .query_one_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT COUNT(*) AS n FROM {name} WHERE citizen_id = {}",
                    citizen.id
                ),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "n")
            .unwrap();
        // Every table holding citizens is filled for this one: the check below is never empty.
        if rows == 0 {
            problems.push(format!(
                "{name}: the test's file has no row there; add one to fill_a_file"
            ));
            continue;
        }
        let table = modules::tables().into_iter().find(|t| t.name == name);
        let title = table.and_then(|t| t.shown_in);
        let shown = title.and_then(|title| sections.iter().find(|s| s.title == title));
        match shown {
            Some(section) if !section.items.is_empty() => checked.push(name),
            _ => problems.push(format!(
                "{name}: {rows} row(s) of the citizen, but the right of access shows nothing \
                 under {title:?}"
            )),
        }
    }
    txn.commit().await.unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!(
        "right of access: {} tables holding the citizen, each shown",
        checked.len()
    );
    app.stop().await;
}

/// A citizen with something in every part of their file: a request, a document, a consent
/// and the national data it brought, a contact, a thread, an appointment, details, household
/// a mandate and a legal hold.
async fn fill_a_file(app: &TestApp, tenant: &Tenant) -> citizens::Citizen {
    // Fatou is known to the CAF in the API Particulier simulator: her pull brings a fact.
    let identity = guichet::franceconnect::simulator::test_identities()
        .into_iter()
        .find(|i| i.sub.contains("fatou"))
        .expect("Fatou among the test identities");
    let citizen = citizens::sign_in_with_franceconnect(tenant, &identity)
        .await
        .unwrap();
    let aid = rent_aid(tenant).await;
    let request = file_request(tenant, &aid, &citizen, 52_000).await;
    crate::fixtures::exchanges(
        app,
        tenant,
        &citizen,
        (&aid, request.id),
        "Bonjour",
        "Une note",
    )
    .await;
    let now = chrono::Utc::now();
    let txn = tenant.db().begin_write().await.unwrap();
    let given = crate::fixtures::quotient_consent(&txn, citizen.id, aid.id, now).await;
    let queued = pull::create(
        &txn,
        "invariants:fatou",
        &given,
        Some(request.id),
        RequestedBy::Citizen,
        now,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    pull::wake(&app.platform, tenant, std::slice::from_ref(&queued)).await;
    assert!(
        pull::wait_ended(tenant, &[queued.id], std::time::Duration::from_secs(20))
            .await
            .unwrap(),
        "the pull ended"
    );
    details::save(
        tenant,
        citizen.id,
        &Details {
            phone: "0466000000".into(),
            postal_address: "1 rue du Gard, Nîmes".into(),
            preferred: PreferredChannel::Mail,
        },
    )
    .await
    .unwrap();
    let member = NewMember::parse("Awa", "DIALLO", "child", "2015", 2026).unwrap();
    details::add_member(tenant, citizen.id, &member)
        .await
        .unwrap();
    crate::fixtures::imported_for_rsa(app, tenant, &citizen).await;
    crate::fixtures::contested_disability_file(app, tenant, citizen.id).await;
    // A staff member read the file: the journal holds the citizen too.
    guichet::audit::record(
        tenant,
        guichet::audit::AuditEvent {
            actor_id: Some(1),
            actor_email: "accueil@gard.fr".into(),
            actor_role: "reception".into(),
            action: "record.read".into(),
            subject: format!("citizen:{}", citizen.id),
            reason: "Consultation du dossier".into(),
            citizen_id: Some(citizen.id),
            module: Module::UserRelations.id().into(),
        },
    )
    .await
    .unwrap();
    // An instructor opened the whole record for a while.
    let instructor = app
        .worker(tenant, guichet::staff::Role::AidInstructor)
        .await;
    let opening = guichet::staff::desk::event(
        &instructor,
        "ouverture d'un accès élargi à votre dossier",
        &citizen.audit_subject(),
        "Vérifier l'adresse avant la décision",
        Some((Module::AidRequests, citizen.id)),
    );
    guichet::user_relations::wider_access::open(
        tenant,
        &instructor,
        (Module::AidRequests, citizen.id),
        "Vérifier l'adresse avant la décision",
        opening,
    )
    .await
    .unwrap();
    // Her refusal is under appeal: the administrator holds her file.
    let admin = app.worker(tenant, guichet::staff::Role::Admin).await;
    guichet::retention::holds::place(tenant, citizen.id, "Recours gracieux", &admin)
        .await
        .unwrap()
        .unwrap();
    citizen
}
