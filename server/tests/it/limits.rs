//! What an anonymous request may cost: a POST whose session holds no form token is refused
//! before its body is read; an anonymous body is small (files only from someone signed in)
//! and must arrive within seconds. Before, every multipart POST was read up to 16 MiB.

use std::time::Duration;

use tenants::Module;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(
    anonymous_bodies_are_refused_before_they_cost,
    a_slow_anonymous_body_is_cut_off,
    slow_headers_are_cut_off,
);

fn megabytes(n: usize) -> Vec<u8> {
    vec![b'x'; n * 1024 * 1024]
}

async fn anonymous_bodies_are_refused_before_they_cost(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.tenant("gard", &Module::ALL).await;

    // No session at all: refused without reading the 8 MiB (or cut while they are written).
    let mut stranger = Visitor::new(&app);
    let file = [("f", "gros.pdf", "application/pdf", megabytes(8))];
    if let Some(page) = stranger
        .try_post_multipart("/gard/connexion", &[("csrf", "x")], &file)
        .await
    {
        assert_eq!(page.status, reqwest::StatusCode::FORBIDDEN, "{}", page.body);
    }

    // A form session (the sign-in page was shown): still no files before signing in.
    let login = stranger.get("/gard/connexion").await;
    let csrf = login.csrf();
    let file = [("f", "gros.pdf", "application/pdf", megabytes(1))];
    if let Some(page) = stranger
        .try_post_multipart("/gard/connexion", &[("csrf", &csrf)], &file)
        .await
    {
        assert_eq!(
            page.status,
            reqwest::StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            page.body
        );
        assert!(page.body.contains("trop volumineux"));
    }
    // The form itself still works.
    let refused = stranger
        .post(
            "/gard/connexion",
            &[("csrf", &csrf), ("email", "a@b.fr"), ("password", "x")],
        )
        .await;
    assert_eq!(refused.status, reqwest::StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn a_slow_anonymous_body_is_cut_off(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.tenant("gard", &Module::ALL).await;
    let mut visitor = Visitor::new(&app);
    let login = visitor.get("/gard/connexion").await;
    let csrf = login.csrf();
    let cookie = visitor.cookie().expect("a form session").to_owned();

    // Announces 2 000 bytes, sends 40, then waits.
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /gard/connexion HTTP/1.1\r\nHost: localhost\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000\r\n\r\ncsrf={csrf}&email="
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server still waits after 30 s");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    app.stop().await;
}

/// Headers sent a few bytes at a time, never finished: the connection is closed after the
/// header-read timeout (10 s) instead of being held.
async fn slow_headers_are_cut_off(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /sante HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(30), async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                // An answer (408) before closing is as good.
                Ok(_) => {}
            }
        }
    })
    .await;
    assert_eq!(closed, Ok(true), "the connection is still open after 30 s");
    app.stop().await;
}
