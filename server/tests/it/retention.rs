//! Retention: each category is counted every day and removed only once the department's
//! administrator switched it on (the trace of national calls always was); a citizen under a
//! legal hold loses nothing; every removal is journaled in the citizen's file and the journal
//! still verifies; a document goes once nothing kept cites it, its bytes with it; another
//! department is never touched.

use chrono::{Duration, Utc};
use guichet::aid_requests::filing::Status;
use guichet::entity::{
    aid_request, appointment, appointment_slot, audit_entry, consent, contact, data_pull, decision,
    document, message, message_thread, national_call, national_fact, request_event,
};
use guichet::retention::{self, Mode, Outcome};
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    Statement,
};
use tenants::{Module, Tenant};

use crate::fixtures::{
    assert_journal_intact, exchanges, filed, journaled, passed, rent_aid, simulated, switched_on,
};
use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    what_is_past_its_term_goes_once_switched_on_and_held_files_stay,
    settings_out_of_bounds_and_unknown_holds_are_refused_in_french,
    a_citizen_erases_what_the_law_allows_and_is_told_why_not_otherwise,
    national_data_goes_with_its_request_and_ended_consents_after_their_term,
);

/// Three years ago: past every default but the call trace's 36 months.
fn years_ago(years: i64) -> chrono::DateTime<Utc> {
    Utc::now() - Duration::days(365 * years + 5)
}

/// Decides `request` (refused) and moves its last change `at`.
async fn decided_at(tenant: &Tenant, request: i64, at: chrono::DateTime<Utc>) {
    let txn = tenant.db().begin_write().await.unwrap();
    aid_request::Entity::update_many()
        .col_expr(aid_request::Column::Status, Expr::value(Status::Refused))
        .col_expr(aid_request::Column::UpdatedAt, Expr::value(at))
        .filter(aid_request::Column::Id.eq(request))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
}

fn outcome<'a>(outcomes: &'a [Outcome], category: &str) -> &'a Outcome {
    outcomes
        .iter()
        .find(|o| o.category == category)
        .unwrap_or_else(|| panic!("{category} in the pass"))
}

async fn count<E: EntityTrait>(tenant: &Tenant) -> u64
where
    E::Model: Sync,
{
    let txn = tenant.db().begin().await.unwrap();
    let n = E::find().count(&txn).await.unwrap();
    txn.commit().await.unwrap();
    n
}

async fn exists<E: EntityTrait>(tenant: &Tenant, id: i64) -> bool
where
    i64: Into<<E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType>,
{
    let txn = tenant.db().begin().await.unwrap();
    let found = E::find_by_id(id).one(&txn).await.unwrap().is_some();
    txn.commit().await.unwrap();
    found
}

/// The counts the queue reads, kept by triggers: they follow removals.
async fn refused_counted(tenant: &Tenant) -> i64 {
    let txn = tenant.db().begin().await.unwrap();
    let row = txn
        .query_one_raw(Statement::from_string(
            txn.get_database_backend(),
            "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) AS count FROM request_counts \
             WHERE status = 'refused'",
        ))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    row.map_or(0, |r| r.try_get::<i64>("", "count").unwrap())
}

