//! The medical compartment: medical pieces sealed at rest open for the team's physicians
//! only, journaled as theirs; the team evaluates and only physicians read medical
//! observations.

use super::*;

both_engines!(
    only_the_teams_physicians_open_medical_pieces,
    the_team_evaluates_and_only_physicians_read_medical_observations,
);

async fn only_the_teams_physicians_open_medical_pieces(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    let (mut fatou, _file, id) = fatou_files(&app).await;
    let certificate = pieces_of(&gard, id)
        .await
        .into_iter()
        .find(|p| p.kind == "certificate")
        .unwrap();
    let piece = format!("/gard/agents/handicap/pieces/{}", certificate.id);
    for email in [RECEPTION, EVALUATOR, COMMITTEE] {
        let mut worker = Visitor::signed_in(&app, "/gard", email).await;
        let refused = worker.get(&piece).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{email}");
        assert!(!refused.body.contains("polyarthrite"));
    }
    let mut physician = Visitor::signed_in(&app, "/gard", PHYSICIAN).await;
    let opened = physician.get(&piece).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    assert_eq!(opened.body.as_bytes(), PDF_CERTIFICATE);

    // A physician of another department does not find it.
    let herault = app.tenant("herault", &Module::ALL).await;
    app.staff(
        &herault,
        "medecin@herault.fr",
        "Dr Hérault",
        &[Role::DisabilityPhysician],
    )
    .await;
    let mut other = Visitor::signed_in(&app, "/herault", "medecin@herault.fr").await;
    let elsewhere = other
        .get(&format!(
            "/herault/agents/handicap/pieces/{}",
            certificate.id
        ))
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);

    // Fatou reads that the team's physician opened it.
    let journal = fatou.get("/gard/mon-espace/journal").await;
    assert!(
        journal
            .body
            .contains("Médecin de l&#x27;équipe d&#x27;évaluation")
            || journal.body.contains("Médecin de l'équipe d'évaluation"),
        "{}",
        journal.body
    );
    assert!(
        journal.body.contains("Lecture d&#x27;une pièce médicale")
            || journal.body.contains("Lecture d'une pièce médicale")
    );
    app.stop().await;
}

const MEDICAL_NOTE: &str = "Polyarthrite juvénile évolutive, atteinte des deux genoux.";

