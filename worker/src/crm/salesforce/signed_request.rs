//! Salesforce Canvas signed requests: `base64(HMAC-SHA256(consumer secret, payload)) "."
//! payload`, where the payload is the base64 of the `CanvasRequest` JSON.
//!
//! Verified as the Canvas Developer Guide ("Verifying and Decoding a Signed Request") and
//! the official Java SDK do it, minus the SDK's one weakness: the HMAC is computed over
//! the payload's base64 text exactly as received; the signature's alphabet is read
//! leniently (standard or URL-safe, padded or not) and compared in constant time; the
//! algorithm is pinned to HMAC-SHA256 (the SDK would take it from the unverified payload),
//! and only then is the payload decoded.
//!
//! A signed request has no freshness (`issuedAt` is "for internal use only"): whoever holds
//! one holds the user's Salesforce session. The worker treats it as a bearer credential
//! (see `routes::embed`): exchanged once, never logged, its OAuth token never sent on.

use base64::{
    Engine, alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// The one algorithm a signed request may name.
pub const ALGORITHM: &str = "HMACSHA256";

/// Standard alphabet, padding optional (the payload as Salesforce writes it).
const STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
/// URL-safe alphabet, padding optional (what the Java SDK's `Base64(true)` also accepts).
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a signed request was refused. Coarse on purpose: a forger learns nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignedRequestError {
    /// Not `signature.payload`, or a signature that is not 32 bytes of base64.
    #[error("the signed request is malformed")]
    Malformed,
    /// The HMAC does not match.
    #[error("the signed request's signature does not match")]
    BadSignature,
    /// Signed, but the payload is not a Canvas request with `algorithm: HMACSHA256`.
    #[error("the signed request's payload is not a Canvas request")]
    BadPayload,
}

/// The parts of a `CanvasRequest` the worker uses. Everything else is ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanvasRequest {
    /// `HMACSHA256`.
    pub algorithm: String,
    /// The user, 15 or 18 characters.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Salesforce's side of the frame.
    pub client: CanvasClient,
    /// Who, where and what.
    pub context: CanvasContext,
}

/// `client`: the instance, and whom the canvas frame talks to.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanvasClient {
    /// The user's session: stays on the server, never logged.
    #[serde(default)]
    pub oauth_token: Option<String>,
    /// The canvas instance, echoed in `resize` messages.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// The frame's parent origin (Lightning's intermediary on `*.my.salesforce.com`).
    #[serde(default)]
    pub target_origin: Option<String>,
    /// The org's instance (`https://<domain>.my.salesforce.com`).
    #[serde(default)]
    pub instance_url: Option<String>,
}

impl std::fmt::Debug for CanvasClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CanvasClient")
            .field("instance_id", &self.instance_id)
            .field("target_origin", &self.target_origin)
            .field("instance_url", &self.instance_url)
            .finish_non_exhaustive()
    }
}

/// `context`.
#[derive(Debug, Clone, Deserialize)]
pub struct CanvasContext {
    /// The org: the installation's account.
    pub organization: CanvasOrganization,
    /// The user.
    pub user: CanvasUser,
    /// Where the canvas is shown.
    #[serde(default)]
    pub environment: CanvasEnvironment,
}

/// `context.organization`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanvasOrganization {
    /// 18 characters.
    pub organization_id: String,
    /// The org's name.
    #[serde(default)]
    pub name: Option<String>,
}

/// `context.user`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanvasUser {
    /// 18 characters.
    pub user_id: String,
    /// For people.
    #[serde(default)]
    pub full_name: Option<String>,
}

/// `context.environment`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanvasEnvironment {
    /// The page around the canvas (a Lightning URL).
    #[serde(default)]
    pub location_url: Option<String>,
    /// `Aura`, `Visualforce`, `PageLayout`, `ChatterFeed`, ...
    #[serde(default)]
    pub display_location: Option<String>,
    /// What the placing component passed: `force:canvasApp`'s `parameters`, an object (or
    /// a JSON string of one).
    #[serde(default)]
    pub parameters: serde_json::Value,
    /// The record of a record-page placement.
    #[serde(default)]
    pub record: Option<CanvasRecord>,
}