/// A national call traced `at`, for `citizen`.
async fn traced_call(tenant: &Tenant, citizen: i64, at: chrono::DateTime<Utc>) -> i64 {
    let txn = tenant.db().begin_write().await.unwrap();
    let call = national_call::ActiveModel {
        at: Set(at),
        pull_id: Set(1),
        citizen_id: Set(citizen),
        request_id: Set(None),
        source: Set(guichet::api_particulier::client::Source::FamilyQuotient),
        endpoint: Set("/v3/dss/quotient_familial/identite".into()),
        requested_by: Set("citizen".into()),
        staff_id: Set(None),
        http_status: Set(200),
        outcome: Set("ok".into()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    txn.commit().await.unwrap();
    call.id
}

async fn what_is_past_its_term_goes_once_switched_on_and_held_files_stay(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app
        .tenant("gard", &[Module::AidRequests, Module::UserRelations])
        .await;
    let herault = app.tenant("herault", &[Module::AidRequests]).await;
    app.staff(&gard, "admin@gard.fr", "Adèle", &[Role::Admin])
        .await;
    let aid = rent_aid(&gard).await;
    let old = years_ago(3);

    // Karim: everything of his is three years old, his request decided with its letter.
    let (karim_request, karim_reference, karim) = filed(&gard, &aid, 1).await;
    let karim_file = exchanges(
        &app,
        &gard,
        &karim,
        (&aid, karim_request),
        "Bonjour",
        "Appel",
    )
    .await;
    decided_at(&gard, karim_request, old).await;
    let letter = "lettres/decision-karim.pdf";
    let letter_path = app.platform.files_dir(gard.slug()).join(letter);
    std::fs::create_dir_all(letter_path.parent().unwrap()).unwrap();
    std::fs::write(&letter_path, crate::fixtures::PDF).unwrap();
    let stored_key = {
        let txn = gard.db().begin_write().await.unwrap();
        decision::ActiveModel {
            request_id: Set(karim_request),
            outcome: Set("refused".into()),
            amount_cents: Set(None),
            reasons: Set("[]".into()),
            comment: Set(String::new()),
            decided_by: Set(None),
            decided_at: Set(old),
            letter_file: Set(Some(letter.into())),
            signatory: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .unwrap();
        message_thread::Entity::update_many()
            .col_expr(message_thread::Column::LastMessageAt, Expr::value(old))
            .filter(message_thread::Column::Id.eq(karim_file.thread))
            .exec(&txn)
            .await
            .unwrap();
        appointment_slot::Entity::update_many()
            .col_expr(appointment_slot::Column::StartsAt, Expr::value(old))
            .exec(&txn)
            .await
            .unwrap();
        contact::Entity::update_many()
            .col_expr(contact::Column::CreatedAt, Expr::value(old))
            .filter(contact::Column::CitizenId.eq(karim.id))
            .exec(&txn)
            .await
            .unwrap();
        document::Entity::update_many()
            .col_expr(document::Column::CreatedAt, Expr::value(old))
            .filter(document::Column::Id.eq(karim_file.document))
            .exec(&txn)
            .await
            .unwrap();
        let key = document::Entity::find_by_id(karim_file.document)
            .one(&txn)
            .await
            .unwrap()
            .unwrap()
            .storage_key;
        txn.commit().await.unwrap();
        key
    };
    let document_bytes = app
        .platform
        .files_dir(gard.slug())
        .join("documents")
        .join(&stored_key);
    assert!(document_bytes.exists(), "the document's bytes are stored");
    let old_call = traced_call(&gard, karim.id, years_ago(4)).await;
    let recent_call = traced_call(&gard, karim.id, years_ago(1)).await;

    // Fatou: as old, but her refusal is under appeal: the administrator holds her file.
    let (fatou_request, _, fatou) = filed(&gard, &aid, 2).await;
    decided_at(&gard, fatou_request, old).await;
    // Léa: decided last month. Marc: filed three years ago and never decided.
    let (lea_request, _, _) = filed(&gard, &aid, 3).await;
    decided_at(&gard, lea_request, Utc::now() - Duration::days(30)).await;
    let (marc_request, _, _) = filed(&gard, &aid, 4).await;
    {
        let txn = gard.db().begin_write().await.unwrap();
        aid_request::Entity::update_many()
            .col_expr(aid_request::Column::UpdatedAt, Expr::value(old))
            .filter(aid_request::Column::Id.eq(marc_request))
            .exec(&txn)
            .await
            .unwrap();
        txn.commit().await.unwrap();
    }
    // A draft abandoned a year ago, in each department.
    let mut abandoned = Vec::new();
    for tenant in [&gard, &herault] {
        let aid = if tenant.slug() == gard.slug() {
            aid.clone()
        } else {
            rent_aid(tenant).await
        };
        let (_, _, someone) = filed(tenant, &aid, 9).await;
        let draft = guichet::aid_requests::filing::draft_for(
            tenant,
            someone.id,
            &aid,
            guichet::aid_requests::filing::FiledBy::Citizen,
        )
        .await
        .unwrap();
        let txn = tenant.db().begin_write().await.unwrap();
        aid_request::Entity::update_many()
            .col_expr(aid_request::Column::UpdatedAt, Expr::value(years_ago(1)))
            .filter(aid_request::Column::Id.eq(draft.id))
            .exec(&txn)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        abandoned.push(draft.id);
    }

    // The first pass, nothing switched on: it counts, and removes only the call trace.
    let first = passed(&app, &gard, Mode::AsSet).await;
    let decided = outcome(&first, "aides.decidees");
    assert_eq!((decided.due, decided.held, decided.applied), (2, 0, false));
    assert_eq!(outcome(&first, "aides.brouillons").due, 1);
    assert_eq!(outcome(&first, "relations.messages").due, 1);
    assert_eq!(outcome(&first, "relations.rendez_vous").due, 1);
    assert_eq!(outcome(&first, "relations.contacts").due, 1);
    // Karim's document is cited by his message: nothing to remove yet.
    assert_eq!(outcome(&first, "usagers.pieces").due, 0);
    let calls = outcome(&first, "national.appels");
    assert_eq!((calls.due, calls.applied), (1, true));
    assert!(!exists::<national_call::Entity>(&gard, old_call).await);
    assert!(exists::<national_call::Entity>(&gard, recent_call).await);
    assert!(
        exists::<aid_request::Entity>(&gard, karim_request).await,
        "counted, not removed"
    );

    // The administrator reads the count, holds Fatou's file and switches every category on.
    let mut admin = Visitor::signed_in(&app, "/gard", "admin@gard.fr").await;
    let page = admin.get("/gard/agents/admin/conservation").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("2 à supprimer"), "{}", page.body);
    assert!(page.body.contains("Compté seulement"), "{}", page.body);
    let held = admin
        .post(
            "/gard/agents/admin/conservation/litiges",
            &[
                ("csrf", &page.csrf()),
                ("usager", &fatou.id.to_string()),
                ("raison", "Recours contentieux TA Nîmes n° 2406"),
            ],
        )
        .await;
    assert_eq!(held.status, StatusCode::SEE_OTHER, "{}", held.body);
    let page = admin.get("/gard/agents/admin/conservation").await;
    assert!(
        page.body.contains("Recours contentieux TA Nîmes n° 2406"),
        "{}",
        page.body
    );
    let mut form = vec![("csrf".to_owned(), page.csrf())];
    for category in retention::categories() {
        let key = category.id.replace('.', "-");
        form.push((format!("mois-{key}"), category.months.default.to_string()));
        form.push((format!("appliquer-{key}"), "oui".to_owned()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = admin.post("/gard/agents/admin/conservation", &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = admin.get("/gard/agents/admin/conservation").await;
    assert!(
        page.body
            .contains("Les durées de conservation sont enregistrées."),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Compté seulement"), "{}", page.body);

    // The daily pass, as the job runs it.
    let refused_before = refused_counted(&gard).await;
    retention::jobs::apply_all(&app.platform, Some(&app.anchor()))
        .await
        .unwrap();
    assert!(!exists::<aid_request::Entity>(&gard, karim_request).await);
    {
        let txn = gard.db().begin().await.unwrap();
        for (table, left) in [
            (
                "events",
                request_event::Entity::find()
                    .filter(request_event::Column::RequestId.eq(karim_request))
                    .count(&txn)
                    .await
                    .unwrap(),
            ),
            (
                "decisions",
                decision::Entity::find()
                    .filter(decision::Column::RequestId.eq(karim_request))
                    .count(&txn)
                    .await
                    .unwrap(),
            ),
            (
                "messages",
                message::Entity::find()
                    .filter(message::Column::ThreadId.eq(karim_file.thread))
                    .count(&txn)
                    .await
                    .unwrap(),
            ),
        ] {
            assert_eq!(left, 0, "Karim's {table} went with his request");
        }
        txn.commit().await.unwrap();
    }
    assert!(!letter_path.exists(), "the decision letter is deleted");
    assert!(!exists::<message_thread::Entity>(&gard, karim_file.thread).await);
    assert!(!exists::<appointment::Entity>(&gard, karim_file.appointment).await);
    assert_eq!(count::<contact::Entity>(&gard).await, 0);
    // Freed by the thread's removal in the same pass: the row and its bytes.
    assert!(!exists::<document::Entity>(&gard, karim_file.document).await);
    assert!(!document_bytes.exists(), "the document's bytes are deleted");
    assert_eq!(refused_counted(&gard).await, refused_before - 1);
    // Kept: Fatou's (held), Léa's (recent), Marc's (never decided); Hérault's draft.
    for kept in [fatou_request, lea_request, marc_request] {
        assert!(
            exists::<aid_request::Entity>(&gard, kept).await,
            "request {kept} kept"
        );
    }
    assert!(!exists::<aid_request::Entity>(&gard, abandoned[0]).await);
    assert!(
        exists::<aid_request::Entity>(&herault, abandoned[1]).await,
        "another department untouched"
    );
    let runs = retention::last_runs(&gard).await.unwrap();
    let decided = runs
        .iter()
        .find(|r| r.category == "aides.decidees")
        .unwrap();
    assert_eq!((decided.count, decided.held, decided.applied), (1, 1, true));

    // Journaled: in Karim's file, by reference, and as a whole; the chain still verifies.
    let txn = gard.db().begin().await.unwrap();
    let in_karims_file = audit_entry::Entity::find()
        .filter(audit_entry::Column::CitizenId.eq(karim.id))
        .filter(audit_entry::Column::Action.eq("suppression à l'échéance de conservation"))
        .all(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert!(
        in_karims_file
            .iter()
            .any(|e| e.subject.contains(&karim_reference)),
        "{in_karims_file:?}"
    );
    assert!(
        in_karims_file
            .iter()
            .any(|e| e.subject.contains("avis.pdf"))
    );
    assert!(matches!(
        guichet::audit::verify(&gard).await.unwrap(),
        guichet::audit::Verification::Intact { .. }
    ));

    // The appeal ends: the hold is lifted, and the next pass removes Fatou's request.
    let page = admin.get("/gard/agents/admin/conservation").await;
    let lift = page
        .body
        .split("action=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .find(|a| a.ends_with("/lever"))
        .expect("a lift button")
        .to_owned();
    let lifted = admin.post(&lift, &[("csrf", &page.csrf())]).await;
    assert_eq!(lifted.status, StatusCode::SEE_OTHER, "{}", lifted.body);
    let again = passed(&app, &gard, Mode::AsSet).await;
    assert_eq!(outcome(&again, "aides.decidees").due, 1);
    assert!(!exists::<aid_request::Entity>(&gard, fatou_request).await);

    // The operator's report counts and removes nothing.
    let report = app.cli(&["retention", "report", "gard"]);
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(
        report.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&report.stderr)
    );
    assert!(
        text.contains("aides.decidees") && text.contains("à supprimer"),
        "{text}"
    );
    app.stop().await;
}

async fn settings_out_of_bounds_and_unknown_holds_are_refused_in_french(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &[Module::AidRequests]).await;
    app.staffs(
        &gard,
        &[
            ("admin@gard.fr", "Adèle", &[Role::Admin]),
            ("inst@gard.fr", "Ines", &[Role::AidInstructor]),
        ],
    )
    .await;
    let settings = async || -> Vec<(&'static str, retention::Setting)> {
        retention::settings(&gard)
            .await
            .unwrap()
            .into_iter()
            .map(|(c, s)| (c.id, s))
            .collect()
    };
    let before = settings().await;
    let mut admin = Visitor::signed_in(&app, "/gard", "admin@gard.fr").await;
    let page = admin.get("/gard/agents/admin/conservation").await;
    let mut form = vec![("csrf".to_owned(), page.csrf())];
    for category in retention::categories() {
        let key = category.id.replace('.', "-");
        // Every category switched on, one of them with a duration under its bound.
        let months = if category.id == "aides.decidees" {
            "3".to_owned()
        } else {
            category.months.default.to_string()
        };
        form.push((format!("mois-{key}"), months));
        form.push((format!("appliquer-{key}"), "oui".to_owned()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = admin.post("/gard/agents/admin/conservation", &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Indiquez une durée entre 14 et 120 mois"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"3\""),
        "the typed value is shown again"
    );
    assert_eq!(settings().await, before, "nothing saved");

    let unknown = admin
        .post(
            "/gard/agents/admin/conservation/litiges",
            &[
                ("csrf", &page.csrf()),
                ("usager", "99999"),
                ("raison", "Recours"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.body.contains("Aucun usager ne porte ce numéro"),
        "{}",
        unknown.body
    );
    let no_reason = admin
        .post(
            "/gard/agents/admin/conservation/litiges",
            &[("csrf", &page.csrf()), ("usager", "1"), ("raison", "  ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason.body.contains("Indiquez la raison"),
        "{}",
        no_reason.body
    );
    let lifted = admin
        .post(
            "/gard/agents/admin/conservation/litiges/4242/lever",
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(lifted.status, StatusCode::CONFLICT);

    // Not an administrator's colleague's business.
    let mut instructor = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    let page = instructor.get("/gard/agents/admin/conservation").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

/// Rows of `citizen` left in each table of the store that has a citizen column.
async fn rows_left(tenant: &Tenant, citizen: i64) -> Vec<(String, i64)> {
    let mut left = Vec::new();
    let txn = tenant.db().begin().await.unwrap();
    let backend = txn.get_database_backend();
    let with_citizens = guichet::modules::tables()
        .into_iter()
        .filter(|t| t.on_merge != guichet::modules::OnMerge::NoCitizen);
    for table in with_citizens {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM {} WHERE citizen_id = {citizen}",
            table.name
        );
        let row = txn
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .unwrap();
        let n: i64 = row.try_get("", "n").unwrap();
        if n > 0 {
            left.push((table.name.to_owned(), n));
        }
    }
    txn.commit().await.unwrap();
    left
}

async fn a_citizen_erases_what_the_law_allows_and_is_told_why_not_otherwise(backend: Backend) {
    let (app, sink, gard) = crate::harness::app_with_mail(backend).await;
    let aid = rent_aid(&gard).await;

    // Karim filed a request: the department must keep it.
    let karim = simulated(&gard, "sim-karim-benali").await;
    crate::fixtures::file_request(&gard, &aid, &karim, 48_000).await;
    let mut karim_visit = Visitor::new(&app);
    karim_visit
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let page = karim_visit.get("/gard/mon-espace/effacement").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("ne peut pas effacer vos données maintenant"),
        "{}",
        page.body
    );
    assert!(page.body.contains("article 17.3.b"), "{}", page.body);
    let refused = karim_visit
        .post(
            "/gard/mon-espace/effacement",
            &[("csrf", &page.csrf()), ("confirmation", "oui")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        guichet::citizens::find(&gard, karim.id)
            .await
            .unwrap()
            .is_some(),
        "nothing erased"
    );

    // Angela only started a draft, wrote to the department, booked an appointment, sent a
    // document, gave her phone: all of it can go.
    let angela = simulated(&gard, "sim-angela-dubois").await;
    let draft = guichet::aid_requests::filing::draft_for(
        &gard,
        angela.id,
        &aid,
        guichet::aid_requests::filing::FiledBy::Citizen,
    )
    .await
    .unwrap();
    let file = exchanges(&app, &gard, &angela, (&aid, draft.id), "Bonjour", "Appel").await;
    guichet::user_relations::details::save(
        &gard,
        angela.id,
        &guichet::user_relations::details::Details {
            phone: "0466000000".into(),
            postal_address: "1 rue du Gard, Nîmes".into(),
            preferred: guichet::user_relations::details::PreferredChannel::Mail,
        },
    )
    .await
    .unwrap();
    traced_call(&gard, angela.id, Utc::now()).await;
    let stored = {
        let txn = gard.db().begin().await.unwrap();
        let key = document::Entity::find_by_id(file.document)
            .one(&txn)
            .await
            .unwrap()
            .unwrap()
            .storage_key;
        txn.commit().await.unwrap();
        app.platform
            .files_dir(gard.slug())
            .join("documents")
            .join(key)
    };
    assert!(stored.exists());
    let mut visit = Visitor::new(&app);
    visit
        .franceconnect_sign_in("/gard", "sim-angela-dubois")
        .await;
    let page = visit.get("/gard/mon-espace/effacement").await;
    assert!(page.body.contains("Effacer mes données"), "{}", page.body);
    assert!(!page.body.contains("ne peut pas effacer"), "{}", page.body);
    let unconfirmed = visit
        .post("/gard/mon-espace/effacement", &[("csrf", &page.csrf())])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unconfirmed.body.contains("Cochez la case pour confirmer"),
        "{}",
        unconfirmed.body
    );
    assert!(
        guichet::citizens::find(&gard, angela.id)
            .await
            .unwrap()
            .is_some()
    );

    let done = visit
        .post(
            "/gard/mon-espace/effacement",
            &[("csrf", &page.csrf()), ("confirmation", "oui")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains("Vos données sont effacées")
            && done.body.contains("Un courriel vous le confirme"),
        "{}",
        done.body
    );
    assert!(
        guichet::citizens::find(&gard, angela.id)
            .await
            .unwrap()
            .is_none()
    );
    // Left: the journal and the call trace, as the page said; her thread's messages (which
    // name her thread, not her) went with it, her document's bytes with its row.
    let left = rows_left(&gard, angela.id).await;
    let left_tables: Vec<&str> = left.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(left_tables, ["audit_journal", "national_calls"], "{left:?}");
    assert!(!exists::<message_thread::Entity>(&gard, file.thread).await);
    {
        let txn = gard.db().begin().await.unwrap();
        let messages = message::Entity::find()
            .filter(message::Column::ThreadId.eq(file.thread))
            .count(&txn)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        assert_eq!(messages, 0);
    }
    assert!(!stored.exists(), "the document's bytes are deleted");
    assert!(!exists::<aid_request::Entity>(&gard, draft.id).await);
    // A mail confirms it to the address she gave, and says what stays.
    let confirmed = sink.wait_for_subject("Vos données sont effacées").await;
    assert_eq!(confirmed.envelope_to, std::slice::from_ref(&angela.email));
    assert!(
        confirmed.text.contains("Le journal des consultations"),
        "{}",
        confirmed.text
    );
    assert!(
        confirmed
            .text
            .contains("délégué à la protection des données")
    );
    // Signed out: her space asks to sign in again.
    let space = visit.get("/gard/mon-espace").await;
    assert_eq!(space.status, StatusCode::SEE_OTHER);
    let erasure = audit_entry::Column::Action.eq("effacement des données à la demande de l'usager");
    assert_eq!(journaled(&gard, angela.id, erasure).await, 1);
    assert_journal_intact(&gard).await;
    // Karim's file is untouched by hers.
    assert!(
        guichet::citizens::find(&gard, karim.id)
            .await
            .unwrap()
            .is_some()
    );

    // Fatou's file is held for a dispute: refused, and the page says why.
    let fatou = simulated(&gard, "sim-fatou-diallo").await;
    let admin = app.worker(&gard, Role::Admin).await;
    retention::holds::place(&gard, fatou.id, "Recours TA", &admin)
        .await
        .unwrap()
        .unwrap();
    let kept = retention::erasure::assess(&gard, fatou.id).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].why.contains("17.3.e"), "{kept:?}");
    app.stop().await;
}

/// A consent of `citizen` to their family quotient being read, that ended `ended_at`.
async fn consented(tenant: &Tenant, citizen: i64, ended_at: chrono::DateTime<Utc>) -> i64 {
    let txn = tenant.db().begin_write().await.unwrap();
    let row = consent::ActiveModel {
        citizen_id: Set(citizen),
        source: Set(guichet::api_particulier::client::Source::FamilyQuotient),
        aid_id: Set(0),
        given_at: Set(ended_at - Duration::days(90)),
        given_by: Set("citizen".into()),
        staff_id: Set(None),
        expires_at: Set(ended_at),
        withdrawn_at: Set(None),
        subject: Set(None),
        purpose: Set("aid".into()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    txn.commit().await.unwrap();
    row.id
}

/// A pull for `request` under `consent` and the fact it brought: (pull, fact).
async fn pulled(tenant: &Tenant, citizen: i64, request: i64, consent: i64) -> (i64, i64) {
    let txn = tenant.db().begin_write().await.unwrap();
    let source = guichet::api_particulier::client::Source::FamilyQuotient;
    let at = Utc::now() - Duration::days(400);
    let pull = data_pull::ActiveModel {
        idempotency_key: Set(format!("request:{request}:qf:consent:{consent}")),
        citizen_id: Set(citizen),
        request_id: Set(Some(request)),
        source: Set(source),
        consent_id: Set(consent),
        requested_by: Set("citizen".into()),
        staff_id: Set(None),
        state: Set(guichet::national::pull::PullState::Received),
        attempts: Set(1),
        next_attempt_at: Set(0),
        claim: Set(None),
        claimed_until: Set(0),
        enqueued_at: Set(at.timestamp()),
        outcome: Set("reçu".into()),
        created_at: Set(at),
        finished_at: Set(Some(at)),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    let fact = national_fact::ActiveModel {
        pull_id: Set(pull.id),
        citizen_id: Set(citizen),
        source: Set(source),
        endpoint: Set("/v3/dss/quotient_familial/identite".into()),
        consent_id: Set(consent),
        fetched_at: Set(at),
        data: Set("{\"quotient_familial\":{\"valeur\":612}}".into()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    txn.commit().await.unwrap();
    (pull.id, fact.id)
}

/// What the administrations sent for a request goes with the request; an ended consent stays
/// while something it let in is kept, then until its term.
async fn national_data_goes_with_its_request_and_ended_consents_after_their_term(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &[Module::AidRequests]).await;
    let admin = app.worker(&gard, Role::Admin).await;
    let aid = rent_aid(&gard).await;
    // Karim's request, decided three years ago, had his family quotient read under a consent
    // that expired four years ago.
    let (karim_request, _, karim) = filed(&gard, &aid, 1).await;
    decided_at(&gard, karim_request, years_ago(3)).await;
    let karim_consent = consented(&gard, karim.id, years_ago(4)).await;
    let (karim_pull, karim_fact) = pulled(&gard, karim.id, karim_request, karim_consent).await;
    // Léa's, decided last month, the same: her request is kept, so is what it cites.
    let (lea_request, _, lea) = filed(&gard, &aid, 2).await;
    decided_at(&gard, lea_request, Utc::now() - Duration::days(30)).await;
    let lea_consent = consented(&gard, lea.id, years_ago(4)).await;
    let (lea_pull, lea_fact) = pulled(&gard, lea.id, lea_request, lea_consent).await;
    // Marc withdrew his a year ago, nothing was read: within its 36 months.
    let (_, _, marc) = filed(&gard, &aid, 3).await;
    let marc_consent = consented(&gard, marc.id, years_ago(1)).await;

    let counted = passed(&app, &gard, Mode::CountOnly).await;
    assert_eq!(
        outcome(&counted, "national.consentements").due,
        0,
        "Karim's is cited by his pull while his request is kept"
    );
    for category in ["aides.decidees", "national.consentements"] {
        switched_on(&gard, category, &admin).await;
    }
    let pass = passed(&app, &gard, Mode::AsSet).await;
    assert!(!exists::<aid_request::Entity>(&gard, karim_request).await);
    assert!(
        !exists::<data_pull::Entity>(&gard, karim_pull).await
            && !exists::<national_fact::Entity>(&gard, karim_fact).await,
        "what was read for Karim's request went with it"
    );
    // Requests go before consents in a pass: freed, Karim's went in the same pass.
    assert_eq!(outcome(&pass, "national.consentements").due, 1);
    assert!(!exists::<consent::Entity>(&gard, karim_consent).await);
    assert!(exists::<data_pull::Entity>(&gard, lea_pull).await);
    assert!(exists::<national_fact::Entity>(&gard, lea_fact).await);
    assert!(exists::<consent::Entity>(&gard, lea_consent).await);
    assert!(exists::<consent::Entity>(&gard, marc_consent).await);
    // Journaled in Karim's file; the journal still verifies.
    let consent_entry = audit_entry::Column::Subject.contains(format!("accord n° {karim_consent}"));
    assert_eq!(journaled(&gard, karim.id, consent_entry).await, 1);
    assert_journal_intact(&gard).await;
    app.stop().await;
}
