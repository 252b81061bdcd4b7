//! Requests for more information stop the legal clock until the citizen answers; the daily
//! silence job settles requests past their due date, once.

use guichet::aid_requests::catalogue::{self};
use guichet::aid_requests::filing::{self, Status};
use guichet::aid_requests::form::FieldKind;
use guichet::citizens::{self, Citizen};
use guichet::entity::aid_request;
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use tenants::Tenant;

use crate::fixtures::{AidBuilder, PDF, file_request};
use crate::harness::{Backend, TestApp, Visitor, app_with_mail, both_engines, hidden_value};

both_engines!(
    asking_the_citizen_stops_the_clock_until_they_answer,
    the_citizen_answers_with_a_document_and_the_queue_says_so,
    the_silence_rule_settles_overdue_requests_once
);

/// An aid with one amount question (`f1`).
async fn aid(tenant: &Tenant, title: &str, silence: &str) -> catalogue::Aid {
    AidBuilder::new(title)
        .silence(silence)
        .question("f1", 1, "Loyer", FieldKind::Amount)
        .create(tenant)
        .await
}

async fn file(tenant: &Tenant, aid: &catalogue::Aid, citizen: &Citizen) -> filing::AidRequest {
    file_request(tenant, aid, citizen, 30_000).await
}

async fn set_row(tenant: &Tenant, id: i64, change: impl FnOnce(&mut aid_request::ActiveModel)) {
    let txn = tenant.db().begin().await.unwrap();
    let row = aid_request::Entity::find_by_id(id)
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    let mut row: aid_request::ActiveModel = row.into();
    change(&mut row);
    row.update(&txn).await.unwrap();
    txn.commit().await.unwrap();
}

/// Angela DUBOIS signed in on her side, her request filed, Inès signed in on the staff side.
struct Filed {
    citizen_visitor: Visitor,
    request: filing::AidRequest,
    inst: Visitor,
    /// The request's staff page.
    path: String,
}

async fn filed(app: &TestApp, tenant: &Tenant) -> Filed {
    app.staff(tenant, "inst@gard.fr", "Inès", &[Role::AidInstructor])
        .await;
    let aid = aid(tenant, "Aide au loyer", "refusal").await;
    let mut citizen_visitor = Visitor::new(app);
    citizen_visitor
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let person = guichet::franceconnect::simulator::test_identities()[0].clone();
    let citizen = citizens::sign_in_with_franceconnect(tenant, &person)
        .await
        .unwrap();
    let request = file(tenant, &aid, &citizen).await;
    let inst = Visitor::signed_in(app, "/gard", "inst@gard.fr").await;
    let path = format!("/gard/agents/demandes/{}", request.id);
    Filed {
        citizen_visitor,
        request,
        inst,
        path,
    }
}

