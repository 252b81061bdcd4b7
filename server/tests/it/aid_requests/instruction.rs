//! Instructors: the queue (filters, counts, pages), one request (journaled), assignment with a
//! conflict check; who may see what.

use guichet::aid_requests::filing::{self, FiledBy};
use guichet::citizens;
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use tenants::Module;

use crate::fixtures::{file_request, filed, rent_aid};
use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    an_instructor_decides_and_the_citizen_gets_the_letter,
    instructors_see_the_queue_with_filters_counts_and_pages,
    opening_a_request_is_journaled,
    two_instructors_assigning_at_once_get_a_conflict,
    who_may_see_requests
);

/// What the queue says when no request matches.
const NONE: &str = "Aucune demande ne correspond à ces filtres.";

async fn instructors_see_the_queue_with_filters_counts_and_pages(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    app.staff(&tenant, "inst@gard.fr", "Inès", &[Role::AidInstructor])
        .await;
    let aid = rent_aid(&tenant).await;
    let mut refs = Vec::new();
    for n in 0..52 {
        refs.push(filed(&tenant, &aid, n).await);
    }
    // One is overdue.
    let txn = tenant.db().begin().await.unwrap();
    let row = guichet::entity::aid_request::Entity::find_by_id(refs[5].0)
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    let mut row: guichet::entity::aid_request::ActiveModel = row.into();
    row.due_on = Set(Some(
        chrono::Utc::now().date_naive() - chrono::Duration::days(2),
    ));
    row.update(&txn).await.unwrap();
    txn.commit().await.unwrap();

    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let first = inst.get("/gard/agents/demandes").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    // The counts are in the state and deadline filters.
    assert!(
        first.body.contains(">À instruire (52)</option>"),
        "{}",
        first.body
    );
    assert!(first.body.contains(">Dépassée (1)</option>"));
    assert!(first.body.contains("52 demande(s)"));
    // Soonest due first: the overdue one leads.
    let overdue_pos = first.body.find(&refs[5].1).unwrap();
    assert!(first.body.contains(">dépassée</strong>"));
    assert!(first.body[..overdue_pos].matches("GARD-").count() == 0);
    let second = inst.get(&first.link("next").unwrap()).await;
    assert!(second.body.contains("52 demande(s)"));
    assert!(second.link("next").is_none());
    assert_eq!(
        second.body.matches("<td data-label=\"Référence\"").count(),
        2
    );

    let overdue = inst.get("/gard/agents/demandes?echeance=depassee").await;
    assert!(overdue.body.contains("1 demande(s)"), "{}", overdue.body);
    assert!(overdue.body.contains(&refs[5].1));
    let mine = inst.get("/gard/agents/demandes?agent=moi").await;
    assert!(mine.body.contains(NONE));
    let granted = inst.get("/gard/agents/demandes?statut=granted").await;
    assert!(granted.body.contains(NONE));
    let by_aid = inst
        .get(&format!(
            "/gard/agents/demandes?aide={}&tri=reference",
            aid.id
        ))
        .await;
    assert!(by_aid.body.contains("52 demande(s)"));
    let first_ref = by_aid.body.find(&refs[0].1).unwrap();
    let second_ref = by_aid.body.find(&refs[1].1).unwrap();
    assert!(first_ref < second_ref, "sorted by reference");
    // A repeated status means any of them.
    let either = inst
        .get("/gard/agents/demandes?statut=granted&statut=submitted")
        .await;
    assert_eq!(either.status, StatusCode::OK, "{}", either.body);
    assert!(either.body.contains("52 demande(s)"), "{}", either.body);

    // Search: a name, in any case, or part of a reference; several words must all match.
    let by_name = inst.get("/gard/agents/demandes?recherche=personne7").await;
    assert!(by_name.body.contains("1 demande(s)"), "{}", by_name.body);
    assert!(by_name.body.contains(&refs[7].1));
    let by_reference = inst
        .get(&format!(
            "/gard/agents/demandes?recherche={}",
            refs[12].1.to_lowercase()
        ))
        .await;
    assert!(
        by_reference.body.contains("1 demande(s)"),
        "{}",
        by_reference.body
    );
    assert!(by_reference.body.contains(&refs[12].1));
    let both_words = inst
        .get("/gard/agents/demandes?recherche=personne3+personne4")
        .await;
    assert!(both_words.body.contains(NONE), "{}", both_words.body);
    // A wildcard typed is a character, not "anything".
    let wildcard = inst.get("/gard/agents/demandes?recherche=%25").await;
    assert!(wildcard.body.contains(NONE), "{}", wildcard.body);
    let too_long = inst
        .get(&format!(
            "/gard/agents/demandes?recherche={}",
            "a".repeat(101)
        ))
        .await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert!(too_long.body.contains("100 caractères au plus"));

    // A value no list offers is refused in French, naming it, never silently ignored.
    for (query, says) in [
        ("statut=x", "« x » n'est pas un état de demande"),
        ("aide=y", "« y » n'est pas une aide"),
        ("agent=z", "« z » n'est pas un agent"),
        ("apres=-3", "« -3 » n'est pas une position dans la liste"),
        ("tri=nope", "« nope » n'est pas un ordre de tri"),
        ("echeance=hier", "« hier » n'est pas une échéance"),
    ] {
        let junk = inst.get(&format!("/gard/agents/demandes?{query}")).await;
        assert_eq!(junk.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(junk.body.contains(says), "{query}: {}", junk.body);
    }
    // Nor does an export of an unknown status take every request.
    let csrf = inst.get("/gard/agents/demandes").await.csrf();
    let export = inst
        .post(
            "/gard/agents/demandes/export",
            &[("csrf", &csrf), ("statut", "accordee")],
        )
        .await;
    assert_eq!(export.status, StatusCode::BAD_REQUEST, "{}", export.body);
    assert!(
        export
            .body
            .contains("« accordee » n'est pas un état de demande")
    );
    app.stop().await;
}

async fn opening_a_request_is_journaled(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    app.staffs(
        &tenant,
        &[
            ("inst@gard.fr", "Inès", &[Role::AidInstructor]),
            ("chef@gard.fr", "Chef", &[Role::Admin]),
        ],
    )
    .await;
    let aid = rent_aid(&tenant).await;
    let (id, reference, citizen) = filed(&tenant, &aid, 7).await;
    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let page = inst.get(&format!("/gard/agents/demandes/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&reference));
    assert!(page.body.contains("PERSONNE7"));
    assert!(page.body.contains("400,07"));
    assert!(page.body.contains("vérifiée par FranceConnect"));
    let mut admin = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let journal = admin.get("/gard/agents/admin/journal").await;
    assert!(
        journal
            .body
            .contains("consultation d&#x27;une demande d&#x27;aide")
            || journal.body.contains("consultation d'une demande d'aide")
    );
    assert!(
        journal
            .body
            .contains(&format!("demande {reference} (usager {})", citizen.id))
    );
    app.stop().await;
}

async fn two_instructors_assigning_at_once_get_a_conflict(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let instructor = app
        .worker(&tenant, guichet::staff::Role::AidInstructor)
        .await;
    let desk = guichet::aid_requests::Desk::open(&tenant, &instructor).unwrap();
    let ines = app
        .staff(&tenant, "inst@gard.fr", "Inès", &[Role::AidInstructor])
        .await;
    app.staff(&tenant, "paul@gard.fr", "Paul", &[Role::AidInstructor])
        .await;
    let aid = rent_aid(&tenant).await;
    let (id, _, _) = filed(&tenant, &aid, 1).await;
    let mut first = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let mut second = Visitor::signed_in(&app, "/gard", "paul@gard.fr").await;
    let path = format!("/gard/agents/demandes/{id}");
    let page_a = first.get(&path).await;
    let page_b = second.get(&path).await;
    let version = crate::harness::hidden_value(&page_a.body, "version");
    assert_eq!(
        version,
        crate::harness::hidden_value(&page_b.body, "version")
    );

    let ok = first
        .post(
            &format!("{path}/attribuer"),
            &[
                ("csrf", &page_a.csrf()),
                ("version", &version),
                ("assignee", "moi"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let late = second
        .post(
            &format!("{path}/attribuer"),
            &[
                ("csrf", &page_b.csrf()),
                ("version", &version),
                ("assignee", "moi"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(
        late.body.contains("rien n&#x27;a été enregistré")
            || late.body.contains("rien n'a été enregistré")
    );
    let filed = guichet::aid_requests::queue::find_filed(&desk, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        filed.assignee_id,
        Some(ines),
        "the first one's choice stands"
    );
    // Assigning to someone who is not an instructor is refused.
    let page = second.get(&path).await;
    let bad = second
        .post(
            &format!("{path}/attribuer"),
            &[
                ("csrf", &page.csrf()),
                (
                    "version",
                    &crate::harness::hidden_value(&page.body, "version"),
                ),
                ("assignee", "999"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

async fn who_may_see_requests(backend: Backend) {
    let app = TestApp::start(backend).await;
    let crate::fixtures::TwoDepartments {
        gard,
        aid,
        filed: (id, reference, citizen),
        ..
    } = crate::fixtures::gard_and_herault(
        &app,
        &[
            ("chef@gard.fr", "Superviseur", &[Role::Supervisor]),
            ("accueil@gard.fr", "Accueil", &[Role::Reception]),
        ],
    )
    .await;
    let draft = filing::draft_for(&gard, citizen.id, &aid, FiledBy::Citizen)
        .await
        .unwrap();

    // Supervisors: figures, not contents.
    let mut supervisor = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let queue = supervisor.get("/gard/agents/demandes").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains("À instruire : 1"));
    assert!(!queue.body.contains(&reference));
    assert!(!queue.body.contains("PERSONNE1"));
    assert_eq!(
        supervisor
            .get(&format!("/gard/agents/demandes/{id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let mut reception = Visitor::signed_in(&app, "/gard", "accueil@gard.fr").await;
    assert_eq!(
        reception.get("/gard/agents/demandes").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reception
            .get(&format!("/gard/agents/demandes/{id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let mut other = Visitor::signed_in(&app, "/herault", "inst@herault.fr").await;
    let foreign = other.get(&format!("/gard/agents/demandes/{id}")).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert!(!foreign.body.contains(&reference));
    let own = other.get(&format!("/herault/agents/demandes/{id}")).await;
    assert_eq!(own.status, StatusCode::NOT_FOUND, "ids are per department");

    // A citizen's draft is not the department's to read.
    app.staff(&gard, "inst@gard.fr", "Inès", &[Role::AidInstructor])
        .await;
    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    assert_eq!(
        inst.get(&format!("/gard/agents/demandes/{}", draft.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let queue = inst.get("/gard/agents/demandes?statut=draft").await;
    assert_eq!(
        queue.status,
        StatusCode::BAD_REQUEST,
        "drafts are not a state to list"
    );
    let queue = inst.get("/gard/agents/demandes").await;
    assert!(
        queue.body.contains("1 demande(s)") && queue.body.contains(&reference),
        "the filed request only, never the draft: {}",
        queue.body
    );
    app.stop().await;
}

async fn an_instructor_decides_and_the_citizen_gets_the_letter(backend: Backend) {
    let (app, sink, tenant) = crate::harness::app_with_mail(backend).await;
    let instructor = app
        .worker(&tenant, guichet::staff::Role::AidInstructor)
        .await;
    let desk = guichet::aid_requests::Desk::open(&tenant, &instructor).unwrap();
    app.staff(&tenant, "inst@gard.fr", "Inès", &[Role::AidInstructor])
        .await;
    let aid = rent_aid(&tenant).await;
    // The citizen signs in for real, then files.
    let mut citizen_visitor = Visitor::new(&app);
    citizen_visitor
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let person = guichet::franceconnect::simulator::test_identities()[0].clone();
    let citizen = citizens::sign_in_with_franceconnect(&tenant, &person)
        .await
        .unwrap();
    let request = file_request(&tenant, &aid, &citizen, 52_000).await;
    let reference = request.reference.clone().unwrap();
    guichet::mail::wake(&app.platform, &tenant).await; // as the filing page does
    sink.wait_for(1).await; // the receipt

    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let path = format!("/gard/agents/demandes/{}", request.id);
    let page = inst.get(&path).await;
    let version = crate::harness::hidden_value(&page.body, "version");
    let reason = guichet::aid_requests::decision::REASONS[0];
    let bad = inst
        .post(
            &format!("{path}/decider"),
            &[
                ("csrf", &page.csrf()),
                ("version", &version),
                ("outcome", "granted"),
                ("amount", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Indiquez le montant accordé"));
    assert!(bad.body.contains("Cochez au moins un motif"));
    // Each mistake at its field, linked from the summary; everything typed comes back.
    let typed = inst
        .post(
            &format!("{path}/decider"),
            &[
                ("csrf", &page.csrf()),
                ("version", &version),
                ("outcome", "partially_granted"),
                ("amount", "850 euros"),
                ("comment", "À verser au bailleur."),
            ],
        )
        .await;
    assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY);
    for linked in [
        "href=\"#amount\"",
        "href=\"#reasons-0\"",
        "id=\"amount-error\"",
        "id=\"reasons-error\"",
    ] {
        assert!(typed.body.contains(linked), "{linked}: {}", typed.body);
    }
    assert!(
        typed.body.contains("value=\"850 euros\""),
        "the amount typed is kept"
    );
    assert!(typed.body.contains(">À verser au bailleur.</textarea>"));
    assert!(typed.body.contains("value=\"partially_granted\" checked"));
    assert!(typed.body.starts_with("<!DOCTYPE html>") && typed.body.contains("<title>Erreur : "));
    // A question sent from a stale page is not lost: the page gives it back.
    let stale = inst
        .post(
            &format!("{path}/complement"),
            &[
                ("csrf", &page.csrf()),
                ("version", "0"),
                ("question", "Quel est le nom de votre bailleur ?"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(
        stale.body.contains("Quel est le nom de votre bailleur ?"),
        "{}",
        stale.body
    );
    let ok = inst
        .post(
            &format!("{path}/decider"),
            &[
                ("csrf", &page.csrf()),
                ("version", &version),
                ("outcome", "granted"),
                ("amount", "450"),
                ("reasons", reason),
                ("comment", "Versement sous quinze jours."),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // A second decision from the same (stale) page is refused.
    let again = inst
        .post(
            &format!("{path}/decider"),
            &[
                ("csrf", &page.csrf()),
                ("version", &version),
                ("outcome", "refused"),
                ("reasons", reason),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let decided = guichet::aid_requests::queue::find_filed(&desk, request.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        decided.status,
        guichet::aid_requests::filing::Status::Granted
    );

    let mails = sink.wait_for(2).await;
    let letter_mail = mails
        .iter()
        .find(|m| m.subject == format!("Décision sur votre demande {reference}"))
        .expect("decision mail");
    assert_eq!(letter_mail.to, "angela.dubois@courriel.test");
    assert!(letter_mail.text.contains("accordée"));
    let (name, kind, pdf) = &letter_mail.attachments[0];
    assert_eq!(name, &format!("decision-{reference}.pdf"));
    assert_eq!(kind, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));

    let own = citizen_visitor
        .get(&format!("/gard/demandes/{}", request.id))
        .await;
    assert!(
        own.body.contains("Votre demande est accordée : 450,00"),
        "{}",
        own.body
    );
    // The page says what the letter says: the reasons, the instructor's words, who signed,
    // and how to contest it, in plain words.
    assert!(own.body.contains(reason));
    assert!(own.body.contains("Versement sous quinze jours."));
    assert!(
        own.body.contains("par délégation, Inès, chargé(e) de l"),
        "{}",
        own.body
    );
    assert!(
        own.body.contains("c&#x27;est le « recours gracieux »")
            || own.body.contains("c'est le « recours gracieux »")
    );
    let recorded = guichet::aid_requests::decision::find(&tenant, request.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        recorded.signatory.unwrap().contains("Inès"),
        "the letter's signatory is kept"
    );
    let download = citizen_visitor
        .get(&format!("/gard/demandes/{}/courrier", request.id))
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(download.body.starts_with("%PDF-"));
    let mut stranger = Visitor::new(&app);
    stranger
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let refused = stranger
        .get(&format!("/gard/demandes/{}/courrier", request.id))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    app.stop().await;
}
