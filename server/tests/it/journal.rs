//! Every journal entry commits with the change it records: when the journal cannot be
//! written, the change does not happen either (staff accounts in the platform's store, the
//! department's own data in its store).

use guichet::aid_requests::filing::{self, Status};
use guichet::ids::{CitizenId, RequestId};
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use tenants::{Module, Tenant};

use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    a_change_whose_entry_cannot_be_written_does_not_happen,
    assisted_filing_lands_only_with_its_entry,
);

/// Makes every append to the department's journal fail, as a full disk or a broken store
/// would.
async fn break_the_journal(tenant: &Tenant) {
    let txn = tenant.db().begin_as_owner().await.unwrap();
    let statements: &[&str] = match txn.get_database_backend() {
        sea_orm::DbBackend::Postgres => &[
            "CREATE OR REPLACE FUNCTION journal_unavailable() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'journal indisponible'; END $$",
            "CREATE TRIGGER journal_unavailable BEFORE INSERT ON audit_journal \
             FOR EACH ROW EXECUTE FUNCTION journal_unavailable()",
        ],
        _ => &[
            "CREATE TRIGGER journal_unavailable BEFORE INSERT ON audit_journal \
                BEGIN SELECT RAISE(ABORT, 'journal indisponible'); END",
        ],
    };
    for statement in statements {
        txn.execute_unprepared(statement).await.unwrap();
    }
    txn.commit().await.unwrap();
}

