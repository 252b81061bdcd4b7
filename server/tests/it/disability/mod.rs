//! Disability (MDPH): a parent files for a child with the national form, the rights and a
//! medical certificate; reception refuses a piece, asks for it with a deadline, then
//! acknowledges the complete file (the 4-month clock); a file whose deadline passed is
//! declared irrecevable with a letter; medical pieces are sealed at rest and open for the
//! team's physicians only, journaled as theirs; a renewal starts from the previous answers.

use chrono::{Duration, Months, NaiveDate, Utc};
use guichet::disability::files::Status;
use guichet::entity::{disability_file, disability_piece, disability_request};
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use tenants::{Module, Tenant};

use crate::harness::{Backend, TestApp, Visitor, both_engines};
use crate::smtp::SmtpSink;

mod follow_up;
mod sectors;

both_engines!(
    a_parent_files_for_a_child_with_a_certificate,
    reception_asks_for_a_piece_then_acknowledges_the_complete_file,
    only_the_teams_physicians_open_medical_pieces,
    a_file_past_its_deadline_is_declared_irrecevable,
    a_renewal_starts_from_the_previous_answers,
    the_team_evaluates_and_only_physicians_read_medical_observations,
    the_committee_decides_within_the_bounds_and_the_person_is_notified,
);

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
async fn fill_form(citizen: &mut Visitor) -> String {
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
    step(citizen, &file, 1, &CHILD).await;
    step(
        citizen,
        &file,
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
        &file,
        3,
        &[
            ("b_famille", "Avec ses parents"),
            ("b_logement", "Locataire"),
            ("b_besoins", "Aide pour s'habiller, se déplacer à l'école."),
        ],
    )
    .await;
    step(citizen, &file, 4, &[("c_type", "Classe ordinaire")]).await;
    step(citizen, &file, 5, &[]).await;
    step(citizen, &file, 6, &[]).await;
    file
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
        let sent = send_piece(&mut fatou, &pieces, &file, (kind, name, bytes), certificate).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{kind}: {}", sent.body);
    }
    let review = fatou.get(&format!("{file}/recapitulatif")).await;
    let filed = fatou
        .post(
            &format!("{file}/depot"),
            &[("csrf", review.csrf().as_str()), ("signature", "oui")],
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let id: i64 = file.rsplit('/').next().unwrap().parse().unwrap();
    (fatou, file, id)
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

async fn a_parent_files_for_a_child_with_a_certificate(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    let mut fatou = Visitor::new(&app);
    fatou
        .franceconnect_sign_in("/gard", "sim-fatou-diallo")
        .await;

    // Her space offers the MDPH.
    let space = fatou.get("/gard/mon-espace").await;
    assert!(
        space.body.contains("Mes demandes à la MDPH"),
        "{}",
        space.body
    );

    // A wrong NIR key and a bad postcode are said at their fields; nothing goes on.
    let file = fill_form(&mut fatou).await;
    let page = fatou.get(&format!("{file}/etape/1")).await;
    let mut wrong = CHILD.to_vec();
    wrong.retain(|(k, _)| *k != "a_nir" && *k != "a_code_postal");
    wrong.push(("a_nir", "2 85 07 75 056 123 71"));
    wrong.push(("a_code_postal", "300"));
    let csrf = page.csrf();
    let mut form = vec![("csrf", csrf.as_str()), ("action", "next")];
    form.extend_from_slice(&wrong);
    let refused = fatou.post(&format!("{file}/etape/1"), &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("La clé du NIR"), "{}", refused.body);
    assert!(refused.body.contains("5 chiffres"));

    // Rights: an adult's right for a child, or none, is refused.
    let rights = fatou.get(&format!("{file}/droits")).await;
    assert!(
        rights.body.contains("moins de 20 ans"),
        "child's pole: {}",
        rights.body
    );
    assert!(
        !rights.body.contains("value=\"aah\""),
        "the AAH is not offered to a child"
    );
    let csrf = rights.csrf();
    let forged = fatou
        .post(
            &format!("{file}/droits"),
            &[("csrf", csrf.as_str()), ("droits", "aah")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(forged.body.contains("20 ans et plus"), "{}", forged.body);
    let twice = fatou
        .post(
            &format!("{file}/droits"),
            &[
                ("csrf", csrf.as_str()),
                ("droits", "aeeh"),
                ("droits", "aeeh"),
            ],
        )
        .await;
    assert!(twice.body.contains("demandé deux fois"), "{}", twice.body);
    let none = fatou
        .post(&format!("{file}/droits"), &[("csrf", csrf.as_str())])
        .await;
    assert!(none.body.contains("Cochez au moins un droit"));
    let chosen = fatou
        .post(
            &format!("{file}/droits"),
            &[
                ("csrf", csrf.as_str()),
                ("droits", "aeeh"),
                ("droits", "pch"),
            ],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);

    // A certificate over a year old, or without its doctor's RPPS, is refused; nothing kept.
    let pieces = format!("{file}/pieces");
    let old = iso(guichet::dates::today() - Months::new(13));
    let refused = send_piece(
        &mut fatou,
        &pieces,
        &file,
        ("certificate", "vieux.pdf", PDF_CERTIFICATE),
        Some((&old, "123")),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("plus d&#x27;un an") || refused.body.contains("plus d'un an"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("11 chiffres"));
    let id: i64 = file.rsplit('/').next().unwrap().parse().unwrap();
    assert!(pieces_of(&gard, id).await.is_empty());

    // Filing without signing is refused; the missing pieces are said, not required.
    let review = fatou.get(&format!("{file}/recapitulatif")).await;
    assert!(review.body.contains("Il manque des pièces obligatoires"));
    assert!(review.body.contains("DIALLO"));
    let unsigned = fatou
        .post(
            &format!("{file}/depot"),
            &[("csrf", review.csrf().as_str())],
        )
        .await;
    assert_eq!(unsigned.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unsigned.body.contains("vaut signature"));

    let recent = iso(guichet::dates::today() - Duration::days(90));
    let sent = send_piece(
        &mut fatou,
        &pieces,
        &file,
        (
            "certificate",
            "certificat-rhumatologue.pdf",
            PDF_CERTIFICATE,
        ),
        Some((&recent, "100 000 000 00")),
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let filed = fatou
        .post(
            &format!("{file}/depot"),
            &[("csrf", review.csrf().as_str()), ("signature", "oui")],
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let shown = fatou.get(&file).await;
    assert!(
        shown.body.contains("Déposée, en cours de vérification"),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains("Allocation d&#x27;éducation")
            || shown.body.contains("Allocation d'éducation")
    );

    // One request per right; the child's pole; the certificate sealed, its name too.
    let row = file_row(&gard, id).await;
    assert_eq!(row.status, Status::Filed.id());
    assert_eq!(row.pole.as_deref(), Some("child"));
    let requests = requests_of(&gard, id).await;
    let mut rights: Vec<_> = requests.iter().map(|r| r.right_code.as_str()).collect();
    rights.sort_unstable();
    assert_eq!(rights, ["aeeh", "pch"]);
    let certificate = pieces_of(&gard, id).await.remove(0);
    assert!(certificate.medical && certificate.document_id.is_none());
    assert_eq!(certificate.rpps.as_deref(), Some("10000000000"));
    assert!(
        !certificate
            .sealed_name
            .clone()
            .unwrap()
            .contains("rhumatologue")
    );
    let stored = std::fs::read(
        app.platform
            .files_dir(gard.slug())
            .join("medical")
            .join(certificate.sealed_key.unwrap()),
    )
    .unwrap();
    assert!(
        !stored.windows(12).any(|w| w == b"polyarthrite"),
        "sealed at rest"
    );

    // A filed request no longer changes.
    let late = fatou.get(&format!("{file}/etape/1")).await;
    assert_eq!(late.status, StatusCode::SEE_OTHER);
    app.stop().await;
}

async fn reception_asks_for_a_piece_then_acknowledges_the_complete_file(backend: Backend) {
    let (app, sink, gard) = setup(backend).await;
    let (mut fatou, file, id) = fatou_files(&app).await;
    let mut reception = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let queue = reception.get("/gard/agents/handicap").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let reference = format!("MDPH-{}-{id:06}", Utc::now().format("%Y"));
    assert!(queue.body.contains(&reference), "{}", queue.body);
    assert!(queue.body.contains("Moussa DIALLO"));
    let unknown = reception.get("/gard/agents/handicap?etape=nimporte").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);

    let page_href = format!("/gard/agents/handicap/dossiers/{id}");
    let page = reception.get(&page_href).await;
    assert!(page.body.contains("Sous pli confidentiel"), "{}", page.body);
    assert!(
        !page.body.contains("rhumatologue"),
        "a medical piece's name stays sealed"
    );

    // The proof of address is refused with a reason; an empty reason is not enough.
    let pieces = pieces_of(&gard, id).await;
    let address = pieces.iter().find(|p| p.kind == "address").unwrap();
    let review = format!("/gard/agents/handicap/pieces/{}/examen", address.id);
    let csrf = page.csrf();
    let no_reason = reception
        .post(&review, &[("csrf", csrf.as_str()), ("verdict", "refuser")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("Dites pourquoi"));
    let rejected = reception
        .post(
            &review,
            &[
                ("csrf", csrf.as_str()),
                ("verdict", "refuser"),
                ("motif", "Facture de plus de 3 mois."),
            ],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER, "{}", rejected.body);
    for p in pieces.iter().filter(|p| p.kind != "address") {
        let accepted = reception
            .post(
                &format!("/gard/agents/handicap/pieces/{}/examen", p.id),
                &[("csrf", csrf.as_str()), ("verdict", "accepter")],
            )
            .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    }

    // Not complete: acknowledging is refused, and a deadline in the past too.
    let early = reception
        .post(
            &format!("{page_href}/recevabilite"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.body.contains("Il manque encore"), "{}", early.body);
    let yesterday = iso(guichet::dates::today() - Duration::days(1));
    let past = reception
        .post(
            &format!("{page_href}/pieces-manquantes"),
            &[("csrf", csrf.as_str()), ("echeance", yesterday.as_str())],
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(past.body.contains("après aujourd"));
    let deadline = guichet::dates::today() + Duration::days(30);
    let asked = reception
        .post(
            &format!("{page_href}/pieces-manquantes"),
            &[
                ("csrf", csrf.as_str()),
                ("echeance", iso(deadline).as_str()),
                ("message", "Une quittance de loyer convient."),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let mails = sink.wait_for(2).await;
    let asking = mails
        .iter()
        .find(|m| m.subject.contains("des pièces manquent"))
        .unwrap();
    assert!(
        asking.text.contains("Facture de plus de 3 mois."),
        "{}",
        asking.text
    );
    assert!(asking.text.contains(&guichet::dates::on(deadline)));
    assert!(asking.text.contains("quittance"));

    // Fatou reads why, sends another proof and explains; reception accepts it.
    let mine = fatou.get(&file).await;
    assert!(mine.body.contains("Facture de plus de 3 mois."));
    assert!(mine.body.contains(&guichet::dates::on(deadline)));
    let sent = send_piece(
        &mut fatou,
        &file,
        &file,
        ("address", "quittance.pdf", PDF_ADDRESS),
        None,
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let csrf_fatou = fatou.get(&file).await.csrf();
    let explained = fatou
        .post(
            &format!("{file}/explication"),
            &[
                ("csrf", csrf_fatou.as_str()),
                ("explication", "La facture était au nom de mon frère."),
            ],
        )
        .await;
    assert_eq!(explained.status, StatusCode::SEE_OTHER);
    let page = reception.get(&page_href).await;
    assert!(page.body.contains("au nom de mon frère"));
    let new_proof = pieces_of(&gard, id)
        .await
        .into_iter()
        .find(|p| p.kind == "address" && p.status == "received")
        .unwrap();
    let accepted = reception
        .post(
            &format!("/gard/agents/handicap/pieces/{}/examen", new_proof.id),
            &[("csrf", csrf.as_str()), ("verdict", "accepter")],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    let done = reception
        .post(
            &format!("{page_href}/recevabilite"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    // Complete: each request's 4-month clock runs from today; she is told.
    let row = file_row(&gard, id).await;
    assert_eq!(row.status, Status::Complete.id());
    let today = guichet::dates::today();
    assert_eq!(row.complete_on, Some(today));
    let requests = requests_of(&gard, id).await;
    assert!(
        requests
            .iter()
            .all(|r| r.due_on == Some(today + Months::new(4)))
    );
    let mails = sink.wait_for(3).await;
    let complete = mails
        .iter()
        .find(|m| m.subject.contains("est complète"))
        .unwrap();
    assert!(
        complete
            .text
            .contains(&guichet::dates::on(today + Months::new(4)))
    );
    assert!(complete.text.contains("silence vaut refus"));
    // Nothing more to check: a second acknowledgement is refused.
    let again = reception
        .post(
            &format!("{page_href}/recevabilite"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // An evaluator reads the file but takes no reception step.
    let mut evaluator = Visitor::signed_in(&app, "/gard", EVALUATOR).await;
    assert_eq!(evaluator.get(&page_href).await.status, StatusCode::OK);
    let csrf = evaluator.get(&page_href).await.csrf();
    let step = evaluator
        .post(
            &format!("{page_href}/recevabilite"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(step.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

async fn only_the_teams_physicians_open_medical_pieces(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    let (mut fatou, _file, id) = fatou_files(&app).await;
    let certificate = pieces_of(&gard, id)
        .await
        .into_iter()
        .find(|p| p.kind == "certificate")
        .unwrap();
    let piece = format!("/gard/agents/handicap/pieces/{}", certificate.id);
    for email in [RECEPTION, EVALUATOR, COMMITTEE] {
        let mut worker = Visitor::signed_in(&app, "/gard", email).await;
        let refused = worker.get(&piece).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{email}");
        assert!(!refused.body.contains("polyarthrite"));
    }
    let mut physician = Visitor::signed_in(&app, "/gard", PHYSICIAN).await;
    let opened = physician.get(&piece).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    assert_eq!(opened.body.as_bytes(), PDF_CERTIFICATE);

    // A physician of another department does not find it.
    let herault = app.tenant("herault", &Module::ALL).await;
    app.staff(
        &herault,
        "medecin@herault.fr",
        "Dr Hérault",
        &[Role::DisabilityPhysician],
    )
    .await;
    let mut other = Visitor::signed_in(&app, "/herault", "medecin@herault.fr").await;
    let elsewhere = other
        .get(&format!(
            "/herault/agents/handicap/pieces/{}",
            certificate.id
        ))
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);

    // Fatou reads that the team's physician opened it.
    let journal = fatou.get("/gard/mon-espace/journal").await;
    assert!(
        journal
            .body
            .contains("Médecin de l&#x27;équipe d&#x27;évaluation")
            || journal.body.contains("Médecin de l'équipe d'évaluation"),
        "{}",
        journal.body
    );
    assert!(
        journal.body.contains("Lecture d&#x27;une pièce médicale")
            || journal.body.contains("Lecture d'une pièce médicale")
    );
    app.stop().await;
}

async fn a_file_past_its_deadline_is_declared_irrecevable(backend: Backend) {
    let (app, sink, gard) = setup(backend).await;
    let (_fatou, _file, id) = fatou_files(&app).await;
    let mut reception = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let page_href = format!("/gard/agents/handicap/dossiers/{id}");
    let csrf = reception.get(&page_href).await.csrf();
    let address = pieces_of(&gard, id)
        .await
        .into_iter()
        .find(|p| p.kind == "address")
        .unwrap();
    reception
        .post(
            &format!("/gard/agents/handicap/pieces/{}/examen", address.id),
            &[
                ("csrf", csrf.as_str()),
                ("verdict", "refuser"),
                ("motif", "Illisible."),
            ],
        )
        .await;
    let deadline = guichet::dates::today() + Duration::days(15);
    let asked = reception
        .post(
            &format!("{page_href}/pieces-manquantes"),
            &[
                ("csrf", csrf.as_str()),
                ("echeance", iso(deadline).as_str()),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    // Before the deadline: refused, nothing changes.
    let early = reception
        .post(
            &format!("{page_href}/irrecevable"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.body.contains("attendez cette date"), "{}", early.body);
    assert_eq!(file_row(&gard, id).await.status, Status::WaitingPieces.id());

    // The deadline passes with the proof still missing.
    let txn = gard.db().begin_write().await.unwrap();
    let mut row = disability_file::Entity::find_by_id(id)
        .one(&txn)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    row.pieces_deadline = Set(Some(guichet::dates::today() - Duration::days(1)));
    row.update(&txn).await.unwrap();
    txn.commit().await.unwrap();
    let declared = reception
        .post(
            &format!("{page_href}/irrecevable"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(declared.status, StatusCode::SEE_OTHER, "{}", declared.body);
    assert_eq!(file_row(&gard, id).await.status, Status::Irrecevable.id());
    let mails = sink.wait_for(3).await;
    let letter = mails
        .iter()
        .find(|m| m.subject.contains("irrecevable"))
        .unwrap();
    assert!(
        letter.text.contains("justificatif de domicile"),
        "{}",
        letter.text
    );
    assert!(letter.text.contains("recours"));
    let (name, kind, pdf) = &letter.attachments[0];
    assert!(name.ends_with(".pdf") && kind == "application/pdf" && pdf.starts_with(b"%PDF"));
    // Pieces are never deleted: the refused one keeps its reason.
    let kept = pieces_of(&gard, id).await;
    assert_eq!(kept.len(), 3);
    assert!(
        kept.iter()
            .any(|p| p.reason.as_deref() == Some("Illisible."))
    );
    app.stop().await;
}

async fn a_renewal_starts_from_the_previous_answers(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    let (mut fatou, _file, _id) = fatou_files(&app).await;
    let space = fatou.get("/gard/mon-espace/mdph").await;
    assert!(space.body.contains("Demander un renouvellement"));
    let renewal = fatou
        .post(
            "/gard/mon-espace/mdph",
            &[("csrf", space.csrf().as_str()), ("nature", "renewal")],
        )
        .await;
    let first = renewal.location.unwrap();
    let file = first.trim_end_matches("/etape/1").to_owned();
    let step1 = fatou.get(&first).await;
    assert!(step1.body.contains("value=\"DIALLO\""), "{}", step1.body);
    assert!(step1.body.contains("value=\"2015-05-10\""));
    // Nothing confirmed yet: filing says which steps to read again.
    let rights = fatou.get(&format!("{file}/droits")).await;
    fatou
        .post(
            &format!("{file}/droits"),
            &[("csrf", rights.csrf().as_str()), ("droits", "aeeh")],
        )
        .await;
    let review = fatou.get(&format!("{file}/recapitulatif")).await;
    let refused = fatou
        .post(
            &format!("{file}/depot"),
            &[("csrf", review.csrf().as_str()), ("signature", "oui")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Relisez et validez l&#x27;étape 1")
            || refused.body.contains("Relisez et validez l'étape 1"),
        "{}",
        refused.body
    );

    // Each step confirmed, the generic request: the team looks at every right of his age.
    step(&mut fatou, &file, 1, &CHILD).await;
    step(
        &mut fatou,
        &file,
        2,
        &[
            ("a_qui", "Un parent (ou titulaire de l'autorité parentale)"),
            ("a_protection", "Aucune"),
            ("a_urgence", "non"),
            ("a_echanges", "oui"),
        ],
    )
    .await;
    step(
        &mut fatou,
        &file,
        3,
        &[
            ("b_famille", "Avec ses parents"),
            ("b_logement", "Locataire"),
            ("b_besoins", "Les mêmes qu'avant, et la cantine."),
        ],
    )
    .await;
    for n in 4..=6 {
        step(&mut fatou, &file, n, &[]).await;
    }
    let rights = fatou.get(&format!("{file}/droits")).await;
    let generic = fatou
        .post(
            &format!("{file}/droits"),
            &[
                ("csrf", rights.csrf().as_str()),
                ("droits", "aeeh"),
                ("generique", "oui"),
            ],
        )
        .await;
    assert_eq!(generic.status, StatusCode::SEE_OTHER, "{}", generic.body);
    let review = fatou.get(&format!("{file}/recapitulatif")).await;
    let filed = fatou
        .post(
            &format!("{file}/depot"),
            &[("csrf", review.csrf().as_str()), ("signature", "oui")],
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let id: i64 = file.rsplit('/').next().unwrap().parse().unwrap();
    let row = file_row(&gard, id).await;
    assert_eq!(row.kind, "renewal");
    assert!(row.previous_file_id.is_some());
    let mut asked: Vec<String> = requests_of(&gard, id)
        .await
        .into_iter()
        .map(|r| r.right_code)
        .collect();
    asked.sort();
    let mut offered: Vec<&str> =
        guichet::disability::rights::Right::offered_to(guichet::disability::rights::Pole::Child)
            .map(|r| r.code())
            .collect();
    offered.sort();
    assert_eq!(asked, offered, "every right open to a child, the AEEH once");
    app.stop().await;
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

const MEDICAL_NOTE: &str = "Polyarthrite juvénile évolutive, atteinte des deux genoux.";

async fn the_team_evaluates_and_only_physicians_read_medical_observations(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    let (mut fatou, _file, id) = fatou_files(&app).await;
    let page_href = format!("/gard/agents/handicap/dossiers/{id}");
    let mut evaluator = Visitor::signed_in(&app, "/gard", EVALUATOR).await;

    // Not complete yet: nothing to evaluate.
    let csrf = evaluator.get(&page_href).await.csrf();
    let early = evaluator
        .post(
            &format!("{page_href}/observations"),
            &[
                ("csrf", csrf.as_str()),
                ("domaine", "family"),
                ("observation", "Trop tôt."),
            ],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    acknowledged(&app, &gard, id).await;

    // The evaluator writes for the team, not in the medical compartment.
    let page = evaluator.get(&page_href).await;
    assert!(
        page.body
            .contains("Évaluation de l&#x27;équipe pluridisciplinaire")
            || page
                .body
                .contains("Évaluation de l'équipe pluridisciplinaire"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("value=\"medical\""),
        "the medical area is not offered to an evaluator"
    );
    let forged = evaluator
        .post(
            &format!("{page_href}/observations"),
            &[
                ("csrf", csrf.as_str()),
                ("domaine", "medical"),
                ("observation", "Intrusion"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(forged.body.contains("écrites par les médecins"));
    let written = evaluator
        .post(
            &format!("{page_href}/observations"),
            &[
                ("csrf", csrf.as_str()),
                ("domaine", "family"),
                ("observation", "Vit avec sa mère et sa sœur ; école à 2 km."),
            ],
        )
        .await;
    assert_eq!(written.status, StatusCode::SEE_OTHER, "{}", written.body);

    // The band and its flags, checked together.
    let rsdae_under_50 = evaluator
        .post(
            &format!("{page_href}/constats"),
            &[
                ("csrf", csrf.as_str()),
                ("taux", "under_50"),
                ("rsdae", "oui"),
            ],
        )
        .await;
    assert_eq!(rsdae_under_50.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(rsdae_under_50.body.contains("RSDAE"));
    let found = evaluator
        .post(
            &format!("{page_href}/constats"),
            &[
                ("csrf", csrf.as_str()),
                ("taux", "from_80"),
                ("durable", "oui"),
            ],
        )
        .await;
    assert_eq!(found.status, StatusCode::SEE_OTHER, "{}", found.body);

    // A proposal per request; a refusal says why.
    let requests = requests_of(&gard, id).await;
    let first = format!("{page_href}/propositions/{}", requests[0].id);
    let unexplained = evaluator
        .post(
            &first,
            &[("csrf", csrf.as_str()), ("proposition", "refuse")],
        )
        .await;
    assert_eq!(unexplained.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unexplained.body.contains("Dites pourquoi"));
    let granted = evaluator
        .post(&first, &[("csrf", csrf.as_str()), ("proposition", "grant")])
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);

    // The physician writes a medical observation: sealed at rest, shown to physicians only.
    let mut physician = Visitor::signed_in(&app, "/gard", PHYSICIAN).await;
    let csrf_doc = physician.get(&page_href).await.csrf();
    let medical = physician
        .post(
            &format!("{page_href}/observations"),
            &[
                ("csrf", csrf_doc.as_str()),
                ("domaine", "medical"),
                ("observation", MEDICAL_NOTE),
            ],
        )
        .await;
    assert_eq!(medical.status, StatusCode::SEE_OTHER, "{}", medical.body);
    let txn = gard.db().begin().await.unwrap();
    let stored = guichet::entity::disability_observation::Entity::find()
        .filter(guichet::entity::disability_observation::Column::Medical.eq(true))
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    txn.commit().await.unwrap();
    assert!(!stored.body.contains("Polyarthrite"), "sealed at rest");
    let shown = physician.get(&page_href).await;
    assert!(
        shown.body.contains("Polyarthrite juvénile"),
        "{}",
        shown.body
    );
    for email in [EVALUATOR, RECEPTION, COMMITTEE] {
        let mut worker = Visitor::signed_in(&app, "/gard", email).await;
        let page = worker.get(&page_href).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("Polyarthrite"),
            "{email} reads medical content"
        );
        assert!(
            page.body.contains("réservée aux médecins"),
            "{email} sees that it exists"
        );
    }
    let page = evaluator.get(&page_href).await;
    assert!(page.body.contains("Vit avec sa mère"));
    assert!(page.body.contains("80 % et plus"));
    assert!(page.body.contains("Accord"));

    // The wider access opens the record, never the medical compartment.
    let fatou_id = file_row(&gard, id).await.citizen_id;
    let mut reception = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let wider = format!("/gard/agents/usagers/{fatou_id}/acces-elargi");
    let form = reception.get(&wider).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let granted = reception
        .post(
            &wider,
            &[
                ("csrf", &form.csrf()),
                ("reason", "Vérifier l'adresse du foyer avant l'accusé"),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);
    let record = reception
        .get(&format!("/gard/agents/usagers/{fatou_id}"))
        .await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.body);
    assert!(!record.body.contains("Polyarthrite") && !record.body.contains("polyarthrite"));
    let certificate = pieces_of(&gard, id)
        .await
        .into_iter()
        .find(|p| p.medical)
        .unwrap();
    let piece = reception
        .get(&format!("/gard/agents/handicap/pieces/{}", certificate.id))
        .await;
    assert_eq!(piece.status, StatusCode::FORBIDDEN);

    // Fatou reads that the physician read the medical observations.
    let journal = fatou.get("/gard/mon-espace/journal").await;
    assert!(
        journal.body.contains("Lecture des observations médicales"),
        "{}",
        journal.body
    );
    app.stop().await;
}

/// A form's fields besides its token.
type Fields<'a> = Vec<(&'a str, &'a str)>;

/// The decision form's fields for one request.
fn decision<'a>(csrf: &'a str, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    form
}

async fn the_committee_decides_within_the_bounds_and_the_person_is_notified(backend: Backend) {
    let (app, sink, gard) = setup(backend).await;
    let (mut fatou, file, id) = fatou_files(&app).await;
    let page_href = acknowledged(&app, &gard, id).await;
    let mut evaluator = Visitor::signed_in(&app, "/gard", EVALUATOR).await;
    let csrf = evaluator.get(&page_href).await.csrf();
    let found = evaluator
        .post(
            &format!("{page_href}/constats"),
            &[
                ("csrf", csrf.as_str()),
                ("taux", "from_80"),
                ("durable", "oui"),
            ],
        )
        .await;
    assert_eq!(found.status, StatusCode::SEE_OTHER);
    // The plan goes to the person once every right has the team's proposal.
    let early_plan = evaluator
        .post(&format!("{page_href}/plan"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(early_plan.status, StatusCode::CONFLICT);
    assert!(early_plan.body.contains("il manque"), "{}", early_plan.body);
    for r in requests_of(&gard, id).await {
        let proposed = evaluator
            .post(
                &format!("{page_href}/propositions/{}", r.id),
                &[("csrf", csrf.as_str()), ("proposition", "grant")],
            )
            .await;
        assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
    }
    let sent = evaluator
        .post(&format!("{page_href}/plan"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let plan_mail = sink.wait_for_subject("plan personnalisé").await;
    assert!(
        plan_mail.text.contains("/mon-espace/mdph/"),
        "{}",
        plan_mail.text
    );
    let locked = evaluator
        .post(
            &format!(
                "{page_href}/propositions/{}",
                requests_of(&gard, id).await[0].id
            ),
            &[
                ("csrf", csrf.as_str()),
                ("proposition", "refuse"),
                ("motif", "x"),
            ],
        )
        .await;
    assert_eq!(locked.status, StatusCode::CONFLICT, "{}", locked.body);

    // The secretariat opens a session; a missing date or formation is said.
    let mut secretariat = Visitor::signed_in(&app, "/gard", COMMITTEE).await;
    let sessions = secretariat.get("/gard/agents/handicap/commission").await;
    assert_eq!(sessions.status, StatusCode::OK, "{}", sessions.body);
    let csrf = sessions.csrf();
    let incomplete = secretariat
        .post(
            "/gard/agents/handicap/commission",
            &[("csrf", csrf.as_str()), ("formation", "plenary")],
        )
        .await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(incomplete.body.contains("date de la séance"));
    let today = iso(guichet::dates::today());
    let opened = secretariat
        .post(
            "/gard/agents/handicap/commission",
            &[
                ("csrf", csrf.as_str()),
                ("date", today.as_str()),
                ("formation", "plenary"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let session_href = opened.location.unwrap();
    let session_id = session_href.rsplit('/').next().unwrap().to_owned();
    let requests = requests_of(&gard, id).await;
    let by_right = |code: &str| {
        let r = requests.iter().find(|r| r.right_code == code).unwrap();
        format!("/gard/agents/handicap/demandes/{}/decision", r.id)
    };
    // Not on the agenda yet: nothing can be decided.
    let early = secretariat
        .post(
            &by_right("aeeh"),
            &decision(&csrf, &[("resultat", "granted")]),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    let put = secretariat
        .post(
            &format!("{page_href}/seance"),
            &[("csrf", csrf.as_str()), ("seance", session_id.as_str())],
        )
        .await;
    assert_eq!(put.status, StatusCode::SEE_OTHER, "{}", put.body);
    let agenda = secretariat.get(&session_href).await;
    assert!(agenda.body.contains("Moussa DIALLO"), "{}", agenda.body);
    assert!(agenda.body.contains("80 % et plus"));
    // The parent has 15 days to answer the plan: the committee waits for them.
    let waiting = secretariat
        .post(
            &by_right("aeeh"),
            &decision(&csrf, &[("resultat", "granted")]),
        )
        .await;
    assert_eq!(waiting.status, StatusCode::CONFLICT, "{}", waiting.body);
    assert!(
        waiting.body.contains("peut répondre au plan"),
        "{}",
        waiting.body
    );
    let plan = fatou.get(&format!("{file}/plan")).await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);
    assert!(plan.body.contains("Accord"), "{}", plan.body);
    let csrf_fatou = plan.csrf();
    let long = "x".repeat(4001);
    let too_long = fatou
        .post(
            &format!("{file}/plan"),
            &[("csrf", csrf_fatou.as_str()), ("remarques", long.as_str())],
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answered = fatou
        .post(
            &format!("{file}/plan"),
            &[
                ("csrf", csrf_fatou.as_str()),
                ("remarques", "Il faut aussi une aide pour la cantine."),
                ("entendu", "oui"),
            ],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let twice = fatou
        .post(&format!("{file}/plan"), &[("csrf", csrf_fatou.as_str())])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let agenda = secretariat.get(&session_href).await;
    assert!(
        agenda.body.contains("aide pour la cantine"),
        "{}",
        agenda.body
    );
    assert!(agenda.body.contains("demande à être entendue"));

    // Outside the bounds: each refused at its field, nothing recorded.
    let start = "2027-01-01";
    let cases: [(&str, Fields, &str); 4] = [
        (
            "aeeh",
            vec![
                ("resultat", "granted"),
                ("debut", start),
                ("sans_limite", "oui"),
                ("niveau", "7"),
            ],
            "catégorie 1 à 6",
        ),
        (
            "scolarisation",
            vec![
                ("resultat", "partial"),
                ("debut", start),
                ("fin", "2028-06-30"),
            ],
            "Motivez",
        ),
        (
            "cmi_priorite",
            vec![
                ("resultat", "granted"),
                ("debut", start),
                ("fin", "2026-06-30"),
            ],
            "avant la date de début",
        ),
        (
            "cmi_priorite",
            vec![
                ("resultat", "granted"),
                ("debut", start),
                ("sans_limite", "oui"),
            ],
            "sans limitation de durée avec ces constats",
        ),
    ];
    for (right, fields, said) in cases {
        let refused = secretariat
            .post(&by_right(right), &decision(&csrf, &fields))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{right}: {}",
            refused.body
        );
        assert!(
            refused.body.contains(said),
            "{right}: {said} in {}",
            refused.body
        );
    }
    assert!(
        requests_of(&gard, id)
            .await
            .iter()
            .all(|r| r.outcome.is_none())
    );
    // An evaluator does not decide.
    let csrf_eval = evaluator.get(&session_href).await.csrf();
    let not_theirs = evaluator
        .post(
            &by_right("aeeh"),
            &decision(&csrf_eval, &[("resultat", "granted")]),
        )
        .await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);

    // Within the bounds: the AEEH until the child's twentieth birthday, the others dated.
    for (right, fields) in [
        (
            "aeeh",
            vec![
                ("resultat", "granted"),
                ("debut", start),
                ("sans_limite", "oui"),
                ("niveau", "3"),
            ],
        ),
        (
            "scolarisation",
            vec![
                ("resultat", "partial"),
                ("debut", start),
                ("fin", "2028-06-30"),
                ("motif", "Accompagnement mutualisé plutôt qu'individuel."),
            ],
        ),
    ] {
        let decided = secretariat
            .post(&by_right(right), &decision(&csrf, &fields))
            .await;
        assert_eq!(
            decided.status,
            StatusCode::SEE_OTHER,
            "{right}: {}",
            decided.body
        );
    }
    assert_eq!(
        file_row(&gard, id).await.status,
        Status::Complete.id(),
        "one request left"
    );
    let last = secretariat
        .post(
            &by_right("cmi_priorite"),
            &decision(
                &csrf,
                &[
                    ("resultat", "granted"),
                    ("debut", start),
                    ("fin", "2031-12-31"),
                ],
            ),
        )
        .await;
    assert_eq!(last.status, StatusCode::SEE_OTHER, "{}", last.body);
    assert!(last.location.unwrap().contains("ok=notifie"));
    assert_eq!(file_row(&gard, id).await.status, Status::Decided.id());
    let aeeh = requests_of(&gard, id)
        .await
        .into_iter()
        .find(|r| r.right_code == "aeeh")
        .unwrap();
    assert_eq!(
        aeeh.ends_on,
        NaiveDate::from_ymd_opt(2035, 5, 9),
        "the eve of his twentieth birthday"
    );
    assert!(aeeh.without_limit);
    assert_eq!(aeeh.level.as_deref(), Some("Complément de catégorie 3"));
    let again = secretariat
        .post(
            &by_right("aeeh"),
            &decision(&csrf, &[("resultat", "refused"), ("motif", "x")]),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // Notified by mail, one letter per right, with the appeal route.
    let notified = sink.wait_for_subject("La commission a décidé").await;
    assert_eq!(notified.attachments.len(), 3);
    assert!(notified.text.contains("RAPO"));
    // Fatou reads it in her space; opening it records the day she received it, once.
    let mine = fatou.get(&file).await;
    assert!(
        mine.body.contains("Lire la notification (PDF)"),
        "{}",
        mine.body
    );
    assert!(mine.body.contains("Accordé en partie"));
    let letter = fatou
        .get(&format!("{file}/notifications/{}", aeeh.id))
        .await;
    assert_eq!(letter.status, StatusCode::OK);
    assert!(letter.body.starts_with("%PDF"));
    let read = requests_of(&gard, id)
        .await
        .into_iter()
        .find(|r| r.id == aeeh.id)
        .unwrap();
    assert_eq!(read.received_on, Some(guichet::dates::today()));
    assert_eq!(read.received_how.as_deref(), Some("space"));
    app.stop().await;
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
