//! A small CRM standing in for a real one, on its own origin: accounts, users who sign
//! in, opportunities, a marketplace listing our app, an OAuth 2.0 authorization-code
//! install flow, an API apps call with their access token, signed webhooks on new
//! opportunities, and opportunity pages that embed our widget in a sized iframe with a
//! signed context, exactly as a CRM's app extension would.
//!
//! What it promises apps (our worker relies on exactly this; README "Demo CRM"):
//! - `GET /oauth/authorize?response_type=code&client_id&redirect_uri&state&scope`: an
//!   admin of the account consents; back to `redirect_uri?code&state` (or `error`).
//! - `POST /oauth/token` (form: `grant_type=authorization_code|refresh_token`, `code`,
//!   `redirect_uri`, `refresh_token`, `client_id`, `client_secret`) -> `access_token`,
//!   `refresh_token`, `expires_in`, `account_id`; `POST /oauth/revoke` (form: `token`,
//!   client credentials) uninstalls the app from the account.
//! - `Authorization: Bearer` API: `GET /api/v1/me`, `GET|POST /api/v1/webhooks`,
//!   `DELETE /api/v1/webhooks/{id}`, `GET|PATCH /api/v1/opportunities/{id}`.
//! - Webhooks: `POST target_url`, JSON body, `X-DemoCRM-Delivery` (an id, the same for
//!   every retry), `X-DemoCRM-Timestamp` (unix seconds) and `X-DemoCRM-Signature:
//!   v1=hex(HMAC-SHA256(client_secret, timestamp + "." + body))`.
//! - Signed context in the iframe URL: `?context=` an HS256 JWT signed with the client
//!   secret, valid 10 minutes.

mod api;
mod fixtures;
mod oauth;
mod pages;
mod signing;
mod state;
mod web;
mod webhooks;

pub use fixtures::PASSWORD as FIXTURE_PASSWORD;
pub use state::{Crm, Role};

use crate::aurora::Faults;
use axum::{
    Json, Router,
    routing::{delete, get, post},
};

/// How the demo CRM reaches our worker, and the credentials it issued our app.
#[derive(Debug, Clone, clap::Args)]
#[group(id = "demo_crm_settings")]
#[command(next_help_heading = "Demo CRM")]
pub struct Settings {
    /// Base URL of our worker: the iframe's origin, and where OAuth may redirect.
    #[arg(long, env = "SANDBOX_WORKER_URL", default_value = "http://127.0.0.1:8787")]
    pub worker_url: String,
    /// The OAuth client id the CRM issued our app. Must equal the worker's DEMO_CRM_CLIENT_ID.
    #[arg(long, env = "DEMO_CRM_CLIENT_ID", default_value = "aurora-solar-for-crms")]
    pub client_id: String,
    /// The OAuth client secret the CRM issued our app; it also signs iframe contexts and
    /// webhooks. Must equal the worker's DEMO_CRM_CLIENT_SECRET.
    #[arg(long, env = "DEMO_CRM_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: String,
    /// How long an access token lives (short values exercise the app's refresh).
    #[arg(long, default_value_t = 3600)]
    pub access_token_ttl_seconds: u64,
    /// Faults on the CRM's API and webhooks (switchable at runtime: PUT /sandbox/faults on
    /// the CRM's origin). Not flags: the Aurora sandbox's fault flags share the command line.
    #[arg(skip)]
    pub faults: Faults,
}

impl Settings {
    /// Checks the settings, with a message that says what to fix.
    pub fn validated(self) -> Result<Self, String> {
        if self.client_secret.len() < 32 {
            return Err("DEMO_CRM_CLIENT_SECRET must be at least 32 characters".into());
        }
        if self.client_id.trim().is_empty() {
            return Err("DEMO_CRM_CLIENT_ID must not be empty".into());
        }
        if !self.worker_url.starts_with("http://") && !self.worker_url.starts_with("https://") {
            return Err(format!("--worker-url {}: give an http(s) URL", self.worker_url));
        }
        if self.access_token_ttl_seconds == 0 {
            return Err("--access-token-ttl-seconds must be at least 1".into());
        }
        Ok(Settings { worker_url: self.worker_url.trim_end_matches('/').to_owned(), ..self })
    }
}

/// The demo CRM's routes.
pub fn router(crm: Crm) -> Router {
    let oauth = crate::kit::oauth::Endpoints::new(&crm, "/oauth/token", "/oauth/revoke");
    let api = oauth
        .app
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/webhooks", get(api::list_webhooks).post(api::create_webhook))
        .route("/api/v1/webhooks/{id}", delete(api::delete_webhook))
        .route("/api/v1/opportunities/{id}", get(api::get_opportunity).patch(api::patch_opportunity))
        .route("/api/v1/opportunities/{id}/activities", post(api::add_activity))
        .route("/api/v1/stages", get(api::stages))
        .route("/api/v1/opportunities/{id}/attachments", post(api::add_attachment))
        .layer(axum::middleware::from_fn_with_state(crm.clone(), inject_faults));
    Router::new()
        .merge(api)
        .route("/", get(web::opportunity_list))
        .route("/login", get(web::login_page).post(web::login))
        .route("/logout", post(web::logout))
        .route("/opportunities", post(web::create_opportunity))
        .route("/opportunities/new", get(web::new_opportunity_page))
        .route("/opportunities/{id}", get(web::opportunity_page))
        .route("/opportunities/{id}/widget-url", get(web::widget_url))
        .route("/opportunities/{id}/stage", post(web::set_stage))
        .route("/marketplace", get(web::marketplace))
        .route("/marketplace/aurora-solar/logo.svg", get(web::logo))
        .merge(oauth.browser)
        .route("/sandbox/faults", get(get_faults).put(put_faults))
        .route("/sandbox/deliveries", get(deliveries))
        .route("/sandbox/opportunities/{id}", get(api::peek_opportunity))
        .route("/health", get(|| async { Json(serde_json::json!({ "status": "ok" })) }))
        .layer(axum::middleware::from_fn(crate::loopback_host_only))
        .with_state(crm)
}

async fn inject_faults(
    axum::extract::State(crm): axum::extract::State<Crm>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let faults = {
        let mut state = crm.state();
        if request.uri().path() == "/oauth/token" {
            state.token_requests += 1;
        }
        let mut faults = state.faults.clone();
        if state.drop_next_answers > 0 {
            state.drop_next_answers -= 1;
            faults.dropped = 1.0;
        }
        faults
    };
    crate::aurora::faults::apply(&faults, "1", request, next).await
}

async fn get_faults(axum::extract::State(crm): axum::extract::State<Crm>) -> Json<Faults> {
    Json(crm.state().faults.clone())
}

async fn put_faults(
    axum::extract::State(crm): axum::extract::State<Crm>,
    body: Result<Json<Faults>, axum::extract::rejection::JsonRejection>,
) -> axum::response::Response {
    use axum::{http::StatusCode, response::IntoResponse};
    let faults = match body {
        Ok(Json(faults)) => faults,
        Err(e) => return api::error(StatusCode::BAD_REQUEST, "invalid_request", &e.body_text()),
    };
    if let Err(message) = faults.validate() {
        return api::error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", &message);
    }
    tracing::info!("demo CRM faults now {faults:?}");
    crm.state().faults = faults.clone();
    Json(faults).into_response()
}

async fn deliveries(axum::extract::State(crm): axum::extract::State<Crm>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "deliveries": crm.state().deliveries.clone() }))
}
