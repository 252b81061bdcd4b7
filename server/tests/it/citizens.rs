//! Citizens sign in through FranceConnect (the project's simulator, over real HTTP and the real
//! OpenID Connect protocol); one person at two departments is two separate records.

use guichet::entity::citizen;
use guichet::franceconnect::FranceConnectConfig;
use guichet::server::ServerOptions;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use tenants::{Module, Tenant};

use crate::harness::{Backend, TestApp, Visitor, both_engines, hidden_value};

both_engines!(
    an_undeclared_return_address_is_refused,
    sign_in_returns_to_the_page_asked_for_and_nowhere_else,
    citizen_signs_in_with_franceconnect_and_sees_their_identity,
    same_person_at_two_departments_is_two_records,
    a_tampered_state_is_refused_and_creates_nothing,
    a_code_cannot_be_used_twice,
    cancelling_at_franceconnect_says_so,
    logout_ends_the_franceconnect_session_too,
    an_unreachable_provider_gets_a_clear_message,
    the_citizen_space_needs_a_sign_in
);

async fn citizen_count(tenant: &Tenant) -> u64 {
    let txn = tenant.db().begin().await.unwrap();
    let count = citizen::Entity::find().count(&txn).await.unwrap();
    txn.commit().await.unwrap();
    count
}

async fn citizen_signs_in_with_franceconnect_and_sees_their_identity(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let mut visitor = Visitor::new(&app);

    // The sign-in page offers FranceConnect with its button.
    let login = visitor.get("/gard/connexion").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("S'identifier avec"), "{}", login.body);
    assert!(login.body.contains("Qu'est-ce que FranceConnect ?"));

    // What we ask FranceConnect for.
    let start = visitor.get("/gard/connexion/franceconnect").await;
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    let authorize = url::Url::parse(start.location.as_deref().unwrap()).unwrap();
    assert!(authorize.as_str().starts_with(&app.franceconnect.issuer));
    let param = |name: &str| {
        authorize
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("acr_values").as_deref(), Some("eidas1"));
    assert_eq!(param("response_type").as_deref(), Some("code"));
    assert!(param("scope").unwrap().contains("openid"));
    assert!(param("state").unwrap().len() >= 22);
    assert!(param("nonce").unwrap().len() >= 22);
    assert_eq!(
        param("redirect_uri").unwrap(),
        format!("http://{}/gard/connexion/franceconnect/retour", app.addr)
    );

    let space = visitor
        .franceconnect_sign_in("/gard", "sim-marie-leroy")
        .await;
    assert_eq!(space.status, StatusCode::OK);
    // Usage name first, birth name and the rest as FranceConnect vouched for them.
    assert!(
        space.body.contains("Bonjour Marie MARTIN"),
        "{}",
        space.body
    );
    assert!(space.body.contains("LEROY"));
    assert!(space.body.contains("30/11/1951"));
    assert!(space.body.contains("marie.leroy@courriel.test"));
    assert!(space.body.contains("Se déconnecter"));
    assert_eq!(citizen_count(&tenant).await, 1);

    // Signing in again finds the same record.
    let mut again = Visitor::new(&app);
    again
        .franceconnect_sign_in("/gard", "sim-marie-leroy")
        .await;
    assert_eq!(citizen_count(&tenant).await, 1);
    app.stop().await;
}

/// A third party's client sends the person to the identity provider with its own return
/// address: both simulators refuse, as the services do, instead of sending the code there.
async fn an_undeclared_return_address_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.tenant("gard", &Module::ALL).await;
    let mut visitor = Visitor::new(&app);
    let http = guichet::tls::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for start in [
        "/gard/connexion/franceconnect",
        "/gard/agents/connexion/proconnect",
    ] {
        let ours = visitor.get(start).await.location.unwrap();
        let mut authorize = url::Url::parse(&ours).unwrap();
        let declared = http.get(authorize.as_str()).send().await.unwrap();
        assert_eq!(declared.status(), StatusCode::OK, "{start}");
        for elsewhere in [
            "https://attaquant.example/retour".to_owned(),
            format!("http://{}/autre/connexion/franceconnect/retour", app.addr),
        ] {
            let pairs: Vec<(String, String)> = authorize
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k == "redirect_uri" {
                        elsewhere.clone()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            authorize.query_pairs_mut().clear().extend_pairs(&pairs);
            let refused = http.get(authorize.as_str()).send().await.unwrap();
            assert_eq!(
                refused.status(),
                StatusCode::BAD_REQUEST,
                "{start} {elsewhere}"
            );
            assert!(refused.headers().get("location").is_none());
            let body = refused.text().await.unwrap();
            assert!(
                body.contains("n&#x27;est pas déclarée") || body.contains("n'est pas déclarée"),
                "{body}"
            );
        }
    }
    app.stop().await;
}

