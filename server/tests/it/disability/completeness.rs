//! Completeness: reception refuses a piece, asks for it with a deadline, then acknowledges
//! the complete file (the 4-month clock); a file whose deadline passed is declared
//! irrecevable with a letter.

use super::*;

both_engines!(
    reception_asks_for_a_piece_then_acknowledges_the_complete_file,
    a_file_past_its_deadline_is_declared_irrecevable,
);

async fn reception_asks_for_a_piece_then_acknowledges_the_complete_file(backend: Backend) {
    let (app, sink, gard) = setup(backend).await;
    let (mut fatou, file, id) = fatou_files(&app).await;
    let mut reception = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let queue = reception.get("/gard/agents/handicap").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let reference = format!("MDPH-{}-{id:06}", Utc::now().format("%Y"));
    assert!(queue.body.contains(&reference), "{}", queue.body);
    assert!(queue.body.contains("Moussa DIALLO"));
    let unknown = reception.get("/gard/agents/handicap?etape=nimporte").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);

    let page_href = format!("/gard/agents/handicap/dossiers/{id}");
    let page = reception.get(&page_href).await;
    assert!(page.body.contains("Sous pli confidentiel"), "{}", page.body);
    assert!(
        !page.body.contains("rhumatologue"),
        "a medical piece's name stays sealed"
    );

    // The proof of address is refused with a reason; an empty reason is not enough.
    let pieces = pieces_of(&gard, id).await;
    let address = pieces.iter().find(|p| p.kind == "address").unwrap();
    let review = format!("/gard/agents/handicap/pieces/{}/examen", address.id);
    let csrf = page.csrf();
    let no_reason = reception
        .post(&review, &[("csrf", csrf.as_str()), ("verdict", "refuser")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("Dites pourquoi"));
    let rejected = reception
        .post(
            &review,
            &[
                ("csrf", csrf.as_str()),
                ("verdict", "refuser"),
                ("motif", "Facture de plus de 3 mois."),
            ],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER, "{}", rejected.body);
    for p in pieces.iter().filter(|p| p.kind != "address") {
        let accepted = reception
            .post(
                &format!("/gard/agents/handicap/pieces/{}/examen", p.id),
                &[("csrf", csrf.as_str()), ("verdict", "accepter")],
            )
            .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    }

    // Not complete: acknowledging is refused, and a deadline in the past too.
    let early = reception
        .post(
            &format!("{page_href}/recevabilite"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.body.contains("Il manque encore"), "{}", early.body);
    let yesterday = iso(guichet::dates::today() - Duration::days(1));
    let past = reception
        .post(
            &format!("{page_href}/pieces-manquantes"),
            &[("csrf", csrf.as_str()), ("echeance", yesterday.as_str())],
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(past.body.contains("après aujourd"));
    let deadline = guichet::dates::today() + Duration::days(30);
    let asked = reception
        .post(
            &format!("{page_href}/pieces-manquantes"),
            &[
                ("csrf", csrf.as_str()),
                ("echeance", iso(deadline).as_str()),
                ("message", "Une quittance de loyer convient."),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let mails = sink.wait_for(2).await;
    let asking = mails
        .iter()
        .find(|m| m.subject.contains("des pièces manquent"))
        .unwrap();
    assert!(
        asking.text.contains("Facture de plus de 3 mois."),
        "{}",
        asking.text
    );
    assert!(asking.text.contains(&guichet::dates::on(deadline)));
    assert!(asking.text.contains("quittance"));

    // Fatou reads why, sends another proof and explains; reception accepts it.
    let mine = fatou.get(&file).await;
    assert!(mine.body.contains("Facture de plus de 3 mois."));
    assert!(mine.body.contains(&guichet::dates::on(deadline)));
    let sent = send_piece(
        &mut fatou,
        &file,
        &file,
        ("address", "quittance.pdf", PDF_ADDRESS),
        None,
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let csrf_fatou = fatou.get(&file).await.csrf();
    let explained = fatou
        .post(
            &format!("{file}/explication"),
            &[
                ("csrf", csrf_fatou.as_str()),
                ("explication", "La facture était au nom de mon frère."),
            ],
        )
        .await;
    assert_eq!(explained.status, StatusCode::SEE_OTHER);
    let page = reception.get(&page_href).await;
    assert!(page.body.contains("au nom de mon frère"));
    let new_proof = pieces_of(&gard, id)
        .await
        .into_iter()
        .find(|p| p.kind == "address" && p.status == "received")
        .unwrap();
    let accepted = reception
        .post(
            &format!("/gard/agents/handicap/pieces/{}/examen", new_proof.id),
            &[("csrf", csrf.as_str()), ("verdict", "accepter")],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    let done = reception
        .post(
            &format!("{page_href}/recevabilite"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    // Complete: each request's 4-month clock runs from today; she is told.
    let row = file_row(&gard, id).await;
    assert_eq!(row.status, Status::Complete.id());
    let today = guichet::dates::today();
    assert_eq!(row.complete_on, Some(today));
    let requests = requests_of(&gard, id).await;
    assert!(
        requests
            .iter()
            .all(|r| r.due_on == Some(today + Months::new(4)))
    );
    let mails = sink.wait_for(3).await;
    let complete = mails
        .iter()
        .find(|m| m.subject.contains("est complète"))
        .unwrap();
    assert!(
        complete
            .text
            .contains(&guichet::dates::on(today + Months::new(4)))
    );
    assert!(complete.text.contains("silence vaut refus"));
    // Nothing more to check: a second acknowledgement is refused.
    let again = reception
        .post(
            &format!("{page_href}/recevabilite"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // An evaluator reads the file but takes no reception step.
    let mut evaluator = Visitor::signed_in(&app, "/gard", EVALUATOR).await;
    assert_eq!(evaluator.get(&page_href).await.status, StatusCode::OK);
    let csrf = evaluator.get(&page_href).await.csrf();
    let step = evaluator
        .post(
            &format!("{page_href}/recevabilite"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(step.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

async fn a_file_past_its_deadline_is_declared_irrecevable(backend: Backend) {
    let (app, sink, gard) = setup(backend).await;
    let (_fatou, _file, id) = fatou_files(&app).await;
    let mut reception = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let page_href = format!("/gard/agents/handicap/dossiers/{id}");
    let csrf = reception.get(&page_href).await.csrf();
    let address = pieces_of(&gard, id)
        .await
        .into_iter()
        .find(|p| p.kind == "address")
        .unwrap();
    reception
        .post(
            &format!("/gard/agents/handicap/pieces/{}/examen", address.id),
            &[
                ("csrf", csrf.as_str()),
                ("verdict", "refuser"),
                ("motif", "Illisible."),
            ],
        )
        .await;
    let deadline = guichet::dates::today() + Duration::days(15);
    let asked = reception
        .post(
            &format!("{page_href}/pieces-manquantes"),
            &[
                ("csrf", csrf.as_str()),
                ("echeance", iso(deadline).as_str()),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    // Before the deadline: refused, nothing changes.
    let early = reception
        .post(
            &format!("{page_href}/irrecevable"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.body.contains("attendez cette date"), "{}", early.body);
    assert_eq!(file_row(&gard, id).await.status, Status::WaitingPieces.id());

    // The deadline passes with the proof still missing.
    let txn = gard.db().begin_write().await.unwrap();
    let mut row = disability_file::Entity::find_by_id(id)
        .one(&txn)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    row.pieces_deadline = Set(Some(guichet::dates::today() - Duration::days(1)));
    row.update(&txn).await.unwrap();
    txn.commit().await.unwrap();
    let declared = reception
        .post(
            &format!("{page_href}/irrecevable"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(declared.status, StatusCode::SEE_OTHER, "{}", declared.body);
    assert_eq!(file_row(&gard, id).await.status, Status::Irrecevable.id());
    let mails = sink.wait_for(3).await;
    let letter = mails
        .iter()
        .find(|m| m.subject.contains("irrecevable"))
        .unwrap();
    assert!(
        letter.text.contains("justificatif de domicile"),
        "{}",
        letter.text
    );
    assert!(letter.text.contains("recours"));
    let (name, kind, pdf) = &letter.attachments[0];
    assert!(name.ends_with(".pdf") && kind == "application/pdf" && pdf.starts_with(b"%PDF"));
    // Pieces are never deleted: the refused one keeps its reason.
    let kept = pieces_of(&gard, id).await;
    assert_eq!(kept.len(), 3);
    assert!(
        kept.iter()
            .any(|p| p.reason.as_deref() == Some("Illisible."))
    );
    app.stop().await;
}
