//! Staff sign-in with ProConnect, on both engines, against the project's ProConnect simulator
//! over real HTTP: the first sign-in links an agent to the account their administrator made,
//! later ones find it by identity; ProConnect's second factor counts as one, a password-level
//! sign-in does not; agents of another administration, without an account or below the
//! department's minimum never get in; tampered tokens are refused; logout ends the ProConnect
//! session; the administrator's page for all this names bad input in French.

use guichet::proconnect::simulator::{self, DEMO_SIRET, OTHER_SIRET, SimulatorConfig, Tampering};
use guichet::server::ServerOptions;
use guichet::staff::Role;
use guichet::staff::identity::{self, IdentityPolicy, Siret};
use reqwest::StatusCode;
use tenants::{Module, Tenant};

use crate::harness::TEST_SETUP;
use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    an_agent_is_linked_once_then_found_by_identity,
    a_sign_in_without_second_factor_is_a_first_factor_only,
    agents_who_do_not_belong_here_are_refused_and_told_whom_to_ask,
    the_department_minimum_is_asked_for_and_enforced,
    tampered_tokens_open_nothing,
    bad_policy_input_is_named_and_nothing_is_saved,
);

const CLAIRE: &str = "sim-agent-claire-dupont";
const SOPHIE: &str = "sim-agent-sophie-martin";
const NADIA: &str = "sim-agent-nadia-haddad";
const PAUL: &str = "sim-agent-paul-roux";

/// A new department that declares `sirets` as its own.
async fn department(app: &TestApp, slug: &str, sirets: &[&str]) -> Tenant {
    let tenant = app.tenant(slug, &Module::ALL).await;
    declare(app, &tenant, sirets).await;
    tenant
}

/// The department declares these SIRETs as its own.
async fn declare(app: &TestApp, tenant: &Tenant, sirets: &[&str]) {
    let policy = IdentityPolicy {
        sirets: sirets.iter().map(|s| Siret::parse(s).unwrap()).collect(),
        ..IdentityPolicy::default()
    };
    identity::save_policy(&app.platform, tenant, &policy, TEST_SETUP)
        .await
        .unwrap();
}

/// Goes to ProConnect as `sub` and comes back: the app's answer to the return.
async fn proconnect(visitor: &mut Visitor, base: &str, sub: &str) -> crate::harness::Page {
    let back = visitor.proconnect_until_return(base, sub).await;
    visitor.get(&back).await
}

