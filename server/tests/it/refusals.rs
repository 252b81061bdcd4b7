//! Refusals people can read: what the framework refuses on its own (an unreadable address, a
//! method a page does not take) answers a French page, never English plain text or nothing.

use reqwest::StatusCode;
use tenants::Module;

use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(the_framework_s_own_refusals_are_french_pages);

fn is_french_page(body: &str) -> bool {
    body.contains("<html lang=\"fr\"") && body.contains("Revenez à la page précédente")
}

async fn the_framework_s_own_refusals_are_french_pages(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.tenant("gard", &Module::ALL).await;
    let mut visitor = Visitor::new(&app);
    // A parameter given twice where one is read.
    let twice = visitor
        .get("/gard/connexion?mot-de-passe=change&mot-de-passe=autre")
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);
    assert!(is_french_page(&twice.body), "{}", twice.body);
    assert!(!twice.body.contains("Failed to deserialize"));
    // A page that only receives forms, read; a page that receives none, sent one.
    let read = visitor.get("/gard/deconnexion").await;
    assert_eq!(read.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(is_french_page(&read.body), "{}", read.body);
    let csrf = visitor.get("/gard/connexion").await.csrf();
    let sent = visitor.post("/gard/aides", &[("csrf", &csrf)]).await;
    assert_eq!(sent.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(is_french_page(&sent.body), "{}", sent.body);
    app.stop().await;
}
