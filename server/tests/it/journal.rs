//! Every journal entry commits with the change it records: when the journal cannot be
//! written, the change does not happen either (staff accounts in the platform's store, the
//! department's own data in its store).

use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use tenants::{Module, Tenant};

use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(a_change_whose_entry_cannot_be_written_does_not_happen);

/// Makes every append to the department's journal fail, as a full disk or a broken store
/// would.
async fn break_the_journal(tenant: &Tenant) {
    let txn = tenant.db().begin().await.unwrap();
    let statements: &[&str] = match txn.get_database_backend() {
        sea_orm::DbBackend::Postgres => &[
            "CREATE FUNCTION journal_unavailable() RETURNS trigger LANGUAGE plpgsql AS $$ \
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
    let txn = tenant.db().begin().await.unwrap();
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
