//! Citizens without FranceConnect: a local account confirmed by a mailed link, sign-in with a
//! password, reset by mail. Mail goes over real SMTP to a server on loopback.

use guichet::entity::citizen;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use tenants::Tenant;

use crate::harness::{Backend, Page, Visitor, app_with_mail, both_engines, hidden_value, link_in};

both_engines!(
    a_forged_host_never_reaches_a_mailed_link,
    a_citizen_creates_an_account_confirms_it_and_signs_in,
    sign_in_waits_for_the_address_to_be_confirmed,
    sign_up_errors_are_all_named_and_nothing_is_created,
    signing_up_twice_reveals_nothing_but_tells_the_owner,
    a_forgotten_password_is_reset_by_mail_once,
    wrong_passwords_are_throttled,
    a_sign_up_mail_quotes_nothing_the_visitor_typed
);

const PASSWORD: &str = "une phrase assez longue";

async fn citizens(tenant: &Tenant) -> u64 {
    let txn = tenant.db().begin().await.unwrap();
    let count = citizen::Entity::find().count(&txn).await.unwrap();
    txn.commit().await.unwrap();
    count
}

async fn sign_up(visitor: &mut Visitor, email: &str, password: &str, again: &str) -> Page {
    let form = visitor.get("/gard/inscription").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    visitor
        .post(
            "/gard/inscription",
            &[
                ("csrf", &csrf),
                ("given_name", "Fatou"),
                ("family_name", "Diallo"),
                ("email", email),
                ("password", password),
                ("password_again", again),
            ],
        )
        .await
}

async fn confirm(visitor: &mut Visitor, link: &str) -> Page {
    let page = visitor.get(link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    let token = hidden_value(&page.body, "jeton");
    visitor
        .post(
            "/gard/inscription/confirmer",
            &[("csrf", &csrf), ("jeton", &token)],
        )
        .await
}

async fn log_in(visitor: &mut Visitor, email: &str, password: &str) -> Page {
    let page = visitor.get("/gard/connexion").await;
    let csrf = page.csrf();
    visitor
        .post(
            "/gard/connexion",
            &[("csrf", &csrf), ("email", email), ("password", password)],
        )
        .await
}

async fn a_citizen_creates_an_account_confirms_it_and_signs_in(backend: Backend) {
    let (app, sink, tenant) = app_with_mail(backend).await;
    let mut visitor = Visitor::new(&app);
    let done = sign_up(&mut visitor, "Fatou.Diallo@Exemple.fr", PASSWORD, PASSWORD).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Vérifiez votre messagerie"));
    assert!(done.body.contains("fatou.diallo@exemple.fr"));

    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.to, "fatou.diallo@exemple.fr");
    assert_eq!(mail.subject, "Confirmez votre adresse — Département gard");
    let link = link_in(&mail, &visitor, "/inscription/confirmer?jeton=");
    let confirmed = confirm(&mut visitor, &link).await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );
    assert_eq!(confirmed.location.as_deref(), Some("/gard/mon-espace"));
    let space = visitor.get("/gard/mon-espace").await;
    assert!(
        space.body.contains("Bonjour Fatou Diallo"),
        "{}",
        space.body
    );

    // The link is good once.
    let mut other = Visitor::new(&app);
    let again = confirm(&mut other, &link).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("n'est plus valable"));

    // Later, with the password.
    let mut later = Visitor::new(&app);
    let signed_in = log_in(&mut later, "fatou.diallo@exemple.fr", PASSWORD).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    assert!(
        later
            .get("/gard/mon-espace")
            .await
            .body
            .contains("Bonjour Fatou")
    );
    assert_eq!(citizens(&tenant).await, 1);

    // On her way to her messages: a wrong password keeps the return, the right one follows it.
    let mut again = Visitor::new(&app);
    let asked = again.get("/gard/mon-espace/messages").await;
    let login = asked.location.unwrap();
    assert_eq!(login, "/gard/connexion?retour=%2Fmon-espace%2Fmessages");
    let page = again.get(&login).await;
    let form = |password: &'static str| {
        vec![
            ("email", "fatou.diallo@exemple.fr"),
            ("password", password),
            ("retour", "/mon-espace/messages"),
        ]
    };
    let mut wrong = form("pas le bon mot de passe");
    let csrf = page.csrf();
    wrong.push(("csrf", &csrf));
    let refused = again.post("/gard/connexion", &wrong).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.body.contains("value=\"/mon-espace/messages\""));
    let mut right = form(PASSWORD);
    right.push(("csrf", &csrf));
    let signed_in = again.post("/gard/connexion", &right).await;
    assert_eq!(
        signed_in.location.as_deref(),
        Some("/gard/mon-espace/messages")
    );
    // A return elsewhere in the form is ignored.
    let mut elsewhere = Visitor::new(&app);
    let csrf = elsewhere.get("/gard/connexion").await.csrf();
    let signed_in = elsewhere
        .post(
            "/gard/connexion",
            &[
                ("csrf", &csrf),
                ("email", "fatou.diallo@exemple.fr"),
                ("password", PASSWORD),
                ("retour", "//attaquant.example/"),
            ],
        )
        .await;
    assert_eq!(signed_in.location.as_deref(), Some("/gard/mon-espace"));
    app.stop().await;
}

