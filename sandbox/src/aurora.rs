//! The Aurora partner-API stand-in: behaves as `aurora/CONTRACT.md` records
//! (application vs temporary keys, single-use session tokens, rate limits, Aurora's error
//! bodies, GET webhooks with header auth and retries), plus a simulated designer and
//! runtime-switchable faults.
//!
//! Durations Aurora measures in hours (token lifetimes, webhook retry schedule) are
//! divided by `--time-scale`, so tests can watch a 13-hour key expire in seconds.

mod admin;
mod auth;
pub mod designer;
pub mod faults;
mod partner;
pub mod sale;
mod settings;
mod state;
mod tenant;
pub mod variance;
mod webhooks;

pub use faults::Faults;
pub use settings::{DesignerSettings, Settings};
pub use state::Sandbox;
pub use variance::Variance;

use aurora_api::AuroraErrorBody;
use axum::{
    Json, Router,
    http::StatusCode,
    middleware,
    response::IntoResponse,
    routing::{get, post},
};

/// Aurora's error answer: a status and `{"errors":[{"message":...}]}`.
pub(crate) fn aurora_error(status: StatusCode, message: impl Into<String>) -> axum::response::Response {
    (status, Json(AuroraErrorBody::new(message))).into_response()
}

/// The Aurora sandbox's routes: Aurora's API, our `/sandbox/*` admin endpoints, `/health`.
pub fn router(sandbox: Sandbox) -> Router {
    let api = Router::new()
        .route("/partner_applications/{app_id}/tenants/{tenant_id}/create_token", post(partner::create_token))
        .route("/partner_applications/{app_id}/webhooks", get(partner::list_webhooks).post(partner::create_webhook))
        .route(
            "/partner_applications/{app_id}/webhooks/{webhook_id}",
            get(partner::get_webhook).put(partner::update_webhook),
        )
        .route("/application_partners/{app_id}/webhooks/{webhook_id}/trigger", post(partner::trigger_webhook))
        .route("/tenants/{tenant_id}/projects", post(tenant::create_project).get(tenant::list_projects))
        .route("/tenants/{tenant_id}/projects/{project_id}", get(tenant::get_project))
        .route("/tenants/{tenant_id}/projects/{project_id}/designs", get(tenant::list_designs))
        .route("/tenants/{tenant_id}/designs/{design_id}/summary", get(tenant::design_summary))
        .route("/tenants/{tenant_id}/designs/{design_id}/pricing", get(tenant::design_pricing))
        .merge(sale::tenant_routes())
        // Order matters: faults hit before the rate limit counts, as at a real edge.
        .layer(middleware::from_fn_with_state(sandbox.clone(), auth::rate_limit))
        .layer(middleware::from_fn_with_state(sandbox.clone(), inject_faults));
    Router::new()
        .merge(api)
        .merge(admin::router())
        .merge(sale::control_routes())
        .route("/health", get(|| async { Json(serde_json::json!({ "status": "ok" })) }))
        .fallback(|| async { aurora_error(StatusCode::NOT_FOUND, "Not found") })
        .layer(middleware::from_fn(log_request))
        .layer(middleware::from_fn(crate::loopback_host_only))
        .with_state(sandbox)
}

/// Middleware on Aurora's API routes: applies the faults in force.
async fn inject_faults(
    axum::extract::State(sandbox): axum::extract::State<Sandbox>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let (faults, variance) = {
        let state = sandbox.state();
        (state.faults.clone(), state.variance.enabled)
    };
    faults::apply(&faults, if variance { "0.5" } else { "1" }, request, next).await
}

/// One line per request: method, path (never the query: it carries session tokens),
/// status, milliseconds.
async fn log_request(request: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    tracing::info!("aurora {method} {path} -> {} ({} ms)", response.status().as_u16(), started.elapsed().as_millis());
    response
}