async fn repair_the_journal(tenant: &Tenant) {
    let txn = tenant.db().begin_as_owner().await.unwrap();
    let statement = match txn.get_database_backend() {
        sea_orm::DbBackend::Postgres => "DROP TRIGGER journal_unavailable ON audit_journal",
        _ => "DROP TRIGGER journal_unavailable",
    };
    txn.execute_unprepared(statement).await.unwrap();
    txn.commit().await.unwrap();
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

async fn entries(tenant: &Tenant) -> u64 {
    count::<guichet::entity::audit_entry::Entity>(tenant).await
}

async fn aids(tenant: &Tenant) -> u64 {
    count::<guichet::entity::aid::Entity>(tenant).await
}

async fn roles_of(app: &TestApp, tenant: &Tenant, id: i64) -> Vec<Role> {
    guichet::staff::find_account(&app.platform, tenant, id)
        .await
        .unwrap()
        .unwrap()
        .roles
}

async fn a_change_whose_entry_cannot_be_written_does_not_happen(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    app.staff(&gard, "admin@gard.fr", "Adèle", &[Role::Admin])
        .await;
    let bruno = app
        .staff(&gard, "bruno@gard.fr", "Bruno", &[Role::Reception])
        .await;
    let mut admin = Visitor::signed_in(&app, "/gard", "admin@gard.fr").await;
    let csrf = admin.csrf("/gard").await;
    let before = entries(&gard).await;

    break_the_journal(&gard).await;
    // A role change (platform store), an account creation with its activation link, a
    // deactivation, a new aid (the department's store): each fails whole.
    let roles = admin
        .post(
            &format!("/gard/agents/admin/comptes/{bruno}"),
            &[("csrf", &csrf), ("roles", "aid_instructor")],
        )
        .await;
    let created = admin
        .post(
            "/gard/agents/admin/comptes/nouveau",
            &[
                ("csrf", &csrf),
                ("display_name", "Claire"),
                ("email", "claire@gard.fr"),
                ("roles", "reception"),
            ],
        )
        .await;
    let deactivated = admin
        .post(
            &format!("/gard/agents/admin/comptes/{bruno}/desactiver"),
            &[("csrf", &csrf)],
        )
        .await;
    let aid = admin
        .post(
            "/gard/agents/admin/aides/nouvelle",
            &[
                ("csrf", &csrf),
                ("title", "Aide au loyer"),
                ("description", "Une aide pour payer le loyer."),
                ("eligibility", "Les locataires du département."),
                ("deadline_days", "60"),
                ("silence", "refusal"),
            ],
        )
        .await;
    for (what, page) in [
        ("roles", &roles),
        ("creation", &created),
        ("deactivation", &deactivated),
        ("aid", &aid),
    ] {
        assert_eq!(
            page.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{what}: {}",
            page.body
        );
    }
    assert_eq!(roles_of(&app, &gard, bruno).await, vec![Role::Reception]);
    let accounts = guichet::staff::list_accounts(&app.platform, &gard)
        .await
        .unwrap();
    assert!(accounts.iter().all(|a| a.email != "claire@gard.fr"));
    assert!(accounts.iter().find(|a| a.id == bruno).unwrap().active);
    assert_eq!(aids(&gard).await, 0);
    assert_eq!(entries(&gard).await, before);

    // Once the journal can be written again, the same change lands with its entry.
    repair_the_journal(&gard).await;
    let roles = admin
        .post(
            &format!("/gard/agents/admin/comptes/{bruno}"),
            &[("csrf", &csrf), ("roles", "aid_instructor")],
        )
        .await;
    assert_eq!(roles.status, StatusCode::SEE_OTHER, "{}", roles.body);
    assert_eq!(
        roles_of(&app, &gard, bruno).await,
        vec![Role::AidInstructor]
    );
    assert_eq!(entries(&gard).await, before + 1);
    let last = guichet::audit::recent(&gard, 1).await.unwrap().remove(0);
    assert_eq!(last.action, "modification des rôles d'un agent");
    assert_eq!(last.actor_email, "admin@gard.fr");
    assert!(matches!(
        guichet::audit::verify(&gard).await.unwrap(),
        guichet::audit::Verification::Intact { .. }
    ));
    app.stop().await;
}

async fn requests(tenant: &Tenant) -> u64 {
    count::<guichet::entity::aid_request::Entity>(tenant).await
}

/// Reception filing for a citizen under their mandate: opening the draft, saving a page and
/// filing each land with the entry the citizen reads, or not at all.
async fn assisted_filing_lands_only_with_its_entry(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    let paul = app
        .staff(&gard, "paul@gard.fr", "Paul", &[Role::Reception])
        .await;
    let loyer = crate::fixtures::rent_aid(&gard).await;
    let (_, _, angela) = crate::fixtures::filed(&gard, &loyer, 1).await;
    let paul_account = app.account(&gard, paul).await;
    let desk = guichet::user_relations::Desk::open(&gard, &paul_account).unwrap();
    let mandate = crate::fixtures::mandate_for(&desk, &angela, &loyer)
        .await
        .id;
    let mut reception = Visitor::signed_in(&app, "/gard", "paul@gard.fr").await;
    let csrf = reception.csrf("/gard").await;
    let open = format!("/gard/agents/mandats/{mandate}/aides/{}", loyer.slug);
    let last_action = async || {
        guichet::audit::recent(&gard, 1)
            .await
            .unwrap()
            .remove(0)
            .action
    };

    break_the_journal(&gard).await;
    let (before, drafts) = (entries(&gard).await, requests(&gard).await);
    let opened = reception.post(&open, &[("csrf", &csrf)]).await;
    assert_eq!(
        opened.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        opened.body
    );
    assert_eq!(requests(&gard).await, drafts, "no draft without its entry");
    assert_eq!(entries(&gard).await, before);
    repair_the_journal(&gard).await;
    let opened = reception.post(&open, &[("csrf", &csrf)]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(
        last_action().await,
        "ouverture d'une demande (dépôt assisté)"
    );
    let step = opened.location.unwrap();
    let draft: i64 = step
        .split("/demandes/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .parse()
        .unwrap();
    let draft_now = async || {
        filing::find_for_citizen(&gard, CitizenId(angela.id), RequestId(draft))
            .await
            .unwrap()
            .unwrap()
    };

    break_the_journal(&gard).await;
    let before = entries(&gard).await;
    let saved = reception
        .post_multipart(&step, &[("csrf", &csrf), ("f1", "520")], &[])
        .await;
    assert_eq!(
        saved.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        saved.body
    );
    assert!(
        draft_now().await.answers.is_empty(),
        "no answer without its entry"
    );
    repair_the_journal(&gard).await;
    let saved = reception
        .post_multipart(&step, &[("csrf", &csrf), ("f1", "520")], &[])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        last_action().await,
        "saisie dans une demande (dépôt assisté)"
    );
    assert_eq!(entries(&gard).await, before + 1);

    break_the_journal(&gard).await;
    let submit = format!("/gard/agents/mandats/{mandate}/demandes/{draft}/deposer");
    let filed = reception.post(&submit, &[("csrf", &csrf)]).await;
    assert_eq!(
        filed.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        filed.body
    );
    let still = draft_now().await;
    assert_eq!(still.status, Status::Draft, "not filed without its entry");
    assert_eq!(still.reference, None);
    repair_the_journal(&gard).await;
    let filed = reception.post(&submit, &[("csrf", &csrf)]).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    assert_eq!(draft_now().await.status, Status::Submitted);
    assert_eq!(last_action().await, "dépôt d'une demande (dépôt assisté)");
    let entry = guichet::audit::recent(&gard, 1).await.unwrap().remove(0);
    assert_eq!(entry.actor_email, "paul@gard.fr");
    assert_eq!(entry.citizen_id, Some(angela.id));
    assert!(matches!(
        guichet::audit::verify(&gard).await.unwrap(),
        guichet::audit::Verification::Intact { .. }
    ));
    app.stop().await;
}

/// A PostgreSQL user that may neither create the data role nor take it (no `CREATEROLE`): the
/// platform does not start half-protected, and says what the database's administrator runs.
#[tokio::test]
async fn postgres_without_the_data_role_says_how_to_grant_it() {
    let admin = sea_orm::Database::connect(&crate::harness::pg_admin_url())
        .await
        .expect("PostgreSQL must be running for the PostgreSQL cases (see README)");
    let suffix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let (owner, database) = (
        format!("guichet_it_owner_{suffix}"),
        format!("guichet_it_norole_{suffix}"),
    );
    admin
        .execute_unprepared(&format!("CREATE ROLE {owner} LOGIN"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {database} OWNER {owner}"))
        .await
        .unwrap();
    // The same server, as the new user (trust authentication, as in CI).
    let admin_url = crate::harness::pg_admin_url();
    let server = admin_url
        .split_once('@')
        .unwrap()
        .1
        .rsplit_once('/')
        .unwrap()
        .0;
    let data_dir = tempfile::tempdir().unwrap();
    let opened = tenants::Platform::open(tenants::StoreConfig {
        engine: tenants::Engine::Postgres {
            url: format!("postgres://{owner}@{server}/{database}"),
        },
        data_dir: data_dir.path().to_owned(),
        pg_max_connections: 2,
        files: Default::default(),
    })
    .await;
    let refused = opened
        .err()
        .expect("no start without the data role")
        .to_string();
    assert!(
        refused.contains("CREATE ROLE guichet_tenant_data NOLOGIN; GRANT guichet_tenant_data TO"),
        "{refused}"
    );
    for statement in [
        format!("DROP DATABASE {database} WITH (FORCE)"),
        format!("DROP ROLE {owner}"),
    ] {
        admin.execute_unprepared(&statement).await.unwrap();
    }
}
