//! A local API Particulier v3, faithful to the published service in what the client relies on:
//! bearer token, mandatory `recipient`, `{data, links, meta}` bodies, `{errors: [...]}` with the
//! real codes, rate limits with `RateLimit-*` headers and `Retry-After`, and deterministic test
//! citizens. Faults are injected by configuration: latency, a share of 502/504, timeouts, a
//! whole outage.
//!
//! The identity endpoints (`…/identite`) have FranceConnect twins (`…/france_connect`), called
//! as the real service is: the bearer is the citizen's FranceConnect access token instead of
//! the API Particulier token, no identity parameters are sent (`recipient` still is), and the
//! service asks FranceConnect who the token belongs to (its data providers' `/checktoken`)
//! before answering about that person with the same bodies and errors.
//!
//! Started by `guichet api-particulier-simulator`, and by tests on a port 0 listener.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::JsonWebKey as _;
use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use rand::{Rng as _, SeedableRng as _};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// How the simulator behaves.
#[derive(Clone, Debug)]
pub struct SimulatorConfig {
    /// Bearer tokens it accepts.
    pub tokens: Vec<String>,
    /// Calls per second allowed per token (the real service: 20).
    pub per_token_per_second: u32,
    /// Calls per minute allowed per client address (the real service: 1,000).
    pub per_address_per_minute: u32,
    pub faults: Faults,
    /// FranceConnect's issuer (`http://…/api/v2`), asked who an access token belongs to on the
    /// `…/france_connect` endpoints. `None`: those endpoints answer 503, saying so.
    pub franceconnect_issuer: Option<String>,
    /// The data-provider credentials presented to FranceConnect's `/checktoken`.
    pub franceconnect_client_id: String,
    pub franceconnect_client_secret: String,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            tokens: vec![DEMO_TOKEN.to_owned()],
            per_token_per_second: 20,
            per_address_per_minute: 1_000,
            faults: Faults::default(),
            franceconnect_issuer: None,
            franceconnect_client_id: crate::franceconnect::simulator::DATA_PROVIDER_CLIENT_ID
                .to_owned(),
            franceconnect_client_secret:
                crate::franceconnect::simulator::DATA_PROVIDER_CLIENT_SECRET.to_owned(),
        }
    }
}

/// The token the demo and the tests use.
pub const DEMO_TOKEN: &str = "jeton-demo-api-particulier";

/// Injected faults. Shares are between 0 and 1; draws come from a seeded generator, so a run
/// with the same seed and the same calls fails the same calls.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Added before every answer.
    pub latency: Duration,
    /// Share of calls answered 502 (provider error).
    pub bad_gateway_share: f64,
    /// Share of calls answered 504 (provider timeout).
    pub gateway_timeout_share: f64,
    /// Share of calls that hang for a minute before answering (the client's timeout fires).
    pub hang_share: f64,
    /// Every call answers 503, as during an outage.
    pub outage: bool,
    pub seed: u64,
}

/// A test citizen: who they are, and what each administration knows of them.
#[derive(Clone, Debug)]
pub struct TestCitizen {
    pub birth_name: &'static str,
    pub given_names: &'static [&'static str],
    /// `F` or `M`.
    pub sex: &'static str,
    pub birth_date: (i32, u32, u32),
    /// Family quotient: (provider `CNAF` or `MSA`, value, number of children).
    pub family_quotient: Option<(&'static str, u32, usize)>,
    pub rsa: Option<bool>,
    pub aah: Option<bool>,
    /// `css_sans_participation`, `css_participation_forfaitaire` or `pas_de_css`.
    pub css: &'static str,
    pub france_travail_id: Option<&'static str>,
    pub student: bool,
}

