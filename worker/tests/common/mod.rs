//! Shared test setup: a sandbox Aurora on a free port, and the worker's state against it
//! with a real SQLite database (in memory).
#![allow(dead_code)] // each test binary uses a part

use aurora_crm_worker::{AppState, Config, hosts::native::sqlite::SqliteDatabase, storage};
use clap::Parser;
use sandbox::aurora::{self, Sandbox};
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

pub const TENANT: &str = "7e57a000-0000-4000-8000-000000000001";
pub const OTHER_TENANT: &str = "7e57a000-0000-4000-8000-000000000002";
pub const APP_ID: &str = "5a2d8e1c-0000-4000-8000-00000000a991";
pub const APP_KEY: &str = "sandbox-application-key-not-a-secret";
pub const SIGNING: &str = "test-worker-signing-secret-0123456789abcdef";
pub const WEBHOOK_TOKEN: &str = "test-webhook-token-0123456789abcdef";
pub const ACCOUNT_A_SECRET: &str = "account-a-installation-secret-0123456789";
pub const ACCOUNT_B_SECRET: &str = "account-b-installation-secret-0123456789";

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    settings: aurora::Settings,
}

/// A sandbox on a free port; `flags` as on its command line.
pub async fn start_sandbox(flags: &[&str]) -> (String, Sandbox) {
    let mut argv = vec!["sandbox", "--tenant", TENANT, "--tenant", OTHER_TENANT, "--design-delay-ms", "100"];
    argv.extend_from_slice(flags);
    let sandbox = Sandbox::new(Args::parse_from(argv).settings.validated().expect("valid settings"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = aurora::router(sandbox.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, sandbox)
}

/// A settable clock, seconds since the epoch.
#[derive(Clone)]
pub struct TestClock(pub Arc<AtomicU64>);

impl TestClock {
    pub fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
    pub fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

pub fn config(aurora_url: &str) -> Config {
    Config::from_lookup(|name| {
        Some(
            match name {
                "WORKER_SIGNING_SECRET" => SIGNING,
                "ALLOWED_CRM_ORIGINS" => "http://127.0.0.1:8791",
                "AURORA_BASE_URL" => aurora_url,
                "AURORA_ALLOW_LOOPBACK" => "true",
                "AURORA_APPLICATION_ID" => APP_ID,
                "AURORA_APPLICATION_KEY" => APP_KEY,
                "AURORA_WEBHOOK_TOKEN" => WEBHOOK_TOKEN,
                _ => return None,
            }
            .to_owned(),
        )
    })
    .expect("config")
}

/// The worker's state against `aurora_url`, with accounts `acct-a` (linked to [`TENANT`])
/// and `acct-b` (linked to [`OTHER_TENANT`]) installed.
pub async fn state(aurora_url: &str, now: u64) -> (AppState, SqliteDatabase, TestClock) {
    let db = SqliteDatabase::in_memory().expect("db");
    storage::migrate(&db, now as i64).await.expect("migrate");
    storage::installations::upsert(&db, "demo", "acct-a", ACCOUNT_A_SECRET, Some(TENANT), 1).await.expect("a");
    storage::installations::upsert(&db, "demo", "acct-b", ACCOUNT_B_SECRET, Some(OTHER_TENANT), 1).await.expect("b");
    let clock = TestClock(Arc::new(AtomicU64::new(now)));
    let tick = clock.clone();
    let transport = aurora_api::reqwest_transport::ReqwestTransport::default();
    let state = AppState::new(config(aurora_url), Arc::new(db.clone()), Arc::new(transport), Arc::default(), Arc::new(move || tick.now()));
    (state, db, clock)
}
