//! Tenant resolution: path prefix, subdomain, own domain, unknown and suspended tenants.

use guichet::staff::Role;
use reqwest::StatusCode;
use tenants::{DomainName, Module, NewTenant, Slug, TenantStatus};

use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    department_is_reached_three_ways,
    unknown_and_suspended_departments,
    operator_changes_reach_the_running_server,
    pages_are_compressed_for_slow_links,
    anonymous_visits_create_no_session,
);

async fn department_is_reached_three_ways(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app
        .platform
        .create_tenant(NewTenant {
            slug: Slug::parse("creuse").unwrap(),
            name: "Département de la Creuse".into(),
            modules: Module::ALL.to_vec(),
            domain: Some(DomainName::parse("aides.creuse.fr").unwrap()),
        })
        .await
        .unwrap();
    app.staff(&t, "anne@creuse.fr", "Anne", &[Role::Admin])
        .await;

    for (host, base) in [
        (None, "/creuse"),
        (Some("creuse.localhost:3000"), ""),
        (Some("aides.creuse.fr"), ""),
    ] {
        let mut v = Visitor::new(&app);
        if let Some(host) = host {
            v = v.with_host(host);
        }
        let home = v.get(&format!("{base}/")).await;
        assert_eq!(home.status, StatusCode::OK, "{host:?}");
        assert!(home.body.contains("Département de la Creuse"));
        let page = v
            .sign_in(base, "anne@creuse.fr", "password-anne@creuse.fr")
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{host:?}");
        assert_eq!(page.location, Some(format!("{base}/agents/")));
        let staff = v.get(&format!("{base}/agents/admin/comptes")).await;
        assert_eq!(staff.status, StatusCode::OK, "{host:?}");
        assert!(staff.body.contains("anne@creuse.fr"));
    }
    app.stop().await;
}

async fn unknown_and_suspended_departments(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "anne@cd.fr", "Anne Secrète", &[Role::Admin])
        .await;
    let mut v = Visitor::signed_in(&app, "/cd-test", "anne@cd.fr").await;

    let mut stranger = Visitor::new(&app);
    for page in [
        stranger.get("/inconnu/").await,
        stranger
            .clone()
            .with_host("inconnu.localhost")
            .get("/")
            .await,
    ] {
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.body.contains("Département introuvable"));
        assert!(page.body.contains("lang=\"fr\""));
    }
    assert_eq!(
        stranger.get("/cd-test/nulle-part").await.status,
        StatusCode::NOT_FOUND
    );

    app.platform
        .set_tenant_status(t.slug(), TenantStatus::Suspended)
        .await
        .unwrap();
    for path in [
        "/cd-test/",
        "/cd-test/agents/",
        "/cd-test/agents/admin/comptes",
    ] {
        let page = v.get(path).await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(page.body.contains("momentanément suspendu"));
        assert!(!page.body.contains("anne@cd.fr") && !page.body.contains("Anne Secrète"));
    }
    app.platform
        .set_tenant_status(t.slug(), TenantStatus::Active)
        .await
        .unwrap();
    assert_eq!(
        v.get("/cd-test/agents/admin/comptes").await.status,
        StatusCode::OK
    );
    app.stop().await;
}

/// A suspension made by the CLI (another process) reaches the running server within the
/// registry cache's delay.
async fn operator_changes_reach_the_running_server(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "anne@cd.fr", "Anne", &[Role::Admin]).await;
    let mut v = Visitor::signed_in(&app, "/cd-test", "anne@cd.fr").await;
    assert_eq!(v.get("/cd-test/agents/").await.status, StatusCode::OK);

    assert!(app.cli(&["tenant", "suspend", "cd-test"]).status.success());
    let deadline = std::time::Instant::now() + tenants::REGISTRY_TTL * 3;
    loop {
        let status = v.get("/cd-test/agents/").await.status;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        assert_eq!(status, StatusCode::OK);
        assert!(
            std::time::Instant::now() < deadline,
            "suspension never applied"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    app.stop().await;
}

async fn pages_are_compressed_for_slow_links(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.tenant("cd-test", &Module::ALL).await;
    let client = guichet::tls::http_client();
    let response = client
        .get(format!("http://{}/cd-test/agents/connexion", app.addr))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get("content-encoding").unwrap(), "gzip");
    app.stop().await;
}

/// Public pages do not open a session: no row in the platform store per anonymous visit.
async fn anonymous_visits_create_no_session(backend: Backend) {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = TestApp::start(backend).await;
    app.tenant("cd-test", &Module::ALL).await;
    let mut v = Visitor::new(&app);
    for path in [
        "/",
        "/cd-test/",
        "/cd-test/nulle-part",
        "/inconnu/",
        "/cd-test/agents/",
    ] {
        v.get(path).await;
    }
    assert!(v.cookie().is_none(), "no cookie for public pages");
    let sessions = guichet::entity::session::Entity::find()
        .count(app.platform.db())
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    // Forms need a token, which a form cookie carries: five strangers viewing the sign-in
    // pages (a crawler) store nothing either.
    for path in [
        "/cd-test/agents/connexion",
        "/cd-test/connexion",
        "/cd-test/connexion?retour=%2Faides",
        "/cd-test/inscription",
    ] {
        for _ in 0..5 {
            let mut stranger = Visitor::new(&app);
            stranger.get(path).await;
            assert!(stranger.session_cookie().is_none());
            assert!(
                stranger
                    .cookie()
                    .is_some_and(|c| c.starts_with("guichet_form="))
            );
        }
    }
    let sessions = guichet::entity::session::Entity::find()
        .count(app.platform.db())
        .await
        .unwrap();
    assert_eq!(sessions, 0, "no session row for anonymous forms");
    app.stop().await;
}
