//! Invitations to book a meeting: a referent invites a person among the slots of a service;
//! the person gets the link by mail (and the letter and SMS text are ready), books or moves
//! through it without an account; an unused link is reminded 3 days after and expires, a
//! booked meeting is reminded 2 days before; the referent records whether the person came,
//! and the indicators count the days from orientation to the first meeting.

use guichet::insertion::invitations::{self, Standing};
use guichet::user_relations::appointments::{self, NewSlots, State};
use reqwest::StatusCode;
use tenants::Module;

use super::contracts::karim_followed_and_oriented;
use super::{OFFICER, REFERENT, table_figure};
use crate::harness::{Backend, TEST_SETUP, TestApp, Visitor, both_engines, link_in};

both_engines!(
    a_person_books_through_the_link_and_moves_without_an_account,
    an_unused_link_is_reminded_then_expires_and_attendance_is_recorded
);

async fn setup_with_mail(backend: Backend) -> (TestApp, crate::smtp::SmtpSink, tenants::Tenant) {
    let (app, sink, gard) = crate::harness::app_with_mail(backend).await;
    use guichet::staff::Role;
    app.staff(
        &gard,
        OFFICER,
        "Odile Orientation",
        &[Role::InsertionOrientation],
    )
    .await;
    app.staff(&gard, REFERENT, "René Référent", &[Role::InsertionReferent])
        .await;
    (app, sink, gard)
}

async fn publish(
    gard: &tenants::Tenant,
    service: &str,
    first: chrono::DateTime<chrono::Utc>,
    count: u32,
) {
    let slots = NewSlots {
        service: service.into(),
        place: "Maison du département, Nîmes".into(),
        first,
        minutes: 30,
        count,
    };
    appointments::publish(gard, 1, &slots, TEST_SETUP)
        .await
        .unwrap();
}

