//! The API Particulier v3 client: one call per source, the service's answers read into what a
//! pull can do about them, and one rate limiter per token shared by every caller of the
//! process (clones share it).

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{Datelike as _, NaiveDate};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde_json::Value;

/// Where and as whom the client calls.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `https://particulier.api.gouv.fr`, or a simulator's address.
    pub base_url: String,
    pub token: String,
    /// SIRET of the department, sent as `recipient` with every call.
    pub recipient: String,
    /// Calls per second allowed for the token (the real service: 20).
    pub per_second: u32,
    pub timeout: Duration,
}

stored_enum! {
    /// The national sources a pull can read (consents, pulls, facts, aid forms).
    pub enum Source {
        FamilyQuotient = "family_quotient",
        Rsa = "rsa",
        Aah = "aah",
        Css = "css",
        StudentStatus = "student_status",
        /// Read by the person's France Travail identifier, not by identity.
        FranceTravail = "france_travail",
    }
}

impl Source {
    /// The endpoint called, as the provenance of a fact names it.
    pub fn path(self) -> &'static str {
        match self {
            Source::FamilyQuotient => "/v3/dss/quotient_familial/identite",
            Source::Rsa => "/v3/dss/revenu_solidarite_active/identite",
            Source::Aah => "/v3/dss/allocation_adulte_handicape/identite",
            Source::Css => "/v3/dss/complementaire_sante_solidaire/identite",
            Source::StudentStatus => "/v3/mesri/statut_etudiant/identite",
            Source::FranceTravail => "/v3/france_travail/statut/identifiant",
        }
    }

    /// The same source in FranceConnect mode: called with the citizen's FranceConnect access
    /// token as bearer and no identity parameters, the service asking FranceConnect who they
    /// are.
    /// `None` for France Travail, read by identifier only.
    pub fn france_connect_path(self) -> Option<&'static str> {
        match self {
            Source::FamilyQuotient => Some("/v3/dss/quotient_familial/france_connect"),
            Source::Rsa => Some("/v3/dss/revenu_solidarite_active/france_connect"),
            Source::Aah => Some("/v3/dss/allocation_adulte_handicape/france_connect"),
            Source::Css => Some("/v3/dss/complementaire_sante_solidaire/france_connect"),
            Source::StudentStatus => Some("/v3/mesri/statut_etudiant/france_connect"),
            Source::FranceTravail => None,
        }
    }

    /// As the citizen and staff read it.
    pub fn label(self) -> &'static str {
        match self {
            Source::FamilyQuotient => "Quotient familial (CAF ou MSA)",
            Source::Rsa => "Revenu de solidarité active (RSA)",
            Source::Aah => "Allocation aux adultes handicapés (AAH)",
            Source::Css => "Complémentaire santé solidaire",
            Source::StudentStatus => "Statut étudiant",
            Source::FranceTravail => "Inscription à France Travail",
        }
    }

    /// Who holds the data, as a sentence names them ("auprès de …").
    pub fn provider(self) -> &'static str {
        match self {
            Source::FamilyQuotient | Source::Rsa | Source::Aah => "la CAF ou la MSA",
            Source::Css => "l'Assurance maladie",
            Source::StudentStatus => "le ministère de l'Enseignement supérieur",
            Source::FranceTravail => "France Travail",
        }
    }
}

/// Who the call is about, as the civil register knows them.
#[derive(Clone, Debug)]
pub struct Identity {
    pub birth_name: String,
    pub given_names: Vec<String>,
    /// `F` or `M`.
    pub sex: String,
    pub birth_date: NaiveDate,
    /// INSEE code of the country of birth (`99100` for France).
    pub birth_country: String,
    /// INSEE code of the commune of birth, for people born in France.
    pub birth_commune: Option<String>,
}

impl Identity {
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![("nomNaissance", self.birth_name.clone())];
        query.extend(self.given_names.iter().map(|g| ("prenoms[]", g.clone())));
        query.extend([
            ("sexeEtatCivil", self.sex.clone()),
            ("anneeDateNaissance", self.birth_date.year().to_string()),
            ("moisDateNaissance", self.birth_date.month().to_string()),
            ("jourDateNaissance", self.birth_date.day().to_string()),
            ("codeCogInseePaysNaissance", self.birth_country.clone()),
        ]);
        if let Some(commune) = &self.birth_commune {
            query.push(("codeCogInseeCommuneNaissance", commune.clone()));
        }
        query
    }
}

