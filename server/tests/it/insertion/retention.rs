//! How long a follow-up is kept: the whole follow-up of a person who left the RSA goes once
//! past its term (counted first, removed only once switched on); a person still in the RSA, one
//! whose follow-up moved recently, and one under a legal hold keep everything; the removal is
//! in the person's journal, which still verifies, and their page is gone, not broken.

use chrono::{Duration, NaiveDate, Utc};
use guichet::entity::{audit_entry, insertion_note, insertion_person, insertion_right_event};
use guichet::retention::{self, Mode};
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use tenants::Tenant;

use super::{OFFICER, day, file_of, import_whole, people_of, setup, single_adults};
use crate::fixtures::{assert_journal_intact, journaled, passed, switched_on};
use crate::harness::{Backend, Visitor, both_engines};

both_engines!(a_follow_up_goes_two_years_after_the_person_left_unless_it_moved_or_is_held);

/// Marks `person` as having left the RSA on `left_on` (or still in it with `None`), their row
/// last written three years ago.
async fn left(tenant: &Tenant, person: i64, left_on: Option<NaiveDate>) {
    let at = three_years_ago();
    let txn = tenant.db().begin_write().await.unwrap();
    insertion_person::Entity::update_many()
        .col_expr(insertion_person::Column::LeftOn, Expr::value(left_on))
        .col_expr(insertion_person::Column::UpdatedAt, Expr::value(at))
        .filter(insertion_person::Column::Id.eq(person))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
}

fn three_years_ago() -> chrono::DateTime<Utc> {
    Utc::now() - Duration::days(3 * 365)
}

/// A referent's note on `person`, written `at`.
async fn noted(tenant: &Tenant, person: &insertion_person::Model, at: chrono::DateTime<Utc>) {
    let txn = tenant.db().begin_write().await.unwrap();
    insertion_note::ActiveModel {
        person_id: Set(person.id),
        citizen_id: Set(person.citizen_id),
        body: Set("Entretien de suivi.".into()),
        author_id: Set(1),
        author_name: Set("René Référent".into()),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

/// How many rows of `E` name `person`.
async fn rows_of<E: EntityTrait>(tenant: &Tenant, column: E::Column, person: i64) -> u64
where
    E::Model: Sync,
{
    let txn = tenant.db().begin().await.unwrap();
    let n = E::find()
        .filter(column.eq(person))
        .count(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    n
}

async fn due(app: &crate::harness::TestApp, tenant: &Tenant, mode: Mode) -> (u64, u64) {
    let outcomes = passed(app, tenant, mode).await;
    let outcome = outcomes
        .iter()
        .find(|o| o.category == "insertion.sortis")
        .expect("the insertion category in the pass");
    (outcome.due, outcome.held)
}

async fn a_follow_up_goes_two_years_after_the_person_left_unless_it_moved_or_is_held(
    backend: Backend,
) {
    let (app, gard) = setup(backend).await;
    let admin = app.worker(&gard, Role::Admin).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    import_whole(
        &mut officer,
        file_of(single_adults(4, 22), day(2026, 11, 6)),
    )
    .await;
    let [gone, moved, still_in, held] = <[_; 4]>::try_from(people_of(&gard).await).unwrap();
    let three_years_ago = three_years_ago();
    let left_then = Some(three_years_ago.date_naive());
    // Left three years ago, last note then: past its two years.
    left(&gard, gone.id, left_then).await;
    noted(&gard, &gone, three_years_ago).await;
    // Left three years ago too, but a referent wrote a note last month.
    left(&gard, moved.id, left_then).await;
    noted(&gard, &moved, Utc::now() - Duration::days(30)).await;
    // Still in the RSA, nothing written for three years: it stays.
    left(&gard, still_in.id, None).await;
    noted(&gard, &still_in, three_years_ago).await;
    // Left three years ago, under a dispute.
    left(&gard, held.id, left_then).await;
    retention::holds::place(
        &gard,
        held.citizen_id,
        "Recours contre une sanction",
        &admin,
    )
    .await
    .unwrap()
    .unwrap();

    // Counted, not removed, until the administrator switches the category on.
    assert_eq!(due(&app, &gard, Mode::AsSet).await, (1, 1));
    assert_eq!(people_of(&gard).await.len(), 4);
    let category = retention::category("insertion.sortis").unwrap();
    assert_eq!(category.months.default, 24);
    switched_on(&gard, category.id, &admin).await;
    assert_eq!(due(&app, &gard, Mode::AsSet).await, (1, 1));

    let left_people: Vec<i64> = people_of(&gard).await.iter().map(|p| p.id).collect();
    assert_eq!(left_people, [moved.id, still_in.id, held.id]);
    use insertion_note::Column as Note;
    use insertion_right_event::Column as Event;
    assert_eq!(
        rows_of::<insertion_note::Entity>(&gard, Note::PersonId, gone.id).await
            + rows_of::<insertion_right_event::Entity>(&gard, Event::PersonId, gone.id).await,
        0,
        "the follow-up went whole"
    );
    for kept in [&moved, &still_in, &held] {
        assert!(
            rows_of::<insertion_right_event::Entity>(&gard, Event::PersonId, kept.id).await > 0
        );
    }
    assert_eq!(
        rows_of::<insertion_note::Entity>(&gard, Note::PersonId, moved.id).await,
        1
    );

    // In the person's journal, which still verifies; their page is gone, not broken.
    let removal = audit_entry::Column::Subject.contains(format!("suivi RSA n° {}", gone.id));
    assert_eq!(journaled(&gard, gone.citizen_id, removal).await, 1);
    assert_journal_intact(&gard).await;
    let page = officer
        .get(&format!("/gard/agents/insertion/personnes/{}", gone.id))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
    let page = officer
        .get(&format!("/gard/agents/insertion/personnes/{}", moved.id))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    app.stop().await;
}
