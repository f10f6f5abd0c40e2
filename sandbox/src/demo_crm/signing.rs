//! What the demo CRM signs for apps, with the client secret it issued them: the
//! opportunity context in the iframe URL (an HS256 JWT, 10 minutes) and webhook bodies
//! (HMAC-SHA256 over `timestamp.body`).

use super::state::{Opportunity, Site, User};
use hmac::{Hmac, Mac};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::json;
use sha2::Sha256;

/// How long a signed context is good for: long enough to open the page, short enough
/// that a leaked URL is soon useless.
const CONTEXT_LIFETIME_SECONDS: i64 = 600;

/// The site as the context and webhooks carry it.
pub fn site_claims(site: &Site) -> serde_json::Value {
    match site {
        Site::Address(address) => json!({ "property_address": address }),
        Site::Coordinates { latitude, longitude } => json!({ "latitude": latitude, "longitude": longitude }),
    }
}

/// Signs the context of `opportunity` as `user` sees it, for the widget iframe.
pub fn sign_context(opportunity: &Opportunity, user: &User, secret: &str, now: i64) -> Result<String, String> {
    let mut claims = json!({
        "iss": "demo-crm",
        "account_id": opportunity.account_id,
        "user_id": user.id,
        "opportunity_id": opportunity.id,
        "opportunity_name": opportunity.name,
        "iat": now,
        "exp": now + CONTEXT_LIFETIME_SECONDS,
    });
    if let (Some(claims), Some(site)) = (claims.as_object_mut(), site_claims(&opportunity.site).as_object()) {
        claims.extend(site.clone());
    }
    encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).map_err(|e| e.to_string())
}

/// The `X-DemoCRM-Signature` value of a webhook body sent at `timestamp`.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length: this cannot fail.
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}
