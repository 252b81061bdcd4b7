//! Staff's second factor on both engines: enrolment checks a code first, a code is good once
//! (even when two requests race with it), recovery codes are spent, the secret is sealed at
//! rest and opens with the platform's key only.

use base64::Engine as _;
use chrono::{Duration, Utc};
use guichet::staff::Role;
use guichet::staff::second_factor::{self, Checked, EnrolError, PendingSecret, SealKey};
use sea_orm::EntityTrait;
use tenants::Module;

use crate::harness::{Backend, TestApp, Visitor, both_engines, password_of};

both_engines!(
    a_code_is_good_once_and_recovery_codes_are_spent,
    the_secret_is_sealed_and_opens_with_its_key_only,
    a_staff_member_enrols_an_app_and_signs_in_with_its_code,
    recovery_codes_are_renewed_and_a_factor_removed_only_where_roles_allow,
);

fn key(byte: u8) -> SealKey {
    SealKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([byte; 32])).unwrap()
}

use crate::fixtures::app_code as code;

async fn a_code_is_good_once_and_recovery_codes_are_spent(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    let anne = app
        .staff_without_app(&gard, "anne@gard.fr", "Anne", &[Role::Admin])
        .await;
    let owner = guichet::staff::find_account(&app.platform, &gard, anne)
        .await
        .unwrap()
        .unwrap();
    let (platform, key) = (&app.platform, key(7));
    let secret = PendingSecret::generate();
    let now = Utc::now();

    let wrong = second_factor::enrol((platform, &gard), &key, &owner, &secret, "000000", now).await;
    assert!(
        matches!(wrong, Err(EnrolError::WrongCode)) || code(&secret, now) == "000000",
        "a wrong code enrols nothing"
    );
    assert!(!second_factor::is_enrolled(platform, anne).await.unwrap());

    let enrolment_code = code(&secret, now);
    let recovery = second_factor::enrol(
        (platform, &gard),
        &key,
        &owner,
        &secret,
        &enrolment_code,
        now,
    )
    .await
    .unwrap();
    assert_eq!(recovery.len(), second_factor::RECOVERY_CODES);
    assert!(second_factor::is_enrolled(platform, anne).await.unwrap());

    // The code typed at enrolment, and any code made earlier, is spent.
    let check = |typed: String, at| {
        let key = key.clone();
        async move {
            second_factor::check(platform, &key, anne, &typed, at)
                .await
                .unwrap()
        }
    };
    assert_eq!(check(enrolment_code.clone(), now).await, Checked::Replayed);
    let later = now + Duration::seconds(30);
    let next = code(&secret, later);
    if next != enrolment_code {
        // Two requests racing with one fresh code: one gets in.
        let (a, b) = tokio::join!(check(next.clone(), later), check(next.clone(), later));
        let mut both = [a, b];
        both.sort_by_key(|c| format!("{c:?}"));
        assert_eq!(both, [Checked::Code, Checked::Replayed]);
    }
    assert_eq!(check("12345".into(), later).await, Checked::Wrong);

    // A recovery code, however typed, once.
    let spare = recovery[3].to_uppercase().replace('-', " ");
    assert_eq!(
        check(spare.clone(), later).await,
        Checked::Recovery { left: 9 }
    );
    assert_eq!(check(spare, later).await, Checked::Wrong);

    // Enrolling again replaces the secret and the recovery codes.
    let again = PendingSecret::generate();
    let fresh = second_factor::enrol(
        (platform, &gard),
        &key,
        &owner,
        &again,
        &code(&again, later),
        later,
    )
    .await
    .unwrap();
    assert_eq!(check(recovery[4].clone(), later).await, Checked::Wrong);
    assert_eq!(
        check(fresh[0].clone(), later).await,
        Checked::Recovery { left: 9 }
    );

    let by_herself = guichet::staff::Author::Staff(&owner);
    assert!(
        second_factor::remove(platform, &gard, &owner, by_herself)
            .await
            .unwrap()
    );
    assert!(!second_factor::is_enrolled(platform, anne).await.unwrap());
    assert_eq!(check(fresh[1].clone(), later).await, Checked::Wrong);
    app.stop().await;
}