/// `context.environment.record`.
#[derive(Debug, Clone, Deserialize)]
pub struct CanvasRecord {
    /// `{type, url}`.
    #[serde(default)]
    pub attributes: Option<CanvasRecordAttributes>,
    /// The record's id.
    #[serde(rename = "Id", default)]
    pub id: Option<String>,
}

/// `context.environment.record.attributes`.
#[derive(Debug, Clone, Deserialize)]
pub struct CanvasRecordAttributes {
    /// The sObject type (`Opportunity`).
    #[serde(rename = "type", default)]
    pub sobject_type: Option<String>,
}

/// The key prefix of Opportunity ids.
const OPPORTUNITY_PREFIX: &str = "006";

impl CanvasRequest {
    /// The Opportunity the canvas was placed on: `parameters.recordId` (what our Aura
    /// wrapper passes), else an Opportunity `record`.
    pub fn opportunity_id(&self) -> Option<String> {
        let environment = &self.context.environment;
        let parameters = match &environment.parameters {
            serde_json::Value::String(json) => serde_json::from_str(json).unwrap_or_default(),
            other => other.clone(),
        };
        let from_parameters = parameters.get("recordId").and_then(|id| id.as_str()).map(str::to_owned);
        let from_record = environment.record.as_ref().and_then(|record| {
            let is_opportunity =
                record.attributes.as_ref().and_then(|a| a.sobject_type.as_deref()) == Some("Opportunity");
            record.id.clone().filter(|_| is_opportunity)
        });
        from_parameters.or(from_record).filter(|id| is_record_id(id, OPPORTUNITY_PREFIX))
    }

    /// The origins of the page around the canvas, as the verified request names them: the
    /// frame's parent (`targetOrigin`) and the Lightning page (`locationUrl`).
    pub fn host_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> =
            [self.client.target_origin.as_deref(), self.context.environment.location_url.as_deref()]
                .into_iter()
                .flatten()
                .filter_map(origin_of)
                .collect();
        origins.dedup();
        origins
    }
}

/// A Salesforce record id: 15 or 18 ASCII letters and digits, starting with `prefix`.
pub fn is_record_id(id: &str, prefix: &str) -> bool {
    matches!(id.len(), 15 | 18) && id.bytes().all(|b| b.is_ascii_alphanumeric()) && id.starts_with(prefix)
}

/// `scheme://host[:port]` of an http(s) URL, with no character that could leave a CSP
/// source or an HTML attribute.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "https" | "http") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let clean = !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    clean.then(|| format!("{scheme}://{}", host.to_ascii_lowercase()))
}

/// A verified signed request and its MAC: what a replay of it carries, however its text is
/// encoded (either base64 alphabet, padded or not), so what its spending is keyed on.
pub struct Verified {
    /// The request.
    pub request: CanvasRequest,
    /// Its HMAC-SHA256, decoded.
    pub mac: [u8; 32],
}

/// Verifies `signed_request` (already form-decoded) with the consumer secret and reads it.
pub fn verify(signed_request: &str, consumer_secret: &[u8]) -> Result<CanvasRequest, SignedRequestError> {
    verify_with_mac(signed_request, consumer_secret).map(|verified| verified.request)
}