/// What the administration answered.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// The `data` of the answer.
    Found(Value),
    /// No file for this person at this administration.
    NotFound { code: String, detail: String },
}

/// Why a call gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("trop de requêtes : réessayer dans {} s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    #[error("service indisponible ({status}, code {code}) : {detail}")]
    Unavailable {
        status: u16,
        code: String,
        detail: String,
    },
    #[error("le service n'a pas répondu à temps")]
    Timeout,
    #[error("service injoignable : {0}")]
    Network(String),
    /// Refused for a reason retrying cannot fix (token, recipient, identity).
    #[error("demande refusée ({status}, code {code}) : {detail}")]
    Rejected {
        status: u16,
        code: String,
        detail: String,
    },
}

impl CallError {
    /// The HTTP status the service answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::RateLimited { .. } => Some(429),
            CallError::Unavailable { status, .. } | CallError::Rejected { status, .. } => {
                Some(*status)
            }
            CallError::Timeout | CallError::Network(_) => None,
        }
    }

    /// Whether the same call may succeed later.
    pub fn retryable(&self) -> bool {
        !matches!(self, CallError::Rejected { .. })
    }
}

/// Asking France Travail by identity: refused here, before any call.
fn not_by_identity() -> CallError {
    CallError::Rejected {
        status: 400,
        code: String::new(),
        detail: "France Travail se consulte par l'identifiant France Travail de la personne."
            .into(),
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    limiter: Arc<DefaultDirectRateLimiter>,
    cool_down: Arc<Mutex<CoolDown>>,
}

/// Shared by every caller: after a 429 nobody calls before its `Retry-After`, and after
/// failures in a row (5xx, timeouts) calls wait longer and longer (up to [`MAX_COOL_DOWN`]),
/// so a failing service is never hammered, however many pulls are waiting.
#[derive(Debug, Default)]
struct CoolDown {
    until: Option<tokio::time::Instant>,
    failures: u32,
}

/// The longest wait after failures in a row.
const MAX_COOL_DOWN: Duration = Duration::from_secs(30);

impl Client {
    pub fn new(config: ClientConfig) -> anyhow::Result<Self> {
        let per_second = NonZeroU32::new(config.per_second).ok_or_else(|| {
            anyhow::anyhow!("le débit autorisé doit être d'au moins un appel par seconde")
        })?;
        let quota = limiter_quota(per_second);
        let http = crate::tls::http_client_builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            config: Arc::new(config),
            limiter: Arc::new(RateLimiter::direct(quota)),
            cool_down: Arc::default(),
        })
    }

    /// Calls a second allowed to this process.
    pub fn per_second(&self) -> u32 {
        self.config.per_second
    }

    /// Waits for this process's next turn to call the service (the shared cool-down, then the
    /// rate limiter). A pull takes its turn before claiming its row, so no claim ages while
    /// it waits in line, and then calls at once.
    pub async fn turn(&self) -> Turn<'_> {
        if let Some(until) = self.cool_down_until() {
            tokio::time::sleep_until(until).await;
        }
        self.limiter.until_ready().await;
        Turn { client: self }
    }

    /// Reads one source about one person.
    ///
    /// France Travail is read by identifier: use [`Self::france_travail`].
    pub async fn fetch(&self, source: Source, identity: &Identity) -> Result<Answer, CallError> {
        self.turn().await.fetch(source, identity).await
    }

    /// Reads one source about the citizen a FranceConnect access token belongs to: the token
    /// is the bearer instead of ours (FranceConnect tokens live 60 s, so call right after the
    /// sign-in). It shares the limiter and the cool-down with every other call: the service
    /// counts these calls against the same limits.
    pub async fn fetch_france_connect(
        &self,
        source: Source,
        franceconnect_access_token: &str,
    ) -> Result<Answer, CallError> {
        let path = source.france_connect_path().ok_or_else(not_by_identity)?;
        self.get_as(path, Vec::new(), franceconnect_access_token)
            .await
    }

    /// Reads someone's France Travail status by their France Travail identifier.
    pub async fn france_travail(&self, identifier: &str) -> Result<Answer, CallError> {
        self.turn().await.france_travail(identifier).await
    }

    async fn get_as(
        &self,
        path: &str,
        query: Vec<(&str, String)>,
        bearer: &str,
    ) -> Result<Answer, CallError> {
        self.turn().await.call(path, query, bearer).await
    }

    fn cool_down_until(&self) -> Option<tokio::time::Instant> {
        let cool_down = self.cool_down.lock().unwrap_or_else(|e| e.into_inner());
        cool_down
            .until
            .filter(|until| *until > tokio::time::Instant::now())
    }

    /// Updates the shared cool-down from a call's outcome.
    fn learn(&self, result: &Result<Answer, CallError>) {
        let mut cool_down = self.cool_down.lock().unwrap_or_else(|e| e.into_inner());
        let wait = match result {
            Ok(_) | Err(CallError::Rejected { .. }) => {
                cool_down.failures = 0;
                return;
            }
            Err(CallError::RateLimited { retry_after }) => *retry_after,
            Err(_) => {
                cool_down.failures = cool_down.failures.saturating_add(1);
                // Two failures in a row cost nothing: one bad gateway is not an outage. From
                // the third, 250 ms doubling up to MAX_COOL_DOWN.
                let Some(doublings) = cool_down.failures.checked_sub(3) else {
                    return;
                };
                (Duration::from_millis(250) * 2u32.pow(doublings.min(16))).min(MAX_COOL_DOWN)
            }
        };
        let until = tokio::time::Instant::now() + wait;
        if cool_down.until.is_none_or(|current| current < until) {
            cool_down.until = Some(until);
        }
    }

    /// One call, counted for the operators (`crate::metrics::NATIONAL_CALLS`).
    async fn send(
        &self,
        path: &str,
        query: Vec<(&str, String)>,
        bearer: &str,
    ) -> Result<Answer, CallError> {
        let result = self.exchange(path, query, bearer).await;
        let status = match &result {
            Ok(Answer::Found(_)) => "200".to_owned(),
            Ok(Answer::NotFound { .. }) => "404".to_owned(),
            Err(CallError::Timeout) => "delai".to_owned(),
            Err(CallError::Network(_)) => "reseau".to_owned(),
            Err(e) => e.status().map_or_else(String::new, |s| s.to_string()),
        };
        metrics::counter!(
            crate::metrics::NATIONAL_CALLS,
            "api" => "api_particulier",
            "path" => path.to_owned(),
            "status" => status
        )
        .increment(1);
        result
    }

    async fn exchange(
        &self,
        path: &str,
        mut query: Vec<(&str, String)>,
        bearer: &str,
    ) -> Result<Answer, CallError> {
        query.push(("recipient", self.config.recipient.clone()));
        let url = format!("{}{path}", self.config.base_url.trim_end_matches('/'));
        let response = self
            .http
            .get(url)
            .bearer_auth(bearer)
            .query(&query)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    CallError::Timeout
                } else {
                    CallError::Network(e.to_string())
                }
            })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(Duration::from_secs(1), Duration::from_secs);
        let body: Value = match response.json().await {
            Ok(body) => body,
            Err(e) if e.is_timeout() => return Err(CallError::Timeout),
            Err(_) => Value::Null,
        };
        if status.is_success() {
            return Ok(Answer::Found(body["data"].clone()));
        }
        let first = &body["errors"][0];
        let field = |key: &str| first[key].as_str().unwrap_or_default().to_owned();
        let (code, detail) = (field("code"), field("detail"));
        let status_code = status.as_u16();
        Err(match status_code {
            404 => return Ok(Answer::NotFound { code, detail }),
            429 => CallError::RateLimited { retry_after },
            // 409: the same call is already running at the service; later, it will answer.
            409 | 500.. => CallError::Unavailable {
                status: status_code,
                code,
                detail,
            },
            _ => CallError::Rejected {
                status: status_code,
                code,
                detail,
            },
        })
    }
}

