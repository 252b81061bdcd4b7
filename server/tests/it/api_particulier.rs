//! The API Particulier simulator over real HTTP: answers, errors with the real codes, rate
//! limits and their headers, injected faults.

use std::time::{Duration, Instant};

use guichet::api_particulier::simulator::{self, DEMO_TOKEN, Faults, SimulatorConfig};
use reqwest::StatusCode;
use serde_json::Value;

const SIRET: &str = "22300001800015";

async fn start(config: SimulatorConfig) -> simulator::SimulatorHandle {
    simulator::spawn(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        config,
    )
    .unwrap()
}

/// The identity parameters of a test citizen, as the client sends them.
fn identity(
    name: &str,
    given: &str,
    sex: &str,
    (y, m, d): (u32, u32, u32),
) -> Vec<(String, String)> {
    vec![
        ("nomNaissance".into(), name.into()),
        ("prenoms[]".into(), given.into()),
        ("sexeEtatCivil".into(), sex.into()),
        ("anneeDateNaissance".into(), y.to_string()),
        ("moisDateNaissance".into(), m.to_string()),
        ("jourDateNaissance".into(), d.to_string()),
        ("codeCogInseePaysNaissance".into(), "99100".into()),
        ("codeCogInseeCommuneNaissance".into(), "30189".into()),
    ]
}

fn diallo() -> Vec<(String, String)> {
    identity("DIALLO", "Fatou", "F", (1979, 1, 9))
}

