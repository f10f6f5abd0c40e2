//! Webhook deliveries to apps: `POST` of a JSON body signed with the app's client secret.
//! A delivery that gets no 2xx in 10 s is retried (1 s, 4 s, 16 s, 60 s) with the same
//! delivery id and a fresh timestamp and signature. Faults may send a delivery twice.

use super::{
    api::opportunity_json,
    signing::webhook_signature,
    state::{Crm, DeliveryRecord, Opportunity, new_token, unix_now},
};
use crate::aurora::Faults;
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
    for attempt in 0..=RETRY_SCHEDULE.len() {
        if attempt > 0 {
            tokio::time::sleep(RETRY_SCHEDULE[attempt - 1]).await;
        }
        let timestamp = unix_now();
        let outcome = crm
            .http
            .post(&target)
            .timeout(Duration::from_secs(10))
            .header("content-type", "application/json")
            .header("x-democrm-delivery", &delivery_id)
            .header("x-democrm-timestamp", timestamp.to_string())
            .header("x-democrm-signature", webhook_signature(&crm.settings.client_secret, timestamp, body.as_bytes()))
            .body(body.clone())
            .send()
            .await;
        let (status, error) = match &outcome {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        tracing::info!(
            "demo CRM webhook {delivery_id} attempt {} -> {status:?} {}",
            attempt + 1,
            error.as_deref().unwrap_or("")
        );
        crm.state().deliveries.push(DeliveryRecord {
            delivery_id: delivery_id.clone(),
            event: "opportunity.created".into(),
            account_id: account_id.clone(),
            attempt: attempt as u32 + 1,
            status,
            error,
        });
        if status.is_some_and(|s| (200..300).contains(&s)) {
            return;
        }
    }
}
