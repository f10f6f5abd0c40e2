//! `GET /webhooks/aurora/...`: Aurora's deliveries. Past the auth check every delivery is
//! recorded and acknowledged at once, whatever its query holds: a 4xx makes Aurora retry
//! and, after about two days of failures, disable the subscription for every customer.
//! What a delivery means (and whether it is usable) is decided in the background, from the
//! record (see `jobs::aurora_event`).

use super::Path;
use super::SharedState;
use crate::{
    AppState,
    error::ApiError,
    jobs::{self, Kind, aurora_delivery::Received, aurora_event, sale_event},
    storage::aurora_events,
};
use aurora_api::TenantId;
use axum::{
    Json,
    extract::{RawQuery, State},
    http::HeaderMap,
};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

/// The auth header, compared in constant time: no timing tells a guesser how close it was.
fn check_auth(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let expected = state.config.aurora.webhook_token.expose().as_bytes();
    let given = headers.get(state.config.aurora.webhook_header.as_str()).map(|v| v.as_bytes()).unwrap_or_default();
    if bool::from(given.ct_eq(expected)) { Ok(()) } else { Err(ApiError::WebhookUnauthorized) }
}

/// Records the delivery and its session token, answers at once, runs it in the background.
async fn accept(state: &AppState, received: Received) -> Result<Json<Value>, ApiError> {
    let now = state.now();
    let Received { event, session_token } = received;
    // A session token is only of use for a tenant we can name. Holding one is optional
    // (keys are minted without): one that cannot be sealed is dropped. It is held with the
    // record, in one commit, and only from a first delivery (see `aurora_events::record`).
    let sealed = session_token.filter(|_| TenantId::parse(&event.aurora_tenant_id).is_ok()).and_then(|token| {
        crate::temporary_keys::seal_session_token(state, &event.aurora_tenant_id, &token)
            .inspect_err(|error| tracing::warn!(%error, "a session token could not be sealed; not held"))
            .ok()
    });
    let new = aurora_events::record(state.db(), &event, sealed.as_deref(), now).await?;
    if new {
        jobs::spawn(state, Kind::AuroraEvent, vec![event.dedupe_key]);
    }
    Ok(Json(json!({ "received": true, "duplicate": !new })))
}

/// `GET /webhooks/aurora/performance-simulation?design_id&job_id&status&tenant_id&session_token`
pub async fn performance_simulation(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    check_auth(&state, &headers)?;
    accept(&state, aurora_event::simulation_delivery(query.as_deref().unwrap_or_default())).await
}

/// `GET /webhooks/aurora/app-status?app_id&status&tenant_id&session_token`
pub async fn app_status(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    check_auth(&state, &headers)?;
    let received = aurora_event::app_status_delivery(query.as_deref().unwrap_or_default(), state.now());
    accept(&state, received).await
}

/// `GET /webhooks/aurora/agreement-status?project_id&design_id&agreement_id&financing_id&status&tenant_id&session_token`
pub async fn agreement_status(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    check_auth(&state, &headers)?;
    accept(&state, sale_event::agreement_delivery(query.as_deref().unwrap_or_default())).await
}

/// `GET /webhooks/aurora/financing-status?design_id&financing_id&status&tenant_id&session_token`
pub async fn financing_status(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    check_auth(&state, &headers)?;
    accept(&state, sale_event::lender_delivery(query.as_deref().unwrap_or_default(), state.now())).await
}

/// `GET /webhooks/aurora/milestone?project_id&design_id&status&source&tenant_id&session_token`
pub async fn milestone(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    check_auth(&state, &headers)?;
    accept(&state, sale_event::milestone_delivery(query.as_deref().unwrap_or_default())).await
}

/// `GET /webhooks/aurora/project-status?project_id&status&tenant_id&session_token`
pub async fn project_status(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    check_auth(&state, &headers)?;
    accept(&state, sale_event::project_status_delivery(query.as_deref().unwrap_or_default())).await
}

/// `GET /webhooks/aurora/checks/{marker}`, with the webhook auth header: whether a test
/// delivery marked `marker` arrived (`aurora-crm-worker check-webhooks` asks, from anywhere
/// the operator runs it, which is how it checks a Cloudflare deployment too).
pub async fn check(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(marker): Path<String>,
) -> Result<Json<Value>, ApiError> {
    check_auth(&state, &headers)?;
    let received = aurora_events::find(state.db(), &aurora_event::check_key(&marker)).await?.is_some();
    Ok(Json(json!({ "received": received })))
}
