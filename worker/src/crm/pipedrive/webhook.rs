//! Pipedrive's webhooks v2 and its uninstall call. Neither is signed: webhooks carry the
//! HTTP Basic credentials we gave when subscribing, the uninstall `DELETE` carries our
//! client id and secret. Our webhook password is per company, derived from the worker's
//! secret (one company's credentials open no other's door), and every comparison is in
//! constant time.

use crate::{
    crm::{CrmDelivery, CrmEventKind, CrmWebhookError, pipedrive::panel_token},
    crypto::{self, Purpose},
};
use base64::Engine;
use hmac::{Hmac, Mac};
use http::{HeaderMap, header};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The Basic user of our webhook subscriptions.
pub const USER: &str = "aurora-crm-worker";

/// The Basic password of `company_id`'s webhook subscription.
pub fn password(master: &[u8], company_id: u64) -> String {
    let key = crypto::derive_key(master, Purpose::CrmWebhookAuth);
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC key");
    mac.update(format!("pipedrive/{company_id}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The (user, password) of an `Authorization: Basic` header.
fn basic(headers: &HeaderMap) -> Result<(String, String), CrmWebhookError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .ok_or(CrmWebhookError::MissingHeader("Authorization"))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(CrmWebhookError::MissingHeader("Authorization"))?;
    let (user, password) = decoded.split_once(':').ok_or(CrmWebhookError::MissingHeader("Authorization"))?;
    Ok((user.to_owned(), password.to_owned()))
}

fn same(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A webhooks v2 delivery, authenticated for the company it names, read.
pub fn verify(master: &[u8], headers: &HeaderMap, body: &[u8]) -> Result<CrmDelivery, CrmWebhookError> {
    let (user, given) = basic(headers)?;
    let event: Value = serde_json::from_slice(body).map_err(|_| CrmWebhookError::BadSignature)?;
    let meta = event.get("meta").ok_or(CrmWebhookError::BadSignature)?;
    let company = meta.get("company_id").and_then(panel_token::id).ok_or(CrmWebhookError::BadSignature)?;
    // Both compared, whatever the first gives.
    let user_ok = same(&user, USER);
    if !(same(&given, &password(master, company)) & user_ok) {
        return Err(CrmWebhookError::BadSignature);
    }
    let text = |name: &str| {
        meta.get(name).and_then(|v| v.as_str().map(str::to_owned).or_else(|| panel_token::id(v).map(|n| n.to_string())))
    };
    let delivery_id = text("id")
        .filter(|id| !id.is_empty() && id.len() <= 100)
        .ok_or_else(|| CrmWebhookError::InvalidBody("meta.id is missing".into()))?;
    let action = text("action").unwrap_or_default();
    let entity = text("entity").unwrap_or_default();
    let event_kind = match (action.as_str(), entity.as_str(), meta.get("entity_id").and_then(panel_token::id)) {
        ("create" | "added", "deal", Some(deal)) => {
            CrmEventKind::OpportunityCreated { opportunity_id: deal.to_string() }
        }
        _ => CrmEventKind::Other { name: format!("{action}.{entity}").chars().take(60).collect() },
    };
    Ok(CrmDelivery {
        delivery_id,
        account_id: company.to_string(),
        event: event_kind,
        payload_json: serde_json::json!({ "meta": meta }).to_string(),
    })
}

/// The company an uninstall `DELETE` (Basic client id and secret, JSON `{client_id,
/// company_id, user_id, timestamp}`) names, when its credentials are ours.
pub fn verify_uninstall(
    client_id: &str,
    client_secret: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, CrmWebhookError> {
    let (user, password) = basic(headers)?;
    let user_ok = same(&user, client_id);
    if !(same(&password, client_secret) & user_ok) {
        return Err(CrmWebhookError::BadSignature);
    }
    let call: Value = serde_json::from_slice(body).map_err(|e| CrmWebhookError::InvalidBody(e.to_string()))?;
    let company = call.get("company_id").and_then(panel_token::id);
    company.map(|c| c.to_string()).ok_or_else(|| CrmWebhookError::InvalidBody("company_id is missing".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MASTER: &[u8] = b"test-master-secret-0123456789abcdef";

    fn headers(user: &str, password: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        headers.insert(header::AUTHORIZATION, format!("Basic {value}").parse().expect("header"));
        headers
    }

    fn event(company: Value) -> Vec<u8> {
        json!({
            "meta": { "action": "create", "entity": "deal", "company_id": company, "entity_id": "17",
                      "id": "8b1f3c2e-0000-4000-8000-000000000001", "version": "2.0", "attempt": 1 },
            "data": { "id": 17, "title": "Rivera - Rooftop Solar" }, "previous": null
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn a_delivery_opens_only_with_its_companys_credentials() {
        let good = headers(USER, &password(MASTER, 456));
        let delivery = verify(MASTER, &good, &event(json!(456))).expect("verified");
        assert_eq!(delivery.account_id, "456");
        assert_eq!(delivery.delivery_id, "8b1f3c2e-0000-4000-8000-000000000001");
        assert_eq!(delivery.event, CrmEventKind::OpportunityCreated { opportunity_id: "17".into() });
        // The company as a string reads the same.
        assert!(verify(MASTER, &good, &event(json!("456"))).is_ok());
        // Another company's password, another user, no header, a body naming another company.
        let other = headers(USER, &password(MASTER, 457));
        assert_eq!(verify(MASTER, &other, &event(json!(456))), Err(CrmWebhookError::BadSignature));
        assert_eq!(
            verify(MASTER, &headers("admin", &password(MASTER, 456)), &event(json!(456))),
            Err(CrmWebhookError::BadSignature)
        );
        assert_eq!(
            verify(MASTER, &HeaderMap::new(), &event(json!(456))),
            Err(CrmWebhookError::MissingHeader("Authorization"))
        );
        assert_eq!(verify(MASTER, &good, &event(json!(999))), Err(CrmWebhookError::BadSignature));
        assert_eq!(
            verify(b"another-master-secret-0123456789ab", &good, &event(json!(456))),
            Err(CrmWebhookError::BadSignature)
        );
    }

    #[test]
    fn the_uninstall_call_needs_our_client_credentials() {
        let body = br#"{"client_id":"cid","company_id":456,"user_id":1,"timestamp":"2026-11-30T21:00:00Z"}"#;
        assert_eq!(verify_uninstall("cid", "secret", &headers("cid", "secret"), body), Ok("456".into()));
        assert_eq!(
            verify_uninstall("cid", "secret", &headers("cid", "secreT"), body),
            Err(CrmWebhookError::BadSignature)
        );
        assert_eq!(
            verify_uninstall("cid", "secret", &headers("other", "secret"), body),
            Err(CrmWebhookError::BadSignature)
        );
    }
}
