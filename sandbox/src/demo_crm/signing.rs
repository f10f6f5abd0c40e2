//! The demo CRM signs the opportunity context it puts in the iframe URL: HS256 over the
//! claims below with the installation's shared secret, valid for 10 minutes.

use super::fixtures::{Opportunity, Site};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::json;

/// How long a signed context is good for: long enough to open the page, short enough
/// that a leaked URL is soon useless.
const CONTEXT_LIFETIME_SECONDS: u64 = 600;

/// Signs `opportunity`'s context for the widget iframe.
pub fn sign_context(opportunity: &Opportunity, secret: &str) -> Result<String, String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let mut claims = json!({
        "iss": "demo-crm",
        "account_id": opportunity.account_id,
        "user_id": opportunity.owner_user_id,
        "opportunity_id": opportunity.id,
        "opportunity_name": opportunity.name,
        "iat": now,
        "exp": now + CONTEXT_LIFETIME_SECONDS,
    });
    match opportunity.site {
        Site::Address(address) => claims["property_address"] = json!(address),
        Site::Coordinates { latitude, longitude } => {
            claims["latitude"] = json!(latitude);
            claims["longitude"] = json!(longitude);
        }
    }
    encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).map_err(|e| e.to_string())
}
