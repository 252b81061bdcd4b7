use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use guichet::config::{Cli, Command, ServeArgs};
use guichet::server::{ServerOptions, app_state, serve};
use guichet::{cli, demo};
use tenants::Platform;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GUICHET_LOG")
                .unwrap_or_else(|_| "warn,guichet=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("erreur : impossible de démarrer : {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("erreur : {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Cli) -> anyhow::Result<()> {
    let config = args.store.store_config()?;
    let platform = Platform::open(config).await?;
    match args.command {
        Command::Serve(serve_args) => run_serve(platform, serve_args).await,
        Command::Migrate => {
            let count = platform.migrate_tenants().await?;
            guichet::jobs::setup(&platform).await?;
            println!("migrations appliquées : plateforme et {count} département(s)");
            Ok(())
        }
        Command::Tenant(command) => cli::run_tenant(&platform, command).await,
        Command::Staff(command) => cli::run_staff(&platform, command).await,
        Command::Audit(command) => cli::run_audit(&platform, command).await,
    }
}

async fn run_serve(platform: Platform, args: ServeArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    platform.migrate_tenants().await?;
    guichet::jobs::setup(&platform).await?;
    if args.demo {
        demo::ensure_demo(&platform).await?;
    }
    let tenants = platform.list_tenants().await?.len();
    let listener = tokio::net::TcpListener::bind(args.addr).await.map_err(|e| {
        anyhow::anyhow!(
            "impossible d'écouter sur {} ({e}) : choisissez une autre adresse avec --addr ou GUICHET_ADDR",
            args.addr
        )
    })?;
    let addr = listener.local_addr()?;
    let options = ServerOptions {
        base_domain: args.base_domain,
        site_root: args.site_root,
        session_idle: Duration::from_secs(args.session_idle_minutes.max(1) * 60),
        secure_cookies: args.secure_cookies,
        trust_forwarded_for: args.trust_forwarded_for,
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
    let state = app_state(platform, &options);
    serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
