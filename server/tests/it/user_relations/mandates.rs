//! Assisted filing under a mandate (issue 6): reception records a mandate with the citizen
//! present, the citizen is told (email, or the letter reception prints), reception files
//! through the same form, the citizen revokes it from their space and nothing more can be
//! done under it. A mandate is bound to its citizen, its scope and its department.

use guichet::aid_requests::filing::{self, FiledBy, SaveError, Status, Submission};
use guichet::aid_requests::form::{Answer, Answers};
use guichet::citizens;
use guichet::ids::{CitizenId, RequestId};
use guichet::staff::Role;
use guichet::user_relations::mandates::{self, EndedBy, NewMandate, Scope};
use reqwest::StatusCode;
use tenants::Module;

use crate::fixtures::rent_aid;
use crate::harness::{Backend, TEST_SETUP, TestApp, Visitor, both_engines};

both_engines!(
    reception_files_under_a_mandate_and_the_citizen_revokes_it,
    a_mandate_serves_only_its_citizen_its_aids_its_department_and_its_time,
    a_citizen_without_email_is_told_by_the_letter_reception_prints,
    a_revocation_racing_a_filing_lands_wholly_before_or_after_it,
);

fn shows(body: &str, text: &str) -> bool {
    body.contains(text) || body.contains(&text.replace('\'', "&#x27;"))
}

