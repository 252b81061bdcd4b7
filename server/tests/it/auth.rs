//! Staff sign-in: wrong password, throttling, session rotation, form tokens, sign-out, idle expiry.

use std::time::Duration;

use guichet::server::ServerOptions;
use guichet::staff::Role;
use reqwest::StatusCode;
use tenants::Module;

use crate::harness::TEST_SETUP;
use crate::harness::{Backend, TestApp, Visitor, both_engines, password_of};

both_engines!(
    sign_in_and_out,
    wrong_password_is_refused_in_french,
    form_without_token_is_refused,
    account_is_throttled_after_failures,
    address_is_throttled_after_failures,
    concurrent_wrong_passwords_are_checked_at_most_the_limit,
    good_sign_ins_do_not_count_against_their_address,
    session_ends_when_idle,
    module_access_follows_roles,
    role_changes_elsewhere_apply_within_the_cache_delay,
    a_stranger_cannot_lock_a_colleague_out_of_their_office,
    rotating_forwarded_addresses_escapes_nothing,
    address_limits_are_per_department_under_a_platform_ceiling,
);

async fn sign_in_and_out(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "anne@cd.fr", "Anne Martin", &[Role::AidInstructor])
        .await;

    let mut v = Visitor::new(&app);
    let login = v.get("/cd-test/agents/connexion").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("<html lang=\"fr\""));
    assert!(login.body.contains("Connexion des agents"));
    // Showing the form stored nothing: no session until someone signs in, so none to fix.
    assert!(v.session_cookie().is_none());
    assert!(v.cookie().is_some_and(|c| c.starts_with("guichet_form=")));

    let page = v
        .sign_in("/cd-test", "Anne@CD.fr", &password_of("anne@cd.fr"))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/cd-test/agents/"));
    let signed_cookie = v.session_cookie().expect("a session from sign-in on");

    let home = v.get("/cd-test/agents/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Bonjour Anne Martin"));
    assert!(home.body.contains("Demandes d&#x27;aide") || home.body.contains("Demandes d'aide"));

    let csrf = home.csrf();
    let out = v
        .post("/cd-test/agents/deconnexion", &[("csrf", &csrf)])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location.as_deref(), Some("/cd-test/agents/connexion"));

    // Replaying the old cookie after sign-out does not work: the session is gone from the store.
    let mut replay = Visitor::new(&app);
    replay.set_session_cookie(Some(signed_cookie));
    let after = replay.get("/cd-test/agents/").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location.as_deref(), Some("/cd-test/agents/connexion"));

    let journal = guichet::audit::recent(&t, 10).await.unwrap();
    let actions: Vec<_> = journal.iter().map(|e| e.action.as_str()).collect();
    // After the account's creation by the test's setting up.
    assert_eq!(
        actions,
        ["déconnexion", "connexion", "création d'un compte agent"]
    );
    app.stop().await;
}

async fn wrong_password_is_refused_in_french(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "anne@cd.fr", "Anne", &[Role::Admin]).await;
    let mut v = Visitor::new(&app);

    let page = v.sign_in("/cd-test", "anne@cd.fr", "mauvais").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(
        page.body
            .contains("Adresse électronique ou mot de passe incorrect")
    );
    assert!(
        page.body.contains("value=\"anne@cd.fr\""),
        "the email is kept"
    );

    // An unknown account gets the very same answer.
    let page = v.sign_in("/cd-test", "personne@cd.fr", "mauvais").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(
        page.body
            .contains("Adresse électronique ou mot de passe incorrect")
    );

    let page = v.sign_in("/cd-test", "", "").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Saisissez votre adresse électronique"));
    app.stop().await;
}

