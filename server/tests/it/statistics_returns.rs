//! National returns: DREES's OARSA (the situation of RSA beneficiaries on 31 December) and the
//! social aid survey's counts, as CSV with the département's code, secrecy applied; the
//! administrator ranks the department's own body names once, and the return follows.

use chrono::{NaiveDate, TimeZone, Utc};
use guichet::aid_requests::filing::Status;
use guichet::entity::{aid_request, audit_entry, insertion_contract, insertion_person};
use guichet::insertion::contract::ContractStatus;
use guichet::server::ServerOptions;
use guichet::staff::Role;
use guichet::statistics::{indicators, returns};
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use tenants::{Module, Tenant};

use crate::fixtures::{AidBuilder, filed};
use crate::harness::{Backend, TestApp, Visitor, both_engines};
use crate::insertion::{OFFICER, day, file_of, import_whole, people_of, single_adults};

both_engines!(
    the_oarsa_return_tells_the_situation_on_31_december,
    the_social_aid_return_counts_the_years_decisions
);

/// Secrecy at 3 persons, so that a handful of people make a figure.
const THRESHOLD: u64 = 3;

async fn start(backend: Backend) -> (TestApp, Tenant) {
    let options = ServerOptions {
        statistics_threshold: THRESHOLD,
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    app.staffs(
        &gard,
        &[
            (OFFICER, "Odile", &[Role::InsertionOrientation]),
            ("adm@gard.fr", "Ada", &[Role::Admin]),
            ("sup@gard.fr", "Sam", &[Role::Supervisor]),
            ("inst@gard.fr", "Inès", &[Role::AidInstructor]),
        ],
    )
    .await;
    (app, gard)
}

/// The CSV's lines as (question, breakdown, code) → value, each checked to carry the
/// département's code and the year.
fn read_csv(body: &str, department: &str, year: &str) -> Vec<((String, String, String), String)> {
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "departement",
            "annee",
            "enquete",
            "question",
            "libelle",
            "ventilation",
            "modalite",
            "modalite_libelle",
            "unite",
            "valeur"
        ]
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            assert_eq!(&r[0], department);
            assert_eq!(&r[1], year);
            (
                (r[3].to_owned(), r[5].to_owned(), r[6].to_owned()),
                r[9].to_owned(),
            )
        })
        .collect()
}

fn value<'a>(
    lines: &'a [((String, String, String), String)],
    question: &str,
    breakdown: &str,
    code: &str,
) -> &'a str {
    lines
        .iter()
        .find(|((q, b, c), _)| q == question && b == breakdown && c == code)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no line {question} {breakdown} {code}: {lines:?}"))
}

/// Each `(question, breakdown, code, value)` is in the file as given.
fn expect_lines(
    lines: &[((String, String, String), String)],
    expected: &[(&str, &str, &str, &str)],
) {
    for (question, breakdown, code, value_) in expected {
        assert_eq!(
            value(lines, question, breakdown, code),
            *value_,
            "{question} {breakdown} {code}"
        );
    }
}

/// Every count is none, at least the threshold, or « s »; every share or delay is a number,
/// « s » or empty.
fn secrecy_holds(body: &str) {
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    for r in reader.records() {
        let r = r.unwrap();
        if &r[8] == "nombre" && &r[9] != "s" {
            let n: u64 = r[9].parse().unwrap();
            assert!(n == 0 || n >= THRESHOLD, "{r:?}");
        }
    }
}

