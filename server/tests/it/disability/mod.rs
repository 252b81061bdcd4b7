//! Disability (MDPH), by topic: filing (`filing`), completeness (`completeness`), the medical
//! compartment and the evaluation (`medical`), the committee (`committee`), what follows the
//! decision (`follow_up`), routing by sector (`sectors`), reception filing under a mandate
//! (`mandate`). The helpers below walk the person's filing and reception's steps for them.

use chrono::{Duration, Months, NaiveDate, Utc};
use guichet::disability::files::Status;
use guichet::entity::{disability_file, disability_piece, disability_request};
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use tenants::{Module, Tenant};

use crate::harness::{Backend, TestApp, Visitor, both_engines};
use crate::smtp::SmtpSink;

mod caf;
mod committee;
mod completeness;
mod figures;
mod filing;
mod follow_up;
mod mandate;
mod medical;
mod pages;
mod retention;
mod sectors;

pub const RECEPTION: &str = "accueil-mdph@gard.fr";
pub const EVALUATOR: &str = "evaluation@gard.fr";
pub const PHYSICIAN: &str = "medecin@gard.fr";
pub const COMMITTEE: &str = "cdaph@gard.fr";

const PDF_CERTIFICATE: &[u8] = b"%PDF-1.4\n% certificat medical: polyarthrite rhumatoide\n";
const PDF_ID: &[u8] = b"%PDF-1.4\n% carte d'identite\n";
const PDF_ADDRESS: &[u8] = b"%PDF-1.4\n% facture d'electricite\n";

pub(super) async fn setup(backend: Backend) -> (TestApp, SmtpSink, Tenant) {
    let (app, sink, gard) = crate::harness::app_with_mail(backend).await;
    app.staffs(
        &gard,
        &[
            (RECEPTION, "Rachida Accueil", &[Role::DisabilityReception]),
            (EVALUATOR, "Éric Évaluation", &[Role::DisabilityEvaluator]),
            (PHYSICIAN, "Dr Paule Médecin", &[Role::DisabilityPhysician]),
            (COMMITTEE, "Claire Commission", &[Role::DisabilityCommittee]),
        ],
    )
    .await;
    (app, sink, gard)
}

/// Fatou, signed in through FranceConnect, with no mail address.
pub(super) async fn fatou(tenant: &Tenant) -> guichet::citizens::Citizen {
    let mut identity = guichet::franceconnect::simulator::test_identities()[0].clone();
    identity.email = String::new();
    guichet::citizens::sign_in_with_franceconnect(tenant, &identity)
        .await
        .unwrap()
}

/// A file at `status` since `at`, written as a row (the filing's own steps are tested
/// elsewhere).
pub(super) fn file_written(
    citizen_id: i64,
    name: &str,
    status: Status,
    at: chrono::DateTime<Utc>,
) -> disability_file::ActiveModel {
    disability_file::ActiveModel {
        citizen_id: Set(citizen_id),
        kind: Set("first".into()),
        filed_by: Set("self".into()),
        filed_by_name: Set(name.into()),
        answers: Set("{}".into()),
        form_version: Set(guichet::disability::application::VERSION.into()),
        generic: Set(false),
        status: Set(status.id().into()),
        created_at: Set(at),
        updated_at: Set(at),
        filed_at: Set(Some(at)),
        plan_hearing: Set(false),
        ..Default::default()
    }
}