async fn same_person_at_two_departments_is_two_records(backend: Backend) {
    let app = TestApp::start(backend).await;
    let alpha = app.tenant("alpha", &Module::ALL).await;
    let beta = app.tenant("beta", &Module::ALL).await;
    let mut visitor = Visitor::new(&app);
    visitor
        .franceconnect_sign_in("/alpha", "sim-karim-benali")
        .await;
    // The alpha session does not open beta's space.
    let elsewhere = visitor.get("/beta/mon-espace").await;
    assert_eq!(elsewhere.status, StatusCode::SEE_OTHER);
    assert_eq!(elsewhere.location.as_deref(), Some("/beta/connexion"));
    assert!(!elsewhere.body.contains("BENALI"));

    visitor
        .franceconnect_sign_in("/beta", "sim-karim-benali")
        .await;
    assert_eq!(citizen_count(&alpha).await, 1);
    assert_eq!(citizen_count(&beta).await, 1);
    app.stop().await;
}

async fn a_tampered_state_is_refused_and_creates_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let mut visitor = Visitor::new(&app);
    let back = visitor
        .franceconnect_until_return("/gard", "sim-angela-dubois")
        .await;
    let mut url = url::Url::parse(&format!("http://x{back}")).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                format!("{v}x")
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let tampered = visitor
        .get(&format!("{}?{}", url.path(), url.query().unwrap()))
        .await;
    assert_eq!(tampered.status, StatusCode::BAD_REQUEST);
    assert!(tampered.body.contains("Recommencez"), "{}", tampered.body);
    // The genuine return is no good either now: a sign-in attempt is spent once.
    let genuine = visitor.get(&back).await;
    assert_eq!(genuine.status, StatusCode::BAD_REQUEST);
    assert_eq!(citizen_count(&tenant).await, 0);
    let space = visitor.get("/gard/mon-espace").await;
    assert_eq!(space.status, StatusCode::SEE_OTHER);
    app.stop().await;
}

async fn a_code_cannot_be_used_twice(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.tenant("gard", &Module::ALL).await;
    let mut first = Visitor::new(&app);
    let back = first
        .franceconnect_until_return("/gard", "sim-angela-dubois")
        .await;
    let done = first.get(&back).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);

    // Someone replays the code under a sign-in of their own.
    let mut thief = Visitor::new(&app);
    let start = thief.get("/gard/connexion/franceconnect").await;
    let authorize = url::Url::parse(start.location.as_deref().unwrap()).unwrap();
    let state = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let code = url::Url::parse(&format!("http://x{back}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let replay = thief
        .get(&format!(
            "/gard/connexion/franceconnect/retour?code={code}&state={state}"
        ))
        .await;
    assert_eq!(replay.status, StatusCode::BAD_GATEWAY, "{}", replay.body);
    assert!(replay.body.contains("FranceConnect"));
    let space = thief.get("/gard/mon-espace").await;
    assert_eq!(space.status, StatusCode::SEE_OTHER);
    app.stop().await;
}

async fn cancelling_at_franceconnect_says_so(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.tenant("gard", &Module::ALL).await;
    let mut visitor = Visitor::new(&app);
    let start = visitor.get("/gard/connexion/franceconnect").await;
    let authorize = start.location.unwrap();
    let page = visitor.get_elsewhere(&authorize).await;
    let interaction = hidden_value(&page.body, "interaction");
    let cancel = format!("{}/interaction/cancel", app.franceconnect.issuer);
    let back = visitor
        .post_elsewhere(&cancel, &[("interaction", &interaction)])
        .await;
    let back = visitor.local_path(&back.location.unwrap());
    let page = visitor.get(&back).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Vous avez annulé la connexion"),
        "{}",
        page.body
    );
    app.stop().await;
}

async fn logout_ends_the_franceconnect_session_too(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.tenant("gard", &Module::ALL).await;
    let mut visitor = Visitor::new(&app);
    let space = visitor
        .franceconnect_sign_in("/gard", "sim-lucas-nguyen")
        .await;
    let csrf = space.csrf();
    let out = visitor.post("/gard/deconnexion", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let end_session = url::Url::parse(out.location.as_deref().unwrap()).unwrap();
    assert!(
        end_session
            .as_str()
            .starts_with(&format!("{}/session/end", app.franceconnect.issuer))
    );
    assert!(end_session.query_pairs().any(|(k, _)| k == "id_token_hint"));
    // Like the real service, the simulator sends nobody to an address not declared.
    let mut elsewhere = end_session.clone();
    let pairs: Vec<(String, String)> = end_session
        .query_pairs()
        .map(|(k, v)| match &*k {
            "post_logout_redirect_uri" => (k.into_owned(), "https://attaquant.example/".into()),
            _ => (k.into_owned(), v.into_owned()),
        })
        .collect();
    elsewhere.query_pairs_mut().clear().extend_pairs(&pairs);
    let refused = visitor.get_elsewhere(elsewhere.as_str()).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.location.is_none());
    assert!(
        refused.body.contains("post_logout_redirect_uri"),
        "{}",
        refused.body
    );
    let back = visitor.get_elsewhere(end_session.as_str()).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let back = visitor.local_path(&back.location.unwrap());
    assert!(back.starts_with("/gard/deconnexion/terminee"));
    let page = visitor.get(&back).await;
    assert!(page.body.contains("Vous êtes déconnecté"));
    // The old session is gone.
    let space = visitor.get("/gard/mon-espace").await;
    assert_eq!(space.status, StatusCode::SEE_OTHER);
    app.stop().await;
}

