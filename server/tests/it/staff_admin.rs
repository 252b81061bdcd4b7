//! The department administrator's staff page: list, create, assign roles, journal.

use guichet::staff::Role;
use reqwest::StatusCode;
use tenants::Module;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::harness::{Backend, TestApp, Visitor, both_engines, hidden_value};

both_engines!(
    admin_creates_staff_and_assigns_roles,
    bad_staff_input_is_explained
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
    assert!(page.body.contains("rôle inconnu") || page.body.contains("Rôle inconnu"));

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
