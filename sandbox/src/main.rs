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

async fn run(cli: Cli) -> Result<(), String> {
    for addr in [cli.aurora_listen, cli.crm_listen, cli.salesforce_listen, cli.pipedrive_listen, cli.hubspot_listen] {
        if !addr.ip().is_loopback() {
            return Err(format!("{addr}: the sandbox only listens on loopback (127.0.0.1)"));
        }
    }
    let worker_url = cli.crm.worker_url.clone();
    let salesforce = salesforce::Salesforce::new(cli.salesforce, cli.salesforce_listen.port(), &worker_url)?;
    let pipedrive = pipedrive::Pipedrive::new(cli.pipedrive, cli.pipedrive_listen.port(), &worker_url)?;
    let hubspot = hubspot::HubSpot::new(cli.hubspot, cli.hubspot_listen.port(), &worker_url)?;
    let crm = demo_crm::router(demo_crm::Crm::new(cli.crm.validated()?));
    let aurora = aurora::router(aurora::Sandbox::new(cli.aurora.validated()?));
    let aurora_listener = bind(cli.aurora_listen).await?;
    let crm_listener = bind(cli.crm_listen).await?;
    tracing::info!("Aurora sandbox on http://{}", cli.aurora_listen);
    tracing::info!("demo CRM on http://{}", cli.crm_listen);
    let aurora = axum::serve(aurora_listener, aurora).with_graceful_shutdown(shutdown_signal());
    let crm = axum::serve(crm_listener, crm).with_graceful_shutdown(shutdown_signal());
    let salesforce = async {
        let Some(salesforce) = salesforce else { return Ok(()) };
        let listener = bind(cli.salesforce_listen).await.map_err(std::io::Error::other)?;
        tracing::info!(
            "local Salesforce on http://localhost:{} (My Domain http://{})",
            cli.salesforce_listen.port(),
            cli.salesforce_listen
        );
        axum::serve(listener, salesforce::router(salesforce)).with_graceful_shutdown(shutdown_signal()).await
    };
    let pipedrive = async {
        let Some(pipedrive) = pipedrive else { return Ok(()) };
        let listener = bind(cli.pipedrive_listen).await.map_err(std::io::Error::other)?;
        tracing::info!("local Pipedrive on http://{}", cli.pipedrive_listen);
        axum::serve(listener, pipedrive::router(pipedrive)).with_graceful_shutdown(shutdown_signal()).await
    };
    let hubspot = async {
        let Some(hubspot) = hubspot else { return Ok(()) };
        let listener = bind(cli.hubspot_listen).await.map_err(std::io::Error::other)?;
        tracing::info!("local HubSpot on http://{}", cli.hubspot_listen);
        axum::serve(listener, hubspot::router(hubspot)).with_graceful_shutdown(shutdown_signal()).await
    };
    tokio::try_join!(aurora.into_future(), crm.into_future(), salesforce, pipedrive, hubspot)
        .map_err(|e| e.to_string())?;
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