/// [`verify`], with the request's decoded MAC.
pub fn verify_with_mac(signed_request: &str, consumer_secret: &[u8]) -> Result<Verified, SignedRequestError> {
    // Split on the first period; the signature part must not be empty.
    let (signature, payload) = signed_request.split_once('.').ok_or(SignedRequestError::Malformed)?;
    let signature = decode_signature(signature.trim()).ok_or(SignedRequestError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(consumer_secret).map_err(|_| SignedRequestError::Malformed)?;
    mac.update(payload.as_bytes());
    // `verify_slice` compares in constant time.
    mac.verify_slice(&signature).map_err(|_| SignedRequestError::BadSignature)?;
    let json = STANDARD.decode(payload).map_err(|_| SignedRequestError::BadPayload)?;
    let request: CanvasRequest = serde_json::from_slice(&json).map_err(|_| SignedRequestError::BadPayload)?;
    if request.algorithm != ALGORITHM {
        return Err(SignedRequestError::BadPayload);
    }
    Ok(Verified { request, mac: signature })
}

/// 32 bytes from base64 in either alphabet, padded or not.
fn decode_signature(text: &str) -> Option<[u8; 32]> {
    let bytes = STANDARD.decode(text).or_else(|_| URL_SAFE.decode(text)).ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    //! Against the two real Salesforce-generated signed requests in
    //! `tests/fixtures/salesforce/` (published in public test suites:
    //! `rajaraodv/salesforce-signed-request` test/tests.js and
    //! `lekkimworld/salesforce-oauth-express-middleware` tests/test-oauth-utils.js). Their
    //! OAuth tokens expired long ago and are public already: fixtures only, never logged.

    use super::*;

    const CANVAS_1: &str = include_str!("../../../tests/fixtures/salesforce/canvas-1.signed_request.txt");
    const SECRET_1: &[u8] = b"6375554712652875436";
    const CANVAS_2: &str = include_str!("../../../tests/fixtures/salesforce/canvas-2.signed_request.txt");
    const SECRET_2: &[u8] = b"6342077776480346444";

    #[test]
    fn the_vendor_vectors_verify_with_their_secrets() {
        let first = verify(CANVAS_1.trim(), SECRET_1).expect("SF-CANVAS-1");
        assert_eq!(first.context.organization.organization_id, "00DR00000008bPCMAY");
        assert_eq!(first.context.user.user_id, "005R0000000DgJAIA0");
        assert_eq!(first.client.target_origin.as_deref(), Some("https://mobile1.t.salesforce.com"));
        assert_eq!(first.client.instance_id.as_deref(), Some("_:shipment:"));
        // A Chatter placement: no Opportunity.
        assert_eq!(first.opportunity_id(), None);

        let second = verify(CANVAS_2.trim(), SECRET_2).expect("SF-CANVAS-2");
        assert_eq!(second.context.organization.organization_id.len(), 18);
        assert_eq!(second.client.target_origin.as_deref(), Some("https://idpp-demo-dev-ed.my.salesforce.com"));
        assert_eq!(
            second.host_origins(),
            ["https://idpp-demo-dev-ed.my.salesforce.com", "https://idpp-demo-dev-ed.lightning.force.com"]
        );
        // Its record is a FeedItem, its parameters an idea: neither is an Opportunity.
        assert_eq!(second.opportunity_id(), None);
        // The OAuth token is read, and stays out of Debug output.
        assert!(second.client.oauth_token.is_some());
        assert!(!format!("{second:?}").contains("00D1t000000rXxR!"));
    }

    #[test]
    fn each_vector_fails_with_another_secret_or_a_changed_byte() {
        for (vector, secret) in [(CANVAS_1.trim(), SECRET_1), (CANVAS_2.trim(), SECRET_2)] {
            assert_eq!(verify(vector, b"foo").expect_err("refused"), SignedRequestError::BadSignature);
            assert_eq!(
                verify(vector, SECRET_2.iter().chain(b"x").copied().collect::<Vec<_>>().as_slice())
                    .expect_err("refused"),
                SignedRequestError::BadSignature
            );
            // One flipped character of the payload.
            let dot = vector.find('.').expect("dot");
            let mut flipped = vector.as_bytes().to_vec();
            flipped[dot + 10] = if flipped[dot + 10] == b'A' { b'B' } else { b'A' };
            let flipped = String::from_utf8(flipped).expect("ascii");
            assert_eq!(verify(&flipped, secret).expect_err("refused"), SignedRequestError::BadSignature);
            // One flipped character of the signature.
            let mut flipped = vector.as_bytes().to_vec();
            flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
            let flipped = String::from_utf8(flipped).expect("ascii");
            assert!(verify(&flipped, secret).is_err());
        }
    }

    #[test]
    fn the_signature_alphabet_is_read_leniently() {
        let (signature, payload) = CANVAS_2.trim().split_once('.').expect("dot");
        let url_safe = signature.replace('+', "-").replace('/', "_").trim_end_matches('=').to_owned();
        assert!(url_safe.contains('_'), "the vector's signature has a `/` to re-encode");
        verify(&format!("{url_safe}.{payload}"), SECRET_2).expect("URL-safe, unpadded");
    }

    #[test]
    fn another_algorithm_or_shape_is_refused_even_when_signed() {
        let sign = |payload_json: &str| {
            let payload = base64::engine::general_purpose::STANDARD.encode(payload_json);
            let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").expect("key");
            mac.update(payload.as_bytes());
            let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
            format!("{signature}.{payload}")
        };
        let body = |algorithm: &str| {
            format!(
                r#"{{"algorithm":"{algorithm}","client":{{}},"context":{{"organization":{{"organizationId":"00D000000000001AAA"}},"user":{{"userId":"005000000000001AAA"}}}}}}"#
            )
        };
        assert!(verify(&sign(&body(ALGORITHM)), b"secret").is_ok());
        for algorithm in ["HMACSHA1", "none", "hmacsha256"] {
            assert_eq!(
                verify(&sign(&body(algorithm)), b"secret").expect_err("refused"),
                SignedRequestError::BadPayload
            );
        }
        assert_eq!(verify(&sign("[]"), b"secret").expect_err("refused"), SignedRequestError::BadPayload);
        for malformed in ["", ".", "nodot", "short.eyJ9", "."] {
            assert!(verify(malformed, b"secret").is_err(), "{malformed}");
        }
    }

    #[test]
    fn the_opportunity_comes_from_parameters_or_an_opportunity_record() {
        let request = |environment: &str| -> CanvasRequest {
            serde_json::from_str(&format!(
                r#"{{"algorithm":"HMACSHA256","client":{{}},"context":{{"organization":{{"organizationId":"o"}},"user":{{"userId":"u"}},"environment":{environment}}}}}"#
            ))
            .expect("request")
        };
        assert_eq!(
            request(r#"{"parameters":{"recordId":"006Hs00001AbCdEIAV"}}"#).opportunity_id().as_deref(),
            Some("006Hs00001AbCdEIAV")
        );
        assert_eq!(
            request(r#"{"parameters":"{\"recordId\":\"006Hs00001AbCdE\"}"}"#).opportunity_id().as_deref(),
            Some("006Hs00001AbCdE")
        );
        assert_eq!(
            request(r#"{"record":{"attributes":{"type":"Opportunity"},"Id":"006Hs00001AbCdEIAV"}}"#)
                .opportunity_id()
                .as_deref(),
            Some("006Hs00001AbCdEIAV")
        );
        for other in [
            r#"{"parameters":{"recordId":"001Hs00001AbCdEIAV"}}"#,
            r#"{"parameters":{"recordId":"006' OR Id != '"}}"#,
            r#"{"record":{"attributes":{"type":"Account"},"Id":"006Hs00001AbCdEIAV"}}"#,
            r#"{}"#,
        ] {
            assert_eq!(request(other).opportunity_id(), None, "{other}");
        }
    }

    #[test]
    fn origins_are_bare_and_clean() {
        assert_eq!(
            origin_of("https://Acme.my.salesforce.com/one/one.app#x").as_deref(),
            Some("https://acme.my.salesforce.com")
        );
        assert_eq!(origin_of("http://127.0.0.1:8792").as_deref(), Some("http://127.0.0.1:8792"));
        for bad in ["javascript:alert(1)", "https://a.com\" onload=\"x", "https://a b.com", "https://", "ftp://a.com"] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }
}