async fn declare_department(admin: &mut Visitor) {
    let csrf = admin
        .get("/gard/agents/statistiques/comparaison")
        .await
        .csrf();
    let saved = admin
        .post(
            "/gard/agents/statistiques/comparaison",
            &[
                ("csrf", csrf.as_str()),
                ("departement", "30"),
                ("taille", "500k_1m"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
}

async fn decide(
    officer: &mut Visitor,
    person: &insertion_person::Model,
    track: &str,
    body: &str,
    on: &str,
) {
    let page = format!("/gard/agents/insertion/personnes/{}", person.id);
    let csrf = officer.get(&page).await.csrf();
    let decided = officer
        .post(
            &format!("{page}/orientation/decision"),
            &[
                ("csrf", csrf.as_str()),
                ("track", track),
                ("body", body),
                ("reason", "Vu en entretien."),
                ("starts_on", on),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
}

/// A contract signed on `on` by `person` (its writing and signing are tested in insertion).
async fn signed_contract(tenant: &Tenant, person: &insertion_person::Model, on: NaiveDate) {
    let txn = tenant.db().begin_write().await.unwrap();
    insertion_contract::ActiveModel {
        person_id: Set(person.id),
        citizen_id: Set(person.citizen_id),
        version: Set(1),
        status: Set(ContractStatus::Signed),
        goals: Set("Reprendre une formation.".into()),
        weekly_hours: Set(15),
        reduction_reason: Set(None),
        review_on: Set(Some(on + chrono::Months::new(12))),
        written_by: Set(1),
        written_by_name: Set("René Référent".into()),
        department_signed_at: Set(Some(Utc::now())),
        department_signed_name: Set(Some("René Référent".into())),
        person_signed_at: Set(Some(Utc::now())),
        paper_document_id: Set(None),
        signed_on: Set(Some(on)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

async fn the_oarsa_return_tells_the_situation_on_31_december(backend: Backend) {
    let (app, gard) = start(backend).await;
    // Eight people entered in March 2025; four oriented to France Travail, three to the CCAS
    // (one of whom signed a contract), one not oriented by the end of the year.
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    import_whole(&mut officer, file_of(single_adults(8, 31), day(2025, 3, 6))).await;
    let everyone = people_of(&gard).await;
    assert_eq!(everyone.len(), 8);
    for person in &everyone[..4] {
        decide(
            &mut officer,
            person,
            "professional",
            "France Travail",
            "2025-04-01",
        )
        .await;
    }
    for person in &everyone[4..7] {
        decide(
            &mut officer,
            person,
            "social",
            "CCAS  de Nîmes",
            "2025-05-02",
        )
        .await;
    }
    signed_contract(&gard, &everyone[4], day(2025, 5, 20)).await;
    indicators::compute(&gard, day(2026, 1, 10)).await.unwrap();

    // The figures are ready, but no file leaves without the département's code.
    let mut admin = Visitor::signed_in(&app, "/gard", "adm@gard.fr").await;
    let page = admin.get("/gard/agents/statistiques/retours").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Enquête OARSA"), "{}", page.body);
    assert!(
        page.body.contains("n'est pas encore déclaré"),
        "{}",
        page.body
    );
    let refused = admin
        .get("/gard/agents/statistiques/retours/oarsa/2025")
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .body
            .contains("Le code du département n'est pas déclaré")
    );
    declare_department(&mut admin).await;
    let page = admin.get("/gard/agents/statistiques/retours").await;
    assert!(
        page.body.contains("Département déclaré : 30 — Gard"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("/gard/agents/statistiques/retours/oarsa/2025")
    );

    let file = admin
        .get("/gard/agents/statistiques/retours/oarsa/2025")
        .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("oarsa-2025-30.csv")
    );
    secrecy_holds(&file.body);
    let lines = read_csv(&file.body, "30", "2025");
    expect_lines(
        &lines,
        &[
            ("oarsa.soumis", "ensemble", "ensemble", "8"),
            ("oarsa.soumis", "menage", "seul_sans_enfant", "8"),
            ("oarsa.soumis", "anciennete_rsa", "6_mois_1_an", "8"),
            ("oarsa.soumis", "anciennete_rsa", "1_an_plus", "0"),
            ("oarsa.orientes", "ensemble", "ensemble", "7"),
            ("oarsa.orientes", "orientation", "professional", "4"),
            ("oarsa.orientes", "orientation", "social", "3"),
            // France Travail by its track; the CCAS not ranked yet.
            (
                "oarsa.orientes",
                "organisme_referent",
                "france_travail",
                "4",
            ),
            ("oarsa.orientes", "organisme_referent", "non_renseigne", "3"),
            ("oarsa.part_orientes", "ensemble", "ensemble", "87.5"),
            ("oarsa.part_contrat", "ensemble", "ensemble", "33.3"),
        ],
    );
    // The mean delay of the seven first orientations of the year, as the people's rows say.
    let days: Vec<f64> = people_of(&gard)
        .await
        .iter()
        .filter_map(|p| p.orientation_days.map(f64::from))
        .collect();
    assert_eq!(days.len(), 7);
    let mean = days.iter().sum::<f64>() / 7.0;
    assert_eq!(
        value(&lines, "oarsa.delai_orientation", "ensemble", "ensemble"),
        format!("{}", (mean * 10.0).round() / 10.0)
    );
    // Each sex's count adds up to everyone's, or is hidden with another.
    let women = value(&lines, "oarsa.soumis", "sexe", "femme");
    let men = value(&lines, "oarsa.soumis", "sexe", "homme");
    if women != "s" && men != "s" {
        assert_eq!(
            women.parse::<u64>().unwrap() + men.parse::<u64>().unwrap(),
            8
        );
    } else {
        assert_eq!((women, men), ("s", "s"));
    }

    // The administrator ranks the CCAS once; a category that does not exist is refused.
    let page = admin.get("/gard/agents/statistiques/retours").await;
    assert!(page.body.contains("CCAS de Nîmes"), "{}", page.body);
    let csrf = page.csrf();
    fn rank<'a>(csrf: &'a str, code: &'a str) -> [(&'static str, &'a str); 7] {
        [
            ("csrf", csrf),
            ("liste", "organisme_referent"),
            ("libelle", "CCAS de Nîmes"),
            ("categorie", code),
            ("liste", "organisme_referent"),
            ("libelle", "France Travail"),
            ("categorie", ""),
        ]
    }
    let bogus = admin
        .post(
            "/gard/agents/statistiques/retours/classement",
            &rank(&csrf, "mairie"),
        )
        .await;
    assert_eq!(
        bogus.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bogus.body
    );
    assert!(
        bogus.body.contains("Cette catégorie n'existe pas"),
        "{}",
        bogus.body
    );
    let mut supervisor = Visitor::signed_in(&app, "/gard", "sup@gard.fr").await;
    let sup_csrf = supervisor
        .get("/gard/agents/statistiques/retours")
        .await
        .csrf();
    let forbidden = supervisor
        .post(
            "/gard/agents/statistiques/retours/classement",
            &rank(&sup_csrf, "autre_organisme"),
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let saved = admin
        .post(
            "/gard/agents/statistiques/retours/classement",
            &rank(&csrf, "autre_organisme"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let txn = gard.db().begin().await.unwrap();
    let journaled = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("classement des libellés du département"))
        .all(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(journaled.len(), 1);
    assert!(
        journaled[0]
            .subject
            .contains("CCAS de Nîmes : autre_organisme")
    );
    // The return follows the ranking (computed again for the same year here, whatever today).
    returns::compute(&gard, 2025).await.unwrap();
    let file = supervisor
        .get("/gard/agents/statistiques/retours/oarsa/2025")
        .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    let lines = read_csv(&file.body, "30", "2025");
    expect_lines(
        &lines,
        &[
            (
                "oarsa.orientes",
                "organisme_referent",
                "autre_organisme",
                "3",
            ),
            ("oarsa.orientes", "organisme_referent", "non_renseigne", "0"),
            (
                "oarsa.part_contrat",
                "organisme_referent",
                "autre_organisme",
                "33.3",
            ),
        ],
    );
    // No one's name in any file.
    for p in &everyone {
        assert!(!file.body.contains(&p.family_name));
    }

    // Those who do not steer see neither page nor file; unknown surveys and years are 404.
    let mut instructor = Visitor::signed_in(&app, "/gard", "inst@gard.fr").await;
    for path in [
        "/gard/agents/statistiques/retours",
        "/gard/agents/statistiques/retours/oarsa/2025",
    ] {
        assert_eq!(
            instructor.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for path in [
        "/gard/agents/statistiques/retours/enquete/2025",
        "/gard/agents/statistiques/retours/oarsa/2019",
        "/gard/agents/statistiques/retours/oarsa/deux-mille",
    ] {
        assert_eq!(
            admin.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    app.stop().await;
}

async fn the_social_aid_return_counts_the_years_decisions(backend: Backend) {
    let (app, gard) = start(backend).await;
    let aid = AidBuilder::new("Aide au loyer")
        .category("logement")
        .create(&gard)
        .await;
    let mut ids = Vec::new();
    for n in 0..6 {
        ids.push(filed(&gard, &aid, n).await.0);
    }
    // Settled by the department's silence in 2025: four granted, one refused; one still
    // waiting.
    let filed_on = Utc.from_utc_datetime(&day(2025, 5, 2).and_hms_opt(9, 0, 0).unwrap());
    let txn = gard.db().begin_write().await.unwrap();
    for (i, id) in ids.iter().enumerate() {
        let status = match i {
            0..=3 => Status::ImplicitAcceptance,
            4 => Status::ImplicitRefusal,
            _ => Status::Submitted,
        };
        aid_request::Entity::update_many()
            .col_expr(aid_request::Column::Status, Expr::value(status))
            .col_expr(aid_request::Column::SubmittedAt, Expr::value(filed_on))
            .col_expr(aid_request::Column::DueOn, Expr::value(day(2025, 7, 2)))
            .filter(aid_request::Column::Id.eq(*id))
            .exec(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    indicators::compute(&gard, day(2026, 1, 10)).await.unwrap();

    let mut admin = Visitor::signed_in(&app, "/gard", "adm@gard.fr").await;
    declare_department(&mut admin).await;
    let file = admin
        .get("/gard/agents/statistiques/retours/aide_sociale/2025")
        .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    secrecy_holds(&file.body);
    let lines = read_csv(&file.body, "30", "2025");
    expect_lines(
        &lines,
        &[
            (
                "aide_sociale.demandes_decidees",
                "ensemble",
                "ensemble",
                "5",
            ),
            (
                "aide_sociale.demandes_accordees",
                "ensemble",
                "ensemble",
                "4",
            ),
            (
                "aide_sociale.demandes_accordees",
                "categorie_aide",
                "logement",
                "4",
            ),
            (
                "aide_sociale.demandes_accordees",
                "categorie_aide",
                "energie",
                "0",
            ),
            ("aide_sociale.personnes_aidees", "ensemble", "ensemble", "4"),
        ],
    );
    // The disability part is there, with nothing decided.
    assert_eq!(
        value(
            &lines,
            "aide_sociale.droits_mdph_decides",
            "ensemble",
            "ensemble"
        ),
        "0"
    );
    app.stop().await;
}
