//! Referents: people without one are listed; the officer names one for a person or for many at
//! once, and hands over to another, the history kept; only the department's own referents can
//! be named; each step is in the person's journal and right of access.

use guichet::entity::insertion_referent;
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tenants::{Module, Tenant};

use super::{OFFICER, REFERENT, day, file_of, import_whole, people_of, setup, single_adults};
use crate::harness::{Backend, Visitor, both_engines};

both_engines!(the_officer_names_referents_one_by_one_and_in_bulk);

async fn referents_of(tenant: &Tenant, person: i64) -> Vec<insertion_referent::Model> {
    let txn = tenant.db().begin().await.unwrap();
    let rows = insertion_referent::Entity::find()
        .filter(insertion_referent::Column::PersonId.eq(person))
        .order_by_asc(insertion_referent::Column::Id)
        .all(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    rows
}

async fn the_officer_names_referents_one_by_one_and_in_bulk(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let second = app
        .staff(
            &gard,
            "referente2@gard.fr",
            "Rita Référente",
            &[Role::InsertionReferent],
        )
        .await;
    // A referent of another department cannot be named here.
    let herault = app.tenant("herault", &Module::ALL).await;
    let elsewhere = app
        .staff(
            &herault,
            "referent@herault.fr",
            "Hervé Héraultais",
            &[Role::InsertionReferent],
        )
        .await;
    let households = single_adults(4, 6);
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    import_whole(&mut officer, file_of(households, day(2026, 11, 6))).await;
    let everyone = people_of(&gard).await;

    // Four people, none with a referent: listed, and counted on the module's figures.
    let list = officer.get("/gard/agents/insertion/sans-referent").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("4 personnes sans référent."),
        "{}",
        list.body
    );
    let csrf = list.csrf();
    let referent_id = |body: &str, name: &str| -> String {
        let at = body.find(&format!(">{name}</option>")).expect("offered");
        let before = &body[..at];
        let value = &before[before.rfind("value=\"").unwrap() + 7..];
        value[..value.find('"').unwrap()].to_owned()
    };
    let rene_id = referent_id(&list.body, "René Référent");
    assert!(
        !list.body.contains("Hervé"),
        "only this department's referents are offered"
    );

    // One by one, on a person's page: a referent of elsewhere is refused at the field.
    let page_a = format!("/gard/agents/insertion/personnes/{}", everyone[0].id);
    let forged = officer
        .post(
            &format!("{page_a}/referent"),
            &[
                ("csrf", csrf.as_str()),
                ("referent", &elsewhere.to_string()),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        forged
            .body
            .contains("référent insertion actif de ce département"),
        "{}",
        forged.body
    );
    assert!(forged.body.contains("href=\"#referent\""));
    let named = officer
        .post(
            &format!("{page_a}/referent"),
            &[
                ("csrf", csrf.as_str()),
                ("referent", &rene_id),
                ("note", "Premier contact en janvier."),
            ],
        )
        .await;
    assert_eq!(named.status, StatusCode::SEE_OTHER, "{}", named.body);
    let shown = officer.get(&page_a).await;
    assert!(
        shown.body.contains("René Référent, depuis le"),
        "{}",
        shown.body
    );
    let again = officer
        .post(
            &format!("{page_a}/referent"),
            &[("csrf", csrf.as_str()), ("referent", &rene_id)],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("est déjà le référent"));

    // In bulk: the three others and person A ticked, handed to Rita; A's René hands over.
    let rita_id = second.to_string();
    let ticked: Vec<String> = everyone.iter().map(|p| p.id.to_string()).collect();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("referent", rita_id.as_str()),
        ("note", "Reprise"),
    ];
    form.extend(ticked.iter().map(|id| ("personnes", id.as_str())));
    let nobody = officer
        .post(
            "/gard/agents/insertion/sans-referent",
            &[("csrf", csrf.as_str()), ("referent", rita_id.as_str())],
        )
        .await;
    assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        nobody.body.contains("href=\"#personnes-0\""),
        "{}",
        nobody.body
    );
    let bulk = officer
        .post("/gard/agents/insertion/sans-referent", &form)
        .await;
    assert_eq!(bulk.status, StatusCode::SEE_OTHER, "{}", bulk.body);
    let after = officer.get(&bulk.location.unwrap()).await;
    assert!(
        after
            .body
            .contains("Le référent est désigné pour 4 personnes."),
        "{}",
        after.body
    );
    assert!(
        after
            .body
            .contains("Chaque personne suivie a son référent.")
    );
    let history = referents_of(&gard, everyone[0].id).await;
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].staff_name, "René Référent");
    assert!(history[0].to_on.is_some(), "handed over");
    assert_eq!(history[1].staff_name, "Rita Référente");
    assert!(history[1].to_on.is_none());

    // Naming is the officer's; the referent reads the list.
    let mut referent = Visitor::signed_in(&app, "/gard", REFERENT).await;
    let list = referent.get("/gard/agents/insertion/sans-referent").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("Désigner ce référent"));
    let csrf = list.csrf();
    let refused = referent
        .post(
            &format!("{page_a}/referent"),
            &[("csrf", csrf.as_str()), ("referent", &rene_id)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The person reads who follows them.
    let journal = guichet::audit::for_citizen(&gard, everyone[0].citizen_id, 50)
        .await
        .unwrap();
    assert!(
        journal
            .iter()
            .any(|e| e.action == "désignation de votre référent RSA")
    );
    assert!(
        journal
            .iter()
            .any(|e| e.action == "changement de votre référent RSA")
    );
    let citizen = guichet::citizens::find(&gard, everyone[0].citizen_id)
        .await
        .unwrap()
        .unwrap();
    let sections = guichet::modules::right_of_access(&gard, &citizen)
        .await
        .unwrap();
    let said = format!("{sections:?}");
    assert!(
        said.contains("Référent depuis le") && said.contains("Rita Référente"),
        "{said}"
    );
    app.stop().await;
}