async fn sign_in_waits_for_the_address_to_be_confirmed(backend: Backend) {
    let (app, sink, _tenant) = app_with_mail(backend).await;
    let mut visitor = Visitor::new(&app);
    sign_up(&mut visitor, "fatou@exemple.fr", PASSWORD, PASSWORD).await;
    sink.wait_for(1).await;
    let refused = log_in(&mut visitor, "fatou@exemple.fr", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("pas encore confirmée"),
        "{}",
        refused.body
    );
    assert_eq!(
        visitor.get("/gard/mon-espace").await.status,
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}

async fn sign_up_errors_are_all_named_and_nothing_is_created(backend: Backend) {
    let (app, _sink, tenant) = app_with_mail(backend).await;
    let mut visitor = Visitor::new(&app);
    let form = visitor.get("/gard/inscription").await;
    let csrf = form.csrf();
    let page = visitor
        .post(
            "/gard/inscription",
            &[
                ("csrf", &csrf),
                ("given_name", ""),
                ("family_name", "Diallo"),
                ("email", "pas-une-adresse"),
                ("password", "court"),
                ("password_again", "autre"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Indiquez votre prénom.",
        "est pas valide : elle doit ressembler à prenom.nom@exemple.fr",
        "au moins 12 caractères",
        "ne sont pas identiques",
    ] {
        assert!(page.body.contains(message), "missing « {message} »");
    }
    // What was typed is kept (not the passwords).
    assert!(page.body.contains("value=\"Diallo\""));
    assert!(!page.body.contains("court"));
    assert_eq!(citizens(&tenant).await, 0);
    assert_eq!(guichet::mail::pending_count(&tenant).await.unwrap(), 0);
    app.stop().await;
}

async fn signing_up_twice_reveals_nothing_but_tells_the_owner(backend: Backend) {
    let (app, sink, tenant) = app_with_mail(backend).await;
    let mut first = Visitor::new(&app);
    let a = sign_up(&mut first, "fatou@exemple.fr", PASSWORD, PASSWORD).await;
    let mut second = Visitor::new(&app);
    let b = sign_up(
        &mut second,
        "fatou@exemple.fr",
        "autre phrase bien longue",
        "autre phrase bien longue",
    )
    .await;
    assert_eq!(a.status, b.status);
    assert!(b.body.contains("Vérifiez votre messagerie"));
    let mut subjects: Vec<String> = sink
        .wait_for(2)
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "Confirmez votre adresse — Département gard",
            "Votre compte — Département gard"
        ]
    );
    assert_eq!(citizens(&tenant).await, 1);
    app.stop().await;
}

async fn a_forgotten_password_is_reset_by_mail_once(backend: Backend) {
    let (app, sink, _tenant) = app_with_mail(backend).await;
    let mut visitor = Visitor::new(&app);
    sign_up(&mut visitor, "fatou@exemple.fr", PASSWORD, PASSWORD).await;
    let mail = sink.wait_for(1).await.remove(0);
    let link = link_in(&mail, &visitor, "/inscription/confirmer");
    confirm(&mut visitor, &link).await;

    let mut forgetful = Visitor::new(&app);
    let page = forgetful.get("/gard/mot-de-passe-oublie").await;
    let csrf = page.csrf();
    // An unknown address gets the same answer, and no mail.
    let unknown = forgetful
        .post(
            "/gard/mot-de-passe-oublie",
            &[("csrf", &csrf), ("email", "personne@exemple.fr")],
        )
        .await;
    assert!(unknown.body.contains("Si un compte existe"));
    let known = forgetful
        .post(
            "/gard/mot-de-passe-oublie",
            &[("csrf", &csrf), ("email", "fatou@exemple.fr")],
        )
        .await;
    assert_eq!(known.status, unknown.status);
    assert!(known.body.contains("Si un compte existe"));
    let mails = sink.wait_for(2).await;
    assert_eq!(mails.len(), 2, "no mail for an unknown address");
    let reset = mails
        .iter()
        .find(|m| m.subject.starts_with("Changer votre mot de passe"))
        .unwrap();
    let link = link_in(reset, &forgetful, "/mot-de-passe/nouveau?jeton=");
    let form = forgetful.get(&link).await;
    let csrf = form.csrf();
    let token = hidden_value(&form.body, "jeton");
    let mismatch = forgetful
        .post(
            "/gard/mot-de-passe/nouveau",
            &[
                ("csrf", &csrf),
                ("jeton", &token),
                ("password", "nouvelle phrase secrète"),
                ("password_again", "nouvelle phrase secrete"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    let changed = forgetful
        .post(
            "/gard/mot-de-passe/nouveau",
            &[
                ("csrf", &csrf),
                ("jeton", &token),
                ("password", "nouvelle phrase secrète"),
                ("password_again", "nouvelle phrase secrète"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let notice = forgetful.get(changed.location.as_deref().unwrap()).await;
    assert!(notice.body.contains("Votre mot de passe a été changé"));
    // Once only.
    let replay = forgetful
        .post(
            "/gard/mot-de-passe/nouveau",
            &[
                ("csrf", &csrf),
                ("jeton", &token),
                ("password", "encore une autre phrase"),
                ("password_again", "encore une autre phrase"),
            ],
        )
        .await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);

    let mut later = Visitor::new(&app);
    assert_eq!(
        log_in(&mut later, "fatou@exemple.fr", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        log_in(&mut later, "fatou@exemple.fr", "nouvelle phrase secrète")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}

async fn wrong_passwords_are_throttled(backend: Backend) {
    let (app, sink, _tenant) = app_with_mail(backend).await;
    let mut visitor = Visitor::new(&app);
    sign_up(&mut visitor, "fatou@exemple.fr", PASSWORD, PASSWORD).await;
    let mail = sink.wait_for(1).await.remove(0);
    let link = link_in(&mail, &visitor, "/inscription/confirmer");
    confirm(&mut visitor, &link).await;

    let mut attacker = Visitor::new(&app);
    for _ in 0..5 {
        let page = log_in(&mut attacker, "fatou@exemple.fr", "mauvais mot de passe").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = log_in(&mut attacker, "fatou@exemple.fr", PASSWORD).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.body.contains("attendez 15 minutes"));
    app.stop().await;
}

/// Password-reset poisoning: a request sent with someone else's `Host` must not put that host
/// in the link mailed to the account's owner.
async fn a_forged_host_never_reaches_a_mailed_link(backend: Backend) {
    let (app, sink, _tenant) = app_with_mail(backend).await;
    let mut visitor = Visitor::new(&app);
    sign_up(&mut visitor, "fatou@exemple.fr", PASSWORD, PASSWORD).await;
    sink.wait_for(1).await;
    let mut attacker = Visitor::new(&app).with_host("evil.example");
    let page = attacker.get("/gard/mot-de-passe-oublie").await;
    assert_eq!(page.status, StatusCode::OK);
    let sent = attacker
        .post(
            "/gard/mot-de-passe-oublie",
            &[("csrf", &page.csrf()), ("email", "fatou@exemple.fr")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    let mails = sink.wait_for(2).await;
    let reset = mails
        .iter()
        .find(|m| m.subject.starts_with("Changer votre mot de passe"))
        .unwrap();
    assert!(!reset.text.contains("evil.example"), "{}", reset.text);
    assert!(
        reset
            .text
            .contains("http://localhost/gard/mot-de-passe/nouveau?jeton=")
    );
    app.stop().await;
}

/// Someone signs up with another person's address and a « name » that is a message: the
/// department's mail to that address must not carry it.
async fn a_sign_up_mail_quotes_nothing_the_visitor_typed(backend: Backend) {
    let (app, sink, _tenant) = app_with_mail(backend).await;
    let mut visitor = Visitor::new(&app);
    let form = visitor.get("/gard/inscription").await;
    let bait = "Votre aide est suspendue, appelez le 0899 000 000 ou http://aide-gard.example";
    let page = visitor
        .post(
            "/gard/inscription",
            &[
                ("csrf", &form.csrf()),
                ("given_name", bait),
                ("family_name", "Arnaque"),
                ("email", "victime@exemple.fr"),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mail = sink.wait_for(1).await.remove(0);
    for typed in ["0899", "aide-gard.example", "Arnaque", "suspendue"] {
        assert!(!mail.text.contains(typed), "{typed} in {}", mail.text);
        assert!(!mail.subject.contains(typed));
    }
    app.stop().await;
}
