//! A local Pipedrive, as section 1 of the CRM embedding notes describes it: two companies
//! with users who sign in; the marketplace's OAuth (consent, the token endpoint with HTTP
//! Basic client auth, `api_domain` per company, refresh tokens that rotate, revoke); the
//! API our app calls (users/me, deals, organizations and persons with their addresses,
//! deal fields with per-company keys, PATCH of a deal's custom fields, webhooks); webhooks
//! v2 on new deals with HTTP Basic credentials, retried at +3 s, +30 s, +150 s; the
//! uninstall `DELETE` to the app's callback; and deal pages whose sidebar frames our panel
//! with the documented query parameters and a JWT, answers the app extensions SDK's
//! protocol over the transferred port, and hides the panel when `initialize` has not
//! arrived within 10 seconds.

mod api;
pub mod company;
mod oauth;
mod web;

use axum::{
    Json, Router,
    routing::{get, post},
};
use std::sync::{Arc, Mutex, MutexGuard};

/// Our app's registration in this Pipedrive (Developer Hub).
#[derive(Debug, Clone, clap::Args)]
#[group(id = "pipedrive_settings")]
#[command(next_help_heading = "Local Pipedrive")]
pub struct Settings {
    /// The app's client id. Must equal the worker's PIPEDRIVE_CLIENT_ID.
    #[arg(
        id = "pipedrive_client_id",
        long = "pipedrive-client-id",
        env = "PIPEDRIVE_CLIENT_ID",
        default_value = "aurora-solar-pipedrive-local-client"
    )]
    pub client_id: String,
    /// Its client secret; with no panel JWT secret set, it also signs the panel's token.
    /// Must equal the worker's PIPEDRIVE_CLIENT_SECRET. Unset: no local Pipedrive.
    #[arg(
        id = "pipedrive_client_secret",
        long = "pipedrive-client-secret",
        env = "PIPEDRIVE_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<String>,
    /// How long access tokens live.
    #[arg(id = "pipedrive_token_seconds", long = "pipedrive-token-seconds", default_value_t = 3599)]
    pub token_seconds: i64,
    /// Ask a user who allowed the app before to allow it again. Pipedrive does not document
    /// whether its authorize page remembers a consent; by default the stand-in does (the
    /// worker's restart of a Marketplace install then costs no second click).
    #[arg(id = "pipedrive_consent_again", long = "pipedrive-consent-again")]
    pub consent_again: bool,
    /// The app's custom modal in Developer Hub (no entry point, opened from the panel with
    /// the SDK's `open_modal` by its id or name), framing the same URL as the panel. Its id;
    /// the worker's PIPEDRIVE_DESIGN_MODAL names it.
    #[arg(
        id = "pipedrive_design_modal_id",
        long = "pipedrive-design-modal-id",
        default_value = "9c1d4e2a-6b7f-4a38-8e15-a0b3c5d7e9f1"
    )]
    pub design_modal_id: String,
    /// Frame a custom modal opened from the panel with the panel's selection too
    /// (`resource`, `view`, `selectedIds`) besides `data`. Pipedrive documents the query
    /// of custom UI extensions in general (https://pipedrive.readme.io/docs/custom-ui-extensions)
    /// and that `data` reaches the modal (app-extensions-sdk README, "Custom modal"), not
    /// whether a modal opened by the SDK gets the selection: by default it does not.
    #[arg(id = "pipedrive_modal_selection", long = "pipedrive-modal-selection")]
    pub modal_selection: bool,
}

/// The custom modal's name in Developer Hub ("max 30 characters and should be
/// sentence-cased": https://pipedrive.readme.io/docs/custom-ui-extensions-modals).
pub const DESIGN_MODAL_NAME: &str = "Aurora Solar design";

/// The local Pipedrive. Cheap to clone.
#[derive(Clone)]
pub struct Pipedrive {
    settings: Arc<Settings>,
    client_secret: Arc<String>,
    /// `http://127.0.0.1:<port>`: its pages, OAuth and API (every company's `api_domain`).
    pub origin: String,
    /// Our worker (the panel's iframe URL, the callback URL).
    pub worker_url: String,
    data: Arc<Mutex<company::Data>>,
    http: reqwest::Client,
    /// Faults in its API, switched at run time (`/sandbox/faults`).
    pub faults: crate::kit::faults::FaultSwitch,
}

impl Pipedrive {
    /// Checks `settings` and seeds the companies; `None` without a client secret.
    pub fn new(settings: Settings, port: u16, worker_url: &str) -> Result<Option<Pipedrive>, String> {
        let Some(secret) = settings.client_secret.clone().filter(|s| !s.trim().is_empty()) else { return Ok(None) };
        if secret.trim().len() < 16 {
            return Err("PIPEDRIVE_CLIENT_SECRET must be at least 16 characters".into());
        }
        Ok(Some(Pipedrive {
            settings: Arc::new(settings),
            client_secret: Arc::new(secret.trim().to_owned()),
            origin: format!("http://127.0.0.1:{port}"),
            worker_url: worker_url.trim_end_matches('/').to_owned(),
            data: Arc::new(Mutex::new(company::Data::fixtures())),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| e.to_string())?,
            faults: Default::default(),
        }))
    }

    /// The companies' data, for the routes and for tests that set up what Pipedrive holds.
    pub fn data(&self) -> MutexGuard<'_, company::Data> {
        self.data.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The app's callback URL (OAuth's redirect, and the uninstall `DELETE`).
    fn callback_url(&self) -> String {
        format!("{}/install/pipedrive/callback", self.worker_url)
    }
}

/// Unix seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The local Pipedrive's routes.
pub fn router(pipedrive: Pipedrive) -> Router {
    // What the app calls: faults, when switched on, hit these.
    let api = pipedrive.faults.around(
        Router::new()
            .merge(crate::kit::oauth::Endpoints::new(&pipedrive, "/oauth/token", "/oauth/revoke").router())
            .route("/api/v1/users/me", get(api::me))
            .route("/api/v2/deals/{id}", get(api::deal).patch(api::patch_deal))
            .route("/api/v1/deals/{id}/permittedUsers", get(api::permitted_users))
            .route("/api/v2/organizations/{id}", get(api::organization))
            .route("/api/v2/persons/{id}", get(api::person))
            .route("/api/v1/dealFields", get(api::deal_fields).post(api::create_deal_field))
            .route("/api/v1/notes", post(api::add_note))
            .route("/api/v1/files", post(api::add_file))
            .route("/api/v2/stages", get(api::stages))
            .route("/api/v2/pipelines", get(api::pipelines))
            .route("/api/v1/webhooks", get(api::webhooks).post(api::create_webhook)),
    );
    Router::new()
        .merge(api)
        .merge(pipedrive.faults.routes())
        .route("/", get(web::home))
        .merge(crate::kit::desk::routes(&pipedrive))
        .route("/deal/{id}", get(web::deal_page))
        .route("/deals/new", post(web::new_deal))
        .route("/marketplace", get(web::marketplace))
        .route("/settings/marketplace/app/{client_id}/app-settings", get(web::app_settings))
        .route("/marketplace/uninstall", post(web::uninstall))
        .route("/sandbox/panel-token", get(web::panel_token))
        .route("/sandbox/modal", get(web::open_modal))
        .route("/sandbox/theme", post(web::switch_theme))
        .route("/sandbox/deals/{id}", get(api::peek_deal))
        .route("/sandbox/deliveries", get(api::deliveries))
        .route("/health", get(|| async { Json(serde_json::json!({ "status": "ok" })) }))
        .layer(axum::middleware::from_fn(crate::loopback_host_only))
        .with_state(pipedrive)
}
