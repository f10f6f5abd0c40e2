//! `X-HubSpot-Signature-v3`, as HubSpot's request-validation page and its SDKs define it:
//! `base64(HMAC-SHA256(client secret, method + requestUri + body + timestamp))`, where the
//! timestamp (`X-HubSpot-Request-Timestamp`, milliseconds) is within 5 minutes of now
//! (either way: the SDKs check only the past; a future one is as suspect) and `requestUri`
//! is the full URL HubSpot called with exactly 12 percent-escapes decoded. The legacy
//! v1/v2 signatures (a plain SHA-256, no timestamp) are never accepted.

use base64::Engine;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;

/// The window around now a request's timestamp must fall in, milliseconds.
pub const WINDOW_MS: i64 = 5 * 60 * 1000;

/// The v3 signature header.
pub const SIGNATURE_HEADER: &str = "x-hubspot-signature-v3";
/// Its timestamp header (milliseconds since the epoch).
pub const TIMESTAMP_HEADER: &str = "x-hubspot-request-timestamp";

/// Why a request's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A header we need is missing or malformed (a v1/v2-only request lands here).
    #[error("missing or malformed {0} header")]
    Missing(&'static str),
    /// The timestamp is more than 5 minutes from now.
    #[error("the request's timestamp is more than 5 minutes from now")]
    Stale,
    /// The signature does not match.
    #[error("the request's signature does not match")]
    BadSignature,
}

/// The escapes HubSpot's table says to decode in the request URI, and nothing else.
const DECODED: [(&str, char); 12] = [
    ("3A", ':'),
    ("2F", '/'),
    ("3F", '?'),
    ("40", '@'),
    ("21", '!'),
    ("24", '$'),
    ("27", '\''),
    ("28", '('),
    ("29", ')'),
    ("2A", '*'),
    ("2C", ','),
    ("3B", ';'),
];

