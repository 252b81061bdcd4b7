//! A staff account's life: created with an activation link (no one but its owner ever sees
//! its password), password changed or reset by a link an administrator sends, deactivated and
//! reactivated; every password change and deactivation ends the account's sessions at once,
//! and sessions end after an absolute lifetime however active.

use std::time::Duration;

use guichet::entity::staff_token;
use guichet::http::SessionLifetime;
use guichet::server::ServerOptions;
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use tenants::{Module, Tenant};

use crate::harness::TEST_SETUP;
use crate::harness::{
    Backend, Page, TestApp, Visitor, app_with_mail, both_engines, hidden_value, link_in,
    password_of,
};
use crate::smtp::SmtpSink;

both_engines!(
    a_new_colleague_chooses_the_password_no_one_else_sees,
    a_reset_link_from_the_administrator_ends_every_session,
    changing_ones_password_ends_the_other_sessions,
    deactivation_ends_sessions_and_refuses_every_sign_in,
    links_work_once_in_their_own_department_only,
    sessions_end_after_their_absolute_lifetime,
    a_citizens_reset_ends_their_other_sessions,
);

const NEW_PASSWORD: &str = "le hibou range ses crayons verts";

async fn journal_actions(tenant: &Tenant) -> Vec<String> {
    guichet::audit::recent(tenant, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

/// The administrator creates `email` as an instructor through the form.
async fn create_colleague(admin: &mut Visitor, email: &str) -> Page {
    let form = admin.get("/gard/agents/admin/comptes/nouveau").await;
    admin
        .post(
            "/gard/agents/admin/comptes/nouveau",
            &[
                ("csrf", &form.csrf()),
                ("display_name", "Bruno Martin"),
                ("email", email),
                ("roles", "aid_instructor"),
            ],
        )
        .await
}

/// Opens a mailed link and submits `password` twice on its form.
async fn choose_password(visitor: &mut Visitor, link: &str, password: &str) -> Page {
    let form = visitor.get(link).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let token = hidden_value(&form.body, "jeton");
    visitor
        .post(
            "/gard/agents/mot-de-passe/choisir",
            &[
                ("csrf", &form.csrf()),
                ("jeton", &token),
                ("password", password),
                ("password_again", password),
            ],
        )
        .await
}

/// The newest mail to `to` whose subject contains `subject`, waiting for `count` mails in all.
async fn mail_to(
    sink: &SmtpSink,
    count: usize,
    to: &str,
    subject: &str,
) -> crate::smtp::ReceivedMail {
    sink.wait_for(count)
        .await
        .into_iter()
        .rev()
        .find(|m| m.envelope_to.iter().any(|t| t == to) && m.subject.contains(subject))
        .unwrap_or_else(|| panic!("no mail « {subject} » to {to}"))
}

async fn change_password(visitor: &mut Visitor, csrf: &str, current: &str, new: &str) -> Page {
    visitor
        .post(
            "/gard/agents/securite/mot-de-passe",
            &[
                ("csrf", csrf),
                ("current_password", current),
                ("password", new),
                ("password_again", new),
            ],
        )
        .await
}

async fn is_signed_in(visitor: &mut Visitor) -> bool {
    visitor.get("/gard/agents/").await.status == StatusCode::OK
}

async fn a_new_colleague_chooses_the_password_no_one_else_sees(backend: Backend) {
    let (app, sink, gard) = app_with_mail(backend).await;
    app.staff(&gard, "admin@gard.fr", "Adèle Admin", &[Role::Admin])
        .await;
    let mut admin = Visitor::signed_in(&app, "/gard", "admin@gard.fr").await;

    let created = create_colleague(&mut admin, "bruno@gard.fr").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(created.body.contains("lien pour activer son compte"));
    assert!(
        !created.body.contains("class=\"secret\""),
        "no password shown"
    );
    let list = admin.get("/gard/agents/admin/comptes").await;
    assert!(
        list.body.contains("en attente d&#x27;activation")
            || list.body.contains("en attente d'activation")
    );

    let mail = mail_to(&sink, 1, "bruno@gard.fr", "Votre compte Guichet").await;
    let mut bruno = Visitor::new(&app);
    let link = link_in(&mail, &bruno, "/agents/mot-de-passe/choisir?jeton=");
    // Only the link's hash is stored: the store alone opens nothing.
    let token = link.split("jeton=").nth(1).unwrap().to_owned();
    let stored = staff_token::Entity::find()
        .all(app.platform.db())
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|t| t.token_hash != token && t.token_hash.len() == 64)
    );

    // A common password, one made of his own name, and two different ones are refused.
    let form = bruno.get(&link).await;
    assert!(form.body.contains("Activer votre compte"), "{}", form.body);
    for (password, again, expected) in [
        ("password1234", "password1234", "mots de passe courants"),
        ("brunomartin", "brunomartin", "12 caractères"),
        (
            "Bruno Martin Gard",
            "Bruno Martin Gard",
            "mots de passe courants",
        ),
        (NEW_PASSWORD, "autre chose encore", "pas identiques"),
    ] {
        let refused = bruno
            .post(
                "/gard/agents/mot-de-passe/choisir",
                &[
                    ("csrf", &form.csrf()),
                    ("jeton", &token),
                    ("password", password),
                    ("password_again", again),
                ],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password}"
        );
        assert!(
            refused.body.contains(expected),
            "{password}: {}",
            refused.body
        );
    }

    let chosen = choose_password(&mut bruno, &link, NEW_PASSWORD).await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    let login = bruno.get(chosen.location.as_deref().unwrap()).await;
    assert!(login.body.contains("Votre mot de passe est enregistré"));
    let signed = bruno.sign_in("/gard", "bruno@gard.fr", NEW_PASSWORD).await;
    assert_eq!(signed.location.as_deref(), Some("/gard/agents/"));
    assert!(is_signed_in(&mut bruno).await);

    // The link worked once.
    let replay = bruno.get(&link).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert!(
        replay.body.contains("n&#x27;est plus valable")
            || replay.body.contains("n'est plus valable")
    );
    let actions = journal_actions(&gard).await;
    assert!(
        actions.contains(&"création d'un compte agent".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"activation de son compte par l'agent".to_owned()),
        "{actions:?}"
    );
    app.stop().await;
}