async fn the_secret_is_sealed_and_opens_with_its_key_only(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    let anne = app
        .staff_without_app(&gard, "anne@gard.fr", "Anne", &[Role::Admin])
        .await;
    let secret = PendingSecret::generate();
    let now = Utc::now();
    let owner = guichet::staff::find_account(&app.platform, &gard, anne)
        .await
        .unwrap()
        .unwrap();
    second_factor::enrol(
        (&app.platform, &gard),
        &key(7),
        &owner,
        &secret,
        &code(&secret, now),
        now,
    )
    .await
    .unwrap();
    let row = guichet::entity::staff_totp::Entity::find_by_id(anne)
        .one(app.platform.db())
        .await
        .unwrap()
        .unwrap();
    let base32 = secret.to_base32();
    assert!(!row.secret_sealed.contains(&base32[..8]));
    assert!(!row.secret_sealed.contains(&secret.text()[..9]));

    let later = now + Duration::seconds(60);
    let next = code(&secret, later);
    let elsewhere = second_factor::check(&app.platform, &key(8), anne, &next, later)
        .await
        .unwrap();
    assert_eq!(elsewhere, Checked::Wrong, "another key opens nothing");
    let here = second_factor::check(&app.platform, &key(7), anne, &next, later)
        .await
        .unwrap();
    assert_eq!(here, Checked::Code);
    app.stop().await;
}

/// The text between `start` and the next `end`, after `after`.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body.find(start).map(|i| i + start.len()).expect(start);
    let to = body[from..].find(end).expect(end);
    &body[from..from + to]
}