async fn call(
    base: &str,
    path: &str,
    token: Option<&str>,
    mut query: Vec<(String, String)>,
    recipient: bool,
) -> reqwest::Response {
    if recipient {
        query.push(("recipient".into(), SIRET.into()));
    }
    let mut request = guichet::tls::http_client()
        .get(format!("{base}{path}"))
        .query(&query);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn error_code(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    let error = &body["errors"][0];
    assert!(
        error["title"].is_string() && error["detail"].is_string(),
        "{body}"
    );
    (status, error["code"].as_str().unwrap().to_owned())
}

const QF: &str = "/v3/dss/quotient_familial/identite";

#[tokio::test]
async fn found_citizens_come_with_data_links_meta_and_rate_headers() {
    let sim = start(SimulatorConfig::default()).await;
    let response = call(&sim.base_url, QF, Some(DEMO_TOKEN), diallo(), true).await;
    assert_eq!(response.status(), StatusCode::OK);
    for header in ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
        assert!(response.headers().contains_key(header), "{header}");
    }
    assert_eq!(response.headers()["RateLimit-Limit"], "1200");
    assert_eq!(response.headers()["RateLimit-Remaining"], "1199");
    let body: Value = response.json().await.unwrap();
    assert!(body["links"].is_object() && body["meta"].is_object());
    let qf = &body["data"]["quotient_familial"];
    assert_eq!(qf["fournisseur"], "CNAF");
    assert_eq!(qf["valeur"], 612);
    assert_eq!(body["data"]["enfants"].as_array().unwrap().len(), 2);
    assert_eq!(body["data"]["allocataires"][0]["nom_naissance"], "DIALLO");

    // Several children, at the MSA.
    let nguyen = identity("Nguyen", "Thi", "F", (1978, 11, 23));
    let body: Value = call(&sim.base_url, QF, Some(DEMO_TOKEN), nguyen, true)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["quotient_familial"]["fournisseur"], "MSA");
    assert_eq!(body["data"]["enfants"].as_array().unwrap().len(), 4);

    // Other sources.
    let rsa: Value = call(
        &sim.base_url,
        "/v3/dss/revenu_solidarite_active/identite",
        Some(DEMO_TOKEN),
        diallo(),
        true,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(rsa["data"]["est_beneficiaire"], true);
    let css: Value = call(
        &sim.base_url,
        "/v3/dss/complementaire_sante_solidaire/identite",
        Some(DEMO_TOKEN),
        diallo(),
        true,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(css["data"]["status"], "css_sans_participation");
    let france_travail = call(
        &sim.base_url,
        "/v3/france_travail/statut/identifiant",
        Some(DEMO_TOKEN),
        vec![("identifiant".into(), "1234567A".into())],
        true,
    )
    .await;
    assert_eq!(france_travail.status(), StatusCode::OK);
    let student = call(
        &sim.base_url,
        "/v3/mesri/statut_etudiant/identite",
        Some(DEMO_TOKEN),
        identity("DUBOIS", "Léa", "F", (2003, 9, 15)),
        true,
    )
    .await;
    assert_eq!(student.status(), StatusCode::OK);
}

#[tokio::test]
async fn errors_carry_the_real_codes() {
    let sim = start(SimulatorConfig::default()).await;
    let base = sim.base_url.as_str();
    // No CAF file.
    let martin = identity("MARTIN", "Jean", "M", (1990, 7, 1));
    assert_eq!(
        error_code(call(base, QF, Some(DEMO_TOKEN), martin.clone(), true).await).await,
        (StatusCode::NOT_FOUND, "23003".into())
    );
    // Nobody of that identity.
    let nobody = identity("PERSONNE", "Inconnue", "F", (2000, 1, 1));
    assert_eq!(
        error_code(call(base, QF, Some(DEMO_TOKEN), nobody, true).await).await,
        (StatusCode::NOT_FOUND, "23003".into())
    );
    // Not a student.
    assert_eq!(
        error_code(
            call(
                base,
                "/v3/mesri/statut_etudiant/identite",
                Some(DEMO_TOKEN),
                martin,
                true
            )
            .await
        )
        .await,
        (StatusCode::NOT_FOUND, "30001".into())
    );
    // Token missing or unknown.
    assert_eq!(
        error_code(call(base, QF, None, diallo(), true).await).await,
        (StatusCode::UNAUTHORIZED, "00101".into())
    );
    assert_eq!(
        error_code(call(base, QF, Some("jeton-inconnu"), diallo(), true).await).await,
        (StatusCode::UNAUTHORIZED, "00101".into())
    );
    // No recipient.
    assert_eq!(
        error_code(call(base, QF, Some(DEMO_TOKEN), diallo(), false).await).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "00203".into())
    );
    // An identity that cannot be one.
    let mut bad = diallo();
    bad.retain(|(k, _)| k != "sexeEtatCivil");
    assert_eq!(
        error_code(call(base, QF, Some(DEMO_TOKEN), bad, true).await).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "00366".into())
    );
    let impossible = identity("DIALLO", "Fatou", "F", (1979, 13, 9));
    assert_eq!(
        error_code(call(base, QF, Some(DEMO_TOKEN), impossible, true).await).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "00366".into())
    );
    // An endpoint the simulator does not implement (AEEH) answers in JSON too, as the service
    // answers every error.
    let aeeh = "/v3/dss/allocation_education_enfant_handicape/identite";
    let answer = call(base, aeeh, Some(DEMO_TOKEN), diallo(), true).await;
    assert!(
        answer.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(
        error_code(answer).await,
        (StatusCode::NOT_FOUND, "00404".into())
    );
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    // Per token: 3 a second. Ten calls at once span at most two one-second windows.
    let sim = start(SimulatorConfig {
        per_token_per_second: 3,
        ..SimulatorConfig::default()
    })
    .await;
    let mut refused = 0;
    for _ in 0..10 {
        let response = call(&sim.base_url, QF, Some(DEMO_TOKEN), diallo(), true).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().contains_key("Retry-After"));
            assert!(response.headers().contains_key("RateLimit-Reset"));
            assert_eq!(error_code(response).await.1, "00429");
            refused += 1;
        }
    }
    assert!(refused >= 4, "only {refused} of 10 refused");

    // Per address: 5 a minute, whatever the token.
    let sim = start(SimulatorConfig {
        tokens: vec!["a".into(), "b".into()],
        per_address_per_minute: 5,
        ..SimulatorConfig::default()
    })
    .await;
    let mut refused = 0;
    for i in 0..12 {
        let token = if i % 2 == 0 { "a" } else { "b" };
        let response = call(&sim.base_url, QF, Some(token), diallo(), true).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = response.headers()["Retry-After"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&wait));
            refused += 1;
        }
    }
    assert!(refused >= 2, "only {refused} of 12 refused");
}