fn in_days(days: u64) -> String {
    (mandates::today() + chrono::Days::new(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// The id after `marker` in a path: `/gard/agents/mandats/3?ok=…` → 3.
fn id_after(path: &str, marker: &str) -> i64 {
    let start = path
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {path}"))
        + marker.len();
    path[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

async fn reception_files_under_a_mandate_and_the_citizen_revokes_it(backend: Backend) {
    let (app, sink, tenant) = crate::harness::app_with_mail(backend).await;
    app.staff(&tenant, "paul@gard.fr", "Paul Accueil", &[Role::Reception])
        .await;
    let loyer = rent_aid(&tenant).await;
    let mut angela = Visitor::new(&app);
    angela
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let identity = guichet::franceconnect::simulator::test_identities()[0].clone();
    assert_eq!(identity.sub, "sim-angela-dubois");
    let person = citizens::sign_in_with_franceconnect(&tenant, &identity)
        .await
        .unwrap();

    let mut paul = Visitor::signed_in(&app, "/gard", "paul@gard.fr").await;
    let record = paul
        .get(&format!("/gard/agents/usagers/{}", person.id))
        .await;
    assert!(record.body.contains("Enregistrer un mandat de dépôt"));
    let new = format!("/gard/agents/usagers/{}/mandats", person.id);
    let form = paul.get(&format!("{new}/nouveau")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("La demande « Aide au loyer »"));

    // Mistakes are named, and nothing is recorded.
    let refused = paul
        .post(
            &new,
            &[
                ("csrf", &form.csrf()),
                ("aide", &loyer.slug),
                ("jusqu_au", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(shows(&refused.body, "La date de fin du mandat est passée"));
    assert!(shows(&refused.body, "la personne présente"));
    assert!(shows(&refused.body, "pièce d'identité"));
    let too_long = paul
        .post(
            &new,
            &[
                ("csrf", &form.csrf()),
                ("aide", &loyer.slug),
                ("jusqu_au", &in_days(400)),
                ("presente", "oui"),
                ("identite", "oui"),
            ],
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(shows(&too_long.body, "Un mandat vaut un an au plus"));
    assert!(
        mandates::of_citizen(&tenant, &[person.id])
            .await
            .unwrap()
            .is_empty()
    );

    let recorded = paul
        .post(
            &new,
            &[
                ("csrf", &form.csrf()),
                ("aide", &loyer.slug),
                ("jusqu_au", &in_days(30)),
                ("presente", "oui"),
                ("identite", "oui"),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let page_path = recorded.location.clone().unwrap();
    let mandate = id_after(&page_path, "/agents/mandats/");
    let told = sink.wait_for(1).await;
    assert_eq!(told[0].to, "angela.dubois@courriel.test");
    assert_eq!(told[0].subject, "Vous avez donné un mandat au département");
    assert!(told[0].text.contains("« Aide au loyer »"));
    assert!(told[0].text.contains("Paul Accueil"));
    assert!(told[0].text.contains("/gard/mon-espace/mandats"));

    let page = paul.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Le mandat est enregistré"));
    assert!(page.body.contains("En cours"));
    let opened = paul
        .post(
            &format!("/gard/agents/mandats/{mandate}/aides/{}", loyer.slug),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let step = opened.location.unwrap();
    assert!(step.ends_with("/etape/1"), "{step}");
    let draft = id_after(&step, "/demandes/");
    let step_page = paul.get(&step).await;
    assert_eq!(step_page.status, StatusCode::OK, "{}", step_page.body);
    assert!(step_page.body.contains("Dépôt assisté"));
    assert!(step_page.body.contains("Angela DUBOIS"));
    let wrong = paul
        .post_multipart(
            &step,
            &[("csrf", &step_page.csrf()), ("f1", "beaucoup")],
            &[],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let saved = paul
        .post_multipart(&step, &[("csrf", &step_page.csrf()), ("f1", "520")], &[])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let review_path = saved.location.unwrap();
    assert!(review_path.ends_with("/recapitulatif"), "{review_path}");
    let review = paul.get(&review_path).await;
    assert!(review.body.contains("Déposer la demande pour elle"));
    assert!(review.body.contains("520,00"));
    let filed = paul
        .post(
            &format!("/gard/agents/mandats/{mandate}/demandes/{draft}/deposer"),
            &[("csrf", &review.csrf())],
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let landed = paul.get(filed.location.as_deref().unwrap()).await;
    assert!(
        landed
            .body
            .contains("La demande est déposée : référence GARD-")
    );
    let request = filing::find_for_citizen(&tenant, CitizenId(person.id), RequestId(draft))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(request.status, Status::Submitted);
    assert_eq!(request.mandate_id, Some(mandate));
    let receipt = sink.wait_for(2).await;
    assert!(
        receipt[1].text.contains(&format!(
            "par l'accueil du département, sous votre mandat n° {mandate}"
        )),
        "{}",
        receipt[1].text
    );

    // The citizen sees the request as theirs, who filed it, and each step in their journal.
    let theirs = angela.get(&format!("/gard/demandes/{draft}")).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(shows(
        &theirs.body,
        "par l'accueil du département, sous votre mandat"
    ));
    let journal = angela.get("/gard/mon-espace/journal").await;
    assert!(
        journal
            .body
            .contains("Enregistrement d&#x27;un mandat de dépôt")
            || journal.body.contains("Enregistrement d'un mandat de dépôt")
    );
    assert!(journal.body.contains("(dépôt assisté)"));

    // She revokes it: reception can do nothing more under it, and the page says why.
    let mine = angela.get("/gard/mon-espace/mandats").await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert!(mine.body.contains("« Aide au loyer »"));
    assert!(mine.body.contains(request.reference.as_deref().unwrap()));
    let revoke = format!("/gard/mon-espace/mandats/{mandate}/revoquer");
    let revoked = angela.post(&revoke, &[("csrf", &mine.csrf())]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let after = angela.get(revoked.location.as_deref().unwrap()).await;
    assert!(after.body.contains("Le mandat est révoqué"));
    assert!(after.body.contains("Révoqué par la personne le"));
    assert!(!after.body.contains("Révoquer ce mandat"));
    let again = angela.post(&revoke, &[("csrf", &mine.csrf())]).await;
    assert!(again.location.unwrap().ends_with("?ok=deja"));

    let refused = paul
        .post(
            &format!("/gard/agents/mandats/{mandate}/aides/{}", loyer.slug),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("ne peut plus servir"));
    assert!(refused.body.contains("révoqué par la personne"));
    let page = paul.get(&format!("/gard/agents/mandats/{mandate}")).await;
    assert!(page.body.contains("Révoqué par la personne le"));
    assert!(!page.body.contains("Remplir « Aide au loyer »"));
    assert!(!page.body.contains("Mettre fin au mandat"));
    app.stop().await;
}

async fn a_mandate_serves_only_its_citizen_its_aids_its_department_and_its_time(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    let herault = app.tenant("herault", &Module::ALL).await;
    let paul = app
        .staff(&gard, "paul@gard.fr", "Paul Accueil", &[Role::Reception])
        .await;
    app.staffs(
        &gard,
        &[
            ("ines@gard.fr", "Inès", &[Role::AidInstructor]),
            ("sam@gard.fr", "Sam", &[Role::Supervisor]),
        ],
    )
    .await;
    app.staff(&herault, "rose@herault.fr", "Rose", &[Role::Reception])
        .await;
    let loyer = rent_aid(&gard).await;
    let other = guichet::aid_requests::catalogue::AidInput {
        title: "Aide au transport".into(),
        description: "Pour se déplacer.".into(),
        eligibility: "Tous.".into(),
        documents: String::new(),
        deadline_days: "30".into(),
        silence: "acceptance".into(),
        open: true,
        category: "mobilite".into(),
    };
    let transport =
        guichet::aid_requests::catalogue::create(&gard, other.validate().unwrap(), TEST_SETUP)
            .await
            .unwrap();
    let (_, _, angela) = crate::fixtures::filed(&gard, &loyer, 1).await;
    let (bob_request, _, bob) = crate::fixtures::filed(&gard, &loyer, 2).await;
    let paul_account = app.account(&gard, paul).await;
    let reception = guichet::user_relations::Desk::open(&gard, &paul_account).unwrap();
    let granted = mandates::grant(
        &reception,
        &angela,
        &NewMandate::parse(
            &loyer.slug,
            &in_days(10),
            (true, true),
            &mandates::Offer {
                aids: vec![loyer.clone().into()],
                wholes: vec![],
            },
            mandates::today(),
        )
        .unwrap(),
        "http://x/",
    )
    .await
    .unwrap();
    let m = granted.id;
    let by = FiledBy::Mandate {
        id: m,
        staff_id: paul,
        journal: crate::fixtures::UNJOURNALED,
    };
    let draft = filing::draft_for(&gard, angela.id, &loyer, by)
        .await
        .unwrap();

    let mut reception = Visitor::signed_in(&app, "/gard", "paul@gard.fr").await;
    let csrf = reception.csrf("/gard").await;
    // Not the aid it does not cover, nor another citizen's request under it.
    let uncovered = reception
        .post(
            &format!("/gard/agents/mandats/{m}/aides/{}", transport.slug),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(uncovered.status, StatusCode::NOT_FOUND);
    let bobs = reception
        .get(&format!(
            "/gard/agents/mandats/{m}/demandes/{bob_request}/etape/1"
        ))
        .await;
    assert_eq!(bobs.status, StatusCode::NOT_FOUND);
    assert!(!bobs.body.contains(&bob.family_name));
    assert!(
        matches!(
            filing::draft_for(&gard, bob.id, &loyer, by).await,
            Err(SaveError::MandateOver)
        ),
        "the domain refuses another citizen under it too"
    );
    // Other roles, and another department's reception (the Hérault has no such mandate).
    for email in ["ines@gard.fr", "sam@gard.fr"] {
        let mut staff = Visitor::signed_in(&app, "/gard", email).await;
        for path in [
            format!("/gard/agents/mandats/{m}"),
            format!("/gard/agents/mandats/{m}/courrier"),
            format!("/gard/agents/mandats/{m}/demandes/{}/etape/1", draft.id),
        ] {
            let page = staff.get(&path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{email} on {path}");
            assert!(!page.body.contains("DUBOIS"));
        }
    }
    let mut rose = Visitor::signed_in(&app, "/herault", "rose@herault.fr").await;
    let foreign = rose.get(&format!("/gard/agents/mandats/{m}")).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let same_id = rose.get(&format!("/herault/agents/mandats/{m}")).await;
    assert_eq!(same_id.status, StatusCode::NOT_FOUND);
    // Another citizen cannot revoke it.
    let mut karim = Visitor::new(&app);
    let space = karim
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let theirs = karim
        .post(
            &format!("/gard/mon-espace/mandats/{m}/revoquer"),
            &[("csrf", &space.csrf())],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert!(
        mandates::find(&gard, m)
            .await
            .unwrap()
            .unwrap()
            .is_live(mandates::today())
    );

    // Ended at reception: a filing prepared before cannot go through, and nothing is numbered.
    let form = guichet::aid_requests::catalogue::form(&gard, loyer.id, draft.form_version)
        .await
        .unwrap()
        .unwrap();
    let mut answers = Answers::new();
    answers.insert("f1".into(), Answer::Amount(30_000));
    filing::save_step(
        &gard,
        CitizenId(angela.id),
        RequestId(draft.id),
        &form,
        1,
        answers.clone(),
        by,
    )
    .await
    .unwrap();
    let page = reception.get(&format!("/gard/agents/mandats/{m}")).await;
    let ended = reception
        .post(
            &format!("/gard/agents/mandats/{m}/fin"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    let page = reception.get(ended.location.as_deref().unwrap()).await;
    assert!(
        page.body.contains("Terminé à l&#x27;accueil le")
            || page.body.contains("Terminé à l'accueil le")
    );
    assert!(matches!(
        filing::save_step(
            &gard,
            CitizenId(angela.id),
            RequestId(draft.id),
            &form,
            1,
            answers,
            by
        )
        .await,
        Err(SaveError::MandateOver)
    ));
    let outcome = filing::submit(
        &gard,
        &angela,
        draft.id,
        "http://x/",
        &Default::default(),
        by,
    )
    .await
    .unwrap();
    assert!(matches!(outcome, Submission::MandateOver), "{outcome:?}");
    let still = filing::find_for_citizen(&gard, CitizenId(angela.id), RequestId(draft.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status, Status::Draft);
    assert_eq!(still.reference, None);
    let step = reception
        .get(&format!(
            "/gard/agents/mandats/{m}/demandes/{}/etape/1",
            draft.id
        ))
        .await;
    assert_eq!(step.status, StatusCode::CONFLICT);
    assert!(!step.body.contains("300,00"), "no content once it is over");
    // Her own draft stays hers: she can still file it herself.
    let filed = filing::submit(
        &gard,
        &angela,
        draft.id,
        "http://x/",
        &Default::default(),
        FiledBy::Citizen,
    )
    .await
    .unwrap();
    assert!(matches!(filed, Submission::Submitted(_)), "{filed:?}");
    assert_eq!(
        mandates::end(&gard, m, EndedBy::Citizen, Some(&[angela.id]), None)
            .await
            .unwrap(),
        mandates::Ending::AlreadyOver
    );
    app.stop().await;
}

async fn a_citizen_without_email_is_told_by_the_letter_reception_prints(backend: Backend) {
    let (app, sink, tenant) = crate::harness::app_with_mail(backend).await;
    app.staff(&tenant, "paul@gard.fr", "Paul Accueil", &[Role::Reception])
        .await;
    rent_aid(&tenant).await;
    let mut paul = Visitor::signed_in(&app, "/gard", "paul@gard.fr").await;
    // A record opened at the desk, without an email address.
    let form = paul.get("/gard/agents/usagers/nouveau").await;
    let opened = paul
        .post(
            "/gard/agents/usagers/nouveau",
            &[
                ("csrf", &form.csrf()),
                ("given", "Lucien"),
                ("family", "Martin"),
                ("birthdate", "1950-03-04"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let record = opened.location.unwrap();
    let recorded = paul
        .post(
            &format!("{record}/mandats"),
            &[
                ("csrf", &form.csrf()),
                ("aide", "toutes"),
                ("jusqu_au", &in_days(0)),
                ("presente", "oui"),
                ("identite", "oui"),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let page = paul.get(recorded.location.as_deref().unwrap()).await;
    assert!(page.body.contains("par le courrier du mandat"));
    assert!(
        page.body.contains("toutes les demandes d&#x27;aide")
            || page.body.contains("toutes les demandes d'aide")
    );
    let mandate = id_after(recorded.location.as_deref().unwrap(), "/agents/mandats/");
    let letter = paul
        .get(&format!("/gard/agents/mandats/{mandate}/courrier"))
        .await;
    assert_eq!(letter.status, StatusCode::OK);
    assert_eq!(
        letter.headers["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    assert!(letter.body.starts_with("%PDF"));
    guichet::mail::wake(&app.platform, &tenant).await;
    assert_eq!(guichet::mail::pending_count(&tenant).await.unwrap(), 0);
    assert!(sink.received().is_empty(), "no address, no mail");
    app.stop().await;
}

async fn a_revocation_racing_a_filing_lands_wholly_before_or_after_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app
        .tenant("gard", &[Module::UserRelations, Module::AidRequests])
        .await;
    let receptionist = app.worker(&gard, Role::Reception).await;
    let reception = guichet::user_relations::Desk::open(&gard, &receptionist).unwrap();
    let loyer = rent_aid(&gard).await;
    let form = guichet::aid_requests::catalogue::form(&gard, loyer.id, loyer.form_version)
        .await
        .unwrap()
        .unwrap();
    let (mut filed_first, mut revoked_first) = (0, 0);
    for round in 0..12 {
        let (_, _, person) = crate::fixtures::filed(&gard, &loyer, 100 + round).await;
        let new = NewMandate {
            scope: Scope::Aid(loyer.id, loyer.title.clone()),
            valid_until: mandates::today(),
        };
        let m = mandates::grant(&reception, &person, &new, "http://x/")
            .await
            .unwrap()
            .id;
        let by = FiledBy::Mandate {
            id: m,
            staff_id: 1,
            journal: crate::fixtures::UNJOURNALED,
        };
        let draft = filing::draft_for(&gard, person.id, &loyer, by)
            .await
            .unwrap();
        let mut answers = Answers::new();
        answers.insert("f1".into(), Answer::Amount(40_000));
        filing::save_step(
            &gard,
            CitizenId(person.id),
            RequestId(draft.id),
            &form,
            1,
            answers,
            by,
        )
        .await
        .unwrap();
        // Two tasks, as two requests to two server threads would be.
        let filing = {
            let (gard, person) = (gard.clone(), person.clone());
            tokio::spawn(async move {
                let waived = Default::default();
                filing::submit(&gard, &person, draft.id, "http://x/", &waived, by).await
            })
        };
        let revoking = {
            let (gard, ids) = (gard.clone(), [person.id]);
            tokio::spawn(async move {
                mandates::end(&gard, m, EndedBy::Citizen, Some(&ids), None).await
            })
        };
        let (submitted, ended) = (filing.await.unwrap(), revoking.await.unwrap());
        assert_eq!(ended.unwrap(), mandates::Ending::Ended);
        let request = filing::find_for_citizen(&gard, CitizenId(person.id), RequestId(draft.id))
            .await
            .unwrap()
            .unwrap();
        let mandates::State::Ended(EndedBy::Citizen, ended_at) = mandates::find(&gard, m)
            .await
            .unwrap()
            .unwrap()
            .state(mandates::today())
        else {
            panic!("revoked")
        };
        match submitted.unwrap() {
            Submission::Submitted(_) => {
                // Filed under a live mandate: wholly before the revocation.
                assert!(request.submitted_at.unwrap() <= ended_at);
                filed_first += 1;
            }
            Submission::MandateOver => {
                assert_eq!(request.status, Status::Draft);
                assert_eq!(request.reference, None);
                revoked_first += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    println!("race: {filed_first} filed before the revocation, {revoked_first} refused after it");
    app.stop().await;
}
