//! The officer's lists (people to orient, people without referent) read page after page from
//! a person's position: every person once, in entry order, whichever way the officer walks.

use guichet::insertion::clock::Entered;
use reqwest::StatusCode;

use super::{OFFICER, day, file_of, import_whole, people_of, setup, single_adults};
use crate::harness::{Backend, Visitor, both_engines};

both_engines!(the_officers_lists_show_every_person_once_in_entry_order);

/// The people a page lists, by the address of their file, in the page's order.
fn listed(body: &str) -> Vec<i64> {
    body.split("/agents/insertion/personnes/")
        .skip(1)
        .filter_map(|rest| rest[..rest.find('"')?].parse().ok())
        .collect()
}

async fn the_officers_lists_show_every_person_once_in_entry_order(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    // One file: everyone entered on its date, so the id orders them.
    import_whole(
        &mut officer,
        file_of(single_adults(120, 3), day(2026, 9, 2)),
    )
    .await;
    let mut people = people_of(&gard).await;
    people.sort_by_key(|p| (p.entered_on, p.id));
    let expected: Vec<i64> = people.iter().map(|p| p.id).collect();
    assert!(expected.len() > 100, "three pages: {}", expected.len());

    for list in [
        "/gard/agents/insertion",
        "/gard/agents/insertion/sans-referent",
    ] {
        let (forwards, backwards) = officer.walk_both_ways(list, listed).await;
        assert_eq!(forwards, expected, "{list}: forwards");
        assert_eq!(backwards, expected, "{list}: backwards");
    }
    let first = officer.get("/gard/agents/insertion").await;
    assert!(
        first
            .body
            .contains(&format!("{} personnes à orienter.", expected.len())),
        "{}",
        first.body
    );

    // A position the list did not write is refused in French; one past the end starts over.
    let junk = officer.get("/gard/agents/insertion?apres=demain").await;
    assert_eq!(junk.status, StatusCode::BAD_REQUEST);
    assert!(junk.body.contains("n'est pas une position dans la liste"));
    let past = Entered(day(2999, 1, 1), 1).encode();
    let over = officer
        .get(&format!(
            "/gard/agents/insertion/sans-referent?apres={past}"
        ))
        .await;
    assert_eq!(over.status, StatusCode::OK);
    assert_eq!(listed(&over.body)[..], expected[..50]);
    app.stop().await;
}
