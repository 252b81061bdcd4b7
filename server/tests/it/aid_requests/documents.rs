//! Documents: uploaded with a step, checked (size, real type), kept per department, re-used in
//! later requests, seen only by their owner and the instructors of a request they are in.

use guichet::aid_requests::catalogue::{self};
use guichet::aid_requests::form::{Answer, FieldKind};
use guichet::ids::{CitizenId, RequestId};
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use tenants::{Module, Tenant};

use crate::fixtures::AidBuilder;
use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    a_document_is_uploaded_checked_and_reused,
    bad_uploads_are_refused_with_a_reason_and_nothing_is_kept,
    documents_stay_with_their_owner
);

use crate::fixtures::PDF;
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

/// An aid whose first step asks for the rent receipt.
async fn aid_with_document(tenant: &Tenant, title: &str) -> catalogue::Aid {
    AidBuilder::new(title)
        .documents("Quittance de loyer")
        .question("f1", 1, "Loyer", FieldKind::Amount)
        .question("f2", 1, "Quittance de loyer", FieldKind::Document)
        .create(tenant)
        .await
}

async fn start(citizen: &mut Visitor, slug: &str) -> String {
    let page = crate::fixtures::start_request(citizen, slug).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location
        .unwrap()
        .strip_suffix("/etape/1")
        .unwrap()
        .to_owned()
}

async fn upload_step(
    citizen: &mut Visitor,
    request: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, Vec<u8>)],
) -> crate::harness::Page {
    let csrf = citizen.get(&format!("{request}/etape/1")).await.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    citizen
        .post_multipart(&format!("{request}/etape/1"), &all, files)
        .await
}