async fn a_reset_link_from_the_administrator_ends_every_session(backend: Backend) {
    let (app, sink, gard) = app_with_mail(backend).await;
    app.staff(&gard, "admin@gard.fr", "Adèle Admin", &[Role::Admin])
        .await;
    let bruno_id = app
        .staff(&gard, "bruno@gard.fr", "Bruno", &[Role::AidInstructor])
        .await;
    let mut admin = Visitor::signed_in(&app, "/gard", "admin@gard.fr").await;
    let mut office = Visitor::signed_in(&app, "/gard", "bruno@gard.fr").await;
    let mut home = Visitor::signed_in(&app, "/gard", "bruno@gard.fr").await;

    let page = admin
        .get(&format!("/gard/agents/admin/comptes/{bruno_id}"))
        .await;
    assert!(
        page.body
            .contains("Envoyer un lien pour choisir un nouveau mot de passe")
    );
    let sent = admin
        .post(
            &format!("/gard/agents/admin/comptes/{bruno_id}/lien"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let mail = mail_to(&sink, 1, "bruno@gard.fr", "nouveau mot de passe").await;
    // The administrator never sees the link; until it is used, the old password still works.
    let list = admin.get("/gard/agents/admin/comptes").await;
    assert!(!list.body.contains("jeton="));
    assert!(is_signed_in(&mut office).await);

    let mut fresh = Visitor::new(&app);
    let link = link_in(&mail, &fresh, "/agents/mot-de-passe/choisir?jeton=");
    let chosen = choose_password(&mut fresh, &link, NEW_PASSWORD).await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);

    // Both of Bruno's sessions are over; the administrator's is not.
    assert!(!is_signed_in(&mut office).await);
    assert!(!is_signed_in(&mut home).await);
    assert!(is_signed_in(&mut admin).await);
    let old = Visitor::new(&app)
        .sign_in("/gard", "bruno@gard.fr", &password_of("bruno@gard.fr"))
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = Visitor::new(&app)
        .sign_in("/gard", "bruno@gard.fr", NEW_PASSWORD)
        .await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);
    let actions = journal_actions(&gard).await;
    assert!(
        actions.contains(&"envoi d'un lien de changement de mot de passe à un agent".to_owned())
    );
    assert!(actions.contains(&"nouveau mot de passe choisi par lien".to_owned()));
    app.stop().await;
}

