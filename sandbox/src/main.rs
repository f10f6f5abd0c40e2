//! `sandbox`: local stand-ins of Aurora's partner API and of a demo CRM, so the whole
//! product runs and is tested on one machine with no internet.

use clap::Parser;
use sandbox::{aurora, demo_crm, hubspot, pipedrive, salesforce};
use std::{net::SocketAddr, process::ExitCode};

/// Local stand-ins of Aurora's partner API and of a demo CRM (loopback only).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Where the Aurora partner API stand-in listens.
    #[arg(long, env = "SANDBOX_AURORA_LISTEN", default_value = "127.0.0.1:8790")]
    aurora_listen: SocketAddr,
    /// Where the demo CRM listens (its own origin, as a real CRM would be).
    #[arg(long, env = "SANDBOX_CRM_LISTEN", default_value = "127.0.0.1:8791")]
    crm_listen: SocketAddr,
    /// Where the local Salesforce listens: its My Domain (login, API, canvas intermediary)
    /// on 127.0.0.1, its Lightning pages on `localhost`, same port.
    #[arg(long, env = "SANDBOX_SALESFORCE_LISTEN", default_value = "127.0.0.1:8792")]
    salesforce_listen: SocketAddr,
    /// Where the local Pipedrive listens (its pages, OAuth and API).
    #[arg(long, env = "SANDBOX_PIPEDRIVE_LISTEN", default_value = "127.0.0.1:8793")]
    pipedrive_listen: SocketAddr,
    /// Where the local HubSpot listens (its pages, OAuth and API).
    #[arg(long, env = "SANDBOX_HUBSPOT_LISTEN", default_value = "127.0.0.1:8794")]
    hubspot_listen: SocketAddr,
    #[command(flatten)]
    aurora: aurora::Settings,
    #[command(flatten)]
    pipedrive: pipedrive::Settings,
    #[command(flatten)]
    hubspot: hubspot::Settings,
    #[command(flatten)]
    salesforce: salesforce::Settings,
    #[command(flatten)]
    crm: demo_crm::Settings,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .init();
    let cli = Cli::parse();
    if let Err(message) = run(cli).await {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// One stand-in the sandbox serves: what it is (for the log), where it listens, its routes.
struct StandIn {
    what: String,
    listen: SocketAddr,
    router: axum::Router,
}

async fn run(cli: Cli) -> Result<(), String> {
    let worker_url = cli.crm.worker_url.clone();
    let salesforce_port = cli.salesforce_listen.port();
    // Every stand-in, in one list: Aurora and the demo CRM always; a vendor's CRM when a
    // client secret for our app is set.
    let stand_ins: Vec<StandIn> = [
        Some(StandIn {
            what: "Aurora sandbox".into(),
            listen: cli.aurora_listen,
            router: aurora::router(aurora::Sandbox::new(cli.aurora.validated()?)),
        }),
        Some(StandIn {
            what: "demo CRM".into(),
            listen: cli.crm_listen,
            router: demo_crm::router(demo_crm::Crm::new(cli.crm.validated()?)),
        }),
        salesforce::Salesforce::new(cli.salesforce, salesforce_port, &worker_url)?.map(|sf| StandIn {
            what: format!("local Salesforce (Lightning on http://localhost:{salesforce_port}, My Domain on)"),
            listen: cli.salesforce_listen,
            router: salesforce::router(sf),
        }),
        pipedrive::Pipedrive::new(cli.pipedrive, cli.pipedrive_listen.port(), &worker_url)?.map(|pd| StandIn {
            what: "local Pipedrive".into(),
            listen: cli.pipedrive_listen,
            router: pipedrive::router(pd),
        }),
        hubspot::HubSpot::new(cli.hubspot, cli.hubspot_listen.port(), &worker_url)?.map(|hs| StandIn {
            what: "local HubSpot".into(),
            listen: cli.hubspot_listen,
            router: hubspot::router(hs),
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut servers = Vec::new();
    for stand_in in stand_ins {
        if !stand_in.listen.ip().is_loopback() {
            return Err(format!("{}: the sandbox only listens on loopback (127.0.0.1)", stand_in.listen));
        }
        let listener = bind(stand_in.listen).await?;
        tracing::info!("{} on http://{}", stand_in.what, stand_in.listen);
        servers.push(axum::serve(listener, stand_in.router).with_graceful_shutdown(shutdown_signal()).into_future());
    }
    futures_util::future::try_join_all(servers).await.map_err(|e| e.to_string())?;
    Ok(())
}

async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))
}

async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = async { match terminate.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {},
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