/// The limiter's quota for `per_second` calls a second.
///
/// A GCRA with interval T and burst b lets at most `rate + b - 1` calls start in any
/// one-second window. With no burst, a caller woken late (by the timer, or by a runtime busy
/// with the pulls' other work) pushes every later slot back and the time is never made up: the
/// refresh benchmark reached only 83-89 % of a 200/s quota. From 40/s, one call less a second
/// with a burst of 2 keeps every one-second window within the quota while a late caller no
/// longer costs a slot (98-99.5 %). Below that, the call given up would cost more than lateness
/// does, so calls stay evenly spaced.
pub fn limiter_quota(per_second: NonZeroU32) -> Quota {
    match per_second.get().checked_sub(1).and_then(NonZeroU32::new) {
        Some(one_less) if per_second.get() >= 40 => {
            Quota::per_second(one_less).allow_burst(NonZeroU32::MIN.saturating_add(1))
        }
        _ => Quota::per_second(per_second).allow_burst(NonZeroU32::MIN),
    }
}

/// A turn to call the service, from [`Client::turn`]: spent by the one call it makes.
#[must_use = "a turn is taken from the quota whether or not it is used"]
pub struct Turn<'a> {
    client: &'a Client,
}

impl Turn<'_> {
    /// Reads one source about one person (France Travail: use [`Self::france_travail`]).
    pub async fn fetch(self, source: Source, identity: &Identity) -> Result<Answer, CallError> {
        if source == Source::FranceTravail {
            return Err(not_by_identity());
        }
        let token = self.client.config.token.clone();
        self.call(source.path(), identity.query(), &token).await
    }

    /// Reads someone's France Travail status by their France Travail identifier.
    pub async fn france_travail(self, identifier: &str) -> Result<Answer, CallError> {
        let token = self.client.config.token.clone();
        self.call(
            Source::FranceTravail.path(),
            vec![("identifiant", identifier.to_owned())],
            &token,
        )
        .await
    }

    /// A call with `bearer` as the token (ours, or a citizen's FranceConnect token). A
    /// cool-down that began while the turn was held (another call failed) is waited out first:
    /// a failing service is not called again, turn or no turn.
    async fn call(
        self,
        path: &str,
        query: Vec<(&str, String)>,
        bearer: &str,
    ) -> Result<Answer, CallError> {
        if let Some(until) = self.client.cool_down_until() {
            tokio::time::sleep_until(until).await;
        }
        let result = self.client.send(path, query, bearer).await;
        self.client.learn(&result);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No one-second window sees more calls than the quota, and the quota is not given away:
    /// checked on the limiter itself, calls taken as fast as it lets them, on a fake clock.
    #[test]
    fn the_limiter_keeps_to_the_quota_in_every_second() {
        use governor::clock::{Clock as _, FakeRelativeClock};
        for per_second in [1u32, 20, 39, 40, 200] {
            let quota = limiter_quota(NonZeroU32::new(per_second).unwrap());
            let clock = FakeRelativeClock::default();
            let limiter = RateLimiter::direct_with_clock(quota, clock.clone());
            let origin = clock.now();
            let mut starts = Vec::new();
            loop {
                let at = Duration::from(clock.now()) - Duration::from(origin);
                if at >= Duration::from_secs(5) {
                    break;
                }
                if limiter.check().is_ok() {
                    starts.push(at);
                } else {
                    clock.advance(Duration::from_micros(100));
                }
            }
            for (i, start) in starts.iter().enumerate() {
                let within = starts[i..]
                    .iter()
                    .take_while(|t| **t - *start < Duration::from_secs(1))
                    .count();
                assert!(
                    within <= usize::try_from(per_second).unwrap(),
                    "{per_second}/s: {within} calls within one second"
                );
            }
            let quota_in_5_s = f64::from(per_second * 5);
            let share = f64::from(u32::try_from(starts.len()).unwrap()) / quota_in_5_s;
            assert!(
                share >= 0.975,
                "{per_second}/s: only {share:.3} of the quota"
            );
        }
    }
}
