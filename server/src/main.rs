use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use guichet::config::{
    ApiParticulierSimulatorArgs, Cli, Command, ProConnectSimulatorArgs, ServeArgs, SimulatorArgs,
};
use guichet::franceconnect::FranceConnectConfig;
use guichet::franceconnect::simulator::{self, SimulatorConfig};
use guichet::mail::Mailer;
use guichet::oidc::simulator_kit::RegisteredUris;
use guichet::server::{ServerOptions, app_state, serve};
use guichet::{cli, demo};
use tenants::Platform;

/// mimalloc rather than glibc's malloc: a busy page spent about a fifth of its CPU in malloc
/// and free. Measured side by side, SQLite's queue pages serve 12 to 25 % more with it, for
/// about 30 MB more RSS (docs/BENCHMARKS.md, « The allocator »). Its arenas commit memory as it
/// is used (`.cargo/config.toml`): committed all at once, RSS doubled.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = Cli::parse();
    // Before any TLS client is built: reqwest's and object_store's take the process's provider.
    guichet::tls::install_crypto_provider();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("erreur : impossible de démarrer : {e}");
            return ExitCode::FAILURE;
        }
    };
    // In the runtime: the traces' export sends its batches on it.
    let telemetry = {
        let _inside = runtime.enter();
        guichet::telemetry::init(args.log_format, args.otlp_endpoint.as_deref())
    };
    let telemetry = match telemetry {
        Ok(telemetry) => telemetry,
        Err(e) => {
            eprintln!("erreur : {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(args));
    telemetry.shutdown();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("erreur : {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Cli) -> anyhow::Result<()> {
    if let Command::FranceconnectSimulator(sim) = &args.command {
        return run_simulator(sim).await;
    }
    if let Command::ApiParticulierSimulator(sim) = &args.command {
        return run_api_particulier_simulator(sim).await;
    }
    if let Command::ProconnectSimulator(sim) = &args.command {
        return run_proconnect_simulator(sim).await;
    }
    if let Command::RsaFlux(flux) = &args.command {
        return cli::write_rsa_flux(flux);
    }
    let config = args.store.store_config()?;
    let platform = Platform::open(config).await?;
    match args.command {
        Command::Serve(serve_args) => {
            // Read (or made) before listening: a malformed key stops the start, with why.
            let seal_key = args.store.seal_key()?;
            let data_dir = args.store.data_dir.clone();
            run_serve(platform, *serve_args, (seal_key, data_dir)).await
        }
        Command::Migrate => {
            let count = platform.migrate_tenants().await?;
            guichet::jobs::setup(&platform).await?;
            println!("migrations appliquées : plateforme et {count} département(s)");
            Ok(())
        }
        Command::Tenant(command) => cli::run_tenant(&platform, &args.store, command).await,
        Command::Staff(command) => cli::run_staff(&platform, command).await,
        Command::Statistics(command) => cli::run_statistics(&platform, command).await,
        Command::Retention(command) => {
            let anchor = args.store.journal_anchor(&platform)?;
            cli::run_retention(&platform, &anchor, command).await
        }
        Command::Audit(command) => {
            let anchor = args.store.journal_anchor(&platform)?;
            cli::run_audit(&platform, &anchor, command).await
        }
        Command::Backup { out, tenant } => {
            let anchor = args.store.journal_anchor(&platform)?;
            cli::run_backup(&platform, &anchor, &out, tenant.as_deref()).await
        }
        Command::Restore { dir } => {
            let anchor = args.store.journal_anchor(&platform)?;
            let key = args.store.seal_key()?;
            cli::run_restore(&platform, (&anchor, &key), &dir).await
        }
        Command::FranceconnectSimulator(_)
        | Command::RsaFlux(_)
        | Command::ApiParticulierSimulator(_)
        | Command::ProconnectSimulator(_) => {
            unreachable!("handled before opening the stores")
        }
    }
}

/// A simulator's listener, or a French message saying how to choose another address.
async fn listen(addr: std::net::SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!(
            "impossible d'écouter sur {addr} ({e}) : choisissez une autre adresse avec --addr"
        )
    })
}

async fn run_simulator(args: &SimulatorArgs) -> anyhow::Result<()> {
    let listener = listen(args.addr).await?;
    let handle = simulator::spawn(
        listener,
        SimulatorConfig {
            client_id: args.client_id.clone(),
            client_secret: args.client_secret.clone(),
            redirect_uris: RegisteredUris::new(
                args.redirect_uri.iter().cloned(),
                args.post_logout_redirect_uri.iter().cloned(),
            ),
        },
    )?;
    println!("Simulateur FranceConnect : émetteur {}", handle.issuer);
    println!(
        "Configurez Guichet avec GUICHET_FRANCECONNECT_ISSUER={} GUICHET_FRANCECONNECT_CLIENT_ID={} GUICHET_FRANCECONNECT_CLIENT_SECRET=…",
        handle.issuer, args.client_id
    );
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

async fn run_proconnect_simulator(args: &ProConnectSimulatorArgs) -> anyhow::Result<()> {
    use guichet::proconnect::simulator as pc;
    let listener = listen(args.addr).await?;
    let handle = pc::spawn(
        listener,
        pc::SimulatorConfig {
            client_id: args.client_id.clone(),
            client_secret: args.client_secret.clone(),
            redirect_uris: RegisteredUris::new(
                args.redirect_uri.iter().cloned(),
                args.post_logout_redirect_uri.iter().cloned(),
            ),
            ..pc::SimulatorConfig::default()
        },
    )?;
    println!("Simulateur ProConnect : émetteur {}", handle.issuer);
    println!(
        "Configurez Guichet avec GUICHET_PROCONNECT_ISSUER={} GUICHET_PROCONNECT_CLIENT_ID={} GUICHET_PROCONNECT_CLIENT_SECRET=…",
        handle.issuer, args.client_id
    );
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

async fn run_api_particulier_simulator(args: &ApiParticulierSimulatorArgs) -> anyhow::Result<()> {
    use guichet::api_particulier::simulator::{self as api, Faults};
    for (name, share) in [
        ("--bad-gateway-share", args.bad_gateway_share),
        ("--gateway-timeout-share", args.gateway_timeout_share),
        ("--hang-share", args.hang_share),
    ] {
        if !(0.0..=1.0).contains(&share) {
            anyhow::bail!("{name} doit être compris entre 0 et 1 (par exemple 0.3 pour 30 %)");
        }
    }
    // A wrong issuer would only show at the first FranceConnect call: refuse it now.
    let franceconnect_issuer = match args.franceconnect_issuer.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(issuer) => match url::Url::parse(issuer) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {
                Some(issuer.trim_end_matches('/').to_owned())
            }
            _ => anyhow::bail!(
                "--franceconnect-issuer doit être une adresse http(s), par exemple http://127.0.0.1:4010/api/v2"
            ),
        },
    };
    let listener = listen(args.addr).await?;
    let handle = api::spawn(
        listener,
        api::SimulatorConfig {
            tokens: args.tokens.clone(),
            per_token_per_second: args.per_token_per_second,
            per_address_per_minute: args.per_address_per_minute,
            faults: Faults {
                latency: std::time::Duration::from_millis(args.latency_ms),
                bad_gateway_share: args.bad_gateway_share,
                gateway_timeout_share: args.gateway_timeout_share,
                hang_share: args.hang_share,
                outage: args.outage,
                seed: args.seed,
            },
            franceconnect_issuer: franceconnect_issuer.clone(),
            franceconnect_client_id: args.franceconnect_client_id.clone(),
            franceconnect_client_secret: args.franceconnect_client_secret.clone(),
        },
    )?;
    println!("Simulateur API Particulier : {}", handle.base_url);
    match &franceconnect_issuer {
        Some(issuer) => println!("Mode FranceConnect : jetons vérifiés auprès de {issuer}"),
        None => println!(
            "Mode FranceConnect désactivé (les appels .../france_connect répondent 503) : ajoutez --franceconnect-issuer pour l'activer"
        ),
    }
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

/// Where mail goes: the SMTP server; without one, the demo's mail folder, or else the outboxes
/// (the operator is warned).
fn mailer(args: &ServeArgs, data_dir: &std::path::Path) -> anyhow::Result<Mailer> {
    let mailer = Mailer::new(args.smtp_url.as_deref(), &args.mail_from)?;
    if !mailer.holds_mail() {
        return Ok(mailer);
    }
    if args.demo {
        let dir = data_dir.join("courriels");
        println!(
            "Pas de serveur de courriel : les courriels de la démonstration sont écrits dans {}",
            dir.display()
        );
        return Ok(mailer.into_folder(dir));
    }
    tracing::warn!(
        "no SMTP server configured (GUICHET_SMTP_URL): mail waits in each department's outbox and is sent once one is"
    );
    eprintln!(
        "Attention : aucun serveur de courriel (GUICHET_SMTP_URL). Les courriels attendent dans la file de chaque département et partiront quand il sera configuré."
    );
    Ok(mailer)
}

/// Whether the platform is reached over HTTPS, from its public address; plain HTTP on an
/// address others can reach is refused outside the demo unless asked for by name.
fn serves_https(args: &ServeArgs) -> anyhow::Result<bool> {
    let https = match args.public_url.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(url) => {
            let parsed = url::Url::parse(url).map_err(|e| {
                anyhow::anyhow!(
                    "l'adresse publique « {url} » est invalide ({e}) : attendu par exemple https://guichet.mon-departement.fr (GUICHET_PUBLIC_URL)"
                )
            })?;
            match parsed.scheme() {
                "https" => true,
                "http" => false,
                other => anyhow::bail!(
                    "l'adresse publique « {url} » commence par {other}:// : attendu https:// (ou http:// pour un essai local) (GUICHET_PUBLIC_URL)"
                ),
            }
        }
    };
    if !https && !args.demo && !args.insecure_http && !args.addr.ip().is_loopback() {
        anyhow::bail!(
            "Guichet refuse de servir en HTTP simple sur {} : mots de passe et sessions y circuleraient en clair. Placez-le derrière un serveur HTTPS et donnez son adresse avec --public-url https://… (GUICHET_PUBLIC_URL), ou, pour un réseau fermé de test, ajoutez --insecure-http.",
            args.addr
        );
    }
    Ok(https)
}

/// The return addresses the demo's simulators accept, as an operator declares them to the real
/// services: each department's, under the address served (and `localhost` for a loopback one)
/// and under the public address. A department created later is declared at the next start.
fn demo_return_uris(
    addr: std::net::SocketAddr,
    public_url: Option<&str>,
    departments: &[tenants::Tenant],
) -> (RegisteredUris, RegisteredUris) {
    let mut bases = vec![format!("http://{addr}")];
    if addr.ip().is_loopback() {
        bases.push(format!("http://localhost:{}", addr.port()));
    }
    bases.extend(public_url.map(str::to_owned));
    let (fc, pc) = (RegisteredUris::default(), RegisteredUris::default());
    for base in &bases {
        for department in departments {
            let (citizens, staff) =
                guichet::http::identity_return_uris(base, department.slug().as_str());
            fc.register(citizens);
            pc.register(staff);
        }
    }
    (fc, pc)
}

/// Serves the operators' metrics at `at`: never the public address, where anyone could read
/// them.
async fn serve_metrics(
    at: std::net::SocketAddr,
    public: std::net::SocketAddr,
    platform: &Platform,
) -> anyhow::Result<()> {
    if at.port() == public.port() && (at.ip() == public.ip() || at.ip().is_unspecified()) {
        anyhow::bail!(
            "les métriques ne peuvent pas être servies sur l'adresse publique {public} : donnez à --metrics-addr (GUICHET_METRICS_ADDR) un autre port, joignable par vos seuls outils de supervision"
        );
    }
    let listener = tokio::net::TcpListener::bind(at).await.map_err(|e| {
        anyhow::anyhow!(
            "impossible d'écouter sur {at} pour les métriques ({e}) : choisissez une autre adresse avec --metrics-addr ou GUICHET_METRICS_ADDR"
        )
    })?;
    let at = listener.local_addr()?;
    let routes = guichet::metrics::router(platform.clone(), guichet::metrics::recorder()?);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, routes).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    println!("Métriques Prometheus sur http://{at}/metrics");
    Ok(())
}