#[tokio::test]
async fn faults_are_injected_as_configured() {
    let with = |faults: Faults| SimulatorConfig {
        faults,
        ..SimulatorConfig::default()
    };
    let down = start(with(Faults {
        outage: true,
        ..Faults::default()
    }))
    .await;
    let response = call(&down.base_url, QF, Some(DEMO_TOKEN), diallo(), true).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);

    let bad_gateway = start(with(Faults {
        bad_gateway_share: 1.0,
        ..Faults::default()
    }))
    .await;
    assert_eq!(
        error_code(call(&bad_gateway.base_url, QF, Some(DEMO_TOKEN), diallo(), true).await).await,
        (StatusCode::BAD_GATEWAY, "37999".into())
    );
    let timeout = start(with(Faults {
        gateway_timeout_share: 1.0,
        ..Faults::default()
    }))
    .await;
    assert_eq!(
        error_code(call(&timeout.base_url, QF, Some(DEMO_TOKEN), diallo(), true).await).await,
        (StatusCode::GATEWAY_TIMEOUT, "37001".into())
    );

    // A share: the same seed fails the same calls; about that share fails.
    let statuses = |sim: simulator::SimulatorHandle| async move {
        let mut out = Vec::new();
        for _ in 0..100 {
            out.push(
                call(&sim.base_url, QF, Some(DEMO_TOKEN), diallo(), true)
                    .await
                    .status(),
            );
        }
        out
    };
    let config = with(Faults {
        bad_gateway_share: 0.15,
        gateway_timeout_share: 0.15,
        seed: 7,
        ..Faults::default()
    });
    let unlimited = |mut c: SimulatorConfig| {
        c.per_token_per_second = 1_000;
        c
    };
    let first = statuses(start(unlimited(config.clone())).await).await;
    let second = statuses(start(unlimited(config)).await).await;
    assert_eq!(first, second);
    let failed = first.iter().filter(|s| !s.is_success()).count();
    assert!((15..=45).contains(&failed), "{failed} of 100 failed");

    // Hanging calls: the client's own timeout fires.
    let hanging = start(with(Faults {
        hang_share: 1.0,
        ..Faults::default()
    }))
    .await;
    let started = Instant::now();
    let result = guichet::tls::http_client_builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
        .get(format!("{}{QF}", hanging.base_url))
        .bearer_auth(DEMO_TOKEN)
        .query(&[("recipient", SIRET)])
        .query(&diallo())
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
    assert!(started.elapsed() < Duration::from_secs(30));

    // Latency is added before the answer.
    let slow = start(with(Faults {
        latency: Duration::from_millis(200),
        ..Faults::default()
    }))
    .await;
    let started = Instant::now();
    let response = call(&slow.base_url, QF, Some(DEMO_TOKEN), diallo(), true).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

// ---------------------------------------------------------------------------------------------
// The client, against the simulator

use guichet::api_particulier::client::{Answer, CallError, Client, ClientConfig, Identity, Source};

fn client(base_url: &str, token: &str, per_second: u32, timeout: Duration) -> Client {
    Client::new(ClientConfig {
        base_url: base_url.to_owned(),
        token: token.to_owned(),
        recipient: SIRET.to_owned(),
        per_second,
        timeout,
    })
    .unwrap()
}

fn person(name: &str, given: &str, sex: &str, (y, m, d): (i32, u32, u32)) -> Identity {
    Identity {
        birth_name: name.to_owned(),
        given_names: vec![given.to_owned()],
        sex: sex.to_owned(),
        birth_date: chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        birth_country: "99100".to_owned(),
        birth_commune: Some("30189".to_owned()),
    }
}