async fn form_without_token_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "anne@cd.fr", "Anne", &[Role::Admin]).await;

    let mut v = Visitor::new(&app);
    v.get("/cd-test/agents/connexion").await;
    let creds = [("email", "anne@cd.fr"), ("password", "password-anne@cd.fr")];
    let page = v.post("/cd-test/agents/connexion", &creds).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("Formulaire expiré"));

    let zeros = "0".repeat(64);
    let forged = [("csrf", zeros.as_str()), creds[0], creds[1]];
    let page = v.post("/cd-test/agents/connexion", &forged).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // Signed-in staff too: a forged form cannot create an account.
    let mut admin = Visitor::signed_in(&app, "/cd-test", "anne@cd.fr").await;
    let page = admin
        .post(
            "/cd-test/agents/admin/comptes/nouveau",
            &[
                ("display_name", "Pirate"),
                ("email", "pirate@cd.fr"),
                ("roles", "admin"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let accounts = guichet::staff::list_accounts(&app.platform, &t)
        .await
        .unwrap();
    assert!(accounts.iter().all(|a| a.email != "pirate@cd.fr"));

    // A page elsewhere that got hold of a good token still cannot post: the browser says where
    // the form comes from.
    let csrf = admin.csrf("/cd-test").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("display_name", "Pirate"),
        ("email", "pirate@cd.fr"),
        ("roles", "admin"),
    ];
    for elsewhere in [
        [
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ],
        [
            ("origin", "http://localhost:1"),
            ("sec-fetch-site", "same-site"),
        ],
    ] {
        let page = admin
            .post_with_headers("/cd-test/agents/admin/comptes/nouveau", &form, &elsewhere)
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    let accounts = guichet::staff::list_accounts(&app.platform, &t)
        .await
        .unwrap();
    assert!(accounts.iter().all(|a| a.email != "pirate@cd.fr"));
    // The same form from this site goes through.
    let here = format!("http://{}", app.addr);
    let page = admin
        .post_with_headers(
            "/cd-test/agents/admin/comptes/nouveau",
            &form,
            &[("origin", here.as_str()), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
    app.stop().await;
}

async fn account_is_throttled_after_failures(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "anne@cd.fr", "Anne", &[Role::Admin]).await;
    let mut v = Visitor::new(&app);
    for _ in 0..5 {
        let page = v.sign_in("/cd-test", "anne@cd.fr", "mauvais").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, with a message that says what to do.
    let page = v
        .sign_in("/cd-test", "anne@cd.fr", &password_of("anne@cd.fr"))
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("attendez 15 minutes"));
    app.stop().await;
}

async fn address_is_throttled_after_failures(backend: Backend) {
    let options = ServerOptions {
        throttle: guichet::throttle::ThrottlePolicy {
            per_address: 6,
            ..Default::default()
        },
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "anne@cd.fr", "Anne", &[Role::Admin]).await;
    let mut v = Visitor::new(&app);
    // One failure each on six different accounts: no account reaches its own limit...
    for i in 0..6 {
        let page = v
            .sign_in("/cd-test", &format!("essai{i}@cd.fr"), "mauvais")
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    // ...but the address has, so even a good account is refused from it.
    let page = v
        .sign_in("/cd-test", "anne@cd.fr", &password_of("anne@cd.fr"))
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

/// Fifty wrong guesses sent at once for one account: each is counted before its password is
/// checked, so no more than the account's limit are checked; the others are refused unread.
async fn concurrent_wrong_passwords_are_checked_at_most_the_limit(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "anne@cd.fr", "Anne", &[Role::AidInstructor])
        .await;
    let mut guessers = Vec::new();
    for _ in 0..50 {
        let mut v = Visitor::new(&app);
        let csrf = v.get("/cd-test/agents/connexion").await.csrf();
        guessers.push((v, csrf));
    }
    let answers = futures_util::future::join_all(guessers.iter_mut().map(|(v, csrf)| {
        let csrf = csrf.clone();
        async move {
            let form = [
                ("csrf", csrf.as_str()),
                ("email", "anne@cd.fr"),
                ("password", "mauvais"),
            ];
            v.post("/cd-test/agents/connexion", &form).await.status
        }
    }))
    .await;
    let checked = answers
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + refused, 50, "{answers:?}");
    assert!(
        (1..=5).contains(&checked),
        "{checked} guesses were checked, the limit is 5"
    );
    let mut anne = Visitor::new(&app);
    let page = anne
        .sign_in("/cd-test", "anne@cd.fr", &password_of("anne@cd.fr"))
        .await;
    assert_eq!(
        page.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the account is locked"
    );
    app.stop().await;
}

/// An attempt counts against its address until it succeeds: an office's staff signing in all
/// day from one address never reach the address's limit.
async fn good_sign_ins_do_not_count_against_their_address(backend: Backend) {
    let options = ServerOptions {
        throttle: guichet::throttle::ThrottlePolicy {
            per_address: 3,
            ..Default::default()
        },
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "anne@cd.fr", "Anne", &[Role::AidInstructor])
        .await;
    for _ in 0..5 {
        Visitor::signed_in(&app, "/cd-test", "anne@cd.fr").await;
    }
    app.stop().await;
}

async fn session_ends_when_idle(backend: Backend) {
    let options = ServerOptions {
        session_idle: Duration::from_secs(2),
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "anne@cd.fr", "Anne", &[Role::Admin]).await;
    let mut v = Visitor::signed_in(&app, "/cd-test", "anne@cd.fr").await;
    // Activity keeps the session alive well past the idle time...
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(v.get("/cd-test/agents/").await.status, StatusCode::OK);
    }
    // ...and inactivity ends it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let page = v.get("/cd-test/agents/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/cd-test/agents/connexion"));
    app.stop().await;
}

async fn module_access_follows_roles(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.tenant("cd-test", &[Module::AidRequests]).await;
    app.staff(&t, "inst@cd.fr", "Inès", &[Role::AidInstructor])
        .await;
    let mut v = Visitor::signed_in(&app, "/cd-test", "inst@cd.fr").await;
    assert_eq!(
        v.get("/cd-test/agents/modules/aid_requests").await.status,
        StatusCode::OK
    );
    for path in [
        "/cd-test/agents/modules/insertion",
        "/cd-test/agents/modules/user_relations",
        "/cd-test/agents/admin/comptes",
        "/cd-test/agents/admin/journal",
    ] {
        let page = v.get(path).await;
        assert!(
            page.status == StatusCode::FORBIDDEN || page.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            page.status
        );
    }
    app.stop().await;
}

/// A role removed by another node (here: straight in the store) stops working within the
/// account cache's delay; the same node's own changes apply at once (see staff_admin).
async fn role_changes_elsewhere_apply_within_the_cache_delay(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    let id = app
        .staff(&t, "inst@cd.fr", "Inès", &[Role::AidInstructor])
        .await;
    let mut v = Visitor::signed_in(&app, "/cd-test", "inst@cd.fr").await;
    assert_eq!(
        v.get("/cd-test/agents/modules/aid_requests").await.status,
        StatusCode::OK
    );

    guichet::staff::set_roles(&app.platform, &t, id, &[Role::Reception], TEST_SETUP)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + guichet::staff::ACCOUNT_TTL * 3;
    loop {
        let status = v.get("/cd-test/agents/modules/aid_requests").await.status;
        if status == StatusCode::FORBIDDEN {
            break;
        }
        assert_eq!(status, StatusCode::OK);
        assert!(
            std::time::Instant::now() < deadline,
            "the removed role kept working"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.stop().await;
}

/// Behind the operator's proxy (the tests connect from loopback, declared as that proxy),
/// each request says which client the proxy saw.
fn behind_proxy(throttle: guichet::throttle::ThrottlePolicy) -> ServerOptions {
    ServerOptions {
        throttle,
        trusted_proxies: guichet::http::client_address::TrustedProxies::parse("127.0.0.0/8")
            .unwrap(),
        ..ServerOptions::default()
    }
}

/// Signs in as `email` with `password`, the proxy having seen `client`; `forwarded` is the
/// whole `X-Forwarded-For` as received (what the client wrote, then what the proxy added).
async fn sign_in_from(
    v: &mut Visitor,
    base: &str,
    (email, password): (&str, &str),
    forwarded: &str,
) -> StatusCode {
    let login = v.get(&format!("{base}/agents/connexion")).await;
    v.post_with_headers(
        &format!("{base}/agents/connexion"),
        &[
            ("csrf", &login.csrf()),
            ("email", email),
            ("password", password),
        ],
        &[("x-forwarded-for", forwarded)],
    )
    .await
    .status
}

async fn a_stranger_cannot_lock_a_colleague_out_of_their_office(backend: Backend) {
    let app = TestApp::start_with(backend, behind_proxy(Default::default())).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "anne@cd.fr", "Anne", &[Role::AidInstructor])
        .await;
    let right = password_of("anne@cd.fr");
    let office = "203.0.113.10";
    let anne = ("anne@cd.fr", right.as_str());
    // Anne works from her office.
    assert_eq!(
        sign_in_from(&mut Visitor::new(&app), "/cd-test", anne, office).await,
        StatusCode::SEE_OTHER
    );
    // Someone elsewhere guesses her password from many addresses until the account locks.
    let mut attacker = Visitor::new(&app);
    let mut refused = 0;
    for i in 0..12 {
        let from = format!("198.51.100.{i}");
        let status =
            sign_in_from(&mut attacker, "/cd-test", ("anne@cd.fr", "mauvais"), &from).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert_eq!(
        refused, 7,
        "five guesses, then the account is locked for strangers"
    );
    // Even with her password, a stranger's address stays locked out...
    assert_eq!(
        sign_in_from(&mut attacker, "/cd-test", anne, "192.0.2.99").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...but Anne, at her office, signs in.
    assert_eq!(
        sign_in_from(&mut Visitor::new(&app), "/cd-test", anne, office).await,
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}

async fn rotating_forwarded_addresses_escapes_nothing(backend: Backend) {
    let policy = guichet::throttle::ThrottlePolicy {
        per_account: 100,
        per_address: 4,
        ..Default::default()
    };
    let app = TestApp::start_with(backend, behind_proxy(policy)).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "anne@cd.fr", "Anne", &[Role::AidInstructor])
        .await;
    let mut attacker = Visitor::new(&app);
    let mut statuses = Vec::new();
    for i in 0..8 {
        // The attacker writes a new address each time; the proxy appends the one it saw.
        let forwarded = format!("10.1.2.{i}, 198.51.100.7");
        let who = format!("essai{i}@cd.fr");
        statuses.push(sign_in_from(&mut attacker, "/cd-test", (&who, "mauvais"), &forwarded).await);
    }
    let locked = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(locked, 4, "{statuses:?}");
    // Spoofing an office's address locks nothing of the office: its own address is fine.
    let anne = password_of("anne@cd.fr");
    assert_eq!(
        sign_in_from(
            &mut Visitor::new(&app),
            "/cd-test",
            ("anne@cd.fr", &anne),
            "203.0.113.10"
        )
        .await,
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}

/// `n` wrong passwords for `n` accounts of `base`, from `from`.
async fn wrong_guesses(v: &mut Visitor, base: &str, n: usize, from: &str) -> Vec<StatusCode> {
    let mut out = Vec::new();
    for i in 0..n {
        let who = format!("essai{i}@cd.fr");
        out.push(sign_in_from(v, base, (&who, "mauvais"), from).await);
    }
    out
}

async fn address_limits_are_per_department_under_a_platform_ceiling(backend: Backend) {
    let policy = guichet::throttle::ThrottlePolicy {
        per_account: 100,
        per_address: 3,
        per_address_platform: 5,
        ..Default::default()
    };
    let app = TestApp::start_with(backend, behind_proxy(policy)).await;
    for slug in ["gard", "herault", "lozere"] {
        app.tenant(slug, &Module::ALL).await;
    }
    let mut v = Visitor::new(&app);
    let from = "198.51.100.7";
    let unauthorized = StatusCode::UNAUTHORIZED;
    let locked = StatusCode::TOO_MANY_REQUESTS;
    // Three in the Gard: its limit.
    assert_eq!(
        wrong_guesses(&mut v, "/gard", 4, from).await,
        [unauthorized, unauthorized, unauthorized, locked]
    );
    // The Hérault's limit is its own...
    assert_eq!(
        wrong_guesses(&mut v, "/herault", 2, from).await,
        [unauthorized, unauthorized]
    );
    // ...under the platform's ceiling of five from one address.
    assert_eq!(wrong_guesses(&mut v, "/lozere", 1, from).await, [locked]);
    app.stop().await;
}