async fn journal_actions(tenant: &Tenant) -> Vec<String> {
    guichet::audit::recent(tenant, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn an_agent_is_linked_once_then_found_by_identity(backend: Backend) {
    let (app, sink, gard) = crate::harness::app_with_mail(backend).await;
    declare(&app, &gard, &[DEMO_SIRET]).await;
    let claire = app
        .staff(
            &gard,
            "admin@demo.guichet.test",
            "Claire Dupont",
            &[Role::Admin],
        )
        .await;

    // The sign-in page offers ProConnect.
    let mut visitor = Visitor::new(&app);
    let login = visitor.get("/gard/agents/connexion").await;
    assert!(login.body.contains("/gard/agents/connexion/proconnect"));
    assert!(
        login.body.contains("S’identifier avec ProConnect") || login.body.contains("ProConnect")
    );

    // Her identity provider asked for a second factor: she is in, with no code asked here.
    let back = proconnect(&mut visitor, "/gard", CLAIRE).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert_eq!(back.location.as_deref(), Some("/gard/agents/"));
    let home = visitor.get("/gard/agents/").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    let admin_page = visitor.get("/gard/agents/admin/comptes").await;
    assert_eq!(
        admin_page.status,
        StatusCode::OK,
        "an administrator's pages open"
    );
    assert!(identity::is_linked(&app.platform, claire).await.unwrap());
    let mails = sink.wait_for(1).await;
    assert!(mails.iter().any(|m| {
        m.subject == "Votre compte est relié à ProConnect"
            && m.envelope_to
                .contains(&"admin@demo.guichet.test".to_owned())
    }));
    let actions = journal_actions(&gard).await;
    assert!(
        actions.iter().any(|a| a
            == "connexion avec ProConnect (double authentification), compte relié à cette identité"),
        "{actions:?}"
    );

    // Logging out ends the ProConnect session too, and comes back to the sign-in page.
    let form = visitor.get("/gard/agents/").await;
    let out = visitor
        .post("/gard/agents/deconnexion", &[("csrf", &form.csrf())])
        .await;
    let end_session = out.location.expect("off to ProConnect's session end");
    let url = url::Url::parse(&end_session).unwrap();
    let expected = format!("{}/session/end", app.proconnect.issuer);
    assert_eq!(end_session.split('?').next(), Some(expected.as_str()));
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert!(
        query
            .get("id_token_hint")
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert!(query.get("state").is_some_and(|s| s.len() >= 32));
    let post_logout = query.get("post_logout_redirect_uri").unwrap();
    assert!(
        post_logout.ends_with("/gard/agents/connexion"),
        "{post_logout}"
    );
    let ended = visitor.get_elsewhere(&end_session).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.body);
    assert!(ended.location.unwrap().starts_with(post_logout.as_str()));
    let home = visitor.get("/gard/agents/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER, "signed out");

    // Next time she is found by her identity: no new link, no new mail.
    let mut again = Visitor::new(&app);
    let back = proconnect(&mut again, "/gard", CLAIRE).await;
    assert_eq!(back.location.as_deref(), Some("/gard/agents/"));
    assert_eq!(again.get("/gard/agents/").await.status, StatusCode::OK);
    let actions = journal_actions(&gard).await;
    assert_eq!(
        actions[0],
        "connexion avec ProConnect (double authentification)"
    );
    assert_eq!(sink.received().len(), 1, "no second link mail");
    app.stop().await;
}

async fn a_sign_in_without_second_factor_is_a_first_factor_only(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = department(&app, "gard", &[DEMO_SIRET]).await;

    // Sophie signs in with a password at her identity provider. As an instructor, that is
    // enough.
    app.staff(
        &gard,
        "aid-instructor@demo.guichet.test",
        "Sophie",
        &[Role::AidInstructor],
    )
    .await;
    let mut sophie = Visitor::new(&app);
    let back = proconnect(&mut sophie, "/gard", SOPHIE).await;
    assert_eq!(
        back.location.as_deref(),
        Some("/gard/agents/"),
        "{}",
        back.body
    );
    assert_eq!(sophie.get("/gard/agents/").await.status, StatusCode::OK);

    // Were she an administrator with an authenticator app, its code would be asked next.
    let herault = department(&app, "herault", &[DEMO_SIRET]).await;
    app.staff(
        &herault,
        "aid-instructor@demo.guichet.test",
        "Sophie",
        &[Role::Admin],
    )
    .await;
    let mut admin = Visitor::new(&app);
    let back = proconnect(&mut admin, "/herault", SOPHIE).await;
    assert_eq!(
        back.location.as_deref(),
        Some("/herault/agents/connexion/code")
    );
    let home = admin.get("/herault/agents/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER, "not in before the code");
    let code = app
        .authenticators
        .next_code("aid-instructor@demo.guichet.test")
        .unwrap();
    let form = admin.get("/herault/agents/connexion/code").await;
    let done = admin
        .post(
            "/herault/agents/connexion/code",
            &[("csrf", &form.csrf()), ("code", &code)],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/herault/agents/"));
    assert_eq!(
        admin.get("/herault/agents/admin/comptes").await.status,
        StatusCode::OK
    );

    // A disability evaluator with no app yet is sent to enrol one, and nothing else opens.
    let lozere = department(&app, "lozere", &[DEMO_SIRET]).await;
    app.staff_without_app(
        &lozere,
        "aid-instructor@demo.guichet.test",
        "Sophie",
        &[Role::DisabilityEvaluator],
    )
    .await;
    let mut evaluator = Visitor::new(&app);
    proconnect(&mut evaluator, "/lozere", SOPHIE).await;
    let module = evaluator.get("/lozere/agents/").await;
    assert_eq!(
        module.location.as_deref(),
        Some("/lozere/agents/securite/double-facteur")
    );
    let enrol = evaluator
        .get("/lozere/agents/securite/double-facteur")
        .await;
    assert_eq!(enrol.status, StatusCode::OK);
    assert!(enrol.body.contains("<svg"));
    app.stop().await;
}

async fn agents_who_do_not_belong_here_are_refused_and_told_whom_to_ask(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = department(&app, "gard", &[DEMO_SIRET]).await;
    // Even an account with his address does not let another administration's agent in.
    app.staff(
        &gard,
        "paul.roux@autre-administration.test",
        "Paul",
        &[Role::Reception],
    )
    .await;
    let mut paul = Visitor::new(&app);
    let refused = proconnect(&mut paul, "/gard", PAUL).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains(&format!("SIRET {OTHER_SIRET}")),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("n&#x27;est pas déclarée")
            || refused.body.contains("n'est pas déclarée")
    );
    assert_eq!(
        paul.get("/gard/agents/").await.status,
        StatusCode::SEE_OTHER
    );

    // An agent of the department without an account is told to ask for one.
    let mut nadia = Visitor::new(&app);
    let refused = proconnect(&mut nadia, "/gard", NADIA).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("nadia.haddad@demo.guichet.test"));
    assert!(
        refused.body.contains("créer votre compte"),
        "{}",
        refused.body
    );
    assert_eq!(
        nadia.get("/gard/agents/").await.status,
        StatusCode::SEE_OTHER
    );

    // Claire is linked in the Gard; the Hérault declared another SIRET: she is not let in
    // there, though an account with her address exists.
    app.staff(&gard, "admin@demo.guichet.test", "Claire", &[Role::Admin])
        .await;
    let mut claire = Visitor::new(&app);
    let back = proconnect(&mut claire, "/gard", CLAIRE).await;
    assert_eq!(back.location.as_deref(), Some("/gard/agents/"));
    let herault = department(&app, "herault", &[OTHER_SIRET]).await;
    app.staff(
        &herault,
        "admin@demo.guichet.test",
        "Claire",
        &[Role::Admin],
    )
    .await;
    let mut claire_in_herault = Visitor::new(&app);
    let elsewhere = proconnect(&mut claire_in_herault, "/herault", CLAIRE).await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    assert_eq!(
        claire_in_herault.get("/herault/agents/").await.status,
        StatusCode::SEE_OTHER
    );

    // A return is good once: played again, it opens nothing.
    let mut replay = Visitor::new(&app);
    let back = replay.proconnect_until_return("/gard", CLAIRE).await;
    assert_eq!(
        replay.get(&back).await.location.as_deref(),
        Some("/gard/agents/")
    );
    let mut thief = Visitor::new(&app);
    let stolen = thief.get(&back).await;
    assert_eq!(stolen.status, StatusCode::BAD_REQUEST);
    assert!(
        stolen
            .body
            .contains("Recommencez depuis la page de connexion")
    );
    assert_eq!(
        thief.get("/gard/agents/").await.status,
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}

async fn the_department_minimum_is_asked_for_and_enforced(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = department(&app, "gard", &[DEMO_SIRET]).await;
    app.staff(&gard, "admin@demo.guichet.test", "Claire", &[Role::Admin])
        .await;
    app.staff(
        &gard,
        "aid-instructor@demo.guichet.test",
        "Sophie",
        &[Role::AidInstructor],
    )
    .await;

    // Without a minimum, no `claims` is asked for.
    let mut claire = Visitor::signed_in(&app, "/gard", "admin@demo.guichet.test").await;
    let authorize = claire
        .provider_authorize("/gard/agents/connexion/proconnect")
        .await;
    let query = query_of(&authorize);
    assert!(!query.contains_key("claims"), "{authorize}");
    for scope in [
        "openid",
        "email",
        "given_name",
        "usual_name",
        "uid",
        "siret",
        "idp_id",
    ] {
        assert!(query["scope"].split(' ').any(|s| s == scope), "{scope}");
    }
    assert!(query["state"].len() >= 32 && query["nonce"].len() >= 32);

    // The administrator asks for a second factor at ProConnect.
    let page = claire.get("/gard/agents/admin/identite").await;
    assert_eq!(page.status, StatusCode::OK);
    let saved = claire
        .post(
            "/gard/agents/admin/identite",
            &[
                ("csrf", &page.csrf()),
                ("sirets", DEMO_SIRET),
                ("minimum", "eidas2"),
            ],
        )
        .await;
    assert_eq!(
        saved.location.as_deref(),
        Some("/gard/agents/admin/identite")
    );
    let page = claire.get("/gard/agents/admin/identite").await;
    assert!(
        page.body
            .contains("Les règles de connexion sont enregistrées.")
    );
    assert!(
        journal_actions(&gard)
            .await
            .contains(&"règles de connexion des agents modifiées".to_owned())
    );

    // ProConnect is now asked for that level, as an essential claim.
    let mut sophie = Visitor::new(&app);
    let authorize = sophie
        .provider_authorize("/gard/agents/connexion/proconnect")
        .await;
    let claims: serde_json::Value = serde_json::from_str(&query_of(&authorize)["claims"]).unwrap();
    let acr = &claims["id_token"]["acr"];
    assert_eq!(acr["essential"], true);
    let values: Vec<&str> = acr["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        values.contains(&"eidas2") && values.contains(&"eidas3"),
        "{values:?}"
    );
    assert!(!values.contains(&"eidas1"), "{values:?}");

    // Sophie comes back at a password's level: refused, and told how to get in.
    let back = sophie.choose_identity(&authorize, SOPHIE).await;
    let refused = sophie.get(&back).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("double authentification"),
        "{}",
        refused.body
    );
    assert_eq!(
        sophie.get("/gard/agents/").await.status,
        StatusCode::SEE_OTHER
    );

    // Claire's level is enough.
    let mut claire_pc = Visitor::new(&app);
    let back = proconnect(&mut claire_pc, "/gard", CLAIRE).await;
    assert_eq!(back.location.as_deref(), Some("/gard/agents/"));
    app.stop().await;
}

async fn tampered_tokens_open_nothing(backend: Backend) {
    for tampering in [Tampering::IdToken, Tampering::Userinfo] {
        let agents = SimulatorConfig {
            tampering,
            ..SimulatorConfig::default()
        };
        let crooked = simulator::spawn(
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            agents.clone(),
        )
        .unwrap();
        let options = ServerOptions {
            proconnect: Some(guichet::proconnect::ProConnectConfig {
                issuer: crooked.issuer.clone(),
                client_id: agents.client_id,
                client_secret: agents.client_secret,
            }),
            ..ServerOptions::default()
        };
        let app = TestApp::start_with(backend, options).await;
        let base = format!("http://{}", app.addr);
        agents
            .redirect_uris
            .register(guichet::http::identity_return_uris(&base, "gard").1);
        let gard = department(&app, "gard", &[DEMO_SIRET]).await;
        // Sophie's tokens, altered to name someone else or to carry the administrator's
        // address: were they not checked, she would get into Claire's account.
        let claire = app
            .staff(&gard, "admin@demo.guichet.test", "Claire", &[Role::Admin])
            .await;
        let sophie = app
            .staff(
                &gard,
                "aid-instructor@demo.guichet.test",
                "Sophie",
                &[Role::AidInstructor],
            )
            .await;
        let mut visitor = Visitor::new(&app);
        let refused = proconnect(&mut visitor, "/gard", SOPHIE).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{tampering:?}");
        assert!(
            refused.body.contains("n&#x27;a pas pu être vérifiée")
                || refused.body.contains("n'a pas pu être vérifiée"),
            "{}",
            refused.body
        );
        assert_eq!(
            visitor.get("/gard/agents/").await.status,
            StatusCode::SEE_OTHER
        );
        assert!(!identity::is_linked(&app.platform, claire).await.unwrap());
        assert!(!identity::is_linked(&app.platform, sophie).await.unwrap());
        app.stop().await;
    }
}

async fn bad_policy_input_is_named_and_nothing_is_saved(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = department(&app, "gard", &[DEMO_SIRET]).await;
    app.staff(&gard, "chef@gard.fr", "Chef", &[Role::Admin])
        .await;
    let mut chef = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let page = chef.get("/gard/agents/admin/identite").await;
    let refused = chef
        .post(
            "/gard/agents/admin/identite",
            &[
                ("csrf", &page.csrf()),
                ("sirets", "123\n22300001800019"),
                ("minimum", "eidas9"),
                ("roles", "no_such_role"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for expected in ["14 chiffres", "22300001800019", "Choisissez un niveau"] {
        assert!(
            refused.body.contains(expected),
            "{expected}: {}",
            refused.body
        );
    }
    assert!(
        refused.body.contains("22300001800019"),
        "what was typed is kept"
    );
    let policy = identity::policy(&app.platform, &gard).await.unwrap();
    assert_eq!(policy.sirets, vec![Siret::parse(DEMO_SIRET).unwrap()]);
    assert_eq!(policy.minimum, None);

    // Only an administrator of this department reaches the page.
    app.staff(&gard, "instructeur@gard.fr", "Ines", &[Role::AidInstructor])
        .await;
    let mut instructor = Visitor::signed_in(&app, "/gard", "instructeur@gard.fr").await;
    let page = instructor.get("/gard/agents/admin/identite").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

fn query_of(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}
