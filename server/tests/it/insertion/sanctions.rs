//! Sanction cases: only the officer opens and leads one; the planned and decided sanctions stay
//! within the legal bounds (30 % at least, 50 % at most for a household of more than one
//! person, 1 to 2 months); the person is told, reads the case in their space and answers in
//! writing; no decision before their answer or the end of their month; a suppression waits for
//! the équipe pluridisciplinaire's opinion; the sanction is lifted. Each step in their journal.

use reqwest::StatusCode;

use super::contracts::karim_followed_and_oriented;
use super::{OFFICER, REFERENT, setup, table_figure};
use crate::harness::{Backend, Visitor, both_engines};

both_engines!(
    an_officer_leads_a_case_within_the_bounds_and_the_person_answers,
    two_officers_opening_a_case_at_once_open_one
);

async fn an_officer_leads_a_case_within_the_bounds_and_the_person_answers(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    let (mut karim, page, _person) = karim_followed_and_oriented(&app, &gard, &mut officer).await;
    let open = format!("{page}/sanction");

    // Only the officer opens a case.
    let mut referent = Visitor::signed_in(&app, "/gard", REFERENT).await;
    assert_eq!(referent.get(&open).await.status, StatusCode::FORBIDDEN);
    assert!(
        !referent
            .get(&page)
            .await
            .body
            .contains("Ouvrir une procédure de sanction")
    );
    let shown = officer.get(&page).await;
    assert!(shown.body.contains("Ouvrir une procédure de sanction"));
    let form = officer.get(&open).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let opening = |rate: &'static str, months: &'static str, household: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("ground", "missed_appointment".to_owned()),
            (
                "facts",
                "Absent aux rendez-vous des 3 et 17 novembre, sans nouvelles.".to_owned(),
            ),
            ("household_size", household.to_owned()),
            ("measure", "suspension".to_owned()),
            ("rate", rate.to_owned()),
            ("months", months.to_owned()),
        ]
    };
    let post = |v: &Vec<(&'static str, String)>| v.clone();
    for (fields, message) in [
        (opening("20", "1", "1"), "30 % au moins"),
        (opening("60", "1", "2"), "ne dépasse pas 50 %"),
        (opening("30", "3", "1"), "de 1 à 2 mois"),
    ] {
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = officer.post(&open, &refs).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{message}"
        );
        assert!(
            refused.body.contains(message),
            "{message}: {}",
            refused.body
        );
    }
    let fields = post(&opening("40", "2", "1"));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let opened = officer.post(&open, &refs).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let case = opened.location.expect("the case's page");
    let case = case.split('?').next().unwrap().to_owned();
    let twice = officer.post(&open, &refs).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "one case at a time");

    // Not told yet: nothing in Karim's space; no decision yet.
    assert!(
        !karim
            .get("/gard/mon-espace/rsa")
            .await
            .body
            .contains("Procédure de sanction")
    );
    let decide = |outcome: &'static str, measure: &'static str, rate: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("outcome", outcome.to_owned()),
            ("measure", measure.to_owned()),
            ("rate", rate.to_owned()),
            ("months", "2".to_owned()),
            ("reason", "Aucune nouvelle malgré deux relances.".to_owned()),
            ("starts_on", guichet::dates::today().to_string()),
        ]
    };
    let decision = format!("{case}/decision");
    let fields = decide("sanction", "suspension", "40");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let early = officer.post(&decision, &refs).await;
    assert_eq!(early.status, StatusCode::CONFLICT);

    // Told: Karim reads the facts and has a month; the letter prints.
    let told = officer
        .post(&format!("{case}/notification"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(told.status, StatusCode::SEE_OTHER, "{}", told.body);
    let letter = officer.get(&format!("{case}/courrier")).await;
    assert_eq!(letter.status, StatusCode::OK);
    assert!(letter.body.starts_with("%PDF"));
    let too_soon = officer.post(&decision, &refs).await;
    assert_eq!(too_soon.status, StatusCode::CONFLICT);
    assert!(too_soon.body.contains("pour présenter ses observations"));
    let mine = karim.get("/gard/mon-espace/rsa").await;
    assert!(mine.body.contains("Procédure de sanction"), "{}", mine.body);
    assert!(
        mine.body
            .contains("Absent aux rendez-vous des 3 et 17 novembre")
    );
    assert!(
        mine.body
            .contains("Suspension-remobilisation de 40 % pendant 2 mois")
    );
    assert!(mine.body.contains("Observations attendues jusqu"));

    // Karim answers in writing, once.
    let csrf_karim = mine.csrf();
    let case_id = case.rsplit('/').next().unwrap();
    let answer = format!("/gard/mon-espace/rsa/sanctions/{case_id}/observations");
    let empty = karim
        .post(
            &answer,
            &[("csrf", csrf_karim.as_str()), ("observations", " ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = "J'étais hospitalisé du 2 au 20 novembre ; je joins le bulletin.";
    let sent = karim
        .post(
            &answer,
            &[("csrf", csrf_karim.as_str()), ("observations", text)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let again = karim
        .post(
            &answer,
            &[("csrf", csrf_karim.as_str()), ("observations", text)],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(officer.get(&case).await.body.contains("hospitalisé"));

    // A suppression waits for the équipe pluridisciplinaire; the cap holds at decision too.
    let fields = decide("sanction", "suppression", "");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let no_opinion = officer.post(&decision, &refs).await;
    assert_eq!(no_opinion.status, StatusCode::CONFLICT);
    assert!(no_opinion.body.contains("équipe pluridisciplinaire"));
    let fields = decide("sanction", "suspension", "25");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let low = officer.post(&decision, &refs).await;
    assert_eq!(low.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The équipe pluridisciplinaire's agenda: the case waits without a session; a past day is
    // refused; put on next week's session, it shows under it.
    let agenda_page = "/gard/agents/insertion/equipe-pluridisciplinaire";
    let agenda = officer.get(agenda_page).await;
    assert_eq!(agenda.status, StatusCode::OK);
    assert!(
        agenda.body.contains("Cas sans séance fixée"),
        "{}",
        agenda.body
    );
    assert!(agenda.body.contains("KARIM BENALI"));
    let today = guichet::dates::today();
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    let past = officer
        .post(
            &format!("{case}/seance"),
            &[("csrf", csrf.as_str()), ("agenda_on", yesterday.as_str())],
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(past.body.contains("séance à venir"), "{}", past.body);
    let next_week = today + chrono::Duration::days(7);
    let scheduled = officer
        .post(
            &format!("{case}/seance"),
            &[
                ("csrf", csrf.as_str()),
                ("agenda_on", next_week.to_string().as_str()),
            ],
        )
        .await;
    assert_eq!(
        scheduled.status,
        StatusCode::SEE_OTHER,
        "{}",
        scheduled.body
    );
    let on = guichet::dates::on(next_week);
    assert!(
        officer
            .get(&case)
            .await
            .body
            .contains(&format!("ordre du jour du {on}"))
    );
    let agenda = officer.get(agenda_page).await;
    assert!(agenda.body.contains(&format!("Séance du {on}")));
    assert!(agenda.body.contains("Aucun cas en attente sans séance."));
    let opinion = officer
        .post(
            &format!("{case}/avis"),
            &[
                ("csrf", csrf.as_str()),
                ("session_on", guichet::dates::today().to_string().as_str()),
                ("opinion", "Avis favorable à une suspension courte."),
            ],
        )
        .await;
    assert_eq!(opinion.status, StatusCode::SEE_OTHER, "{}", opinion.body);
    let fields = decide("sanction", "suspension", "30");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let decided = officer.post(&decision, &refs).await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let mine = karim.get("/gard/mon-espace/rsa").await;
    assert!(mine.body.contains("Sanction en cours"));
    assert!(
        mine.body
            .contains("Avis favorable à une suspension courte.")
    );

    app.staff(
        &gard,
        "chef@gard.fr",
        "Claire Cheffe",
        &[guichet::staff::Role::Supervisor],
    )
    .await;
    let mut chief = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let figures = chief.get("/gard/agents/modules/insertion").await;
    assert_eq!(table_figure(&figures.body, "Sanctions en cours"), "1");

    // Karim complies: lifted.
    let lifted = officer
        .post(
            &format!("{case}/levee"),
            &[
                ("csrf", csrf.as_str()),
                ("reason", "Présent au rendez-vous du 2 décembre."),
                ("on", guichet::dates::today().to_string().as_str()),
            ],
        )
        .await;
    assert_eq!(lifted.status, StatusCode::SEE_OTHER, "{}", lifted.body);
    assert!(
        karim
            .get("/gard/mon-espace/rsa")
            .await
            .body
            .contains("Sanction levée")
    );
    let figures = chief.get("/gard/agents/modules/insertion").await;
    assert_eq!(table_figure(&figures.body, "Sanctions en cours"), "0");
    // A second case: the form says a suspension was decided before, so 4 months are allowed;
    // the person is heard with someone assisting them; the case is dropped.
    let form = officer.get(&open).await;
    assert!(form.body.contains("jusqu'à 4 mois") || form.body.contains("jusqu&#x27;à 4 mois"));
    let fields = post(&opening("30", "4", "1"));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let second = officer.post(&open, &refs).await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    let second = second.location.unwrap();
    let second = second.split('?').next().unwrap().to_owned();
    let told = officer
        .post(
            &format!("{second}/notification"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(told.status, StatusCode::SEE_OTHER);
    let heard = officer
        .post(
            &format!("{second}/observations"),
            &[
                ("csrf", csrf.as_str()),
                ("observations", "Il a repris contact et s'excuse."),
                ("assisted_by", "Mme Roux, assistante sociale"),
            ],
        )
        .await;
    assert_eq!(heard.status, StatusCode::SEE_OTHER, "{}", heard.body);
    let fields = decide("none", "", "");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let dropped = officer.post(&format!("{second}/decision"), &refs).await;
    assert_eq!(dropped.status, StatusCode::SEE_OTHER, "{}", dropped.body);
    let shown = officer.get(&second).await.body;
    assert!(shown.contains("Sans suite"), "{shown}");
    assert!(shown.contains("assistée par Mme Roux, assistante sociale"));

    let journal = karim
        .get("/gard/mon-espace/journal")
        .await
        .body
        .to_lowercase();
    for step in [
        "ouverture d",
        "notification d",
        "avis de l",
        "décision de sanction",
        "levée d",
    ] {
        assert!(journal.contains(step), "{step} in {journal}");
    }
    app.stop().await;
}

/// Two officers open a case for one person at the same moment: one case, the other told why.
async fn two_officers_opening_a_case_at_once_open_one(backend: Backend) {
    use guichet::insertion::sanctions::{self, Ground, Opening, Refusal, Sanction};
    let (app, gard) = setup(backend).await;
    let people = guichet::franceconnect::simulator::test_identities();
    let citizen = guichet::citizens::sign_in_with_franceconnect(&gard, &people[0])
        .await
        .unwrap();
    let followed = crate::fixtures::followed_for_rsa(&gard, citizen.id, "DUBOIS").await;
    let (first, second) = (
        app.worker(&gard, guichet::staff::Role::InsertionOrientation)
            .await,
        app.worker(&gard, guichet::staff::Role::InsertionOrientation)
            .await,
    );
    let (a, b) = (
        guichet::insertion::Desk::open(&gard, &first).unwrap(),
        guichet::insertion::Desk::open(&gard, &second).unwrap(),
    );
    let person = guichet::insertion::clock::find_person(&a, followed)
        .await
        .unwrap()
        .unwrap();
    let opening = Opening {
        ground: Ground::MissedAppointment,
        facts: "Absente au rendez-vous du 3 novembre.".into(),
        household_size: 1,
        planned: Sanction::parse("suspension", "30", "1", 1, false).unwrap(),
    };
    let (one, other) = tokio::join!(
        sanctions::open(&a, &person, &opening),
        sanctions::open(&b, &person, &opening)
    );
    let outcomes = [one.unwrap(), other.unwrap()];
    assert_eq!(
        outcomes.iter().filter(|o| o.is_ok()).count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&Err(Refusal::AlreadyPending)),
        "{outcomes:?}"
    );
    assert_eq!(
        sanctions::of_person(&gard, person.id).await.unwrap().len(),
        1
    );
    app.stop().await;
}