async fn document_count(tenant: &Tenant) -> u64 {
    let txn = tenant.db().begin().await.unwrap();
    let n = guichet::entity::document::Entity::find()
        .count(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    n
}

fn request_id(path: &str) -> i64 {
    path.rsplit('/').next().unwrap().parse().unwrap()
}

/// The request a filing page's `path` ends with, as the first citizen's.
async fn stored_request(tenant: &Tenant, path: &str) -> guichet::aid_requests::filing::AidRequest {
    guichet::aid_requests::filing::find_for_citizen(
        tenant,
        CitizenId(1),
        RequestId(request_id(path)),
    )
    .await
    .unwrap()
    .unwrap()
}

async fn a_document_is_uploaded_checked_and_reused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let first_aid = aid_with_document(&tenant, "Aide au loyer").await;
    let second_aid = aid_with_document(&tenant, "Aide à l'énergie").await;
    let mut citizen = Visitor::new(&app);
    citizen
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let request = start(&mut citizen, &first_aid.slug).await;
    let page = citizen.get(&format!("{request}/etape/1")).await;
    assert!(page.body.contains("multipart/form-data"));
    assert!(page.body.contains("PDF, JPEG ou PNG, 5 Mo au plus."));

    let done = upload_step(
        &mut citizen,
        &request,
        &[("f1", "450"), ("action", "next")],
        &[("f2", "quittance.pdf", "application/pdf", PDF.to_vec())],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let stored = stored_request(&tenant, &request).await;
    let Some(Answer::Document(doc_id)) = stored.answers.get("f2").cloned() else {
        panic!("no document answer: {:?}", stored.answers)
    };
    let review = citizen.get(&format!("{request}/recapitulatif")).await;
    assert!(
        review.body.contains("quittance.pdf (PDF"),
        "named, not numbered: {}",
        review.body
    );
    let download = citizen.get(&format!("/gard/documents/{doc_id}")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body.as_bytes(), PDF);

    // The next request offers it again; choosing it attaches the same document.
    let second = start(&mut citizen, &second_aid.slug).await;
    let page = citizen.get(&format!("{second}/etape/1")).await;
    assert!(page.body.contains("Réutiliser un document déjà envoyé"));
    assert!(page.body.contains("quittance.pdf"));
    let reused = upload_step(
        &mut citizen,
        &second,
        &[
            ("f1", "90"),
            ("f2-existant", &doc_id.to_string()),
            ("action", "next"),
        ],
        &[],
    )
    .await;
    assert_eq!(reused.status, StatusCode::SEE_OTHER, "{}", reused.body);
    let stored = stored_request(&tenant, &second).await;
    assert_eq!(stored.answers.get("f2"), Some(&Answer::Document(doc_id)));
    assert_eq!(document_count(&tenant).await, 1, "re-used, not copied");
    app.stop().await;
}

async fn bad_uploads_are_refused_with_a_reason_and_nothing_is_kept(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let aid = aid_with_document(&tenant, "Aide au loyer").await;
    let mut citizen = Visitor::new(&app);
    citizen
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let request = start(&mut citizen, &aid.slug).await;
    let mut big = PDF.to_vec();
    big.resize(6 * 1024 * 1024, b' ');
    for (name, kind, bytes, message) in [
        (
            "quittance.pdf",
            "application/pdf",
            PNG.to_vec(),
            "contient un image PNG",
        ),
        (
            "notes.pdf",
            "application/pdf",
            b"juste du texte".to_vec(),
            "ni un PDF",
        ),
        ("quittance.pdf", "application/pdf", big, "5 Mo au plus"),
        ("vide.pdf", "application/pdf", Vec::new(), "est vide"),
    ] {
        let page = upload_step(
            &mut citizen,
            &request,
            &[("f1", "450"), ("action", "next")],
            &[("f2", name, kind, bytes)],
        )
        .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(page.body.contains(message), "missing « {message} »");
        assert!(
            page.body.contains("value=\"450\""),
            "typed answers are kept"
        );
    }
    let missing = upload_step(
        &mut citizen,
        &request,
        &[("f1", "450"), ("action", "next")],
        &[],
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing
            .body
            .contains("Joignez le document « Quittance de loyer »")
    );
    // Far too big for any form: a clear message, no 500.
    let mut huge = PDF.to_vec();
    huge.resize(20 * 1024 * 1024, b' ');
    let csrf = citizen.get(&format!("{request}/etape/1")).await.csrf();
    // The server answers as soon as the limit is passed; the client may still be writing and
    // see the connection closed instead of the answer.
    if let Some(refused) = citizen
        .try_post_multipart(
            &format!("{request}/etape/1"),
            &[("csrf", &csrf), ("f1", "450")],
            &[("f2", "enorme.pdf", "application/pdf", huge)],
        )
        .await
    {
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(refused.body.contains("trop volumineux"));
    }
    assert_eq!(document_count(&tenant).await, 0);
    let stored = stored_request(&tenant, &request).await;
    assert!(stored.answers.is_empty(), "nothing half-written");
    app.stop().await;
}

async fn documents_stay_with_their_owner(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    app.staffs(
        &tenant,
        &[
            ("inst@gard.fr", "Inès", &[Role::AidInstructor]),
            ("chef@gard.fr", "Chef", &[Role::Supervisor]),
        ],
    )
    .await;
    let aid = aid_with_document(&tenant, "Aide au loyer").await;
    let mut owner = Visitor::new(&app);
    owner
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let request = start(&mut owner, &aid.slug).await;
    upload_step(
        &mut owner,
        &request,
        &[("f1", "450"), ("action", "next")],
        &[("f2", "quittance.pdf", "application/pdf", PDF.to_vec())],
    )
    .await;
    let doc_id = match stored_request(&tenant, &request).await.answers.get("f2") {
        Some(Answer::Document(id)) => *id,
        other => panic!("{other:?}"),
    };

    let mut stranger = Visitor::new(&app);
    stranger
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let page = stranger.get(&format!("/gard/documents/{doc_id}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("%PDF"));
    // Nor can they attach it to their own request.
    let theirs = start(&mut stranger, &aid.slug).await;
    let stolen = upload_step(
        &mut stranger,
        &theirs,
        &[
            ("f1", "1"),
            ("f2-existant", &doc_id.to_string()),
            ("action", "next"),
        ],
        &[],
    )
    .await;
    assert_eq!(stolen.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stolen.body.contains("n&#x27;existe pas") || stolen.body.contains("n'existe pas"));

    // Instructors read it once the request is filed, through the request, journaled.
    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let id = request_id(&request);
    let before = inst
        .get(&format!("/gard/agents/demandes/{id}/documents/{doc_id}"))
        .await;
    assert_eq!(
        before.status,
        StatusCode::NOT_FOUND,
        "a draft is the citizen's own business"
    );
    let review = owner.get(&format!("{request}/recapitulatif")).await;
    let filed = owner
        .post(&format!("{request}/deposer"), &[("csrf", &review.csrf())])
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let page = inst.get(&format!("/gard/agents/demandes/{id}")).await;
    assert!(page.body.contains("Pièces jointes"));
    let download = inst
        .get(&format!("/gard/agents/demandes/{id}/documents/{doc_id}"))
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body.as_bytes(), PDF);
    let header = |page: &crate::harness::Page, name: &str| {
        page.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert!(header(&download, "content-disposition").starts_with("attachment"));
    assert_eq!(header(&download, "x-frame-options"), "DENY");

    // The page previews it in a frame that loads only when opened; the preview is the same
    // document, inline, framed by this origin's pages only (a PDF's policy stops there: the
    // browser's own viewer needs its styles).
    let preview_src = format!("/gard/agents/demandes/{id}/documents/{doc_id}?apercu=oui");
    assert!(
        page.body.contains(&format!("src=\"{preview_src}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains("loading=\"lazy\""));
    let preview = inst.get(&preview_src).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_eq!(preview.body.as_bytes(), PDF);
    assert!(header(&preview, "content-disposition").starts_with("inline"));
    assert_eq!(
        header(&preview, "content-security-policy"),
        "frame-ancestors 'self'"
    );
    assert_eq!(header(&preview, "x-frame-options"), "SAMEORIGIN");
    assert_eq!(header(&preview, "x-content-type-options"), "nosniff");
    let other_doc = inst
        .get(&format!(
            "/gard/agents/demandes/{id}/documents/{}",
            doc_id + 1
        ))
        .await;
    assert_eq!(other_doc.status, StatusCode::NOT_FOUND);
    let mut supervisor = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let refused = supervisor
        .get(&format!("/gard/agents/demandes/{id}/documents/{doc_id}"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    app.stop().await;
}
