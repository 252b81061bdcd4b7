//! Routing by sector: the administrator writes the teams (a wrong line named, nothing saved),
//! the open file without a team is routed at once, a file filed later at filing, and
//! reception filters its list by team.

use reqwest::StatusCode;

use super::{RECEPTION, fatou_files, file_row, setup};
use crate::harness::{Backend, Visitor, both_engines};
use guichet::staff::Role;

both_engines!(files_go_to_the_team_of_their_sector_and_pole);

const ADMIN: &str = "admin-mdph@gard.fr";

async fn files_go_to_the_team_of_their_sector_and_pole(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    app.staff(&gard, ADMIN, "Alice Admin", &[Role::Admin]).await;
    // Filed before any sector: no team yet.
    let (_fatou, _file, id) = fatou_files(&app).await;
    assert_eq!(file_row(&gard, id).await.sector, None);

    let mut reception = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let not_theirs = reception.get("/gard/agents/admin/mdph").await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
    let list = reception.get("/gard/agents/handicap").await;
    assert!(
        !list.body.contains("Toutes les équipes"),
        "no filter without sectors"
    );

    let mut admin = Visitor::signed_in(&app, "/gard", ADMIN).await;
    let page = admin.get("/gard/agents/admin/mdph").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    let wrong = admin
        .post(
            "/gard/agents/admin/mdph",
            &[
                ("csrf", csrf.as_str()),
                (
                    "secteurs",
                    "Enfance Nîmes ; enfants ; 300\nAdultes ; jeunes ; 30",
                ),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Ligne 2"), "{}", wrong.body);
    assert!(
        wrong.body.contains("Enfance Nîmes ; enfants ; 300"),
        "what was typed stays"
    );
    assert!(
        guichet::disability::sectors::read(&gard)
            .await
            .unwrap()
            .is_empty()
    );

    let saved = admin
        .post(
            "/gard/agents/admin/mdph",
            &[
                ("csrf", csrf.as_str()),
                (
                    "secteurs",
                    "Enfance Nîmes ; enfants ; 300\nAdultes Gard ; adultes ; 30\nEnfance Gard ; enfants ; 30",
                ),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(
        saved.location.unwrap().ends_with("ok=1"),
        "the open file routed"
    );
    // Moussa is 11 and lives at 30000: the children's team of Nîmes, the longest match.
    assert_eq!(
        file_row(&gard, id).await.sector.as_deref(),
        Some("Enfance Nîmes")
    );
    let page = admin.get("/gard/agents/admin/mdph?ok=1").await;
    assert!(
        page.body.contains("1 demande(s) en cours sans équipe"),
        "{}",
        page.body
    );

    // Reception's list by team.
    let reference = format!("MDPH-{}-{id:06}", guichet::dates::today().format("%Y"));
    let of = |team: &str| format!("/gard/agents/handicap?etape=filed&equipe={team}");
    let nimes = reception.get(&of("Enfance%20N%C3%AEmes")).await;
    assert_eq!(nimes.status, StatusCode::OK);
    assert!(nimes.body.contains(&reference), "{}", nimes.body);
    assert!(nimes.body.contains("Toutes les équipes"));
    for other in ["Adultes%20Gard", "-"] {
        let page = reception.get(&of(other)).await;
        assert!(!page.body.contains(&reference), "{other}");
    }
    let file_page = reception
        .get(&format!("/gard/agents/handicap/dossiers/{id}"))
        .await;
    assert!(file_page.body.contains("Enfance Nîmes"));
    app.stop().await;
}
