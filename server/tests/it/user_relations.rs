//! User relations: reception's record of a citizen and its contact history; every staff read
//! or change of a file shows once in that citizen's access journal, named by service and role;
//! who may open a record.

use guichet::aids::form::{Answer, Answers};
use guichet::audit;
use guichet::citizens::{self, Citizen};
use guichet::requests::{self, Submission};
use guichet::staff::Role;
use reqwest::StatusCode;
use tenants::{Module, Tenant};

use crate::harness::{Backend, TestApp, Visitor, both_engines};
use crate::instruction::aid;

both_engines!(
    every_staff_read_of_a_file_shows_once_in_the_citizens_journal,
    reception_logs_contacts_and_bad_input_is_refused,
    only_reception_opens_records_and_only_in_its_department,
);

/// Angela DUBOIS (the FranceConnect simulator's first person) files a request.
async fn angela_files(tenant: &Tenant) -> (Citizen, i64) {
    let identity = guichet::franceconnect::simulator::test_identities()[0].clone();
    let citizen = citizens::sign_in_with_franceconnect(tenant, &identity)
        .await
        .unwrap();
    let aid = aid(tenant).await;
    let draft = requests::draft_for(tenant, citizen.id, &aid).await.unwrap();
    let form = aids_form(tenant, &aid, draft.form_version).await;
    let mut answers = Answers::new();
    answers.insert("f1".into(), Answer::Amount(52_000));
    requests::save_step(tenant, citizen.id, draft.id, &form, 1, answers)
        .await
        .unwrap();
    match requests::submit(tenant, &citizen, draft.id, "http://x/", &Default::default())
        .await
        .unwrap()
    {
        Submission::Submitted(r) => (citizen, r.id),
        other => panic!("not filed: {other:?}"),
    }
}

async fn aids_form(
    tenant: &Tenant,
    aid: &guichet::aids::Aid,
    version: i32,
) -> guichet::aids::form::FormDefinition {
    guichet::aids::form(tenant, aid.id, version)
        .await
        .unwrap()
        .unwrap()
}

async fn journal_length(tenant: &Tenant, citizen: &Citizen) -> usize {
    audit::for_citizen(tenant, citizen.id, 10_000)
        .await
        .unwrap()
        .len()
}

fn shows(body: &str, text: &str) -> bool {
    body.contains(text) || body.contains(&text.replace('\'', "&#x27;"))
}

