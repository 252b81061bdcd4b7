//! Departments compared: only those that agree, within their size band, on figures that left
//! their store with secrecy applied; the administrator's form, the supervisors' page, the
//! operator's view and the open-data export.

use chrono::{NaiveDate, TimeZone, Utc};
use guichet::entity::{aid_request, audit_entry, statistics_shared};
use guichet::server::ServerOptions;
use guichet::staff::Role;
use guichet::statistics::comparison::{self, Profile};
use guichet::statistics::indicators;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tenants::{Module, Tenant};

use crate::fixtures::{AidBuilder, filed};
use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    departments_that_agree_are_compared_within_their_size_band,
    the_operator_sees_every_band_and_publishes_calendar_years
);

/// Secrecy at 2 persons, so that a handful of requests make a figure.
const THRESHOLD: u64 = 2;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

async fn start(backend: Backend) -> TestApp {
    let options = ServerOptions {
        statistics_threshold: THRESHOLD,
        ..ServerOptions::default()
    };
    TestApp::start_with(backend, options).await
}

/// When the figures are computed: in January, so that the twelve months are 2026.
const TODAY: &str = "2027-01-10";

/// A department that filed `requests` aid requests in June 2026, its figures computed.
async fn department(app: &TestApp, slug: &str, requests: usize) -> Tenant {
    let tenant = app.tenant(slug, &[Module::AidRequests]).await;
    let aid = AidBuilder::new("Aide au loyer")
        .category("logement")
        .create(&tenant)
        .await;
    for n in 0..requests {
        filed(&tenant, &aid, n).await;
    }
    let june = Utc.from_utc_datetime(&day("2026-06-15").and_hms_opt(10, 0, 0).unwrap());
    let txn = tenant.db().begin_write().await.unwrap();
    aid_request::Entity::update_many()
        .col_expr(aid_request::Column::SubmittedAt, Expr::value(june))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    indicators::compute(&tenant, day(TODAY)).await.unwrap();
    tenant
}

/// Five small departments that agreed, with 2 to 6 requests.
async fn small_band(app: &TestApp) -> Vec<Tenant> {
    let mut band = Vec::new();
    for (n, (slug, code)) in [
        ("lozere", "48"),
        ("creuse", "23"),
        ("cantal", "15"),
        ("gers", "32"),
        ("ariege", "09"),
    ]
    .into_iter()
    .enumerate()
    {
        let tenant = department(app, slug, n + 2).await;
        declare(app, &tenant, code, "moins_250k", true).await;
        band.push(tenant);
    }
    band
}

/// Declares `tenant` compared (or not) as its administrator would, journal entry included.
async fn declare(app: &TestApp, tenant: &Tenant, code: &str, size: &str, compared: bool) {
    let admin = app.worker(tenant, Role::Admin).await;
    let entry = guichet::staff::desk::event(&admin, "profil statistique", code, "", None);
    let profile = Profile::parse(code, size, compared).unwrap();
    comparison::save(&app.platform, tenant, &profile, entry, THRESHOLD)
        .await
        .unwrap();
}

async fn shared(app: &TestApp, tenant: &Tenant) -> Vec<statistics_shared::Model> {
    statistics_shared::Entity::find()
        .filter(statistics_shared::Column::TenantId.eq(tenant.id()))
        .order_by_asc(statistics_shared::Column::Indicator)
        .all(app.platform.db())
        .await
        .unwrap()
}

/// The cells of the row headed `row` in the page's table, as text.
fn cells(body: &str, row: &str) -> Vec<String> {
    let start = body
        .find(&format!(">{row}</th>"))
        .unwrap_or_else(|| panic!("no row « {row} »: {body}"));
    let rest = &body[start..];
    let row = &rest[..rest.find("</tr>").unwrap()];
    row.split("<span class=\"cell\">")
        .skip(1)
        .map(|c| c[..c.find("</span>").unwrap()].to_owned())
        .collect()
}

