//! Command line and configuration: flags first, then environment (`GUICHET_*`,
//! `DATABASE_URL`), then defaults.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use tenants::{Engine, StoreConfig};

#[derive(Debug, Parser)]
#[command(
    name = "guichet",
    version,
    about = "Guichet : les services sociaux en ligne des départements",
    disable_help_subcommand = true
)]
pub struct Cli {
    /// How the log is written on standard error: `text` for people, `json` (one object a line)
    /// for a log collector (Loki, Elasticsearch, journald's JSON fields).
    #[arg(long, global = true, env = "GUICHET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// An OpenTelemetry collector the traces are sent to over OTLP/HTTP
    /// (`http://collecteur:4318`; sent to its `/v1/traces`). Without it no trace leaves the
    /// process.
    #[arg(long, global = true, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Data directory (SQLite files, uploaded documents).
    #[arg(long, global = true, env = "GUICHET_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (postgres://…); without it, SQLite files under the data directory.
    #[arg(long, global = true, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Size of the shared PostgreSQL connection pool.
    #[arg(
        long,
        global = true,
        env = "GUICHET_PG_MAX_CONNECTIONS",
        default_value_t = 20
    )]
    pub pg_max_connections: u32,
    /// Where the departments' files go (documents, letters, sealed pieces, exports):
    /// `s3://bucket` or `s3://bucket/prefix`, an S3-compatible object store that every
    /// instance reaches (credentials from `AWS_*`); without it, `files/` in the data
    /// directory.
    #[arg(long, global = true, env = "GUICHET_FILES", default_value = "")]
    pub files: String,
    /// The key that seals staff's second-factor secrets: 32 bytes in base64 (`openssl rand
    /// -base64 32`). Without it, `secret.key` in the data directory, created on first use.
    /// Every process of one platform must share it.
    #[arg(
        long,
        global = true,
        env = "GUICHET_SECRET_KEY",
        hide_env_values = true
    )]
    pub secret_key: Option<String>,
}

