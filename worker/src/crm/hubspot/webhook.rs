//! HubSpot's webhooks: a JSON array of up to 100 events per request, signed v3 over the
//! configured target URL. Each event is a delivery of its own, named by its `eventId`
//! (the same on HubSpot's retries), so a repeated event does nothing; a batch may carry
//! several portals' events. A deal's creation (`object.creation` on `0-3`, or the
//! legacy `deal.creation`) is a new opportunity; everything else is recorded as it is.

use super::signature;
use crate::crm::{CrmDelivery, CrmEventKind, CrmWebhookError};
use http::HeaderMap;
use serde_json::Value;

/// HubSpot's object type id of deals.
pub const DEAL_OBJECT_TYPE: &str = "0-3";

/// Most events in one request, as HubSpot batches them.
const MAX_EVENTS: usize = 100;

/// Verifies a webhook request to `target_url` at `now_ms` and reads its events.
pub fn verify(
    secret: &[u8],
    target_url: &str,
    headers: &HeaderMap,
    body: &[u8],
    now_ms: i64,
) -> Result<Vec<CrmDelivery>, CrmWebhookError> {
    signature::verify(secret, "POST", target_url, body, headers, now_ms).map_err(|error| match error {
        signature::SignatureError::Missing(header) => CrmWebhookError::MissingHeader(header),
        signature::SignatureError::Stale => CrmWebhookError::Stale,
        signature::SignatureError::BadSignature => CrmWebhookError::BadSignature,
    })?;
    let events: Vec<Value> = serde_json::from_slice(body)
        .map_err(|_| CrmWebhookError::InvalidBody("expected a JSON array of events".into()))?;
    if events.len() > MAX_EVENTS {
        return Err(CrmWebhookError::InvalidBody(format!("more than {MAX_EVENTS} events")));
    }
    // One unreadable event costs only itself: refusing the batch would have HubSpot
    // resend every other event in it, again and again.
    Ok(events
        .iter()
        .filter_map(|event| {
            delivery(event).map_err(|error| tracing::warn!(%error, "HubSpot webhook event skipped")).ok()
        })
        .collect())
}

