//! The site's static files: linked under the names the build gave them, served precompressed
//! when the browser accepts it, kept a year by browsers when named after their content, and
//! asked again each time when not.

use std::io::Read;
use std::path::Path;

use guichet::server::ServerOptions;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};

use crate::harness::{Backend, TestApp, Visitor};

const SCRIPT: &str = "guichet.0123456789abcdef";
const STYLESHEET: &str = "guichet.fedcba9876543210.css";
const LOADER: &[u8] = b"export default function init() { /* the islands' loader */ }\n";
const BROTLI_COPY: &[u8] = b"brotli bytes as the build wrote them";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut encoder, bytes).unwrap();
    encoder.finish().unwrap()
}

/// A site as scripts/build-site.sh leaves it; with `named` false, as a hand-made one.
fn site(root: &Path, named: bool) {
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let (script, stylesheet) = match named {
        true => (SCRIPT, STYLESHEET),
        false => ("guichet", "guichet.css"),
    };
    std::fs::write(pkg.join(format!("{script}.js")), LOADER).unwrap();
    std::fs::write(pkg.join(format!("{script}.js.br")), BROTLI_COPY).unwrap();
    std::fs::write(pkg.join(format!("{script}.js.gz")), gzip(LOADER)).unwrap();
    std::fs::write(pkg.join(stylesheet), "body { margin: 0 }\n").unwrap();
    if named {
        std::fs::write(
            root.join("assets.json"),
            format!(r#"{{"script":"{SCRIPT}","stylesheet":"{STYLESHEET}"}}"#),
        )
        .unwrap();
    }
}

/// A department's home page, served with a site as [`site`] makes it (kept while the app is).
async fn home_page(named: bool) -> (tempfile::TempDir, TestApp, crate::harness::Page) {
    let root = tempfile::tempdir().unwrap();
    site(root.path(), named);
    let app = app_on(root.path()).await;
    app.tenant("gard", &[]).await;
    let page = Visitor::new(&app)
        .with_host("gard.localhost")
        .get("/")
        .await;
    (root, app, page)
}

async fn app_on(root: &Path) -> TestApp {
    TestApp::start_with(
        Backend::Sqlite,
        ServerOptions {
            site_root: root.to_owned(),
            ..ServerOptions::default()
        },
    )
    .await
}

async fn fetch(app: &TestApp, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut request = guichet::tls::http_client().get(format!("http://{}{path}", app.addr));
    if let Some(accept) = accept {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    request.send().await.unwrap()
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> &str {
    response
        .headers()
        .get(name)
        .map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn named_files_are_linked_kept_a_year_and_sent_precompressed() {
    let (_root, app, page) = home_page(true).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("href=\"/pkg/{STYLESHEET}\"")),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!("/pkg/{SCRIPT}.js")),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!("/pkg/{SCRIPT}.wasm")),
        "{}",
        page.body
    );

    let script = format!("/pkg/{SCRIPT}.js");
    let brotli = fetch(&app, &script, Some("br, gzip")).await;
    assert_eq!(brotli.status(), StatusCode::OK);
    assert_eq!(header(&brotli, CONTENT_ENCODING), "br");
    assert_eq!(
        header(&brotli, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&brotli, CONTENT_TYPE).contains("javascript"));
    assert_eq!(&brotli.bytes().await.unwrap()[..], BROTLI_COPY);

    let gzipped = fetch(&app, &script, Some("gzip")).await;
    assert_eq!(header(&gzipped, CONTENT_ENCODING), "gzip");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzipped.bytes().await.unwrap()[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, LOADER);

    let plain = fetch(&app, &script, None).await;
    assert_eq!(header(&plain, CONTENT_ENCODING), "");
    assert_eq!(&plain.bytes().await.unwrap()[..], LOADER);

    // A file of another build: not found, and not kept (the deploy that brings it is near).
    let missing = fetch(&app, "/pkg/guichet.ffffffffffffffff.js", Some("br")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(!header(&missing, CACHE_CONTROL).contains("immutable"));
    app.stop().await;
}

#[tokio::test]
async fn files_under_plain_names_are_asked_for_again_each_time() {
    let (_root, app, page) = home_page(false).await;
    assert!(
        page.body.contains("href=\"/pkg/guichet.css\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("/pkg/guichet.wasm"), "{}", page.body);

    let stylesheet = fetch(&app, "/pkg/guichet.css", Some("br")).await;
    assert_eq!(stylesheet.status(), StatusCode::OK);
    assert_eq!(header(&stylesheet, CACHE_CONTROL), "no-cache");
    let script = fetch(&app, "/pkg/guichet.js", Some("br")).await;
    assert_eq!(header(&script, CONTENT_ENCODING), "br");
    app.stop().await;
}

#[tokio::test]
async fn a_damaged_list_of_names_stops_the_start_with_what_to_do() {
    let root = tempfile::tempdir().unwrap();
    site(root.path(), true);
    std::fs::write(root.path().join("assets.json"), "{ half written").unwrap();
    let options = ServerOptions {
        site_root: root.path().to_owned(),
        ..ServerOptions::default()
    };
    let config = tenants::StoreConfig {
        engine: tenants::Engine::Sqlite,
        data_dir: root.path().join("data"),
        pg_max_connections: 1,
        files: Default::default(),
    };
    let platform = tenants::Platform::open(config).await.unwrap();
    let err = guichet::server::app_state(platform, &options)
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("assets.json est illisible"), "{err}");
    assert!(err.contains("scripts/build-site.sh"), "{err}");
}
