//! The officer's lists take their totals from counts the store keeps (tenant migration m0048):
//! they follow every change of a person, whoever writes it, on both engines.

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, FromQueryResult};
use tenants::Tenant;

use super::{OFFICER, day, file_of, import_whole, people_of, setup, single_adults};
use crate::harness::{Backend, Visitor, both_engines, sorted_rows};

both_engines!(the_lists_totals_follow_every_change);

#[derive(Debug, FromQueryResult, PartialEq, Eq, PartialOrd, Ord)]
struct Counted {
    right_state: String,
    oriented: i32,
    with_referent: i32,
    count: i64,
}

/// What the triggers keep equals the same counted from the people (rows at zero left out).
async fn assert_counts_hold(tenant: &Tenant, after: &str) {
    let kept: Vec<Counted> = sorted_rows(
        tenant,
        "SELECT right_state, oriented, with_referent, count FROM insertion_people_counts \
         WHERE count <> 0",
    )
    .await;
    let counted: Vec<Counted> = sorted_rows(
        tenant,
        "SELECT right_state, \
           CASE WHEN orientation_days IS NULL THEN 0 ELSE 1 END AS oriented, \
           CASE WHEN referent_id IS NULL THEN 0 ELSE 1 END AS with_referent, \
           COUNT(*) AS count FROM insertion_people \
         WHERE rights_and_duties AND left_on IS NULL GROUP BY 1, 2, 3",
    )
    .await;
    assert_eq!(kept, counted, "after {after}");
}

async fn execute(tenant: &Tenant, sql: String) {
    let txn = tenant.db().begin().await.unwrap();
    txn.execute_unprepared(&sql).await.unwrap();
    txn.commit().await.unwrap();
}

async fn the_lists_totals_follow_every_change(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    import_whole(
        &mut officer,
        file_of(single_adults(6, 11), day(2026, 11, 6)),
    )
    .await;
    assert_counts_hold(&gard, "the import").await;
    let ids: Vec<i64> = people_of(&gard).await.iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), 6);

    let changes = [
        (
            "an orientation",
            format!(
                "UPDATE insertion_people SET orientation_days = 12 WHERE id = {}",
                ids[0]
            ),
        ),
        (
            "a referent named",
            format!(
                "UPDATE insertion_people SET referent_id = 7 WHERE id IN ({}, {})",
                ids[0], ids[1]
            ),
        ),
        (
            "a right closed",
            format!(
                "UPDATE insertion_people SET right_state = '5' WHERE id = {}",
                ids[2]
            ),
        ),
        (
            "a person gone",
            format!(
                "UPDATE insertion_people SET left_on = '2026-11-20' WHERE id = {}",
                ids[3]
            ),
        ),
        (
            "a change that counts nothing",
            format!(
                "UPDATE insertion_people SET referent_id = 8 WHERE id = {}",
                ids[1]
            ),
        ),
        (
            "a deletion",
            format!(
                "DELETE FROM insertion_people WHERE id IN ({}, {})",
                ids[4], ids[1]
            ),
        ),
    ];
    for (what, sql) in changes {
        execute(&gard, sql).await;
        assert_counts_hold(&gard, what).await;
    }

    // Left: ids[0] oriented with a referent, ids[2] a closed right, ids[5] to orient with no
    // referent; ids[3] gone, ids[1] and ids[4] deleted.
    let to_orient = officer.get("/gard/agents/insertion").await;
    assert_eq!(to_orient.status, StatusCode::OK);
    assert!(
        to_orient.body.contains("1 personne à orienter."),
        "{}",
        to_orient.body
    );
    let without = officer.get("/gard/agents/insertion/sans-referent").await;
    assert_eq!(without.status, StatusCode::OK);
    assert!(
        without.body.contains("2 personnes sans référent."),
        "{}",
        without.body
    );
    app.stop().await;
}
