//! Statistics: each module's indicators computed from its own tables into monthly figures,
//! kept per department; older months keep what was computed; on demand from the command line.

use chrono::{NaiveDate, TimeZone, Utc};
use guichet::aid_requests::{Desk, exchange};
use guichet::entity::{aid_request, decision as decision_row};
use guichet::staff::Role;
use guichet::statistics::indicators::{self, Month, Stored};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tenants::{Module, Tenant};

use crate::fixtures::{self, AidBuilder, filed};
use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    aid_requests_are_counted_by_month_and_category,
    older_months_keep_their_figures_and_recent_ones_are_recomputed,
    a_supervisor_reads_charts_and_tables_that_keep_small_counts_secret
);

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Moves request `id` to having been filed on `on` and due on `due` (and decided on
/// `decided`, if it was): the test writes history that took months.
async fn dated(tenant: &Tenant, id: i64, on: &str, due: &str, decided: Option<&str>) {
    let at = |d: &str| Utc.from_utc_datetime(&day(d).and_hms_opt(10, 0, 0).unwrap());
    let txn = tenant.db().begin_write().await.unwrap();
    aid_request::Entity::update_many()
        .col_expr(aid_request::Column::SubmittedAt, Expr::value(at(on)))
        .col_expr(aid_request::Column::DueOn, Expr::value(day(due)))
        .filter(aid_request::Column::Id.eq(id))
        .exec(&txn)
        .await
        .unwrap();
    if let Some(decided) = decided {
        decision_row::Entity::update_many()
            .col_expr(decision_row::Column::DecidedAt, Expr::value(at(decided)))
            .filter(decision_row::Column::RequestId.eq(id))
            .exec(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
}

/// The figures of `indicator` for everyone (`None`) or by aid category, as (month, code,
/// value, persons).
async fn figures(
    tenant: &Tenant,
    indicator: &str,
    by_category: bool,
) -> Vec<(String, String, f64, u64)> {
    let breakdown = by_category.then_some("categorie_aide");
    let since = Month::of(day("2020-01-01"));
    indicators::stored(tenant, indicator, breakdown, since)
        .await
        .unwrap()
        .into_iter()
        .map(
            |Stored {
                 month,
                 code,
                 value,
                 persons,
             }| (month.key(), code, value, persons),
        )
        .collect()
}

fn row(month: &str, code: &str, value: f64, persons: u64) -> (String, String, f64, u64) {
    (month.into(), code.into(), value, persons)
}

/// Three rent requests filed in March (one granted in 10 days, one refused late, one accepted
/// by silence), one transport request (an aid not ranked) filed in April and still open.
/// Returns the rent aid.
async fn history(app: &TestApp, tenant: &Tenant) -> guichet::aid_requests::catalogue::Aid {
    let instructor = app.worker(tenant, Role::AidInstructor).await;
    let desk = Desk::open(tenant, &instructor).unwrap();
    let rent = AidBuilder::new("Aide au loyer")
        .category("logement")
        .silence("acceptance")
        .create(tenant)
        .await;
    let transport = AidBuilder::new("Aide au transport").create(tenant).await;
    let mut rents = Vec::new();
    for n in 0..3 {
        rents.push(filed(tenant, &rent, n).await.0);
    }
    let (open, _, _) = filed(tenant, &transport, 3).await;
    fixtures::decide(app, &desk, rents[0], "granted").await;
    fixtures::decide(app, &desk, rents[1], "refused").await;
    // Past its due date, the daily job settles the third by silence (accepted, for this aid).
    dated(tenant, rents[2], "2026-03-02", "2026-04-01", None).await;
    let settled = exchange::apply_silence(tenant, guichet::dates::today())
        .await
        .unwrap();
    assert_eq!(settled, 1);
    dated(
        tenant,
        rents[0],
        "2026-03-02",
        "2026-04-01",
        Some("2026-03-12"),
    )
    .await;
    dated(
        tenant,
        rents[1],
        "2026-03-02",
        "2026-04-01",
        Some("2026-04-20"),
    )
    .await;
    dated(tenant, open, "2026-04-05", "2026-05-05", None).await;
    rent
}

async fn aid_requests_are_counted_by_month_and_category(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &[Module::AidRequests]).await;
    let herault = app.tenant("herault", &[Module::AidRequests]).await;
    history(&app, &gard).await;

    let stored = indicators::compute(&gard, day("2026-05-15")).await.unwrap();
    assert!(stored > 0);
    assert_eq!(
        figures(&gard, "aid_requests.filed", false).await,
        [row("2026-03", "", 3.0, 3), row("2026-04", "", 1.0, 1)]
    );
    // By the shared category: an aid the department has not ranked counts as « non classée ».
    assert_eq!(
        figures(&gard, "aid_requests.filed", true).await,
        [
            row("2026-03", "logement", 3.0, 3),
            row("2026-04", "non_classee", 1.0, 1)
        ]
    );
    // Decisions count in the month they were taken; silence on the due date.
    assert_eq!(
        figures(&gard, "aid_requests.decided", false).await,
        [row("2026-03", "", 1.0, 1), row("2026-04", "", 2.0, 2)]
    );
    assert_eq!(
        figures(&gard, "aid_requests.granted", false).await,
        [row("2026-03", "", 1.0, 1), row("2026-04", "", 1.0, 1)]
    );
    assert_eq!(
        figures(&gard, "aid_requests.refused", false).await,
        [row("2026-04", "", 1.0, 1)]
    );
    // April's decisions: 30 days (silence) and 49 days, both past the due date.
    assert_eq!(
        figures(&gard, "aid_requests.delay_median", false).await,
        [row("2026-03", "", 10.0, 1), row("2026-04", "", 30.0, 2)]
    );
    assert_eq!(
        figures(&gard, "aid_requests.delay_p90", false).await,
        [row("2026-03", "", 10.0, 1), row("2026-04", "", 49.0, 2)]
    );
    assert_eq!(
        figures(&gard, "aid_requests.overdue_share", false).await,
        [row("2026-03", "", 0.0, 1), row("2026-04", "", 1.0, 2)]
    );

    // Another department's figures are its own: nothing of the Gard's.
    assert_eq!(
        indicators::compute(&herault, day("2026-05-15"))
            .await
            .unwrap(),
        0
    );
    assert!(
        figures(&herault, "aid_requests.filed", false)
            .await
            .is_empty()
    );
    // Every figure is of a declared indicator.
    for (_, indicator) in indicators::declared() {
        assert!(indicators::find(indicator.id).is_some());
        assert!(!indicator.definition.is_empty());
    }
    app.stop().await;
}

async fn older_months_keep_their_figures_and_recent_ones_are_recomputed(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &[Module::AidRequests]).await;
    history(&app, &gard).await;
    let out = app.cli(&["statistics", "compute", "gard"]);
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("indicateurs de « gard » calculés"), "{said}");
    assert_eq!(
        figures(&gard, "aid_requests.filed", false).await,
        [row("2026-03", "", 3.0, 3), row("2026-04", "", 1.0, 1)]
    );

    // A year and more later, March and April 2026 are no longer recomputed: their requests
    // may be purged, their figures stay. The months recomputed follow what is held.
    let transport = AidBuilder::new("Aide aux études").create(&gard).await;
    let (late, _, _) = filed(&gard, &transport, 9).await;
    dated(&gard, late, "2026-04-20", "2026-05-20", None).await;
    let (recent, _, _) = filed(&gard, &transport, 10).await;
    dated(&gard, recent, "2027-06-01", "2027-07-01", None).await;
    indicators::compute(&gard, day("2027-06-15")).await.unwrap();
    assert_eq!(
        figures(&gard, "aid_requests.filed", false).await,
        [
            row("2026-03", "", 3.0, 3),
            row("2026-04", "", 1.0, 1),
            row("2027-06", "", 1.0, 1)
        ]
    );

    let unknown = app.cli(&["statistics", "compute", "nulle-part"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("aucun département « nulle-part »"));
    app.stop().await;
}

/// The text of the figure in `column` of the row headed `row` of the page's first table
/// holding such a row.
fn figure<'a>(body: &'a str, row: &str, column: &str) -> &'a str {
    let start = body
        .find(&format!(">{row}</th>"))
        .unwrap_or_else(|| panic!("no row « {row} »: {body}"));
    let rest = &body[start..];
    let end = rest.find("</tr>").unwrap();
    let cell = format!("data-label=\"{column}\"><span class=\"cell\">");
    let at = rest[..end]
        .find(&cell)
        .unwrap_or_else(|| panic!("no column « {column} » in row « {row} »"))
        + cell.len();
    &rest[at..at + rest[at..].find("</span>").unwrap()]
}

