//! The instructors' queue read page after page from a row's position, and the counts the
//! triggers keep: every request shows once, in order, whichever way the instructor walks; the
//! counts equal a count of the rows after every kind of change.

use chrono::{Duration, Utc};
use guichet::aid_requests::filing::Status;
use guichet::aid_requests::queue::{self, Assignee, Deadline, QueueFilter, Total};
use guichet::entity::aid_request;
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel,
    NotSet, QueryFilter, Set, Statement,
};
use tenants::{Module, Tenant};

use crate::fixtures::{filed, rent_aid};
use crate::harness::{Backend, TestApp, Visitor, both_engines, sorted_rows};

both_engines!(
    the_queue_shows_every_request_once_in_each_order,
    the_queue_counts_follow_every_change,
    kept_counts_rewritten_in_bulk_are_compacted_and_still_hold,
    the_queue_shows_the_administrators_changes_at_once
);

/// The references of `known` that a page shows, in the order it shows them.
fn shown(body: &str, known: &[String]) -> Vec<String> {
    let mut at: Vec<(usize, String)> = known
        .iter()
        .filter_map(|r| body.find(r.as_str()).map(|pos| (pos, r.clone())))
        .collect();
    at.sort();
    at.into_iter().map(|(_, r)| r).collect()
}

async fn the_queue_shows_every_request_once_in_each_order(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let me = app
        .staff(&tenant, "inst@gard.fr", "Inès", &[Role::AidInstructor])
        .await;
    let aid = rent_aid(&tenant).await;
    let today = Utc::now().date_naive();
    let filed_at = Utc::now() - Duration::days(3);
    // (id, reference, due date, filing time, mine): three due dates and two filing instants
    // for 113 requests, so most rows tie on the sorted column and the id decides.
    let mut requests = Vec::new();
    for n in 0..113 {
        let (id, reference, _) = filed(&tenant, &aid, n).await;
        let due = today + Duration::days((n % 3) as i64);
        let at = filed_at + Duration::seconds((n % 2) as i64);
        let mine = n % 4 == 1;
        // A fifth wait for the citizen: lists of both open states read two branches.
        let status = if n % 5 == 2 {
            Status::InfoRequested
        } else {
            Status::Submitted
        };
        let txn = tenant.db().begin().await.unwrap();
        aid_request::ActiveModel {
            id: Set(id),
            due_on: Set(Some(due)),
            submitted_at: Set(Some(at)),
            assignee_id: Set(mine.then_some(me)),
            status: Set(status),
            ..Default::default()
        }
        .update(&txn)
        .await
        .unwrap();
        txn.commit().await.unwrap();
        requests.push((id, reference, due, at, mine));
    }
    let known: Vec<String> = requests.iter().map(|r| r.1.clone()).collect();
    let order = |mut rows: Vec<&(i64, String, chrono::NaiveDate, chrono::DateTime<Utc>, bool)>,
                 sort: &str| {
        match sort {
            "depot" => rows.sort_by_key(|r| std::cmp::Reverse((r.3, r.0))),
            "reference" => rows.sort_by_key(|r| r.1.clone()),
            _ => rows.sort_by_key(|r| (r.2, r.0)),
        }
        rows.into_iter().map(|r| r.1.clone()).collect::<Vec<_>>()
    };

    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    for (query, sort, only_mine) in [
        ("", "echeance", false),
        ("?tri=depot", "depot", false),
        ("?tri=reference", "reference", false),
        ("?agent=moi", "echeance", true),
        ("?agent=moi&tri=depot", "depot", true),
        ("?statut=submitted&statut=info_requested", "echeance", false),
        (
            "?statut=submitted&statut=info_requested&tri=depot",
            "depot",
            false,
        ),
    ] {
        let expected = order(
            requests.iter().filter(|r| !only_mine || r.4).collect(),
            sort,
        );
        let (forwards, backwards) = inst
            .walk_both_ways(&format!("/gard/agents/demandes{query}"), |body| {
                shown(body, &known)
            })
            .await;
        assert_eq!(forwards, expected, "{query}: forwards");
        assert_eq!(backwards, expected, "{query}: backwards");
    }

    // The first page of three leads to the others and back.
    let first = inst.get("/gard/agents/demandes").await;
    assert!(first.body.contains("113 demande(s)"), "{}", first.body);
    assert!(first.link("prev").is_none());
    let second = inst.get(&first.link("next").unwrap()).await;
    assert!(second.body.contains("Première page"));
    assert!(second.body.contains("113 demande(s)"), "{}", second.body);

    // A position that is not one the queue wrote is refused in French, naming it.
    for query in [
        "apres=nimportequoi",
        "avant=2026-13-45~1",
        "tri=depot&apres=hier~3",
    ] {
        let junk = inst.get(&format!("/gard/agents/demandes?{query}")).await;
        assert_eq!(junk.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            junk.body.contains("n'est pas une position dans la liste"),
            "{query}: {}",
            junk.body
        );
    }
    // A position past the last row starts again from the top rather than showing nothing.
    let past = inst.get("/gard/agents/demandes?apres=2999-01-01~1").await;
    assert_eq!(past.status, StatusCode::OK);
    assert_eq!(shown(&past.body, &known).len(), 50);
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, FromQueryResult)]
struct Counted {
    aid_id: i64,
    assignee_id: i64,
    status: String,
    count: i64,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, FromQueryResult)]
