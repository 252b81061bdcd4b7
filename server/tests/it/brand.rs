//! The department's own look: the administrator chooses a colour (refused when white text on it
//! is hard to read) and a logo (a PNG, shrunk); every page of that department, and only of
//! that department, carries them.

use guichet::staff::Role;
use reqwest::StatusCode;
use tenants::Module;

use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(a_department_sets_its_colour_and_logo);

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([180, 20, 40]));
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// The bytes at `path`, and their content type.
async fn fetch(v: &Visitor, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = reqwest::get(format!("http://{}{path}", v.addr))
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

/// The address of the page's stylesheet or logo, as the page names it.
fn linked(body: &str, prefix: &str) -> Option<String> {
    let start = body.find(prefix)?;
    let end = start + body[start..].find('"')?;
    Some(body[start..end].replace("&amp;", "&"))
}

async fn a_department_sets_its_colour_and_logo(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app
        .tenant("gard", &[Module::AidRequests, Module::UserRelations])
        .await;
    app.tenant("herault", &[Module::AidRequests]).await;
    app.staffs(
        &gard,
        &[
            ("admin@gard.fr", "Adèle", &[Role::Admin]),
            ("accueil@gard.fr", "Rachel", &[Role::Reception]),
        ],
    )
    .await;
    let mut admin = Visitor::signed_in(&app, "/gard", "admin@gard.fr").await;

    // Guichet's own colour until the department chooses: not the State's « bleu France ».
    let home = admin.get("/gard/").await;
    let sheet = linked(&home.body, "/gard/apparence.css").expect("the page links its colours");
    let (status, kind, css) = fetch(&admin, &sheet).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/css"));
    assert!(
        String::from_utf8(css)
            .unwrap()
            .contains("--primary:#1f5f8b")
    );
    assert!(linked(&home.body, "/gard/logo.png").is_none());

    // A colour white text cannot be read on is refused, with the figures and what to do.
    let page = admin.get("/gard/agents/admin/apparence").await;
    assert_eq!(page.status, StatusCode::OK);
    let refused = admin
        .post(
            "/gard/agents/admin/apparence/couleur",
            &[("csrf", &page.csrf()), ("colour", "#ffd700")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("pas assez lisible"));
    assert!(
        refused.body.contains("value=\"#ffd700\""),
        "the value typed is kept"
    );
    let saved = admin
        .post(
            "/gard/agents/admin/apparence/couleur",
            &[("csrf", &page.csrf()), ("colour", "#7A1F3D")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    // A logo that is not a PNG is refused at its field; a large one is shrunk.
    let refused = admin
        .post_multipart(
            "/gard/agents/admin/apparence/logo",
            &[("csrf", &page.csrf())],
            &[(
                "logo",
                "logo.pdf",
                "image/png",
                b"%PDF-1.4 pas une image".to_vec(),
            )],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"logo-error\""));
    assert!(refused.body.contains("image PNG"));
    let saved = admin
        .post_multipart(
            "/gard/agents/admin/apparence/logo",
            &[("csrf", &page.csrf())],
            &[("logo", "logo.png", "image/png", png(2000, 1000))],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    // Every page of the department carries both, anonymous visitors' included.
    let anonymous = Visitor::new(&app);
    let mut anonymous_page = anonymous.clone();
    let home = anonymous_page.get("/gard/").await;
    let sheet = linked(&home.body, "/gard/apparence.css").unwrap();
    let (_, _, css) = fetch(&anonymous, &sheet).await;
    assert!(
        String::from_utf8(css)
            .unwrap()
            .contains("--primary:#7a1f3d")
    );
    let logo = linked(&home.body, "/gard/logo.png").expect("the header shows the logo");
    let (status, kind, bytes) = fetch(&anonymous, &logo).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "image/png");
    let shown = image::load_from_memory(&bytes).unwrap();
    assert_eq!((shown.width(), shown.height()), (192, 96));

    // Another department keeps its own look.
    let other = anonymous_page.get("/herault/").await;
    let sheet = linked(&other.body, "/herault/apparence.css").unwrap();
    let (_, _, css) = fetch(&anonymous, &sheet).await;
    assert!(
        String::from_utf8(css)
            .unwrap()
            .contains("--primary:#1f5f8b")
    );
    assert!(linked(&other.body, "/herault/logo.png").is_none());
    assert_eq!(
        fetch(&anonymous, "/herault/logo.png").await.0,
        StatusCode::NOT_FOUND
    );

    // Only the administrator changes it, and the journal says who did.
    let mut reception = Visitor::signed_in(&app, "/gard", "accueil@gard.fr").await;
    let csrf = reception.csrf("/gard").await;
    let forbidden = reception
        .post(
            "/gard/agents/admin/apparence/couleur",
            &[("csrf", &csrf), ("colour", "#000000")],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let journal = guichet::audit::recent(&gard, 50).await.unwrap();
    let changes: Vec<_> = journal
        .iter()
        .filter(|e| e.action == "apparence du département modifiée")
        .collect();
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|e| e.actor_email == "admin@gard.fr"));

    // Removing the logo takes it off the pages.
    let page = admin.get("/gard/agents/admin/apparence").await;
    let removed = admin
        .post_multipart(
            "/gard/agents/admin/apparence/logo",
            &[("csrf", &page.csrf()), ("retirer", "oui")],
            &[],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let home = anonymous_page.get("/gard/").await;
    assert!(linked(&home.body, "/gard/logo.png").is_none());
    app.stop().await;
}
