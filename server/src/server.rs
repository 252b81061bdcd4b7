//! Starting the web server: state, background housekeeping, listener.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use leptos::config::LeptosOptions;
use tenants::Platform;
use tokio::net::TcpListener;

use crate::api_particulier::client::{Client, ClientConfig};
use crate::franceconnect::{FranceConnect, FranceConnectConfig};
use crate::http::SessionLifetime;
use crate::http::assets::SiteAssets;
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
    /// How long a session lasts at most, active or not: staff's and citizens'.
    pub session_lifetime: SessionLifetime,
    /// Served over HTTPS (`GUICHET_PUBLIC_URL` starts with `https://`).
    pub https: bool,
    /// Requests served at once; more wait their turn.
    pub max_concurrent_requests: usize,
    /// Statistical secrecy's threshold (`statistics::secrecy`).
    pub statistics_threshold: u64,
    /// How long sent mail stays in the outboxes.
    pub sent_mail_kept: Duration,
    pub trusted_proxies: crate::http::client_address::TrustedProxies,
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
            session_lifetime: SessionLifetime::default(),
            https: false,
            max_concurrent_requests: 512,
            statistics_threshold: crate::statistics::secrecy::DEFAULT_THRESHOLD,
            sent_mail_kept: Duration::from_secs(30 * 24 * 3600),
            trusted_proxies: Default::default(),
            throttle: ThrottlePolicy::default(),
            franceconnect: None,
            proconnect: None,
            mailer: Mailer::Held {
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
    let assets = SiteAssets::read(&options.site_root)?;
    let leptos = LeptosOptions::builder()
        .output_name(assets.script.clone())
        .site_root(options.site_root.to_string_lossy().into_owned())
        .site_pkg_dir(crate::http::assets::PKG_DIR)
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
            assets,
            session_idle: options.session_idle,
            session_lifetime: options.session_lifetime,
            https: options.https,
            max_concurrent_requests: options.max_concurrent_requests.max(1),
            statistics_threshold: options.statistics_threshold,
            sent_mail_kept: options.sent_mail_kept,
            csp_form_targets: crate::http::security::form_targets(
                [&options.franceconnect, &options.proconnect]
                    .into_iter()
                    .flatten()
                    .map(|config| config.issuer.as_str()),
            ),
            trusted_proxies: options.trusted_proxies.clone(),
            throttle: options.throttle,
        }),
        accounts: Arc::default(),
        aid_titles: Arc::default(),
        looks: Arc::default(),
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
        form_key: crate::http::csrf::FormKey::new(&options.seal_key),
        readiness: Arc::default(),
    })
}

/// Serves until `shutdown` resolves. Also runs every part's job workers and schedules.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    jobs::setup(&state.platform).await?;
    let mut services = Services::new(
        state.platform.clone(),
        state.settings.throttle,
        state.mailer.clone(),
        state.national_api.clone(),
    );
    services.sent_mail_kept = state.settings.sent_mail_kept;
    services.statistics_threshold = state.settings.statistics_threshold;
    services.journal_anchor = Some(Arc::new(crate::journal_anchor::JournalAnchor::new(
        &state.platform,
        &state.seal_key,
    )));
    let schedules: Vec<_> = modules::schedules(&services)
        .into_iter()
        .map(tokio::spawn)
        .collect();
    let worker = tokio::spawn(async move {
        if let Err(e) = modules::run_workers(services).await {
            tracing::error!(error = %e, "the job worker stopped");
        }
    });
    let result = serve_connections(listener, http::router(state), shutdown).await;
    worker.abort();
    for schedule in schedules {
        schedule.abort();
    }
    Ok(result?)
}

/// A client has this long to send a request's headers; then its connection is closed (a
/// slow-headers client would otherwise hold it for ever).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener`, HTTP/1.1, until `shutdown` resolves; then connections finish the
/// request they serve. Like `axum::serve`, with a header-read timeout it does not offer.
async fn serve_connections(
    listener: TcpListener,
    app: axum::Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use tower::ServiceExt as _;
    let (closing, closed) = tokio::sync::watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let mut closed = closed.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(
                move |request: hyper::Request<hyper::body::Incoming>| {
                    let mut request = request.map(axum::body::Body::new);
                    request
                        .extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    app.clone().oneshot(request)
                },
            );
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = closed.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(closed);
    let _ = closing.send(());
    // Every connection holds a receiver until it is done.
    closing.closed().await;
    Ok(())
}
