//! HubSpot's side of `X-HubSpot-Signature-v3`: what it puts on the requests it sends
//! (webhooks, and the card's `hubspot.fetch`): the base64 HMAC-SHA256, keyed with the client
//! secret, of the method, URI, body and timestamp, the URI with HubSpot's 12 documented
//! escapes decoded, the timestamp in milliseconds. Written apart from the worker's
//! verifier, on purpose: each is checked against HubSpot's own vector.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const DECODED: [(&str, &str); 12] = [
    ("%3A", ":"),
    ("%2F", "/"),
    ("%3F", "?"),
    ("%40", "@"),
    ("%21", "!"),
    ("%24", "$"),
    ("%27", "'"),
    ("%28", "("),
    ("%29", ")"),
    ("%2A", "*"),
    ("%2C", ","),
    ("%3B", ";"),
];

/// The `X-HubSpot-Signature-v3` value of a request, and its timestamp header value.
pub fn sign(secret: &str, method: &str, uri: &str, body: &[u8], timestamp_ms: i64) -> (String, String) {
    let mut uri = uri.to_owned();
    for (escape, decoded) in DECODED {
        uri = uri.replace(escape, decoded).replace(&escape.to_ascii_lowercase(), decoded);
    }
    let timestamp = timestamp_ms.to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    for part in [method.as_bytes(), uri.as_bytes(), body, timestamp.as_bytes()] {
        mac.update(part);
    }
    (base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()), timestamp)
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// HS-V3-A, from HubSpot's Python SDK test suite.
    #[test]
    fn hubspots_own_vector() {
        let (signature, _) = sign(
            "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
            "POST",
            "https://www.example.com/webhook_uri",
            b"{'example_field':'example_value'}",
            1_693_657_560_000,
        );
        assert_eq!(signature, "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=");
    }
}