async fn a_staff_member_enrols_an_app_and_signs_in_with_its_code(backend: Backend) {
    let (app, sink, gard) = crate::harness::app_with_mail(backend).await;
    let anne_id = app
        .staff_without_app(&gard, "anne@gard.fr", "Anne", &[Role::Admin])
        .await;
    let mut anne = Visitor::signed_in(&app, "/gard", "anne@gard.fr").await;
    let page = anne.get("/gard/agents/securite/double-facteur").await;
    assert_eq!(page.status, reqwest::StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("<svg"),
        "the QR code is drawn on the page"
    );
    let key_text = between(&page.body, "<code id=\"secret\">", "</code>").replace(' ', "");
    let secret = PendingSecret::from_base32(&key_text).expect("the key is shown as base32");
    let path = "/gard/agents/securite/double-facteur";

    let wrong = anne
        .post(path, &[("csrf", &page.csrf()), ("code", "12")])
        .await;
    assert_eq!(wrong.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("ne correspond pas"), "{}", wrong.body);

    // Enrolled with the code of the step before (the app's clock a little behind), so the
    // current step's code is still unused for the sign-in below.
    let earlier = code(&secret, Utc::now() - Duration::seconds(30));
    let done = anne
        .post(path, &[("csrf", &page.csrf()), ("code", &earlier)])
        .await;
    assert_eq!(done.status, reqwest::StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Vos codes de secours"));
    let recovery = recovery_codes_of(&done.body);
    assert_eq!(recovery.len(), second_factor::RECOVERY_CODES);
    let mails = sink.wait_for(1).await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject == "Double authentification enregistrée"
                && m.envelope_to.contains(&"anne@gard.fr".to_owned()))
    );

    // Signing in again: the password alone opens nothing.
    let mut again = Visitor::new(&app);
    let step = again
        .sign_in("/gard", "anne@gard.fr", &password_of("anne@gard.fr"))
        .await;
    assert_eq!(
        step.location.as_deref(),
        Some("/gard/agents/connexion/code")
    );
    let home = again.get("/gard/agents/").await;
    assert_eq!(
        home.status,
        reqwest::StatusCode::SEE_OTHER,
        "not signed in yet"
    );
    let form = again.get("/gard/agents/connexion/code").await;
    assert!(form.body.contains("Code de connexion"));
    let refused = again
        .post(
            "/gard/agents/connexion/code",
            &[("csrf", &form.csrf()), ("code", "000000")],
        )
        .await;
    assert_eq!(refused.status, reqwest::StatusCode::UNAUTHORIZED);
    let now_code = code(&secret, Utc::now());
    let ok = again
        .post(
            "/gard/agents/connexion/code",
            &[("csrf", &form.csrf()), ("code", &now_code)],
        )
        .await;
    assert_eq!(ok.location.as_deref(), Some("/gard/agents/"), "{}", ok.body);
    let home = again.get("/gard/agents/").await;
    assert_eq!(home.status, reqwest::StatusCode::OK);

    // The same code on another sign-in is refused; a recovery code serves once.
    let mut third = Visitor::new(&app);
    third
        .sign_in("/gard", "anne@gard.fr", &password_of("anne@gard.fr"))
        .await;
    let form = third.get("/gard/agents/connexion/code").await;
    let replayed = third
        .post(
            "/gard/agents/connexion/code",
            &[("csrf", &form.csrf()), ("code", &now_code)],
        )
        .await;
    assert_eq!(replayed.status, reqwest::StatusCode::UNAUTHORIZED);
    assert!(replayed.body.contains("déjà servi"), "{}", replayed.body);
    let spare = third
        .post(
            "/gard/agents/connexion/code",
            &[("csrf", &form.csrf()), ("code", &recovery[0])],
        )
        .await;
    assert_eq!(spare.location.as_deref(), Some("/gard/agents/"));
    let mails = sink.wait_for(2).await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject == "Un code de secours a servi à vous connecter")
    );
    let mut fourth = Visitor::new(&app);
    fourth
        .sign_in("/gard", "anne@gard.fr", &password_of("anne@gard.fr"))
        .await;
    let form = fourth.get("/gard/agents/connexion/code").await;
    let spent = fourth
        .post(
            "/gard/agents/connexion/code",
            &[("csrf", &form.csrf()), ("code", &recovery[0])],
        )
        .await;
    assert_eq!(spent.status, reqwest::StatusCode::UNAUTHORIZED);

    // Anne lost her phone and her codes: another administrator resets her factor.
    app.staff(&gard, "chef@gard.fr", "Chef", &[Role::Admin])
        .await;
    let mut chef = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let account = chef
        .get(&format!("/gard/agents/admin/comptes/{anne_id}"))
        .await;
    assert!(
        account
            .body
            .contains("Réinitialiser la double authentification")
    );
    let reset = chef
        .post(
            &format!("/gard/agents/admin/comptes/{anne_id}/double-facteur/reinitialiser"),
            &[("csrf", &account.csrf())],
        )
        .await;
    assert_eq!(
        reset.location.as_deref(),
        Some("/gard/agents/admin/comptes")
    );
    let list = chef.get("/gard/agents/admin/comptes").await;
    assert!(
        list.body
            .contains("La double authentification de anne@gard.fr est réinitialisée.")
    );
    let mails = sink.wait_for(3).await;
    assert!(mails.iter().any(
        |m| m.subject == "Votre double authentification a été réinitialisée"
            && m.envelope_to.contains(&"anne@gard.fr".to_owned())
    ));
    // Her password lets her in again, but as an administrator only as far as enrolling a
    // new app: nothing else opens before.
    let mut password_only = Visitor::signed_in(&app, "/gard", "anne@gard.fr").await;
    let home = password_only.get("/gard/agents/").await;
    assert_eq!(
        home.location.as_deref(),
        Some("/gard/agents/securite/double-facteur")
    );
    let enrol = password_only
        .get("/gard/agents/securite/double-facteur")
        .await;
    assert_eq!(enrol.status, reqwest::StatusCode::OK);
    assert!(enrol.body.contains("<svg"), "a new key to scan");
    app.stop().await;
}

/// Enrols an app through the page, as its owner would: the secret shown and the recovery codes.
async fn enrol_through_page(visitor: &mut Visitor, base: &str) -> (PendingSecret, Vec<String>) {
    let path = format!("{base}/agents/securite/double-facteur");
    let page = visitor.get(&path).await;
    let key_text = between(&page.body, "<code id=\"secret\">", "</code>").replace(' ', "");
    let secret = PendingSecret::from_base32(&key_text).unwrap();
    let earlier = code(&secret, Utc::now() - Duration::seconds(30));
    let done = visitor
        .post(&path, &[("csrf", &page.csrf()), ("code", &earlier)])
        .await;
    assert_eq!(done.status, reqwest::StatusCode::OK, "{}", done.body);
    (secret, recovery_codes_of(&done.body))
}