/// Invites from the form; returns the invitation's page.
async fn invite(referent: &mut Visitor, page: &str, purpose: &str, service: &str) -> String {
    let csrf = referent.get(&format!("{page}/invitation")).await.csrf();
    let sent = referent
        .post(
            &format!("{page}/invitation"),
            &[
                ("csrf", csrf.as_str()),
                ("purpose", purpose),
                ("service", service),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let to = sent.location.unwrap();
    to.split('?').next().unwrap().to_owned()
}

async fn a_person_books_through_the_link_and_moves_without_an_account(backend: Backend) {
    let (app, sink, gard) = setup_with_mail(backend).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    let (mut karim, page, person) = karim_followed_and_oriented(&app, &gard, &mut officer).await;
    let mut referent = Visitor::signed_in(&app, "/gard", REFERENT).await;

    // Nothing published yet: the form says where slots come from, and sends nothing.
    let shown = referent.get(&page).await;
    assert!(shown.body.contains("Aucune invitation envoyée."));
    let form = referent.get(&format!("{page}/invitation")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Aucun créneau libre"), "{}", form.body);

    let in_five_days = chrono::Utc::now() + chrono::Duration::days(5);
    publish(&gard, "Orientation RSA", in_five_days, 3).await;
    publish(&gard, "Accueil social", in_five_days, 1).await;
    let form = referent.get(&format!("{page}/invitation")).await;
    assert!(form.body.contains("Orientation RSA"));
    assert!(
        form.body.contains("karim.benali@courriel.test"),
        "who is mailed"
    );
    let csrf = form.csrf();
    // Mistakes at their fields; a service without free slots refused.
    let empty = referent
        .post(&format!("{page}/invitation"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Choisissez l'objet du rendez-vous"));
    let unknown = referent
        .post(
            &format!("{page}/invitation"),
            &[
                ("csrf", csrf.as_str()),
                ("purpose", "orientation"),
                ("service", "Permanence inconnue"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::CONFLICT);
    assert!(
        unknown.body.contains("ucun créneau libre"),
        "{}",
        unknown.body
    );

    let invitation = invite(&mut referent, &page, "orientation", "Orientation RSA").await;
    let shown = referent.get(&invitation).await;
    assert!(
        shown.body.contains("En attente de réservation"),
        "{}",
        shown.body
    );
    let last_day = guichet::dates::on(guichet::dates::today() + chrono::Duration::days(10));
    assert!(
        shown.body.contains(&format!("RDV RSA avant le {last_day}")),
        "the SMS text"
    );
    let letter = referent.get(&format!("{invitation}/courrier")).await;
    assert_eq!(letter.status, StatusCode::OK);
    assert!(letter.body.starts_with("%PDF"));
    // The mail carries the link; a second invitation of the same kind waits for this one.
    let mails = sink.wait_for(1).await;
    let mail = mails
        .iter()
        .find(|m| m.subject.contains("Prenez votre rendez-vous"))
        .expect("the invitation mailed");
    assert!(mail.text.contains(&last_day));
    let twice = referent
        .post(
            &format!("{page}/invitation"),
            &[
                ("csrf", csrf.as_str()),
                ("purpose", "orientation"),
                ("service", "Orientation RSA"),
            ],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        twice.body.contains("attend déjà sa réservation"),
        "{}",
        twice.body
    );

    // Karim's space offers the link.
    let space = karim.get("/gard/mon-espace/rsa").await;
    assert!(
        space.body.contains("Choisir mon rendez-vous"),
        "{}",
        space.body
    );

    // Without an account: the link shows the service's free slots only.
    let mut anyone = Visitor::new(&app);
    let link = link_in(mail, &anyone, "/rendez-vous/");
    let booking = anyone.get(&link).await;
    assert_eq!(booking.status, StatusCode::OK, "{}", booking.body);
    let slots = invitations::free_slots(&gard, "Orientation RSA", chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(slots.len(), 3);
    assert!(booking.body.contains(&format!("value=\"{}\"", slots[0].id)));
    let other_service = appointments::slots_from(&gard, chrono::Utc::now())
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.service == "Accueil social")
        .unwrap();
    assert!(
        !booking
            .body
            .contains(&format!("value=\"{}\"", other_service.id))
    );
    let csrf = booking.csrf();
    let nothing = anyone.post(&link, &[("csrf", csrf.as_str())]).await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nothing.body.contains("Choisissez un créneau"));
    let other = other_service.id.to_string();
    let wrong = anyone
        .post(&link, &[("csrf", csrf.as_str()), ("slot", other.as_str())])
        .await;
    assert_eq!(wrong.status, StatusCode::CONFLICT, "{}", wrong.body);
    assert!(
        appointments::of_citizen(&gard, person.citizen_id)
            .await
            .unwrap()
            .is_empty(),
        "nothing booked in another service"
    );
    let first = slots[0].id.to_string();
    let booked = anyone
        .post(&link, &[("csrf", csrf.as_str()), ("slot", first.as_str())])
        .await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
    let shown = anyone.get(&booked.location.unwrap()).await;
    assert!(shown.body.contains("Votre rendez-vous est réservé"));
    assert!(
        shown
            .body
            .contains(&format!("Votre rendez-vous : {}", slots[0].when()))
    );
    // Moved to another slot through the same link: one appointment held.
    let second = slots[1].id.to_string();
    let moved = anyone
        .post(&link, &[("csrf", csrf.as_str()), ("slot", second.as_str())])
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let held: Vec<_> = appointments::of_citizen(&gard, person.citizen_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.state == State::Booked)
        .collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].slot.id, slots[1].id);
    let confirmations = sink.wait_for(3).await;
    assert!(
        confirmations
            .iter()
            .any(|m| m.subject == "Votre rendez-vous est déplacé"
                && m.attachments.iter().any(|a| a.0 == "rendez-vous.ics"))
    );
    // The referent sees it booked; a meeting to come cannot be marked yet.
    let shown = referent.get(&page).await;
    assert!(shown.body.contains("Rendez-vous pris"), "{}", shown.body);
    let csrf = shown.csrf();
    let early = referent
        .post(
            &format!("{invitation}/presence"),
            &[("csrf", csrf.as_str()), ("came", "oui")],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);

    // Wrong tokens, and the Gard's token under another department, are not found.
    let token = link.rsplit('/').next().unwrap().to_owned();
    app.tenant("herault", &Module::ALL).await;
    for path in [
        "/gard/rendez-vous/0123456789abcdef0123456789abcdef".to_owned(),
        "/gard/rendez-vous/pas-un-jeton".to_owned(),
        format!("/herault/rendez-vous/{token}"),
    ] {
        assert_eq!(
            anyone.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // Journaled in Karim's access journal.
    let journal = karim.get("/gard/mon-espace/journal").await;
    assert!(
        journal.body.contains("Invitation à prendre rendez-vous"),
        "{}",
        journal.body
    );
    app.stop().await;
}

async fn an_unused_link_is_reminded_then_expires_and_attendance_is_recorded(backend: Backend) {
    let (app, sink, gard) = setup_with_mail(backend).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    let (_karim, page, person) = karim_followed_and_oriented(&app, &gard, &mut officer).await;
    let mut referent = Visitor::signed_in(&app, "/gard", REFERENT).await;
    let now = chrono::Utc::now();
    publish(&gard, "Suivi RSA", now + chrono::Duration::days(5), 2).await;
    invite(&mut referent, &page, "follow_up", "Suivi RSA").await;
    sink.wait_for(1).await;

    // Reminded once, 3 days after, while nothing is booked.
    assert_eq!(invitations::send_reminders(&gard, now).await.unwrap(), 0);
    let later = now + chrono::Duration::days(3) + chrono::Duration::hours(1);
    assert_eq!(invitations::send_reminders(&gard, later).await.unwrap(), 1);
    assert_eq!(invitations::send_reminders(&gard, later).await.unwrap(), 0);
    guichet::mail::wake(&app.platform, &gard).await;
    let mails = sink.wait_for(2).await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("Rappel : prenez votre"))
    );

    // Expired: the link says so and books nothing; the page says so.
    let list = invitations::of_person(&gard, person.id).await.unwrap();
    let expired = &list[0];
    let mut anyone = Visitor::new(&app);
    let link = format!("/gard/rendez-vous/{}", expired.row.token);
    let csrf = anyone.get(&link).await.csrf();
    {
        use sea_orm::{ActiveModelTrait as _, Set};
        let txn = gard.db().begin_write().await.unwrap();
        guichet::entity::insertion_invitation::ActiveModel {
            id: Set(expired.row.id),
            expires_at: Set(now - chrono::Duration::seconds(1)),
            ..Default::default()
        }
        .update(&txn)
        .await
        .unwrap();
        txn.commit().await.unwrap();
    }
    let closed = anyone.get(&link).await;
    assert_eq!(closed.status, StatusCode::OK);
    assert!(closed.body.contains("Ce lien a expiré"), "{}", closed.body);
    let slot = invitations::free_slots(&gard, "Suivi RSA", now)
        .await
        .unwrap()[0]
        .id
        .to_string();
    let refused = anyone
        .post(&link, &[("csrf", csrf.as_str()), ("slot", slot.as_str())])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        appointments::of_citizen(&gard, person.citizen_id)
            .await
            .unwrap()
            .is_empty()
    );
    let shown = referent.get(&page).await;
    assert!(shown.body.contains("Lien expiré sans réservation"));

    // A new invitation, booked for a meeting in an hour: reminded as a convocation (within 2
    // days); once it has begun, the referent records whether the person came.
    publish(
        &gard,
        "Suivi RSA",
        chrono::Utc::now() + chrono::Duration::hours(1),
        1,
    )
    .await;
    let invitation = invite(&mut referent, &page, "follow_up", "Suivi RSA").await;
    let row = invitations::of_person(&gard, person.id).await.unwrap()[0].clone();
    let soon = invitations::free_slots(&gard, "Suivi RSA", chrono::Utc::now())
        .await
        .unwrap()
        .into_iter()
        .min_by_key(|s| s.starts_at)
        .unwrap();
    let link = format!("/gard/rendez-vous/{}", row.row.token);
    let csrf = anyone.get(&link).await.csrf();
    let booked = anyone
        .post(
            &link,
            &[
                ("csrf", csrf.as_str()),
                ("slot", soon.id.to_string().as_str()),
            ],
        )
        .await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
    assert_eq!(
        invitations::send_reminders(&gard, chrono::Utc::now())
            .await
            .unwrap(),
        1,
        "the convocation's reminder"
    );
    assert_eq!(
        invitations::send_reminders(&gard, chrono::Utc::now())
            .await
            .unwrap(),
        0
    );
    {
        // The hour passes.
        use sea_orm::{ActiveModelTrait as _, Set};
        let txn = gard.db().begin_write().await.unwrap();
        guichet::entity::appointment_slot::ActiveModel {
            id: Set(soon.id),
            starts_at: Set(chrono::Utc::now() - chrono::Duration::minutes(5)),
            ..Default::default()
        }
        .update(&txn)
        .await
        .unwrap();
        txn.commit().await.unwrap();
    }
    let csrf = referent.get(&invitation).await.csrf();
    let unknown = referent
        .post(
            &format!("{invitation}/presence"),
            &[("csrf", csrf.as_str()), ("came", "peut-être")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let shown = referent.get(&invitation).await;
    assert!(
        shown.body.contains("La personne est venue"),
        "{}",
        shown.body
    );
    let recorded = referent
        .post(
            &format!("{invitation}/presence"),
            &[("csrf", csrf.as_str()), ("came", "oui")],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let again = referent
        .post(
            &format!("{invitation}/presence"),
            &[("csrf", csrf.as_str()), ("came", "non")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "recorded once");
    let list = invitations::of_person(&gard, person.id).await.unwrap();
    assert_eq!(list[0].standing(chrono::Utc::now()), Standing::Attended);
    let shown = referent.get(&page).await;
    assert!(shown.body.contains("Rendez-vous honoré"));

    // Oriented today, met today: 0 days, for one person.
    app.staff(
        &gard,
        "chef@gard.fr",
        "Chef",
        &[guichet::staff::Role::Supervisor],
    )
    .await;
    let mut chief = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let figures = chief.get("/gard/agents/modules/insertion").await;
    assert_eq!(
        table_figure(
            &figures.body,
            "Délai moyen entre l’orientation et le premier rendez-vous honoré"
        ),
        "0 jours (1 personne)",
        "{}",
        figures.body
    );
    app.stop().await;
}
