//! A citizen files an aid request online: step by step, with a draft, a review and one filing
//! with a reference number and a receipt by mail. Bad and foreign input changes nothing.

use chrono::Datelike;
use guichet::aid_requests::catalogue::{self};
use guichet::aid_requests::form::FieldKind;
use guichet::ids::{CitizenId, RequestId};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use tenants::Tenant;

use crate::fixtures::AidBuilder;
use crate::harness::{Backend, TEST_SETUP, Visitor, app_with_mail, both_engines};

both_engines!(
    a_citizen_files_a_request_step_by_step_and_gets_a_receipt,
    filing_twice_creates_one_request,
    save_and_continue_later_keeps_the_draft,
    forged_and_foreign_input_changes_nothing,
    changing_the_form_never_breaks_a_filed_request
);

/// An open aid with two steps: rent and household size, then situation and a yes/no.
async fn rent_aid(tenant: &Tenant, title: &str, open: bool) -> catalogue::Aid {
    let aid = AidBuilder::new(title)
        .description("Une aide pour payer le loyer.")
        .eligibility("Les locataires.")
        .deadline_days(60)
        .question("f1", 1, "Loyer mensuel", FieldKind::Amount)
        .optional("f2", 1, "Personnes au foyer", FieldKind::Number)
        .question(
            "f3",
            2,
            "Situation",
            FieldKind::Choice {
                options: vec!["Locataire".into(), "Hébergé".into()],
            },
        )
        .question("f4", 2, "Déjà aidé cette année", FieldKind::YesNo);
    if open { aid } else { aid.closed() }.create(tenant).await
}

/// Starts the citizen's draft; returns its path (`/gard/demandes/N`).
async fn start(citizen: &mut Visitor, slug: &str) -> String {
    let page = crate::fixtures::start_request(citizen, slug).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location.unwrap();
    location.strip_suffix("/etape/1").unwrap().to_owned()
}

async fn post_step(
    citizen: &mut Visitor,
    request: &str,
    step: u32,
    fields: &[(&str, &str)],
) -> crate::harness::Page {
    let csrf = citizen.get(&format!("{request}/etape/{step}")).await.csrf();
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    citizen
        .post(&format!("{request}/etape/{step}"), &form)
        .await
}

async fn answer_everything(citizen: &mut Visitor, request: &str) {
    let one = post_step(
        citizen,
        request,
        1,
        &[("f1", "450,50"), ("f2", "3"), ("action", "next")],
    )
    .await;
    assert_eq!(one.status, StatusCode::SEE_OTHER, "{}", one.body);
    let two = post_step(
        citizen,
        request,
        2,
        &[("f3", "Locataire"), ("f4", "non"), ("action", "next")],
    )
    .await;
    assert_eq!(two.status, StatusCode::SEE_OTHER, "{}", two.body);
    assert_eq!(
        two.location.as_deref(),
        Some(format!("{request}/recapitulatif").as_str())
    );
}

async fn file(citizen: &mut Visitor, request: &str) -> crate::harness::Page {
    let review = citizen.get(&format!("{request}/recapitulatif")).await;
    let csrf = review.csrf();
    citizen
        .post(&format!("{request}/deposer"), &[("csrf", &csrf)])
        .await
}

