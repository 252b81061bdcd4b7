//! Every form sent back with a mistake keeps what was typed: a citizen's message, contact
//! details and household member; reception's contact note, first message, published slots and
//! hand-opened record; the administrator's new account and sign-in rules. (The aid requests'
//! forms — steps, answer, question, decision, question builder — have their own tests.)

use guichet::staff::Role;
use reqwest::StatusCode;
use tenants::Module;

use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(every_form_sent_back_keeps_what_was_typed);

/// Posts `fields` (the form token added) to `path`, expects the form back with its mistakes,
/// and every `kept` text in it as typed.
async fn sent_back(
    v: &mut Visitor,
    csrf: &str,
    path: &str,
    fields: &[(&str, &str)],
    kept: &[&str],
) {
    let mut form = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    let page = v.post(path, &form).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{path}: {}",
        page.body
    );
    assert!(page.body.contains("Erreur : "), "{path}: the title says so");
    for text in kept {
        assert!(page.body.contains(text), "{path} lost « {text} »");
    }
}

async fn every_form_sent_back_keeps_what_was_typed(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    app.staffs(
        &gard,
        &[
            ("accueil@gard.fr", "Paul", &[Role::Reception]),
            ("admin@gard.fr", "Adèle", &[Role::Admin]),
        ],
    )
    .await;

    // The citizen (Angela DUBOIS, the FranceConnect simulator's first person).
    let identity = guichet::franceconnect::simulator::test_identities()[0].clone();
    let angela_id = guichet::citizens::sign_in_with_franceconnect(&gard, &identity)
        .await
        .unwrap()
        .id;
    let mut angela = Visitor::new(&app);
    angela
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let csrf = angela.get("/gard/mon-espace/messages").await.csrf();
    sent_back(
        &mut angela,
        &csrf,
        "/gard/mon-espace/messages",
        &[
            ("subject", ""),
            ("body", "Bonjour, je voudrais un rendez-vous"),
        ],
        &["Bonjour, je voudrais un rendez-vous"],
    )
    .await;
    sent_back(
        &mut angela,
        &csrf,
        "/gard/mon-espace/coordonnees",
        &[
            ("phone", "pas un numéro"),
            ("address", "12 rue des Arènes, 30000 Nîmes"),
            ("preferred", "email"),
        ],
        &["12 rue des Arènes, 30000 Nîmes", "value=\"pas un numéro\""],
    )
    .await;
    sent_back(
        &mut angela,
        &csrf,
        "/gard/mon-espace/coordonnees/foyer",
        &[
            ("given", "Léa"),
            ("family", "Dubois"),
            ("relation", "inconnu"),
            ("birth_year", "2014"),
        ],
        &["value=\"Léa\"", "value=\"Dubois\"", "value=\"2014\""],
    )
    .await;

    // Reception.
    let mut paul = Visitor::signed_in(&app, "/gard", "accueil@gard.fr").await;
    let csrf = paul.csrf("/gard").await;
    let record = format!("/gard/agents/usagers/{angela_id}");
    sent_back(
        &mut paul,
        &csrf,
        &format!("{record}/contacts"),
        &[
            ("day", "2026-12-01"),
            ("channel", "pigeon"),
            ("subject", "Question sur le loyer"),
            ("note", "Elle repassera avec sa quittance"),
        ],
        &[
            "value=\"Question sur le loyer\"",
            "Elle repassera avec sa quittance",
        ],
    )
    .await;
    sent_back(
        &mut paul,
        &csrf,
        &format!("{record}/messages"),
        &[
            ("message_subject", ""),
            ("message_body", "Merci de passer mardi"),
        ],
        &["Merci de passer mardi"],
    )
    .await;
    sent_back(
        &mut paul,
        &csrf,
        "/gard/agents/rendez-vous",
        &[
            ("service", "Accueil social"),
            ("place", "Mairie annexe"),
            ("day", "2026-12-15"),
            ("time", "09:00"),
            ("minutes", "30"),
            ("count", "0"),
        ],
        &[
            "value=\"Accueil social\"",
            "value=\"Mairie annexe\"",
            "value=\"2026-12-15\"",
        ],
    )
    .await;
    sent_back(
        &mut paul,
        &csrf,
        "/gard/agents/usagers/nouveau",
        &[
            ("given", "Lucien"),
            ("family", "Martin"),
            ("birthdate", "2090-03-04"),
            ("email", "lucien@exemple.fr"),
        ],
        &[
            "value=\"Lucien\"",
            "value=\"Martin\"",
            "value=\"lucien@exemple.fr\"",
        ],
    )
    .await;

    // The administrator.
    let mut adele = Visitor::signed_in(&app, "/gard", "admin@gard.fr").await;
    let csrf = adele.csrf("/gard").await;
    sent_back(
        &mut adele,
        &csrf,
        "/gard/agents/admin/comptes/nouveau",
        &[
            ("display_name", "Camille Durand"),
            ("email", "pas-une-adresse"),
            ("roles", "reception"),
        ],
        &["value=\"Camille Durand\"", "value=\"pas-une-adresse\""],
    )
    .await;
    sent_back(
        &mut adele,
        &csrf,
        "/gard/agents/admin/identite",
        &[("sirets", "1234 pas un SIRET")],
        &["1234 pas un SIRET"],
    )
    .await;
    app.stop().await;
}