async fn an_unreachable_provider_gets_a_clear_message(backend: Backend) {
    // A port nobody listens on. (Not one taken and freed here: the simulators the app starts
    // next could be given it again.)
    let closed = "127.0.0.1:1";
    let options = ServerOptions {
        franceconnect: Some(FranceConnectConfig {
            issuer: format!("http://{closed}/api/v2"),
            client_id: "x".into(),
            client_secret: "y".into(),
        }),
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    app.tenant("gard", &Module::ALL).await;
    let mut visitor = Visitor::new(&app);
    let page = visitor.get("/gard/connexion/franceconnect").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.body.contains("FranceConnect ne répond pas"),
        "{}",
        page.body
    );
    app.stop().await;
}

async fn the_citizen_space_needs_a_sign_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.tenant("gard", &Module::ALL).await;
    let mut visitor = Visitor::new(&app);
    let page = visitor.get("/gard/mon-espace").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/gard/connexion"));
    // Signing out without a session is harmless, but still needs the form token.
    let out = visitor.post("/gard/deconnexion", &[]).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

/// « Faire une demande » while signed out: the sign-in page says why it is shown, and signing
/// in (FranceConnect or password) lands on the page asked for. A return address outside the
/// department is ignored.
async fn sign_in_returns_to_the_page_asked_for_and_nowhere_else(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    let aid = crate::fixtures::rent_aid(&gard).await;
    let asked = format!("/gard/aides/{}/demander", aid.slug);
    let carried = format!("retour=%2Faides%2F{}%2Fdemander", aid.slug);
    let mut visitor = Visitor::new(&app);
    let refused = visitor.get(&asked).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    let login = refused.location.unwrap();
    assert_eq!(login, format!("/gard/connexion?{carried}"));
    let page = visitor.get(&login).await;
    assert!(
        page.body
            .contains("La page demandée est réservée aux personnes connectées"),
        "{}",
        page.body
    );
    // Its FranceConnect link and its form carry the return; nothing is stored before sign-in.
    let start = format!("/gard/connexion/franceconnect?{carried}");
    assert!(page.body.contains(&start), "{}", page.body);
    assert!(page.body.contains(&format!(
        "name=\"retour\" value=\"/aides/{}/demander\"",
        aid.slug
    )));
    assert!(visitor.session_cookie().is_none());
    let authorize = visitor.provider_authorize(&start).await;
    let back = visitor
        .choose_identity(&authorize, "sim-angela-dubois")
        .await;
    let done = visitor.get(&back).await;
    assert_eq!(done.location.as_deref(), Some(asked.as_str()));
    let start_page = visitor.get(&asked).await;
    assert!(
        start_page.body.contains("Commencer ma demande"),
        "{}",
        start_page.body
    );

    // Elsewhere is never a return address: the citizen lands in their space.
    for elsewhere in [
        "https%3A%2F%2Fattaquant.example%2F",
        "%2F%2Fattaquant.example%2F",
        "%2F%5Cattaquant.example",
        "%2Fconnexion",
    ] {
        let mut visitor = Visitor::new(&app);
        let page = visitor
            .get(&format!("/gard/connexion?retour={elsewhere}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("réservée aux personnes connectées"));
        assert!(!page.body.contains("attaquant"));
        let authorize = visitor
            .provider_authorize(&format!("/gard/connexion/franceconnect?retour={elsewhere}"))
            .await;
        let back = visitor
            .choose_identity(&authorize, "sim-angela-dubois")
            .await;
        let done = visitor.get(&back).await;
        assert_eq!(
            done.location.as_deref(),
            Some("/gard/mon-espace"),
            "{elsewhere}"
        );
    }
    // A form sent without a session is not sent again: its sign-in carries no return.
    let mut visitor = Visitor::new(&app);
    let posted = visitor.post(&asked, &[("csrf", "x")]).await;
    assert_ne!(posted.status, StatusCode::OK);
    assert!(!posted.location.unwrap_or_default().contains("retour"));
    app.stop().await;
}
