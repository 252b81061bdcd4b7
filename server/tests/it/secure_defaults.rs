//! Secure by default: every route of the router (taken from the modules' declarations, so a new
//! route cannot escape) answers with a Content Security Policy whose nonce is the one on the
//! page's only inline script, no caching, no framing, no sniffing; over HTTPS, HSTS and
//! `Secure` cookies too.

use guichet::server::ServerOptions;
use guichet::staff::Role;
use reqwest::StatusCode;
use tenants::Module;

use crate::harness::{Backend, Page, TestApp, Visitor, both_engines};

both_engines!(
    every_route_carries_the_security_headers,
    over_https_cookies_are_secure_and_hsts_is_sent,
);

/// A route template made a path: ids that exist or not, it does not matter here.
fn concrete(template: &str) -> String {
    let mut path = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        path.push_str(&rest[..start]);
        path.push('1');
        rest = &rest[end..];
    }
    path.push_str(rest);
    path
}

/// Checks a page's headers; returns what is wrong with it.
fn problems(path: &str, page: &Page) -> Vec<String> {
    let header = |name: &str| {
        page.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut wrong = Vec::new();
    let csp = header("content-security-policy");
    for directive in [
        "default-src 'self'",
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ] {
        if !csp.contains(directive) {
            wrong.push(format!("{path}: CSP without {directive}: {csp:?}"));
        }
    }
    if csp.contains("unsafe-inline") {
        wrong.push(format!("{path}: CSP allows inline code"));
    }
    // The only inline script (the islands' loader) carries this response's nonce.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_default()
        .to_owned();
    for script in page.body.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        if !tag.contains("src=") && !tag.contains(&format!("nonce=\"{nonce}\"")) {
            wrong.push(format!(
                "{path}: an inline script without the nonce: <script{tag}>"
            ));
        }
    }
    // The department's colours and logo are public, the same for everyone, and addressed by
    // the look's version: browsers keep them. Everything else is personal or carries a token.
    let cache = if page.status == 200 && matches!(path, "/apparence.css" | "/logo.png") {
        "public, max-age=31536000, immutable"
    } else {
        "no-store"
    };
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("cache-control", cache),
    ] {
        if header(name) != value {
            wrong.push(format!("{path}: {name} is {:?}", header(name)));
        }
    }
    if page.headers.contains_key("strict-transport-security") {
        wrong.push(format!("{path}: HSTS over plain HTTP"));
    }
    wrong
}

async fn every_route_carries_the_security_headers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    app.staff(&gard, "admin@gard.fr", "Adèle", &[Role::Admin])
        .await;
    let mut anonymous = Visitor::new(&app);
    let mut admin = Visitor::signed_in(&app, "/gard", "admin@gard.fr").await;
    let mut wrong = Vec::new();
    let mut checked = 0;
    let mut nonces = std::collections::HashSet::new();
    let mut paths: Vec<String> = guichet::modules::route_paths()
        .into_iter()
        .map(|(_, template)| concrete(template))
        .collect();
    paths.extend(["/nulle-part".to_owned(), "/sante".to_owned()]);
    for path in &paths {
        for visitor in [&mut anonymous, &mut admin] {
            for page in [
                visitor.get(&format!("/gard{path}")).await,
                visitor.post(&format!("/gard{path}"), &[]).await,
            ] {
                checked += 1;
                wrong.extend(problems(path, &page));
                if let Some(csp) = page.headers.get("content-security-policy") {
                    nonces.insert(csp.to_str().unwrap().to_owned());
                }
            }
        }
    }
    // The platform's own pages and an unknown department too.
    for path in ["/", "/sante", "/inconnu/agents/"] {
        let page = anonymous.get(path).await;
        checked += 1;
        wrong.extend(problems(path, &page));
    }
    println!(
        "security headers: {checked} answers checked, {} problems",
        wrong.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(nonces.len() > checked / 2, "a fresh nonce per answer");

    // The sign-in page's loader script is allowed by its policy's nonce.
    let login = anonymous.get("/gard/agents/connexion").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(
        login.body.contains("<script type=\"module\" nonce=\""),
        "{}",
        login.body
    );
    app.stop().await;
}

async fn over_https_cookies_are_secure_and_hsts_is_sent(backend: Backend) {
    let options = ServerOptions {
        https: true,
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    app.staff(&gard, "bruno@gard.fr", "Bruno", &[Role::AidInstructor])
        .await;
    let mut visitor = Visitor::new(&app);
    let login = visitor.get("/gard/agents/connexion").await;
    let hsts = login
        .headers
        .get("strict-transport-security")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(hsts.starts_with("max-age=31536000"), "{hsts:?}");
    let set_cookie = |page: &Page| {
        page.headers
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let form_cookie = set_cookie(&login);
    assert!(form_cookie.starts_with("guichet_form="), "{form_cookie:?}");
    assert!(form_cookie.contains("Secure") && form_cookie.contains("HttpOnly"));
    let signed = visitor
        .post(
            "/gard/agents/connexion",
            &[
                ("csrf", &login.csrf()),
                ("email", "bruno@gard.fr"),
                ("password", &crate::harness::password_of("bruno@gard.fr")),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let session_cookie = set_cookie(&signed);
    assert!(
        session_cookie.starts_with("guichet_session="),
        "{session_cookie:?}"
    );
    assert!(session_cookie.contains("Secure"), "{session_cookie:?}");
    assert!(session_cookie.contains("HttpOnly"), "{session_cookie:?}");
    app.stop().await;
}