pub(super) fn iso(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Posts one step of the form and expects to go on.
async fn step(visitor: &mut Visitor, file: &str, n: u32, answers: &[(&str, &str)]) {
    let page = visitor.get(&format!("{file}/etape/{n}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    let mut form = vec![("csrf", csrf.as_str()), ("action", "next")];
    form.extend_from_slice(answers);
    let sent = visitor.post(&format!("{file}/etape/{n}"), &form).await;
    assert_eq!(
        sent.status,
        StatusCode::SEE_OTHER,
        "step {n}: {}",
        sent.body
    );
}

/// The child's identity (part A).
const CHILD: [(&str, &str); 12] = [
    ("a_nom", "DIALLO"),
    ("a_prenoms", "Moussa"),
    ("a_sexe", "Masculin"),
    ("a_naissance", "2015-05-10"),
    ("a_lieu_naissance", "Nîmes, France"),
    ("a_nationalite", "Française"),
    ("a_adresse", "4 rue des Arènes"),
    ("a_code_postal", "30000"),
    ("a_commune", "Nîmes"),
    ("a_assurance", "CPAM du Gard"),
    ("a_prestations", "CAF"),
    ("a_nir", "2 85 07 75 056 123 70"),
];

/// Starts a draft and goes through the form's six steps; returns the draft's address.
pub(super) async fn fill_form(citizen: &mut Visitor) -> String {
    let space = citizen.get("/gard/mon-espace/mdph").await;
    assert_eq!(space.status, StatusCode::OK, "{}", space.body);
    let started = citizen
        .post(
            "/gard/mon-espace/mdph",
            &[("csrf", space.csrf().as_str()), ("nature", "first")],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let first = started.location.unwrap();
    let file = first.trim_end_matches("/etape/1").to_owned();
    walk_steps(citizen, &file).await;
    file
}

/// Goes through the six steps of draft `file` (the person's, or reception's under a mandate)
/// for the child.
async fn walk_steps(citizen: &mut Visitor, file: &str) {
    step(citizen, file, 1, &CHILD).await;
    step(
        citizen,
        file,
        2,
        &[
            ("a_qui", "Un parent (ou titulaire de l'autorité parentale)"),
            ("a_representant", "Fatou DIALLO"),
            ("a_protection", "Aucune"),
            ("a_urgence", "non"),
            ("a_echanges", "oui"),
        ],
    )
    .await;
    step(
        citizen,
        file,
        3,
        &[
            ("b_famille", "Avec ses parents"),
            ("b_logement", "Locataire"),
            ("b_besoins", "Aide pour s'habiller, se déplacer à l'école."),
        ],
    )
    .await;
    step(citizen, file, 4, &[("c_type", "Classe ordinaire")]).await;
    step(citizen, file, 5, &[]).await;
    step(citizen, file, 6, &[]).await;
}

/// Sends a piece; returns the answer.
async fn send_piece(
    citizen: &mut Visitor,
    page: &str,
    file: &str,
    (kind, name, bytes): (&str, &str, &[u8]),
    certificate: Option<(&str, &str)>,
) -> crate::harness::Page {
    let csrf = citizen.get(page).await.csrf();
    let (dated, rpps) = certificate.unwrap_or_default();
    citizen
        .post_multipart(
            &format!("{file}/pieces"),
            &[
                ("csrf", csrf.as_str()),
                ("nature", kind),
                ("date_certificat", dated),
                ("rpps", rpps),
            ],
            &[("fichier", name, "application/pdf", bytes.to_vec())],
        )
        .await
}

/// Fatou files for her son with a certificate, an ID and a proof of address; returns her,
/// the file's page and its id.
pub(super) async fn fatou_files(app: &TestApp) -> (Visitor, String, i64) {
    let mut fatou = Visitor::new(app);
    fatou
        .franceconnect_sign_in("/gard", "sim-fatou-diallo")
        .await;
    let file = fill_form(&mut fatou).await;
    let filed = rights_pieces_and_filing(&mut fatou, &file).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let id: i64 = file.rsplit('/').next().unwrap().parse().unwrap();
    (fatou, file, id)
}

/// Sends draft `file`'s medical certificate (sealed), nothing else.
pub(super) async fn certificate_only(citizen: &mut Visitor, file: &str) {
    let recent = iso(guichet::dates::today() - Duration::days(90));
    let sent = send_piece(
        citizen,
        &format!("{file}/pieces"),
        file,
        (
            "certificate",
            "certificat-rhumatologue.pdf",
            PDF_CERTIFICATE,
        ),
        Some((recent.as_str(), "10000000000")),
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
}

/// Chooses three rights for the child, sends the certificate, an ID and a proof of address,
/// and files draft `file` signed; returns the filing's answer.
async fn rights_pieces_and_filing(fatou: &mut Visitor, file: &str) -> crate::harness::Page {
    let rights = fatou.get(&format!("{file}/droits")).await;
    let sent = fatou
        .post(
            &format!("{file}/droits"),
            &[
                ("csrf", rights.csrf().as_str()),
                ("droits", "aeeh"),
                ("droits", "scolarisation"),
                ("droits", "cmi_priorite"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let pieces = format!("{file}/pieces");
    let recent = iso(guichet::dates::today() - Duration::days(90));
    for (kind, name, bytes, certificate) in [
        (
            "certificate",
            "certificat-rhumatologue.pdf",
            PDF_CERTIFICATE,
            Some((recent.as_str(), "10000000000")),
        ),
        ("identity", "cni.pdf", PDF_ID, None),
        ("address", "facture.pdf", PDF_ADDRESS, None),
    ] {
        let sent = send_piece(fatou, &pieces, file, (kind, name, bytes), certificate).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{kind}: {}", sent.body);
    }
    let review = fatou.get(&format!("{file}/recapitulatif")).await;
    fatou
        .post(
            &format!("{file}/depot"),
            &[("csrf", review.csrf().as_str()), ("signature", "oui")],
        )
        .await
}

pub(super) async fn file_row(gard: &Tenant, id: i64) -> disability_file::Model {
    let txn = gard.db().begin().await.unwrap();
    let row = disability_file::Entity::find_by_id(id)
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    txn.commit().await.unwrap();
    row
}

async fn pieces_of(gard: &Tenant, id: i64) -> Vec<disability_piece::Model> {
    let txn = gard.db().begin().await.unwrap();
    let rows = disability_piece::Entity::find()
        .filter(disability_piece::Column::FileId.eq(id))
        .all(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    rows
}

/// Reception accepts every piece of the file and acknowledges it.
async fn acknowledged(app: &TestApp, gard: &Tenant, id: i64) -> String {
    let mut reception = Visitor::signed_in(app, "/gard", RECEPTION).await;
    let page_href = format!("/gard/agents/handicap/dossiers/{id}");
    let csrf = reception.get(&page_href).await.csrf();
    for p in pieces_of(gard, id).await {
        let accepted = reception
            .post(
                &format!("/gard/agents/handicap/pieces/{}/examen", p.id),
                &[("csrf", csrf.as_str()), ("verdict", "accepter")],
            )
            .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    }
    let done = reception
        .post(
            &format!("{page_href}/recevabilite"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    page_href
}

pub(super) async fn requests_of(gard: &Tenant, id: i64) -> Vec<disability_request::Model> {
    let txn = gard.db().begin().await.unwrap();
    let rows = disability_request::Entity::find()
        .filter(disability_request::Column::FileId.eq(id))
        .all(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    rows
}
