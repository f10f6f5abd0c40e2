// What HubSpot signs and sends: the v3 signature over method, URI (decoded as HubSpot
// decodes it), body and timestamp; the card call's query (the identity HubSpot appends);
// and a webhook batch's body. Any input is refused or read, never a panic. Half the inputs
// are signed correctly, so the card's query and the webhook's events are read too.
//
// Shared by the fuzz target (`fuzz/fuzz_targets/hubspot_request.rs`, nightly) and the
// stable replay of its seeds (`worker/tests/fuzz_corpora.rs`); included, so no inner
// attributes.

use aurora_crm_worker::crm::hubspot::{card, signature, webhook};

const SECRET: &[u8] = b"fuzz-hubspot-client-secret-0123456789ab";
const NOW_MS: i64 = 1_790_000_000_000;

/// One input, as the fuzzer and the stable replay give it.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    // The first line: the URI as received; the rest: the body.
    let split = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let Ok(uri) = std::str::from_utf8(&rest[..split]) else { return };
    let body = rest.get(split + 1..).unwrap_or_default();
    let _ = signature::request_uri(uri);
    let timestamp = NOW_MS.to_string();
    let given = if mode & 1 == 1 {
        let text = signature::sign(SECRET, "POST", uri, body, &timestamp);
        // As an intermediary may pass it on: `+` as a space.
        if mode & 2 == 2 { text.replace('+', " ") } else { text }
    } else {
        String::from_utf8_lossy(body.get(..44).unwrap_or(body)).into_owned()
    };
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_str(&given) {
        headers.insert(signature::SIGNATURE_HEADER, value);
    }
    headers.insert(signature::TIMESTAMP_HEADER, http::HeaderValue::from_str(&timestamp).expect("digits"));
    let _ = signature::decoded_signature(&headers);
    if signature::verify(SECRET, "POST", uri, body, &headers, NOW_MS).is_ok() {
        let query = uri.split_once('?').map_or("", |(_, query)| query);
        let _ = card::caller(query, "42");
    }
    let _ = webhook::verify(SECRET, uri, &headers, body, NOW_MS);
}
