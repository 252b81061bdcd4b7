//! The department's insertion settings: only its administrator sets them; its names for the
//! tracks show beside the legal names on the orientation form, the person's page, the
//! indicators; the booking links' life is bounded.

use guichet::staff::Role;
use reqwest::StatusCode;

use super::{OFFICER, day, file_of, import_whole, setup, single_adults, table_figure};
use crate::harness::{Backend, Visitor, both_engines};

both_engines!(the_administrator_names_the_tracks_and_everyone_reads_them);

async fn the_administrator_names_the_tracks_and_everyone_reads_them(backend: Backend) {
    let (app, gard) = setup(backend).await;
    app.staff(&gard, "admin@gard.fr", "Adèle Admin", &[Role::Admin])
        .await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    assert_eq!(
        officer.get("/gard/agents/admin/insertion").await.status,
        StatusCode::FORBIDDEN
    );
    let mut admin = Visitor::signed_in(&app, "/gard", "admin@gard.fr").await;
    let page = admin.get("/gard/agents/admin/insertion").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("value=\"10\""), "10 days by default");
    let csrf = page.csrf();
    let wrong = admin
        .post(
            "/gard/agents/admin/insertion",
            &[
                ("csrf", csrf.as_str()),
                ("professional", "Cap emploi"),
                ("booking_days", "60"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("de 3 à 30"), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"Cap emploi\""), "kept as typed");
    let saved = admin
        .post(
            "/gard/agents/admin/insertion",
            &[
                ("csrf", csrf.as_str()),
                ("professional", "Cap emploi"),
                ("social", "Accompagnement social global"),
                ("booking_days", "14"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(
        admin
            .get("/gard/agents/admin/insertion")
            .await
            .body
            .contains("value=\"14\"")
    );

    // The officer orients with the department's names beside the legal ones.
    import_whole(&mut officer, file_of(single_adults(1, 3), day(2026, 11, 6))).await;
    let person = officer.get("/gard/agents/insertion").await;
    let href = person
        .body
        .split("href=\"")
        .find(|h| h.starts_with("/gard/agents/insertion/personnes/"))
        .and_then(|h| h.split('"').next())
        .expect("a person")
        .to_owned();
    let shown = officer.get(&href).await;
    assert!(
        shown
            .body
            .contains("Professionnel : France Travail — « Cap emploi »")
    );
    let csrf = shown.csrf();
    let today = guichet::dates::today().to_string();
    let decided = officer
        .post(
            &format!("{href}/orientation/decision"),
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
    assert!(
        officer
            .get(&href)
            .await
            .body
            .contains("Cap emploi (parcours professionnel)")
    );
    app.staff(&gard, "chef@gard.fr", "Claire Cheffe", &[Role::Supervisor])
        .await;
    let mut chief = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let figures = chief.get("/gard/agents/modules/insertion").await;
    assert_eq!(
        table_figure(
            &figures.body,
            "Orientations en cours : Cap emploi (parcours professionnel)"
        ),
        "1"
    );
    app.stop().await;
}