#[tokio::test]
async fn the_client_reads_answers_and_not_found() {
    let sim = start(SimulatorConfig::default()).await;
    let api = client(&sim.base_url, DEMO_TOKEN, 20, Duration::from_secs(5));
    let fatou = person("DIALLO", "Fatou", "F", (1979, 1, 9));
    let Answer::Found(data) = api.fetch(Source::FamilyQuotient, &fatou).await.unwrap() else {
        panic!("found expected");
    };
    assert_eq!(data["quotient_familial"]["valeur"], 612);
    let jean = person("MARTIN", "Jean", "M", (1990, 7, 1));
    assert_eq!(
        api.fetch(Source::FamilyQuotient, &jean).await.unwrap(),
        Answer::NotFound {
            code: "23003".into(),
            detail: "Le dossier allocataire n'a pas été trouvé auprès de la CNAF ni de la MSA."
                .into()
        }
    );
    assert!(matches!(
        api.france_travail("1234567A").await.unwrap(),
        Answer::Found(_)
    ));
}

#[tokio::test]
async fn the_client_says_what_a_pull_can_do_about_a_failure() {
    let metrics = guichet::metrics::recorder().unwrap();
    let sim = start(SimulatorConfig::default()).await;
    let fatou = person("DIALLO", "Fatou", "F", (1979, 1, 9));
    // A wrong token: retrying will not help.
    let wrong = client(&sim.base_url, "jeton-faux", 20, Duration::from_secs(5));
    let error = wrong
        .fetch(Source::FamilyQuotient, &fatou)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, CallError::Rejected { status: 401, code, .. } if code == "00101"),
        "{error:?}"
    );
    assert!(!error.retryable());
    // An outage, a timeout, nobody listening: later may work.
    let down = start(SimulatorConfig {
        faults: Faults {
            outage: true,
            ..Faults::default()
        },
        ..SimulatorConfig::default()
    })
    .await;
    let error = client(&down.base_url, DEMO_TOKEN, 20, Duration::from_secs(5))
        .fetch(Source::Rsa, &fatou)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CallError::Unavailable { status: 503, .. }),
        "{error:?}"
    );
    assert!(error.retryable());
    let hanging = start(SimulatorConfig {
        faults: Faults {
            hang_share: 1.0,
            ..Faults::default()
        },
        ..SimulatorConfig::default()
    })
    .await;
    let error = client(
        &hanging.base_url,
        DEMO_TOKEN,
        20,
        Duration::from_millis(300),
    )
    .fetch(Source::Css, &fatou)
    .await
    .unwrap_err();
    assert!(matches!(error, CallError::Timeout), "{error:?}");
    let nobody = format!("http://{}", down.addr);
    drop(down);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let error = client(&nobody, DEMO_TOKEN, 20, Duration::from_secs(5))
        .fetch(Source::Aah, &fatou)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CallError::Network(_) | CallError::Timeout),
        "{error:?}"
    );
    // Over the quota: told how long to wait.
    let strict = start(SimulatorConfig {
        per_token_per_second: 1,
        ..SimulatorConfig::default()
    })
    .await;
    let eager = client(&strict.base_url, DEMO_TOKEN, 100, Duration::from_secs(5));
    let mut limited = None;
    for _ in 0..5 {
        if let Err(e) = eager.fetch(Source::FamilyQuotient, &fatou).await {
            limited = Some(e);
        }
    }
    assert!(
        matches!(limited, Some(CallError::RateLimited { retry_after }) if retry_after >= Duration::from_secs(1)),
        "{limited:?}"
    );
    // Each call counted for the operators, by path and status.
    let rendered = metrics.render();
    let calls = |path: &str, status: &str| {
        let series = format!(
            "guichet_national_api_calls_total{{api=\"api_particulier\",path=\"{path}\",status=\"{status}\"}} "
        );
        rendered
            .lines()
            .find_map(|line| line.strip_prefix(&series))
            .and_then(|n| n.parse::<u64>().ok())
    };
    assert_eq!(
        calls(Source::FamilyQuotient.path(), "401"),
        Some(1),
        "{rendered}"
    );
    assert_eq!(calls(Source::Rsa.path(), "503"), Some(1), "{rendered}");
    assert_eq!(calls(Source::Css.path(), "delai"), Some(1), "{rendered}");
    let quota = calls(Source::FamilyQuotient.path(), "429").unwrap_or(0);
    let answered = calls(Source::FamilyQuotient.path(), "200").unwrap_or(0);
    assert!(quota >= 1 && quota + answered == 5, "{rendered}");
}