async fn changing_ones_password_ends_the_other_sessions(backend: Backend) {
    let (app, sink, gard) = app_with_mail(backend).await;
    app.staff(&gard, "bruno@gard.fr", "Bruno", &[Role::AidInstructor])
        .await;
    let mut office = Visitor::signed_in(&app, "/gard", "bruno@gard.fr").await;
    let mut phone = Visitor::signed_in(&app, "/gard", "bruno@gard.fr").await;

    let form = office.get("/gard/agents/securite/mot-de-passe").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = form.csrf();
    let wrong = change_password(&mut office, &csrf, "pas le mien", NEW_PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("mot de passe actuel est incorrect"));
    let current = password_of("bruno@gard.fr");
    let weak = change_password(&mut office, &csrf, &current, "azertyuiop123").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(is_signed_in(&mut phone).await, "nothing changed yet");

    let changed = change_password(&mut office, &csrf, &current, NEW_PASSWORD).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let notice = office.get(changed.location.as_deref().unwrap()).await;
    assert!(notice.body.contains("Votre mot de passe est changé"));
    // The session that changed it goes on; the other one is over.
    assert!(is_signed_in(&mut office).await);
    assert!(!is_signed_in(&mut phone).await);
    let told = mail_to(&sink, 1, "bruno@gard.fr", "mot de passe a été changé").await;
    assert!(!told.text.contains(NEW_PASSWORD));
    assert!(
        journal_actions(&gard)
            .await
            .contains(&"changement de mot de passe".to_owned())
    );
    let new = Visitor::new(&app)
        .sign_in("/gard", "bruno@gard.fr", NEW_PASSWORD)
        .await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);
    app.stop().await;
}