async fn departments_that_agree_are_compared_within_their_size_band(backend: Backend) {
    let app = start(backend).await;
    let band = small_band(&app).await;
    // A larger one, and a small one that did not agree: neither counts.
    let large = department(&app, "nord", 40).await;
    declare(&app, &large, "59", "1m_plus", true).await;
    let quiet = department(&app, "lot", 30).await;
    declare(&app, &quiet, "46", "moins_250k", false).await;
    assert!(shared(&app, &quiet).await.is_empty());

    // The Gard's administrator has its figures computed, then agrees on its page.
    let gard = department(&app, "gard", 1).await;
    app.staffs(
        &gard,
        &[
            ("adm@gard.fr", "Ada", &[Role::Admin]),
            ("sup@gard.fr", "Sam", &[Role::Supervisor]),
            ("inst@gard.fr", "Inès", &[Role::AidInstructor]),
        ],
    )
    .await;
    let mut adm = Visitor::signed_in(&app, "/gard", "adm@gard.fr").await;
    let page = adm.get("/gard/agents/statistiques/comparaison").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("pas comparé"), "{}", page.body);
    // Wrong choices: said in French, nothing saved.
    let wrong = adm
        .post(
            "/gard/agents/statistiques/comparaison",
            &[
                ("csrf", &page.csrf()),
                ("departement", "20"),
                ("taille", "enorme"),
                ("comparer", "oui"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(
        wrong
            .body
            .contains("Choisissez le département dans la liste"),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("Choisissez la taille du département"));
    assert!(shared(&app, &gard).await.is_empty());
    // Another department's code is refused.
    let taken = adm
        .post(
            "/gard/agents/statistiques/comparaison",
            &[
                ("csrf", &page.csrf()),
                ("departement", "48"),
                ("taille", "moins_250k"),
                ("comparer", "oui"),
            ],
        )
        .await;
    assert_eq!(taken.status, 422);
    assert!(
        taken.body.contains("déjà comparé sous le code 48"),
        "{}",
        taken.body
    );
    let saved = adm
        .post(
            "/gard/agents/statistiques/comparaison",
            &[
                ("csrf", &page.csrf()),
                ("departement", "30"),
                ("taille", "moins_250k"),
                ("comparer", "oui"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    // What left the Gard: one figure per count, no name, its one request secret; nothing
    // decided, so no delay nor share.
    let figures = shared(&app, &gard).await;
    let names: Vec<&str> = figures.iter().map(|f| f.indicator.as_str()).collect();
    assert_eq!(
        names,
        [
            "aid_requests.decided",
            "aid_requests.filed",
            "aid_requests.granted",
            "aid_requests.refused"
        ]
    );
    assert!(figures.iter().all(|f| f.ending == "2026-12"));
    let filed_figure = figures
        .iter()
        .find(|f| f.indicator == "aid_requests.filed")
        .unwrap();
    assert_eq!(
        (filed_figure.department.as_str(), filed_figure.value),
        ("30", None)
    );
    let journal = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("profil statistique du département modifié"))
        .all(&gard.db().begin().await.unwrap())
        .await
        .unwrap();
    assert_eq!(journal.len(), 1);

    // The supervisor reads the comparison: the band's quartiles of 2, 3, 4, 5, 6 requests.
    let mut sup = Visitor::signed_in(&app, "/gard", "sup@gard.fr").await;
    let page = sup.get("/gard/agents/statistiques/comparaison").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("Les 12 mois de janvier 2026 à décembre 2026"),
        "{}",
        page.body
    );
    assert_eq!(
        cells(&page.body, "Demandes déposées"),
        ["s", "3", "4", "5", "5"]
    );
    // Nothing decided anywhere: no delay to compare.
    assert_eq!(
        cells(&page.body, "Délai médian de traitement (jours)"),
        ["–", "–", "–", "–", "0"]
    );
    // The form is the administrator's.
    assert!(!page.body.contains("Être comparé"));
    let refused = sup
        .post(
            "/gard/agents/statistiques/comparaison",
            &[
                ("csrf", &page.csrf()),
                ("departement", "30"),
                ("taille", "moins_250k"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(shared(&app, &gard).await.len(), figures.len());
    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    assert_eq!(
        inst.get("/gard/agents/statistiques/comparaison")
            .await
            .status,
        403
    );

    // With one department fewer in the band, no quartile: too close to each one's figure.
    let ariege = &band[4];
    declare(&app, ariege, "09", "moins_250k", false).await;
    assert!(shared(&app, ariege).await.is_empty());
    let page = sup.get("/gard/agents/statistiques/comparaison").await;
    assert_eq!(
        cells(&page.body, "Demandes déposées"),
        ["s", "–", "–", "–", "4"]
    );

    // Unticking withdraws the Gard's figures at once.
    let form = adm.get("/gard/agents/statistiques/comparaison").await;
    let out = adm
        .post(
            "/gard/agents/statistiques/comparaison",
            &[
                ("csrf", &form.csrf()),
                ("departement", "30"),
                ("taille", "moins_250k"),
            ],
        )
        .await;
    assert_eq!(out.status, 303);
    assert!(shared(&app, &gard).await.is_empty());
    let page = adm.get("/gard/agents/statistiques/comparaison").await;
    assert!(
        page.body.contains("ses chiffres partagés sont retirés"),
        "{}",
        page.body
    );
    app.stop().await;
}

async fn the_operator_sees_every_band_and_publishes_calendar_years(backend: Backend) {
    let app = start(backend).await;
    small_band(&app).await;
    let corse = department(&app, "corse-du-sud", 1).await;
    declare(&app, &corse, "2a", "moins_250k", true).await;
    let quiet = department(&app, "lot", 30).await;
    declare(&app, &quiet, "46", "moins_250k", false).await;

    let out = app.cli(&["statistics", "compare"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Moins de 250 000 habitants — les 12 mois jusqu'à décembre 2026"),
        "{text}"
    );
    assert!(
        text.contains("Demandes déposées : 1er quartile 3, médiane 4, 3e quartile 5"),
        "{text}"
    );
    assert!(text.contains("    2A Corse-du-Sud : s"), "{text}");
    assert!(text.contains("    48 Lozère : 2"), "{text}");
    assert!(
        !text.contains("Lot"),
        "a department that did not agree: {text}"
    );
    let json = app.cli(&["statistics", "compare", "--json"]);
    let bands: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(bands[0]["size"], "moins_250k");
    assert_eq!(bands[0]["ending"], "2026-12");

    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("export");
    let out = app.cli(&[
        "statistics",
        "open-data",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let csv =
        std::fs::read_to_string(out_dir.join("guichet-indicateurs-departements.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("departement,departement_nom,taille,annee,indicateur,indicateur_nom,unite,valeur")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.contains(&"48,Lozère,moins_250k,2026,aid_requests.filed,Demandes déposées,nombre,2"),
        "{csv}"
    );
    assert!(
        rows.contains(
            &"2A,Corse-du-Sud,moins_250k,2026,aid_requests.filed,Demandes déposées,nombre,s"
        ),
        "{csv}"
    );
    assert!(!rows.iter().any(|r| r.starts_with("46,")), "{csv}");
    // Every figure is a count of none or at least the threshold, or « s ».
    for row in &rows {
        let fields: Vec<&str> = row.split(',').collect();
        if fields[6] == "nombre" {
            let value = fields[7];
            assert!(
                value == "s" || value.parse::<u64>().is_ok_and(|n| n == 0 || n >= THRESHOLD),
                "{row}"
            );
        }
    }
    // The schema describes every column the file has, with the codes it may hold.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("guichet-indicateurs-departements.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let names: Vec<&str> = schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.join(","),
        "departement,departement_nom,taille,annee,indicateur,indicateur_nom,unite,valeur"
    );
    assert_eq!(schema["missingValues"][0], "s");
    assert!(
        schema["fields"][0]["constraints"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "2A")
    );

    // Removing a department removes what it shared.
    let out = app.cli(&["tenant", "remove", "lozere", "--yes"]);
    assert!(out.status.success(), "{out:?}");
    let left = statistics_shared::Entity::find()
        .filter(statistics_shared::Column::Department.eq("48"))
        .all(app.platform.db())
        .await
        .unwrap();
    assert!(left.is_empty());
    app.stop().await;
}