/// Clones share one limiter: callers at once stay under the token's quota, with no 429.
#[tokio::test]
async fn callers_sharing_a_client_stay_under_the_quota() {
    let sim = start(SimulatorConfig {
        per_token_per_second: 4,
        ..SimulatorConfig::default()
    })
    .await;
    let api = client(&sim.base_url, DEMO_TOKEN, 4, Duration::from_secs(5));
    let fatou = person("DIALLO", "Fatou", "F", (1979, 1, 9));
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (api, fatou) = (api.clone(), fatou.clone());
            tokio::spawn(async move {
                let mut results = Vec::new();
                for _ in 0..3 {
                    results.push(api.fetch(Source::FamilyQuotient, &fatou).await);
                }
                results
            })
        })
        .collect();
    let mut answered = 0;
    for task in tasks {
        for result in task.await.unwrap() {
            assert!(matches!(result, Ok(Answer::Found(_))), "{result:?}");
            answered += 1;
        }
    }
    assert_eq!(answered, 12);
}

// ---------------------------------------------------------------------------------------------
// FranceConnect mode: the citizen's FranceConnect access token instead of their identity

use guichet::franceconnect::simulator as fc;

/// The identity claims Guichet asks FranceConnect for.
const FC_IDENTITY_SCOPES: &str =
    "openid given_name family_name birthdate gender birthplace birthcountry";

/// The test's return address, declared to the FranceConnect simulator.
const FRANCECONNECT_RETURN: &str = "http://127.0.0.1:9/retour-franceconnect";

/// The FranceConnect simulator, and the API Particulier simulator asking it about tokens.
async fn start_with_franceconnect() -> (fc::SimulatorHandle, simulator::SimulatorHandle) {
    let franceconnect = fc::spawn(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        fc::SimulatorConfig {
            redirect_uris: guichet::oidc::simulator_kit::RegisteredUris::new(
                [FRANCECONNECT_RETURN.to_owned()],
                [],
            ),
            ..fc::SimulatorConfig::default()
        },
    )
    .unwrap();
    let api = start(SimulatorConfig {
        franceconnect_issuer: Some(franceconnect.issuer.clone()),
        ..SimulatorConfig::default()
    })
    .await;
    (franceconnect, api)
}

