//! The JWT Pipedrive puts in a custom panel's URL (`?token=`): HS256 with the panel's JWT
//! secret (the app's client secret when none is set), valid 5 minutes, naming the user and
//! the company loading the panel. Verified server-side on the page load, with the
//! algorithm pinned and the received bytes signed (`crypto::jwt`, checked against RFC 7515
//! A.1). Pipedrive does not document the claims' JSON types: ids are read as numbers or
//! numeric strings.

use crate::crm::ContextError;
use serde_json::Value;

/// Clock difference tolerated between Pipedrive and us.
pub const CLOCK_SKEW_SECONDS: i64 = 60;

/// Who loads the panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelClaims {
    /// The Pipedrive user.
    pub user_id: u64,
    /// The Pipedrive company: the installation's account.
    pub company_id: u64,
}

/// Verifies `token` with `secret` at `now`.
pub fn verify(token: &str, secret: &[u8], now: i64) -> Result<PanelClaims, ContextError> {
    // Three base64url parts, nothing else: anything odder is refused before parsing.
    let well_formed = token.split('.').count() == 3
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !well_formed {
        return Err(ContextError::BadSignature);
    }
    let claims: Value = crate::crypto::jwt::verify(token, secret).ok_or(ContextError::BadSignature)?;
    read(&claims, now)
}

/// The claims of a verified token, unless expired or without both ids.
pub fn read(claims: &Value, now: i64) -> Result<PanelClaims, ContextError> {
    let exp = claims.get("exp").and_then(Value::as_i64).ok_or(ContextError::BadSignature)?;
    if exp.saturating_add(CLOCK_SKEW_SECONDS) < now {
        return Err(ContextError::Expired);
    }
    let user_id = claims.get("userId").and_then(id).ok_or(ContextError::BadSignature)?;
    let company_id = claims.get("companyId").and_then(id).ok_or(ContextError::BadSignature)?;
    Ok(PanelClaims { user_id, company_id })
}

/// A Pipedrive id: a JSON number, or a string of digits.
pub fn id(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) if !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    //! Pipedrive publishes no vector: the HS256 path is checked against RFC 7515 A.1 and
    //! jwt.io in `crypto::tests`; these tokens are self-generated.

    use super::*;
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    use serde_json::json;

    const SECRET: &[u8] = b"pipedrive-panel-jwt-secret-for-tests";
    const NOW: i64 = 1_796_072_405;

    fn sign(claims: Value, alg: Algorithm, secret: &[u8]) -> String {
        encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret)).expect("sign")
    }

    #[test]
    fn ids_arrive_as_numbers_or_numeric_strings() {
        for claims in [
            json!({ "userId": 123, "companyId": 456, "iat": NOW, "exp": NOW + 300 }),
            json!({ "userId": "123", "companyId": "456", "iat": NOW, "exp": NOW + 300 }),
        ] {
            let token = sign(claims, Algorithm::HS256, SECRET);
            assert_eq!(verify(&token, SECRET, NOW), Ok(PanelClaims { user_id: 123, company_id: 456 }));
        }
    }

    #[test]
    fn an_expiry_at_the_ends_of_the_range_is_read_not_a_panic() {
        let at = |exp: i64| {
            verify(&sign(json!({ "userId": 1, "companyId": 2, "exp": exp }), Algorithm::HS256, SECRET), SECRET, NOW)
        };
        assert_eq!(at(i64::MAX), Ok(PanelClaims { user_id: 1, company_id: 2 }), "exp + skew saturates");
        assert_eq!(at(i64::MIN), Err(ContextError::Expired));
    }

    #[test]
    fn anything_else_is_refused() {
        let good = sign(json!({ "userId": 1, "companyId": 2, "exp": NOW + 300 }), Algorithm::HS256, SECRET);
        let dot = good.find('.').expect("dot");
        let mut flipped = good.clone().into_bytes();
        flipped[dot + 3] = if flipped[dot + 3] == b'A' { b'B' } else { b'A' };
        let cases = [
            ("a payload byte changed", String::from_utf8(flipped).expect("ascii"), ContextError::BadSignature),
            (
                "another secret",
                sign(
                    json!({ "userId": 1, "companyId": 2, "exp": NOW + 300 }),
                    Algorithm::HS256,
                    b"other-secret-other-secret-other",
                ),
                ContextError::BadSignature,
            ),
            (
                "HS512",
                sign(json!({ "userId": 1, "companyId": 2, "exp": NOW + 300 }), Algorithm::HS512, SECRET),
                ContextError::BadSignature,
            ),
            (
                "expired",
                sign(
                    json!({ "userId": 1, "companyId": 2, "exp": NOW - CLOCK_SKEW_SECONDS - 1 }),
                    Algorithm::HS256,
                    SECRET,
                ),
                ContextError::Expired,
            ),
            (
                "no company",
                sign(json!({ "userId": 1, "exp": NOW + 300 }), Algorithm::HS256, SECRET),
                ContextError::BadSignature,
            ),
            (
                "a negative id",
                sign(json!({ "userId": -1, "companyId": 2, "exp": NOW + 300 }), Algorithm::HS256, SECRET),
                ContextError::BadSignature,
            ),
            (
                "an id that is a word",
                sign(json!({ "userId": "1 OR 1", "companyId": 2, "exp": NOW + 300 }), Algorithm::HS256, SECRET),
                ContextError::BadSignature,
            ),
            (
                "no exp",
                sign(json!({ "userId": 1, "companyId": 2 }), Algorithm::HS256, SECRET),
                ContextError::BadSignature,
            ),
            ("four parts", format!("{good}.x"), ContextError::BadSignature),
            ("padding", format!("{good}="), ContextError::BadSignature),
        ];
        for (name, token, expected) in cases {
            assert_eq!(verify(&token, SECRET, NOW), Err(expected), "{name}");
        }
        // Within the skew it is still good.
        let late =
            sign(json!({ "userId": 1, "companyId": 2, "exp": NOW - CLOCK_SKEW_SECONDS + 1 }), Algorithm::HS256, SECRET);
        assert!(verify(&late, SECRET, NOW).is_ok());
    }
}
