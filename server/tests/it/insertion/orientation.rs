//! Orientation: a referent proposes, the officer decides with a reason (or leaves the proposal
//! aside); a decision takes the person off the list to orient; a réorientation closes the
//! orientation in force the day before, never overlapping it. Each step is in the person's
//! access journal and right of access.

use guichet::staff::Role;
use reqwest::StatusCode;

use super::{
    OFFICER, REFERENT, day, file_of, import_whole, people_of, setup, single_adults, table_figure,
};
use crate::harness::{Backend, Visitor, both_engines};

both_engines!(
    a_referent_proposes_the_officer_decides_and_reorients,
    the_supervisor_reads_the_indicators_counted_from_entry
);

/// How many people the list says are to orient.
async fn to_orient(visitor: &mut Visitor) -> usize {
    let list = visitor.get("/gard/agents/insertion").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    list.body.matches("/agents/insertion/personnes/").count()
}

async fn a_referent_proposes_the_officer_decides_and_reorients(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let households = single_adults(3, 4);
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    import_whole(&mut officer, file_of(households, day(2026, 11, 6))).await;
    let everyone = people_of(&gard).await;
    let (a, b) = (&everyone[0], &everyone[1]);
    let mut referent = Visitor::signed_in(&app, "/gard", REFERENT).await;
    assert_eq!(to_orient(&mut referent).await, 3);

    // The referent proposes: an empty form is refused at its fields, what was typed is kept.
    let page_a = format!("/gard/agents/insertion/personnes/{}", a.id);
    let shown = referent.get(&page_a).await;
    assert!(
        shown.body.contains("Proposer une orientation"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Pas encore orientée."));
    let csrf = shown.csrf();
    let proposal = format!("{page_a}/orientation/proposition");
    let empty = referent
        .post(
            &proposal,
            &[("csrf", csrf.as_str()), ("body", "CCAS de Nîmes")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.body.contains("Choisissez le parcours"),
        "{}",
        empty.body
    );
    assert!(empty.body.contains("href=\"#track-0\""));
    assert!(
        empty.body.contains("value=\"CCAS de Nîmes\""),
        "kept as typed"
    );
    let proposed = referent
        .post(
            &proposal,
            &[
                ("csrf", csrf.as_str()),
                ("track", "social"),
                ("body", "CCAS de Nîmes"),
                ("reason", "Sans logement stable : le logement d'abord."),
            ],
        )
        .await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
    let shown = referent.get(&page_a).await;
    assert!(shown.body.contains("Proposition en attente de décision"));
    assert!(
        !shown.body.contains("Proposer une orientation"),
        "one proposal at a time"
    );
    let twice = referent
        .post(
            &proposal,
            &[
                ("csrf", csrf.as_str()),
                ("track", "professional"),
                ("body", "France Travail"),
                ("reason", "Autre avis."),
            ],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.body.contains("attend déjà"), "{}", twice.body);
    // Deciding is the officer's.
    let decision = format!("{page_a}/orientation/decision");
    let not_theirs = referent
        .post(
            &decision,
            &[
                ("csrf", csrf.as_str()),
                ("track", "social"),
                ("body", "CCAS"),
                ("reason", "x"),
                ("starts_on", "2026-11-20"),
            ],
        )
        .await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);

    // The officer finds the proposal in the decision form; a future start is refused, a
    // start 10 days ago taken.
    let shown = officer.get(&page_a).await;
    assert!(shown.body.contains("Décider de l'orientation"));
    assert!(
        shown.body.contains("value=\"CCAS de Nîmes\""),
        "filled from the proposal"
    );
    let csrf = shown.csrf();
    let today = guichet::dates::today();
    let decide = |start: chrono::NaiveDate, track: &'static str, body: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("track", track.to_owned()),
            ("body", body.to_owned()),
            (
                "reason",
                "Vu en entretien : le logement d'abord.".to_owned(),
            ),
            ("starts_on", start.to_string()),
        ]
    };
    let future = decide(today.succ_opt().unwrap(), "social", "CCAS de Nîmes");
    let refused = officer.post(&decision, &pairs(&future)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("dans le futur"), "{}", refused.body);
    let ten_days_ago = today - chrono::Duration::days(10);
    let first = decide(ten_days_ago, "social", "CCAS de Nîmes");
    let decided = officer.post(&decision, &pairs(&first)).await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let shown = officer.get(&page_a).await;
    assert!(shown.body.contains("Orientation en cours"));
    assert!(shown.body.contains("Sociale"));
    assert!(!shown.body.contains("Proposition en attente"));
    assert_eq!(to_orient(&mut referent).await, 2, "oriented: off the list");

    // Réorientation: not before the orientation in force, then from today, closing it the
    // day before.
    let overlapping = decide(ten_days_ago, "professional", "France Travail");
    let refused = officer.post(&decision, &pairs(&overlapping)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("ne se chevauchent pas"),
        "{}",
        refused.body
    );
    let second = decide(today, "professional", "France Travail");
    let decided = officer.post(&decision, &pairs(&second)).await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let shown = officer.get(&page_a).await;
    let yesterday = (today - chrono::Duration::days(1))
        .format("%d/%m/%Y")
        .to_string();
    assert!(shown.body.contains("Orientations successives"));
    assert!(
        shown.body.contains(&yesterday),
        "the first closed the day before"
    );
    assert!(shown.body.contains("Professionnelle (France Travail)"));

    // A proposal the officer leaves aside needs a reason; the person stays to orient.
    let page_b = format!("/gard/agents/insertion/personnes/{}", b.id);
    let csrf = referent.get(&page_b).await.csrf();
    referent
        .post(
            &format!("{page_b}/orientation/proposition"),
            &[
                ("csrf", csrf.as_str()),
                ("track", "professional"),
                ("body", "France Travail"),
                ("reason", "Prêt à reprendre un emploi."),
            ],
        )
        .await;
    let csrf = officer.get(&page_b).await.csrf();
    let refusal = format!("{page_b}/orientation/refus");
    let bare = officer.post(&refusal, &[("csrf", csrf.as_str())]).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.body.contains("href=\"#refusal\""));
    let left_aside = officer
        .post(
            &refusal,
            &[
                ("csrf", csrf.as_str()),
                ("refusal", "Un problème de santé à traiter d'abord."),
            ],
        )
        .await;
    assert_eq!(
        left_aside.status,
        StatusCode::SEE_OTHER,
        "{}",
        left_aside.body
    );
    assert_eq!(to_orient(&mut referent).await, 2);

    // The person reads it all: in their journal and their right of access.
    let journal = guichet::audit::for_citizen(&gard, a.citizen_id, 50)
        .await
        .unwrap();
    for action in [
        "proposition d'orientation",
        "décision d'orientation",
        "réorientation",
    ] {
        assert!(
            journal.iter().any(|e| e.action == action),
            "{action}: {journal:?}"
        );
    }
    let citizen = guichet::citizens::find(&gard, a.citizen_id)
        .await
        .unwrap()
        .unwrap();
    let sections = guichet::modules::right_of_access(&gard, &citizen)
        .await
        .unwrap();
    let lines: Vec<String> = sections
        .iter()
        .flat_map(|s| &s.items)
        .flat_map(|i| &i.lines)
        .map(|(label, value)| format!("{label} {value}"))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Orientation depuis le") && l.contains("France Travail")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("Orientation du")),
        "{lines:?}"
    );
    app.stop().await;
}

fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn the_supervisor_reads_the_indicators_counted_from_entry(backend: Backend) {
    let (app, gard) = setup(backend).await;
    app.staff(
        &gard,
        "chef@gard.fr",
        "Chef de service",
        &[Role::Supervisor],
    )
    .await;
    let households = single_adults(3, 9);
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    // Received in January, imported today: the clock counts from January.
    import_whole(&mut officer, file_of(households, day(2026, 1, 6))).await;
    let everyone = people_of(&gard).await;
    for (person, start, track) in [
        (&everyone[0], "2026-01-16", "social"),
        (&everyone[1], "2026-04-01", "professional"),
    ] {
        let page = format!("/gard/agents/insertion/personnes/{}", person.id);
        let csrf = officer.get(&page).await.csrf();
        let decided = officer
            .post(
                &format!("{page}/orientation/decision"),
                &[
                    ("csrf", csrf.as_str()),
                    ("track", track),
                    ("body", "Organisme"),
                    ("reason", "Vu en entretien."),
                    ("starts_on", start),
                ],
            )
            .await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    }
    let mut supervisor = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let page = supervisor.get("/gard/agents/modules/insertion").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = page.body.replace('\u{a0}', " ");
    for (label, value) in [
        ("Personnes soumises aux droits et devoirs", "3"),
        ("Personnes à orienter", "1"),
        ("Dont le délai de 42 jours est dépassé", "1"),
        (
            "Orientées dans les 42 jours suivant leur entrée",
            "33 % (1 sur 3)",
        ),
        ("Délai moyen entre l'entrée et l'orientation", "47,5 jours"),
        ("Orientations en cours : Sociale", "1"),
        (
            "Orientations en cours : Professionnelle (France Travail)",
            "1",
        ),
        ("Personnes suivies sans référent", "3"),
    ] {
        assert_eq!(table_figure(&body, label), value, "{label}");
    }
    // Figures only: no one's name.
    assert!(!body.contains(&everyone[0].family_name), "{body}");
    app.stop().await;
}