/// Deterministic test citizens (found, not found, several children, no CAF file…). Fatou
/// DIALLO, Karim BENALI and Lucas NGUYEN are also the FranceConnect simulator's people, so the
/// demo's citizens find their data.
pub fn test_citizens() -> Vec<TestCitizen> {
    vec![
        TestCitizen {
            birth_name: "DIALLO",
            given_names: &["Fatou"],
            sex: "F",
            birth_date: (1979, 1, 9),
            family_quotient: Some(("CNAF", 612, 2)),
            rsa: Some(true),
            aah: Some(false),
            css: "css_sans_participation",
            france_travail_id: Some("1234567A"),
            student: false,
        },
        TestCitizen {
            birth_name: "NGUYEN",
            given_names: &["Thi", "Mai"],
            sex: "F",
            birth_date: (1978, 11, 23),
            family_quotient: Some(("MSA", 890, 4)),
            rsa: Some(false),
            aah: Some(false),
            css: "css_participation_forfaitaire",
            france_travail_id: None,
            student: false,
        },
        TestCitizen {
            birth_name: "BERNARD",
            given_names: &["Paul"],
            sex: "M",
            birth_date: (1970, 1, 20),
            family_quotient: Some(("CNAF", 1_104, 0)),
            rsa: Some(false),
            aah: Some(true),
            css: "pas_de_css",
            france_travail_id: Some("7654321B"),
            student: false,
        },
        // Known nowhere at the CAF: every CNAF answer is "no file".
        TestCitizen {
            birth_name: "MARTIN",
            given_names: &["Jean"],
            sex: "M",
            birth_date: (1990, 7, 1),
            family_quotient: None,
            rsa: None,
            aah: None,
            css: "pas_de_css",
            france_travail_id: None,
            student: false,
        },
        TestCitizen {
            birth_name: "BENALI",
            given_names: &["Karim"],
            sex: "M",
            birth_date: (1988, 3, 2),
            family_quotient: None,
            rsa: None,
            aah: None,
            css: "pas_de_css",
            france_travail_id: None,
            student: false,
        },
        TestCitizen {
            birth_name: "NGUYEN",
            given_names: &["Lucas"],
            sex: "M",
            birth_date: (2003, 6, 15),
            family_quotient: None,
            rsa: None,
            aah: None,
            css: "pas_de_css",
            france_travail_id: None,
            student: true,
        },
        TestCitizen {
            birth_name: "DUBOIS",
            given_names: &["Léa"],
            sex: "F",
            birth_date: (2003, 9, 15),
            family_quotient: None,
            rsa: None,
            aah: None,
            css: "pas_de_css",
            france_travail_id: None,
            student: true,
        },
    ]
}

/// A running simulator; stops when dropped.
pub struct SimulatorHandle {
    pub addr: SocketAddr,
    /// The base URL to configure the client with (`http://ADDR`).
    pub base_url: String,
    calls: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl SimulatorHandle {
    /// Calls counted against a token's quota so far (answered, or refused with a 429).
    pub fn calls_received(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn spawn(listener: TcpListener, config: SimulatorConfig) -> std::io::Result<SimulatorHandle> {
    let addr = listener.local_addr()?;
    let calls = Arc::new(AtomicU64::new(0));
    let app = router(config, calls.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "API Particulier simulator stopped");
        }
    });
    Ok(SimulatorHandle {
        addr,
        base_url: format!("http://{addr}"),
        calls,
        task,
    })
}

#[derive(Clone)]
struct Simulator {
    config: Arc<SimulatorConfig>,
    limits: Arc<Mutex<Limits>>,
    /// Calls counted against a token's quota, refused ones too.
    calls: Arc<AtomicU64>,
    dice: Arc<Mutex<rand::rngs::StdRng>>,
    /// Calls FranceConnect for the `…/france_connect` endpoints.
    http: reqwest::Client,
}

/// Fixed windows: per token per second and per minute (for the headers), per address per
/// minute.
#[derive(Default)]
struct Limits {
    token_second: HashMap<(String, u64), u32>,
    token_minute: HashMap<(String, u64), u32>,
    address_minute: HashMap<(std::net::IpAddr, u64), u32>,
}