async fn a_supervisor_reads_charts_and_tables_that_keep_small_counts_secret(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &[Module::AidRequests]).await;
    app.staffs(
        &gard,
        &[
            ("sup@gard.fr", "Sam", &[Role::Supervisor]),
            ("inst@gard.fr", "Inès", &[Role::AidInstructor]),
            ("adm@gard.fr", "Ada", &[Role::Admin]),
        ],
    )
    .await;
    let rent = history(&app, &gard).await;
    // Twelve more in May: enough persons to be shown.
    for n in 20..32 {
        let (id, _, _) = filed(&gard, &rent, n).await;
        dated(&gard, id, "2026-05-04", "2026-06-03", None).await;
    }
    // The administrator has the figures computed now rather than tonight.
    let mut adm = Visitor::signed_in(&app, "/gard", "adm@gard.fr").await;
    let before = adm.get("/gard/agents/statistiques").await;
    assert!(
        before.body.contains("pas encore été calculés"),
        "{}",
        before.body
    );
    let done = adm
        .post(
            "/gard/agents/statistiques/calculer",
            &[("csrf", &before.csrf())],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    // A job computes them; the overview follows it step by step until it is done.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let after = loop {
        let page = adm.get("/gard/agents/statistiques").await;
        if page
            .body
            .contains("Les indicateurs et les retours nationaux sont recalculés")
        {
            break page;
        }
        assert!(
            page.body.contains("Avancement du calcul") && page.body.contains("Actualiser"),
            "a computation under way shows its progress: {}",
            page.body
        );
        assert!(std::time::Instant::now() < deadline, "{}", page.body);
        let state = adm.get("/gard/agents/statistiques/calcul").await;
        assert_eq!(state.status, 200, "{}", state.body);
        // One module, then storing the figures, then the returns.
        assert!(state.body.contains("\"total\":3"), "{}", state.body);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(
        after.body.contains("Chiffres calculés le"),
        "{}",
        after.body
    );

    let mut sup = Visitor::signed_in(&app, "/gard", "sup@gard.fr").await;
    let home = sup.get("/gard/agents/").await;
    assert!(
        home.body.contains("/gard/agents/statistiques/aid_requests"),
        "the supervisor's menu offers the module's statistics: {}",
        home.body
    );
    let overview = sup.get("/gard/agents/statistiques").await;
    assert_eq!(overview.status, 200, "{}", overview.body);
    assert!(overview.body.contains("Demandes déposées"));
    // Recomputing is the administrator's.
    assert!(!overview.body.contains("Recalculer maintenant"));
    let refused = sup
        .post(
            "/gard/agents/statistiques/calculer",
            &[("csrf", &overview.csrf())],
        )
        .await;
    assert_eq!(refused.status, 403);

    let base = "/gard/agents/statistiques/aid_requests";
    let page = sup.get(&format!("{base}?periode=tout")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Each indicator a chart with its name, its sentence, and its table.
    assert!(page.body.contains("role=\"img\""), "{}", page.body);
    assert!(
        page.body
            .contains("<title id=\"indicateur-1-title\">Demandes déposées, par mois</title>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Mai 2026 : 12."), "{}", page.body);
    assert_eq!(figure(&page.body, "mai 2026", "Ensemble"), "12");
    // Three and one person: « s ».
    assert_eq!(figure(&page.body, "mars 2026", "Ensemble"), "s");
    assert_eq!(figure(&page.body, "avril 2026", "Ensemble"), "s");
    // A delay on two requests is not shown either.
    assert!(!page.body.contains(">49<"), "{}", page.body);

    let csv = sup
        .get(&format!(
            "{base}/telecharger?periode=tout&indicateur=aid_requests.filed&format=csv"
        ))
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        csv.body.lines().collect::<Vec<_>>(),
        [
            "Mois,Ensemble",
            "mars 2026,s",
            "avril 2026,s",
            "mai 2026,12"
        ]
    );
    // Broken down by category, with its margins: no count of 1 to 10 can be read or worked
    // out (the engine's property test attacks the arithmetic; here, what is shown).
    let by_category = sup
        .get(&format!(
            "{base}/telecharger?periode=tout&par=categorie_aide&indicateur=aid_requests.filed&format=csv"
        ))
        .await;
    let mut lines = by_category.body.lines();
    assert_eq!(
        lines.next(),
        Some("Mois,Logement et maintien dans le logement,Aide non classée,Ensemble")
    );
    for line in lines {
        for figure in line.split(',').skip(1) {
            assert!(
                figure == "s" || figure.parse::<u64>().is_ok_and(|n| n == 0 || n >= 11),
                "« {figure} » shown in {}",
                by_category.body
            );
        }
    }
    let xlsx = sup
        .get(&format!(
            "{base}/telecharger?periode=tout&indicateur=aid_requests.delay_median&format=xlsx"
        ))
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(
        xlsx.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("gard-aid_requests-delay_median-tout.xlsx")
    );
    let unknown = sup
        .get(&format!(
            "{base}/telecharger?indicateur=aid_requests.filed&format=pdf"
        ))
        .await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body.contains("choisissez CSV ou XLSX"),
        "{}",
        unknown.body
    );

    // An instructor works on requests, not on the department's figures.
    let mut inst = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    assert_eq!(inst.get(base).await.status, 403);
    assert_eq!(inst.get("/gard/agents/statistiques").await.status, 403);
    app.stop().await;
}
