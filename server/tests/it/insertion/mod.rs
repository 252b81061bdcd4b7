//! Insertion (RSA): importing the benefit funds' files (preview, confirmation, resumable
//! writes, idempotence), the people to orient and their clock.

mod contracts;
mod counts;
mod imports;
mod invitations;
mod lists;
mod orientation;
mod pages;
mod referents;
mod retention;
mod sanctions;
mod settings;

use std::time::{Duration, Instant};

use chrono::{Datelike as _, NaiveDate};
use guichet::entity::{insertion_person, insertion_right_event};
use guichet::insertion::flux::Household;
use guichet::insertion::generator;
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};
use tenants::{Module, Tenant};

use crate::harness::{Backend, TestApp, Visitor};

pub const OFFICER: &str = "orientation@gard.fr";
pub const REFERENT: &str = "referent@gard.fr";

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A monthly file of `households`, created on `created`.
pub fn file_of(households: Vec<Household>, created: NaiveDate) -> Vec<u8> {
    let mut bytes = Vec::new();
    let reference = created.with_day0(0).unwrap().pred_opt().unwrap();
    generator::write(&mut bytes, created, reference, households.into_iter()).unwrap();
    bytes
}

/// `count` households of one adult each, right open, subject to rights and duties.
pub fn single_adults(count: usize, seed: u64) -> Vec<Household> {
    let mut households: Vec<Household> = generator::households(count, "030", seed).collect();
    for h in &mut households {
        h.state = guichet::insertion::flux::RightState::Open;
        h.people.truncate(1);
        h.people[0].rights_and_duties = Some(true);
    }
    households
}

pub fn beneficiaries(households: &[Household]) -> u64 {
    households
        .iter()
        .flat_map(|h| &h.people)
        .filter(|p| p.role.is_beneficiary())
        .count() as u64
}

pub async fn setup(backend: Backend) -> (TestApp, Tenant) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    app.staff(
        &gard,
        OFFICER,
        "Odile Orientation",
        &[Role::InsertionOrientation],
    )
    .await;
    app.staff(&gard, REFERENT, "René Référent", &[Role::InsertionReferent])
        .await;
    (app, gard)
}

/// Sends `bytes` from the imports' page; returns the import's page.
pub async fn send(officer: &mut Visitor, bytes: Vec<u8>, name: &str) -> String {
    let page = officer.get("/gard/agents/insertion/imports").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    let sent = officer
        .post_multipart(
            "/gard/agents/insertion/imports/televersement",
            &[("csrf", csrf.as_str())],
            &[("fichier", name, "text/xml", bytes)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    sent.location.expect("the import's page")
}

/// Follows the import's page until it says `done`; returns its body.
pub async fn wait_for(officer: &mut Visitor, page: &str, done: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let shown = officer.get(page).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        if shown.body.contains(done) {
            return shown.body;
        }
        assert!(
            shown.body.contains("Actualiser l'avancement"),
            "a running import offers to refresh: {}",
            shown.body
        );
        assert!(
            Instant::now() < deadline,
            "never « {done} »: {}",
            shown.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The value a summary line shows, e.g. « Personnes à créer » → « 57 ».
pub fn figure(body: &str, label: &str) -> String {
    let at = body
        .find(&format!(">{label}<"))
        .unwrap_or_else(|| panic!("no « {label} » in {body}"));
    let after = &body[at..];
    let value = after.split("<dd").nth(1).expect("a value");
    let value = &value[value.find('>').unwrap() + 1..];
    value[..value.find('<').unwrap()]
        .trim()
        .replace('\u{a0}', " ")
}

/// The department's RSA people, in the order they were written.
pub async fn people_of(tenant: &Tenant) -> Vec<insertion_person::Model> {
    let txn = tenant.db().begin().await.unwrap();
    let rows = insertion_person::Entity::find()
        .order_by_asc(insertion_person::Column::Id)
        .all(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    rows
}

pub async fn count_people(tenant: &Tenant) -> u64 {
    let txn = tenant.db().begin().await.unwrap();
    let n = insertion_person::Entity::find().count(&txn).await.unwrap();
    txn.commit().await.unwrap();
    n
}

pub async fn count_events(tenant: &Tenant) -> u64 {
    let txn = tenant.db().begin().await.unwrap();
    let n = insertion_right_event::Entity::find()
        .count(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    n
}

/// Sends, previews, confirms and waits for the writes.
pub async fn import_whole(officer: &mut Visitor, bytes: Vec<u8>) -> String {
    let page = send(officer, bytes, "flux.xml").await;
    wait_for(officer, &page, "Aperçu prêt").await;
    confirm(officer, &page).await
}

/// Confirms the import previewed on `page` and waits for its writes; returns the page then.
pub async fn confirm(officer: &mut Visitor, page: &str) -> String {
    let csrf = officer.get(page).await.csrf();
    let confirmed = officer
        .post(&format!("{page}/confirmer"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );
    wait_for(officer, page, "Ce que l'import a fait").await
}

/// The value beside `label` in the figures' table.
pub fn table_figure(body: &str, label: &str) -> String {
    let at = body
        .find(&format!(">{label}<"))
        .unwrap_or_else(|| panic!("no « {label} » in {body}"));
    let after = &body[at + label.len() + 2..];
    let value = &after[after.find("class=\"cell\">").expect("a value") + 13..];
    value[..value.find('<').unwrap()].trim().to_owned()
}