fn router(config: SimulatorConfig, calls: Arc<AtomicU64>) -> Router {
    let seed = config.faults.seed;
    let state = Simulator {
        config: Arc::new(config),
        calls,
        limits: Arc::new(Mutex::new(Limits::default())),
        dice: Arc::new(Mutex::new(rand::rngs::StdRng::seed_from_u64(seed))),
        // A building failure (no TLS backend) leaves the default client, without timeout.
        http: crate::tls::http_client_builder()
            .timeout(FRANCECONNECT_TIMEOUT)
            .build()
            .unwrap_or_default(),
    };
    let mut router = Router::new()
        .route(
            "/v3/dss/quotient_familial/identite",
            get(|s, a, h, q| answer(s, a, h, q, Endpoint::FamilyQuotient)),
        )
        .route(
            "/v3/dss/revenu_solidarite_active/identite",
            get(|s, a, h, q| answer(s, a, h, q, Endpoint::Rsa)),
        )
        .route(
            "/v3/dss/allocation_adulte_handicape/identite",
            get(|s, a, h, q| answer(s, a, h, q, Endpoint::Aah)),
        )
        .route(
            "/v3/dss/complementaire_sante_solidaire/identite",
            get(|s, a, h, q| answer(s, a, h, q, Endpoint::Css)),
        )
        .route(
            "/v3/france_travail/statut/identifiant",
            get(|s, a, h, q| answer(s, a, h, q, Endpoint::FranceTravail)),
        )
        .route(
            "/v3/mesri/statut_etudiant/identite",
            get(|s, a, h, q| answer(s, a, h, q, Endpoint::Student)),
        );
    for endpoint in Endpoint::ALL {
        if let Some(path) = endpoint.france_connect_path() {
            router = router.route(
                path,
                get(move |s, a, h, q| answer_france_connect(s, a, h, q, endpoint)),
            );
        }
    }
    router.fallback(unknown_path).with_state(state)
}

/// A path the simulator does not implement is answered like the service answers any error,
/// as JSON, so a client that calls a wrong or unsupported endpoint sees what it would in
/// production rather than an empty page.
async fn unknown_path(uri: axum::http::Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "00404",
        "Ressource introuvable",
        &format!(
            "Aucun point d'accès ne répond à {} sur API Particulier.",
            uri.path()
        ),
    )
}

/// How long FranceConnect gets to answer a token check.
const FRANCECONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    FamilyQuotient,
    Rsa,
    Aah,
    Css,
    FranceTravail,
    Student,
}

impl Endpoint {
    const ALL: [Endpoint; 6] = [
        Endpoint::FamilyQuotient,
        Endpoint::Rsa,
        Endpoint::Aah,
        Endpoint::Css,
        Endpoint::FranceTravail,
        Endpoint::Student,
    ];

    /// The FranceConnect twin of the endpoint; France Travail has none.
    fn france_connect_path(self) -> Option<&'static str> {
        Some(match self {
            Endpoint::FamilyQuotient => "/v3/dss/quotient_familial/france_connect",
            Endpoint::Rsa => "/v3/dss/revenu_solidarite_active/france_connect",
            Endpoint::Aah => "/v3/dss/allocation_adulte_handicape/france_connect",
            Endpoint::Css => "/v3/dss/complementaire_sante_solidaire/france_connect",
            Endpoint::Student => "/v3/mesri/statut_etudiant/france_connect",
            Endpoint::FranceTravail => return None,
        })
    }

    /// The FranceConnect data scopes that open the endpoint (any one of them): the real
    /// service masks fields per scope; the simulator, like the published sandbox, only checks
    /// that one is there.
    fn france_connect_scopes(self) -> &'static [&'static str] {
        match self {
            Endpoint::FamilyQuotient => &[
                "cnaf_quotient_familial",
                "cnaf_allocataires",
                "cnaf_enfants",
                "cnaf_adresse",
            ],
            Endpoint::Rsa => &[
                "revenu_solidarite_active",
                "revenu_solidarite_active_majoration",
            ],
            Endpoint::Aah => &["allocation_adulte_handicape"],
            Endpoint::Css => &["complementaire_sante_solidaire"],
            Endpoint::Student => &[
                "mesri_identifiant",
                "mesri_inscription_etudiant",
                "mesri_inscription_autre",
                "mesri_admissions",
                "mesri_admission_inscrit",
                "mesri_admission_regime_formation",
                "mesri_admission_commune_etudes",
                "mesri_admission_etablissement_etudes",
            ],
            Endpoint::FranceTravail => &[],
        }
    }
}

