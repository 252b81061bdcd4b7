//! National data under consent, end to end against the API Particulier simulator over real
//! HTTP: consent given in the form, the pull carried out by a job, the form pre-filled and the
//! certificate waived, provenance shown to staff and to the citizen; withdrawn and expired
//! consents fetching nothing; no file found and an outage leading back to the certificate.

use std::time::Duration;

use guichet::aid_requests::catalogue::{self};
use guichet::aid_requests::form::FieldKind;
use guichet::api_particulier::client::Client;
use guichet::api_particulier::simulator::{self, Faults, SimulatorConfig};
use guichet::national::consent::{self, GivenBy};
use guichet::national::pull::{self, PullState, RequestedBy, Run};
use guichet::national::{FactKey, Source};
use guichet::server::ServerOptions;
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tenants::{Module, Tenant};

use crate::fixtures::AidBuilder;
use crate::harness::{
    Backend, TestApp, Visitor, api_particulier_client, app_with_mail, both_engines,
};

both_engines!(
    consent_fetches_the_family_quotient_and_prefills_the_form,
    withdrawing_consent_refuses_queued_pulls,
    an_expired_consent_fetches_nothing,
    no_caf_file_ends_not_found_and_the_certificate_is_asked_again,
    an_outage_ends_in_failure_with_its_reason_and_staff_can_ask_again,
    staff_record_a_consent_given_in_person_and_the_citizen_is_told,
    france_travail_is_asked_by_the_identifier_the_citizen_gives,
);

/// `'` as the pages escape it.
fn html(text: &str) -> String {
    text.replace('\'', "&#x27;")
}

fn assert_shows(body: &str, text: &str) {
    assert!(
        body.contains(text) || body.contains(&html(text)),
        "page does not show « {text} »:\n{body}"
    );
}

/// An aid whose one step asks what the CAF knows: the family quotient, the children, and the
/// certificate that proves them.
async fn quotient_aid(tenant: &Tenant) -> catalogue::Aid {
    AidBuilder::new("Aide aux vacances")
        .description("Une aide pour partir en vacances en famille.")
        .eligibility("Les familles du département.")
        .known_by(
            "f1",
            "Quotient familial",
            FieldKind::Amount,
            FactKey::FamilyQuotient,
        )
        .known_by(
            "f2",
            "Enfants à charge",
            FieldKind::Number,
            FactKey::Children,
        )
        .known_by(
            "f3",
            "Attestation de quotient familial",
            FieldKind::Document,
            FactKey::FamilyQuotient,
        )
        .create(tenant)
        .await
}

/// Signs `sub` in, starts a draft of the aid; returns the draft's path and id.
async fn start_draft(citizen: &mut Visitor, sub: &str, aid: &catalogue::Aid) -> (String, i64) {
    citizen.franceconnect_sign_in("/gard", sub).await;
    let started = crate::fixtures::start_request(citizen, &aid.slug).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let location = started.location.unwrap();
    let request = location
        .strip_suffix("/donnees")
        .unwrap_or_else(|| panic!("the consent step comes first, not {location}"))
        .to_owned();
    let id = request.rsplit('/').next().unwrap().parse().unwrap();
    (request, id)
}

