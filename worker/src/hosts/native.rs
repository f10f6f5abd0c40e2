//! The native host: the Router on tokio over SQLite, the sweep on a timer, static files
//! from the build's dist folder. Its command line (serve, and the operator's commands) is
//! [`cli`].

mod cli;
pub mod sqlite;

pub use cli::main;

use crate::{AppState, Config, not_found, router, storage};
use axum::handler::HandlerWithoutStateExt;
use sqlite::SqliteDatabase;
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
};
use tower_http::{
    sensitive_headers::{SetSensitiveRequestHeadersLayer, SetSensitiveResponseHeadersLayer},
    services::ServeDir,
    trace::TraceLayer,
};

/// Background work on tokio.
pub struct TokioBackground;

impl crate::Background for TokioBackground {
    fn spawn(&self, task: crate::BackgroundTask) {
        tokio::spawn(task);
    }
}

/// How often the sweep runs due background work (see `jobs`).
pub const SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

/// Opens and migrates the database.
pub(super) async fn open_database(path: &Path) -> Result<SqliteDatabase, String> {
    let db = SqliteDatabase::open(path).map_err(|e| format!("cannot open the database: {e}"))?;
    let applied = storage::migrate(&db, unix_now() as i64)
        .await
        .map_err(|e| format!("cannot migrate {}: {e}", path.display()))?;
    if applied > 0 {
        tracing::info!("applied {applied} migration(s) to {}", path.display());
    }
    Ok(db)
}

/// The state over `database` with reqwest and the wall clock: what `app` serves, and what
/// the operator's commands act on.
pub(super) async fn state(config: Config, database: &Path) -> Result<AppState, String> {
    let db = open_database(database).await?;
    let transport = aurora_api::reqwest_transport::ReqwestTransport::default();
    Ok(AppState::new(
        config,
        Arc::new(db),
        Arc::new(transport),
        Arc::default(),
        Arc::new(TokioBackground),
        Arc::new(unix_now),
    ))
}

/// The native host's whole service on `database`: the Router with its request log and
/// sensitive headers marked, the files of `static_dir` (if any) as its fallback, and the
/// sweep running every [`SWEEP_INTERVAL`] on this runtime, the first at once. What `serve`
/// binds to its port; the conformance suite serves it in-process the same way.
pub async fn app(config: Config, database: &Path, static_dir: Option<&Path>) -> Result<axum::Router, String> {
    let state = state(config, database).await?;
    // This process owns the database file: every lease in it belongs to a run that has
    // ended (a crash, a kill), so its work is due now rather than when the lease expires.
    match crate::jobs::release_leases(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!("took back {n} piece(s) of background work an earlier run left unfinished"),
        Err(error) => return Err(format!("cannot read the background work in {}: {error}", database.display())),
    }
    // The sweep: work recorded but not finished (a crash after the 200, Aurora down) is
    // picked up here; the first sweep runs at start-up.
    let sweeper_state = state.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(SWEEP_INTERVAL);
        loop {
            interval.tick().await;
            match crate::jobs::sweep(&sweeper_state).await {
                0 => {}
                n => tracing::info!("sweep ran {n} piece(s) of background work"),
            }
        }
    });
    // One line per request: method, path (never the query: webhook URLs carry session
    // tokens), status, latency; headers are not logged.
    let sensitive = crate::sensitive_headers(&state);
    let mut app = router(state);
    // The Workers host serves these files as static assets before the Router; here the
    // Router falls back to them.
    if let Some(static_dir) = static_dir {
        app = app.fallback_service(ServeDir::new(static_dir).not_found_service(not_found.into_service()));
    }
    Ok(app
        .layer(tower::util::MapRequestLayer::new(record_client))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                })
                .on_response(log_response),
        )
        // Outermost: credentials are marked sensitive before the request log sees them, and
        // so are the cookies we set.
        .layer(SetSensitiveRequestHeadersLayer::new(sensitive))
        .layer(SetSensitiveResponseHeadersLayer::new([axum::http::header::SET_COOKIE])))
}

/// The request's line in the log, once answered: at INFO, except a widget's poll that
/// found nothing new (a 304), which is most of the traffic (every open widget, every 5 to
/// 30 s) and no news: at DEBUG (`RUST_LOG=aurora_crm_worker=debug` shows it).
fn log_response<B>(response: &axum::http::Response<B>, latency: std::time::Duration, _span: &tracing::Span) {
    let (status, latency_ms) = (response.status().as_u16(), latency.as_millis());
    if response.status() == axum::http::StatusCode::NOT_MODIFIED {
        tracing::debug!(status, latency_ms, "answered");
    } else {
        tracing::info!(status, latency_ms, "answered");
    }
}

/// Records the connecting socket's address as the request's client (`serve` makes it known).
fn record_client(mut request: axum::extract::Request) -> axum::extract::Request {
    let socket = request.extensions().get::<axum::extract::ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if let Some(address) = socket {
        request.extensions_mut().insert(crate::routes::ConnectedFrom(address));
    }
    request
}

pub(super) async fn serve(
    config: Config,
    database: &Path,
    listen: SocketAddr,
    static_dir: PathBuf,
) -> Result<(), String> {
    if !static_dir.join("widget").is_dir() {
        return Err(format!(
            "{}/widget does not exist: run `cargo xtask build` first, or pass --static-dir",
            static_dir.display()
        ));
    }
    let app = app(config, database, Some(&static_dir)).await?;
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!("worker listening on http://{addr}");
    // Each request knows its client's address (per-client limits: `routes::ClientAddress`).
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.map_err(|e| e.to_string())
}

pub(super) fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
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