fn recovery_codes_of(body: &str) -> Vec<String> {
    body.split("<li><code>")
        .skip(1)
        .map(|piece| piece.split("</code>").next().unwrap().to_owned())
        .collect()
}

async fn recovery_codes_are_renewed_and_a_factor_removed_only_where_roles_allow(backend: Backend) {
    let (app, sink, gard) = crate::harness::app_with_mail(backend).await;
    let key = app.seal_key.clone();
    let yanis = app
        .staff(&gard, "yanis@gard.fr", "Yanis", &[Role::Reception])
        .await;
    let mut visitor = Visitor::signed_in(&app, "/gard", "yanis@gard.fr").await;
    let (_, old_codes) = enrol_through_page(&mut visitor, "/gard").await;
    let page = visitor.get("/gard/agents/securite/double-facteur").await;
    assert!(page.body.contains("Créer de nouveaux codes de secours"));
    assert!(
        page.body.contains("Supprimer l&#x27;application")
            || page.body.contains("Supprimer l'application")
    );

    // New codes: shown once, the old ones no longer serve.
    let renewed = visitor
        .post(
            "/gard/agents/securite/double-facteur/codes-de-secours",
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(renewed.status, reqwest::StatusCode::OK, "{}", renewed.body);
    assert!(renewed.body.contains("les anciens ne servent plus"));
    let new_codes = recovery_codes_of(&renewed.body);
    assert_eq!(new_codes.len(), second_factor::RECOVERY_CODES);
    assert!(new_codes.iter().all(|c| !old_codes.contains(c)));
    let now = Utc::now();
    let (platform, old, new) = (&app.platform, &old_codes[0], &new_codes[0]);
    let old = second_factor::check(platform, &key, yanis, old, now).await;
    assert_eq!(old.unwrap(), Checked::Wrong);
    let new = second_factor::check(platform, &key, yanis, new, now).await;
    assert_eq!(new.unwrap(), Checked::Recovery { left: 9 });

    // Removing his own app: his role does not need one.
    let removed = visitor
        .post(
            "/gard/agents/securite/double-facteur/supprimer",
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(
        removed.location.as_deref(),
        Some("/gard/agents/securite/double-facteur")
    );
    let page = visitor.get("/gard/agents/securite/double-facteur").await;
    assert!(
        page.body
            .contains("Votre double authentification est supprimée")
    );
    assert!(
        !second_factor::is_enrolled(&app.platform, yanis)
            .await
            .unwrap()
    );
    let subjects: Vec<String> = sink
        .wait_for(3)
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect();
    for expected in [
        "Double authentification enregistrée",
        "Nouveaux codes de secours",
        "Double authentification supprimée",
    ] {
        assert!(
            subjects.iter().any(|s| s == expected),
            "{expected}: {subjects:?}"
        );
    }
    let actions: Vec<String> = guichet::audit::recent(&gard, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"suppression de sa double authentification".to_owned()));
    assert!(actions.contains(&"nouveaux codes de secours de double authentification".to_owned()));

    // An administrator cannot remove hers: the page says so, a forged request is refused.
    let chef = app
        .staff(&gard, "chef@gard.fr", "Chef", &[Role::Admin])
        .await;
    let mut admin = Visitor::signed_in(&app, "/gard", "chef@gard.fr").await;
    let page = admin.get("/gard/agents/securite/double-facteur").await;
    assert!(
        page.body.contains("elle ne peut pas être supprimée"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("double-facteur/supprimer"));
    let refused = admin
        .post(
            "/gard/agents/securite/double-facteur/supprimer",
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(refused.status, reqwest::StatusCode::CONFLICT);
    assert!(
        refused
            .body
            .contains("Votre rôle exige la double authentification")
    );
    assert!(
        second_factor::is_enrolled(&app.platform, chef)
            .await
            .unwrap()
    );
    app.stop().await;
}
