//! The catalogue: the department administrator defines aids and their forms (each change a new
//! version); citizens read the open ones.

use guichet::aid_requests::catalogue;
use guichet::staff::Role;
use reqwest::StatusCode;
use tenants::Module;

use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    the_administrator_defines_an_aid_and_its_form_in_versions,
    a_page_made_from_an_older_form_gets_a_conflict,
    bad_aid_input_is_named_and_nothing_is_created,
    only_the_administrator_of_this_department_defines_aids,
    no_catalogue_without_the_module,
    a_question_can_be_linked_to_a_national_fact_of_its_type
);

async fn create_aid(admin: &mut Visitor, title: &str, open: bool) -> String {
    let csrf = admin.csrf("/gard").await;
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("title", title),
        (
            "description",
            "Une aide pour payer le loyer quand les revenus baissent.",
        ),
        ("eligibility", "Les locataires qui habitent le département."),
        ("documents", "Quittance de loyer\nAvis d'imposition"),
        ("deadline_days", "60"),
        ("silence", "refusal"),
    ];
    if open {
        form.push(("open", "on"));
    }
    let created = admin.post("/gard/agents/admin/aides/nouvelle", &form).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    created.location.unwrap()
}

async fn add_question(
    admin: &mut Visitor,
    aid: &str,
    version: &str,
    label: &str,
    kind: &str,
    options: &str,
) -> reqwest::StatusCode {
    let csrf = admin.csrf("/gard").await;
    admin
        .post(
            &format!("{aid}/questions"),
            &[
                ("csrf", &csrf),
                ("version", version),
                ("label", label),
                ("help", ""),
                ("step", "1"),
                ("kind", kind),
                ("options", options),
                ("required", "on"),
            ],
        )
        .await
        .status
}