/// `uri` as HubSpot signs it: the 12 escapes of its table decoded (hex in either case),
/// every other escape (`%20`, `%2B`, `%26`, `%3D`, ...) left as it is.
pub fn request_uri(uri: &str) -> String {
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at + 1..at + 3).map(str::to_ascii_uppercase);
        match escape.and_then(|hex| DECODED.iter().find(|(code, _)| *code == hex)) {
            Some((_, decoded)) => {
                out.push(*decoded);
                rest = &rest[at + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The v3 signature of a request (base64, standard alphabet, padded).
pub fn sign(secret: &[u8], method: &str, uri: &str, body: &[u8], timestamp: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(secret, method, uri, body, timestamp).finalize().into_bytes())
}

fn mac(secret: &[u8], method: &str, uri: &str, body: &[u8], timestamp: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC key");
    mac.update(method.as_bytes());
    mac.update(request_uri(uri).as_bytes());
    mac.update(body);
    mac.update(timestamp.as_bytes());
    mac
}

/// The `X-HubSpot-Signature-v3` header's MAC, decoded: what a replay carries however its
/// text was re-encoded on the way. A `+` that an intermediary turned into a space is a `+`
/// again.
pub fn decoded_signature(headers: &HeaderMap) -> Option<Vec<u8>> {
    let text = headers.get(SIGNATURE_HEADER)?.to_str().ok()?.trim().replace(' ', "+");
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// Verifies a request HubSpot signed: `method` and the full `uri` as received (for a
/// webhook, the configured target URL), the raw `body`, at `now_ms`.
pub fn verify(
    secret: &[u8],
    method: &str,
    uri: &str,
    body: &[u8],
    headers: &HeaderMap,
    now_ms: i64,
) -> Result<(), SignatureError> {
    let header =
        |name: &'static str| headers.get(name).and_then(|v| v.to_str().ok()).ok_or(SignatureError::Missing(name));
    let timestamp = header(TIMESTAMP_HEADER)?;
    let at: i64 = timestamp
        .parse()
        .ok()
        .filter(|_| timestamp.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(SignatureError::Missing(TIMESTAMP_HEADER))?;
    if now_ms.abs_diff(at) > WINDOW_MS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    let given = decoded_signature(headers).ok_or(SignatureError::BadSignature)?;
    // `verify_slice` compares in constant time.
    mac(secret, method, uri, body, timestamp).verify_slice(&given).map_err(|_| SignatureError::BadSignature)
}

#[cfg(test)]
mod tests {
    //! HubSpot's own vectors (`tests/fixtures/hubspot/signature-vectors.json`, from its
    //! Python and Ruby SDKs' test suites and its docs).

    use super::*;
    use serde_json::Value;

    fn vectors() -> Value {
        serde_json::from_str(include_str!("../../../tests/fixtures/hubspot/signature-vectors.json")).expect("vectors")
    }

    fn headers(signature: &str, timestamp: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE_HEADER, signature.parse().expect("header"));
        headers.insert(TIMESTAMP_HEADER, timestamp.parse().expect("header"));
        headers
    }

    fn field<'a>(vector: &'a Value, name: &str) -> &'a str {
        vector[name].as_str().expect(name)
    }

    #[test]
    fn timestamps_at_the_ends_of_the_range_are_refused_not_a_panic() {
        let now = 1_790_000_000_000;
        for timestamp in ["9223372036854775807", "0", "-9223372036854775808", "99999999999999999999"] {
            let signature = sign(b"secret", "POST", "https://example.com/x", b"", timestamp);
            let result = verify(b"secret", "POST", "https://example.com/x", b"", &headers(&signature, timestamp), now);
            assert!(
                matches!(result, Err(SignatureError::Stale | SignatureError::Missing(_))),
                "{timestamp}: {result:?}"
            );
        }
    }

    #[test]
    fn hubspots_v3_vectors_sign_and_verify() {
        let vectors = vectors();
        let secret = field(&vectors, "client_secret").as_bytes();
        for vector in vectors["v3"].as_array().expect("v3") {
            let (method, uri, body, timestamp) = (
                field(vector, "method"),
                field(vector, "uri"),
                field(vector, "body").as_bytes(),
                field(vector, "timestamp"),
            );
            let expected = field(vector, "expected");
            assert_eq!(sign(secret, method, uri, body, timestamp), expected, "{}", vector["id"]);
            let now: i64 = timestamp.parse().expect("ms");
            assert_eq!(verify(secret, method, uri, body, &headers(expected, timestamp), now), Ok(()));
            // Within the window either way; beyond it, stale either way.
            assert_eq!(verify(secret, method, uri, body, &headers(expected, timestamp), now + WINDOW_MS), Ok(()));
            for off in [now + WINDOW_MS + 1, now - WINDOW_MS - 1] {
                assert_eq!(
                    verify(secret, method, uri, body, &headers(expected, timestamp), off),
                    Err(SignatureError::Stale)
                );
            }
            // Another secret, method, URI, body or timestamp: refused.
            let h = headers(expected, timestamp);
            assert_eq!(verify(b"zzzzzzzz-zzzz", method, uri, body, &h, now), Err(SignatureError::BadSignature));
            assert_eq!(verify(secret, "GET", uri, body, &h, now), Err(SignatureError::BadSignature));
            assert_eq!(verify(secret, method, &format!("{uri}?x=1"), body, &h, now), Err(SignatureError::BadSignature));
            assert_eq!(verify(secret, method, uri, b"{}", &h, now), Err(SignatureError::BadSignature));
            let later = (now + 1).to_string();
            assert_eq!(
                verify(secret, method, uri, body, &headers(expected, &later), now),
                Err(SignatureError::BadSignature)
            );
            // A `+` turned into a space on the way still verifies.
            if expected.contains('+') {
                assert_eq!(
                    verify(secret, method, uri, body, &headers(&expected.replace('+', " "), timestamp), now),
                    Ok(())
                );
            }
        }
    }

    #[test]
    fn v1_and_v2_signatures_are_never_accepted() {
        let vectors = vectors();
        let secret = field(&vectors, "client_secret").as_bytes();
        let v2 = &vectors["v2"][1];
        let (method, uri, body) = (field(v2, "method"), field(v2, "uri"), field(v2, "body").as_bytes());
        // The legacy headers alone: no v3 signature, no timestamp.
        let mut legacy = HeaderMap::new();
        legacy.insert("x-hubspot-signature", field(v2, "expected_hex").parse().expect("header"));
        legacy.insert("x-hubspot-signature-version", "v2".parse().expect("header"));
        assert_eq!(
            verify(secret, method, uri, body, &legacy, 1_700_000_000_000),
            Err(SignatureError::Missing(TIMESTAMP_HEADER))
        );
        // A v1/v2 value put in the v3 header.
        for hex in [field(v2, "expected_hex"), field(&vectors["v1"][0], "expected_hex")] {
            let h = headers(hex, "1700000000000");
            assert_eq!(verify(secret, method, uri, body, &h, 1_700_000_000_000), Err(SignatureError::BadSignature));
        }
    }

    #[test]
    fn exactly_the_twelve_documented_escapes_are_decoded() {
        // Derived from the documented table (no vendor vector covers it).
        assert_eq!(
            request_uri("https://app.example/cb?u=https%3A%2F%2Fx.example%2Fa%20b"),
            "https://app.example/cb?u=https://x.example/a%20b"
        );
        assert_eq!(request_uri("/p?a=%3a%2f%3F%40%21%24%27%28%29%2A%2C%3B"), "/p?a=:/?@!$'()*,;");
        assert_eq!(request_uri("/p?a=%20%2B%26%3D%25%zz%"), "/p?a=%20%2B%26%3D%25%zz%");
    }
}
