//! A local HubSpot, as section 2 of the CRM embedding notes describes it: two portals with
//! users who sign in (Super Admins install apps); OAuth v3 (consent for the scopes our
//! project declares, refused when the install URL asks for others; the token, introspect
//! and revoke endpoints with every parameter in the form body; 30-minute access tokens);
//! the CRM API our app calls (deals with associations, companies and contacts with their
//! default address properties, deal properties created per portal, PATCH of a deal's
//! properties, users' Super Admin flag written as HubSpot's own example writes it, a
//! string), with HubSpot's error bodies and its 10-second rolling rate limit; webhooks
//! (batches of events for new deals and stage changes, signed v3 over the target URL,
//! retried); and deal record pages that run our app card (the project's own code, built
//! against a stand-in of `@hubspot/ui-extensions`), sign its `hubspot.fetch` calls with
//! the identity parameters HubSpot appends, and open its iframe modal.

mod api;
mod journal;
mod oauth;
pub mod portal;
pub mod signing;
mod web;

use axum::{
    Json, Router,
    routing::{get, post},
};
use std::sync::{Arc, Mutex, MutexGuard};

/// Our app's registration in this HubSpot (the project's Auth tab).
#[derive(Debug, Clone, clap::Args)]
#[group(id = "hubspot_settings")]
#[command(next_help_heading = "Local HubSpot")]
pub struct Settings {
    /// The app's client id. Must equal the worker's HUBSPOT_CLIENT_ID.
    #[arg(
        id = "hubspot_client_id",
        long = "hubspot-client-id",
        env = "HUBSPOT_CLIENT_ID",
        default_value = "aurora-solar-hubspot-local-client"
    )]
    pub client_id: String,
    /// Its client secret: OAuth, and the key of every signature. Must equal the worker's
    /// HUBSPOT_CLIENT_SECRET. Unset: no local HubSpot.
    #[arg(
        id = "hubspot_client_secret",
        long = "hubspot-client-secret",
        env = "HUBSPOT_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<String>,
    /// The app's id, appended to every `hubspot.fetch`. Must equal the worker's HUBSPOT_APP_ID.
    #[arg(id = "hubspot_app_id", long = "hubspot-app-id", env = "HUBSPOT_APP_ID", default_value = "4242001")]
    pub app_id: u64,
    /// How long access tokens live (HubSpot: 30 minutes).
    #[arg(id = "hubspot_token_seconds", long = "hubspot-token-seconds", default_value_t = 1800)]
    pub token_seconds: i64,
    /// The app card's bundle (`cargo xtask build` writes it).
    #[arg(
        id = "hubspot_card_js",
        long = "hubspot-card-js",
        env = "HUBSPOT_CARD_JS",
        default_value = "dist/hubspot/deal-card.js"
    )]
    pub card_js: std::path::PathBuf,
    /// Requests a portal's app may make in 10 seconds (HubSpot: 100 for a public app).
    #[arg(id = "hubspot_requests_per_10s", long = "hubspot-requests-per-10s", default_value_t = 100)]
    pub requests_per_10s: usize,
    /// What `hubspot.fetch` appends to the card's calls. HubSpot documents `appId` only
    /// ("The `appId` query parameter is automatically included in all data fetch requests",
    /// HubSpot/ui-extensions-examples, legacy-card-converter README); the app needs the portal
    /// and user too. `appended` (our reading) adds `portalId`, `userId` and `userEmail`.
    #[arg(
        id = "hubspot_fetch_identity",
        long = "hubspot-fetch-identity",
        value_enum,
        default_value_t = FetchIdentity::Appended
    )]
    pub fetch_identity: FetchIdentity,
    /// How the journal writes an `APP_UNINSTALL` event. HubSpot's docs show no lifecycle
    /// event's fields: `object-style` (our reading) has the fields of the journal's object
    /// events as HubSpot's journal CLI reads them (`type`, `action`, `portalId`, RFC 3339
    /// `occurredAt`: `sejal27/sej-webhooks-journal` `src/types/api.ts`); `webhook-style`
    /// those of its v3 webhook payloads (`subscriptionType`, `eventType`, `portalId` as a
    /// string, `occurredAt` in epoch milliseconds).
    #[arg(
        id = "hubspot_journal_events",
        long = "hubspot-journal-events",
        value_enum,
        default_value_t = JournalEvents::ObjectStyle
    )]
    pub journal_events: JournalEvents,
}

/// The readings of a journal's `APP_UNINSTALL` event (see [`Settings::journal_events`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JournalEvents {
    /// `{type, action, portalId, appId, occurredAt: RFC 3339}`.
    ObjectStyle,
    /// `{subscriptionType, eventType, portalId: "digits", appId, occurredAt: epoch ms}`.
    WebhookStyle,
}