/// An API Particulier error answer.
fn error(status: StatusCode, code: &str, title: &str, detail: &str) -> Response {
    (
        status,
        axum::Json(json!({
            "errors": [{
                "code": code,
                "title": title,
                "detail": detail,
                "source": null,
                "meta": {},
            }]
        })),
    )
        .into_response()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Over a limit: the headers, and the seconds to wait.
struct Refused(HeaderMap, u64);

/// Counts the call; returns the headers every answer carries.
fn count_call(
    sim: &Simulator,
    token: &str,
    address: std::net::IpAddr,
) -> Result<HeaderMap, Refused> {
    sim.calls.fetch_add(1, Ordering::Relaxed);
    let now = now_secs();
    let minute = now / 60;
    let per_minute = sim.config.per_token_per_second.saturating_mul(60);
    let mut limits = sim
        .limits
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Old windows are of no use.
    limits.token_second.retain(|(_, s), _| *s + 1 >= now);
    limits.token_minute.retain(|(_, m), _| *m >= minute);
    limits.address_minute.retain(|(_, m), _| *m >= minute);
    let by_address = limits.address_minute.entry((address, minute)).or_insert(0);
    *by_address += 1;
    let address_over = *by_address > sim.config.per_address_per_minute;
    let this_second = limits
        .token_second
        .entry((token.to_owned(), now))
        .or_insert(0);
    *this_second += 1;
    let token_over = *this_second > sim.config.per_token_per_second;
    let this_minute = limits
        .token_minute
        .entry((token.to_owned(), minute))
        .or_insert(0);
    *this_minute += 1;
    let remaining = per_minute.saturating_sub(*this_minute);
    let reset = (minute + 1) * 60;
    let mut headers = HeaderMap::new();
    headers.insert("RateLimit-Limit", HeaderValue::from(per_minute));
    headers.insert("RateLimit-Remaining", HeaderValue::from(remaining));
    headers.insert("RateLimit-Reset", HeaderValue::from(reset));
    if address_over || token_over {
        let retry_after = if token_over { 1 } else { reset - now };
        return Err(Refused(headers, retry_after.max(1)));
    }
    Ok(headers)
}

async fn answer(
    State(sim): State<Simulator>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
    endpoint: Endpoint,
) -> Response {
    if let Some(down) = before_anything(&sim).await {
        return down;
    }
    let token = bearer(&headers).filter(|t| sim.config.tokens.iter().any(|known| known == t));
    let Some(token) = token else {
        return error(
            StatusCode::UNAUTHORIZED,
            "00101",
            "Non autorisé",
            "Le jeton d'accès est absent, invalide ou expiré.",
        );
    };
    let rate_headers = match count_call(&sim, token, peer.ip()) {
        Ok(h) => h,
        Err(refused) => return too_many(refused),
    };
    let mut response = respond(&sim, &query, endpoint, Who::Query).await;
    response.headers_mut().extend(rate_headers);
    response
}

/// Latency and outage, which come before anything the service checks.
async fn before_anything(sim: &Simulator) -> Option<Response> {
    let faults = &sim.config.faults;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    faults.outage.then(|| {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "00503",
            "Service indisponible",
            "L'API est momentanément indisponible.",
        )
    })
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn too_many(Refused(headers, retry_after): Refused) -> Response {
    let mut refused = error(
        StatusCode::TOO_MANY_REQUESTS,
        "00429",
        "Trop de requêtes",
        "Vous avez dépassé la limite de requêtes autorisée. Attendez avant de réessayer.",
    );
    refused.headers_mut().extend(headers);
    refused
        .headers_mut()
        .insert("Retry-After", HeaderValue::from(retry_after));
    refused
}

/// A `…/france_connect` call. In this mode the bearer is the citizen's FranceConnect access
/// token (as on the real service: `Authorization: Bearer <FC token>`, nothing else), counted
/// against the limits as an API Particulier token would be. Errors follow the published
/// service (SIADE's `InvalidFranceConnectAccessTokenError`): 401 `50001` malformed token,
/// `50002` unknown or expired token, `50003` token without the identity scopes, `50004` no
/// token; a token without any of the endpoint's data scopes is refused like an API
/// Particulier token without rights (403 `00100`); FranceConnect failing to answer is a
/// provider error (502 `50999`).
async fn answer_france_connect(
    State(sim): State<Simulator>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
    endpoint: Endpoint,
) -> Response {
    if let Some(down) = before_anything(&sim).await {
        return down;
    }
    let Some(issuer) = sim.config.franceconnect_issuer.clone() else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "00503",
            "Service indisponible",
            "Le mode FranceConnect n'est pas configuré sur ce simulateur : démarrez-le avec --franceconnect-issuer (l'émetteur du simulateur FranceConnect).",
        );
    };
    let Some(token) = bearer(&headers) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "50004",
            "Accès non autorisé",
            "Le jeton d'accès FranceConnect de l'usager est absent : envoyez-le dans l'en-tête Authorization (Bearer).",
        );
    };
    let rate_headers = match count_call(&sim, token, peer.ip()) {
        Ok(h) => h,
        Err(refused) => return too_many(refused),
    };
    let check = FranceConnectCheck {
        http: &sim.http,
        issuer: &issuer,
        client_id: &sim.config.franceconnect_client_id,
        client_secret: &sim.config.franceconnect_client_secret,
    };
    let mut response = match check.who(token).await {
        Err(refused) => refused,
        Ok(person) => {
            if endpoint
                .france_connect_scopes()
                .iter()
                .any(|needed| person.scopes.iter().any(|s| s == needed))
            {
                match person.citizen() {
                    Ok(citizen) => respond(&sim, &query, endpoint, Who::Known(citizen)).await,
                    Err(detail) => error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "00366",
                        "Entité non traitable",
                        &detail,
                    ),
                }
            } else {
                error(
                    StatusCode::FORBIDDEN,
                    "00100",
                    "Accès interdit",
                    &format!(
                        "Le jeton FranceConnect ne donne pas accès à ces données : il faut l'un des scopes {} (demandés à FranceConnect lors de la connexion de l'usager).",
                        endpoint.france_connect_scopes().join(", ")
                    ),
                )
            }
        }
    };
    response.headers_mut().extend(rate_headers);
    response
}