fn id(value: Option<&Value>) -> Option<String> {
    let value = value?;
    let id = value.as_u64().map(|n| n.to_string()).or_else(|| value.as_str().map(str::to_owned))?;
    (!id.is_empty() && id.len() <= 30 && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

fn delivery(event: &Value) -> Result<CrmDelivery, CrmWebhookError> {
    let invalid = |what: &str| CrmWebhookError::InvalidBody(format!("an event without {what}"));
    let event_id = id(event.get("eventId")).ok_or_else(|| invalid("an eventId"))?;
    let portal = id(event.get("portalId")).ok_or_else(|| invalid("a portalId"))?;
    let text = |name: &str| event.get(name).and_then(Value::as_str).unwrap_or_default();
    let subscription = text("subscriptionType");
    let deal_created = match subscription {
        "object.creation" => text("objectTypeId") == DEAL_OBJECT_TYPE,
        "deal.creation" => true,
        _ => false,
    };
    let object = id(event.get("objectId"));
    // HubSpot: `eventId` is "not guaranteed to be unique"
    // (https://developers.hubspot.com/docs/api-reference/webhooks-webhooks-v3/guide): the
    // event is told apart by everything that names it.
    let delivery_id = format!(
        "hubspot-event:{event_id}:{}:{}:{}",
        id(event.get("subscriptionId")).unwrap_or_default(),
        object.as_deref().unwrap_or_default(),
        id(event.get("occurredAt")).unwrap_or_default()
    );
    let kind = match (deal_created, object) {
        (true, Some(deal)) => CrmEventKind::OpportunityCreated { opportunity_id: deal },
        _ => CrmEventKind::Other { name: subscription.chars().take(60).collect() },
    };
    Ok(CrmDelivery { delivery_id, account_id: portal, event: kind, payload_json: event.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
    const TARGET: &str = "https://worker.example/webhooks/crm/hubspot";

    fn signed(body: &[u8], at: i64) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let timestamp = at.to_string();
        headers.insert(signature::TIMESTAMP_HEADER, timestamp.parse().expect("header"));
        let signed = signature::sign(SECRET, "POST", TARGET, body, &timestamp);
        headers.insert(signature::SIGNATURE_HEADER, signed.parse().expect("header"));
        headers
    }

    #[test]
    fn a_batch_reads_as_one_delivery_per_event() {
        let now = 1_700_000_000_000;
        let body = json!([
            { "eventId": 101, "subscriptionId": 9, "portalId": 7001, "appId": 42, "occurredAt": now,
              "subscriptionType": "object.creation", "attemptNumber": 0, "objectId": 5001, "objectTypeId": "0-3",
              "changeFlag": "CREATED", "changeSource": "CRM_UI" },
            { "eventId": 102, "portalId": 7002, "subscriptionType": "object.propertyChange", "objectTypeId": "0-3",
              "objectId": 5002, "propertyName": "dealstage", "propertyValue": "closedwon" },
            { "eventId": 103, "portalId": 7001, "subscriptionType": "object.creation", "objectTypeId": "0-1", "objectId": 9 },
            { "eventId": 104, "portalId": 7001, "subscriptionType": "deal.creation", "objectId": 5003 }
        ])
        .to_string();
        let deliveries = verify(SECRET, TARGET, &signed(body.as_bytes(), now), body.as_bytes(), now).expect("verified");
        let kinds: Vec<_> =
            deliveries.iter().map(|d| (d.delivery_id.as_str(), d.account_id.as_str(), &d.event)).collect();
        assert_eq!(
            kinds,
            [
                (
                    "hubspot-event:101:9:5001:1700000000000",
                    "7001",
                    &CrmEventKind::OpportunityCreated { opportunity_id: "5001".into() }
                ),
                ("hubspot-event:102::5002:", "7002", &CrmEventKind::Other { name: "object.propertyChange".into() }),
                ("hubspot-event:103::9:", "7001", &CrmEventKind::Other { name: "object.creation".into() }),
                (
                    "hubspot-event:104::5003:",
                    "7001",
                    &CrmEventKind::OpportunityCreated { opportunity_id: "5003".into() }
                ),
            ]
        );
    }

    #[test]
    fn only_a_fresh_signature_over_the_target_url_reads() {
        let now = 1_700_000_000_000;
        let body = br#"[{"eventId":1,"portalId":7001,"subscriptionType":"object.creation","objectTypeId":"0-3","objectId":5}]"#;
        let headers = signed(body, now);
        assert!(verify(SECRET, TARGET, &headers, body, now).is_ok());
        assert_eq!(verify(b"another-secret", TARGET, &headers, body, now), Err(CrmWebhookError::BadSignature));
        let elsewhere = "https://worker.example/webhooks/crm/hubspot?x=1";
        assert_eq!(verify(SECRET, elsewhere, &headers, body, now), Err(CrmWebhookError::BadSignature));
        let mut changed = body.to_vec();
        changed[12] = b'2';
        assert_eq!(verify(SECRET, TARGET, &headers, &changed, now), Err(CrmWebhookError::BadSignature));
        assert_eq!(verify(SECRET, TARGET, &headers, body, now + 300_001), Err(CrmWebhookError::Stale));
        assert!(matches!(verify(SECRET, TARGET, &HeaderMap::new(), body, now), Err(CrmWebhookError::MissingHeader(_))));
    }

    #[test]
    fn a_body_that_is_no_batch_is_refused_and_events_without_their_ids_are_skipped() {
        let now = 1_700_000_000_000;
        let body = br#"{"eventId":1}"#;
        let refused = verify(SECRET, TARGET, &signed(body, now), body, now);
        assert!(matches!(refused, Err(CrmWebhookError::InvalidBody(_))), "{refused:?}");
        let body = br#"[{"portalId":7001},{"eventId":1,"portalId":"x"},{"eventId":2,"portalId":7001,"subscriptionType":"deal.creation","objectId":3}]"#;
        let read = verify(SECRET, TARGET, &signed(body, now), body, now).expect("read");
        assert_eq!(read.len(), 1);
        assert!(read[0].delivery_id.starts_with("hubspot-event:2:"), "{}", read[0].delivery_id);
    }
}
