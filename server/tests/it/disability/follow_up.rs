//! After the decision: the person contests one right within 2 months of receiving it (the
//! day they opened it, or the postal receipt staff record), the committee re-examines —
//! revising within the legal bounds — and 2 months of silence read as a rejection; a right
//! ending within 6 months brings one invitation to renew (mail, notice, journal), and the
//! team lists the rights ending without a renewal until one is filed.

use chrono::{Duration, Months, Utc};
use guichet::disability::register;
use guichet::entity::{citizen, disability_appeal, disability_request};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use tenants::Tenant;

use super::{COMMITTEE, RECEPTION, iso, requests_of, setup};
use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    a_decision_is_contested_and_the_committee_revises_it,
    a_right_ending_within_six_months_brings_one_invitation_to_renew,
);

/// Fatou signed in, with a file at the committee's session (plan answered), and her id.
async fn fatou_at_the_committee(app: &TestApp, gard: &Tenant) -> (Visitor, i64, String) {
    let mut fatou = Visitor::new(app);
    fatou
        .franceconnect_sign_in("/gard", "sim-fatou-diallo")
        .await;
    let txn = gard.db().begin().await.unwrap();
    let citizen_id = citizen::Entity::find().one(&txn).await.unwrap().unwrap().id;
    txn.commit().await.unwrap();
    let fx = crate::fixtures::disability_file(app, gard, citizen_id).await;
    (fatou, fx.file, format!("/gard/mon-espace/mdph/{}", fx.file))
}

async fn decided_until(app: &TestApp, gard: &Tenant, file: i64, ends_on: chrono::NaiveDate) {
    crate::fixtures::disability_decided(app, gard, file, ends_on).await;
}

async fn set_received(gard: &Tenant, request: &disability_request::Model, on: chrono::NaiveDate) {
    let txn = gard.db().begin_write().await.unwrap();
    let mut row = request.clone().into_active_model();
    row.received_on = Set(Some(on));
    row.update(&txn).await.unwrap();
    txn.commit().await.unwrap();
}