async fn asking_the_citizen_stops_the_clock_until_they_answer(backend: Backend) {
    let (app, sink, tenant) = app_with_mail(backend).await;
    let instructor = app
        .worker(&tenant, guichet::staff::Role::AidInstructor)
        .await;
    let desk = guichet::aid_requests::Desk::open(&tenant, &instructor).unwrap();
    let Filed {
        mut citizen_visitor,
        request,
        mut inst,
        path,
    } = filed(&app, &tenant).await;
    let due = request.due_on.unwrap();
    let page = inst.get(&path).await;
    let version = hidden_value(&page.body, "version");
    let empty = inst
        .post(
            &format!("{path}/complement"),
            &[
                ("csrf", &page.csrf()),
                ("version", &version),
                ("question", " "),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Écrivez votre message"));
    let question = "Merci de préciser le nom de votre bailleur.";
    let asked = inst
        .post(
            &format!("{path}/complement"),
            &[
                ("csrf", &page.csrf()),
                ("version", &version),
                ("question", question),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let waiting = guichet::aid_requests::queue::find_filed(&desk, request.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(waiting.status, Status::InfoRequested);

    // The mail says a question waits, not what it is.
    let mails = sink.wait_for(2).await;
    let notice = mails
        .iter()
        .find(|m| m.subject.contains("une question vous attend"))
        .unwrap();
    assert!(!notice.text.contains("bailleur"));
    assert!(
        notice
            .text
            .contains(&format!("/gard/demandes/{}", request.id))
    );

    // The citizen reads it in their space and answers; five days have passed meanwhile.
    let own = citizen_visitor
        .get(&format!("/gard/demandes/{}", request.id))
        .await;
    assert!(own.body.contains(question), "{}", own.body);
    assert!(own.body.contains("En attente de votre réponse"));
    // No due date while the clock is stopped: it says so instead.
    assert!(!own.body.contains("Réponse attendue au plus tard"));
    assert!(
        own.body
            .contains("Suspendu : il reprend quand vous aurez répondu")
    );
    set_row(&tenant, request.id, |row| {
        row.paused_since = Set(Some(
            chrono::Utc::now().date_naive() - chrono::Duration::days(5),
        ));
    })
    .await;
    let answer_path = format!("/gard/demandes/{}/complement", request.id);
    let blank = citizen_visitor
        .post(&answer_path, &[("csrf", &own.csrf()), ("answer", "")])
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut stranger = Visitor::new(&app);
    let page = stranger
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let foreign = stranger
        .post(
            &answer_path,
            &[("csrf", &page.csrf()), ("answer", "Je réponds à sa place.")],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let answered = citizen_visitor
        .post(
            &answer_path,
            &[
                ("csrf", &own.csrf()),
                ("answer", "Mon bailleur est l'office HLM."),
            ],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let resumed = guichet::aid_requests::queue::find_filed(&desk, request.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resumed.status, Status::Submitted);
    assert_eq!(
        resumed.due_on,
        Some(due + chrono::Duration::days(5)),
        "the clock stood still five days"
    );
    // Running again, with the date moved by the days it stood still.
    let own = citizen_visitor
        .get(&format!("/gard/demandes/{}", request.id))
        .await;
    let new_due = (due + chrono::Duration::days(5))
        .format("%d/%m/%Y")
        .to_string();
    assert!(own.body.contains("Réponse attendue au plus tard le"));
    assert!(own.body.contains(&new_due), "{}", own.body);
    assert!(!own.body.contains("Suspendu : il reprend"));
    let staff_page = inst.get(&path).await;
    assert!(staff_page.body.contains("office HLM"));
    assert!(!staff_page.body.contains("Je réponds à sa place"));
    app.stop().await;
}

async fn the_silence_rule_settles_overdue_requests_once(backend: Backend) {
    let (app, sink, tenant) = app_with_mail(backend).await;
    let instructor = app
        .worker(&tenant, guichet::staff::Role::AidInstructor)
        .await;
    let desk = guichet::aid_requests::Desk::open(&tenant, &instructor).unwrap();
    let accepted = aid(&tenant, "Aide A", "acceptance").await;
    let refused = aid(&tenant, "Aide R", "refusal").await;
    let people = guichet::franceconnect::simulator::test_identities();
    let mut requests_made = Vec::new();
    for (i, aid) in [&accepted, &refused, &refused, &accepted]
        .into_iter()
        .enumerate()
    {
        let citizen = citizens::sign_in_with_franceconnect(&tenant, &people[i])
            .await
            .unwrap();
        requests_made.push(file(&tenant, aid, &citizen).await);
    }
    let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    // Three past due; of those, one waits for its citizen (clock stopped); the fourth is on time.
    for r in &requests_made[..3] {
        set_row(&tenant, r.id, |row| row.due_on = Set(Some(yesterday))).await;
    }
    set_row(&tenant, requests_made[2].id, |row| {
        row.status = Set(Status::InfoRequested);
        row.paused_since = Set(Some(yesterday));
    })
    .await;

    // Through the job, as the daily schedule does.
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    guichet::jobs::enqueue(
        &app.platform,
        guichet::aid_requests::jobs::ApplySilence { day: today.clone() },
    )
    .await
    .unwrap();
    let status_of = |id: i64| {
        let desk = &desk;
        async move {
            guichet::aid_requests::queue::find_filed(desk, id)
                .await
                .unwrap()
                .unwrap()
                .status
        }
    };
    // The job settles each request in its own transaction: wait for both, not the first.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while status_of(requests_made[0].id).await == Status::Submitted
        || status_of(requests_made[1].id).await == Status::Submitted
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the silence job never ran"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        status_of(requests_made[0].id).await,
        Status::ImplicitAcceptance
    );
    assert_eq!(
        status_of(requests_made[1].id).await,
        Status::ImplicitRefusal
    );
    assert_eq!(status_of(requests_made[2].id).await, Status::InfoRequested);
    assert_eq!(status_of(requests_made[3].id).await, Status::Submitted);
    // Run again: nothing more happens.
    let again =
        guichet::aid_requests::exchange::apply_silence(&tenant, chrono::Utc::now().date_naive())
            .await
            .unwrap();
    assert_eq!(again, 0);
    let events = filing::events(&tenant, requests_made[0].id).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.kind == "silence").count(), 1);
    let mails = sink.wait_for(4 + 2).await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.subject.contains("décision implicite"))
            .count(),
        2
    );
    app.stop().await;
}

/// The instructor asks `question` about the request at `path` (a staff page).
async fn ask(inst: &mut Visitor, path: &str, question: &str) {
    let page = inst.get(path).await;
    let asked = inst
        .post(
            &format!("{path}/complement"),
            &[
                ("csrf", &page.csrf()),
                ("version", &hidden_value(&page.body, "version")),
                ("question", question),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
}

/// A PDF of `size` bytes (padding after its end is still a PDF by its content).
fn pdf_of(size: usize) -> Vec<u8> {
    let mut bytes = PDF.to_vec();
    bytes.resize(size, b' ');
    bytes
}

async fn the_citizen_answers_with_a_document_and_the_queue_says_so(backend: Backend) {
    let (app, _sink, tenant) = app_with_mail(backend).await;
    let Filed {
        mut citizen_visitor,
        request,
        mut inst,
        path,
    } = filed(&app, &tenant).await;
    let reference = request.reference.clone().unwrap();
    ask(
        &mut inst,
        &path,
        "Merci d'envoyer votre dernière quittance.",
    )
    .await;

    let own_path = format!("/gard/demandes/{}", request.id);
    let answer_path = format!("{own_path}/complement");
    let own = citizen_visitor.get(&own_path).await;
    assert!(own.body.contains("Joindre un document (facultatif)"));
    assert!(own.body.contains("PDF, JPEG ou PNG, 5 Mo au plus."));
    let words = "Voici ma quittance du mois dernier.";

    // Mistakes: a file too large, then one that is not a document; each named at the file
    // field, the words typed kept.
    for (file, says) in [
        (("big.pdf", pdf_of(6 * 1024 * 1024)), "5 Mo au plus"),
        (("notes.txt", b"plain words".to_vec()), "notes.txt"),
    ] {
        let refused = citizen_visitor
            .post_multipart(
                &answer_path,
                &[("csrf", &own.csrf()), ("answer", words)],
                &[("piece", file.0, "application/pdf", file.1)],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(refused.body.contains(says), "{}", refused.body);
        assert!(
            refused.body.contains("href=\"#piece\""),
            "linked from the summary"
        );
        assert!(refused.body.contains("id=\"piece-error\""));
        assert!(
            refused.body.contains(&format!(">{words}</textarea>")),
            "the words are kept: {}",
            refused.body
        );
    }
    // Nothing at all is asked for again, at the text field.
    let nothing = citizen_visitor
        .post_multipart(&answer_path, &[("csrf", &own.csrf()), ("answer", " ")], &[])
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        nothing
            .body
            .contains("Écrivez votre réponse ou joignez un document")
    );
    // Someone else's document cannot be chosen.
    let stranger_doc = {
        let other = citizens::sign_in_with_franceconnect(
            &tenant,
            &guichet::franceconnect::simulator::test_identities()[1],
        )
        .await
        .unwrap();
        crate::fixtures::stored_document(&app, &tenant, other.id).await
    };
    let foreign = citizen_visitor
        .post_multipart(
            &answer_path,
            &[
                ("csrf", &own.csrf()),
                ("answer", words),
                ("piece-existant", &stranger_doc.to_string()),
            ],
            &[],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(foreign.body.contains("n'est pas parmi les vôtres"));

    // A 3 MiB document (over the 2 MiB the framework once allowed) goes through with the words.
    let answered = citizen_visitor
        .post_multipart(
            &answer_path,
            &[("csrf", &own.csrf()), ("answer", words)],
            &[(
                "piece",
                "quittance-octobre.pdf",
                "application/pdf",
                pdf_of(3 * 1024 * 1024),
            )],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let own = citizen_visitor.get(&own_path).await;
    assert!(own.body.contains("Document joint"));
    assert!(own.body.contains("quittance-octobre.pdf"));

    // The queue shows it answered, and filters on it.
    let queue = inst.get("/gard/agents/demandes").await;
    assert!(
        queue.body.contains(">L'usager a répondu</strong>"),
        "{}",
        queue.body
    );
    let replied = inst.get("/gard/agents/demandes?repondu=oui").await;
    assert!(replied.body.contains("1 demande(s)"), "{}", replied.body);
    assert!(replied.body.contains(&reference));
    // The instructor reads the document from the request's exchange.
    let page = inst.get(&path).await;
    let link = format!("/gard/agents/demandes/{}/documents/", request.id);
    let start = page.body.find(&link).expect("a link to the document");
    let href: String = page.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let document = inst.get(&href).await;
    assert_eq!(document.status, StatusCode::OK);
    // Not a document of another request or person.
    let other = inst
        .get(&format!(
            "/gard/agents/demandes/{}/documents/{stranger_doc}",
            request.id
        ))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // Asked again, the answer counts as read: no badge, not in the filter.
    ask(&mut inst, &path, "Et le bail, s'il vous plaît.").await;
    let replied = inst.get("/gard/agents/demandes?repondu=oui").await;
    assert!(!replied.body.contains(&reference), "{}", replied.body);
    // The vault offers the document sent before, and choosing it answers.
    let own = citizen_visitor.get(&own_path).await;
    assert!(own.body.contains("Un document que vous avez déjà envoyé"));
    let doc_id = href.rsplit('/').next().unwrap().to_owned();
    let reused = citizen_visitor
        .post_multipart(
            &answer_path,
            &[
                ("csrf", &own.csrf()),
                ("answer", ""),
                ("piece-existant", &doc_id),
            ],
            &[],
        )
        .await;
    assert_eq!(reused.status, StatusCode::SEE_OTHER, "{}", reused.body);
    let replied = inst.get("/gard/agents/demandes?repondu=oui").await;
    assert!(replied.body.contains(&reference));
    app.stop().await;
}
