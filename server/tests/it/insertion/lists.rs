//! CSV and XLSX lists: the officer saves a column mapping (checked field by field, versioned),
//! sends a list with it, previews (a bad row refused with its line), confirms; the same list
//! again writes nothing; a list without the mapping's columns is refused whole, naming what it
//! has.

use reqwest::StatusCode;

use super::{OFFICER, count_people, figure, setup, wait_for};
use crate::harness::{Backend, Visitor, both_engines};

both_engines!(
    an_officer_maps_a_list_previews_and_imports_it_once,
    a_list_without_the_mapped_columns_is_refused_whole,
    the_departments_own_identifier_finds_a_person_whose_file_changed
);

const MAPPINGS: &str = "/gard/agents/insertion/correspondances";

/// Saves the usual mapping (or its next version with `family_name` as the name's column).
async fn save_mapping(officer: &mut Visitor, family_name: &str) {
    let csrf = officer.get(MAPPINGS).await.csrf();
    let saved = officer
        .post(
            MAPPINGS,
            &[
                ("csrf", csrf.as_str()),
                ("name", "Liste du PLIE"),
                ("fund", "CAF"),
                ("matricule", "N° allocataire"),
                ("family_name", family_name),
                ("given_name", "Prénom"),
                ("birth_date", "Né(e) le"),
                ("nir", "NIR"),
                ("role", "Rôle"),
                ("rights_and_duties", "SDD"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
}

/// Sends `bytes` as a list read with mapping `mapping`; returns the import's page.
async fn send_list(officer: &mut Visitor, mapping: i64, bytes: Vec<u8>) -> String {
    let csrf = officer.get("/gard/agents/insertion/imports").await.csrf();
    let sent = officer
        .post_multipart(
            "/gard/agents/insertion/imports/liste/televersement",
            &[
                ("csrf", csrf.as_str()),
                ("mapping", mapping.to_string().as_str()),
            ],
            &[("liste", "liste.csv", "text/csv", bytes)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    sent.location.expect("the import's page")
}

fn the_list() -> Vec<u8> {
    let text = "N° allocataire;Nom;Prénom;Né(e) le;NIR;Rôle;SDD\r\n\
                0346145;Lefèvre;Hélène;12/05/1969;;DEM;oui\r\n\
                0346145;Lefèvre;Noël;02/01/1968;;CJT;oui\r\n\
                0777001;Roux;Anaïs;1990-03-03;;;\r\n\
                0777002;Blanc;Léo;31/02/2000;;;\r\n";
    encoding_rs::WINDOWS_1252.encode(text).0.into_owned()
}

async fn an_officer_maps_a_list_previews_and_imports_it_once(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    let imports = officer.get("/gard/agents/insertion/imports").await;
    assert!(
        imports.body.contains("enregistrez-en une"),
        "{}",
        imports.body
    );

    // The mapping, checked field by field, then saved.
    let csrf = officer.get(MAPPINGS).await.csrf();
    let wrong = officer
        .post(
            MAPPINGS,
            &[("csrf", csrf.as_str()), ("matricule", "N° allocataire")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Nommez la correspondance"));
    assert!(
        wrong.body.contains("value=\"N° allocataire\""),
        "kept as typed"
    );
    save_mapping(&mut officer, "Nom").await;
    let first = guichet::insertion::lists::current(&gard).await.unwrap()[0].id;

    // Previewed: three people to create, the bad date refused with its line.
    let page = send_list(&mut officer, first, the_list()).await;
    let preview = wait_for(&mut officer, &page, "Aperçu prêt").await;
    assert_eq!(figure(&preview, "Personnes à créer"), "3");
    assert!(preview.contains("31/02/2000"), "{preview}");
    assert!(preview.contains("Liste du PLIE (version 1, CAF)"));
    assert_eq!(
        count_people(&gard).await,
        0,
        "nothing written before confirmation"
    );
    let csrf = officer.get(&page).await.csrf();
    let confirmed = officer
        .post(&format!("{page}/confirmer"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    let done = wait_for(&mut officer, &page, "Ce que l'import a fait").await;
    assert_eq!(figure(&done, "Personnes créées"), "3");
    assert_eq!(count_people(&gard).await, 3);
    let people = officer.get("/gard/agents/insertion?q=lefevre").await;
    assert!(people.body.contains("HELENE"), "{}", people.body);

    // A new version of the mapping: the earlier import keeps the version it was read with.
    save_mapping(&mut officer, "Nom de famille").await;
    let shown = officer.get(MAPPINGS).await;
    assert!(shown.body.contains("Nom de famille"));
    assert!(officer.get(&page).await.body.contains("version 1, CAF"));
    // The same list again, with version 1: nothing to write.
    let again = send_list(&mut officer, first, the_list()).await;
    let preview = wait_for(&mut officer, &again, "Aperçu prêt").await;
    assert_eq!(figure(&preview, "Personnes à créer"), "0");
    assert_eq!(figure(&preview, "Personnes inchangées"), "3");
    assert_eq!(figure(&preview, "Personnes qui sortiraient du RSA"), "0");
    app.stop().await;
}

async fn a_list_without_the_mapped_columns_is_refused_whole(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    save_mapping(&mut officer, "Nom").await;
    let mapping = guichet::insertion::lists::current(&gard).await.unwrap()[0].id;
    // No mapping chosen: said at its field, nothing kept.
    let csrf = officer.get("/gard/agents/insertion/imports").await.csrf();
    let unmapped = officer
        .post_multipart(
            "/gard/agents/insertion/imports/liste/televersement",
            &[("csrf", csrf.as_str())],
            &[("liste", "liste.csv", "text/csv", the_list())],
        )
        .await;
    assert_eq!(
        unmapped.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unmapped.body
    );
    assert!(unmapped.body.contains("Choisissez la correspondance"));
    let page = send_list(
        &mut officer,
        mapping,
        b"Matricule;Nom;Prenom;Naissance\n1;A;B;01/01/2000\n".to_vec(),
    )
    .await;
    let refused = wait_for(&mut officer, &page, "Fichier refusé").await;
    assert!(refused.contains("« Matricule »"), "{refused}");
    assert!(refused.contains("N° allocataire"));
    assert_eq!(count_people(&gard).await, 0);
    app.stop().await;
}

/// Imports `bytes` with `mapping` whole (preview, confirmation, writes); returns the preview.
async fn import_list(officer: &mut Visitor, mapping: i64, bytes: Vec<u8>) -> String {
    let page = send_list(officer, mapping, bytes).await;
    let preview = wait_for(officer, &page, "Aperçu prêt").await;
    let csrf = officer.get(&page).await.csrf();
    let confirmed = officer
        .post(&format!("{page}/confirmer"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    wait_for(officer, &page, "Ce que l'import a fait").await;
    preview
}

async fn the_departments_own_identifier_finds_a_person_whose_file_changed(backend: Backend) {
    use guichet::entity::insertion_person;
    use sea_orm::EntityTrait as _;
    let (app, gard) = setup(backend).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    let csrf = officer.get(MAPPINGS).await.csrf();
    let saved = officer
        .post(
            MAPPINGS,
            &[
                ("csrf", csrf.as_str()),
                ("name", "Suivi interne"),
                ("fund", "CAF"),
                ("matricule", "Allocataire"),
                ("family_name", "Nom"),
                ("given_name", "Prénom"),
                ("birth_date", "Naissance"),
                ("internal_id", "Identifiant"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let mapping = guichet::insertion::lists::current(&gard).await.unwrap()[0].id;
    let list = |matricule: &str, name: &str| {
        format!(
            "Allocataire;Nom;Prénom;Naissance;Identifiant\n{matricule};{name};Hélène;12/05/1969;DEP-001\n"
        )
        .into_bytes()
    };
    let first = import_list(&mut officer, mapping, list("0346145", "Lefèvre")).await;
    assert_eq!(figure(&first, "Personnes à créer"), "1");
    // Her file moved to another allocataire number and her name changed: the department's
    // identifier still finds her (no NIR in the list).
    let moved = import_list(&mut officer, mapping, list("0555000", "Lefèvre-Roux")).await;
    assert_eq!(figure(&moved, "Personnes à créer"), "0", "{moved}");
    assert_eq!(figure(&moved, "Personnes à mettre à jour"), "1");
    assert_eq!(count_people(&gard).await, 1);
    let txn = gard.db().begin().await.unwrap();
    let person = insertion_person::Entity::find()
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(person.matricule, "0555000");
    assert_eq!(person.family_name, "LEFEVRE-ROUX");
    assert_eq!(person.internal_id.as_deref(), Some("DEP-001"));
    app.stop().await;
}
