//! Reception's list read a page at a time from a file's position, and the stages' counts the
//! triggers keep: every file of a stage once, filed first first, whichever way reception walks;
//! the tabs follow every change of stage.

use guichet::disability::completeness::FiledKey;

use sea_orm::ConnectionTrait;

use super::*;

both_engines!(reception_reads_a_stage_page_after_page_and_its_counts_follow);

/// The files a page lists, by the address of their page, in the page's order.
fn listed(body: &str) -> Vec<i64> {
    body.split("/agents/handicap/dossiers/")
        .skip(1)
        .filter_map(|rest| rest[..rest.find('"')?].parse().ok())
        .collect()
}

/// The tab of `status`, as reception reads it: « Déposée, en cours de vérification (110) ».
fn tab(status: Status, n: usize) -> String {
    format!(">{} ({n})</a>", status.label())
}

async fn reception_reads_a_stage_page_after_page_and_its_counts_follow(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    let citizen = fatou(&gard).await;
    // 110 files filed, two by two in the same minute (the id decides), and 10 waiting for
    // pieces; written as rows (the filing's own steps are tested elsewhere).
    let start = Utc::now() - Duration::days(30);
    let txn = gard.db().begin().await.unwrap();
    for n in 0..120_i64 {
        let status = if n < 110 {
            Status::Filed
        } else {
            Status::WaitingPieces
        };
        let at = start + Duration::minutes((119 - n) / 2);
        file_written(citizen.id, &format!("Personne {n}"), status, at)
            .insert(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    let mut files = disability_file::Entity::find()
        .filter(disability_file::Column::Status.eq(Status::Filed.id()))
        .all(&gard.db().begin().await.unwrap())
        .await
        .unwrap();
    files.sort_by_key(|f| (f.filed_at, f.id));
    let expected: Vec<i64> = files.iter().map(|f| f.id).collect();

    let mut reception = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let (forwards, backwards) = reception
        .walk_both_ways("/gard/agents/handicap", listed)
        .await;
    assert_eq!(forwards, expected, "forwards");
    assert_eq!(backwards, expected, "backwards");
    let first = reception.get("/gard/agents/handicap").await;
    assert!(
        first.body.contains(&tab(Status::Filed, 110)),
        "{}",
        first.body
    );
    assert!(first.body.contains(&tab(Status::WaitingPieces, 10)));
    // The stage is kept from page to page.
    let next = first.link("next").unwrap();
    assert!(next.contains("etape=filed"), "{next}");

    // The tabs follow a change of stage and a removal, whoever makes them.
    let txn = gard.db().begin().await.unwrap();
    let moved = disability_file::Entity::find_by_id(expected[0])
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    let mut moved = moved.into_active_model();
    moved.status = Set(Status::WaitingPieces.id().into());
    moved.update(&txn).await.unwrap();
    disability_file::Entity::delete_by_id(expected[1])
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let after = reception.get("/gard/agents/handicap").await;
    assert!(
        after.body.contains(&tab(Status::Filed, 108)),
        "{}",
        after.body
    );
    assert!(after.body.contains(&tab(Status::WaitingPieces, 11)));
    assert_eq!(listed(&after.body)[..], expected[2..52]);

    // A position the list did not write is refused in French; one past the end starts over.
    let junk = reception.get("/gard/agents/handicap?apres=hier").await;
    assert_eq!(junk.status, StatusCode::BAD_REQUEST);
    assert!(junk.body.contains("n'est pas une position dans la liste"));
    let past = FiledKey(Utc::now() + Duration::days(3650), 1).encode();
    let over = reception
        .get(&format!("/gard/agents/handicap?apres={past}"))
        .await;
    assert_eq!(over.status, StatusCode::OK);
    assert_eq!(listed(&over.body)[..], expected[2..52]);

    // Statements over several files at once (a retention pass, an import): three filed files
    // wait for pieces and one waiting file is filed again in one, two filed files go in another.
    let (filed, waiting) = (Status::Filed.id(), Status::WaitingPieces.id());
    let txn = gard.db().begin().await.unwrap();
    for sql in [
        format!(
            "UPDATE disability_files SET status = CASE WHEN status = '{filed}' \
             THEN '{waiting}' ELSE '{filed}' END WHERE id IN ({}, {}, {}, {})",
            expected[2], expected[3], expected[4], expected[0]
        ),
        format!(
            "DELETE FROM disability_files WHERE id IN ({}, {})",
            expected[5], expected[6]
        ),
    ] {
        txn.execute_unprepared(&sql).await.unwrap();
    }
    txn.commit().await.unwrap();
    let after = reception.get("/gard/agents/handicap").await;
    assert!(
        after.body.contains(&tab(Status::Filed, 104)),
        "108, three moved, one back, two removed: {}",
        after.body
    );
    assert!(after.body.contains(&tab(Status::WaitingPieces, 13)));
    app.stop().await;
}