/// A real access token for `sub`, through the simulator's OpenID flow over HTTP: /authorize,
/// the identity chosen on its page, the code exchanged at /token.
async fn franceconnect_token(issuer: &str, sub: &str, scope: &str) -> String {
    let provider = fc::SimulatorConfig::default();
    let http = guichet::tls::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect_uri = FRANCECONNECT_RETURN;
    let state = "etat-du-test-0123456789abcdef";
    let page = http
        .get(format!("{issuer}/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", provider.client_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("scope", scope),
            ("state", state),
            ("nonce", "nonce-du-test-0123456789abcdef"),
            ("acr_values", "eidas1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let interaction = crate::harness::hidden_value(&page.text().await.unwrap(), "interaction");
    let back = http
        .post(format!("{issuer}/interaction/choose"))
        .form(&[("interaction", interaction.as_str()), ("sub", sub)])
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let location = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("no {name} in {location}"))
    };
    assert_eq!(param("state"), state);
    let code = param("code");
    let tokens: Value = http
        .post(format!("{issuer}/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri),
            ("client_id", provider.client_id.as_str()),
            ("client_secret", provider.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token in {tokens}"))
        .to_owned()
}

#[tokio::test]
async fn france_connect_mode_answers_about_the_token_holder() {
    let (franceconnect, sim) = start_with_franceconnect().await;
    let scope = format!(
        "{FC_IDENTITY_SCOPES} cnaf_quotient_familial revenu_solidarite_active mesri_admissions"
    );
    let api = client(&sim.base_url, DEMO_TOKEN, 20, Duration::from_secs(5));

    let fatou = franceconnect_token(&franceconnect.issuer, "sim-fatou-diallo", &scope).await;
    let Answer::Found(data) = api
        .fetch_france_connect(Source::FamilyQuotient, &fatou)
        .await
        .unwrap()
    else {
        panic!("found expected");
    };
    assert_eq!(data["quotient_familial"]["valeur"], 612);
    assert_eq!(data["allocataires"][0]["nom_naissance"], "DIALLO");
    let Answer::Found(rsa) = api.fetch_france_connect(Source::Rsa, &fatou).await.unwrap() else {
        panic!("found expected");
    };
    assert_eq!(rsa["est_beneficiaire"], true);

    // Karim BENALI has no CAF file: the same "not found" as in the identity mode.
    let karim = franceconnect_token(&franceconnect.issuer, "sim-karim-benali", &scope).await;
    assert_eq!(
        api.fetch_france_connect(Source::FamilyQuotient, &karim)
            .await
            .unwrap(),
        Answer::NotFound {
            code: "23003".into(),
            detail: "Le dossier allocataire n'a pas été trouvé auprès de la CNAF ni de la MSA."
                .into()
        }
    );
    // Lucas NGUYEN is a student; Fatou is not.
    let lucas = franceconnect_token(&franceconnect.issuer, "sim-lucas-nguyen", &scope).await;
    assert!(matches!(
        api.fetch_france_connect(Source::StudentStatus, &lucas)
            .await
            .unwrap(),
        Answer::Found(data) if data["identite"]["nom_naissance"] == "NGUYEN"
    ));
    assert!(matches!(
        api.fetch_france_connect(Source::StudentStatus, &fatou)
            .await
            .unwrap(),
        Answer::NotFound { code, .. } if code == "30001"
    ));

    // Same body as the identity mode, with the rate-limit headers.
    let response = call(
        &sim.base_url,
        Source::FamilyQuotient.france_connect_path().unwrap(),
        Some(&fatou),
        Vec::new(),
        true,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("RateLimit-Remaining"));
    let body: Value = response.json().await.unwrap();
    assert!(
        body["links"].is_object() && body["meta"].is_object(),
        "{body}"
    );
}

#[tokio::test]
async fn france_connect_mode_refuses_what_the_real_service_refuses() {
    let (franceconnect, sim) = start_with_franceconnect().await;
    let api = client(&sim.base_url, DEMO_TOKEN, 20, Duration::from_secs(5));
    let rejected = |result: Result<Answer, CallError>| match result {
        Err(CallError::Rejected { status, code, .. }) => (status, code),
        other => panic!("rejection expected, got {other:?}"),
    };

    // A token FranceConnect never issued, or our own API Particulier token.
    for garbage in ["jeton-inconnu-de-franceconnect", DEMO_TOKEN] {
        let error = api
            .fetch_france_connect(Source::FamilyQuotient, garbage)
            .await
            .unwrap_err();
        assert!(!error.retryable());
        assert_eq!(rejected(Err(error)), (401, "50002".into()));
    }
    // Signed in without asking for the data: refused like a token without rights.
    let identity_only = franceconnect_token(
        &franceconnect.issuer,
        "sim-fatou-diallo",
        FC_IDENTITY_SCOPES,
    )
    .await;
    assert_eq!(
        rejected(
            api.fetch_france_connect(Source::FamilyQuotient, &identity_only)
                .await
        ),
        (403, "00100".into())
    );
    // The data without the identity: the service cannot tell whom to ask about.
    let data_only = franceconnect_token(
        &franceconnect.issuer,
        "sim-fatou-diallo",
        "openid cnaf_quotient_familial",
    )
    .await;
    assert_eq!(
        rejected(
            api.fetch_france_connect(Source::FamilyQuotient, &data_only)
                .await
        ),
        (401, "50003".into())
    );

    // Over raw HTTP: no token at all, and no recipient.
    let scope = format!("{FC_IDENTITY_SCOPES} cnaf_quotient_familial");
    let fatou = franceconnect_token(&franceconnect.issuer, "sim-fatou-diallo", &scope).await;
    let path = Source::FamilyQuotient.france_connect_path().unwrap();
    let no_token = call(&sim.base_url, path, None, Vec::new(), true).await;
    assert_eq!(
        error_code(no_token).await,
        (StatusCode::UNAUTHORIZED, "50004".into())
    );
    let no_recipient = call(&sim.base_url, path, Some(&fatou), Vec::new(), false).await;
    assert_eq!(
        error_code(no_recipient).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "00203".into())
    );
    // The identity mode still wants its own token: a FranceConnect token is not one.
    let wrong_mode = call(&sim.base_url, QF, Some(&fatou), diallo(), true).await;
    assert_eq!(
        error_code(wrong_mode).await,
        (StatusCode::UNAUTHORIZED, "00101".into())
    );
}

#[tokio::test]
async fn france_connect_mode_without_franceconnect_is_unavailable() {
    let fatou_token = "un-jeton-quelconque";
    // Not configured: a clear 503.
    let bare = start(SimulatorConfig::default()).await;
    let response = call(
        &bare.base_url,
        Source::Css.france_connect_path().unwrap(),
        Some(fatou_token),
        Vec::new(),
        true,
    )
    .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("--franceconnect-issuer"),
        "{body}"
    );
    // Configured, but FranceConnect does not answer: a provider error, worth retrying later.
    let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}/api/v2", gone.local_addr().unwrap());
    drop(gone);
    let orphan = start(SimulatorConfig {
        franceconnect_issuer: Some(issuer),
        ..SimulatorConfig::default()
    })
    .await;
    let error = client(&orphan.base_url, DEMO_TOKEN, 20, Duration::from_secs(5))
        .fetch_france_connect(Source::Css, fatou_token)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, CallError::Unavailable { status: 502, code, .. } if code == "50999"),
        "{error:?}"
    );
    assert!(error.retryable());
}