/// Answers the consent step: agrees to the family quotient or not.
async fn answer_consent(citizen: &mut Visitor, request: &str, agree: bool) {
    let page = citizen.get(&format!("{request}/donnees")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_shows(
        &page.body,
        "J'accepte que le département obtienne votre quotient familial",
    );
    let csrf = page.csrf();
    let mut form = vec![("csrf", csrf.as_str())];
    if agree {
        form.push(("accord-family_quotient", "on"));
    }
    let saved = citizen.post(&format!("{request}/donnees"), &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        saved.location.as_deref(),
        Some(format!("{request}/etape/1").as_str())
    );
}

/// Waits until every pull of the request has ended; returns them, newest first.
async fn ended_pulls(tenant: &Tenant, request_id: i64) -> Vec<(pull::Pull, Option<pull::Fact>)> {
    for _ in 0..200 {
        let pulls = pull::for_request(tenant, request_id).await.unwrap();
        if !pulls.is_empty() && pulls.iter().all(|(p, _)| p.state != PullState::Pending) {
            return pulls;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "pulls still pending: {:?}",
        pull::for_request(tenant, request_id).await.unwrap()
    );
}

async fn consent_fetches_the_family_quotient_and_prefills_the_form(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let aid = quotient_aid(&tenant).await;
    let mut fatou = Visitor::new(&app);
    let (request, request_id) = start_draft(&mut fatou, "sim-fatou-diallo", &aid).await;
    answer_consent(&mut fatou, &request, true).await;

    let pulls = ended_pulls(&tenant, request_id).await;
    assert_eq!(pulls.len(), 1);
    let (done, fact) = &pulls[0];
    assert_eq!(done.state, PullState::Received, "{}", done.outcome);
    assert_eq!(done.requested_by, RequestedBy::Citizen);
    let fact = fact.as_ref().expect("a fact kept");
    assert_eq!(fact.data["quotient_familial"], 612);
    assert_eq!(fact.endpoint, "/v3/dss/quotient_familial/identite");

    // The step shows the received figures, says where they come from, and no longer needs the
    // certificate.
    let step = fatou.get(&format!("{request}/etape/1")).await;
    assert!(step.body.contains("value=\"612\""), "{}", step.body);
    assert!(step.body.contains("value=\"2\""), "{}", step.body);
    assert_shows(
        &step.body,
        "Pré-rempli avec l'information transmise par la CAF ou la MSA",
    );
    assert_shows(&step.body, "Inutile d'envoyer ce document");
    let csrf = step.csrf();
    let next = fatou
        .post(
            &format!("{request}/etape/1"),
            &[
                ("csrf", &csrf),
                ("f1", "612"),
                ("f2", "2"),
                ("action", "next"),
            ],
        )
        .await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let review = fatou.get(&format!("{request}/recapitulatif")).await;
    assert_shows(&review.body, "transmis par la CAF ou la MSA");
    let csrf = review.csrf();
    let filed = fatou
        .post(&format!("{request}/deposer"), &[("csrf", &csrf)])
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    // Data received minutes ago is fresh: filing asks nothing again.
    assert_eq!(ended_pulls(&tenant, request_id).await.len(), 1);

    // Staff see the fact with its provenance.
    app.staff(&tenant, "inst@gard.fr", "Inès", &[Role::AidInstructor])
        .await;
    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let page = inst
        .get(&format!("/gard/agents/demandes/{request_id}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_shows(
        &page.body,
        "Informations transmises par les administrations",
    );
    assert_shows(&page.body, "612 € (CNAF, 10/2026)");
    assert_shows(&page.body, "/v3/dss/quotient_familial/identite");

    // The citizen sees their consent, the fact and the call made in their name.
    let mine = fatou.get("/gard/mon-espace/donnees").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_shows(&mine.body, "Quotient familial (CAF ou MSA)");
    assert_shows(&mine.body, "en cours jusqu'au");
    assert_shows(&mine.body, "612 € (CNAF, 10/2026)");
    assert_shows(&mine.body, "à votre demande, dans le formulaire");
    let calls = pull::calls_for_citizen(&tenant, done.citizen_id)
        .await
        .unwrap();
    assert_eq!(calls.len(), 1, "one call, traced once");
    assert_eq!(calls[0].http_status, 200);
    app.stop().await;
}

async fn withdrawing_consent_refuses_queued_pulls(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let aid = quotient_aid(&tenant).await;
    let mut fatou = Visitor::new(&app);
    let (request, request_id) = start_draft(&mut fatou, "sim-fatou-diallo", &aid).await;
    answer_consent(&mut fatou, &request, true).await;
    ended_pulls(&tenant, request_id).await;
    let citizen_id = pull::for_request(&tenant, request_id).await.unwrap()[0]
        .0
        .citizen_id;

    // A pull queued (its job not run yet) under the live consent.
    let now = chrono::Utc::now();
    let txn = tenant.db().begin_write().await.unwrap();
    let live = consent::live(
        &txn,
        citizen_id,
        Source::FamilyQuotient,
        consent::Purpose::Aid(aid.id),
        now,
    )
    .await
    .unwrap()
    .expect("a live consent");
    let queued = pull::create(
        &txn,
        "test:queued",
        &live,
        Some(request_id),
        RequestedBy::Submission,
        now,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();

    // Another citizen cannot withdraw it.
    let mut karim = Visitor::new(&app);
    karim
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let csrf = karim.get("/gard/mon-espace/donnees").await.csrf();
    let foreign = karim
        .post(
            &format!("/gard/mon-espace/donnees/accords/{}/retirer", live.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    // Nor reach her request's consent step, to read it or to consent in her name.
    let foreign_step = karim.get(&format!("{request}/donnees")).await;
    assert_eq!(foreign_step.status, StatusCode::NOT_FOUND);
    let foreign_consent = karim
        .post(
            &format!("{request}/donnees"),
            &[("csrf", &csrf), ("accord-family_quotient", "on")],
        )
        .await;
    assert_eq!(foreign_consent.status, StatusCode::NOT_FOUND);
    let txn = tenant.db().begin().await.unwrap();
    assert!(
        consent::live(
            &txn,
            citizen_id,
            Source::FamilyQuotient,
            consent::Purpose::Aid(aid.id),
            now
        )
        .await
        .unwrap()
        .is_some(),
        "still live"
    );
    txn.commit().await.unwrap();

    // The citizen withdraws it from their space.
    let mine = fatou.get("/gard/mon-espace/donnees").await;
    let csrf = mine.csrf();
    let withdrawn = fatou
        .post(
            &format!("/gard/mon-espace/donnees/accords/{}/retirer", live.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.body
    );
    let after = fatou.get(withdrawn.location.as_deref().unwrap()).await;
    assert_shows(&after.body, "Votre accord est retiré");
    assert_shows(&after.body, "retiré le");

    let queued = pull::find(&tenant, queued.id).await.unwrap().unwrap();
    assert_eq!(queued.state, PullState::Refused);
    // Its job, run late, does nothing; a pull made under the withdrawn consent is refused
    // where the pull is made, without calling.
    let client = Client::new(api_particulier_client(&app.api_particulier.base_url)).unwrap();
    assert_eq!(
        pull::run(&tenant, Some(&client), queued.id, &queued.key)
            .await
            .unwrap(),
        Run::Skipped
    );
    let txn = tenant.db().begin_write().await.unwrap();
    let withdrawn_consent = consent::find(&txn, live.id).await.unwrap().unwrap();
    let stale = pull::create(
        &txn,
        "test:stale",
        &withdrawn_consent,
        Some(request_id),
        RequestedBy::Submission,
        now,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        pull::run(&tenant, Some(&client), stale.id, &stale.key)
            .await
            .unwrap(),
        Run::Ended(PullState::Refused)
    );
    let calls = pull::calls_for_citizen(&tenant, citizen_id).await.unwrap();
    assert_eq!(calls.len(), 1, "only the call made under the live consent");

    // The form asks for the certificate again.
    let step = fatou.get(&format!("{request}/etape/1")).await;
    assert!(!html(&step.body).contains(&html("Inutile d'envoyer ce document")));
    let csrf = step.csrf();
    let without = fatou
        .post(
            &format!("{request}/etape/1"),
            &[
                ("csrf", &csrf),
                ("f1", "612"),
                ("f2", "2"),
                ("action", "next"),
            ],
        )
        .await;
    assert_eq!(without.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

async fn an_expired_consent_fetches_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let aid = quotient_aid(&tenant).await;
    let mut fatou = Visitor::new(&app);
    let (_, request_id) = start_draft(&mut fatou, "sim-fatou-diallo", &aid).await;
    let txn = tenant.db().begin().await.unwrap();
    let citizen_id = guichet::entity::aid_request::Entity::find_by_id(request_id)
        .one(&txn)
        .await
        .unwrap()
        .unwrap()
        .citizen_id;
    txn.commit().await.unwrap();

    // Given thirteen months ago: it lapsed a month ago.
    let given = chrono::Utc::now() - chrono::Duration::days(396);
    let txn = tenant.db().begin_write().await.unwrap();
    let old = crate::fixtures::quotient_consent(&txn, citizen_id, aid.id, given).await;
    let pull = pull::create(
        &txn,
        "test:expired",
        &old,
        Some(request_id),
        RequestedBy::Submission,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let client = Client::new(api_particulier_client(&app.api_particulier.base_url)).unwrap();
    assert_eq!(
        pull::run(&tenant, Some(&client), pull.id, &pull.key)
            .await
            .unwrap(),
        Run::Ended(PullState::Refused)
    );
    let ended = pull::find(&tenant, pull.id).await.unwrap().unwrap();
    assert!(
        ended.outcome.contains("aucun accord en cours"),
        "{}",
        ended.outcome
    );
    assert!(
        pull::calls_for_citizen(&tenant, citizen_id)
            .await
            .unwrap()
            .is_empty(),
        "nothing was called"
    );
    let mine = fatou.get("/gard/mon-espace/donnees").await;
    assert_shows(&mine.body, "expiré le");
    app.stop().await;
}

async fn no_caf_file_ends_not_found_and_the_certificate_is_asked_again(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let aid = quotient_aid(&tenant).await;
    let mut karim = Visitor::new(&app);
    let (request, request_id) = start_draft(&mut karim, "sim-karim-benali", &aid).await;
    answer_consent(&mut karim, &request, true).await;
    let pulls = ended_pulls(&tenant, request_id).await;
    assert_eq!(
        pulls[0].0.state,
        PullState::NotFound,
        "{}",
        pulls[0].0.outcome
    );
    assert!(pulls[0].1.is_none(), "no fact");

    let step = karim.get(&format!("{request}/etape/1")).await;
    assert_shows(&step.body, "n'a pas pu nous transmettre cette information");
    assert!(!step.body.contains("value=\"612\""));
    let csrf = step.csrf();
    let without = karim
        .post(
            &format!("{request}/etape/1"),
            &[
                ("csrf", &csrf),
                ("f1", "700"),
                ("f2", "1"),
                ("action", "next"),
            ],
        )
        .await;
    assert_eq!(
        without.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the certificate is needed again"
    );
    app.stop().await;
}

async fn an_outage_ends_in_failure_with_its_reason_and_staff_can_ask_again(backend: Backend) {
    let down = simulator::spawn(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        SimulatorConfig {
            faults: Faults {
                outage: true,
                ..Faults::default()
            },
            ..SimulatorConfig::default()
        },
    )
    .unwrap();
    let options = ServerOptions {
        api_particulier: Some(api_particulier_client(&down.base_url)),
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let aid = quotient_aid(&tenant).await;
    let mut fatou = Visitor::new(&app);
    let (request, request_id) = start_draft(&mut fatou, "sim-fatou-diallo", &aid).await;
    answer_consent(&mut fatou, &request, true).await;

    // Each try is due at once here instead of after its back-off, so the test runs the
    // pull to its end quickly; the job worker may take some of the tries.
    let client = Client::new(api_particulier_client(&down.base_url)).unwrap();
    let pull_id = pull::for_request(&tenant, request_id).await.unwrap()[0]
        .0
        .id;
    for _ in 0..40 {
        let current = pull::find(&tenant, pull_id).await.unwrap().unwrap();
        if current.state != PullState::Pending {
            break;
        }
        let txn = tenant.db().begin_write().await.unwrap();
        guichet::entity::data_pull::Entity::update_many()
            .col_expr(
                guichet::entity::data_pull::Column::NextAttemptAt,
                sea_orm::sea_query::Expr::value(0i64),
            )
            .filter(guichet::entity::data_pull::Column::Id.eq(pull_id))
            .filter(guichet::entity::data_pull::Column::ClaimedUntil.eq(0i64))
            .exec(&txn)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        pull::run(&tenant, Some(&client), pull_id, &current.key)
            .await
            .unwrap();
    }
    let failed = pull::find(&tenant, pull_id).await.unwrap().unwrap();
    assert_eq!(failed.state, PullState::Failed, "{}", failed.outcome);
    assert_eq!(failed.attempts, pull::MAX_ATTEMPTS);
    assert!(
        failed.outcome.contains("Échec après 6 essais") && failed.outcome.contains("503"),
        "{}",
        failed.outcome
    );
    let calls = pull::calls_for_citizen(&tenant, failed.citizen_id)
        .await
        .unwrap();
    assert_eq!(calls.len(), 6, "every try traced");

    // The form falls back to the certificate, saying why; the consent step warns that the
    // service is down.
    let step = fatou.get(&format!("{request}/etape/1")).await;
    assert_shows(&step.body, "n'a pas pu nous transmettre cette information");
    let consent_step = fatou.get(&format!("{request}/donnees")).await;
    assert_shows(&consent_step.body, "ne répond pas en ce moment");

    // Staff see the failure and ask again: the new call is traced under their name.
    app.staff(&tenant, "inst@gard.fr", "Inès", &[Role::AidInstructor])
        .await;
    // Filed with the certificate, as the form now asks.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let csrf = step.csrf();
    let sent = fatou
        .post_multipart(
            &format!("{request}/etape/1"),
            &[
                ("csrf", &csrf),
                ("f1", "612"),
                ("f2", "2"),
                ("action", "next"),
            ],
            &[("f3", "attestation.pdf", "application/pdf", pdf)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let review = fatou.get(&format!("{request}/recapitulatif")).await;
    let csrf = review.csrf();
    let filed = fatou
        .post(&format!("{request}/deposer"), &[("csrf", &csrf)])
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let page = inst
        .get(&format!("/gard/agents/demandes/{request_id}"))
        .await;
    assert_shows(&page.body, "échec");
    assert_shows(&page.body, "Échec après 6 essais");
    let csrf = page.csrf();
    let asked = inst
        .post(
            &format!("/gard/agents/demandes/{request_id}/donnees/actualiser"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_shows(&asked.body, "Les informations sont demandées de nouveau");
    let mut staff_calls = 0;
    for _ in 0..100 {
        staff_calls = pull::calls_for_citizen(&tenant, failed.citizen_id)
            .await
            .unwrap()
            .iter()
            .filter(|c| matches!(c.requested_by, RequestedBy::Staff(_)))
            .count();
        if staff_calls > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(staff_calls > 0, "the staff member's call is traced");
    let mine = fatou.get("/gard/mon-espace/donnees").await;
    assert_shows(&mine.body, "par un agent instructeur");
    app.stop().await;
}

async fn staff_record_a_consent_given_in_person_and_the_citizen_is_told(backend: Backend) {
    let (app, sink, tenant) = app_with_mail(backend).await;
    let aid = quotient_aid(&tenant).await;
    let mut fatou = Visitor::new(&app);
    let (request, request_id) = start_draft(&mut fatou, "sim-fatou-diallo", &aid).await;
    // No consent online: she sends the certificate and files.
    answer_consent(&mut fatou, &request, false).await;
    let step = fatou.get(&format!("{request}/etape/1")).await;
    let csrf = step.csrf();
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let sent = fatou
        .post_multipart(
            &format!("{request}/etape/1"),
            &[
                ("csrf", &csrf),
                ("f1", "600"),
                ("f2", "2"),
                ("action", "next"),
            ],
            &[("f3", "attestation.pdf", "application/pdf", pdf)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let review = fatou.get(&format!("{request}/recapitulatif")).await;
    let csrf = review.csrf();
    let filed = fatou
        .post(&format!("{request}/deposer"), &[("csrf", &csrf)])
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    assert!(
        pull::for_request(&tenant, request_id)
            .await
            .unwrap()
            .is_empty(),
        "nothing asked without consent"
    );
    sink.wait_for(1).await; // the receipt

    app.staff(&tenant, "inst@gard.fr", "Inès", &[Role::AidInstructor])
        .await;
    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let page = inst
        .get(&format!("/gard/agents/demandes/{request_id}"))
        .await;
    assert_shows(&page.body, "Enregistrer l'accord de l'usager");
    let csrf = page.csrf();
    let action = format!("/gard/agents/demandes/{request_id}/donnees/accord");
    // Without confirming the citizen agreed, nothing is recorded.
    let unconfirmed = inst
        .post(
            &action,
            &[("csrf", &csrf), ("accord-family_quotient", "on")],
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_shows(
        &unconfirmed.body,
        "Cochez la case qui confirme que l'usager vous a donné cet accord",
    );
    assert!(
        pull::for_request(&tenant, request_id)
            .await
            .unwrap()
            .is_empty()
    );

    let recorded = inst
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("accord-family_quotient", "on"),
                ("attestation", "on"),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
    assert_shows(&recorded.body, "L'accord est enregistré");
    let pulls = ended_pulls(&tenant, request_id).await;
    assert_eq!(pulls[0].0.state, PullState::Received);
    assert!(matches!(pulls[0].0.requested_by, RequestedBy::Staff(_)));
    let consents = consent::list_for_citizen(&tenant, pulls[0].0.citizen_id)
        .await
        .unwrap();
    assert!(matches!(consents[0].given_by, GivenBy::Staff(_)));

    let told = sink.wait_for(2).await.remove(1);
    assert_eq!(told.to, "fatou.diallo@courriel.test");
    assert!(told.text.contains("Mes données"), "{}", told.text);
    let mine = fatou.get("/gard/mon-espace/donnees").await;
    assert_shows(&mine.body, "recueilli par un agent");
    assert_shows(&mine.body, "par un agent instructeur");
    // The citizen's request page shows what came, with its source.
    let own = fatou.get(&request).await;
    assert_shows(&own.body, "612 € (CNAF, 10/2026)");
    app.stop().await;
}

async fn france_travail_is_asked_by_the_identifier_the_citizen_gives(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let aid = AidBuilder::new("Aide à la reprise d'emploi")
        .description("Une aide pour les frais de reprise d'un emploi.")
        .eligibility("Les demandeurs d'emploi.")
        .known_by(
            "f1",
            "Êtes-vous inscrit à France Travail ?",
            FieldKind::YesNo,
            FactKey::JobSeeker,
        )
        .known_by(
            "f2",
            "Attestation d'inscription",
            FieldKind::Document,
            FactKey::JobSeeker,
        )
        .create(&tenant)
        .await;
    let aid = catalogue::find(&tenant, aid.id).await.unwrap().unwrap();
    let mut fatou = Visitor::new(&app);
    let (request, request_id) = start_draft(&mut fatou, "sim-fatou-diallo", &aid).await;
    let page = fatou.get(&format!("{request}/donnees")).await;
    assert_shows(&page.body, "Votre identifiant France Travail");
    let csrf = page.csrf();
    // Ticked without a well-formed identifier: said so, nothing recorded.
    let bad = fatou
        .post(
            &format!("{request}/donnees"),
            &[
                ("csrf", &csrf),
                ("accord-france_travail", "on"),
                ("identifiant-france_travail", "12AB"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_shows(
        &bad.body,
        "« 12AB » n'est pas un identifiant France Travail",
    );
    assert!(
        bad.body.contains("value=\"12AB\""),
        "what was typed is kept"
    );
    assert!(
        pull::for_request(&tenant, request_id)
            .await
            .unwrap()
            .is_empty()
    );

    let good = fatou
        .post(
            &format!("{request}/donnees"),
            &[
                ("csrf", &csrf),
                ("accord-france_travail", "on"),
                ("identifiant-france_travail", "1234 567a"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let pulls = ended_pulls(&tenant, request_id).await;
    assert_eq!(
        pulls[0].0.state,
        PullState::Received,
        "{}",
        pulls[0].0.outcome
    );
    let fact = pulls[0].1.as_ref().unwrap();
    assert_eq!(fact.endpoint, "/v3/france_travail/statut/identifiant");
    assert_eq!(fact.data["inscrit"], true);
    let step = fatou.get(&format!("{request}/etape/1")).await;
    assert_shows(
        &step.body,
        "Pré-rempli avec l'information transmise par France Travail",
    );
    assert_shows(&step.body, "Inutile d'envoyer ce document");

    // An identifier France Travail does not know: no file, the certificate is asked.
    let mut karim = Visitor::new(&app);
    let (other, other_id) = start_draft(&mut karim, "sim-karim-benali", &aid).await;
    let csrf = karim.get(&format!("{other}/donnees")).await.csrf();
    let unknown = karim
        .post(
            &format!("{other}/donnees"),
            &[
                ("csrf", &csrf),
                ("accord-france_travail", "on"),
                ("identifiant-france_travail", "0000000Z"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::SEE_OTHER);
    let pulls = ended_pulls(&tenant, other_id).await;
    assert_eq!(
        pulls[0].0.state,
        PullState::NotFound,
        "{}",
        pulls[0].0.outcome
    );
    app.stop().await;
}