impl StoreArgs {
    /// The platform's sealing key (see [`Self::secret_key`]).
    pub fn seal_key(&self) -> anyhow::Result<crate::staff::second_factor::SealKey> {
        use crate::staff::second_factor::SealKey;
        Ok(match self.secret_key.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => SealKey::from_base64(text)
                .map_err(|e| anyhow::anyhow!("GUICHET_SECRET_KEY : {e}"))?,
            _ => SealKey::load_or_create(&self.data_dir.join("secret.key"))?,
        })
    }

    /// Where the signed checkpoints of the departments' journals are kept, sealed with the
    /// platform's key: what `audit`, `backup` and `restore` read and write.
    pub fn journal_anchor(
        &self,
        platform: &tenants::Platform,
    ) -> anyhow::Result<crate::journal_anchor::JournalAnchor> {
        Ok(crate::journal_anchor::JournalAnchor::new(
            platform,
            &self.seal_key()?,
        ))
    }

    pub fn store_config(&self) -> anyhow::Result<StoreConfig> {
        let engine = match self.database_url.as_deref().map(str::trim) {
            None | Some("") => Engine::Sqlite,
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Engine::Postgres {
                    url: url.to_owned(),
                }
            }
            Some(url) if url.starts_with("sqlite:") => anyhow::bail!(
                "DATABASE_URL « {url} » : pour SQLite, n'indiquez pas d'adresse ; les fichiers vont dans le dossier de données (--data-dir)"
            ),
            Some(_) => anyhow::bail!(
                "DATABASE_URL doit commencer par postgres:// (par exemple postgres://postgres@127.0.0.1:5432/guichet), ou être absent pour utiliser SQLite"
            ),
        };
        Ok(StoreConfig {
            engine,
            data_dir: self.data_dir.clone(),
            pg_max_connections: self.pg_max_connections.max(1),
            files: tenants::FilesConfig::parse(&self.files)?,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server.
    Serve(Box<ServeArgs>),
    /// Apply pending migrations to the platform store and every tenant, then exit.
    Migrate,
    /// Manage departments (tenants).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Check a department's audit journal.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Save the whole platform, or one department, into a new directory, while it serves.
    Backup {
        /// The directory to write, which must not exist yet, or `s3://bucket/prefix/name` in
        /// an S3-compatible object store (credentials from `AWS_*`).
        #[arg(long)]
        out: String,
        /// Only this department.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Put a backup back into an empty platform (this data directory or database).
    Restore {
        /// The directory `guichet backup` wrote, or its `s3://bucket/prefix/name`.
        dir: String,
    },
    /// Compute the departments' indicators now (`serve` does it every night).
    #[command(subcommand)]
    Statistics(StatisticsCommand),
    /// Count what is past its term in each department (`report`), or run the daily
    /// retention pass now (`apply`: removes only the categories each department switched on).
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Run the FranceConnect simulator (test identities, real OpenID Connect protocol).
    FranceconnectSimulator(SimulatorArgs),
    /// Run the ProConnect simulator (test agents of several administrations, real OpenID
    /// Connect protocol).
    ProconnectSimulator(ProConnectSimulatorArgs),
    /// Run the API Particulier v3 simulator (test citizens, rate limits, injected faults).
    ApiParticulierSimulator(ApiParticulierSimulatorArgs),
    /// Write a generated « flux bénéficiaires RSA » like the CAF's (test data: households,
    /// couples, accented names in windows-1252), to try the insertion import.
    RsaFlux(RsaFluxArgs),
}

#[derive(Debug, Args)]
pub struct RsaFluxArgs {
    /// Households in the file (about 1.35 applicants and partners each).
    #[arg(long, default_value_t = 100)]
    pub households: usize,
    /// The department, as the funds write it (`030`).
    #[arg(long, default_value = "030")]
    pub department: String,
    /// The same seed writes the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The file's creation date (`DTCREAFLUX`), `AAAA-MM-JJ`; today when not given.
    #[arg(long)]
    pub created_on: Option<chrono::NaiveDate>,
    /// Someone the first household names as its only applicant, right open, subject to rights
    /// and duties: `NOM;Prénom;AAAA-MM-JJ` (a citizen to follow in tests and demonstrations).
    #[arg(long, value_parser = parse_applicant)]
    pub applicant: Option<(String, String, chrono::NaiveDate)>,
    /// Where to write it.
    #[arg(long)]
    pub out: std::path::PathBuf,
}

fn parse_applicant(value: &str) -> Result<(String, String, chrono::NaiveDate), String> {
    let mut parts = value.split(';').map(str::trim);
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(family), Some(given), Some(born), None)
            if !family.is_empty() && !given.is_empty() =>
        {
            let born = chrono::NaiveDate::parse_from_str(born, "%Y-%m-%d").map_err(|_| {
                format!("date de naissance illisible « {born} » : écrivez AAAA-MM-JJ")
            })?;
            Ok((family.to_uppercase(), given.to_uppercase(), born))
        }
        _ => Err("écrivez NOM;Prénom;AAAA-MM-JJ, par exemple « BENALI;Karim;1988-03-02 »".into()),
    }
}

#[derive(Debug, Args)]
pub struct ApiParticulierSimulatorArgs {
    /// Address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:4020")]
    pub addr: SocketAddr,
    /// A bearer token the simulator accepts (repeat for several).
    #[arg(long = "token", default_value = crate::api_particulier::simulator::DEMO_TOKEN)]
    pub tokens: Vec<String>,
    /// Calls per second allowed per token.
    #[arg(long, default_value_t = 20)]
    pub per_token_per_second: u32,
    /// Calls per minute allowed per client address.
    #[arg(long, default_value_t = 1000)]
    pub per_address_per_minute: u32,
    /// Milliseconds added before every answer.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of calls answered 502 (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub bad_gateway_share: f64,
    /// Share of calls answered 504 (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub gateway_timeout_share: f64,
    /// Share of calls that hang for a minute (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub hang_share: f64,
    /// Every call answers 503.
    #[arg(long)]
    pub outage: bool,
    /// Seed of the fault draws (same seed, same calls: same failures).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// FranceConnect's issuer (e.g. http://127.0.0.1:4010/api/v2, the FranceConnect
    /// simulator), asked who a citizen's access token belongs to on the .../france_connect
    /// endpoints. Without it, those endpoints answer 503.
    #[arg(long)]
    pub franceconnect_issuer: Option<String>,
    /// The data-provider client id presented to FranceConnect's checktoken.
    #[arg(long, default_value = crate::franceconnect::simulator::DATA_PROVIDER_CLIENT_ID)]
    pub franceconnect_client_id: String,
    /// The data-provider client secret presented to FranceConnect's checktoken.
    #[arg(long, default_value = crate::franceconnect::simulator::DATA_PROVIDER_CLIENT_SECRET)]
    pub franceconnect_client_secret: String,
}

