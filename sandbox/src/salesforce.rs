//! A local Salesforce, on its own origin, closely enough that the widget, the worker and
//! the tests cannot tell: two orgs with users who sign in; the OAuth 2.0 web server flow
//! with PKCE ([`oauth`]); the REST API our app calls, with bearer tokens that expire, a
//! daily API limit per org, SOQL queries and sObject PATCH, answering errors as
//! Salesforce does ([`rest`]); and Lightning record pages for Opportunities whose canvas
//! runs as in Lightning Experience ([`lightning`]): the record page on the org's Lightning
//! origin frames an intermediary page on the org's My Domain origin, which POSTs a signed
//! request (signed with the consumer secret this Salesforce issued our app, shaped like
//! real captures) into our iframe and plays the parent's side of the Canvas `resize`
//! protocol.
//!
//! On one machine, the two origins are one listener under two names: the Lightning pages
//! are `http://localhost:<port>`; My Domain (the login and OAuth host, the instance and
//! its API, the canvas intermediary) is `http://127.0.0.1:<port>`, the only one our worker
//! calls. A browser keeps a sign-in per name, as it would per Salesforce host.

mod lightning;
mod oauth;
pub mod org;
pub mod package;
mod rest;

use crate::kit;
use axum::{
    Json, Router,
    routing::{get, patch, post},
};
use std::sync::{Arc, Mutex, MutexGuard};

/// Our app's registration in this Salesforce (the External Client App).
#[derive(Debug, Clone, clap::Args)]
#[group(id = "salesforce_settings")]
#[command(next_help_heading = "Local Salesforce")]
pub struct Settings {
    /// The External Client App's consumer key. Must equal the worker's SALESFORCE_CONSUMER_KEY.
    #[arg(
        id = "salesforce_consumer_key",
        long = "salesforce-consumer-key",
        env = "SALESFORCE_CONSUMER_KEY",
        default_value = "aurora-solar-canvas-local-consumer-key"
    )]
    pub consumer_key: String,
    /// Its consumer secret: OAuth, and the key of signed requests. Must equal the
    /// worker's SALESFORCE_CONSUMER_SECRET. Unset: no local Salesforce.
    #[arg(
        id = "salesforce_consumer_secret",
        long = "salesforce-consumer-secret",
        env = "SALESFORCE_CONSUMER_SECRET",
        hide_env_values = true
    )]
    pub consumer_secret: Option<String>,
    /// How long access tokens live (short values exercise the app's refresh on 401).
    #[arg(id = "salesforce_session_seconds", long = "salesforce-session-seconds", default_value_t = 7200)]
    pub session_seconds: i64,
    /// API calls each org may make in a day; beyond, `REQUEST_LIMIT_EXCEEDED`.
    #[arg(id = "salesforce_api_limit", long = "salesforce-api-limit", default_value_t = 15_000)]
    pub api_limit: u64,
    /// Our Salesforce DX project (`salesforce/`): AppExchange refuses to install a package
    /// that would not deploy or package (see [`package`]). Unset: not checked.
    #[arg(id = "salesforce_package_dir", long = "salesforce-package-dir", env = "SALESFORCE_PACKAGE_DIR")]
    pub package_dir: Option<std::path::PathBuf>,
    /// What the canvas parent answers the SDK's `refreshSignedRequest`: Salesforce may
    /// "resend the signed request that was used when your app was loaded or … send a new
    /// signed request"
    /// (https://developer.salesforce.com/docs/platform/canvas-framework/guide/canvas-app-refresh-signed-request.md),
    /// and does not say when it does which.
    #[arg(
        id = "salesforce_canvas_refresh",
        long = "salesforce-canvas-refresh",
        value_enum,
        default_value_t = CanvasRefresh::Resend
    )]
    pub canvas_refresh: CanvasRefresh,
}

/// The readings of what `refreshSignedRequest` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CanvasRefresh {
    /// The very signed request the canvas was loaded with, byte for byte.
    Resend,
    /// A new signed request, with a new session of the user's.
    New,
}