/// The readings of what `hubspot.fetch` appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FetchIdentity {
    /// `appId`, `portalId`, `userId` and `userEmail`.
    Appended,
    /// `appId` only: what HubSpot documents.
    AppIdOnly,
}

/// The local HubSpot. Cheap to clone.
#[derive(Clone)]
pub struct HubSpot {
    settings: Arc<Settings>,
    client_secret: Arc<String>,
    /// `http://127.0.0.1:<port>`: its pages, OAuth and API.
    pub origin: String,
    /// Our worker (the app's `permittedUrls`, redirect and webhook target).
    pub worker_url: String,
    data: Arc<Mutex<portal::Data>>,
    http: reqwest::Client,
    /// Faults in its API, switched at run time (`/sandbox/faults`).
    pub faults: crate::kit::faults::FaultSwitch,
}

impl HubSpot {
    /// Checks `settings` and seeds the portals; `None` without a client secret.
    pub fn new(settings: Settings, port: u16, worker_url: &str) -> Result<Option<HubSpot>, String> {
        let Some(secret) = settings.client_secret.clone().filter(|s| !s.trim().is_empty()) else { return Ok(None) };
        if secret.trim().len() < 16 {
            return Err("HUBSPOT_CLIENT_SECRET must be at least 16 characters".into());
        }
        Ok(Some(HubSpot {
            settings: Arc::new(settings),
            client_secret: Arc::new(secret.trim().to_owned()),
            origin: format!("http://127.0.0.1:{port}"),
            worker_url: worker_url.trim_end_matches('/').to_owned(),
            data: Arc::new(Mutex::new(portal::Data::fixtures())),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(15))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| e.to_string())?,
            faults: Default::default(),
        }))
    }

    fn data(&self) -> MutexGuard<'_, portal::Data> {
        self.data.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The app's redirect URL (`redirectUrls` in `app-hsmeta.json`, on the local worker).
    fn redirect_url(&self) -> String {
        format!("{}/install/hubspot/callback", self.worker_url)
    }

    /// The webhooks' `targetUrl` (`webhooks-hsmeta.json`, on the local worker).
    fn target_url(&self) -> String {
        format!("{}/webhooks/crm/hubspot", self.worker_url)
    }
}

/// Unix seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The local HubSpot's routes.
pub fn router(hubspot: HubSpot) -> Router {
    // What the app calls: faults, when switched on, hit these.
    let api = hubspot.faults.around(
        Router::new()
            .route("/crm/v3/properties/deals", post(api::create_property))
            .route("/crm/v3/objects/notes", post(api::create_note))
            .route("/files/v3/files", post(api::upload_file)),
    );
    Router::new()
        .merge(api)
        .merge(hubspot.faults.routes())
        .route("/", get(web::home))
        .merge(crate::kit::desk::routes(&hubspot))
        .route("/deal/{id}", get(web::deal_page))
        .route("/deals/new", post(web::new_deal))
        .route("/marketplace", get(web::marketplace))
        .route("/marketplace/uninstall", post(web::uninstall))
        .route("/card/deal-card.js", get(web::card_bundle))
        .route("/card/settings.js", get(web::settings_bundle))
        .route("/connected-apps/{app_id}/settings", get(web::app_settings))
        .merge(crate::kit::oauth::Endpoints::new(&hubspot, "/oauth/v3/token", "/oauth/v3/token/revoke").router())
        .route("/oauth/v3/token/introspect", post(oauth::introspect))
        .route("/oauth/v1/token", post(journal::app_token))
        .route("/webhooks-journal/subscriptions/2026-03", get(journal::subscriptions).post(journal::subscribe))
        .route("/webhooks-journal/journal/2026-03/{*at}", get(journal::entry))
        .route("/sandbox/journal-files/{offset}", get(journal::file))
        .route("/sandbox/journal", get(journal::peek))
        .route("/appinstalls/v3/external-install", axum::routing::delete(api::uninstall))
        .route("/settings/v3/users/{id}", get(api::user))
        .route("/crm/v3/objects/deals/{id}", get(api::deal).patch(api::patch_deal))
        .route("/crm/v3/pipelines/deals", get(api::deal_pipelines))
        .route("/crm/v3/objects/{kind}/{id}", get(api::object))
        .route("/sandbox/card-fetch", post(web::card_fetch))
        .route("/sandbox/deals/{id}", get(api::peek_deal))
        .route("/sandbox/deliveries", get(api::deliveries))
        .route("/health", get(|| async { Json(serde_json::json!({ "status": "ok" })) }))
        .layer(axum::middleware::from_fn(crate::loopback_host_only))
        .with_state(hubspot)
}
