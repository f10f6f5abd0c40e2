//! The native host: the Router on tokio, static files from the build's dist folder.

use crate::{AppState, Config, not_found, router};
use axum::handler::HandlerWithoutStateExt;
use clap::{Parser, Subcommand};
use std::{net::SocketAddr, path::PathBuf, process::ExitCode, sync::Arc};
use tower_http::services::ServeDir;

/// The Aurora CRM worker, native host.
///
/// Settings and secrets come from the environment (DEMO_CRM_SHARED_SECRET,
/// ALLOWED_CRM_ORIGINS); see README.md.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the worker's HTTP endpoints and the widget's static files.
    Serve {
        /// Address to listen on. Loopback by default: put a TLS proxy in front for more.
        #[arg(long, env = "WORKER_LISTEN", default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// Folder with the built widget (`cargo xtask build` writes `dist/`).
        #[arg(long, env = "WORKER_STATIC_DIR", default_value = "dist")]
        static_dir: PathBuf,
    },
}

/// Entry point of the native binary.
pub async fn main() -> ExitCode {
    init_tracing();
    match Cli::parse().command {
        Command::Serve { listen, static_dir } => match serve(listen, static_dir).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        },
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).init();
}

async fn serve(listen: SocketAddr, static_dir: PathBuf) -> Result<(), String> {
    let config = Config::from_lookup(|name| std::env::var(name).ok()).map_err(|e| e.to_string())?;
    if !static_dir.join("widget").is_dir() {
        return Err(format!(
            "{}/widget does not exist: run `cargo xtask build` first, or pass --static-dir",
            static_dir.display()
        ));
    }
    let state = AppState { config: Arc::new(config), clock: Arc::new(unix_now) };
    // The Workers host serves these files as static assets before the Router; here the
    // Router falls back to them.
    let static_files = ServeDir::new(&static_dir).not_found_service(not_found.into_service());
    let app = router(state).fallback_service(static_files);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!("worker listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down");
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