/// The local Salesforce: its settings, where it is, where our worker is, and its data.
#[derive(Clone)]
pub struct Salesforce {
    settings: Arc<Settings>,
    consumer_secret: Arc<String>,
    /// `http://localhost:<port>`: the Lightning pages.
    pub lightning_origin: String,
    /// `http://127.0.0.1:<port>`: My Domain (login, OAuth, instance, API, the canvas
    /// intermediary).
    pub my_domain_origin: String,
    /// Our worker (canvas URL and OAuth callback).
    pub worker_url: String,
    data: Arc<Mutex<org::Data>>,
    /// The org's clock: sessions time out on it, records are created at its time.
    pub clock: kit::Clock,
    /// Faults in its API, switched at run time (`/sandbox/faults`).
    pub faults: kit::faults::FaultSwitch,
}

impl Salesforce {
    /// Checks `settings` (a message that says what to fix) and seeds the orgs. `None`
    /// when no consumer secret is set.
    pub fn new(settings: Settings, port: u16, worker_url: &str) -> Result<Option<Salesforce>, String> {
        let Some(secret) = settings.consumer_secret.clone().filter(|s| !s.trim().is_empty()) else { return Ok(None) };
        if secret.trim().len() < 16 {
            return Err("SALESFORCE_CONSUMER_SECRET must be at least 16 characters".into());
        }
        if settings.session_seconds < 1 {
            return Err("--salesforce-session-seconds must be at least 1".into());
        }
        Ok(Some(Salesforce {
            settings: Arc::new(settings),
            consumer_secret: Arc::new(secret.trim().to_owned()),
            lightning_origin: format!("http://localhost:{port}"),
            my_domain_origin: format!("http://127.0.0.1:{port}"),
            worker_url: worker_url.trim_end_matches('/').to_owned(),
            data: Arc::new(Mutex::new(org::Data::fixtures(chrono::Utc::now().timestamp()))),
            clock: kit::Clock::default(),
            faults: Default::default(),
        }))
    }

    fn data(&self) -> MutexGuard<'_, org::Data> {
        // A panic while holding the lock leaves plain data behind: keep serving it.
        self.data.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Where OAuth sends the admin back: the callback URL registered for our app.
    fn callback_url(&self) -> String {
        format!("{}/install/salesforce/callback", self.worker_url)
    }

    /// The canvas app URL.
    fn canvas_url(&self) -> String {
        format!("{}/embed/salesforce", self.worker_url)
    }
}

/// Unix seconds.
/// The local Salesforce's routes.
pub fn router(salesforce: Salesforce) -> Router {
    // What the app calls: faults, when switched on, hit these.
    let api = salesforce.faults.around(
        Router::new()
            .merge(
                kit::oauth::Endpoints::new(&salesforce, "/services/oauth2/token", "/services/oauth2/revoke").router(),
            )
            .route("/services/oauth2/userinfo", get(oauth::userinfo))
            .route("/services/data/{version}/query", get(rest::query))
            .route("/services/data/{version}/sobjects/Opportunity/{id}", patch(rest::patch_opportunity))
            .route("/services/data/{version}/sobjects/Task", post(rest::create_task))
            .route("/services/data/{version}/sobjects/ContentVersion", post(rest::create_content_version)),
    );
    Router::new()
        .merge(api)
        .merge(salesforce.faults.routes())
        .route("/", get(lightning::home))
        .merge(crate::kit::desk::routes(&salesforce))
        .route("/lightning/o/Opportunity/list", get(lightning::opportunity_list))
        .route("/lightning/o/Opportunity/new", post(lightning::new_opportunity))
        .route("/lightning/r/Opportunity/{id}/view", get(lightning::record_page))
        .route("/canvas/frame", get(lightning::canvas_frame))
        .route("/canvas/refresh", get(lightning::canvas_refresh))
        .route("/appexchange", get(lightning::appexchange))
        .route("/sandbox/opportunities/{id}", get(rest::peek_opportunity))
        .route("/sandbox/opportunities", post(rest::create_opportunity))
        .route("/health", get(|| async { Json(serde_json::json!({ "status": "ok" })) }))
        .layer(axum::middleware::from_fn(crate::loopback_host_only))
        .with_state(salesforce)
}
