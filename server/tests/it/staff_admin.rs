//! The department administrator's staff page: list, create, assign roles, journal.

use guichet::staff::Role;
use reqwest::StatusCode;
use tenants::Module;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::harness::{Backend, TestApp, Visitor, both_engines, hidden_value};

both_engines!(
    admin_creates_staff_and_assigns_roles,
    bad_staff_input_is_explained,
    the_journal_is_filtered_paged_and_in_words
);

async fn admin_creates_staff_and_assigns_roles(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "admin@cd.fr", "Adèle Admin", &[Role::Admin])
        .await;
    let mut admin = Visitor::signed_in(&app, "/cd-test", "admin@cd.fr").await;

    let list = admin.get("/cd-test/agents/admin/comptes").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Adèle Admin"));

    let form = admin.get("/cd-test/agents/admin/comptes/nouveau").await;
    let csrf = form.csrf();
    let created = admin
        .post(
            "/cd-test/agents/admin/comptes/nouveau",
            &[
                ("csrf", &csrf),
                ("display_name", "Bruno Instructeur"),
                ("email", "Bruno@CD.fr"),
                ("roles", "aid_instructor"),
                ("roles", "reception"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(
        !created.body.contains("class=\"secret\""),
        "no password is shown"
    );

    // Bruno activates his account with the link mailed to him (read from the outbox).
    let txn = t.db().begin().await.unwrap();
    let mail = guichet::entity::mail_outbox::Entity::find()
        .filter(guichet::entity::mail_outbox::Column::Recipient.eq("bruno@cd.fr"))
        .one(&txn)
        .await
        .unwrap()
        .expect("an activation mail is queued");
    txn.commit().await.unwrap();
    let link = mail
        .body_text
        .split_whitespace()
        .find(|w| w.contains("jeton="))
        .unwrap();
    let mut bruno = Visitor::new(&app);
    let form = bruno.get(&bruno.local_path(link)).await;
    let password = "une phrase que Bruno seul connaît";
    let chosen = bruno
        .post(
            "/cd-test/agents/mot-de-passe/choisir",
            &[
                ("csrf", &form.csrf()),
                ("jeton", &hidden_value(&form.body, "jeton")),
                ("password", password),
                ("password_again", password),
            ],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    let page = bruno.sign_in("/cd-test", "bruno@cd.fr", password).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let home = bruno.get("/cd-test/agents/").await;
    assert!(home.body.contains("Instruction des demandes d"));
    assert!(home.body.contains("Accueil"));

    // Change Bruno's roles: instructor only.
    let accounts = guichet::staff::list_accounts(&app.platform, &t)
        .await
        .unwrap();
    let bruno_id = accounts
        .iter()
        .find(|a| a.email == "bruno@cd.fr")
        .unwrap()
        .id;
    let edit = admin
        .get(&format!("/cd-test/agents/admin/comptes/{bruno_id}"))
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    let saved = admin
        .post(
            &format!("/cd-test/agents/admin/comptes/{bruno_id}"),
            &[("csrf", &edit.csrf()), ("roles", "insertion_referent")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let list = admin.get("/cd-test/agents/admin/comptes").await;
    assert!(
        list.body
            .contains("Les rôles de bruno@cd.fr sont enregistrés.")
    );
    let account = guichet::staff::find_account(&app.platform, &t, bruno_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.roles, vec![Role::InsertionReferent]);

    // Bruno's next request reflects it: his new role holds social files, which his password
    // alone does not open; he is sent to enrol a second factor first.
    let page = bruno.get("/cd-test/agents/modules/aid_requests").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location.as_deref(),
        Some("/cd-test/agents/securite/double-facteur")
    );

    // Everything is in the journal, and the chain verifies.
    let journal = admin.get("/cd-test/agents/admin/journal").await;
    assert!(
        journal.body.contains("création d&#x27;un compte agent")
            || journal.body.contains("création d'un compte agent")
    );
    assert!(journal.body.contains("modification des rôles"));
    assert_eq!(
        guichet::audit::verify(&t).await.unwrap(),
        // The admin's own account and app (the test's setting up), Bruno's creation, his
        // activation, the admin's sign-in, the role change, the sign-in's second factor…
        guichet::audit::Verification::Intact { entries: 7 }
    );
    app.stop().await;
}

async fn bad_staff_input_is_explained(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.tenant("cd-test", &[Module::AidRequests]).await;
    let admin_id = app.staff(&t, "admin@cd.fr", "Adèle", &[Role::Admin]).await;
    let mut admin = Visitor::signed_in(&app, "/cd-test", "admin@cd.fr").await;
    let csrf = admin.csrf("/cd-test").await;

    let page = admin
        .post(
            "/cd-test/agents/admin/comptes/nouveau",
            &[
                ("csrf", &csrf),
                ("display_name", ""),
                ("email", "pas-une-adresse"),
                ("roles", "insertion_referent"),
                ("roles", "chef"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Indiquez le nom et le prénom"));
    assert!(page.body.contains("n&#x27;est pas valide") || page.body.contains("n'est pas valide"));
    assert!(page.body.contains("auquel ce département n"));
    assert!(page.body.contains("« Référent insertion »"));
    assert!(
        page.body.contains("n&#x27;est pas un rôle proposé")
            || page.body.contains("n'est pas un rôle proposé")
    );
    // The refusals name roles and modules in words, never by their ids.
    assert!(!page.body.contains("« insertion_referent »"));
    assert!(!page.body.contains("aid_instructor,"));

    // A name of 10,000 characters, or one with a line break, is refused with what to do.
    let long = "A".repeat(10_000);
    for name in [long.as_str(), "Adèle\r\nBis"] {
        let page = admin
            .post(
                "/cd-test/agents/admin/comptes/nouveau",
                &[
                    ("csrf", &csrf),
                    ("display_name", name),
                    ("email", "adele.bis@cd.fr"),
                    ("roles", "aid_instructor"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.body.contains("100 caractères au plus"),
            "{}",
            page.body
        );
    }

    let page = admin
        .post(
            "/cd-test/agents/admin/comptes/nouveau",
            &[
                ("csrf", &csrf),
                ("display_name", "Adèle bis"),
                ("email", "ADMIN@cd.fr"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("un compte existe déjà") || page.body.contains("Un compte existe déjà")
    );
    assert_eq!(
        guichet::staff::list_accounts(&app.platform, &t)
            .await
            .unwrap()
            .len(),
        1
    );

    // An administrator cannot lock themselves out.
    let page = admin
        .post(
            &format!("/cd-test/agents/admin/comptes/{admin_id}"),
            &[("csrf", &csrf), ("roles", "aid_instructor")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("propre rôle d"));

    // Ids that are not numbers, or not there, are a plain 404.
    assert_eq!(
        admin.get("/cd-test/agents/admin/comptes/abc").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .get("/cd-test/agents/admin/comptes/999999")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

/// The administrator reads the journal on the local clock, with roles and modules in words,
/// narrows it by agent, module, period and words, and pages through it; a filter value the page
/// does not offer is refused in French.
async fn the_journal_is_filtered_paged_and_in_words(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.tenant("cd-test", &Module::ALL).await;
    app.staff(&t, "admin@cd.fr", "Adèle", &[Role::Admin]).await;
    let mut admin = Visitor::signed_in(&app, "/cd-test", "admin@cd.fr").await;
    let event = |n: usize, email: &str, role: &str, module: &str| guichet::audit::AuditEvent {
        actor_id: None,
        actor_email: email.to_owned(),
        actor_role: role.to_owned(),
        action: format!("consultation du dossier n° {n}"),
        subject: format!("usager {n}"),
        reason: "accueil".to_owned(),
        citizen_id: None,
        module: module.to_owned(),
    };
    for n in 0..60 {
        guichet::audit::record(&t, event(n, "rachel@cd.fr", "reception", "user_relations"))
            .await
            .unwrap();
    }
    guichet::audit::record(
        &t,
        event(
            999,
            "ines@cd.fr",
            "aid_instructor,supervisor",
            "aid_requests",
        ),
    )
    .await
    .unwrap();

    let journal = admin.get("/cd-test/agents/admin/journal").await;
    assert_eq!(journal.status, StatusCode::OK);
    // Roles and modules in words, never their ids.
    assert!(
        journal
            .body
            .contains("ines@cd.fr (Instruction des demandes d&#x27;aide, Supervision)")
            || journal
                .body
                .contains("ines@cd.fr (Instruction des demandes d'aide, Supervision)")
    );
    assert!(journal.body.contains(">Relation usager<"));
    assert!(!journal.body.contains("aid_instructor"));
    // The newest entry's moment, on the department's clock.
    let newest = guichet::audit::recent(&t, 1).await.unwrap().remove(0);
    let local = newest
        .at
        .with_timezone(&chrono_tz::Europe::Paris)
        .format("%d/%m/%Y à %H:%M")
        .to_string();
    assert!(journal.body.contains(&local), "{local}");
    assert!(!journal.body.contains("UTC"));
    // A page at a time: 50 of the 63 entries (the admin's setup and sign-in included), then the rest.
    assert!(journal.body.contains("Page 1 sur 2"));
    assert!(journal.body.contains("consultation du dossier n° 999"));
    assert!(!journal.body.contains("consultation du dossier n° 5<"));
    let second = admin.get("/cd-test/agents/admin/journal?page=2").await;
    assert!(second.body.contains("Page 2 sur 2"));
    assert!(second.body.contains("consultation du dossier n° 5<"));

    // By agent, by module, by words: only what matches.
    let ines = admin
        .get("/cd-test/agents/admin/journal?agent=ines%40cd.fr")
        .await;
    assert!(ines.body.contains("1 opération(s)"), "{}", ines.body);
    let in_aid = admin
        .get("/cd-test/agents/admin/journal?module=aid_requests&periode=jour")
        .await;
    assert!(in_aid.body.contains("1 opération(s)"));
    let words = admin
        .get("/cd-test/agents/admin/journal?recherche=DOSSIER+n%C2%B0+42")
        .await;
    assert!(words.body.contains("consultation du dossier n° 42"));
    assert!(!words.body.contains("consultation du dossier n° 41"));

    // Values the page does not offer are refused by name, in French.
    for query in [
        "agent=mallory%40ailleurs.fr",
        "module=rsa",
        "periode=siecle",
        "page=deux",
    ] {
        let refused = admin
            .get(&format!("/cd-test/agents/admin/journal?{query}"))
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(refused.body.contains("n&#x27;est pas") || refused.body.contains("n'est pas"));
    }
    app.stop().await;
}
