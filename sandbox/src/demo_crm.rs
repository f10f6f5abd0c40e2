//! A small CRM standing in for a real one: opportunity pages that embed our widget in an
//! iframe with a signed context, exactly as a CRM's app extension would.

mod fixtures;
mod pages;
mod signing;

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    response::Html,
    routing::get,
};
use std::sync::Arc;

/// How the demo CRM reaches our worker and signs for it.
#[derive(Debug, Clone, clap::Args)]
#[group(id = "demo_crm_settings")]
#[command(next_help_heading = "Demo CRM")]
pub struct Settings {
    /// Base URL of our worker, used as the iframe's origin.
    #[arg(long, env = "SANDBOX_WORKER_URL", default_value = "http://127.0.0.1:8787")]
    pub worker_url: String,
    /// Shared secret the CRM signs opportunity contexts with (HS256). Must equal the
    /// worker's DEMO_CRM_SHARED_SECRET.
    #[arg(long, env = "DEMO_CRM_SHARED_SECRET", hide_env_values = true)]
    pub shared_secret: String,
}

impl Settings {
    /// Checks the settings, with a message that says what to fix.
    pub fn validated(self) -> Result<Self, String> {
        if self.shared_secret.len() < 32 {
            return Err("DEMO_CRM_SHARED_SECRET must be at least 32 characters".into());
        }
        if !self.worker_url.starts_with("http://") && !self.worker_url.starts_with("https://") {
            return Err(format!("--worker-url {}: give an http(s) URL", self.worker_url));
        }
        Ok(Settings { worker_url: self.worker_url.trim_end_matches('/').to_owned(), ..self })
    }
}

/// The demo CRM's routes.
pub fn router(settings: Settings) -> Router {
    Router::new()
        .route("/", get(opportunity_list))
        .route("/opportunities/{id}", get(opportunity_page))
        .with_state(Arc::new(settings))
}

async fn opportunity_list() -> Html<String> {
    Html(pages::opportunity_list(fixtures::OPPORTUNITIES))
}

async fn opportunity_page(
    State(settings): State<Arc<Settings>>,
    Path(id): Path<String>,
) -> Result<Html<String>, (StatusCode, Html<String>)> {
    let opportunity = fixtures::OPPORTUNITIES
        .iter()
        .find(|o| o.id == id)
        .ok_or_else(|| (StatusCode::NOT_FOUND, Html(pages::not_found(&id))))?;
    let context = signing::sign_context(opportunity, &settings.shared_secret)
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, Html(html_escape::encode_text(&e).into_owned())))?;
    let embed_url = format!("{}/embed/demo?context={context}", settings.worker_url);
    Ok(Html(pages::opportunity_page(opportunity, &embed_url, settings.worker_url.trim_end_matches('/'))))
}
