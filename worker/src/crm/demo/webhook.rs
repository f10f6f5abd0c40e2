//! The demo CRM's webhooks: `X-DemoCRM-Signature: v1=hex(HMAC-SHA256(client_secret,
//! timestamp + "." + body))` over the raw body, `X-DemoCRM-Timestamp` (unix seconds) and
//! `X-DemoCRM-Delivery` (an id, the same for every retry of one delivery).
//!
//! A delivery is accepted only within [`TOLERANCE_SECONDS`] of its timestamp; inside that
//! window a repeated delivery id is recognised by the record of deliveries, so a replay
//! never acts twice.

use super::location_of;
use crate::crm::{ContextError, CrmDelivery, CrmEventKind, CrmWebhookError};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use serde::Deserialize;
use sha2::Sha256;
use widget_api::Opportunity;

/// Header names.
pub mod headers {
    /// `v1=<hex>`.
    pub const SIGNATURE: &str = "x-democrm-signature";
    /// Unix seconds when the CRM signed the delivery.
    pub const TIMESTAMP: &str = "x-democrm-timestamp";
    /// The delivery's id.
    pub const DELIVERY: &str = "x-democrm-delivery";
}

/// The event that reports a new opportunity.
pub const OPPORTUNITY_CREATED: &str = "opportunity.created";

/// How far a delivery's timestamp may be from our clock.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

/// A verified delivery's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDelivery {
    /// The CRM's delivery id.
    pub delivery_id: String,
}

/// Checks the timestamp against `now`, then the signature (in constant time).
pub fn verify(secret: &[u8], headers: &HeaderMap, body: &[u8], now: i64) -> Result<VerifiedDelivery, CrmWebhookError> {
    let header = |name: &'static str| {
        headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).ok_or(CrmWebhookError::MissingHeader(name))
    };
    let timestamp: i64 =
        header(headers::TIMESTAMP)?.parse().map_err(|_| CrmWebhookError::MissingHeader(headers::TIMESTAMP))?;
    let signature = header(headers::SIGNATURE)?
        .strip_prefix("v1=")
        .and_then(|hex_value| hex::decode(hex_value).ok())
        .ok_or(CrmWebhookError::MissingHeader(headers::SIGNATURE))?;
    let delivery_id = header(headers::DELIVERY)?;
    if delivery_id.is_empty() || delivery_id.len() > 200 {
        return Err(CrmWebhookError::MissingHeader(headers::DELIVERY));
    }
    // abs_diff: the timestamp is unauthenticated input, and `now - i64::MIN` overflows.
    if now.abs_diff(timestamp) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(CrmWebhookError::Stale);
    }
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).map_err(|_| CrmWebhookError::BadSignature)?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&signature).map_err(|_| CrmWebhookError::BadSignature)?;
    Ok(VerifiedDelivery { delivery_id: delivery_id.to_owned() })
}

/// The body of every delivery.
#[derive(Debug, Clone, Deserialize)]
pub struct Delivery {
    /// The delivery id (also in the header).
    pub id: String,
    pub event: String,
    /// The account it happened in.
    pub account_id: String,
    /// The event's object.
    pub opportunity: CrmOpportunity,
}

/// An opportunity as the CRM's API and webhooks show it.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct CrmOpportunity {
    pub id: String,
    pub name: String,
    /// The site's address, if it has one.
    #[serde(default)]
    pub property_address: Option<String>,
    /// Or its coordinates.
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

impl Delivery {
    /// A verified delivery's body, as the worker records it. The body's id must be the
    /// signed delivery header's.
    pub fn read(verified: &VerifiedDelivery, body: &[u8]) -> Result<CrmDelivery, CrmWebhookError> {
        let delivery: Delivery =
            serde_json::from_slice(body).map_err(|e| CrmWebhookError::InvalidBody(e.to_string()))?;
        if delivery.id != verified.delivery_id {
            return Err(CrmWebhookError::InvalidBody("the body's id is not the delivery header's".into()));
        }
        let event = match delivery.event.as_str() {
            OPPORTUNITY_CREATED => CrmEventKind::OpportunityCreated { opportunity_id: delivery.opportunity.id.clone() },
            other => CrmEventKind::Other { name: other.chars().take(80).collect() },
        };
        let payload_json =
            serde_json::to_string(&delivery.opportunity).map_err(|e| CrmWebhookError::InvalidBody(e.to_string()))?;
        Ok(CrmDelivery { delivery_id: delivery.id, account_id: delivery.account_id, event, payload_json })
    }
}

impl CrmOpportunity {
    /// As the widget and project creation know opportunities.
    pub fn to_opportunity(&self) -> Result<Opportunity, ContextError> {
        Ok(Opportunity {
            id: self.id.clone(),
            name: self.name.clone(),
            location: location_of(self.property_address.clone(), self.latitude, self.longitude)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test-demo-crm-client-secret-0123456789";
    const NOW: i64 = 1_790_000_000;

    fn signed(timestamp: i64, body: &[u8], secret: &[u8]) -> HeaderMap {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("key");
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(body);
        let mut headers = HeaderMap::new();
        headers.insert(
            headers::SIGNATURE,
            format!("v1={}", hex::encode(mac.finalize().into_bytes())).parse().expect("value"),
        );
        headers.insert(headers::TIMESTAMP, timestamp.to_string().parse().expect("value"));
        headers.insert(headers::DELIVERY, "dlv_1".parse().expect("value"));
        headers
    }

    #[test]
    fn timestamps_at_the_ends_of_the_range_are_stale_not_a_panic() {
        let body = br#"{"id":"dlv_1"}"#;
        for timestamp in [i64::MIN, i64::MAX, 0] {
            assert_eq!(verify(SECRET, &signed(timestamp, body, SECRET), body, NOW), Err(CrmWebhookError::Stale));
        }
    }

    #[test]
    fn signatures_and_timestamps_are_checked() {
        let body = br#"{"id":"dlv_1"}"#;
        assert_eq!(verify(SECRET, &signed(NOW - 10, body, SECRET), body, NOW).expect("valid").delivery_id, "dlv_1");
        assert_eq!(
            verify(SECRET, &signed(NOW, body, b"another-secret"), body, NOW),
            Err(CrmWebhookError::BadSignature)
        );
        assert_eq!(
            verify(SECRET, &signed(NOW, body, SECRET), br#"{"id":"dlv_2"}"#, NOW),
            Err(CrmWebhookError::BadSignature)
        );
        assert_eq!(
            verify(SECRET, &signed(NOW - TOLERANCE_SECONDS - 1, body, SECRET), body, NOW),
            Err(CrmWebhookError::Stale)
        );
        assert_eq!(
            verify(SECRET, &signed(NOW + TOLERANCE_SECONDS + 1, body, SECRET), body, NOW),
            Err(CrmWebhookError::Stale)
        );
        let mut headers = signed(NOW, body, SECRET);
        headers.remove(headers::SIGNATURE);
        assert_eq!(verify(SECRET, &headers, body, NOW), Err(CrmWebhookError::MissingHeader(headers::SIGNATURE)));
        // Re-signing an old body with a fresh timestamp needs the secret.
        let mut replay = signed(NOW - 600, body, SECRET);
        replay.insert(headers::TIMESTAMP, NOW.to_string().parse().expect("value"));
        assert_eq!(verify(SECRET, &replay, body, NOW), Err(CrmWebhookError::BadSignature));
    }
}
