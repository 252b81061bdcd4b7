//! The attack suite (issue 6): every staff role of a department, and staff of another
//! department, against every staff route of user relations and aid requests that reaches a
//! citizen's file, with records of the department's citizens; citizens against each other's
//! pages. Refusals are 403 or 404 with none of the file in the body; each role's own routes
//! still work (positive control). The number of attempts is printed.

use guichet::documents::{self, Upload};
use guichet::requests::{self, FiledBy};
use guichet::staff::Role;
use guichet::user_relations::appointments::{self, BookedBy, NewSlots};
use guichet::user_relations::mandates::{self, NewMandate, Recorder};
use guichet::user_relations::messages::{self, Author, NewMessage};
use guichet::user_relations::{self, NewContact};
use reqwest::StatusCode;
use tenants::Module;

use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(every_role_against_every_route_sees_only_what_its_module_needs);

/// What must never show outside those allowed: the file's own words.
const MARKERS: [&str; 4] = ["DUBOIS", "Secret gardois", "Note gardoise", "520,00"];

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Allowed {
    Reception,
    AidInstructor,
    /// Any worker of a module other than user relations (the wider access).
    OtherModuleWorker,
    Admin,
    /// Nobody: an instructor reaches a document only through the request that holds it, not
    /// one the citizen sent to reception.
    Nobody,
}

