//! The demo CRM (in `sandbox/`): it signs the opportunity context as an HS256 JWT with
//! the client secret it issued our app (as HubSpot and Pipedrive sign their app
//! extensions' iframe URLs), installs us through OAuth ([`client`]), and signs its
//! webhooks ([`webhook`]).

pub mod access;
pub mod client;
pub mod webhook;

use super::{ContextError, VerifiedContext};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::Deserialize;
use widget_api::{Location, Opportunity};

/// Clock difference we tolerate between the CRM and us.
pub const CLOCK_SKEW_SECONDS: u64 = 60;

/// The claims the demo CRM puts in its signed context.
#[derive(Debug, Deserialize)]
struct DemoContextClaims {
    account_id: String,
    user_id: String,
    opportunity_id: String,
    opportunity_name: String,
    #[serde(default)]
    property_address: Option<String>,
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
    exp: u64,
}

/// Verifies a demo CRM context: HS256 only (the algorithm is pinned, never read from the
/// token's header), signature with `secret`, expiry against `now` with
/// [`CLOCK_SKEW_SECONDS`] of leeway.
pub fn verify_demo_context(token: &str, secret: &[u8], now: u64) -> Result<VerifiedContext, ContextError> {
    let mut validation = Validation::new(Algorithm::HS256);
    // jsonwebtoken reads the system clock for `exp`, which wasm32-unknown-unknown lacks;
    // we check expiry ourselves against the host's clock below.
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let claims = decode::<DemoContextClaims>(token, &DecodingKey::from_secret(secret), &validation)
        .map_err(|_| ContextError::BadSignature)?
        .claims;
    if claims.exp + CLOCK_SKEW_SECONDS < now {
        return Err(ContextError::Expired);
    }
    let location = location_of(claims.property_address, claims.latitude, claims.longitude)?;
    Ok(VerifiedContext {
        account_id: claims.account_id,
        user_id: claims.user_id,
        opportunity: Opportunity { id: claims.opportunity_id, name: claims.opportunity_name, location },
    })
}

/// The site of an opportunity as the demo CRM gives it: an address, else coordinates.
pub fn location_of(
    address: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
) -> Result<Location, ContextError> {
    match (address, latitude, longitude) {
        (Some(address), _, _) if !address.trim().is_empty() => {
            Ok(Location::Address { property_address: address.trim().to_owned() })
        }
        (_, Some(latitude), Some(longitude)) => Ok(Location::Coordinates { latitude, longitude }),
        _ => Err(ContextError::Incomplete("the opportunity has neither an address nor coordinates")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    const SECRET: &[u8] = b"dev-only-demo-crm-secret-0123456789abcdef";
    const NOW: u64 = 1_790_000_000;

    fn sign(claims: serde_json::Value, alg: Algorithm, secret: &[u8]) -> String {
        encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret)).expect("sign")
    }

    fn claims(exp: u64) -> serde_json::Value {
        json!({
            "account_id": "acme", "user_id": "rep-1", "opportunity_id": "opp-1",
            "opportunity_name": "Rivera residence",
            "property_address": " 901 Mears Ct, Stanford, CA 94305 ", "exp": exp
        })
    }

    #[test]
    fn a_good_context_verifies() {
        let token = sign(claims(NOW + 300), Algorithm::HS256, SECRET);
        let context = verify_demo_context(&token, SECRET, NOW).expect("valid");
        assert_eq!(context.account_id, "acme");
        assert_eq!(
            context.opportunity.location,
            Location::Address { property_address: "901 Mears Ct, Stanford, CA 94305".into() }
        );
    }

    #[test]
    fn bad_contexts_are_refused() {
        let good = sign(claims(NOW + 300), Algorithm::HS256, SECRET);
        let mut tampered = good.clone();
        tampered.insert(good.len() - 3, 'x');
        let cases = [
            ("tampered", tampered, ContextError::BadSignature),
            (
                "other secret",
                sign(claims(NOW + 300), Algorithm::HS256, b"another-secret-another-secret-xx"),
                ContextError::BadSignature,
            ),
            ("HS512", sign(claims(NOW + 300), Algorithm::HS512, SECRET), ContextError::BadSignature),
            ("expired", sign(claims(NOW - CLOCK_SKEW_SECONDS - 1), Algorithm::HS256, SECRET), ContextError::Expired),
            ("garbage", "not.a.jwt".to_owned(), ContextError::BadSignature),
        ];
        for (name, token, expected) in cases {
            assert_eq!(verify_demo_context(&token, SECRET, NOW), Err(expected), "{name}");
        }
        // Within the skew it is still good.
        let token = sign(claims(NOW - CLOCK_SKEW_SECONDS + 1), Algorithm::HS256, SECRET);
        assert!(verify_demo_context(&token, SECRET, NOW).is_ok());
    }

    #[test]
    fn unsigned_alg_none_is_refused() {
        // {"alg":"none"} with the same claims and an empty signature.
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token =
            format!("{}.{}.", b64.encode(br#"{"alg":"none","typ":"JWT"}"#), b64.encode(claims(NOW + 300).to_string()));
        assert_eq!(verify_demo_context(&token, SECRET, NOW), Err(ContextError::BadSignature));
    }
}
