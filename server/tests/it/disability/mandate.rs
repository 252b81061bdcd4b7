//! Reception files a request to the MDPH for a person at the desk, under the mandate they
//! gave for it: the same pages as the person's, each use journaled for them, the medical
//! certificate sealed as theirs would be; the mandate serves its request only, for its
//! citizen, while it is live.

use super::*;
use guichet::citizens::{self, Citizen};
use guichet::user_relations::mandates;

both_engines!(
    reception_files_a_request_to_the_mdph_under_the_persons_mandate,
    a_mandate_for_the_mdph_serves_its_request_only_and_only_while_live,
);

const DESK: &str = "paul@gard.fr";

fn in_days(days: u64) -> String {
    iso(mandates::today() + chrono::Days::new(days))
}

/// Fatou, known to the department (as after her first sign-in).
async fn fatou(gard: &Tenant) -> Citizen {
    let identity = guichet::franceconnect::simulator::test_identities()
        .into_iter()
        .find(|p| p.sub == "sim-fatou-diallo")
        .unwrap();
    citizens::sign_in_with_franceconnect(gard, &identity)
        .await
        .unwrap()
}

/// Paul records with Fatou a mandate for `scope` (a value of the form's list); returns the
/// mandate's page.
async fn mandate(paul: &mut Visitor, person: &Citizen, scope: &str) -> String {
    let new = format!("/gard/agents/usagers/{}/mandats", person.id);
    let form = paul.get(&format!("{new}/nouveau")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let recorded = paul
        .post(
            &new,
            &[
                ("csrf", &form.csrf()),
                ("aide", scope),
                ("jusqu_au", &in_days(30)),
                ("presente", "oui"),
                ("identite", "oui"),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let page = recorded.location.unwrap();
    page.split('?').next().unwrap().to_owned()
}

/// Reception starts the MDPH draft from the mandate's page; returns the draft's address.
async fn start(paul: &mut Visitor, mandate_page: &str) -> String {
    let page = paul.get(mandate_page).await;
    assert!(
        page.body.contains("Remplir « Demande à la MDPH »"),
        "{}",
        page.body
    );
    let started = paul
        .post(&format!("{mandate_page}/mdph"), &[("csrf", &page.csrf())])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    started
        .location
        .unwrap()
        .trim_end_matches("/etape/1")
        .to_owned()
}

async fn reception_files_a_request_to_the_mdph_under_the_persons_mandate(backend: Backend) {
    let (app, sink, gard) = setup(backend).await;
    app.staff(&gard, DESK, "Paul Accueil", &[Role::Reception])
        .await;
    let person = fatou(&gard).await;
    let mut paul = Visitor::signed_in(&app, "/gard", DESK).await;

    let form = paul
        .get(&format!(
            "/gard/agents/usagers/{}/mandats/nouveau",
            person.id
        ))
        .await;
    assert!(form.body.contains("Demande à la MDPH"), "{}", form.body);
    let mandate_page = mandate(&mut paul, &person, "mdph").await;
    let told = sink
        .wait_for_subject("Vous avez donné un mandat au département")
        .await;
    assert!(
        told.text
            .contains("la demande à la maison départementale des personnes handicapées (MDPH)"),
        "{}",
        told.text
    );

    let file = start(&mut paul, &mandate_page).await;
    let first = paul.get(&format!("{file}/etape/1")).await;
    assert!(first.body.contains("Dépôt assisté"), "{}", first.body);
    assert!(first.body.contains("Fatou DIALLO"), "{}", first.body);
    walk_steps(&mut paul, &file).await;
    let review = paul.get(&format!("{file}/recapitulatif")).await;
    assert!(review.body.contains("avec la personne"), "{}", review.body);
    let filed = rights_pieces_and_filing(&mut paul, &file).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let id: i64 = file.rsplit('/').next().unwrap().parse().unwrap();
    let back = filed.location.unwrap();
    assert!(back.ends_with(&format!("?depot={id}")), "{back}");
    let page = paul.get(&back).await;
    assert!(
        page.body.contains("La demande est déposée"),
        "{}",
        page.body
    );

    // Filed in her name, naming the mandate; the certificate sealed as hers would be.
    let row = file_row(&gard, id).await;
    let m: i64 = mandate_page.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(row.citizen_id, person.id);
    assert_eq!(row.mandate_id, Some(m));
    assert_eq!(row.filed_by, "reception");
    assert_eq!(row.filed_by_name, "Paul Accueil");
    assert_eq!(row.status, Status::Filed.id());
    let pieces = pieces_of(&gard, id).await;
    assert_eq!(pieces.len(), 3);
    let certificate = pieces.iter().find(|p| p.medical).unwrap();
    assert!(certificate.sealed_key.is_some() && certificate.document_id.is_none());
    let mail = sink
        .wait_for_subject("Votre demande à la MDPH est déposée")
        .await;
    assert!(
        mail.text.contains(&format!("sous votre mandat n° {m}")),
        "{}",
        mail.text
    );

    // She follows it in her space, and reads in her journal what reception did.
    let mut her = Visitor::new(&app);
    her.franceconnect_sign_in("/gard", "sim-fatou-diallo").await;
    let space = her.get("/gard/mon-espace/mdph").await;
    assert!(
        space.body.contains(&row_reference(&gard, id).await),
        "{}",
        space.body
    );
    let journal = her.get("/gard/mon-espace/journal").await;
    for action in [
        "Préparation d'une demande à la MDPH",
        "Saisie de l'étape 1",
        "Choix des droits demandés",
        "Envoi d'une pièce — Certificat médical",
        "Dépôt de la demande à la MDPH",
    ] {
        let escaped = action.replace('\'', "&#x27;");
        assert!(
            journal.body.contains(action) || journal.body.contains(&escaped),
            "{action}: {}",
            journal.body
        );
    }
    // The MDPH's reception finds it in its queue like any other.
    let mut mdph = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let queue = mdph.get("/gard/agents/handicap").await;
    assert!(
        queue.body.contains(&row_reference(&gard, id).await),
        "{}",
        queue.body
    );
}

async fn row_reference(gard: &Tenant, id: i64) -> String {
    let citizen = file_row(gard, id).await.citizen_id;
    guichet::disability::files::find_for_citizen(gard, citizen, id)
        .await
        .unwrap()
        .unwrap()
        .reference()
}

async fn a_mandate_for_the_mdph_serves_its_request_only_and_only_while_live(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    app.staff(&gard, DESK, "Paul Accueil", &[Role::Reception])
        .await;
    let loyer = crate::fixtures::rent_aid(&gard).await;
    let person = fatou(&gard).await;
    let mut paul = Visitor::signed_in(&app, "/gard", DESK).await;

    // A mandate for an aid files no MDPH request, and the reverse.
    let for_rent = mandate(&mut paul, &person, &loyer.slug).await;
    let csrf = paul.csrf("/gard").await;
    let refused = paul
        .post(&format!("{for_rent}/mdph"), &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let for_mdph = mandate(&mut paul, &person, "mdph").await;
    let refused = paul
        .post(
            &format!("{for_mdph}/aides/{}", loyer.slug),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);

    // Not her own draft, which the mandate did not prepare.
    let mut her = Visitor::new(&app);
    her.franceconnect_sign_in("/gard", "sim-fatou-diallo").await;
    let own = fill_form(&mut her).await;
    let own_id = own.rsplit('/').next().unwrap();
    let theirs = paul.get(&format!("{for_mdph}/mdph/{own_id}/etape/1")).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);

    // The MDPH's own reception works from its queue, not under a mandate.
    let file = start(&mut paul, &for_mdph).await;
    let mut mdph = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let other_desk = mdph.get(&format!("{file}/etape/1")).await;
    assert_eq!(other_desk.status, StatusCode::FORBIDDEN);

    // Revoked while reception works: the step is refused and the draft unchanged.
    let page = paul.get(&format!("{file}/etape/1")).await;
    let before = file_row(&gard, file.rsplit('/').next().unwrap().parse().unwrap()).await;
    let m: i64 = for_mdph.rsplit('/').next().unwrap().parse().unwrap();
    let mine = her.get("/gard/mon-espace/mandats").await;
    let revoked = her
        .post(
            &format!("/gard/mon-espace/mandats/{m}/revoquer"),
            &[("csrf", &mine.csrf())],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    let step_csrf = page.csrf();
    let mut form = vec![("csrf", step_csrf.as_str()), ("action", "next")];
    form.extend_from_slice(&CHILD);
    let late = paul.post(&format!("{file}/etape/1"), &form).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert!(late.body.contains("ne peut plus servir"), "{}", late.body);
    assert_eq!(file_row(&gard, before.id).await, before);
    let restart = paul
        .post(&format!("{for_mdph}/mdph"), &[("csrf", &csrf)])
        .await;
    assert_eq!(restart.status, StatusCode::CONFLICT);
}