/// FranceConnect's side of the exchange: only its data provider may check a token, and the
/// answer is a JWT signed with the key FranceConnect publishes.
#[tokio::test]
async fn franceconnect_checktoken_answers_its_data_provider_only() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use openidconnect::JsonWebKey as _;
    use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm};

    let (franceconnect, _) = start_with_franceconnect().await;
    let issuer = &franceconnect.issuer;
    let http = guichet::tls::http_client();
    let check = |token: &str, id: &str, secret: &str| {
        http.post(format!("{issuer}/checktoken"))
            .form(&[
                ("token", token),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .send()
    };
    let (id, secret) = (fc::DATA_PROVIDER_CLIENT_ID, fc::DATA_PROVIDER_CLIENT_SECRET);
    let scope = format!("{FC_IDENTITY_SCOPES} cnaf_quotient_familial");
    let token = franceconnect_token(issuer, "sim-karim-benali", &scope).await;

    let refused = check(&token, id, "pas-le-bon-secret").await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    let incomplete = check("", id, secret).await.unwrap();
    assert_eq!(incomplete.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        incomplete.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );

    let keys: CoreJsonWebKeySet = http
        .get(format!("{issuer}/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claims_of = |jwt: &str| {
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3, "{jwt}");
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        assert!(keys.keys().iter().any(|key| {
            key.verify_signature(
                &CoreJwsSigningAlgorithm::EcdsaP256Sha256,
                format!("{}.{}", parts[0], parts[1]).as_bytes(),
                &signature,
            )
            .is_ok()
        }));
        serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
    };
    let answer = check(&token, id, secret).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        answer.headers()["content-type"],
        "application/token-introspection+jwt"
    );
    let claims = claims_of(&answer.text().await.unwrap());
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["aud"], id);
    let introspection = &claims["token_introspection"];
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["sub"], "sim-karim-benali");
    assert_eq!(introspection["scope"], scope.as_str());
    assert_eq!(introspection["family_name"], "BENALI");
    assert_eq!(introspection["birthdate"], "1988-03-02");
    assert_eq!(introspection["gender"], "male");

    let unknown = check("jeton-inconnu", id, secret).await.unwrap();
    assert_eq!(unknown.status(), StatusCode::OK);
    let claims = claims_of(&unknown.text().await.unwrap());
    assert_eq!(
        claims["token_introspection"],
        serde_json::json!({ "active": false })
    );
}