struct DueCounted {
    due_on: chrono::NaiveDate,
    count: i64,
}

/// What the triggers keep equals the same counted from the requests themselves (rows at zero
/// left out: a count falls to zero, its row stays).
async fn assert_counts_hold(tenant: &Tenant, after: &str) {
    let kept: Vec<Counted> = sorted_rows(
        tenant,
        "SELECT aid_id, assignee_id, status, count FROM request_counts WHERE count <> 0",
    )
    .await;
    let counted: Vec<Counted> = sorted_rows(
        tenant,
        "SELECT aid_id, COALESCE(assignee_id, 0) AS assignee_id, status, COUNT(*) AS count \
         FROM aid_requests GROUP BY aid_id, COALESCE(assignee_id, 0), status",
    )
    .await;
    assert_eq!(kept, counted, "by aid, agent and status, after {after}");
    let kept: Vec<DueCounted> = sorted_rows(
        tenant,
        "SELECT due_on, count FROM open_request_due_counts WHERE count <> 0",
    )
    .await;
    let counted: Vec<DueCounted> = sorted_rows(
        tenant,
        "SELECT due_on, COUNT(*) AS count FROM aid_requests \
         WHERE status IN ('submitted', 'info_requested') AND due_on IS NOT NULL GROUP BY due_on",
    )
    .await;
    assert_eq!(kept, counted, "open requests by due date, after {after}");
}

/// Sets columns of request `id` as a raw update would (the triggers see any writer).
async fn change(tenant: &Tenant, id: i64, set: impl FnOnce(&mut aid_request::ActiveModel)) {
    let txn = tenant.db().begin().await.unwrap();
    let mut row = aid_request::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    set(&mut row);
    row.update(&txn).await.unwrap();
    txn.commit().await.unwrap();
}