/// A form's fields besides the token.
type Fields = Vec<(&'static str, String)>;

impl Allowed {
    fn admits(self, role: Role) -> bool {
        match self {
            Allowed::Reception => role == Role::Reception,
            Allowed::AidInstructor => role == Role::AidInstructor,
            Allowed::OtherModuleWorker => matches!(
                role,
                Role::AidInstructor | Role::InsertionReferent | Role::DisabilityEvaluator
            ),
            Allowed::Admin => role == Role::Admin,
            Allowed::Nobody => false,
        }
    }
}

async fn every_role_against_every_route_sees_only_what_its_module_needs(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    let herault = app.tenant("herault", &Module::ALL).await;
    for role in Role::ALL {
        app.staff(
            &gard,
            &format!("{}@gard.fr", role.id()),
            role.label(),
            &[role],
        )
        .await;
    }
    for role in [Role::Reception, Role::AidInstructor, Role::Admin] {
        app.staff(
            &herault,
            &format!("{}@herault.fr", role.id()),
            role.label(),
            &[role],
        )
        .await;
    }

    // Angela's file at the Gard: a request (520,00 €), a document, a thread, a contact and an
    // appointment. Herault has a citizen of its own, with the same ids.
    let aid = crate::instruction::aid(&gard).await;
    let (request, _, angela) = crate::instruction::filed(&gard, &aid, 12_000).await;
    let document = documents::save(
        &app.platform,
        &gard,
        angela.id,
        &Upload {
            field: "piece".into(),
            filename: "avis.pdf".into(),
            declared_type: "application/pdf".into(),
            bytes: PDF.to_vec(),
        },
        "application/pdf",
    )
    .await
    .unwrap();
    let thread = messages::start(
        &gard,
        angela.id,
        Some(request),
        "Question",
        NewMessage {
            author: Author::Citizen,
            body: "Secret gardois",
            document_id: Some(document.id),
            notify: None,
        },
    )
    .await
    .unwrap();
    let contact = NewContact::parse(
        &chrono::Utc::now().date_naive().to_string(),
        "call",
        "Appel",
        "Note gardoise",
        chrono::Utc::now().date_naive(),
    )
    .unwrap();
    user_relations::log_contact(&gard, angela.id, 1, &contact)
        .await
        .unwrap();
    let slots = NewSlots {
        service: "Accueil social".into(),
        place: "Nîmes".into(),
        first: chrono::Utc::now() + chrono::Duration::days(2),
        minutes: 30,
        count: 2,
    };
    appointments::publish(&gard, 1, &slots).await.unwrap();
    let free = appointments::slots_from(&gard, chrono::Utc::now())
        .await
        .unwrap();
    let appointment =
        appointments::book(&gard, angela.id, free[0].id, BookedBy::Citizen, None, None)
            .await
            .unwrap()
            .unwrap();
    let herault_aid = crate::instruction::aid(&herault).await;
    crate::instruction::filed(&herault, &herault_aid, 1).await;
    // A mandate Angela gave reception, and the draft reception prepares under it.
    let mandate = mandates::grant(
        &gard,
        &angela,
        Recorder {
            staff_id: 1,
            staff_name: "Accueil",
        },
        &NewMandate {
            aid: Some(aid.clone()),
            valid_until: mandates::today() + chrono::Days::new(10),
        },
        "http://x/",
    )
    .await
    .unwrap()
    .id;
    let assisted = requests::draft_for(
        &gard,
        angela.id,
        &aid,
        FiledBy::Mandate {
            id: mandate,
            staff_id: 1,
        },
    )
    .await
    .unwrap()
    .id;

    let cid = angela.id;
    // (method, path under the department, form, who may, what a permitted GET shows)
    let gets: Vec<(String, Allowed)> = vec![
        (format!("/agents/usagers/{cid}"), Allowed::Reception),
        ("/agents/usagers?q=dubois".into(), Allowed::Reception),
        ("/agents/usagers/nouveau".into(), Allowed::Reception),
        ("/agents/messages".into(), Allowed::Reception),
        (format!("/agents/messages/{thread}"), Allowed::Reception),
        (
            format!("/agents/messages/{thread}/pieces/{}", document.id),
            Allowed::Reception,
        ),
        ("/agents/rendez-vous".into(), Allowed::Reception),
        (
            format!("/agents/usagers/{cid}/acces-elargi"),
            Allowed::OtherModuleWorker,
        ),
        (
            format!("/agents/demandes/{request}"),
            Allowed::AidInstructor,
        ),
        (
            format!("/agents/demandes/{request}/documents/{}", document.id),
            Allowed::Nobody,
        ),
        ("/agents/admin/journal".into(), Allowed::Admin),
        (
            format!("/agents/usagers/{cid}/mandats/nouveau"),
            Allowed::Reception,
        ),
        (format!("/agents/mandats/{mandate}"), Allowed::Reception),
        (
            format!("/agents/mandats/{mandate}/courrier"),
            Allowed::Reception,
        ),
        (
            format!("/agents/mandats/{mandate}/demandes/{assisted}/etape/1"),
            Allowed::Reception,
        ),
        (
            format!("/agents/mandats/{mandate}/demandes/{assisted}/recapitulatif"),
            Allowed::Reception,
        ),
    ];
    // Forms sent incomplete: a permitted role gets a validation answer, nothing changes.
    let posts: Vec<(String, Fields, Allowed)> = vec![
        (
            format!("/agents/usagers/{cid}/contacts"),
            vec![],
            Allowed::Reception,
        ),
        (
            format!("/agents/usagers/{cid}/messages"),
            vec![],
            Allowed::Reception,
        ),
        (
            format!("/agents/usagers/{cid}/rendez-vous"),
            vec![],
            Allowed::Reception,
        ),
        (
            format!("/agents/usagers/{cid}/relance"),
            vec![],
            Allowed::Reception,
        ),
        (
            format!("/agents/messages/{thread}"),
            vec![],
            Allowed::Reception,
        ),
        ("/agents/rendez-vous".into(), vec![], Allowed::Reception),
        ("/agents/usagers/nouveau".into(), vec![], Allowed::Reception),
        (
            format!("/agents/usagers/{cid}/fusionner/{cid}"),
            vec![],
            Allowed::Reception,
        ),
        (
            format!("/agents/rendez-vous/{}/presence", appointment.id),
            vec![("came", "peut-être".into())],
            Allowed::Reception,
        ),
        (
            format!("/agents/usagers/{cid}/acces-elargi"),
            vec![("reason", "x".into())],
            Allowed::OtherModuleWorker,
        ),
        (
            format!("/agents/demandes/{request}/complement"),
            vec![],
            Allowed::AidInstructor,
        ),
        (
            format!("/agents/usagers/{cid}/mandats"),
            vec![],
            Allowed::Reception,
        ),
        (
            format!("/agents/mandats/{mandate}/demandes/{assisted}/etape/1"),
            vec![("f1", "beaucoup".into())],
            Allowed::Reception,
        ),
        (
            format!("/agents/mandats/{mandate}/demandes/{assisted}/deposer"),
            vec![],
            Allowed::Reception,
        ),
    ];

    let mut attempts = 0;
    let mut refused = 0;
    let mut own_pages = 0;
    let check_quiet = |who: &str, route: &str, body: &str| {
        for marker in MARKERS {
            assert!(
                !body.contains(marker),
                "{who} on {route}: « {marker} » in the answer"
            );
        }
    };
    // The department's own staff, each role.
    for role in Role::ALL {
        let email = format!("{}@gard.fr", role.id());
        let mut staff = Visitor::signed_in(&app, "/gard", &email).await;
        let csrf = staff.csrf("/gard").await;
        for (path, allowed) in &gets {
            let page = staff.get(&format!("/gard{path}")).await;
            attempts += 1;
            if allowed.admits(role) {
                assert_eq!(
                    page.status,
                    StatusCode::OK,
                    "{email} on {path}: {}",
                    page.body
                );
            } else {
                refused += 1;
                assert!(
                    matches!(page.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                    "{email} on {path}: {}",
                    page.status
                );
                check_quiet(&email, path, &page.body);
            }
        }
        for (path, fields, allowed) in &posts {
            let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
            form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            let page = staff.post(&format!("/gard{path}"), &form).await;
            attempts += 1;
            if allowed.admits(role) {
                assert!(
                    matches!(
                        page.status,
                        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST
                    ),
                    "{email} posting to {path}: {} {}",
                    page.status,
                    page.body
                );
            } else {
                refused += 1;
                assert!(
                    matches!(page.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                    "{email} posting to {path}: {}",
                    page.status
                );
                check_quiet(&email, path, &page.body);
            }
        }
    }
    // Another department's staff: on the Gard's addresses, and on their own with the Gard's ids.
    for role in [Role::Reception, Role::AidInstructor, Role::Admin] {
        let email = format!("{}@herault.fr", role.id());
        let mut staff = Visitor::signed_in(&app, "/herault", &email).await;
        let csrf = staff.csrf("/herault").await;
        for (path, _) in &gets {
            let foreign = staff.get(&format!("/gard{path}")).await;
            assert_eq!(
                foreign.status,
                StatusCode::FORBIDDEN,
                "{email} on /gard{path}"
            );
            check_quiet(&email, path, &foreign.body);
            let own = staff.get(&format!("/herault{path}")).await;
            check_quiet(&email, path, &own.body);
            attempts += 2;
            refused += 1;
            own_pages += 1;
        }
        for (path, fields, _) in &posts {
            let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
            form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            let foreign = staff.post(&format!("/gard{path}"), &form).await;
            assert_eq!(
                foreign.status,
                StatusCode::FORBIDDEN,
                "{email} posting to /gard{path}"
            );
            check_quiet(&email, path, &foreign.body);
            attempts += 1;
            refused += 1;
        }
    }
    // Another citizen of the Gard, and nobody signed in, on Angela's pages.
    let citizen_routes = [
        format!("/gard/mon-espace/messages/{thread}"),
        format!("/gard/documents/{}", document.id),
        format!("/gard/demandes/{request}"),
    ];
    let mut karim = Visitor::new(&app);
    karim
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let karim_csrf = karim.get("/gard/mon-espace/messages").await.csrf();
    for path in &citizen_routes {
        let page = karim.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "Karim on {path}");
        check_quiet("Karim", path, &page.body);
        let anonymous = Visitor::new(&app).get(path).await;
        assert_ne!(anonymous.status, StatusCode::OK, "nobody on {path}");
        check_quiet("nobody", path, &anonymous.body);
        attempts += 2;
        refused += 2;
    }
    let replacing = appointment.id.to_string();
    let slot = free[1].id.to_string();
    let citizen_posts: [(String, Vec<(&str, &str)>); 4] = [
        (
            format!("/gard/mon-espace/mandats/{mandate}/revoquer"),
            vec![],
        ),
        (
            format!("/gard/mon-espace/messages/{thread}"),
            vec![("body", "Intrusion")],
        ),
        (
            format!("/gard/mon-espace/rendez-vous/{}/annuler", appointment.id),
            vec![],
        ),
        (
            "/gard/mon-espace/rendez-vous".to_owned(),
            vec![("slot", slot.as_str()), ("replacing", replacing.as_str())],
        ),
    ];
    for (path, form) in citizen_posts {
        let mut fields = vec![("csrf", karim_csrf.as_str())];
        fields.extend(form);
        let page = karim.post(&path, &fields).await;
        assert_eq!(
            page.status,
            StatusCode::NOT_FOUND,
            "Karim posting to {path}"
        );
        check_quiet("Karim", &path, &page.body);
        attempts += 1;
        refused += 1;
    }
    // Nothing of Angela's changed.
    let (_, list) = messages::read(&gard, thread, None).await.unwrap().unwrap();
    assert_eq!(list.len(), 1);
    let still = appointments::of_citizen(&gard, angela.id).await.unwrap();
    assert_eq!(still.len(), 1);
    assert_eq!(still[0].state, appointments::State::Booked);
    assert!(
        mandates::find(&gard, mandate)
            .await
            .unwrap()
            .unwrap()
            .is_live(mandates::today())
    );
    println!(
        "attack suite: {attempts} attempts: {refused} refused (403/404, none of the file shown), \
         {own_pages} of the other department's own pages with the Gard's ids (none of the file \
         shown), {} permitted to the role that needs them",
        attempts - refused - own_pages
    );
    app.stop().await;
}