async fn the_administrator_defines_an_aid_and_its_form_in_versions(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    app.staff(&tenant, "chef@gard.fr", "Chef", &[Role::Admin])
        .await;
    let mut admin = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;

    let aid = create_aid(&mut admin, "Aide au loyer", true).await;
    let page = admin.get(&aid).await;
    assert!(
        page.body
            .contains("L&#x27;aide « Aide au loyer » est créée")
            || page.body.contains("L'aide « Aide au loyer » est créée"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Version 1 du formulaire"));

    assert_eq!(
        add_question(
            &mut admin,
            &aid,
            "1",
            "Montant du loyer mensuel",
            "amount",
            ""
        )
        .await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        add_question(
            &mut admin,
            &aid,
            "2",
            "Situation",
            "choice",
            "Locataire\nHébergé"
        )
        .await,
        StatusCode::SEE_OTHER
    );
    // A choice needs choices: refused with a reason, nothing changes.
    assert_eq!(
        add_question(&mut admin, &aid, "3", "Statut", "choice", "Seul").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let page = admin.get(&aid).await;
    assert!(
        page.body.contains("Version 3 du formulaire"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Montant du loyer mensuel"));
    assert!(page.body.contains("Locataire, Hébergé"));

    // Removing a question is a new version; the old versions stay as they were.
    let csrf = admin.csrf("/gard").await;
    let removed = admin
        .post(
            &format!("{aid}/questions/f1/retirer"),
            &[("csrf", &csrf), ("version", "3")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    let id: i64 = aid.rsplit('/').next().unwrap().parse().unwrap();
    let v3 = guichet::aid_requests::catalogue::form(&tenant, id, 3)
        .await
        .unwrap()
        .unwrap();
    let v4 = guichet::aid_requests::catalogue::form(&tenant, id, 4)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v3.fields.len(), 2);
    assert_eq!(v4.fields.len(), 1);
    assert_eq!(v4.fields[0].label, "Situation");

    // Citizens see open aids only, without signing in.
    create_aid(&mut admin, "Aide fermée", false).await;
    let mut citizen = Visitor::new(&app);
    let catalogue = citizen.get("/gard/aides").await;
    assert_eq!(catalogue.status, StatusCode::OK);
    assert!(catalogue.body.contains("Aide au loyer"));
    assert!(!catalogue.body.contains("Aide fermée"));
    let public = citizen.get("/gard/aides/aide-au-loyer").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("Quittance de loyer"));
    assert!(public.body.contains("60 jours"));
    assert!(public.body.contains("vaut refus"));
    assert_eq!(
        citizen.get("/gard/aides/nope").await.status,
        StatusCode::NOT_FOUND
    );
    // The journal records the administrator's changes.
    let journal = admin.get("/gard/agents/admin/journal").await;
    assert!(
        journal.body.contains("ajout d&#x27;une question")
            || journal.body.contains("ajout d'une question")
    );
    app.stop().await;
}

async fn a_page_made_from_an_older_form_gets_a_conflict(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    app.staffs(
        &tenant,
        &[
            ("chef@gard.fr", "Chef", &[Role::Admin]),
            ("adjoint@gard.fr", "Adjoint", &[Role::Admin]),
        ],
    )
    .await;
    let mut first = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let mut second = Visitor::signed_in(&app, "/gard", "adjoint@gard.fr").await;
    let aid = create_aid(&mut first, "Aide au loyer", true).await;
    // Both opened the page at version 1; the first saves.
    assert_eq!(
        add_question(&mut first, &aid, "1", "Loyer", "amount", "").await,
        StatusCode::SEE_OTHER
    );
    let csrf = second.csrf("/gard").await;
    let late = second
        .post(
            &format!("{aid}/questions"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("label", "Revenus"),
                ("step", "1"),
                ("kind", "amount"),
                ("required", "on"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.body.contains("modifié par quelqu"), "{}", late.body);
    assert!(
        late.body.contains("value=\"Revenus\""),
        "the question typed is kept"
    );

    // Mistakes in a question: each at its field, everything typed kept.
    let csrf = second.csrf("/gard").await;
    let wrong = second
        .post(
            &format!("{aid}/questions"),
            &[
                ("csrf", &csrf),
                ("version", "2"),
                ("label", "Situation familiale"),
                ("help", "Au jour de la demande"),
                ("step", "99"),
                ("kind", "choice"),
                ("options", ""),
                ("fact", "inconnue"),
            ],
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    for at in [
        "href=\"#q-step\"",
        "href=\"#q-options\"",
        "href=\"#q-fact\"",
        "id=\"q-step-error\"",
    ] {
        assert!(wrong.body.contains(at), "{at}: {}", wrong.body);
    }
    for kept in [
        "value=\"Situation familiale\"",
        "value=\"Au jour de la demande\"",
        "value=\"99\"",
        "value=\"choice\" selected",
    ] {
        assert!(wrong.body.contains(kept), "{kept} kept: {}", wrong.body);
    }
    assert!(
        !wrong
            .body
            .contains("id=\"q-required\" name=\"required\" value=\"on\" checked"),
        "unticked stays unticked"
    );
    let id: i64 = aid.rsplit('/').next().unwrap().parse().unwrap();
    let current = guichet::aid_requests::catalogue::find(&tenant, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.form_version, 2);
    let form = guichet::aid_requests::catalogue::form(&tenant, id, 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(form.fields.len(), 1, "nothing overwritten");
    app.stop().await;
}

async fn bad_aid_input_is_named_and_nothing_is_created(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    app.staff(&tenant, "chef@gard.fr", "Chef", &[Role::Admin])
        .await;
    let mut admin = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let csrf = admin.csrf("/gard").await;
    let page = admin
        .post(
            "/gard/agents/admin/aides/nouvelle",
            &[
                ("csrf", &csrf),
                ("title", " "),
                ("description", "Une aide."),
                ("eligibility", ""),
                ("deadline_days", "0"),
                ("silence", "peut-être"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Donnez un titre",
        "qui peut demander",
        "entre 1 et 365",
        "acceptation ou refus",
    ] {
        assert!(page.body.contains(message), "missing « {message} »");
    }
    assert!(page.body.contains("Une aide."), "what was typed is kept");
    assert!(
        guichet::aid_requests::catalogue::list(&tenant, false)
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

async fn only_the_administrator_of_this_department_defines_aids(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    let herault = app.tenant("herault", &Module::ALL).await;
    app.staffs(
        &gard,
        &[
            ("chef@gard.fr", "Chef", &[Role::Admin]),
            ("inst@gard.fr", "Instructrice", &[Role::AidInstructor]),
        ],
    )
    .await;
    app.staff(&herault, "chef@herault.fr", "Chef 34", &[Role::Admin])
        .await;
    let mut admin = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let aid = create_aid(&mut admin, "Aide au loyer", true).await;

    let mut instructor = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    assert_eq!(
        instructor.get("/gard/agents/admin/aides").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(instructor.get(&aid).await.status, StatusCode::FORBIDDEN);
    let csrf = instructor.csrf("/gard").await;
    let refused = instructor
        .post(
            "/gard/agents/admin/aides/nouvelle",
            &[("csrf", &csrf), ("title", "Pirate")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The other department's administrator, with their own session, by path and by id.
    let mut other = Visitor::signed_in(&app, "/herault", "chef@herault.fr").await;
    let page = other.get(&aid).await;
    assert!(matches!(
        page.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::SEE_OTHER
    ));
    assert!(!page.body.contains("Aide au loyer"));
    let id = aid.rsplit('/').next().unwrap();
    let own_path = other
        .get(&format!("/herault/agents/admin/aides/{id}"))
        .await;
    assert_eq!(
        own_path.status,
        StatusCode::NOT_FOUND,
        "ids are per department"
    );
    assert_eq!(
        guichet::aid_requests::catalogue::list(&gard, false)
            .await
            .unwrap()
            .len(),
        1
    );
    app.stop().await;
}

async fn no_catalogue_without_the_module(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &[Module::UserRelations]).await;
    app.staff(&tenant, "chef@gard.fr", "Chef", &[Role::Admin])
        .await;
    let mut visitor = Visitor::new(&app);
    assert_eq!(
        visitor.get("/gard/aides").await.status,
        StatusCode::NOT_FOUND
    );
    let mut admin = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    assert_eq!(
        admin.get("/gard/agents/admin/aides").await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

async fn a_question_can_be_linked_to_a_national_fact_of_its_type(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    app.staff(&tenant, "chef@gard.fr", "Chef", &[Role::Admin])
        .await;
    let mut admin = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let aid = create_aid(&mut admin, "Aide aux vacances", true).await;
    let page = admin.get(&aid).await;
    assert!(
        page.body.contains("Quotient familial (CAF ou MSA)"),
        "the fact list is offered"
    );
    let mut post = async |version: &str, label: &str, kind: &str, fact: &str| {
        let csrf = admin.csrf("/gard").await;
        admin
            .post(
                &format!("{aid}/questions"),
                &[
                    ("csrf", &csrf),
                    ("version", version),
                    ("label", label),
                    ("help", ""),
                    ("step", "1"),
                    ("kind", kind),
                    ("options", ""),
                    ("fact", fact),
                    ("required", "on"),
                ],
            )
            .await
    };
    let linked = post("1", "Votre quotient familial", "amount", "family_quotient").await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.body);
    // A fact answers only a question of its own type: a text cannot hold the quotient.
    let mismatched = post("2", "Votre situation", "text", "family_quotient").await;
    assert_eq!(mismatched.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        mismatched
            .body
            .contains("ne peut pas répondre à une question de type"),
        "{}",
        mismatched.body
    );
    let unknown = post("2", "Autre", "amount", "impots").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.body.contains("Donnée transmise inconnue"),
        "{}",
        unknown.body
    );

    let found = catalogue::list(&tenant, false).await.unwrap();
    let aid = found
        .iter()
        .find(|a| a.title == "Aide aux vacances")
        .unwrap();
    let form = catalogue::form(&tenant, aid.id, aid.form_version)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(form.fields.len(), 1, "nothing half-added");
    assert_eq!(
        form.fields[0].fact,
        Some(guichet::national::FactKey::FamilyQuotient)
    );
    app.stop().await;
}