/// Asks FranceConnect who an access token belongs to, as its data providers do: `POST
/// {issuer}/checktoken` with the provider's credentials, answered by a JWT whose ES256
/// signature is checked against `{issuer}/jwks` (fetched at each call: the simulator's key
/// changes at each start), then its issuer and audience.
struct FranceConnectCheck<'a> {
    http: &'a reqwest::Client,
    issuer: &'a str,
    client_id: &'a str,
    client_secret: &'a str,
}

/// A person as FranceConnect's token check describes them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FcPerson {
    scopes: Vec<String>,
    family_name: String,
    /// `YYYY-MM-DD`.
    birthdate: String,
    /// `female` or `male`.
    gender: String,
}

impl FcPerson {
    /// The test citizen with this birth name, sex and birth date, if any (given names are not
    /// compared, as in the identity mode).
    fn citizen(&self) -> Result<Option<TestCitizen>, String> {
        let sex = match self.gender.as_str() {
            "female" => "F",
            "male" => "M",
            other => {
                return Err(format!(
                    "Le sexe transmis par FranceConnect ({other}) n'est ni female ni male."
                ));
            }
        };
        let parts: Vec<Option<u32>> = self
            .birthdate
            .split('-')
            .map(|p| p.parse::<u32>().ok())
            .collect();
        let [Some(year), Some(month), Some(day)] = parts[..] else {
            return Err(format!(
                "La date de naissance transmise par FranceConnect ({}) n'est pas au format AAAA-MM-JJ.",
                self.birthdate
            ));
        };
        let year = i32::try_from(year).unwrap_or(0);
        Ok(test_citizens().into_iter().find(|c| {
            c.birth_name.eq_ignore_ascii_case(self.family_name.trim())
                && c.sex == sex
                && c.birth_date == (year, month, day)
        }))
    }
}

/// The claims FranceConnect's token check must carry; `identite_pivot`, `profile` and `birth`
/// stand for several of them, as on the real service.
const IDENTITY_SCOPES: [&str; 6] = [
    "family_name",
    "given_name",
    "gender",
    "birthdate",
    "birthplace",
    "birthcountry",
];

fn has_identity_scopes(scopes: &[String]) -> bool {
    let mut flat: Vec<&str> = Vec::new();
    for scope in scopes {
        match scope.as_str() {
            "identite_pivot" => flat.extend(IDENTITY_SCOPES),
            "profile" => flat.extend(["given_name", "family_name", "birthdate", "gender"]),
            "birth" => flat.extend(["birthplace", "birthcountry"]),
            other => flat.push(other),
        }
    }
    IDENTITY_SCOPES.iter().all(|needed| flat.contains(needed))
}