async fn the_team_evaluates_and_only_physicians_read_medical_observations(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    let (mut fatou, _file, id) = fatou_files(&app).await;
    let page_href = format!("/gard/agents/handicap/dossiers/{id}");
    let mut evaluator = Visitor::signed_in(&app, "/gard", EVALUATOR).await;

    // Not complete yet: nothing to evaluate.
    let csrf = evaluator.get(&page_href).await.csrf();
    let early = evaluator
        .post(
            &format!("{page_href}/observations"),
            &[
                ("csrf", csrf.as_str()),
                ("domaine", "family"),
                ("observation", "Trop tôt."),
            ],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    acknowledged(&app, &gard, id).await;

    // The evaluator writes for the team, not in the medical compartment.
    let page = evaluator.get(&page_href).await;
    assert!(
        page.body
            .contains("Évaluation de l&#x27;équipe pluridisciplinaire")
            || page
                .body
                .contains("Évaluation de l'équipe pluridisciplinaire"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("value=\"medical\""),
        "the medical area is not offered to an evaluator"
    );
    let forged = evaluator
        .post(
            &format!("{page_href}/observations"),
            &[
                ("csrf", csrf.as_str()),
                ("domaine", "medical"),
                ("observation", "Intrusion"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(forged.body.contains("écrites par les médecins"));
    let written = evaluator
        .post(
            &format!("{page_href}/observations"),
            &[
                ("csrf", csrf.as_str()),
                ("domaine", "family"),
                ("observation", "Vit avec sa mère et sa sœur ; école à 2 km."),
            ],
        )
        .await;
    assert_eq!(written.status, StatusCode::SEE_OTHER, "{}", written.body);

    // The band and its flags, checked together.
    let rsdae_under_50 = evaluator
        .post(
            &format!("{page_href}/constats"),
            &[
                ("csrf", csrf.as_str()),
                ("taux", "under_50"),
                ("rsdae", "oui"),
            ],
        )
        .await;
    assert_eq!(rsdae_under_50.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(rsdae_under_50.body.contains("RSDAE"));
    let found = evaluator
        .post(
            &format!("{page_href}/constats"),
            &[
                ("csrf", csrf.as_str()),
                ("taux", "from_80"),
                ("durable", "oui"),
            ],
        )
        .await;
    assert_eq!(found.status, StatusCode::SEE_OTHER, "{}", found.body);

    // A proposal per request; a refusal says why.
    let requests = requests_of(&gard, id).await;
    let first = format!("{page_href}/propositions/{}", requests[0].id);
    let unexplained = evaluator
        .post(
            &first,
            &[("csrf", csrf.as_str()), ("proposition", "refuse")],
        )
        .await;
    assert_eq!(unexplained.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unexplained.body.contains("Dites pourquoi"));
    let granted = evaluator
        .post(&first, &[("csrf", csrf.as_str()), ("proposition", "grant")])
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);

    // The physician writes a medical observation: sealed at rest, shown to physicians only.
    let mut physician = Visitor::signed_in(&app, "/gard", PHYSICIAN).await;
    let csrf_doc = physician.get(&page_href).await.csrf();
    let medical = physician
        .post(
            &format!("{page_href}/observations"),
            &[
                ("csrf", csrf_doc.as_str()),
                ("domaine", "medical"),
                ("observation", MEDICAL_NOTE),
            ],
        )
        .await;
    assert_eq!(medical.status, StatusCode::SEE_OTHER, "{}", medical.body);
    let txn = gard.db().begin().await.unwrap();
    let stored = guichet::entity::disability_observation::Entity::find()
        .filter(guichet::entity::disability_observation::Column::Medical.eq(true))
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    txn.commit().await.unwrap();
    assert!(!stored.body.contains("Polyarthrite"), "sealed at rest");
    let shown = physician.get(&page_href).await;
    assert!(
        shown.body.contains("Polyarthrite juvénile"),
        "{}",
        shown.body
    );
    for email in [EVALUATOR, RECEPTION, COMMITTEE] {
        let mut worker = Visitor::signed_in(&app, "/gard", email).await;
        let page = worker.get(&page_href).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("Polyarthrite"),
            "{email} reads medical content"
        );
        assert!(
            page.body.contains("réservée aux médecins"),
            "{email} sees that it exists"
        );
    }
    let page = evaluator.get(&page_href).await;
    assert!(page.body.contains("Vit avec sa mère"));
    assert!(page.body.contains("80 % et plus"));
    assert!(page.body.contains("Accord"));

    // The wider access opens the record, never the medical compartment.
    let fatou_id = file_row(&gard, id).await.citizen_id;
    let mut reception = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let wider = format!("/gard/agents/usagers/{fatou_id}/acces-elargi");
    let form = reception.get(&wider).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let granted = reception
        .post(
            &wider,
            &[
                ("csrf", &form.csrf()),
                ("reason", "Vérifier l'adresse du foyer avant l'accusé"),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);
    let record = reception
        .get(&format!("/gard/agents/usagers/{fatou_id}"))
        .await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.body);
    assert!(!record.body.contains("Polyarthrite") && !record.body.contains("polyarthrite"));
    let certificate = pieces_of(&gard, id)
        .await
        .into_iter()
        .find(|p| p.medical)
        .unwrap();
    let piece = reception
        .get(&format!("/gard/agents/handicap/pieces/{}", certificate.id))
        .await;
    assert_eq!(piece.status, StatusCode::FORBIDDEN);

    // Fatou reads that the physician read the medical observations.
    let journal = fatou.get("/gard/mon-espace/journal").await;
    assert!(
        journal.body.contains("Lecture des observations médicales"),
        "{}",
        journal.body
    );
    app.stop().await;
}
