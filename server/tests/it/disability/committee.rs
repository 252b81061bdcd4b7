//! The committee: the plan answered first, decisions within the legal bounds, the person
//! notified with one letter per right, its receipt recorded.

use super::*;

both_engines!(the_committee_decides_within_the_bounds_and_the_person_is_notified,);

/// A form's fields besides its token.
type Fields<'a> = Vec<(&'a str, &'a str)>;

/// The decision form's fields for one request.
fn decision<'a>(csrf: &'a str, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    form
}

async fn the_committee_decides_within_the_bounds_and_the_person_is_notified(backend: Backend) {
    let (app, sink, gard) = setup(backend).await;
    let (mut fatou, file, id) = fatou_files(&app).await;
    let page_href = acknowledged(&app, &gard, id).await;
    let mut evaluator = Visitor::signed_in(&app, "/gard", EVALUATOR).await;
    let csrf = evaluator.get(&page_href).await.csrf();
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
    assert_eq!(found.status, StatusCode::SEE_OTHER);
    // The plan goes to the person once every right has the team's proposal.
    let early_plan = evaluator
        .post(&format!("{page_href}/plan"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(early_plan.status, StatusCode::CONFLICT);
    assert!(early_plan.body.contains("il manque"), "{}", early_plan.body);
    for r in requests_of(&gard, id).await {
        let proposed = evaluator
            .post(
                &format!("{page_href}/propositions/{}", r.id),
                &[("csrf", csrf.as_str()), ("proposition", "grant")],
            )
            .await;
        assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
    }
    let sent = evaluator
        .post(&format!("{page_href}/plan"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let plan_mail = sink.wait_for_subject("plan personnalisé").await;
    assert!(
        plan_mail.text.contains("/mon-espace/mdph/"),
        "{}",
        plan_mail.text
    );
    let locked = evaluator
        .post(
            &format!(
                "{page_href}/propositions/{}",
                requests_of(&gard, id).await[0].id
            ),
            &[
                ("csrf", csrf.as_str()),
                ("proposition", "refuse"),
                ("motif", "x"),
            ],
        )
        .await;
    assert_eq!(locked.status, StatusCode::CONFLICT, "{}", locked.body);

    // The secretariat opens a session; a missing date or formation is said.
    let mut secretariat = Visitor::signed_in(&app, "/gard", COMMITTEE).await;
    let sessions = secretariat.get("/gard/agents/handicap/commission").await;
    assert_eq!(sessions.status, StatusCode::OK, "{}", sessions.body);
    let csrf = sessions.csrf();
    let incomplete = secretariat
        .post(
            "/gard/agents/handicap/commission",
            &[("csrf", csrf.as_str()), ("formation", "plenary")],
        )
        .await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(incomplete.body.contains("date de la séance"));
    let today = iso(guichet::dates::today());
    let opened = secretariat
        .post(
            "/gard/agents/handicap/commission",
            &[
                ("csrf", csrf.as_str()),
                ("date", today.as_str()),
                ("formation", "plenary"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let session_href = opened.location.unwrap();
    let session_id = session_href.rsplit('/').next().unwrap().to_owned();
    let requests = requests_of(&gard, id).await;
    let by_right = |code: &str| {
        let r = requests.iter().find(|r| r.right_code == code).unwrap();
        format!("/gard/agents/handicap/demandes/{}/decision", r.id)
    };
    // Not on the agenda yet: nothing can be decided.
    let early = secretariat
        .post(
            &by_right("aeeh"),
            &decision(&csrf, &[("resultat", "granted")]),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    let put = secretariat
        .post(
            &format!("{page_href}/seance"),
            &[("csrf", csrf.as_str()), ("seance", session_id.as_str())],
        )
        .await;
    assert_eq!(put.status, StatusCode::SEE_OTHER, "{}", put.body);
    let agenda = secretariat.get(&session_href).await;
    assert!(agenda.body.contains("Moussa DIALLO"), "{}", agenda.body);
    assert!(agenda.body.contains("80 % et plus"));
    // The parent has 15 days to answer the plan: the committee waits for them.
    let waiting = secretariat
        .post(
            &by_right("aeeh"),
            &decision(&csrf, &[("resultat", "granted")]),
        )
        .await;
    assert_eq!(waiting.status, StatusCode::CONFLICT, "{}", waiting.body);
    assert!(
        waiting.body.contains("peut répondre au plan"),
        "{}",
        waiting.body
    );
    let plan = fatou.get(&format!("{file}/plan")).await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);
    assert!(plan.body.contains("Accord"), "{}", plan.body);
    let csrf_fatou = plan.csrf();
    let long = "x".repeat(4001);
    let too_long = fatou
        .post(
            &format!("{file}/plan"),
            &[("csrf", csrf_fatou.as_str()), ("remarques", long.as_str())],
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answered = fatou
        .post(
            &format!("{file}/plan"),
            &[
                ("csrf", csrf_fatou.as_str()),
                ("remarques", "Il faut aussi une aide pour la cantine."),
                ("entendu", "oui"),
            ],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let twice = fatou
        .post(&format!("{file}/plan"), &[("csrf", csrf_fatou.as_str())])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let agenda = secretariat.get(&session_href).await;
    assert!(
        agenda.body.contains("aide pour la cantine"),
        "{}",
        agenda.body
    );
    assert!(agenda.body.contains("demande à être entendue"));

    // Outside the bounds: each refused at its field, nothing recorded.
    let start = "2027-01-01";
    let cases: [(&str, Fields, &str); 4] = [
        (
            "aeeh",
            vec![
                ("resultat", "granted"),
                ("debut", start),
                ("sans_limite", "oui"),
                ("niveau", "7"),
            ],
            "catégorie 1 à 6",
        ),
        (
            "scolarisation",
            vec![
                ("resultat", "partial"),
                ("debut", start),
                ("fin", "2028-06-30"),
            ],
            "Motivez",
        ),
        (
            "cmi_priorite",
            vec![
                ("resultat", "granted"),
                ("debut", start),
                ("fin", "2026-06-30"),
            ],
            "avant la date de début",
        ),
        (
            "cmi_priorite",
            vec![
                ("resultat", "granted"),
                ("debut", start),
                ("sans_limite", "oui"),
            ],
            "sans limitation de durée avec ces constats",
        ),
    ];
    for (right, fields, said) in cases {
        let refused = secretariat
            .post(&by_right(right), &decision(&csrf, &fields))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{right}: {}",
            refused.body
        );
        assert!(
            refused.body.contains(said),
            "{right}: {said} in {}",
            refused.body
        );
    }
    assert!(
        requests_of(&gard, id)
            .await
            .iter()
            .all(|r| r.outcome.is_none())
    );
    // An evaluator does not decide.
    let csrf_eval = evaluator.get(&session_href).await.csrf();
    let not_theirs = evaluator
        .post(
            &by_right("aeeh"),
            &decision(&csrf_eval, &[("resultat", "granted")]),
        )
        .await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);

    // Within the bounds: the AEEH until the child's twentieth birthday, the others dated.
    for (right, fields) in [
        (
            "aeeh",
            vec![
                ("resultat", "granted"),
                ("debut", start),
                ("sans_limite", "oui"),
                ("niveau", "3"),
            ],
        ),
        (
            "scolarisation",
            vec![
                ("resultat", "partial"),
                ("debut", start),
                ("fin", "2028-06-30"),
                ("motif", "Accompagnement mutualisé plutôt qu'individuel."),
            ],
        ),
    ] {
        let decided = secretariat
            .post(&by_right(right), &decision(&csrf, &fields))
            .await;
        assert_eq!(
            decided.status,
            StatusCode::SEE_OTHER,
            "{right}: {}",
            decided.body
        );
    }
    assert_eq!(
        file_row(&gard, id).await.status,
        Status::Complete.id(),
        "one request left"
    );
    let last = secretariat
        .post(
            &by_right("cmi_priorite"),
            &decision(
                &csrf,
                &[
                    ("resultat", "granted"),
                    ("debut", start),
                    ("fin", "2031-12-31"),
                ],
            ),
        )
        .await;
    assert_eq!(last.status, StatusCode::SEE_OTHER, "{}", last.body);
    assert!(last.location.unwrap().contains("ok=notifie"));
    assert_eq!(file_row(&gard, id).await.status, Status::Decided.id());
    let aeeh = requests_of(&gard, id)
        .await
        .into_iter()
        .find(|r| r.right_code == "aeeh")
        .unwrap();
    assert_eq!(
        aeeh.ends_on,
        NaiveDate::from_ymd_opt(2035, 5, 9),
        "the eve of his twentieth birthday"
    );
    assert!(aeeh.without_limit);
    assert_eq!(aeeh.level.as_deref(), Some("Complément de catégorie 3"));
    let again = secretariat
        .post(
            &by_right("aeeh"),
            &decision(&csrf, &[("resultat", "refused"), ("motif", "x")]),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // Notified by mail, one letter per right, with the appeal route.
    let notified = sink.wait_for_subject("La commission a décidé").await;
    assert_eq!(notified.attachments.len(), 3);
    assert!(notified.text.contains("RAPO"));
    // Fatou reads it in her space; opening it records the day she received it, once.
    let mine = fatou.get(&file).await;
    assert!(
        mine.body.contains("Lire la notification (PDF)"),
        "{}",
        mine.body
    );
    assert!(mine.body.contains("Accordé en partie"));
    let letter = fatou
        .get(&format!("{file}/notifications/{}", aeeh.id))
        .await;
    assert_eq!(letter.status, StatusCode::OK);
    assert!(letter.body.starts_with("%PDF"));
    let read = requests_of(&gard, id)
        .await
        .into_iter()
        .find(|r| r.id == aeeh.id)
        .unwrap();
    assert_eq!(read.received_on, Some(guichet::dates::today()));
    assert_eq!(read.received_how.as_deref(), Some("space"));
    app.stop().await;
}