async fn deactivation_ends_sessions_and_refuses_every_sign_in(backend: Backend) {
    let (app, sink, gard) = app_with_mail(backend).await;
    let admin_id = app
        .staff(&gard, "admin@gard.fr", "Adèle Admin", &[Role::Admin])
        .await;
    // Claire signs in with ProConnect too (the simulator's agent with this address).
    let claire = "admin@demo.guichet.test";
    let claire_id = app
        .staff(&gard, claire, "Claire Dupont", &[Role::AidInstructor])
        .await;
    let policy = guichet::staff::identity::IdentityPolicy {
        sirets: vec![guichet::staff::identity::Siret::parse(guichet::demo::SIRET).unwrap()],
        ..Default::default()
    };
    guichet::staff::identity::save_policy(&app.platform, &gard, &policy, TEST_SETUP)
        .await
        .unwrap();
    let mut admin = Visitor::signed_in(&app, "/gard", "admin@gard.fr").await;
    let mut with_password = Visitor::signed_in(&app, "/gard", claire).await;
    let mut with_proconnect = Visitor::new(&app);
    let back = with_proconnect
        .proconnect_until_return("/gard", "sim-agent-claire-dupont")
        .await;
    assert_eq!(
        with_proconnect.get(&back).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(is_signed_in(&mut with_proconnect).await);

    // One cannot deactivate oneself.
    let own = admin
        .get(&format!("/gard/agents/admin/comptes/{admin_id}"))
        .await;
    assert!(!own.body.contains("Désactiver le compte"));
    let refused = admin
        .post(
            &format!("/gard/agents/admin/comptes/{admin_id}/desactiver"),
            &[("csrf", &own.csrf())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);

    let page = admin
        .get(&format!("/gard/agents/admin/comptes/{claire_id}"))
        .await;
    let off = admin
        .post(
            &format!("/gard/agents/admin/comptes/{claire_id}/desactiver"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.body);
    assert!(!is_signed_in(&mut with_password).await);
    assert!(!is_signed_in(&mut with_proconnect).await);
    let by_password = Visitor::new(&app)
        .sign_in("/gard", claire, &password_of(claire))
        .await;
    assert_eq!(by_password.status, StatusCode::UNAUTHORIZED);
    let mut again = Visitor::new(&app);
    let back = again
        .proconnect_until_return("/gard", "sim-agent-claire-dupont")
        .await;
    let refused = again.get(&back).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(!is_signed_in(&mut again).await);
    mail_to(&sink, 2, claire, "désactivé").await;
    let list = admin.get("/gard/agents/admin/comptes").await;
    assert!(list.body.contains("désactivé"));

    let page = admin
        .get(&format!("/gard/agents/admin/comptes/{claire_id}"))
        .await;
    let on = admin
        .post(
            &format!("/gard/agents/admin/comptes/{claire_id}/reactiver"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    let back_in = Visitor::new(&app)
        .sign_in("/gard", claire, &password_of(claire))
        .await;
    assert_eq!(back_in.status, StatusCode::SEE_OTHER);
    mail_to(&sink, 3, claire, "réactivé").await;
    let actions = journal_actions(&gard).await;
    assert!(actions.contains(&"désactivation d'un compte agent".to_owned()));
    assert!(actions.contains(&"réactivation d'un compte agent".to_owned()));
    app.stop().await;
}

async fn links_work_once_in_their_own_department_only(backend: Backend) {
    let (app, sink, gard) = app_with_mail(backend).await;
    app.tenant("lozere", &Module::ALL).await;
    app.staff(&gard, "admin@gard.fr", "Adèle Admin", &[Role::Admin])
        .await;
    let mut admin = Visitor::signed_in(&app, "/gard", "admin@gard.fr").await;
    create_colleague(&mut admin, "bruno@gard.fr").await;
    let first = mail_to(&sink, 1, "bruno@gard.fr", "Votre compte Guichet").await;
    let mut bruno = Visitor::new(&app);
    let first = link_in(&first, &bruno, "jeton=");

    // Another department's address with a good token opens nothing.
    let elsewhere = first.replacen("/gard/", "/lozere/", 1);
    assert_eq!(bruno.get(&elsewhere).await.status, StatusCode::BAD_REQUEST);

    // A new link sent replaces the first one.
    let accounts = guichet::staff::list_accounts(&app.platform, &gard)
        .await
        .unwrap();
    let bruno_id = accounts
        .iter()
        .find(|a| a.email == "bruno@gard.fr")
        .unwrap()
        .id;
    let page = admin
        .get(&format!("/gard/agents/admin/comptes/{bruno_id}"))
        .await;
    assert!(
        page.body.contains("Renvoyer le lien d&#x27;activation")
            || page.body.contains("Renvoyer le lien d'activation")
    );
    admin
        .post(
            &format!("/gard/agents/admin/comptes/{bruno_id}/lien"),
            &[("csrf", &page.csrf())],
        )
        .await;
    let second = mail_to(&sink, 2, "bruno@gard.fr", "Votre compte Guichet").await;
    let second = link_in(&second, &bruno, "jeton=");
    assert_ne!(first, second);
    assert_eq!(bruno.get(&first).await.status, StatusCode::BAD_REQUEST);
    let chosen = choose_password(&mut bruno, &second, NEW_PASSWORD).await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER);
    assert_eq!(bruno.get(&second).await.status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

async fn sessions_end_after_their_absolute_lifetime(backend: Backend) {
    let options = ServerOptions {
        session_idle: Duration::from_secs(600),
        session_lifetime: SessionLifetime {
            staff: Duration::from_secs(2),
            citizen: Duration::from_secs(2),
        },
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    app.staff(&gard, "bruno@gard.fr", "Bruno", &[Role::AidInstructor])
        .await;
    let mut bruno = Visitor::signed_in(&app, "/gard", "bruno@gard.fr").await;
    assert!(is_signed_in(&mut bruno).await);
    // Active all along, yet over once the lifetime has passed.
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        bruno.get("/gard/agents/").await;
    }
    let after = bruno.get("/gard/agents/").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location.as_deref(), Some("/gard/agents/connexion"));
    app.stop().await;
}

async fn a_citizens_reset_ends_their_other_sessions(backend: Backend) {
    let (app, sink, _gard) = app_with_mail(backend).await;
    let email = "fatou@exemple.fr";
    let mut laptop = Visitor::new(&app);
    let form = laptop.get("/gard/inscription").await;
    laptop
        .post(
            "/gard/inscription",
            &[
                ("csrf", &form.csrf()),
                ("given_name", "Fatou"),
                ("family_name", "Diallo"),
                ("email", email),
                ("password", NEW_PASSWORD),
                ("password_again", NEW_PASSWORD),
            ],
        )
        .await;
    let mail = mail_to(&sink, 1, email, "").await;
    let confirm = laptop.get(&link_in(&mail, &laptop, "jeton=")).await;
    laptop
        .post(
            "/gard/inscription/confirmer",
            &[
                ("csrf", &confirm.csrf()),
                ("jeton", &hidden_value(&confirm.body, "jeton")),
            ],
        )
        .await;
    // Confirming signed her in on the laptop.
    assert_eq!(laptop.get("/gard/mon-espace").await.status, StatusCode::OK);

    let mut phone = Visitor::new(&app);
    let forgot = phone.get("/gard/mot-de-passe-oublie").await;
    phone
        .post(
            "/gard/mot-de-passe-oublie",
            &[("csrf", &forgot.csrf()), ("email", email)],
        )
        .await;
    let reset = mail_to(&sink, 2, email, "Changer votre mot de passe").await;
    let form = phone.get(&link_in(&reset, &phone, "jeton=")).await;
    let done = phone
        .post(
            "/gard/mot-de-passe/nouveau",
            &[
                ("csrf", &form.csrf()),
                ("jeton", &hidden_value(&form.body, "jeton")),
                ("password", "une toute autre phrase secrète"),
                ("password_again", "une toute autre phrase secrète"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let space = laptop.get("/gard/mon-espace").await;
    assert_eq!(
        space.status,
        StatusCode::SEE_OTHER,
        "the laptop's session is over"
    );
    app.stop().await;
}
