//! Webhook deliveries to apps: `POST` of a JSON body signed with the app's client secret.
//! A delivery that gets no 2xx in 10 s is retried (1 s, 4 s, 16 s, 60 s) with the same
//! delivery id and a fresh timestamp and signature. Faults may send a delivery twice.

use super::{
    api::opportunity_json,
    signing::webhook_signature,
    state::{Crm, DeliveryRecord, Opportunity, new_token, unix_now},
};
use crate::{aurora::Faults, kit};
use serde_json::json;
use std::time::Duration;

const RETRY_SCHEDULE: [Duration; 4] =
    [Duration::from_secs(1), Duration::from_secs(4), Duration::from_secs(16), Duration::from_secs(60)];

/// Tells every app subscribed in the opportunity's account that it was created.
pub fn opportunity_created(crm: &Crm, opportunity: &Opportunity) {
    let targets: Vec<String> = crm
        .state()
        .subscriptions
        .iter()
        .filter(|s| s.account_id == opportunity.account_id && s.event == "opportunity.created")
        .map(|s| s.target_url.clone())
        .collect();
    for target in targets {
        let delivery_id = new_token("dlv_");
        let body = json!({
            "id": delivery_id,
            "event": "opportunity.created",
            "account_id": opportunity.account_id,
            "occurred_at": unix_now(),
            "opportunity": opportunity_json(opportunity),
        })
        .to_string();
        let faults = crm.state().faults.clone();
        let copies = if Faults::draw(faults.duplicate_webhooks) { faults.duplicate_copies.max(2) } else { 1 };
        for _ in 0..copies {
            tokio::spawn(deliver_with_retries(
                crm.clone(),
                target.clone(),
                delivery_id.clone(),
                opportunity.account_id.clone(),
                body.clone(),
            ));
        }
    }
}

async fn deliver_with_retries(crm: Crm, target: String, delivery_id: String, account_id: String, body: String) {
    kit::deliver(&RETRY_SCHEDULE, |attempt| {
        let (crm, target, delivery_id, account_id, body) =
            (crm.clone(), target.clone(), delivery_id.clone(), account_id.clone(), body.clone());
        async move {
            let timestamp = unix_now();
            let signature = webhook_signature(&crm.settings.client_secret, timestamp, body.as_bytes());
            let outcome = crm
                .http
                .post(&target)
                .timeout(Duration::from_secs(10))
                .header("content-type", "application/json")
                .header("x-democrm-delivery", &delivery_id)
                .header("x-democrm-timestamp", timestamp.to_string())
                .header("x-democrm-signature", signature)
                .body(body)
                .send()
                .await;
            let (status, error) = match &outcome {
                Ok(response) => (Some(response.status().as_u16()), None),
                Err(e) => (None, Some(e.to_string())),
            };
            tracing::info!(
                "demo CRM webhook {delivery_id} attempt {attempt} -> {status:?} {}",
                error.as_deref().unwrap_or("")
            );
            let event = "opportunity.created".into();
            crm.state().deliveries.push(DeliveryRecord { delivery_id, event, account_id, attempt, status, error });
            status
        }
    })
    .await;
}