impl FranceConnectCheck<'_> {
    /// The person behind `token`, or the API Particulier error answer to give.
    async fn who(&self, token: &str) -> Result<FcPerson, Response> {
        let provider_error = |detail: String| {
            tracing::warn!(%detail, "FranceConnect token check failed");
            error(
                StatusCode::BAD_GATEWAY,
                "50999",
                "Erreur de fournisseur",
                &format!("FranceConnect n'a pas pu vérifier le jeton d'accès : {detail}"),
            )
        };
        let unauthorized = |code: &str, detail: &str| {
            error(StatusCode::UNAUTHORIZED, code, "Accès non autorisé", detail)
        };
        let base = self.issuer.trim_end_matches('/');
        let response = self
            .http
            .post(format!("{base}/checktoken"))
            .form(&[
                ("token", token),
                ("client_id", self.client_id),
                ("client_secret", self.client_secret),
            ])
            .send()
            .await
            .map_err(|e| provider_error(format!("injoignable ({e})")))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| provider_error(format!("réponse illisible ({e})")))?;
        match status.as_u16() {
            200 => {}
            // As the real service reads FranceConnect's refusals.
            400 => {
                return Err(unauthorized(
                    "50001",
                    "Le jeton d'accès FranceConnect est mal formé.",
                ));
            }
            401 => {
                return Err(unauthorized(
                    "50002",
                    "Le jeton d'accès FranceConnect est inconnu ou expiré.",
                ));
            }
            other => return Err(provider_error(format!("statut {other}"))),
        }
        let keys: CoreJsonWebKeySet = self
            .http
            .get(format!("{base}/jwks"))
            .send()
            .await
            .map_err(|e| provider_error(format!("clés injoignables ({e})")))?
            .json()
            .await
            .map_err(|e| provider_error(format!("clés illisibles ({e})")))?;
        let claims = verified_claims(body.trim(), &keys).map_err(provider_error)?;
        if claims["iss"].as_str() != Some(base) {
            return Err(provider_error("émetteur inattendu".into()));
        }
        let audience_ok = match &claims["aud"] {
            Value::String(aud) => aud == self.client_id,
            Value::Array(auds) => auds.iter().any(|a| a.as_str() == Some(self.client_id)),
            _ => false,
        };
        if !audience_ok {
            return Err(provider_error(
                "réponse destinée à un autre fournisseur".into(),
            ));
        }
        let introspection = &claims["token_introspection"];
        if introspection["active"].as_bool() != Some(true) {
            return Err(unauthorized(
                "50002",
                "Le jeton d'accès FranceConnect est inconnu ou expiré.",
            ));
        }
        let scopes: Vec<String> = introspection["scope"]
            .as_str()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if !has_identity_scopes(&scopes) {
            return Err(unauthorized(
                "50003",
                &format!(
                    "Le jeton d'accès FranceConnect ne donne pas l'identité pivot de l'usager. Le jeton possède les scopes suivants : {}.",
                    scopes.join(", ")
                ),
            ));
        }
        let claim = |name: &str| introspection[name].as_str().unwrap_or_default().to_owned();
        Ok(FcPerson {
            scopes,
            family_name: claim("family_name"),
            birthdate: claim("birthdate"),
            gender: claim("gender"),
        })
    }
}

/// The claims of a compact JWS signed (ES256 or RS256) by one of `keys`.
fn verified_claims(jwt: &str, keys: &CoreJsonWebKeySet) -> Result<Value, String> {
    let mut parts = jwt.split('.');
    let (Some(header_b64), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("réponse qui n'est pas un JWT signé".into());
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| "JWT mal encodé".to_owned())
    };
    let header: Value =
        serde_json::from_slice(&decode(header_b64)?).map_err(|_| "en-tête JWT illisible")?;
    let alg = match header["alg"].as_str() {
        Some("ES256") => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        Some("RS256") => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        other => return Err(format!("algorithme de signature refusé ({other:?})")),
    };
    let key = keys
        .keys()
        .iter()
        .find(|k| k.key_id().map(|id| id.as_str()) == header["kid"].as_str())
        .ok_or("clé de signature inconnue")?;
    key.verify_signature(
        &alg,
        format!("{header_b64}.{payload}").as_bytes(),
        &decode(signature)?,
    )
    .map_err(|_| "signature invalide")?;
    serde_json::from_slice(&decode(payload)?).map_err(|_| "contenu JWT illisible".into())
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// Whom a call is about.
enum Who {
    /// As the query's parameters say (identity, or France Travail identifier).
    Query,
    /// Already known (from FranceConnect): the test citizen, if there is one.
    Known(Option<TestCitizen>),
}

