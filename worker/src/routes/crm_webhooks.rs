//! `POST /webhooks/crm/{crm}`: a CRM's webhooks. Verified by the CRM's integration
//! (timestamp, then signature), recorded (a repeated delivery id does nothing),
//! acknowledged at once, run in the background from the record (see `jobs`).

use super::{Json, Path};
use crate::{
    AppState,
    crm::{Crm, CrmWebhookError},
    error::ApiError,
    jobs::{self, Kind},
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
use serde_json::{Value, json};

pub async fn receive(
    State(state): State<AppState>,
    Path(crm): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = body.map_err(|_| ApiError::BodyTooLarge)?;
    let crm = Crm::parse(&crm)?;
    let now = state.now();
    let deliveries = match crm.integration().verify_webhook(&state, &headers, &body, now) {
        Err(CrmWebhookError::NotConfigured) => return Err(ApiError::NotFound),
        other => other?,
    };
    let (mut received, mut duplicates, mut ignored) = (0, 0, 0);
    for delivery in deliveries {
        let db = state.db();
        if installations::find(db, crm, &delivery.account_id).await?.is_none() {
            // Not (or no longer) installed: acknowledged, so the CRM stops retrying, and ignored.
            ignored += 1;
            continue;
        }
        let event = CrmEvent {
            crm,
            delivery_id: delivery.delivery_id,
            account_id: delivery.account_id,
            event: serde_json::to_string(&delivery.event).map_err(|e| CrmWebhookError::InvalidBody(e.to_string()))?,
            payload_json: delivery.payload_json,
        };
        let fresh = crm_events::record(db, &event, now).await?;
        installations::record_crm_webhook(db, crm, &event.account_id, now).await?;
        if fresh {
            received += 1;
            jobs::spawn(&state, Kind::CrmEvent, event.job_key());
        } else {
            duplicates += 1;
            tracing::info!(delivery = %event.delivery_id, "CRM delivery seen before; ignored");
        }
    }
    let mut answer = json!({ "received": true, "duplicate": received == 0 && duplicates > 0 });
    if ignored > 0 && received == 0 && duplicates == 0 {
        answer["ignored"] = json!("not installed");
    }
    Ok(Json(answer))
}