#[derive(Debug, Args)]
pub struct SimulatorArgs {
    /// Address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:4010")]
    pub addr: SocketAddr,
    /// The client id the simulator accepts.
    #[arg(long, default_value = "guichet-demo")]
    pub client_id: String,
    /// The client secret the simulator accepts.
    #[arg(long, default_value = "guichet-demo-secret")]
    pub client_secret: String,
    /// A return address of the client, as declared to FranceConnect (repeat for each
    /// department: `https://…/SLUG/connexion/franceconnect/retour`); any other is refused.
    #[arg(long = "redirect-uri", required = true)]
    pub redirect_uri: Vec<String>,
    /// An address of the client to come back to after logout, as declared to FranceConnect
    /// (repeat for each department: `https://…/SLUG/deconnexion/terminee`); any other is
    /// refused.
    #[arg(long = "post-logout-redirect-uri")]
    pub post_logout_redirect_uri: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ProConnectSimulatorArgs {
    /// Address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:4030")]
    pub addr: SocketAddr,
    /// The client id the simulator accepts.
    #[arg(long, default_value = "guichet-demo-agents")]
    pub client_id: String,
    /// The client secret the simulator accepts.
    #[arg(long, default_value = "guichet-demo-agents-secret")]
    pub client_secret: String,
    /// A return address of the client, as declared to ProConnect (repeat for each
    /// department: `https://…/SLUG/agents/connexion/proconnect/retour`); any other is refused.
    #[arg(long = "redirect-uri", required = true)]
    pub redirect_uri: Vec<String>,
    /// An address of the client to come back to after logout, as declared to ProConnect
    /// (repeat for each department: `https://…/SLUG/agents/connexion`); any other is refused.
    #[arg(long = "post-logout-redirect-uri")]
    pub post_logout_redirect_uri: Vec<String>,
}

/// How citizens sign in with FranceConnect. All three are needed; none means no FranceConnect
/// (except with `--demo`, which starts the simulator).
#[derive(Debug, Args, Clone)]
pub struct FranceConnectArgs {
    /// The provider's issuer, e.g. https://fcp-low.integ01.dev-franceconnect.fr/api/v2.
    #[arg(long = "franceconnect-issuer", env = "GUICHET_FRANCECONNECT_ISSUER")]
    pub issuer: Option<String>,
    #[arg(
        long = "franceconnect-client-id",
        env = "GUICHET_FRANCECONNECT_CLIENT_ID"
    )]
    pub client_id: Option<String>,
    #[arg(
        long = "franceconnect-client-secret",
        env = "GUICHET_FRANCECONNECT_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<String>,
}

impl FranceConnectArgs {
    /// The configuration, if complete; a clear error if only partly given.
    pub fn config(&self) -> anyhow::Result<Option<crate::oidc::OidcConfig>> {
        oidc_config(
            ("FranceConnect", "GUICHET_FRANCECONNECT"),
            "https://fcp-low.integ01.dev-franceconnect.fr/api/v2",
            [&self.issuer, &self.client_id, &self.client_secret],
        )
    }
}