async fn a_decision_is_contested_and_the_committee_revises_it(backend: Backend) {
    let (app, sink, gard) = setup(backend).await;
    let (mut fatou, id, file) = fatou_at_the_committee(&app, &gard).await;
    decided_until(&app, &gard, id, guichet::dates::today() + Months::new(24)).await;
    let requests = requests_of(&gard, id).await;
    let (first, second) = (&requests[0], &requests[1]);

    // Reception records the postal receipt of the second one: not before it was sent.
    let mut reception = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let staff_page = format!("/gard/agents/handicap/dossiers/{id}");
    let page = reception.get(&staff_page).await;
    assert!(
        page.body.contains("Enregistrer la réception"),
        "{}",
        &page.body[page.body.find("<main").unwrap_or(0)..]
    );
    let csrf = page.csrf();
    let second_id = second.id.to_string();
    let early = iso(guichet::dates::today() - Duration::days(30));
    let too_early = reception
        .post(
            &format!("{staff_page}/reception"),
            &[
                ("csrf", csrf.as_str()),
                ("demande", second_id.as_str()),
                ("recu_le", early.as_str()),
            ],
        )
        .await;
    assert_eq!(too_early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        too_early.body.contains("se situe entre"),
        "{}",
        too_early.body
    );
    let today = iso(guichet::dates::today());
    let recorded = reception
        .post(
            &format!("{staff_page}/reception"),
            &[
                ("csrf", csrf.as_str()),
                ("demande", second_id.as_str()),
                ("recu_le", today.as_str()),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let second_now = requests_of(&gard, id).await[1].clone();
    assert_eq!(second_now.received_how.as_deref(), Some("staff"));

    // Received more than 2 months ago: too late to contest, and the page says until when.
    set_received(&gard, &second_now, guichet::dates::today() - Months::new(3)).await;
    let late = fatou.get(&format!("{file}/recours/{}", second.id)).await;
    assert_eq!(late.status, StatusCode::OK);
    assert!(late.body.contains("a pris fin le"), "{}", late.body);
    let csrf_fatou = late.csrf();
    let refused = fatou
        .post(
            &format!("{file}/recours/{}", second.id),
            &[("csrf", csrf_fatou.as_str()), ("motifs", "Trop tard ?")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);

    // The first, just received in her space: she contests it with her reasons.
    let mine = fatou.get(&file).await;
    assert!(
        mine.body.contains("Contester cette décision"),
        "{}",
        mine.body
    );
    let contest = format!("{file}/recours/{}", first.id);
    let empty = fatou
        .post(&contest, &[("csrf", csrf_fatou.as_str()), ("motifs", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Expliquez pourquoi"), "{}", empty.body);
    let reasons = "Mon état s'est aggravé : je ne peux plus travailler du tout.";
    let sent = fatou
        .post(
            &contest,
            &[("csrf", csrf_fatou.as_str()), ("motifs", reasons)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let acknowledged = sink.wait_for_subject("recours est enregistré").await;
    assert!(acknowledged.text.contains("au plus tard le"));
    let twice = fatou
        .post(
            &contest,
            &[("csrf", csrf_fatou.as_str()), ("motifs", reasons)],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let mine = fatou.get(&file).await;
    assert!(mine.body.contains("Recours en cours"), "{}", mine.body);

    // The secretariat re-examines: a revision outside the bounds is refused at its field.
    let mut secretariat = Visitor::signed_in(&app, "/gard", COMMITTEE).await;
    let follow_up = secretariat.get("/gard/agents/handicap/suivi").await;
    assert_eq!(follow_up.status, StatusCode::OK, "{}", follow_up.body);
    assert!(follow_up.body.contains("aggravé"), "{}", follow_up.body);
    let csrf = follow_up.csrf();
    let appeal = {
        let txn = gard.db().begin().await.unwrap();
        let row = disability_appeal::Entity::find()
            .one(&txn)
            .await
            .unwrap()
            .unwrap();
        txn.commit().await.unwrap();
        row
    };
    let answer = format!("/gard/agents/handicap/recours/{}", appeal.id);
    let start = iso(guichet::dates::today());
    let backwards = iso(guichet::dates::today() - Duration::days(1));
    let outside = secretariat
        .post(
            &answer,
            &[
                ("csrf", csrf.as_str()),
                ("reponse", "revised"),
                ("motif_reexamen", "Aggravation constatée."),
                ("resultat", "granted"),
                ("debut", start.as_str()),
                ("fin", backwards.as_str()),
            ],
        )
        .await;
    assert_eq!(
        outside.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        outside.body
    );
    assert!(
        outside.body.contains("avant la date de début"),
        "{}",
        outside.body
    );
    let unchanged = requests_of(&gard, id).await;
    assert_eq!(unchanged[0].ends_on, first.ends_on);
    let revised = secretariat
        .post(
            &answer,
            &[
                ("csrf", csrf.as_str()),
                ("reponse", "revised"),
                ("motif_reexamen", "Aggravation constatée."),
                ("resultat", "granted"),
                ("debut", start.as_str()),
                ("sans_limite", "oui"),
            ],
        )
        .await;
    assert_eq!(revised.status, StatusCode::SEE_OTHER, "{}", revised.body);
    let now = requests_of(&gard, id).await;
    assert!(now[0].without_limit, "revised without a time limit");
    assert_eq!(
        now[0].received_on, None,
        "a new notification, to be received"
    );
    let letter = sink.wait_for_subject("a répondu à votre recours").await;
    assert_eq!(letter.attachments.len(), 1);

    // Fatou reads the answer; her journal names the committee's re-examination.
    let mine = fatou.get(&file).await;
    assert!(mine.body.contains("Décision modifiée"), "{}", mine.body);
    let pdf = fatou.get(&format!("{contest}/reponse")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF"));
    let journal = fatou.get("/gard/mon-espace/journal").await;
    assert!(journal.body.contains("recours (RAPO)"), "{}", journal.body);

    // Two months of silence: the appeal reads as rejected, and the court may be seized.
    let txn = gard.db().begin_write().await.unwrap();
    let mut row = appeal.into_active_model();
    row.outcome = Set(None);
    row.answer_reason = Set(None);
    row.answer_by = Set(guichet::dates::today() - Duration::days(1));
    row.update(&txn).await.unwrap();
    txn.commit().await.unwrap();
    let mine = fatou.get(&file).await;
    assert!(
        mine.body.contains("le recours est rejeté depuis"),
        "{}",
        mine.body
    );
    app.stop().await;
}

async fn a_right_ending_within_six_months_brings_one_invitation_to_renew(backend: Backend) {
    let (app, sink, gard) = setup(backend).await;
    let (mut fatou, id, _) = fatou_at_the_committee(&app, &gard).await;
    decided_until(&app, &gard, id, guichet::dates::today() + Months::new(4)).await;

    // Her space shows her rights in force, those ending soon flagged.
    let space = fatou.get("/gard/mon-espace/mdph").await;
    assert!(space.body.contains("Mes droits en cours"), "{}", space.body);
    assert!(space.body.contains("Pensez à demander le renouvellement"));

    // The daily job invites her once per right, with a mail and a journal entry.
    let sent = register::send_invitations(&gard, Utc::now()).await.unwrap();
    assert_eq!(sent, 2);
    assert_eq!(
        register::send_invitations(&gard, Utc::now()).await.unwrap(),
        0
    );
    guichet::mail::wake(&app.platform, &gard).await;
    let invitation = sink.wait_for_subject("demandez son renouvellement").await;
    assert!(invitation.text.contains("Demander un renouvellement"));
    let txn = gard.db().begin().await.unwrap();
    let entries = guichet::entity::audit_entry::Entity::find()
        .filter(guichet::entity::audit_entry::Column::ActorRole.eq("automatic"))
        .count(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(entries, 2);
    let journal = fatou.get("/gard/mon-espace/journal").await;
    assert!(
        journal.body.contains("envoi automatique"),
        "{}",
        journal.body
    );

    // The team sees them ending without a renewal, until she files one.
    let mut reception = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let list = reception.get("/gard/agents/handicap/suivi").await;
    assert!(list.body.contains("Fins de droits"), "{}", list.body);
    assert_eq!(
        list.body
            .matches(&format!("/agents/handicap/dossiers/{id}\""))
            .count(),
        2,
        "{}",
        list.body
    );
    let renewal = guichet::disability::files::start(
        &gard,
        requests_of(&gard, id).await[0].citizen_id,
        guichet::disability::files::Kind::Renewal,
        (guichet::disability::files::FiledBy::Citizen, "Fatou DIALLO"),
    )
    .await
    .unwrap();
    // A draft renews nothing yet.
    let today = guichet::dates::today();
    assert_eq!(
        register::ending_without_renewal(&gard, today)
            .await
            .unwrap()
            .len(),
        2
    );
    let rights: Vec<_> = requests_of(&gard, id)
        .await
        .iter()
        .filter_map(|r| guichet::disability::rights::Right::parse(&r.right_code))
        .take(1)
        .collect();
    let citizen_id = requests_of(&gard, id).await[0].citizen_id;
    let by = (citizen_id, guichet::disability::files::FiledBy::Citizen);
    guichet::disability::files::save_rights(&gard, by, renewal, &rights, false)
        .await
        .unwrap();
    // Filing makes one request per right (`files::file`, walked through in the renewal
    // journey): with one right renewed, one is left.
    let txn = gard.db().begin_write().await.unwrap();
    disability_request::ActiveModel {
        file_id: Set(renewal),
        citizen_id: Set(citizen_id),
        right_code: Set(rights[0].code().into()),
        status: Set("filed".into()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let left = register::ending_without_renewal(&gard, today)
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_ne!(left[0].granted.right, rights[0]);
    app.stop().await;
}
