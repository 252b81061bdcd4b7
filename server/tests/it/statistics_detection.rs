//! Early detection: rules off until the administrator switches them on; each module's
//! situations for those who work on its files only; opening one journaled for the person, and
//! nothing but a situation found today opens.

use chrono::{Days, TimeZone, Utc};
use guichet::aid_requests::filing::Status;
use guichet::entity::{aid_request, audit_entry, insertion_person};
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tenants::Tenant;

use crate::fixtures::{AidBuilder, filed};
use crate::harness::{Backend, Page, Visitor, both_engines};
use crate::insertion::{
    OFFICER, REFERENT, day, file_of, import_whole, people_of, setup, single_adults,
};

both_engines!(
    people_not_oriented_are_listed_to_insertion_staff_and_each_opening_is_journaled,
    households_closed_for_want_of_the_quarterly_return_are_listed,
    requests_waiting_for_the_citizen_are_listed_to_instructors
);

async fn journal(tenant: &Tenant, action: &str) -> Vec<audit_entry::Model> {
    let txn = tenant.db().begin().await.unwrap();
    let rows = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq(action))
        .order_by_asc(audit_entry::Column::Seq)
        .all(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    rows
}

/// The links a page offers to open a situation, in order.
fn openings(body: &str) -> Vec<String> {
    body.split("href=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].replace("&amp;", "&"))
        .filter(|href| href.contains("/ouvrir?"))
        .collect()
}

async fn choose_rules(admin: &mut Visitor, rules: &[&str]) -> Page {
    let page = admin.get("/gard/agents/reperage/regles").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(rules.iter().map(|r| ("regles", *r)));
    admin.post("/gard/agents/reperage/regles", &form).await
}

async fn people_not_oriented_are_listed_to_insertion_staff_and_each_opening_is_journaled(
    backend: Backend,
) {
    let (app, gard) = setup(backend).await;
    app.staffs(
        &gard,
        &[
            ("adm@gard.fr", "Ada", &[Role::Admin]),
            ("sup@gard.fr", "Sam", &[Role::Supervisor]),
            ("inst@gard.fr", "Inès", &[Role::AidInstructor]),
        ],
    )
    .await;
    // Three people entered the RSA in October; one of them, say, only ten days ago.
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    import_whole(&mut officer, file_of(single_adults(3, 7), day(2026, 10, 6))).await;
    let people = people_of(&gard).await;
    assert_eq!(people.len(), 3);
    let recent = &people[2];
    let txn = gard.db().begin_write().await.unwrap();
    insertion_person::Entity::update_many()
        .col_expr(
            insertion_person::Column::EnteredOn,
            Expr::value(guichet::dates::today() - Days::new(10)),
        )
        .filter(insertion_person::Column::Id.eq(recent.id))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();

    // Off until chosen.
    let mut referent = Visitor::signed_in(&app, "/gard", REFERENT).await;
    let home = referent.get("/gard/agents/").await;
    assert!(
        home.body.contains("/gard/agents/reperage/insertion"),
        "{}",
        home.body
    );
    let none = referent.get("/gard/agents/reperage/insertion").await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.body);
    assert!(none.body.contains("Aucune règle de repérage n'est activée"));

    let mut admin = Visitor::signed_in(&app, "/gard", "adm@gard.fr").await;
    let bogus = choose_rules(&mut admin, &["insertion.nimporte_quoi"]).await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST);
    assert!(
        bogus.body.contains("Une règle cochée n'existe pas"),
        "{}",
        bogus.body
    );
    let chosen = choose_rules(&mut admin, &["insertion.not_oriented"]).await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    let rules = admin.get("/gard/agents/reperage/regles").await;
    assert!(rules.body.contains("1 activée(s)"), "{}", rules.body);
    assert_eq!(journal(&gard, "règles de repérage choisies").await.len(), 1);

    // The two who waited more than four weeks, by name, the recent one not.
    let page = referent.get("/gard/agents/reperage/insertion").await;
    assert!(page.body.contains("2 situations."), "{}", page.body);
    for person in &people[..2] {
        assert!(page.body.contains(&person.family_name), "{}", page.body);
    }
    assert!(!page.body.contains(&recent.family_name));
    let links = openings(&page.body);
    assert_eq!(links.len(), 2);

    let opened = referent.get(&links[0]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(
        opened.location.as_deref(),
        Some(format!("/gard/agents/insertion/personnes/{}", people[0].id).as_str())
    );
    let entries = journal(&gard, "ouverture d'une situation repérée").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].citizen_id, Some(people[0].citizen_id));
    assert!(
        entries[0]
            .reason
            .contains("Bénéficiaires du RSA sans orientation"),
        "{:?}",
        entries[0]
    );

    // Only a situation found today opens: not the recent person's file, nothing journaled.
    let forged = referent
        .get(&format!(
            "/gard/agents/reperage/insertion/ouvrir?regle=insertion.not_oriented&dossier=/agents/insertion/personnes/{}",
            recent.id
        ))
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    let elsewhere = referent
        .get("/gard/agents/reperage/insertion/ouvrir?regle=insertion.not_oriented&dossier=https://ailleurs.example/")
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    assert_eq!(
        journal(&gard, "ouverture d'une situation repérée")
            .await
            .len(),
        1
    );

    // Names are for those who work on the module's files: not an instructor, not a supervisor.
    let mut instructor = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    assert_eq!(
        instructor
            .get("/gard/agents/reperage/insertion")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        instructor.get(&links[1]).await.status,
        StatusCode::FORBIDDEN
    );
    let mut supervisor = Visitor::signed_in(&app, "/gard", "sup@gard.fr").await;
    assert_eq!(
        supervisor
            .get("/gard/agents/reperage/insertion")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The rules are the administrator's.
    assert_eq!(
        referent.get("/gard/agents/reperage/regles").await.status,
        StatusCode::FORBIDDEN
    );

    // Switched off: nothing listed, nothing opens.
    let off = choose_rules(&mut admin, &[]).await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(referent.get(&links[1]).await.status, StatusCode::NOT_FOUND);
    let page = referent.get("/gard/agents/reperage/insertion").await;
    assert!(page.body.contains("Aucune règle de repérage n'est activée"));
    app.stop().await;
}