/// How staff sign in with ProConnect. All three are needed; none means no ProConnect (except
/// with `--demo`, which starts the simulator).
#[derive(Debug, Args, Clone)]
pub struct ProConnectArgs {
    /// The provider's issuer: https://fca.integ01.dev-agentconnect.fr/api/v2 (integration),
    /// https://auth.agentconnect.gouv.fr/api/v2 (production), or the RIE's.
    #[arg(
        id = "proconnect_issuer",
        long = "proconnect-issuer",
        env = "GUICHET_PROCONNECT_ISSUER"
    )]
    pub issuer: Option<String>,
    #[arg(
        id = "proconnect_client_id",
        long = "proconnect-client-id",
        env = "GUICHET_PROCONNECT_CLIENT_ID"
    )]
    pub client_id: Option<String>,
    #[arg(
        id = "proconnect_client_secret",
        long = "proconnect-client-secret",
        env = "GUICHET_PROCONNECT_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<String>,
}

impl ProConnectArgs {
    /// The configuration, if complete; a clear error if only partly given.
    pub fn config(&self) -> anyhow::Result<Option<crate::oidc::OidcConfig>> {
        oidc_config(
            ("ProConnect", "GUICHET_PROCONNECT"),
            "https://auth.agentconnect.gouv.fr/api/v2",
            [&self.issuer, &self.client_id, &self.client_secret],
        )
    }
}

/// An OpenID provider's issuer, client id and secret, given all three or none.
fn oidc_config(
    (name, env): (&str, &str),
    example: &str,
    [issuer, client_id, client_secret]: [&Option<String>; 3],
) -> anyhow::Result<Option<crate::oidc::OidcConfig>> {
    let nonblank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    match (
        nonblank(issuer),
        nonblank(client_id),
        nonblank(client_secret),
    ) {
        (None, None, None) => Ok(None),
        (Some(issuer), Some(client_id), Some(client_secret)) => {
            let parsed = url::Url::parse(&issuer).map_err(|_| {
                anyhow::anyhow!(
                    "{env}_ISSUER « {issuer} » n'est pas une adresse : attendu par exemple {example}"
                )
            })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                anyhow::bail!(
                    "{env}_ISSUER doit commencer par https:// (ou http:// pour le simulateur local)"
                );
            }
            Ok(Some(crate::oidc::OidcConfig {
                issuer: issuer.trim_end_matches('/').to_owned(),
                client_id,
                client_secret,
            }))
        }
        _ => anyhow::bail!(
            "{name} est configuré à moitié : indiquez ensemble {env}_ISSUER, {env}_CLIENT_ID et {env}_CLIENT_SECRET (ou aucun des trois)"
        ),
    }
}

/// How the platform reaches API Particulier. URL, token and recipient go together; none means
/// no national data (citizens upload certificates), except with `--demo`, which starts the
/// simulator.
#[derive(Debug, Args, Clone)]
pub struct ApiParticulierArgs {
    /// https://particulier.api.gouv.fr, or a simulator's address.
    #[arg(long = "api-particulier-url", env = "GUICHET_API_PARTICULIER_URL")]
    pub url: Option<String>,
    #[arg(
        long = "api-particulier-token",
        env = "GUICHET_API_PARTICULIER_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// The SIRET sent as `recipient` with every call (14 digits).
    #[arg(
        long = "api-particulier-recipient",
        env = "GUICHET_API_PARTICULIER_RECIPIENT"
    )]
    pub recipient: Option<String>,
    /// Calls per second this node may make with the token. The real service allows 20 per
    /// token: with several nodes, give each its share (20 / number of nodes).
    #[arg(
        long = "api-particulier-per-second",
        env = "GUICHET_API_PARTICULIER_PER_SECOND",
        default_value_t = 20
    )]
    pub per_second: u32,
}

