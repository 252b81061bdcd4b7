//! Filing: a parent files for a child with the national form, the rights and a medical
//! certificate; a renewal starts from the previous answers, each step confirmed again.

use super::*;

both_engines!(
    a_parent_files_for_a_child_with_a_certificate,
    a_renewal_starts_from_the_previous_answers,
);

async fn a_parent_files_for_a_child_with_a_certificate(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    let mut fatou = Visitor::new(&app);
    fatou
        .franceconnect_sign_in("/gard", "sim-fatou-diallo")
        .await;

    // Her space offers the MDPH.
    let space = fatou.get("/gard/mon-espace").await;
    assert!(
        space.body.contains("Mes demandes à la MDPH"),
        "{}",
        space.body
    );

    // A wrong NIR key and a bad postcode are said at their fields; nothing goes on.
    let file = fill_form(&mut fatou).await;
    let page = fatou.get(&format!("{file}/etape/1")).await;
    let mut wrong = CHILD.to_vec();
    wrong.retain(|(k, _)| *k != "a_nir" && *k != "a_code_postal");
    wrong.push(("a_nir", "2 85 07 75 056 123 71"));
    wrong.push(("a_code_postal", "300"));
    let csrf = page.csrf();
    let mut form = vec![("csrf", csrf.as_str()), ("action", "next")];
    form.extend_from_slice(&wrong);
    let refused = fatou.post(&format!("{file}/etape/1"), &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("La clé du NIR"), "{}", refused.body);
    assert!(refused.body.contains("5 chiffres"));

    // Rights: an adult's right for a child, or none, is refused.
    let rights = fatou.get(&format!("{file}/droits")).await;
    assert!(
        rights.body.contains("moins de 20 ans"),
        "child's pole: {}",
        rights.body
    );
    assert!(
        !rights.body.contains("value=\"aah\""),
        "the AAH is not offered to a child"
    );
    let csrf = rights.csrf();
    let forged = fatou
        .post(
            &format!("{file}/droits"),
            &[("csrf", csrf.as_str()), ("droits", "aah")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(forged.body.contains("20 ans et plus"), "{}", forged.body);
    let twice = fatou
        .post(
            &format!("{file}/droits"),
            &[
                ("csrf", csrf.as_str()),
                ("droits", "aeeh"),
                ("droits", "aeeh"),
            ],
        )
        .await;
    assert!(twice.body.contains("demandé deux fois"), "{}", twice.body);
    let none = fatou
        .post(&format!("{file}/droits"), &[("csrf", csrf.as_str())])
        .await;
    assert!(none.body.contains("Cochez au moins un droit"));
    let chosen = fatou
        .post(
            &format!("{file}/droits"),
            &[
                ("csrf", csrf.as_str()),
                ("droits", "aeeh"),
                ("droits", "pch"),
            ],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);

    // A certificate over a year old, or without its doctor's RPPS, is refused; nothing kept.
    let pieces = format!("{file}/pieces");
    let old = iso(guichet::dates::today() - Months::new(13));
    let refused = send_piece(
        &mut fatou,
        &pieces,
        &file,
        ("certificate", "vieux.pdf", PDF_CERTIFICATE),
        Some((&old, "123")),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("plus d&#x27;un an") || refused.body.contains("plus d'un an"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("11 chiffres"));
    let id: i64 = file.rsplit('/').next().unwrap().parse().unwrap();
    assert!(pieces_of(&gard, id).await.is_empty());

    // Filing without signing is refused; the missing pieces are said, not required.
    let review = fatou.get(&format!("{file}/recapitulatif")).await;
    assert!(review.body.contains("Il manque des pièces obligatoires"));
    assert!(review.body.contains("DIALLO"));
    let unsigned = fatou
        .post(
            &format!("{file}/depot"),
            &[("csrf", review.csrf().as_str())],
        )
        .await;
    assert_eq!(unsigned.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unsigned.body.contains("vaut signature"));

    let recent = iso(guichet::dates::today() - Duration::days(90));
    let sent = send_piece(
        &mut fatou,
        &pieces,
        &file,
        (
            "certificate",
            "certificat-rhumatologue.pdf",
            PDF_CERTIFICATE,
        ),
        Some((&recent, "100 000 000 00")),
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let filed = fatou
        .post(
            &format!("{file}/depot"),
            &[("csrf", review.csrf().as_str()), ("signature", "oui")],
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let shown = fatou.get(&file).await;
    assert!(
        shown.body.contains("Déposée, en cours de vérification"),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains("Allocation d&#x27;éducation")
            || shown.body.contains("Allocation d'éducation")
    );

    // One request per right; the child's pole; the certificate sealed, its name too.
    let row = file_row(&gard, id).await;
    assert_eq!(row.status, Status::Filed.id());
    assert_eq!(row.pole.as_deref(), Some("child"));
    let requests = requests_of(&gard, id).await;
    let mut rights: Vec<_> = requests.iter().map(|r| r.right_code.as_str()).collect();
    rights.sort_unstable();
    assert_eq!(rights, ["aeeh", "pch"]);
    let certificate = pieces_of(&gard, id).await.remove(0);
    assert!(certificate.medical && certificate.document_id.is_none());
    assert_eq!(certificate.rpps.as_deref(), Some("10000000000"));
    assert!(
        !certificate
            .sealed_name
            .clone()
            .unwrap()
            .contains("rhumatologue")
    );
    let stored = std::fs::read(
        app.platform
            .files_dir(gard.slug())
            .join("medical")
            .join(certificate.sealed_key.unwrap()),
    )
    .unwrap();
    assert!(
        !stored.windows(12).any(|w| w == b"polyarthrite"),
        "sealed at rest"
    );

    // A filed request no longer changes.
    let late = fatou.get(&format!("{file}/etape/1")).await;
    assert_eq!(late.status, StatusCode::SEE_OTHER);
    app.stop().await;
}

async fn a_renewal_starts_from_the_previous_answers(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    let (mut fatou, _file, _id) = fatou_files(&app).await;
    let space = fatou.get("/gard/mon-espace/mdph").await;
    assert!(space.body.contains("Demander un renouvellement"));
    let renewal = fatou
        .post(
            "/gard/mon-espace/mdph",
            &[("csrf", space.csrf().as_str()), ("nature", "renewal")],
        )
        .await;
    let first = renewal.location.unwrap();
    let file = first.trim_end_matches("/etape/1").to_owned();
    let step1 = fatou.get(&first).await;
    assert!(step1.body.contains("value=\"DIALLO\""), "{}", step1.body);
    assert!(step1.body.contains("value=\"2015-05-10\""));
    // Nothing confirmed yet: filing says which steps to read again.
    let rights = fatou.get(&format!("{file}/droits")).await;
    fatou
        .post(
            &format!("{file}/droits"),
            &[("csrf", rights.csrf().as_str()), ("droits", "aeeh")],
        )
        .await;
    let review = fatou.get(&format!("{file}/recapitulatif")).await;
    let refused = fatou
        .post(
            &format!("{file}/depot"),
            &[("csrf", review.csrf().as_str()), ("signature", "oui")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Relisez et validez l&#x27;étape 1")
            || refused.body.contains("Relisez et validez l'étape 1"),
        "{}",
        refused.body
    );

    // Each step confirmed, the generic request: the team looks at every right of his age.
    step(&mut fatou, &file, 1, &CHILD).await;
    step(
        &mut fatou,
        &file,
        2,
        &[
            ("a_qui", "Un parent (ou titulaire de l'autorité parentale)"),
            ("a_protection", "Aucune"),
            ("a_urgence", "non"),
            ("a_echanges", "oui"),
        ],
    )
    .await;
    step(
        &mut fatou,
        &file,
        3,
        &[
            ("b_famille", "Avec ses parents"),
            ("b_logement", "Locataire"),
            ("b_besoins", "Les mêmes qu'avant, et la cantine."),
        ],
    )
    .await;
    for n in 4..=6 {
        step(&mut fatou, &file, n, &[]).await;
    }
    let rights = fatou.get(&format!("{file}/droits")).await;
    let generic = fatou
        .post(
            &format!("{file}/droits"),
            &[
                ("csrf", rights.csrf().as_str()),
                ("droits", "aeeh"),
                ("generique", "oui"),
            ],
        )
        .await;
    assert_eq!(generic.status, StatusCode::SEE_OTHER, "{}", generic.body);
    let review = fatou.get(&format!("{file}/recapitulatif")).await;
    let filed = fatou
        .post(
            &format!("{file}/depot"),
            &[("csrf", review.csrf().as_str()), ("signature", "oui")],
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let id: i64 = file.rsplit('/').next().unwrap().parse().unwrap();
    let row = file_row(&gard, id).await;
    assert_eq!(row.kind, "renewal");
    assert!(row.previous_file_id.is_some());
    let mut asked: Vec<String> = requests_of(&gard, id)
        .await
        .into_iter()
        .map(|r| r.right_code)
        .collect();
    asked.sort();
    let mut offered: Vec<&str> =
        guichet::disability::rights::Right::offered_to(guichet::disability::rights::Pole::Child)
            .map(|r| r.code())
            .collect();
    offered.sort();
    assert_eq!(asked, offered, "every right open to a child, the AEEH once");
    app.stop().await;
}
