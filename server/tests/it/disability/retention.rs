//! How long an MDPH file is kept: a right granted without limit keeps its file; once every
//! right ended past the term, the whole file goes when switched on (requests, pieces and the
//! medical ones' sealed bytes, what the CAF said about the AAH), journaled in the person's file;
//! its page is gone, not broken.

use chrono::{Duration, Utc};
use guichet::disability::files::Status;
use guichet::entity::{
    audit_entry, data_pull, disability_file, disability_piece, disability_request,
};
use guichet::retention::Mode;
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use tenants::Tenant;

use super::{
    RECEPTION, certificate_only, fatou_files, file_row, fill_form, pieces_of, requests_of, setup,
};
use crate::fixtures::{assert_journal_intact, journaled, passed, switched_on};
use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    a_file_goes_two_years_after_its_last_right_ended_unless_one_has_no_limit,
    a_draft_never_filed_goes_and_its_author_may_erase_it,
);

/// Decides file `id` three years ago, its rights ending two and a half years ago, the first
/// one `without_limit` if asked.
async fn decided_long_ago(tenant: &Tenant, id: i64, without_limit: bool) {
    let three_years_ago = Utc::now() - Duration::days(3 * 365);
    let ended = (Utc::now() - Duration::days(30 * 30)).date_naive();
    let first = requests_of(tenant, id).await[0].id;
    let txn = tenant.db().begin_write().await.unwrap();
    disability_file::Entity::update_many()
        .col_expr(
            disability_file::Column::Status,
            Expr::value(Status::Decided.id()),
        )
        .col_expr(
            disability_file::Column::UpdatedAt,
            Expr::value(three_years_ago),
        )
        .filter(disability_file::Column::Id.eq(id))
        .exec(&txn)
        .await
        .unwrap();
    disability_request::Entity::update_many()
        .col_expr(disability_request::Column::Status, Expr::value("decided"))
        .col_expr(
            disability_request::Column::DecidedOn,
            Expr::value(three_years_ago.date_naive()),
        )
        .col_expr(disability_request::Column::EndsOn, Expr::value(ended))
        .col_expr(disability_request::Column::WithoutLimit, Expr::value(false))
        .filter(disability_request::Column::FileId.eq(id))
        .exec(&txn)
        .await
        .unwrap();
    disability_request::Entity::update_many()
        .col_expr(
            disability_request::Column::WithoutLimit,
            Expr::value(without_limit),
        )
        .filter(disability_request::Column::Id.eq(first))
        .exec(&txn)
        .await
        .unwrap();
    disability_piece::Entity::update_many()
        .col_expr(
            disability_piece::Column::CreatedAt,
            Expr::value(three_years_ago),
        )
        .filter(disability_piece::Column::FileId.eq(id))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
}