impl ApiParticulierArgs {
    /// The client's configuration, if complete; a clear error if only partly given.
    pub fn config(&self) -> anyhow::Result<Option<crate::api_particulier::client::ClientConfig>> {
        let nonblank = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let (url, token, recipient) = match (
            nonblank(&self.url),
            nonblank(&self.token),
            nonblank(&self.recipient),
        ) {
            (None, None, None) => return Ok(None),
            (Some(url), Some(token), Some(recipient)) => (url, token, recipient),
            _ => anyhow::bail!(
                "API Particulier est configurée à moitié : indiquez ensemble GUICHET_API_PARTICULIER_URL, GUICHET_API_PARTICULIER_TOKEN et GUICHET_API_PARTICULIER_RECIPIENT (ou aucun des trois)"
            ),
        };
        let parsed = url::Url::parse(&url).map_err(|_| {
            anyhow::anyhow!(
                "GUICHET_API_PARTICULIER_URL « {url} » n'est pas une adresse : attendu par exemple https://particulier.api.gouv.fr"
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            anyhow::bail!(
                "GUICHET_API_PARTICULIER_URL doit commencer par https:// (ou http:// pour le simulateur local)"
            );
        }
        if recipient.len() != 14 || !recipient.chars().all(|c| c.is_ascii_digit()) {
            anyhow::bail!(
                "GUICHET_API_PARTICULIER_RECIPIENT « {recipient} » n'est pas un SIRET : attendu 14 chiffres, celui du département"
            );
        }
        if self.per_second == 0 {
            anyhow::bail!(
                "GUICHET_API_PARTICULIER_PER_SECOND doit valoir au moins 1 (le service en autorise 20 par jeton)"
            );
        }
        Ok(Some(crate::api_particulier::client::ClientConfig {
            base_url: url.trim_end_matches('/').to_owned(),
            token,
            recipient,
            per_second: self.per_second,
            timeout: std::time::Duration::from_secs(10),
        }))
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GUICHET_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Base domain: `<slug>.<base domain>` reaches a department.
    #[arg(long, env = "GUICHET_BASE_DOMAIN", default_value = "localhost")]
    pub base_domain: String,
    /// Create the demo department (with one account per role) if missing, and print its logins.
    #[arg(long, env = "GUICHET_DEMO")]
    pub demo: bool,
    /// Where the built site (the `pkg` folder) is.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "GUICHET_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u64,
    /// Hours after which a staff session ends, however active.
    #[arg(long, env = "GUICHET_STAFF_SESSION_HOURS", default_value_t = 12)]
    pub staff_session_hours: u64,
    /// Hours after which a citizen's session ends, however active.
    #[arg(long, env = "GUICHET_CITIZEN_SESSION_HOURS", default_value_t = 24)]
    pub citizen_session_hours: u64,
    /// The platform's address as people reach it, e.g. `https://guichet.mon-departement.fr`.
    /// When it is https: cookies are `Secure`, pages carry HSTS, mailed links are https.
    #[arg(long, env = "GUICHET_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Serve plain HTTP on an address other than loopback without a https public address
    /// (outside `--demo`, refused otherwise: passwords and sessions would cross the network
    /// in clear).
    #[arg(long, env = "GUICHET_INSECURE_HTTP")]
    pub insecure_http: bool,
    /// Where to serve Prometheus metrics (`GET /metrics`), e.g. `127.0.0.1:9464`: an address
    /// of its own, reachable by the operators' scraper only. None: no metrics.
    #[arg(long, env = "GUICHET_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Requests this node serves at once; more wait their turn.
    #[arg(long, env = "GUICHET_MAX_CONCURRENT_REQUESTS", default_value_t = 512)]
    pub max_concurrent_requests: usize,
    /// Days sent mail stays in the outboxes before it is deleted.
    #[arg(long, env = "GUICHET_SENT_MAIL_DAYS", default_value_t = 30)]
    pub sent_mail_days: u64,
    /// Statistical secrecy: fewer persons than this are shown as « s » (and no delay or share
    /// is shown on fewer).
    #[arg(long, env = "GUICHET_STATISTICS_THRESHOLD", default_value_t = crate::statistics::secrecy::DEFAULT_THRESHOLD,
        value_parser = clap::value_parser!(u64).range(2..))]
    pub statistics_threshold: u64,
    /// The proxies in front of Guichet (`10.0.0.0/8,192.0.2.7`): from them, the client's
    /// address is read in `Forwarded` or `X-Forwarded-For`, from the right.
    #[arg(long, env = "GUICHET_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    #[command(flatten)]
    pub franceconnect: FranceConnectArgs,
    #[command(flatten)]
    pub proconnect: ProConnectArgs,
    #[command(flatten)]
    pub api_particulier: ApiParticulierArgs,
    /// Seconds a node holds a national data pull it works on. After a crash, the pull is taken
    /// over by another run once this has passed. Keep it above 40 (the API call's timeout and
    /// the longest pause after failures).
    #[arg(long, env = "GUICHET_PULL_CLAIM_SECONDS", default_value_t = 60)]
    pub pull_claim_seconds: u64,
    /// SMTP server for outgoing mail: smtp://host:port, smtp://user:pass@host?tls=required,
    /// smtps://user:pass@host. Without it, mail is written to the log.
    #[arg(long, env = "GUICHET_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of outgoing mail.
    #[arg(
        long,
        env = "GUICHET_MAIL_FROM",
        default_value = "Guichet <ne-pas-repondre@guichet.localhost>"
    )]
    pub mail_from: String,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a department: its store, migrated, and its registry entry.
    Create {
        slug: String,
        #[arg(long)]
        name: String,
        /// Comma-separated: user_relations,aid_requests,insertion,disability (default: all).
        #[arg(long, default_value = "")]
        modules: String,
        /// The department's own host name, e.g. aides.mon-departement.fr.
        #[arg(long)]
        domain: Option<String>,
    },
    /// List departments.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Suspend a department: its pages show a notice and no data.
    Suspend { slug: String },
    /// Resume a suspended department.
    Resume { slug: String },
    /// Write a self-contained archive of a department's store, staff and files.
    Export {
        slug: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Recreate a department from an archive made by `tenant export`.
    Import { file: PathBuf },
    /// Remove a department and all its data.
    Remove {
        slug: String,
        /// Confirms the removal.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Create a staff account and print its temporary password.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        /// reception, aid_instructor, insertion_referent, disability_evaluator, supervisor,
        /// admin; repeat or separate with commas for several.
        #[arg(long, required = true, value_delimiter = ',')]
        role: Vec<String>,
        /// Display name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
        /// The platform's address as people reach it: the activation link printed starts with
        /// it, followed by the department's path.
        #[arg(
            long,
            env = "GUICHET_PUBLIC_URL",
            default_value = "http://localhost:3000"
        )]
        public_url: String,
    },
    /// Remove a staff member's second factor (a lost phone and lost recovery codes): they
    /// sign in with their password and enrol again.
    ResetMfa {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Count, category by category, what is past its term, and remove nothing.
    Report { slug: Option<String> },
    /// Run the daily pass now, as each department set it.
    Apply { slug: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum StatisticsCommand {
    /// Compute the indicators of one department, or of every active one, and share those of
    /// the departments that agreed to be compared.
    Compute {
        slug: Option<String>,
        /// Statistical secrecy for the shared figures (as `serve`'s).
        #[arg(long, env = "GUICHET_STATISTICS_THRESHOLD", default_value_t = crate::statistics::secrecy::DEFAULT_THRESHOLD,
            value_parser = clap::value_parser!(u64).range(2..))]
        threshold: u64,
    },
    /// Print, for each size band, the quartiles of every shared indicator and each
    /// consenting department's figure.
    Compare {
        /// As JSON rather than text.
        #[arg(long)]
        json: bool,
    },
    /// Write the open-data export of the shared figures (calendar years): a CSV file and its
    /// Table Schema description.
    OpenData {
        /// The directory to write into (created if missing).
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and report the first broken link, then check it against the
    /// signed checkpoints kept outside the database.
    Verify { slug: String },
    /// Sign the head of a department's journal now (`serve` does every ten minutes).
    Checkpoint { slug: String },
}
