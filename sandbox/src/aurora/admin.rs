//! `/sandbox/*`: controls that Aurora does not have, for people and tests: faults, a
//! user acting (a session token), tenants enabling or disabling the app, the delivery log,
//! and a peek at generated designs.

use super::{Faults, Sandbox, aurora_error, state::DesignRecord, webhooks};
use aurora_api::{
    DesignId, TenantId,
    webhooks::{WebhookEvent, placeholders},
};
use axum::{
    Json, Router,
    extract::{Path, State, rejection::JsonRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::json;

/// The admin routes.
pub fn router() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox/faults", get(get_faults).put(put_faults))
        .route("/sandbox/tenants/{tenant_id}/session-tokens", post(session_token))
        .route("/sandbox/tenants/{tenant_id}/app-status", post(app_status))
        .route("/sandbox/deliveries", get(deliveries))
        .route("/sandbox/designs", get(designs))
        .route("/sandbox/designs/{design_id}", get(design))
}

async fn get_faults(State(sandbox): State<Sandbox>) -> Json<Faults> {
    Json(sandbox.state().faults.clone())
}

async fn put_faults(State(sandbox): State<Sandbox>, body: Result<Json<Faults>, JsonRejection>) -> Response {
    let faults = match body {
        Ok(Json(faults)) => faults,
        Err(e) => return aurora_error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    if let Err(message) = faults.validate() {
        return aurora_error(StatusCode::UNPROCESSABLE_ENTITY, message);
    }
    tracing::info!("sandbox faults now {faults:?}");
    sandbox.state().faults = faults.clone();
    Json(faults).into_response()
}

fn known_tenant(sandbox: &Sandbox, id: &str) -> Result<TenantId, Response> {
    TenantId::parse(id)
        .ok()
        .filter(|t| sandbox.state().tenants.contains_key(t))
        .ok_or_else(|| aurora_error(StatusCode::NOT_FOUND, "Tenant not found"))
}

/// A user of the tenant acted in Aurora: here is the session token Aurora would hand out.
async fn session_token(State(sandbox): State<Sandbox>, Path(tenant_id): Path<String>) -> Response {
    match known_tenant(&sandbox, &tenant_id) {
        Ok(tenant) => Json(json!({ "session_token": sandbox.issue_session_token(tenant) })).into_response(),
        Err(response) => response,
    }
}

#[derive(Deserialize)]
struct AppStatus {
    enabled: bool,
}

/// A tenant admin enables or disables our app: fires `app_status_changed`.
async fn app_status(State(sandbox): State<Sandbox>, Path(tenant_id): Path<String>, body: Result<Json<AppStatus>, JsonRejection>) -> Response {
    let tenant = match known_tenant(&sandbox, &tenant_id) {
        Ok(tenant) => tenant,
        Err(response) => return response,
    };
    let Ok(Json(AppStatus { enabled })) = body else {
        return aurora_error(StatusCode::BAD_REQUEST, "Body must be {\"enabled\": true|false}");
    };
    if let Some(t) = sandbox.state().tenants.get_mut(&tenant) {
        t.app_enabled = enabled;
    }
    let status = if enabled { "enabled" } else { "disabled" };
    webhooks::fire(&sandbox, WebhookEvent::AppStatusChanged, tenant, &[(placeholders::STATUS, status)]);
    Json(json!({ "tenant_id": tenant, "status": status })).into_response()
}

async fn deliveries(State(sandbox): State<Sandbox>) -> Response {
    Json(json!({ "deliveries": sandbox.state().deliveries.clone() })).into_response()
}

/// Every generated design, as [`design`] shows one.
async fn designs(State(sandbox): State<Sandbox>) -> Response {
    let all: Vec<_> = sandbox.state().designs.values().map(design_json).collect();
    Json(json!({ "designs": all })).into_response()
}

fn design_json(record: &DesignRecord) -> serde_json::Value {
    json!({
        "tenant_id": record.tenant, "project_id": record.project, "job_id": record.job,
        "succeeded": record.succeeded, "design": record.summary
    })
}

/// A generated design as the designer made it, to compare with what our product shows.
async fn design(State(sandbox): State<Sandbox>, Path(design_id): Path<String>) -> Response {
    let found = DesignId::parse(&design_id).ok().and_then(|id| sandbox.state().designs.get(&id).cloned());
    match found {
        Some(record) => Json(design_json(&record)).into_response(),
        None => aurora_error(StatusCode::NOT_FOUND, "Design not found"),
    }
}
