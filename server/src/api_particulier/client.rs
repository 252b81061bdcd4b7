//! The API Particulier v3 client: one call per source, the service's answers read into what a
//! pull can do about them, and one rate limiter per token shared by every caller of the
//! process (clones share it).

use std::num::NonZeroU32;
use std::sync::Arc;
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

/// The national sources a pull can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    FamilyQuotient,
    Rsa,
    Aah,
    Css,
    StudentStatus,
}

impl Source {
    fn path(self) -> &'static str {
        match self {
            Source::FamilyQuotient => "/v3/dss/quotient_familial/identite",
            Source::Rsa => "/v3/dss/revenu_solidarite_active/identite",
            Source::Aah => "/v3/dss/allocation_adulte_handicape/identite",
            Source::Css => "/v3/dss/complementaire_sante_solidaire/identite",
            Source::StudentStatus => "/v3/mesri/statut_etudiant/identite",
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
    /// Whether the same call may succeed later.
    pub fn retryable(&self) -> bool {
        !matches!(self, CallError::Rejected { .. })
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    limiter: Arc<DefaultDirectRateLimiter>,
}

impl Client {
    pub fn new(config: ClientConfig) -> anyhow::Result<Self> {
        let per_second = NonZeroU32::new(config.per_second).ok_or_else(|| {
            anyhow::anyhow!("le débit autorisé doit être d'au moins un appel par seconde")
        })?;
        // No burst: calls are spaced evenly, so no one-second window of the service ever sees
        // more than its quota.
        let quota = Quota::per_second(per_second).allow_burst(NonZeroU32::MIN);
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            config: Arc::new(config),
            limiter: Arc::new(RateLimiter::direct(quota)),
        })
    }

    /// Reads one source about one person.
    pub async fn fetch(&self, source: Source, identity: &Identity) -> Result<Answer, CallError> {
        self.get(source.path(), identity.query()).await
    }

    /// Reads someone's France Travail status by their France Travail identifier.
    pub async fn france_travail(&self, identifier: &str) -> Result<Answer, CallError> {
        self.get(
            "/v3/france_travail/statut/identifiant",
            vec![("identifiant", identifier.to_owned())],
        )
        .await
    }

    async fn get(&self, path: &str, mut query: Vec<(&str, String)>) -> Result<Answer, CallError> {
        self.limiter.until_ready().await;
        query.push(("recipient", self.config.recipient.clone()));
        let url = format!("{}{path}", self.config.base_url.trim_end_matches('/'));
        let response = self
            .http
            .get(url)
            .bearer_auth(&self.config.token)
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