async fn the_queue_counts_follow_every_change(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let inst = app
        .staff(&tenant, "inst@gard.fr", "Inès", &[Role::AidInstructor])
        .await;
    let other = app
        .staff(&tenant, "eva@gard.fr", "Éva", &[Role::AidInstructor])
        .await;
    let rent = rent_aid(&tenant).await;
    let energy = crate::fixtures::AidBuilder::new("Aide à l'énergie")
        .question(
            "f1",
            1,
            "Loyer mensuel",
            guichet::aid_requests::form::FieldKind::Amount,
        )
        .create(&tenant)
        .await;
    let mut ids = Vec::new();
    for n in 0..12 {
        let aid = if n % 3 == 0 { &energy } else { &rent };
        ids.push(filed(&tenant, aid, n).await.0);
    }
    assert_counts_hold(&tenant, "filing").await;

    let today = Utc::now().date_naive();
    change(&tenant, ids[0], |r| r.assignee_id = Set(Some(inst))).await;
    change(&tenant, ids[1], |r| r.assignee_id = Set(Some(inst))).await;
    change(&tenant, ids[1], |r| r.assignee_id = Set(Some(other))).await;
    change(&tenant, ids[1], |r| r.assignee_id = Set(None)).await;
    assert_counts_hold(&tenant, "assignments").await;
    // Past due, waiting for the citizen (the clock moves), decided, and both at once.
    change(&tenant, ids[2], |r| {
        r.due_on = Set(Some(today - Duration::days(4)))
    })
    .await;
    change(&tenant, ids[3], |r| {
        r.status = Set(guichet::aid_requests::filing::Status::InfoRequested);
        r.due_on = Set(Some(today + Duration::days(9)));
    })
    .await;
    change(&tenant, ids[4], |r| {
        r.status = Set(guichet::aid_requests::filing::Status::Granted)
    })
    .await;
    change(&tenant, ids[5], |r| {
        r.status = Set(guichet::aid_requests::filing::Status::Refused);
        r.due_on = Set(Some(today - Duration::days(1)));
        r.assignee_id = Set(Some(other));
    })
    .await;
    change(&tenant, ids[8], |r| r.aid_id = Set(energy.id)).await;
    assert_counts_hold(&tenant, "due dates, statuses and aids").await;
    let txn = tenant.db().begin().await.unwrap();
    aid_request::Entity::delete_by_id(ids[7])
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_counts_hold(&tenant, "a removal").await;

    // The queue's figures come from those counts, and match what it lists.
    let figures = |filter: QueueFilter| {
        let tenant = tenant.clone();
        async move { queue::figures(&tenant, &filter).await.unwrap() }
    };
    let all = figures(QueueFilter::default()).await;
    assert_eq!(all.total, Total::Exact(11));
    assert_eq!(all.overdue, 1, "the one due four days ago");
    let mine = figures(QueueFilter {
        assignee: Assignee::Staff(inst),
        ..QueueFilter::default()
    })
    .await;
    assert_eq!(mine.total, Total::Exact(1));
    let nobody = figures(QueueFilter {
        assignee: Assignee::Nobody,
        ..QueueFilter::default()
    })
    .await;
    assert_eq!(nobody.total, Total::Exact(9));
    let energy_ones = figures(QueueFilter {
        aid_id: Some(energy.id),
        ..QueueFilter::default()
    })
    .await;
    assert_eq!(
        energy_ones.total,
        Total::Exact(5),
        "the 1st, 4th, 7th and 10th, and the 9th moved"
    );
    let soon = figures(QueueFilter {
        deadline: Deadline::Soon,
        ..QueueFilter::default()
    })
    .await;
    assert_eq!(
        soon.total,
        Total::Exact(0),
        "due in 60 days, or 9 for the one waiting"
    );
    let overdue_of_an_aid = figures(QueueFilter {
        deadline: Deadline::Overdue,
        aid_id: Some(rent.id),
        ..QueueFilter::default()
    })
    .await;
    assert_eq!(
        overdue_of_an_aid.total,
        Total::Exact(1),
        "counted from the rows"
    );

    // Statements over several requests at once (an import, a retention pass, a bulk
    // reassignment): each count moves by the difference of all their rows.
    let txn = tenant.db().begin().await.unwrap();
    let copies = aid_request::Entity::find()
        .filter(aid_request::Column::Id.is_in([ids[0], ids[3], ids[9], ids[10]]))
        .all(&txn)
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            let mut copy = row.into_active_model().reset_all();
            copy.id = NotSet;
            copy.reference = Set(None);
            copy
        });
    aid_request::Entity::insert_many(copies)
        .exec(&txn)
        .await
        .unwrap();
    let list = |of: &[i64]| of.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    for sql in [
        format!(
            "UPDATE aid_requests SET assignee_id = {inst} WHERE id IN ({})",
            list(&[ids[2], ids[6], ids[9], ids[10]])
        ),
        format!(
            "UPDATE aid_requests SET status = 'granted' WHERE id IN ({})",
            list(&[ids[2], ids[3], ids[11]])
        ),
        format!(
            "DELETE FROM aid_requests WHERE id IN ({})",
            list(&[ids[6], ids[10], ids[11]])
        ),
    ] {
        txn.execute_unprepared(&sql).await.unwrap();
    }
    txn.commit().await.unwrap();
    assert_counts_hold(&tenant, "statements over several requests").await;
    assert_eq!(
        figures(QueueFilter::default()).await.total,
        Total::Exact(12),
        "eleven, four copies, three removed"
    );
}

/// Pages of `table` in the tenant's schema on PostgreSQL (SQLite: none counted).
async fn pages_of(tenant: &Tenant, table: &str) -> i64 {
    let txn = tenant.db().begin().await.unwrap();
    let backend = txn.get_database_backend();
    let pages = if backend == sea_orm::DbBackend::Postgres {
        let sql = format!("SELECT pg_relation_size('{table}') / 8192 AS pages");
        let row = txn
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "pages").unwrap()
    } else {
        0
    };
    txn.commit().await.unwrap();
    pages
}

