//! The contrat d'engagement: the referent writes a version under the orientation in force
//! (checked field by field), adds actions, signs it for the department, which freezes it; the
//! person signs it in their space and marks an action done; a new version carries over the
//! actions not done and replaces the old one once signed; the paper way keeps the scan. The
//! month to sign shows; the indicators count contracts signed within it. Follow-up notes show
//! to the module only. Reception sees that the person is followed, never the contract or notes.

use guichet::entity::insertion_person;
use reqwest::StatusCode;
use sea_orm::EntityTrait;

use super::{OFFICER, REFERENT, day, file_of, import_whole, setup, single_adults, table_figure};
use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    a_referent_writes_the_person_signs_and_marks_an_action_done,
    a_new_version_replaces_the_old_and_paper_signatures_keep_the_scan
);

/// Karim signs in with FranceConnect, then a fund's file names him: his record is joined.
/// Returns Karim's visitor and his person's page.
pub(super) async fn karim_followed_and_oriented(
    app: &TestApp,
    gard: &tenants::Tenant,
    officer: &mut Visitor,
) -> (Visitor, String, insertion_person::Model) {
    let mut karim = Visitor::new(app);
    karim
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let mut households = single_adults(1, 21);
    let applicant = &mut households[0].people[0];
    applicant.family_name = "BENALI".into();
    applicant.given_name = "KARIM".into();
    applicant.birth_date = Some(day(1988, 3, 2));
    import_whole(officer, file_of(households, day(2026, 11, 6))).await;
    let txn = gard.db().begin().await.unwrap();
    let person = insertion_person::Entity::find()
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    txn.commit().await.unwrap();
    let page = format!("/gard/agents/insertion/personnes/{}", person.id);
    // Before any orientation: nothing can be written yet.
    let csrf = officer.get(&page).await.csrf();
    let early = officer
        .post(
            &format!("{page}/contrat"),
            &[
                ("csrf", csrf.as_str()),
                ("goals", "Trouver un emploi."),
                ("weekly_hours", "15"),
                (
                    "review_on",
                    &(guichet::dates::today() + chrono::Duration::days(30)).to_string(),
                ),
            ],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(
        early.body.contains("pas d'orientation en cours"),
        "{}",
        early.body
    );
    let today = guichet::dates::today().to_string();
    let decided = officer
        .post(
            &format!("{page}/orientation/decision"),
            &[
                ("csrf", csrf.as_str()),
                ("track", "professional"),
                ("body", "France Travail"),
                ("reason", "Prêt à reprendre un emploi."),
                ("starts_on", today.as_str()),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    (karim, page, person)
}

async fn a_referent_writes_the_person_signs_and_marks_an_action_done(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    let (mut karim, page, person) = karim_followed_and_oriented(&app, &gard, &mut officer).await;
    let mut referent = Visitor::signed_in(&app, "/gard", REFERENT).await;
    let today = guichet::dates::today();
    let month = today.checked_add_months(chrono::Months::new(1)).unwrap();

    // The person's page: no contract, the month to sign running from the orientation.
    let shown = referent.get(&page).await;
    assert!(
        shown.body.contains("Aucun contrat signé."),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Délai pour signer le contrat"));
    assert!(shown.body.contains(&guichet::dates::on(month)));

    // Writing: mistakes at their fields, what was typed kept.
    let contract = format!("{page}/contrat");
    let shown = referent.get(&contract).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("Préparer le contrat"));
    let csrf = shown.csrf();
    let review = (today + chrono::Duration::days(90)).to_string();
    let too_late = (today + chrono::Duration::days(300)).to_string();
    let wrong = referent
        .post(
            &contract,
            &[
                ("csrf", csrf.as_str()),
                ("goals", ""),
                ("weekly_hours", "8"),
                ("review_on", too_late.as_str()),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body.contains("Écrivez les objectifs"),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("écrivez la raison de la réduction"));
    assert!(
        wrong.body.contains("dans les 6 mois"),
        "professional track: 6 months"
    );
    assert!(wrong.body.contains("value=\"8\""), "kept as typed");
    let written = referent
        .post(
            &contract,
            &[
                ("csrf", csrf.as_str()),
                ("goals", "Reprendre un emploi de cariste."),
                ("weekly_hours", "15"),
                ("review_on", review.as_str()),
            ],
        )
        .await;
    assert_eq!(written.status, StatusCode::SEE_OTHER, "{}", written.body);
    let shown = referent.get(&contract).await;
    assert!(shown.body.contains("Version 1"));
    assert!(shown.body.contains("En préparation"));

    // Signing needs an action; actions are checked, added, taken out.
    let sign = format!("{contract}/signature");
    let bare = referent.post(&sign, &[("csrf", csrf.as_str())]).await;
    assert_eq!(bare.status, StatusCode::CONFLICT);
    assert!(bare.body.contains("au moins une action"), "{}", bare.body);
    let actions = format!("{contract}/actions");
    let bad = referent
        .post(
            &actions,
            &[("csrf", csrf.as_str()), ("theme", "cuisine"), ("title", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Choisissez le thème"));
    for (theme, title) in [
        ("training", "Passer le CACES 3"),
        ("mobility", "Demander l'aide au permis"),
        ("employment", "Postuler à trois offres"),
    ] {
        let added = referent
            .post(
                &actions,
                &[("csrf", csrf.as_str()), ("theme", theme), ("title", title)],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }
    let versions = guichet::insertion::contract::of_person(&gard, person.id)
        .await
        .unwrap();
    let third = versions[0].actions[2].id;
    let removed = referent
        .post(
            &format!("{actions}/{third}/retirer"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let shown = referent.get(&contract).await;
    assert!(shown.body.contains("Passer le CACES 3"));
    assert!(!shown.body.contains("Postuler à trois offres"));

    // Signed for the department: frozen, waiting for Karim.
    let signed = referent.post(&sign, &[("csrf", csrf.as_str())]).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let frozen = referent
        .post(
            &actions,
            &[
                ("csrf", csrf.as_str()),
                ("theme", "health"),
                ("title", "Bilan de santé"),
            ],
        )
        .await;
    assert_eq!(frozen.status, StatusCode::CONFLICT);
    assert!(frozen.body.contains("ne change plus"), "{}", frozen.body);
    // Taken back to add it after all: a draft again, out of Karim's sight; signed again.
    let taken = referent
        .post(&format!("{contract}/reprise"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    let mine = karim.get("/gard/mon-espace/rsa").await;
    assert!(!mine.body.contains("Votre contrat à signer"));
    let twice = referent
        .post(&format!("{contract}/reprise"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "nothing waits any more");
    let added = referent
        .post(
            &actions,
            &[
                ("csrf", csrf.as_str()),
                ("theme", "health"),
                ("title", "Bilan de santé"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let signed = referent.post(&sign, &[("csrf", csrf.as_str())]).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);

    // Karim: his space links to his follow-up; he reads the contract and signs it.
    let space = karim.get("/gard/mon-espace").await;
    assert!(
        space.body.contains("Accompagnement au titre du RSA"),
        "{}",
        space.body
    );
    let mine = karim.get("/gard/mon-espace/rsa").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.body.contains("Votre contrat à signer"),
        "{}",
        mine.body
    );
    assert!(mine.body.contains("Reprendre un emploi de cariste."));
    assert!(mine.body.contains("France Travail"));
    let versions = guichet::insertion::contract::of_person(&gard, person.id)
        .await
        .unwrap();
    let (id, first_action) = (versions[0].row.id, versions[0].actions[0].id);
    let sign_mine = format!("/gard/mon-espace/rsa/contrat/{id}/signer");
    let csrf_karim = mine.csrf();
    let unread = karim
        .post(&sign_mine, &[("csrf", csrf_karim.as_str())])
        .await;
    assert_eq!(unread.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unread.body.contains("Cochez la case"));
    let signed = karim
        .post(
            &sign_mine,
            &[("csrf", csrf_karim.as_str()), ("read", "oui")],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let again = karim
        .post(
            &sign_mine,
            &[("csrf", csrf_karim.as_str()), ("read", "oui")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "signed once");
    let mine = karim.get("/gard/mon-espace/rsa").await;
    assert!(mine.body.contains("Votre contrat en vigueur"));
    assert!(mine.body.contains("En vigueur"));
    let done = karim
        .post(
            &format!("/gard/mon-espace/rsa/actions/{first_action}/faite"),
            &[("csrf", csrf_karim.as_str())],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let mine = karim.get("/gard/mon-espace/rsa").await;
    assert!(mine.body.contains("(la personne)"), "{}", mine.body);

    // The referent sees it; the month is no longer counted; the indicators count it in time.
    let shown = referent.get(&contract).await;
    assert!(shown.body.contains("Signé dans son espace le"));
    assert!(shown.body.contains("(la personne)"));
    assert!(!shown.body.contains("Délai pour signer le contrat"));
    let shown = referent.get(&page).await;
    assert!(
        shown.body.contains("Version 1 en vigueur depuis le"),
        "{}",
        shown.body
    );
    let txn = gard.db().begin().await.unwrap();
    let row = insertion_person::Entity::find_by_id(person.id)
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(row.contract_in_time, Some(true));
    let supervisor = guichet::staff::Role::Supervisor;
    app.staff(&gard, "chef@gard.fr", "Claire Cheffe", &[supervisor])
        .await;
    let mut chief = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let figures = chief.get("/gard/agents/modules/insertion").await;
    assert_eq!(
        table_figure(
            &figures.body,
            "Contrats signés dans le mois suivant l’orientation"
        ),
        "100 % (1 sur 1)"
    );

    // A follow-up note: an empty one is refused at its field; written, it shows to the module.
    let notes = format!("{page}/notes");
    let empty = referent
        .post(&notes, &[("csrf", csrf.as_str()), ("follow_up", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Écrivez la note"), "{}", empty.body);
    let noted = referent
        .post(
            &notes,
            &[
                ("csrf", csrf.as_str()),
                ("follow_up", "Dettes de loyer : voir avec la CESF."),
            ],
        )
        .await;
    assert_eq!(noted.status, StatusCode::SEE_OTHER, "{}", noted.body);
    let shown = officer.get(&page).await;
    assert!(shown.body.contains("Dettes de loyer : voir avec la CESF."));
    assert!(shown.body.contains("René Référent, le"));

    // Reception sees that Karim is followed, not his contract nor the notes.
    app.staff(
        &gard,
        "accueil@gard.fr",
        "Alice Accueil",
        &[guichet::staff::Role::Reception],
    )
    .await;
    let mut reception = Visitor::signed_in(&app, "/gard", "accueil@gard.fr").await;
    let record = reception
        .get(&format!("/gard/agents/usagers/{}", person.citizen_id))
        .await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(
        record
            .body
            .contains("Accompagnement au titre du RSA, depuis le")
    );
    assert!(!record.body.contains("cariste"));
    assert!(!record.body.contains("CACES"));
    assert!(!record.body.contains("Dettes de loyer"));
    // Karim's journal says who read and changed his contract; his right of access holds it.
    let journal = karim.get("/gard/mon-espace/journal").await;
    let journal = journal.body.replace("&#x27;", "'");
    assert!(
        journal.contains("ignature du contrat d'engagement par le département"),
        "{journal}"
    );
    let held = karim.get("/gard/mon-espace/mes-informations").await;
    let held = held.body.replace("&#x27;", "'");
    assert!(held.contains("Contrat d'engagement, version 1"), "{held}");
    assert!(
        held.contains("Dettes de loyer : voir avec la CESF."),
        "{held}"
    );
    app.stop().await;
}

async fn a_new_version_replaces_the_old_and_paper_signatures_keep_the_scan(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    let (_karim, page, person) = karim_followed_and_oriented(&app, &gard, &mut officer).await;
    let mut referent = Visitor::signed_in(&app, "/gard", REFERENT).await;
    let today = guichet::dates::today();
    let contract = format!("{page}/contrat");
    let csrf = referent.get(&contract).await.csrf();
    let review = (today + chrono::Duration::days(60)).to_string();
    let write = |goals: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("goals", goals.to_owned()),
            ("weekly_hours", "10".to_owned()),
            (
                "reduction_reason",
                "Parent isolé de deux jeunes enfants.".to_owned(),
            ),
            ("review_on", review.clone()),
        ]
    };
    let post = |fields: &Vec<(&'static str, String)>| {
        fields
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect::<Vec<_>>()
    };
    let fields = post(&write("Première version."));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        referent.post(&contract, &refs).await.status,
        StatusCode::SEE_OTHER
    );
    for title in ["Inscription à la crèche", "Atelier budget"] {
        let added = referent
            .post(
                &format!("{contract}/actions"),
                &[
                    ("csrf", csrf.as_str()),
                    ("theme", "family"),
                    ("title", title),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER);
    }
    let sign = format!("{contract}/signature");
    assert_eq!(
        referent
            .post(&sign, &[("csrf", csrf.as_str())])
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // Signed on paper: a file that is not a document is refused at its field, nothing kept.
    let paper = format!("{contract}/papier");
    let not_a_scan = referent
        .post_multipart(
            &paper,
            &[("csrf", csrf.as_str())],
            &[("scan", "contrat.pdf", "application/pdf", b"hello".to_vec())],
        )
        .await;
    assert_eq!(not_a_scan.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(documents(&gard, person.citizen_id).await, 0);
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let kept = referent
        .post_multipart(
            &paper,
            &[("csrf", csrf.as_str())],
            &[("scan", "contrat-signe.pdf", "application/pdf", pdf.clone())],
        )
        .await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
    assert_eq!(documents(&gard, person.citizen_id).await, 1);
    let shown = referent.get(&contract).await;
    assert!(shown.body.contains("Signé sur papier"), "{}", shown.body);
    // Nothing waits any more: a second scan is refused and not kept.
    let twice = referent
        .post_multipart(
            &paper,
            &[("csrf", csrf.as_str())],
            &[("scan", "encore.pdf", "application/pdf", pdf)],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(documents(&gard, person.citizen_id).await, 1);

    // One action done by the referent; a new version carries over only the other.
    let versions = guichet::insertion::contract::of_person(&gard, person.id)
        .await
        .unwrap();
    let creche = versions[0].actions[0].id;
    let done = referent
        .post(
            &format!("{contract}/actions/{creche}/faite"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let fields = post(&write("Deuxième version."));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        referent.post(&contract, &refs).await.status,
        StatusCode::SEE_OTHER
    );
    let versions = guichet::insertion::contract::of_person(&gard, person.id)
        .await
        .unwrap();
    assert_eq!(versions[0].row.version, 2);
    let carried: Vec<&str> = versions[0]
        .actions
        .iter()
        .map(|a| a.title.as_str())
        .collect();
    assert_eq!(carried, ["Atelier budget"]);
    assert_eq!(
        versions[1].row.status,
        guichet::insertion::contract::ContractStatus::Signed,
        "the old one stays in force until the new one is signed"
    );
    assert_eq!(
        referent
            .post(&sign, &[("csrf", csrf.as_str())])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    guichet::insertion::contract::sign_by_person(&gard, person.citizen_id, versions[0].row.id)
        .await
        .unwrap()
        .unwrap();
    let versions = guichet::insertion::contract::of_person(&gard, person.id)
        .await
        .unwrap();
    let states: Vec<_> = versions.iter().map(|c| c.row.status).collect();
    use guichet::insertion::contract::ContractStatus::{Replaced, Signed};
    assert_eq!(states, [Signed, Replaced]);
    let shown = referent.get(&contract).await;
    assert!(shown.body.contains("Remplacé"));
    app.stop().await;
}

async fn documents(tenant: &tenants::Tenant, citizen_id: i64) -> usize {
    guichet::documents::list_for_citizen(tenant, citizen_id)
        .await
        .unwrap()
        .len()
}