async fn run_serve(
    platform: Platform,
    args: ServeArgs,
    (seal_key, data_dir): (guichet::staff::second_factor::SealKey, std::path::PathBuf),
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let https = serves_https(&args)?;
    platform.migrate_tenants().await?;
    guichet::jobs::setup(&platform).await?;
    if args.demo {
        demo::ensure_demo(&platform).await?;
    }
    let departments = platform.list_tenants().await?;
    let tenants = departments.len();
    let listener = tokio::net::TcpListener::bind(args.addr).await.map_err(|e| {
        anyhow::anyhow!(
            "impossible d'écouter sur {} ({e}) : choisissez une autre adresse avec --addr ou GUICHET_ADDR",
            args.addr
        )
    })?;
    let addr = listener.local_addr()?;
    if let Some(at) = args.metrics_addr {
        serve_metrics(at, addr, &platform).await?;
    }
    let (fc_returns, pc_returns) = demo_return_uris(addr, args.public_url.as_deref(), &departments);
    let mut franceconnect = args.franceconnect.config()?;
    // The demo signs citizens in through the simulator unless a real provider is configured.
    let mut _simulator = None;
    if franceconnect.is_none() && args.demo {
        let sim_listener = tokio::net::TcpListener::bind((addr.ip(), 0)).await?;
        let config = SimulatorConfig {
            redirect_uris: fc_returns,
            ..SimulatorConfig::default()
        };
        let handle = simulator::spawn(sim_listener, config.clone())?;
        franceconnect = Some(FranceConnectConfig {
            issuer: handle.issuer.clone(),
            client_id: config.client_id,
            client_secret: config.client_secret,
        });
        _simulator = Some(handle);
    }
    // Likewise, the demo's staff sign in through the ProConnect simulator.
    let mut proconnect = args.proconnect.config()?;
    let mut _pc_simulator = None;
    if proconnect.is_none() && args.demo {
        use guichet::proconnect::simulator as pc;
        let config = pc::SimulatorConfig {
            redirect_uris: pc_returns,
            ..pc::SimulatorConfig::default()
        };
        let handle = pc::spawn(
            tokio::net::TcpListener::bind((addr.ip(), 0)).await?,
            config.clone(),
        )?;
        proconnect = Some(guichet::oidc::OidcConfig {
            issuer: handle.issuer.clone(),
            client_id: config.client_id,
            client_secret: config.client_secret,
        });
        _pc_simulator = Some(handle);
    }
    // Likewise, the demo's citizens share their data through the API Particulier simulator.
    let mut api_particulier = args.api_particulier.config()?;
    let mut _api_simulator = None;
    if api_particulier.is_none() && args.demo {
        use guichet::api_particulier::simulator as api;
        let handle = api::spawn(
            tokio::net::TcpListener::bind((addr.ip(), 0)).await?,
            api::SimulatorConfig::default(),
        )?;
        api_particulier = Some(guichet::api_particulier::client::ClientConfig {
            base_url: handle.base_url.clone(),
            token: api::DEMO_TOKEN.to_owned(),
            recipient: demo::SIRET.to_owned(),
            per_second: 20,
            timeout: Duration::from_secs(10),
        });
        _api_simulator = Some(handle);
    }
    let mailer = mailer(&args, &data_dir)?;
    let options = ServerOptions {
        base_domain: args.base_domain,
        site_root: args.site_root,
        session_idle: Duration::from_secs(args.session_idle_minutes.max(1) * 60),
        session_lifetime: guichet::http::SessionLifetime {
            staff: Duration::from_secs(args.staff_session_hours.max(1) * 3600),
            citizen: Duration::from_secs(args.citizen_session_hours.max(1) * 3600),
        },
        https,
        max_concurrent_requests: args.max_concurrent_requests,
        statistics_threshold: args.statistics_threshold,
        sent_mail_kept: Duration::from_secs(args.sent_mail_days.max(1) * 24 * 3600),
        trusted_proxies: guichet::http::client_address::TrustedProxies::parse(
            &args.trusted_proxies,
        )
        .map_err(anyhow::Error::msg)?,
        franceconnect,
        proconnect,
        mailer,
        api_particulier,
        pull_claim: Duration::from_secs(args.pull_claim_seconds.max(1)),
        seal_key,
        ..ServerOptions::default()
    };
    let base_url = format!("http://{addr}");
    println!(
        "Guichet écoute sur {base_url} ({tenants} département(s), prêt en {} ms)",
        started.elapsed().as_millis()
    );
    if args.demo {
        print!("{}", demo::logins_text(&base_url));
    }
    let state = app_state(platform, &options)?;
    serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