async fn every_staff_read_of_a_file_shows_once_in_the_citizens_journal(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    app.staff(
        &tenant,
        "ines@gard.fr",
        "Inès Instructrice",
        &[Role::AidInstructor],
    )
    .await;
    app.staff(&tenant, "paul@gard.fr", "Paul Accueil", &[Role::Reception])
        .await;
    let (angela, request_id) = angela_files(&tenant).await;
    assert_eq!(journal_length(&tenant, &angela).await, 0);

    // Each view of the file adds exactly one entry, each time it is opened.
    let mut ines = Visitor::signed_in(&app, "/gard", "ines@gard.fr").await;
    for expected in 1..=2 {
        let page = ines
            .get(&format!("/gard/agents/demandes/{request_id}"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(journal_length(&tenant, &angela).await, expected);
    }
    let mut paul = Visitor::signed_in(&app, "/gard", "paul@gard.fr").await;
    let found = paul.get("/gard/agents/usagers?q=dubois").await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert!(
        found
            .body
            .contains(&format!("/gard/agents/usagers/{}", angela.id))
    );
    assert_eq!(
        journal_length(&tenant, &angela).await,
        2,
        "a search lists names and opens no file"
    );
    let record = paul
        .get(&format!("/gard/agents/usagers/{}", angela.id))
        .await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.body);
    assert!(record.body.contains("Dossier de Angela DUBOIS"));
    assert_eq!(journal_length(&tenant, &angela).await, 3);
    let csrf = record.csrf();
    let logged = paul
        .post(
            &format!("/gard/agents/usagers/{}/contacts", angela.id),
            &[
                ("csrf", &csrf),
                ("day", &chrono::Utc::now().date_naive().to_string()),
                ("channel", "visit"),
                ("subject", "Dépôt d'un justificatif"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.body);
    assert_eq!(
        journal_length(&tenant, &angela).await,
        4,
        "a change is one entry"
    );

    // The citizen reads them: service and role, never the staff member's name or address.
    let mut citizen = Visitor::new(&app);
    citizen
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let journal = citizen.get("/gard/mon-espace/journal").await;
    assert_eq!(journal.status, StatusCode::OK, "{}", journal.body);
    let body = &journal.body;
    assert!(
        shows(body, "Demandes d'aide — Instruction des demandes d'aide"),
        "{body}"
    );
    assert!(shows(body, "Consultation d'une demande d'aide"));
    assert!(shows(body, "Relation usager — Accueil"));
    assert!(shows(body, "Consultation du dossier"));
    assert!(shows(
        body,
        "Ajout d'un contact à l'historique (visite à l'accueil)"
    ));
    assert_eq!(body.matches("<tr><td>").count(), 4, "one row per entry");
    for staff_detail in ["ines@gard.fr", "Inès", "paul@gard.fr", "Paul"] {
        assert!(
            !body.contains(staff_detail),
            "{staff_detail} shown to the citizen"
        );
    }

    // Another citizen's journal holds none of it.
    let mut karim = Visitor::new(&app);
    karim
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let theirs = karim.get("/gard/mon-espace/journal").await;
    assert!(
        theirs
            .body
            .contains("Aucun agent n'a encore consulté votre dossier.")
    );
    assert!(!shows(&theirs.body, "Consultation du dossier"));
    // The journal is the citizen's own: no session, no journal.
    let anonymous = Visitor::new(&app).get("/gard/mon-espace/journal").await;
    assert_ne!(anonymous.status, StatusCode::OK);
    // Entries about files are chained with the rest of the journal.
    assert!(matches!(
        audit::verify(&tenant).await.unwrap(),
        audit::Verification::Intact { .. }
    ));
    app.stop().await;
}

async fn reception_logs_contacts_and_bad_input_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    app.staff(&tenant, "paul@gard.fr", "Paul Accueil", &[Role::Reception])
        .await;
    let (angela, _) = angela_files(&tenant).await;
    let mut paul = Visitor::signed_in(&app, "/gard", "paul@gard.fr").await;
    let path = format!("/gard/agents/usagers/{}", angela.id);
    let csrf = paul.get(&path).await.csrf();
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    let refused = paul
        .post(
            &format!("{path}/contacts"),
            &[
                ("csrf", &csrf),
                ("day", &tomorrow),
                ("channel", "pigeon"),
                ("subject", "   "),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("dans le futur"), "{}", refused.body);
    assert!(refused.body.contains("visite, appel, courrier ou courriel"));
    assert!(shows(&refused.body, "Indiquez l'objet du contact"));
    assert!(
        guichet::user_relations::contacts_of(&tenant, angela.id)
            .await
            .unwrap()
            .is_empty(),
        "nothing written"
    );
    let today = chrono::Utc::now().date_naive().to_string();
    let done = paul
        .post(
            &format!("{path}/contacts"),
            &[
                ("csrf", &csrf),
                ("day", &today),
                ("channel", "call"),
                ("subject", "Question sur l'aide au loyer"),
                ("note", "Rappeler <b>lundi</b>"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let record = paul.get(done.location.as_deref().unwrap()).await;
    assert!(
        record
            .body
            .contains("Le contact est noté dans l'historique.")
    );
    assert!(record.body.contains("Appel téléphonique"));
    assert!(shows(&record.body, "Question sur l'aide au loyer"));
    assert!(
        record.body.contains("Rappeler &lt;b&gt;lundi&lt;/b&gt;"),
        "notes are escaped"
    );
    // Reception sees where the request stands, not what it holds.
    assert!(record.body.contains("Aide au loyer"));
    assert!(
        !record.body.contains("520,00"),
        "the amounts stay with the instructors"
    );
    app.stop().await;
}

async fn only_reception_opens_records_and_only_in_its_department(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    let herault = app.tenant("herault", &Module::ALL).await;
    app.staff(&gard, "ines@gard.fr", "Inès", &[Role::AidInstructor])
        .await;
    app.staff(&gard, "chef@gard.fr", "Chef", &[Role::Supervisor])
        .await;
    app.staff(&gard, "paul@gard.fr", "Paul", &[Role::Reception])
        .await;
    app.staff(&herault, "rose@herault.fr", "Rose", &[Role::Reception])
        .await;
    let (angela, _) = angela_files(&gard).await;
    let record = format!("/gard/agents/usagers/{}", angela.id);
    let routes = [record.clone(), "/gard/agents/usagers?q=dubois".to_owned()];
    let before = journal_length(&gard, &angela).await;
    for (email, base) in [
        ("ines@gard.fr", "/gard"),
        ("chef@gard.fr", "/gard"),
        ("rose@herault.fr", "/herault"),
    ] {
        let mut visitor = Visitor::signed_in(&app, base, email).await;
        for route in &routes {
            let page = visitor.get(route).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{email} on {route}");
            assert!(!page.body.contains("DUBOIS"), "{email} on {route}");
        }
        let csrf = visitor.csrf(base).await;
        let post = visitor
            .post(
                &format!("{record}/contacts"),
                &[
                    ("csrf", &csrf),
                    ("day", "2026-11-30"),
                    ("channel", "call"),
                    ("subject", "x"),
                ],
            )
            .await;
        assert_eq!(
            post.status,
            StatusCode::FORBIDDEN,
            "{email} posting a contact"
        );
    }
    // Herault's reception, in its own department: ids are per department.
    let mut rose = Visitor::signed_in(&app, "/herault", "rose@herault.fr").await;
    let own = rose
        .get(&format!("/herault/agents/usagers/{}", angela.id))
        .await;
    assert_eq!(own.status, StatusCode::NOT_FOUND);
    assert!(!own.body.contains("DUBOIS"));
    let search = rose.get("/herault/agents/usagers?q=dubois").await;
    assert!(search.body.contains("Aucun usager ne porte ce nom"));
    assert!(
        guichet::user_relations::contacts_of(&gard, angela.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        journal_length(&gard, &angela).await,
        before,
        "refused attempts read nothing"
    );
    app.stop().await;
}
