//! `POST /webhooks/crm/demo`: the demo CRM's webhooks. Verified (timestamp, then
//! signature), recorded (a repeated delivery id does nothing), acknowledged at once,
//! processed in the background from the record.

use super::Json;
use crate::{
    AppState, automation,
    crm::demo::webhook::{self, CrmWebhookError, Delivery},
    error::ApiError,
    storage::{
        crm_events::{self, CrmEvent},
        installations,
    },
};
use axum::{
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::HeaderMap,
};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

pub async fn demo(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = body.map_err(|_| ApiError::BodyTooLarge)?;
    let config = state.config.demo_crm.as_ref().ok_or(ApiError::NotFound)?;
    let now = state.now() as i64;
    let verified = webhook::verify(config.client_secret.expose_secret().as_bytes(), &headers, &body, now)?;
    let delivery: Delivery = serde_json::from_slice(&body).map_err(|e| CrmWebhookError::InvalidBody(e.to_string()))?;
    if delivery.id != verified.delivery_id {
        return Err(CrmWebhookError::InvalidBody("the body's id is not the delivery header's".into()).into());
    }
    let db = state.db.as_ref();
    if installations::find(db, "demo", &delivery.account_id).await?.is_none() {
        // Not (or no longer) installed: acknowledged, so the CRM stops retrying, and ignored.
        return Ok(Json(json!({ "received": true, "ignored": "not installed" })));
    }
    let event = CrmEvent {
        crm: "demo".into(),
        delivery_id: delivery.id.clone(),
        account_id: delivery.account_id.clone(),
        event: delivery.event.clone(),
        payload_json: serde_json::to_string(&delivery.opportunity)
            .map_err(|e| CrmWebhookError::InvalidBody(e.to_string()))?,
        attempts: 0,
    };
    let fresh = crm_events::record(db, &event, now).await?;
    installations::record_crm_webhook(db, "demo", &delivery.account_id, now).await?;
    if fresh {
        let background = state.clone();
        state.background.spawn(Box::pin(async move { automation::process(&background, &event).await }));
    } else {
        tracing::info!(delivery = %delivery.id, "CRM delivery seen before; ignored");
    }
    Ok(Json(json!({ "received": true, "duplicate": !fresh })))
}
