//! The CAF side of the AAH (issue 17): with the person's consent, given from their file, the
//! MDPH asks the CAF through the API Particulier simulator whether they receive the AAH; the
//! answer, with its provenance, is on the person's page and the team's; the consent is in
//! « Mes données », where withdrawing it stops the exchange. Without consent nothing is asked,
//! and a file that does not ask for the AAH offers nothing.

use super::*;
use guichet::national::pull::{self, PullState};

both_engines!(the_mdph_asks_the_caf_about_the_aah_under_the_persons_consent);

fn shows(body: &str, text: &str) -> bool {
    body.contains(text) || body.contains(&text.replace('\'', "&#x27;"))
}

/// The person's pulls once none is pending.
async fn ended_pulls(gard: &Tenant, citizen_id: i64) -> Vec<pull::Pull> {
    for _ in 0..200 {
        let pulls: Vec<_> = pull::for_citizen(gard, citizen_id)
            .await
            .unwrap()
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        if !pulls.is_empty() && pulls.iter().all(|p| p.state != PullState::Pending) {
            return pulls;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the CAF was not asked, or has not answered");
}

async fn the_mdph_asks_the_caf_about_the_aah_under_the_persons_consent(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    let mut fatou = Visitor::new(&app);
    fatou
        .franceconnect_sign_in("/gard", "sim-fatou-diallo")
        .await;
    let identity = guichet::franceconnect::simulator::test_identities()
        .into_iter()
        .find(|p| p.sub == "sim-fatou-diallo")
        .unwrap();
    let person = guichet::citizens::sign_in_with_franceconnect(&gard, &identity)
        .await
        .unwrap();
    // Her own request to the MDPH, as an adult, asking for the AAH among others.
    let file = crate::fixtures::disability_file(&app, &gard, person.id).await;
    let page = format!("/gard/mon-espace/mdph/{}", file.file);
    let mut team = Visitor::signed_in(&app, "/gard", EVALUATOR).await;
    let team_page = format!("/gard/agents/handicap/dossiers/{}", file.file);

    // Nothing is asked without her consent.
    let before = fatou.get(&page).await;
    assert!(
        shows(&before.body, "Votre AAH et la CAF"),
        "{}",
        before.body
    );
    assert!(shows(&before.body, "sans votre accord"), "{}", before.body);
    let seen = team.get(&team_page).await;
    assert!(
        shows(&seen.body, "n'a pas donné son accord"),
        "{}",
        seen.body
    );
    assert!(
        pull::for_citizen(&gard, person.id)
            .await
            .unwrap()
            .is_empty()
    );

    // She agrees (twice: one consent, one call).
    for _ in 0..2 {
        let agreed = fatou
            .post(&format!("{page}/caf"), &[("csrf", &before.csrf())])
            .await;
        assert_eq!(agreed.status, StatusCode::SEE_OTHER, "{}", agreed.body);
        assert!(agreed.location.unwrap().ends_with("?ok=caf"));
    }
    let pulls = ended_pulls(&gard, person.id).await;
    assert_eq!(pulls.len(), 1, "{pulls:?}");
    assert_eq!(pulls[0].state, PullState::Received, "{}", pulls[0].outcome);
    // The CAF answered that she does not receive it: both pages say so, with the provenance.
    let after = fatou.get(&page).await;
    assert!(shows(&after.body, "Réponse de la CAF"), "{}", after.body);
    assert!(
        shows(&after.body, "Bénéficiaire de l'AAH"),
        "{}",
        after.body
    );
    assert!(after.body.contains("API Particulier"), "{}", after.body);
    let seen = team.get(&team_page).await;
    assert!(shows(&seen.body, "Bénéficiaire de l'AAH"), "{}", seen.body);
    assert!(
        seen.body.contains("<dd>non</dd>") || seen.body.contains(">non<"),
        "{}",
        seen.body
    );

    // « Mes données » names the consent's purpose; withdrawn, the exchange stops.
    let mine = fatou.get("/gard/mon-espace/donnees").await;
    assert!(mine.body.contains("Demande à la MDPH"), "{}", mine.body);
    let consent = guichet::national::consent::list_for_citizen(&gard, person.id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.purpose == guichet::disability::caf::PURPOSE)
        .unwrap();
    let withdrawn = fatou
        .post(
            &format!("/gard/mon-espace/donnees/accords/{}/retirer", consent.id),
            &[("csrf", &mine.csrf())],
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.body
    );
    let seen = team.get(&team_page).await;
    assert!(
        shows(&seen.body, "n'a pas donné son accord"),
        "{}",
        seen.body
    );

    // A child's file, which does not ask for the AAH, offers nothing.
    let (_, child_page, _) = fatou_files(&app).await;
    let child = fatou.get(&child_page).await;
    assert!(!shows(&child.body, "Votre AAH et la CAF"), "{}", child.body);
    let refused = fatou
        .post(&format!("{child_page}/caf"), &[("csrf", &child.csrf())])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}