async fn respond(
    sim: &Simulator,
    query: &[(String, String)],
    endpoint: Endpoint,
    who: Who,
) -> Response {
    let recipient = param(query, "recipient");
    if !recipient.is_some_and(|r| r.len() == 14 && r.bytes().all(|b| b.is_ascii_digit())) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "00203",
            "Entité non traitable",
            "Le paramètre recipient est obligatoire : le numéro SIRET (14 chiffres) de l'organisme destinataire.",
        );
    }
    // Faults come after the checks the service makes itself.
    let draw: f64 = {
        let mut dice = sim
            .dice
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        dice.r#gen::<f64>()
    };
    let faults = &sim.config.faults;
    if draw < faults.hang_share {
        tokio::time::sleep(Duration::from_secs(60)).await;
    } else if draw < faults.hang_share + faults.bad_gateway_share {
        return error(
            StatusCode::BAD_GATEWAY,
            "37999",
            "Erreur de fournisseur",
            "Le fournisseur de données a renvoyé une erreur.",
        );
    } else if draw < faults.hang_share + faults.bad_gateway_share + faults.gateway_timeout_share {
        return error(
            StatusCode::GATEWAY_TIMEOUT,
            "37001",
            "Délai d'attente du fournisseur dépassé",
            "Le fournisseur de données n'a pas répondu à temps.",
        );
    }
    let citizen = if let Who::Known(citizen) = who {
        citizen
    } else if endpoint == Endpoint::FranceTravail {
        let Some(id) = param(query, "identifiant") else {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "00366",
                "Entité non traitable",
                "Le paramètre identifiant (identifiant France Travail) est obligatoire.",
            );
        };
        test_citizens()
            .into_iter()
            .find(|c| c.france_travail_id == Some(id))
    } else {
        match identity(query) {
            Ok(found) => found,
            Err(detail) => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "00366",
                    "Entité non traitable",
                    &detail,
                );
            }
        }
    };
    match data_for(endpoint, citizen.as_ref()) {
        Some(data) => axum::Json(json!({ "data": data, "links": {}, "meta": {} })).into_response(),
        None => not_found(endpoint),
    }
}

/// Reads the identity parameters; finds the test citizen they name (if any).
fn identity(query: &[(String, String)]) -> Result<Option<TestCitizen>, String> {
    let name = param(query, "nomNaissance")
        .ok_or("Le paramètre nomNaissance (nom de naissance) est obligatoire.")?;
    let given: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "prenoms[]" || k == "prenoms")
        .map(|(_, v)| v.as_str())
        .collect();
    if given.is_empty() {
        return Err("Le paramètre prenoms[] (au moins un prénom) est obligatoire.".into());
    }
    let sex = param(query, "sexeEtatCivil")
        .ok_or("Le paramètre sexeEtatCivil (F ou M) est obligatoire.")?;
    if sex != "F" && sex != "M" {
        return Err("Le paramètre sexeEtatCivil doit valoir F ou M.".into());
    }
    let number = |key: &str| param(query, key).and_then(|v| v.parse::<u32>().ok());
    let (Some(year), Some(month), Some(day)) = (
        number("anneeDateNaissance"),
        number("moisDateNaissance"),
        number("jourDateNaissance"),
    ) else {
        return Err(
            "La date de naissance (anneeDateNaissance, moisDateNaissance, jourDateNaissance) est obligatoire et numérique."
                .into(),
        );
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err("La date de naissance n'existe pas.".into());
    }
    if param(query, "codeCogInseePaysNaissance").is_none() {
        return Err(
            "Le paramètre codeCogInseePaysNaissance (code du pays de naissance) est obligatoire."
                .into(),
        );
    }
    Ok(test_citizens().into_iter().find(|c| {
        c.birth_name.eq_ignore_ascii_case(name.trim())
            && c.sex == sex
            && c.birth_date == (i32::try_from(year).unwrap_or(0), month, day)
    }))
}