async fn requests_waiting_for_the_citizen_are_listed_to_instructors(backend: Backend) {
    let (app, gard) = setup(backend).await;
    app.staffs(
        &gard,
        &[
            ("adm@gard.fr", "Ada", &[Role::Admin]),
            ("inst@gard.fr", "Inès", &[Role::AidInstructor]),
        ],
    )
    .await;
    let aid = AidBuilder::new("Aide au loyer").create(&gard).await;
    let (waiting, _, _) = filed(&gard, &aid, 0).await;
    let (answered, _, _) = filed(&gard, &aid, 1).await;
    let (lately, _, _) = filed(&gard, &aid, 2).await;
    // Information asked 40 days ago (twice), and 10 days ago; one citizen has answered since.
    let today = guichet::dates::today();
    let txn = gard.db().begin_write().await.unwrap();
    for (id, asked) in [(waiting, 40), (answered, 40), (lately, 10)] {
        aid_request::Entity::update_many()
            .col_expr(
                aid_request::Column::Status,
                Expr::value(Status::InfoRequested.id()),
            )
            .col_expr(
                aid_request::Column::PausedSince,
                Expr::value(today - Days::new(asked)),
            )
            .filter(aid_request::Column::Id.eq(id))
            .exec(&txn)
            .await
            .unwrap();
    }
    aid_request::Entity::update_many()
        .col_expr(
            aid_request::Column::CitizenRepliedAt,
            Expr::value(
                Utc.from_utc_datetime(&(today - Days::new(5)).and_hms_opt(9, 0, 0).unwrap()),
            ),
        )
        .filter(aid_request::Column::Id.eq(answered))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();

    let mut admin = Visitor::signed_in(&app, "/gard", "adm@gard.fr").await;
    let chosen = choose_rules(&mut admin, &["aid_requests.awaiting_answer"]).await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);

    let mut instructor = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let page = instructor.get("/gard/agents/reperage/aid_requests").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("1 situation."), "{}", page.body);
    let links = openings(&page.body);
    let opened = instructor.get(&links[0]).await;
    assert_eq!(
        opened.location.as_deref(),
        Some(format!("/gard/agents/demandes/{waiting}").as_str())
    );
    // The insertion referent works on other files.
    let mut referent = Visitor::signed_in(&app, "/gard", REFERENT).await;
    assert_eq!(
        referent
            .get("/gard/agents/reperage/aid_requests")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}

async fn households_closed_for_want_of_the_quarterly_return_are_listed(backend: Backend) {
    use guichet::insertion::flux::RightState;
    let (app, gard) = setup(backend).await;
    app.staff(&gard, "adm@gard.fr", "Ada", &[Role::Admin]).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    let today = guichet::dates::today();
    let mut households = single_adults(3, 11);
    import_whole(
        &mut officer,
        file_of(households.clone(), today - Days::new(80)),
    )
    .await;
    // A month later, two payments suspended: one for want of the quarterly return (06), the
    // other for income too high (01).
    for (h, reason) in households.iter_mut().zip(["06", "01"]) {
        h.state = RightState::PaymentSuspended;
        h.suspension_reason = Some(reason.to_owned());
    }
    import_whole(
        &mut officer,
        file_of(households.clone(), today - Days::new(50)),
    )
    .await;
    // Then both rights closed at term.
    for h in &mut households[..2] {
        h.state = RightState::Closed;
        h.suspension_reason = None;
        h.closure = Some(("ECH".to_owned(), Some(today - Days::new(25))));
    }
    let closed_on = today - Days::new(20);
    import_whole(&mut officer, file_of(households.clone(), closed_on)).await;

    let mut admin = Visitor::signed_in(&app, "/gard", "adm@gard.fr").await;
    let chosen = choose_rules(&mut admin, &["insertion.closed_without_return"]).await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    let people = people_of(&gard).await;
    let page = officer.get("/gard/agents/reperage/insertion").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("1 situation."), "{}", page.body);
    assert!(page.body.contains(&people[0].family_name), "{}", page.body);
    assert!(!page.body.contains(&people[1].family_name), "{}", page.body);
    assert!(
        page.body.contains(&format!(
            "Droit clos le {} après une suspension faute de déclaration trimestrielle",
            guichet::dates::on(closed_on)
        )),
        "{}",
        page.body
    );
    app.stop().await;
}
