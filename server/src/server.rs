//! Starting the web server: state, background housekeeping, listener.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use leptos::config::LeptosOptions;
use tenants::Platform;
use tokio::net::TcpListener;

use crate::api_particulier::client::{Client, ClientConfig};
use crate::franceconnect::{FranceConnect, FranceConnectConfig};
use crate::http::{self, AppState, HttpSettings};
use crate::jobs;
use crate::mail::Mailer;
use crate::modules::{self, Services};
use crate::national::jobs::NationalApi;
use crate::proconnect::{ProConnect, ProConnectConfig};
use crate::staff::second_factor::SealKey;
use crate::throttle::ThrottlePolicy;

/// What the HTTP side needs beyond the stores.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    pub base_domain: String,
    pub site_root: PathBuf,
    pub session_idle: Duration,
    pub secure_cookies: bool,
    pub trust_forwarded_for: bool,
    pub throttle: ThrottlePolicy,
    /// Citizens sign in with FranceConnect when set.
    pub franceconnect: Option<FranceConnectConfig>,
    /// Staff sign in with ProConnect when set.
    pub proconnect: Option<ProConnectConfig>,
    /// Where mail goes (the log when no SMTP server is configured).
    pub mailer: Mailer,
    /// API Particulier, when configured: citizens are offered to share their data from it.
    pub api_particulier: Option<ClientConfig>,
    /// How long a node holds a national data pull it works on (see `national::pull`).
    pub pull_claim: Duration,
    /// Seals staff's second-factor secrets (`GUICHET_SECRET_KEY` or the data folder's file).
    pub seal_key: SealKey,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            base_domain: "localhost".into(),
            site_root: "target/site".into(),
            session_idle: Duration::from_secs(30 * 60),
            secure_cookies: false,
            trust_forwarded_for: false,
            throttle: ThrottlePolicy::default(),
            franceconnect: None,
            proconnect: None,
            mailer: Mailer::Log {
                from: "Guichet <ne-pas-repondre@guichet.localhost>"
                    .parse()
                    .expect("a valid mailbox"),
            },
            api_particulier: None,
            pull_claim: Duration::from_secs(60),
            // A key of this process only: what `serve` replaces with the platform's.
            seal_key: SealKey::random(),
        }
    }
}

/// Builds the shared state; fails only on an API Particulier configuration that cannot work.
pub fn app_state(platform: Platform, options: &ServerOptions) -> anyhow::Result<AppState> {
    let leptos = LeptosOptions::builder()
        .output_name("guichet")
        .site_root(options.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .build();
    let national_api = options
        .api_particulier
        .clone()
        .map(Client::new)
        .transpose()?;
    Ok(AppState {
        platform,
        settings: Arc::new(HttpSettings {
            base_domain: options.base_domain.to_ascii_lowercase(),
            leptos,
            site_root: options.site_root.clone(),
            session_idle: options.session_idle,
            secure_cookies: options.secure_cookies,
            trust_forwarded_for: options.trust_forwarded_for,
            throttle: options.throttle,
        }),
        accounts: Arc::default(),
        policies: Arc::default(),
        mailer: options.mailer.clone(),
        franceconnect: options
            .franceconnect
            .clone()
            .map(|config| Arc::new(FranceConnect::new(config))),
        proconnect: options
            .proconnect
            .clone()
            .map(|config| Arc::new(ProConnect::new(config))),
        national_api: NationalApi::new(national_api, options.pull_claim),
        seal_key: options.seal_key.clone(),
    })
}

/// Serves until `shutdown` resolves. Also runs every part's job workers and schedules.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    jobs::setup(&state.platform).await?;
    let services = Services::new(
        state.platform.clone(),
        state.settings.throttle,
        state.mailer.clone(),
        state.national_api.clone(),
    );
    let schedules: Vec<_> = modules::schedules(&services)
        .into_iter()
        .map(tokio::spawn)
        .collect();
    let worker = tokio::spawn(async move {
        if let Err(e) = modules::run_workers(services).await {
            tracing::error!(error = %e, "the job worker stopped");
        }
    });
    let app = http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    worker.abort();
    for schedule in schedules {
        schedule.abort();
    }
    Ok(result?)
}