/// The national data pulls made in `citizen`'s name.
async fn pulls_of(tenant: &Tenant, citizen: i64) -> u64 {
    let txn = tenant.db().begin().await.unwrap();
    let n = data_pull::Entity::find()
        .filter(data_pull::Column::CitizenId.eq(citizen))
        .count(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    n
}

async fn due(app: &TestApp, tenant: &Tenant) -> u64 {
    due_in(app, tenant, "handicap.dossiers").await
}

async fn due_in(app: &TestApp, tenant: &Tenant, category: &str) -> u64 {
    let outcomes = passed(app, tenant, Mode::AsSet).await;
    outcomes
        .iter()
        .find(|o| o.category == category)
        .expect("the disability category in the pass")
        .due
}

async fn a_file_goes_two_years_after_its_last_right_ended_unless_one_has_no_limit(
    backend: Backend,
) {
    let (app, _sink, gard) = setup(backend).await;
    let admin = app.worker(&gard, Role::Admin).await;
    let (_fatou, _, id) = fatou_files(&app).await;
    let citizen = file_row(&gard, id).await.citizen_id;
    let sealed = sealed_of(&app, &gard, &pieces_of(&gard, id).await);
    assert_eq!(sealed.len(), 1, "the certificate is sealed");
    assert!(sealed[0].exists());
    // She let the MDPH ask the CAF about the AAH: a pull for her files, outside any request.
    guichet::disability::caf::agree(&app.platform, &gard, citizen, Utc::now())
        .await
        .unwrap();
    assert_eq!(pulls_of(&gard, citizen).await, 1);

    // A right granted without limit keeps the file, however old.
    decided_long_ago(&gard, id, true).await;
    assert_eq!(due(&app, &gard).await, 0);
    // Every right ended two and a half years ago: counted, kept until switched on.
    decided_long_ago(&gard, id, false).await;
    assert_eq!(due(&app, &gard).await, 1);
    assert_eq!(requests_of(&gard, id).await.len(), 3);
    switched_on(&gard, "handicap.dossiers", &admin).await;
    assert_eq!(due(&app, &gard).await, 1);

    assert!(requests_of(&gard, id).await.is_empty());
    assert!(pieces_of(&gard, id).await.is_empty());
    let txn = gard.db().begin().await.unwrap();
    let file = disability_file::Entity::find_by_id(id).one(&txn).await;
    txn.commit().await.unwrap();
    assert!(file.unwrap().is_none());
    let removal = Condition::all()
        .add(audit_entry::Column::Subject.contains(format!("dossier MDPH n° {id}")))
        .add(audit_entry::Column::Action.eq("suppression à l'échéance de conservation"));
    assert_eq!(journaled(&gard, citizen, removal).await, 1);
    assert!(
        !sealed[0].exists(),
        "the sealed certificate went with its row"
    );
    assert_eq!(
        pulls_of(&gard, citizen).await,
        0,
        "the CAF's answer went with her last file"
    );
    assert_journal_intact(&gard).await;
    let mut reception = Visitor::signed_in(&app, "/gard", RECEPTION).await;
    let page = reception
        .get(&format!("/gard/agents/handicap/dossiers/{id}"))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
    let list = reception.get("/gard/agents/handicap").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    app.stop().await;
}

/// The sealed bytes of file `id`'s medical pieces, on disk.
fn sealed_of(
    app: &TestApp,
    tenant: &Tenant,
    pieces: &[disability_piece::Model],
) -> Vec<std::path::PathBuf> {
    pieces
        .iter()
        .filter_map(|p| p.sealed_key.as_ref())
        .map(|key| {
            app.platform
                .files_dir(tenant.slug())
                .join("medical")
                .join(key)
        })
        .collect()
}

/// Draft `id`, with its pieces, last touched seven months ago.
async fn left_seven_months_ago(tenant: &Tenant, id: i64) {
    let then = Utc::now() - Duration::days(7 * 30);
    let txn = tenant.db().begin_write().await.unwrap();
    disability_file::Entity::update_many()
        .col_expr(disability_file::Column::UpdatedAt, Expr::value(then))
        .filter(disability_file::Column::Id.eq(id))
        .exec(&txn)
        .await
        .unwrap();
    disability_piece::Entity::update_many()
        .col_expr(disability_piece::Column::CreatedAt, Expr::value(then))
        .filter(disability_piece::Column::FileId.eq(id))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
}

async fn a_draft_never_filed_goes_and_its_author_may_erase_it(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    let admin = app.worker(&gard, Role::Admin).await;
    // Fatou started a file for her son, sent his medical certificate, and never filed it.
    let mut fatou = Visitor::new(&app);
    fatou
        .franceconnect_sign_in("/gard", "sim-fatou-diallo")
        .await;
    let page = fill_form(&mut fatou).await;
    certificate_only(&mut fatou, &page).await;
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let draft = file_row(&gard, id).await;
    assert_eq!(draft.status, Status::Draft.id());
    let sealed = sealed_of(&app, &gard, &pieces_of(&gard, id).await);
    assert_eq!(sealed.len(), 1);
    assert!(sealed[0].exists());

    // Touched last month: kept. Seven months ago: counted, then removed once switched on.
    assert_eq!(due_in(&app, &gard, "handicap.brouillons").await, 0);
    let space = fatou.get("/gard/mon-espace").await;
    assert!(
        !space.body.contains("Gardé jusqu'au"),
        "kept while not switched on"
    );
    left_seven_months_ago(&gard, id).await;
    assert_eq!(due_in(&app, &gard, "handicap.brouillons").await, 1);
    assert_eq!(pieces_of(&gard, id).await.len(), 1, "counted only");
    switched_on(&gard, "handicap.brouillons", &admin).await;
    assert_eq!(due_in(&app, &gard, "handicap.brouillons").await, 1);
    assert!(pieces_of(&gard, id).await.is_empty());
    assert!(!sealed[0].exists(), "the certificate's sealed bytes went");
    let removal = Condition::all()
        .add(audit_entry::Column::Subject.contains(format!("brouillon de dossier MDPH n° {id}")));
    assert_eq!(journaled(&gard, draft.citizen_id, removal).await, 1);
    let gone = fatou.get(&page).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.body);

    // She starts again, then asks for her data to be erased: a draft no longer stops it.
    let again = fill_form(&mut fatou).await;
    certificate_only(&mut fatou, &again).await;
    let id: i64 = again.rsplit('/').next().unwrap().parse().unwrap();
    let sealed = sealed_of(&app, &gard, &pieces_of(&gard, id).await);
    // Her space says until when the new draft is kept.
    let goes = Utc::now()
        .checked_add_months(chrono::Months::new(6))
        .unwrap();
    let space = fatou.get("/gard/mon-espace").await;
    let said = format!(
        "Gardé jusqu'au {} : déposez-le avant, sinon il sera effacé.",
        guichet::dates::on(guichet::dates::day_of(goes))
    );
    assert!(space.body.contains(&said), "{said} in {}", space.body);
    let asked = fatou.get("/gard/mon-espace/effacement").await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(
        !asked
            .body
            .contains("ne peut pas effacer vos données maintenant"),
        "{}",
        asked.body
    );
    let erased = fatou
        .post(
            "/gard/mon-espace/effacement",
            &[("csrf", &asked.csrf()), ("confirmation", "oui")],
        )
        .await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.body);
    assert!(erased.body.contains("Données effacées"), "{}", erased.body);
    let txn = gard.db().begin().await.unwrap();
    let left = disability_file::Entity::find()
        .filter(disability_file::Column::CitizenId.eq(draft.citizen_id))
        .count(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(left, 0);
    assert!(!sealed[0].exists(), "the new certificate's bytes went too");
    assert_journal_intact(&gard).await;
    app.stop().await;
}
