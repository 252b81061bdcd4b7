//! The operators' metrics: Prometheus' text format on a listener of its own, requests by route
//! template and status, and what the stores hold read at each scrape.

use guichet::staff::Role;
use reqwest::StatusCode;
use tenants::Module;

use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(metrics_count_requests_by_route_and_read_the_stores);

/// A job of a department that no worker runs.
#[derive(serde::Serialize, serde::Deserialize)]
struct Unhandled {
    tenant: String,
}

/// The value of the series that starts with `series` (its name and labels, as rendered).
/// The value of exactly `series` (its name and labels): `guichet_sessions` is not
/// `guichet_sessions_by_department{…}`, whatever order the exporter writes them in.
fn value_of(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .filter_map(|line| line.rsplit_once(' '))
        .find(|(name, _)| *name == series)
        .and_then(|(_, v)| v.parse().ok())
}

/// Scrapes until `series` shows (jobs run in the background), for up to 10 s: its value and
/// the last scrape.
async fn once_counted(metrics: &str, series: &str) -> (Option<f64>, String) {
    let mut body = String::new();
    for _ in 0..100 {
        body = reqwest::get(metrics).await.unwrap().text().await.unwrap();
        if let Some(value) = value_of(&body, series) {
            return (Some(value), body);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    (None, body)
}

async fn metrics_count_requests_by_route_and_read_the_stores(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    app.tenant("lozere", &[]).await;
    app.staff(&gard, "anne@gard.fr", "Anne", &[Role::Admin])
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics = format!("http://{}/metrics", listener.local_addr().unwrap());
    let routes =
        guichet::metrics::router(app.platform.clone(), guichet::metrics::recorder().unwrap());
    tokio::spawn(async move { axum::serve(listener, routes).await });

    let mut anne = Visitor::signed_in(&app, "/gard", "anne@gard.fr").await;
    for _ in 0..3 {
        assert_eq!(
            anne.get("/gard/agents/admin/comptes").await.status,
            StatusCode::OK
        );
    }
    assert_eq!(
        anne.get("/gard/agents/admin/comptes/999999").await.status,
        StatusCode::NOT_FOUND
    );
    // Not on the public address.
    assert_eq!(anne.get("/metrics").await.status, StatusCode::NOT_FOUND);

    let scrape = reqwest::get(&metrics).await.unwrap();
    assert_eq!(scrape.status(), StatusCode::OK);
    assert!(
        scrape.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
    );
    let body = scrape.text().await.unwrap();
    let requests = |route: &str, status: u16| {
        value_of(
            &body,
            &format!(
                "guichet_http_request_duration_seconds_count{{route=\"{route}\",method=\"GET\",status=\"{status}\"}}"
            ),
        )
    };
    // By the route's template, whatever the id in the address.
    assert_eq!(requests("/agents/admin/comptes", 200), Some(3.0), "{body}");
    assert_eq!(
        requests("/agents/admin/comptes/{id}", 404),
        Some(1.0),
        "{body}"
    );
    assert!(
        body.contains("guichet_http_request_duration_seconds_bucket{route=\"/agents/admin/comptes\",method=\"GET\",status=\"200\",le=\"0.05\"}"),
        "a latency histogram: {body}"
    );
    let by_department = value_of(
        &body,
        "guichet_http_requests_by_department_total{department=\"gard\"}",
    );
    assert!(by_department.is_some_and(|n| n >= 4.0), "{body}");
    assert!(
        !body.lines().any(|l| l
            .split_once('}')
            .is_some_and(|(labels, _)| labels.contains("999999"))),
        "no id becomes a series: {body}"
    );
    // Read from the stores.
    assert!(
        value_of(&body, "guichet_sessions").is_some_and(|n| n >= 1.0),
        "{body}"
    );
    let sessions = |department: &str, kind: &str| {
        value_of(
            &body,
            &format!(
                "guichet_sessions_by_department{{department=\"{department}\",kind=\"{kind}\"}}"
            ),
        )
    };
    assert_eq!(sessions("gard", "agent"), Some(1.0), "Anne: {body}");
    assert_eq!(sessions("gard", "usager"), Some(0.0), "{body}");
    assert_eq!(sessions("lozere", "agent"), Some(0.0), "{body}");
    assert!(
        value_of(&body, "guichet_mail_waiting{department=\"gard\"}").is_some(),
        "{body}"
    );
    assert!(
        value_of(&body, "guichet_store_connections{state=\"idle\"}").is_some(),
        "{body}"
    );

    // A department's jobs waiting are counted under it: a job no worker of this platform
    // runs stays in its queue.
    guichet::jobs::enqueue(
        &app.platform,
        Unhandled {
            tenant: "gard".into(),
        },
    )
    .await
    .unwrap();
    let body = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
    let queue = std::any::type_name::<Unhandled>();
    assert_eq!(
        value_of(
            &body,
            &format!("guichet_jobs_waiting_by_department{{queue=\"{queue}\",department=\"gard\"}}")
        ),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        value_of(&body, &format!("guichet_jobs_waiting{{queue=\"{queue}\"}}")),
        Some(1.0),
        "{body}"
    );

    // A job run is counted under its type, as the queue tables name it.
    guichet::jobs::enqueue(
        &app.platform,
        guichet::foundation::Housekeeping { requested_at: 0 },
    )
    .await
    .unwrap();
    let series =
        "guichet_jobs_run_total{queue=\"guichet::foundation::Housekeeping\",outcome=\"reussi\"}";
    let (runs, body) = once_counted(&metrics, series).await;
    assert!(
        runs.is_some_and(|n| n >= 1.0),
        "the housekeeping job was not counted"
    );
    assert!(
        body.contains("guichet_jobs_waiting{queue=\"guichet::foundation::Housekeeping\"}"),
        "{body}"
    );

    // A department's job is counted for its department too.
    guichet::mail::wake(&app.platform, &gard).await;
    let series = "guichet_jobs_run_by_department_total{queue=\"guichet::mail::DeliverMail\",department=\"gard\",outcome=\"reussi\"}";
    let (runs, body) = once_counted(&metrics, series).await;
    assert!(
        runs.is_some_and(|n| n >= 1.0),
        "the department's mail delivery was not counted for it"
    );
    assert!(
        !body.contains(
            "guichet_jobs_run_by_department_total{queue=\"guichet::foundation::Housekeeping\""
        ),
        "a platform job has no department: {body}"
    );
    app.stop().await;
}