async fn a_citizen_files_a_request_step_by_step_and_gets_a_receipt(backend: Backend) {
    let (app, sink, tenant) = app_with_mail(backend).await;
    let aid = rent_aid(&tenant, "Aide au loyer", true).await;
    let mut citizen = Visitor::new(&app);
    citizen
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    // Following the link, as a crawler or a browser's prefetch would, creates nothing.
    for _ in 0..3 {
        let page = citizen
            .get(&format!("/gard/aides/{}/demander", aid.slug))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Votre demande se remplit en 2 étapes."));
    }
    let txn = tenant.db().begin().await.unwrap();
    let drafts = guichet::entity::aid_request::Entity::find()
        .count(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(drafts, 0);
    let request = start(&mut citizen, &aid.slug).await;

    let step1 = citizen.get(&format!("{request}/etape/1")).await;
    assert!(step1.body.contains("Étape 1 sur 2"));
    assert!(step1.body.contains("Loyer mensuel"));
    assert!(
        !step1.body.contains("Situation"),
        "step 2 is on its own page"
    );

    let bad = post_step(
        &mut citizen,
        &request,
        1,
        &[("f1", "beaucoup"), ("f2", "3"), ("action", "next")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("attend un montant en euros"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("value=\"beaucoup\""),
        "what was typed is kept"
    );

    answer_everything(&mut citizen, &request).await;
    let review = citizen.get(&format!("{request}/recapitulatif")).await;
    assert!(review.body.contains("450,50\u{a0}€"), "{}", review.body);
    assert!(review.body.contains("Locataire"));
    assert!(review.body.contains("Déposer ma demande"));

    let filed = file(&mut citizen, &request).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let page = citizen.get(filed.location.as_deref().unwrap()).await;
    let year = chrono::Utc::now().year();
    let reference = format!("GARD-{year}-000001");
    assert!(page.body.contains(&reference), "{}", page.body);
    assert!(page.body.contains("Votre demande est déposée"));
    assert!(
        page.body.contains("Déposée, en cours d&#x27;instruction")
            || page.body.contains("Déposée, en cours d'instruction")
    );
    let due = (chrono::Utc::now().date_naive() + chrono::Duration::days(60))
        .format("%d/%m/%Y")
        .to_string();
    assert!(page.body.contains(&due), "due date shown");

    let receipt = sink.wait_for(1).await.remove(0);
    assert_eq!(
        receipt.subject,
        format!("Accusé de réception — demande {reference}")
    );
    assert_eq!(receipt.to, "angela.dubois@courriel.test");
    assert!(receipt.text.contains(&due));
    assert!(receipt.text.contains("vaut refus"));

    let space = citizen.get("/gard/mon-espace").await;
    assert!(space.body.contains(&reference));
    assert!(space.body.contains("Aide au loyer"));
    // Once filed, the steps are closed: they lead to the request's page.
    let closed = citizen.get(&format!("{request}/etape/1")).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    app.stop().await;
}

async fn filing_twice_creates_one_request(backend: Backend) {
    let (app, sink, tenant) = app_with_mail(backend).await;
    let aid = rent_aid(&tenant, "Aide au loyer", true).await;
    let mut citizen = Visitor::new(&app);
    citizen
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let request = start(&mut citizen, &aid.slug).await;
    answer_everything(&mut citizen, &request).await;
    let review = citizen.get(&format!("{request}/recapitulatif")).await;
    let csrf = review.csrf();
    // A double click: two submissions at once.
    let (mut a, mut b) = (citizen.clone(), citizen.clone());
    let path = format!("{request}/deposer");
    let form = [("csrf", csrf.as_str())];
    let (first, second) = tokio::join!(a.post(&path, &form), b.post(&path, &form));
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_eq!(first.location, second.location);
    // The back button and a retry later: the same request again.
    let again = citizen.post(&path, &form).await;
    assert_eq!(again.location, first.location);
    let year = chrono::Utc::now().year();
    let listed = guichet::aid_requests::filing::list_for_citizen(&tenant, 1)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].0.reference.as_deref(),
        Some(format!("GARD-{year}-000001").as_str())
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.wait_for(1).await.len(), 1, "one receipt");

    // The next request in the department takes the next number.
    let mut other = Visitor::new(&app);
    other
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let second_request = start(&mut other, &aid.slug).await;
    answer_everything(&mut other, &second_request).await;
    let filed = file(&mut other, &second_request).await;
    let page = other.get(filed.location.as_deref().unwrap()).await;
    assert!(page.body.contains(&format!("GARD-{year}-000002")));
    app.stop().await;
}

async fn save_and_continue_later_keeps_the_draft(backend: Backend) {
    let (app, _sink, tenant) = app_with_mail(backend).await;
    let aid = rent_aid(&tenant, "Aide au loyer", true).await;
    let mut citizen = Visitor::new(&app);
    citizen
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let request = start(&mut citizen, &aid.slug).await;
    // One good answer, one not yet right: saved as far as it goes.
    let saved = post_step(
        &mut citizen,
        &request,
        1,
        &[("f1", "450"), ("f2", "trois"), ("action", "save")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        saved.location.as_deref(),
        Some("/gard/mon-espace?brouillon=enregistre")
    );
    let space = citizen.get("/gard/mon-espace?brouillon=enregistre").await;
    assert!(space.body.contains("Votre brouillon est enregistré"));
    assert!(space.body.contains("Brouillon (pas encore déposée)"));
    // Coming back to the aid finds the same draft, with its answer.
    let again = citizen
        .get(&format!("/gard/aides/{}/demander", aid.slug))
        .await;
    assert_eq!(again.location, Some(format!("{request}/etape/1")));
    let step1 = citizen.get(&format!("{request}/etape/1")).await;
    assert!(step1.body.contains("value=\"450\""), "{}", step1.body);
    // Not complete: the review says what is missing and offers no filing.
    let review = citizen.get(&format!("{request}/recapitulatif")).await;
    assert!(review.body.contains("Situation"));
    assert!(
        review.body.contains("n&#x27;a pas de réponse")
            || review.body.contains("n'a pas de réponse")
    );
    assert!(!review.body.contains("Déposer ma demande"));
    app.stop().await;
}

async fn forged_and_foreign_input_changes_nothing(backend: Backend) {
    let (app, _sink, tenant) = app_with_mail(backend).await;
    let aid = rent_aid(&tenant, "Aide au loyer", true).await;
    let closed = rent_aid(&tenant, "Aide fermée", false).await;
    let mut citizen = Visitor::new(&app);
    citizen
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let request = start(&mut citizen, &aid.slug).await;

    // Forged field names (another page's, another aid's, invented) are ignored.
    let forged = post_step(
        &mut citizen,
        &request,
        1,
        &[
            ("f1", "450"),
            ("f3", "Locataire"),
            ("f99", "x"),
            ("answers", "{}"),
            ("action", "next"),
        ],
    )
    .await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER);
    let id: i64 = request.rsplit('/').next().unwrap().parse().unwrap();
    let stored =
        guichet::aid_requests::filing::find_for_citizen(&tenant, CitizenId(1), RequestId(id))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored.answers.keys().collect::<Vec<_>>(), ["f1"]);

    // Filing with steps missing is refused with what is missing.
    let early = file(&mut citizen, &request).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("Situation"));
    assert_eq!(
        guichet::aid_requests::filing::find_for_citizen(&tenant, CitizenId(1), RequestId(id))
            .await
            .unwrap()
            .unwrap()
            .reference,
        None
    );

    // A step that does not exist, a closed aid.
    assert_eq!(
        citizen.get(&format!("{request}/etape/9")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        citizen.get(&format!("{request}/etape/x")).await.status,
        StatusCode::NOT_FOUND
    );
    let refused = citizen
        .get(&format!("/gard/aides/{}/demander", closed.slug))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("plus ouverte"));

    // Another citizen, on every route of this request.
    let mut stranger = Visitor::new(&app);
    stranger
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    for path in [
        request.clone(),
        format!("{request}/etape/1"),
        format!("{request}/recapitulatif"),
    ] {
        let page = stranger.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.body.contains("Loyer"), "{path}");
    }
    let page = stranger.get("/gard/mon-espace").await;
    let csrf = page.csrf();
    for path in [format!("{request}/etape/1"), format!("{request}/deposer")] {
        let page = stranger
            .post(&path, &[("csrf", &csrf), ("f1", "1"), ("action", "next")])
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
    }
    let stored =
        guichet::aid_requests::filing::find_for_citizen(&tenant, CitizenId(1), RequestId(id))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        stored.answers["f1"],
        guichet::aid_requests::form::Answer::Amount(45_000)
    );

    // Nobody signed in: to the sign-in page, which would come back here.
    let mut anonymous = Visitor::new(&app);
    let page = anonymous.get(&format!("{request}/etape/1")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let step = request.strip_prefix("/gard").unwrap().replace('/', "%2F");
    assert_eq!(
        page.location,
        Some(format!("/gard/connexion?retour={step}%2Fetape%2F1"))
    );
    app.stop().await;
}

async fn changing_the_form_never_breaks_a_filed_request(backend: Backend) {
    let (app, _sink, tenant) = app_with_mail(backend).await;
    let aid = rent_aid(&tenant, "Aide au loyer", true).await;
    let mut citizen = Visitor::new(&app);
    citizen
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let request = start(&mut citizen, &aid.slug).await;
    answer_everything(&mut citizen, &request).await;
    file(&mut citizen, &request).await;

    // The administrator rewrites the form.
    catalogue::change_form(
        &tenant,
        (aid.id, aid.form_version),
        (TEST_SETUP, "modification du formulaire d'une aide"),
        |form| {
            form.fields.retain(|f| f.key != "f1");
            form.fields[0].label = "Nouvelle question".into();
            Ok(())
        },
    )
    .await
    .unwrap();
    let page = citizen.get(&request).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Loyer mensuel"),
        "shown under the version it was filed with"
    );
    assert!(page.body.contains("450,50\u{a0}€"));
    assert!(!page.body.contains("Nouvelle question"));
    app.stop().await;
}
