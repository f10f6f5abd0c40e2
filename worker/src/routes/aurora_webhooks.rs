//! `GET /webhooks/aurora/...`: Aurora's deliveries. Checked, recorded, acknowledged at
//! once; processed in the background (never before the 200, which Aurora wants within 10 s).

use crate::{
    AppState,
    error::ApiError,
    jobs::{self, Kind, aurora_event::events},
    storage::{
        aurora_events::{self, AuroraEvent},
        session_tokens,
    },
};
use aurora_api::{DesignId, JobId, TenantId};
use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
    http::HeaderMap,
};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The auth header, compared in constant time: no timing tells a guesser how close it was.
fn check_auth(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let expected = state.config.aurora.webhook_token.expose().as_bytes();
    let given = headers.get(state.config.aurora.webhook_header.as_str()).map(|v| v.as_bytes()).unwrap_or_default();
    if bool::from(given.ct_eq(expected)) { Ok(()) } else { Err(ApiError::WebhookUnauthorized) }
}

/// The query of a performance simulation delivery.
#[derive(Deserialize)]
pub struct SimulationQuery {
    design_id: String,
    job_id: String,
    status: String,
    tenant_id: String,
    session_token: Option<String>,
}

/// The query of an app status delivery.
#[derive(Deserialize)]
pub struct AppStatusQuery {
    status: String,
    tenant_id: String,
    session_token: Option<String>,
}

fn invalid(field: &str, what: &str) -> ApiError {
    ApiError::InvalidWebhook(format!("{field} {what}"))
}

fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query.map(|Query(q)| q).map_err(|e| ApiError::InvalidWebhook(e.body_text()))
}

/// Records the event and its session token, answers at once, runs the event in the background.
async fn accept(state: AppState, event: AuroraEvent, session_token: Option<String>) -> Result<Json<Value>, ApiError> {
    let now = state.now();
    if let Some(token) = session_token.filter(|t| !t.is_empty() && t.len() <= 512) {
        session_tokens::hold(state.db(), &event.aurora_tenant_id, &token, now).await?;
    }
    let new = aurora_events::record(state.db(), &event, now).await?;
    if new {
        jobs::spawn(&state, Kind::AuroraEvent, vec![event.dedupe_key]);
    }
    Ok(Json(json!({ "received": true, "duplicate": !new })))
}

/// `GET /webhooks/aurora/performance-simulation?design_id&job_id&status&tenant_id&session_token`
pub async fn performance_simulation(
    State(state): State<AppState>,
    headers: HeaderMap,
    raw: Result<Query<SimulationQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    check_auth(&state, &headers)?;
    let q = query(raw)?;
    let design = DesignId::parse(&q.design_id).map_err(|_| invalid("design_id", "is not a UUID"))?;
    let job = JobId::parse(&q.job_id).map_err(|_| invalid("job_id", "is not a UUID"))?;
    let tenant = TenantId::parse(&q.tenant_id).map_err(|_| invalid("tenant_id", "is not a UUID"))?;
    if q.status != "succeeded" && q.status != "failed" {
        return Err(invalid("status", "must be succeeded or failed"));
    }
    let event = AuroraEvent {
        // One job ends once; a second delivery of it is a duplicate.
        dedupe_key: format!("{}:{job}:{}", events::SIMULATION_COMPLETED, q.status),
        event: events::SIMULATION_COMPLETED.into(),
        aurora_tenant_id: tenant.to_string(),
        design_id: Some(design.to_string()),
        job_id: Some(job.to_string()),
        status: q.status,
    };
    accept(state, event, q.session_token).await
}

/// `GET /webhooks/aurora/app-status?app_id&status&tenant_id&session_token`
pub async fn app_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    raw: Result<Query<AppStatusQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    check_auth(&state, &headers)?;
    let q = query(raw)?;
    let tenant = TenantId::parse(&q.tenant_id).map_err(|_| invalid("tenant_id", "is not a UUID"))?;
    if q.status != "enabled" && q.status != "disabled" {
        return Err(invalid("status", "must be enabled or disabled"));
    }
    // Toggles repeat legitimately; a repeated delivery carries the same session token.
    let delivery = hex::encode(&Sha256::digest(q.session_token.as_deref().unwrap_or_default().as_bytes())[..8]);
    let event = AuroraEvent {
        dedupe_key: format!("{}:{tenant}:{}:{delivery}", events::APP_STATUS_CHANGED, q.status),
        event: events::APP_STATUS_CHANGED.into(),
        aurora_tenant_id: tenant.to_string(),
        design_id: None,
        job_id: None,
        status: q.status,
    };
    accept(state, event, q.session_token).await
}
