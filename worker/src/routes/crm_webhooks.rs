//! `POST /webhooks/crm/{crm}`: a CRM's webhooks. Verified by the CRM's integration
//! (timestamp, then signature), recorded (a repeated delivery id does nothing),
//! acknowledged at once, run in the background from the record (see `jobs`).

use super::SharedState;
use super::{Json, Path};
use crate::{
    crm::{Crm, CrmWebhookError},
    error::ApiError,
    jobs::{self, crm_event::Recorded},
};
use axum::{
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::HeaderMap,
};
use serde_json::{Value, json};

pub async fn receive(
    State(state): State<SharedState>,
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
        match jobs::crm_event::record_delivery(&state, crm, delivery, now).await? {
            Recorded::Fresh => received += 1,
            Recorded::Duplicate => duplicates += 1,
            // Not (or no longer) installed: acknowledged, so the CRM stops retrying, and ignored.
            Recorded::NotInstalled => ignored += 1,
        }
    }
    let mut answer = json!({ "received": true, "duplicate": received == 0 && duplicates > 0 });
    if ignored > 0 && received == 0 && duplicates == 0 {
        answer["ignored"] = json!("not installed");
    }
    Ok(Json(answer))
}