/// A transaction that changes many requests (an import, a retention pass) rewrites the count
/// rows as often, in versions PostgreSQL cannot prune: compacting gives the pages back, and the
/// counts still equal the requests'.
async fn kept_counts_rewritten_in_bulk_are_compacted_and_still_hold(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &[Module::AidRequests]).await;
    let aid = rent_aid(&tenant).await;
    let (id, _, _) = filed(&tenant, &aid, 1).await;
    let txn = tenant.db().begin().await.unwrap();
    for n in 0..3_000 {
        let status = if n % 2 == 0 {
            "info_requested"
        } else {
            "submitted"
        };
        txn.execute_raw(Statement::from_string(
            txn.get_database_backend(),
            format!("UPDATE aid_requests SET status = '{status}' WHERE id = {id}"),
        ))
        .await
        .unwrap();
    }
    txn.commit().await.unwrap();
    let postgres = matches!(backend, Backend::Postgres);
    if postgres {
        assert!(pages_of(&tenant, "request_counts").await > 10, "bloated");
        // A long transaction reading the counts: the compaction gives way after its short
        // wait (writes would queue behind it meanwhile) instead of waiting for it, and fails
        // nothing.
        let reader = tenant.db().begin().await.unwrap();
        reader
            .execute_unprepared("SELECT count(*) FROM request_counts")
            .await
            .unwrap();
        let compaction = guichet::modules::compact_kept_counts(&app.platform, &tenant);
        tokio::time::timeout(std::time::Duration::from_secs(60), compaction)
            .await
            .expect("the compaction gives way to a long transaction");
        assert!(
            pages_of(&tenant, "request_counts").await > 10,
            "left as it was"
        );
        reader.commit().await.unwrap();
    }
    guichet::modules::compact_kept_counts(&app.platform, &tenant).await;
    for table in guichet::modules::KEPT_COUNTS {
        assert!(pages_of(&tenant, table).await <= 1, "{table} compacted");
    }
    assert_counts_hold(&tenant, "a bulk rewrite and its compaction").await;
    app.stop().await;
}

/// The queue keeps the aids' titles and the staff directory for a moment (`cache::TTL`); a
/// change made on this server shows on the next view all the same. Each change comes right
/// after a view that filled what is kept.
async fn the_queue_shows_the_administrators_changes_at_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    app.staff(&tenant, "chef@gard.fr", "Chef", &[Role::Admin])
        .await;
    app.staff(&tenant, "inst@gard.fr", "Inès", &[Role::AidInstructor])
        .await;
    let aid = rent_aid(&tenant).await;
    filed(&tenant, &aid, 0).await;
    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let mut admin = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let csrf = admin.csrf("/gard").await;
    let aid_form = |title: &'static str| {
        [
            ("csrf", csrf.as_str()),
            ("title", title),
            ("description", "Une aide pour payer le loyer."),
            ("eligibility", "Les locataires du département."),
            ("documents", ""),
            ("deadline_days", "60"),
            ("silence", "refusal"),
            ("open", "on"),
        ]
    };

    let before = inst.get("/gard/agents/demandes").await;
    assert!(before.body.contains("Aide au loyer"), "{}", before.body);
    let renamed = admin
        .post(
            &format!("/gard/agents/admin/aides/{}", aid.id),
            &aid_form("Aide au logement"),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    let queue = inst.get("/gard/agents/demandes").await.body;
    assert!(queue.contains("Aide au logement"), "{queue}");
    assert!(!queue.contains("Aide au loyer"), "{queue}");
    assert!(!queue.contains("Aide énergie"));

    let created = admin
        .post(
            "/gard/agents/admin/aides/nouvelle",
            &aid_form("Aide énergie"),
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let queue = inst.get("/gard/agents/demandes").await.body;
    assert!(queue.contains("Aide énergie"), "{queue}");
    assert!(!queue.contains("Zoé Martin"));

    let colleague = admin
        .post(
            "/gard/agents/admin/comptes/nouveau",
            &[
                ("csrf", csrf.as_str()),
                ("display_name", "Zoé Martin"),
                ("email", "zoe@gard.fr"),
                ("roles", "aid_instructor"),
            ],
        )
        .await;
    assert_eq!(colleague.status, StatusCode::CREATED, "{}", colleague.body);
    let queue = inst.get("/gard/agents/demandes").await.body;
    assert!(queue.contains("Zoé Martin"), "{queue}");
}
