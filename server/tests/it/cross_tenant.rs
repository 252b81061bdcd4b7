//! The cross-tenant attack suite: staff of `alpha` try every staff route of `beta` by path
//! prefix, by host, and with `beta`'s ids swapped into `alpha`'s own routes. Each attempt gets
//! 403 or 404 and no byte of `beta`'s data; `alpha`'s own pages still work (positive control).

use guichet::staff::Role;
use reqwest::StatusCode;
use tenants::Module;

use crate::harness::{Backend, Page, TestApp, Visitor, both_engines};

both_engines!(staff_cannot_cross_tenants);

/// Strings that only `beta`'s data contains.
const BETA_SECRETS: &[&str] = &[
    "beta-admin@beta.fr",
    "Bérénice Bêta",
    "beta-inst@beta.fr",
    "Basile Bêta",
];

fn assert_refused(what: &str, page: &Page) {
    assert!(
        page.status == StatusCode::FORBIDDEN || page.status == StatusCode::NOT_FOUND,
        "{what}: expected 403/404, got {}",
        page.status
    );
    for secret in BETA_SECRETS {
        assert!(!page.body.contains(secret), "{what}: body leaks {secret}");
    }
}

async fn staff_cannot_cross_tenants(backend: Backend) {
    let app = TestApp::start(backend).await;
    let alpha = app.tenant("alpha", &Module::ALL).await;
    let beta = app.tenant("beta", &Module::ALL).await;
    app.staff(
        &alpha,
        "alpha-admin@alpha.fr",
        "Alice Alpha",
        &[Role::Admin, Role::Supervisor],
    )
    .await;
    let beta_admin = app
        .staff(&beta, "beta-admin@beta.fr", "Bérénice Bêta", &[Role::Admin])
        .await;
    let beta_inst = app
        .staff(
            &beta,
            "beta-inst@beta.fr",
            "Basile Bêta",
            &[Role::AidInstructor],
        )
        .await;
    // Give beta some journal entries.
    Visitor::signed_in(&app, "/beta", "beta-admin@beta.fr").await;

    let staff_routes: Vec<String> = {
        let mut r = vec![
            "/agents/".to_owned(),
            "/agents/admin/comptes".to_owned(),
            "/agents/admin/comptes/nouveau".to_owned(),
            "/agents/admin/journal".to_owned(),
            format!("/agents/admin/comptes/{beta_admin}"),
            format!("/agents/admin/comptes/{beta_inst}"),
        ];
        r.extend(
            Module::ALL
                .iter()
                .map(|m| format!("/agents/modules/{}", m.id())),
        );
        r
    };
    let post_routes = [
        "/agents/admin/comptes/nouveau".to_owned(),
        format!("/agents/admin/comptes/{beta_inst}"),
        "/agents/deconnexion".to_owned(),
    ];
    let mut attempts = 0;

    // 1. By path prefix, with alpha's session.
    let mut by_path = Visitor::signed_in(&app, "/alpha", "alpha-admin@alpha.fr").await;
    let csrf = by_path.csrf("/alpha").await;
    for route in &staff_routes {
        let page = by_path.get(&format!("/beta{route}")).await;
        assert_refused(&format!("GET /beta{route}"), &page);
        attempts += 1;
    }
    for route in &post_routes {
        let page = by_path
            .post(
                &format!("/beta{route}"),
                &[
                    ("csrf", &csrf),
                    ("display_name", "Intrus"),
                    ("email", "intrus@alpha.fr"),
                    ("roles", "admin"),
                ],
            )
            .await;
        assert_refused(&format!("POST /beta{route}"), &page);
        attempts += 1;
    }

    // 2. By host, replaying alpha's session cookie against beta's host.
    let mut alpha_host = Visitor::new(&app).with_host("alpha.localhost");
    let page = alpha_host
        .sign_in("", "alpha-admin@alpha.fr", "password-alpha-admin@alpha.fr")
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let host_csrf = alpha_host.csrf("").await;
    let mut beta_host = alpha_host.clone().with_host("beta.localhost");
    for route in &staff_routes {
        let page = beta_host.get(route).await;
        assert_refused(&format!("GET beta.localhost{route}"), &page);
        attempts += 1;
    }
    for route in &post_routes {
        let page = beta_host
            .post(
                route,
                &[
                    ("csrf", &host_csrf),
                    ("roles", "admin"),
                    ("display_name", "Intrus"),
                    ("email", "intrus@alpha.fr"),
                ],
            )
            .await;
        assert_refused(&format!("POST beta.localhost{route}"), &page);
        attempts += 1;
    }
    // Host says alpha, path says beta: the host wins and /beta/... is no alpha route.
    for route in &staff_routes {
        let page = alpha_host.get(&format!("/beta{route}")).await;
        assert_refused(&format!("GET alpha.localhost/beta{route}"), &page);
        attempts += 1;
    }

    // 3. Beta's ids swapped into alpha's own routes.
    for id in [beta_admin, beta_inst] {
        let page = by_path
            .get(&format!("/alpha/agents/admin/comptes/{id}"))
            .await;
        assert_refused(&format!("GET /alpha/.../comptes/{id}"), &page);
        let page = by_path
            .post(
                &format!("/alpha/agents/admin/comptes/{id}"),
                &[("csrf", &csrf), ("roles", "admin")],
            )
            .await;
        assert_refused(&format!("POST /alpha/.../comptes/{id}"), &page);
        attempts += 2;
    }

    // Nothing of beta changed, nothing was created anywhere.
    let beta_accounts = guichet::staff::list_accounts(&app.platform, &beta)
        .await
        .unwrap();
    assert_eq!(beta_accounts.len(), 2);
    let inst = beta_accounts.iter().find(|a| a.id == beta_inst).unwrap();
    assert_eq!(inst.roles, vec![Role::AidInstructor]);
    let alpha_accounts = guichet::staff::list_accounts(&app.platform, &alpha)
        .await
        .unwrap();
    assert!(alpha_accounts.iter().all(|a| a.email != "intrus@alpha.fr"));
    // Beta's journal holds only beta's own: its staff set up, nothing by alpha's.
    let beta_journal = guichet::audit::recent(&beta, 100).await.unwrap();
    assert!(!beta_journal.is_empty());
    assert!(
        beta_journal.iter().all(|e| {
            e.actor_email == "beta-admin@beta.fr" || e.reason == "préparation du test"
        })
    );

    // Positive control: alpha's staff still reach alpha's own data, both ways.
    let own = by_path.get("/alpha/agents/admin/comptes").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("Alice Alpha"));
    let own = alpha_host.get("/agents/admin/journal").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("alpha-admin@alpha.fr"));
    // Every module in service has its page (those still to be built have none).
    for route in Module::ALL
        .iter()
        .filter(|m| guichet::modules::part_of(**m).is_some_and(|p| p.home.is_some()))
        .map(|m| format!("/alpha/agents/modules/{}", m.id()))
    {
        assert_eq!(by_path.get(&route).await.status, StatusCode::OK, "{route}");
    }

    eprintln!("cross-tenant attempts refused on {backend:?}: {attempts}");
    app.stop().await;
}