fn not_found(endpoint: Endpoint) -> Response {
    let (code, detail) = match endpoint {
        Endpoint::FamilyQuotient | Endpoint::Rsa | Endpoint::Aah => (
            "23003",
            "Le dossier allocataire n'a pas été trouvé auprès de la CNAF ni de la MSA.",
        ),
        Endpoint::Css => (
            "24001",
            "Aucun droit à la complémentaire santé solidaire n'a été trouvé.",
        ),
        Endpoint::FranceTravail => (
            "47001",
            "Aucun demandeur d'emploi ne correspond à cet identifiant.",
        ),
        Endpoint::Student => ("30001", "Aucun étudiant ne correspond à cette identité."),
    };
    error(StatusCode::NOT_FOUND, code, "Dossier non trouvé", detail)
}

fn birth_date(c: &TestCitizen) -> String {
    let (y, m, d) = c.birth_date;
    format!("{y:04}-{m:02}-{d:02}")
}

/// The `data` of a found answer; `None` when the administration has no file.
fn data_for(endpoint: Endpoint, citizen: Option<&TestCitizen>) -> Option<Value> {
    let c = citizen?;
    match endpoint {
        Endpoint::FamilyQuotient => {
            let (provider, value, children) = c.family_quotient?;
            Some(json!({
                "allocataires": [{
                    "nom_naissance": c.birth_name,
                    "nom_usage": null,
                    "prenoms": c.given_names.join(" "),
                    "date_naissance": birth_date(c),
                    "sexe": c.sex,
                }],
                "enfants": (0..children).map(|i| json!({
                    "nom_naissance": c.birth_name,
                    "prenoms": format!("Enfant{}", i + 1),
                    "date_naissance": format!("{:04}-06-01", 2010 + i),
                    "sexe": if i % 2 == 0 { "F" } else { "M" },
                })).collect::<Vec<_>>(),
                "adresse": {
                    "destinataire": format!("{} {}", c.given_names[0], c.birth_name),
                    "numero_libelle_voie": "12 RUE DES ARENES",
                    "code_postal_ville": "30000 NIMES",
                    "pays": "FRANCE",
                },
                "quotient_familial": {
                    "fournisseur": provider,
                    "valeur": value,
                    "annee": 2026,
                    "mois": 10,
                },
            }))
        }
        Endpoint::Rsa => c.rsa.map(|beneficiary| {
            json!({
                "est_beneficiaire": beneficiary,
                "avec_majoration": beneficiary.then_some(false),
                "date_debut_droit": beneficiary.then_some("2024-03-01"),
            })
        }),
        Endpoint::Aah => c.aah.map(|beneficiary| {
            json!({
                "est_beneficiaire": beneficiary,
                "date_debut_droit": beneficiary.then_some("2019-09-01"),
            })
        }),
        Endpoint::Css => Some(json!({
            "status": c.css,
            "date_debut_droit": (c.css != "pas_de_css").then_some("2026-01-01"),
            "date_fin_droit": (c.css != "pas_de_css").then_some("2026-12-31"),
        })),
        Endpoint::FranceTravail => c.france_travail_id.map(|id| {
            json!({
                "identifiant": id,
                "identite": {
                    "nom_naissance": c.birth_name,
                    "prenoms": c.given_names,
                    "date_naissance": birth_date(c),
                },
                "inscrit": true,
                "categorie_inscription": { "code": "1", "libelle": "Personne sans emploi, immédiatement disponible" },
                "date_debut_inscription": "2025-05-12",
            })
        }),
        Endpoint::Student => c.student.then(|| {
            json!({
                "identite": {
                    "nom_naissance": c.birth_name,
                    "prenoms": c.given_names,
                    "date_naissance": birth_date(c),
                },
                "admissions": [{
                    "date_debut": "2026-09-01",
                    "date_fin": "2027-08-31",
                    "est_inscrit": true,
                    "regime_formation": { "libelle": "formation initiale", "code": "RF1" },
                    "etablissement_etudes": { "uai": "0301687W", "nom": "Université de Nîmes" },
                }],
            })
        }),
    }
}
