// The CRM's webhook: headers and raw body as `POST /webhooks/crm/demo` checks them
// (timestamp window, HMAC over the raw body) and then reads the body. Half the inputs
// are signed correctly, so the body reader is reached too.
//
// Shared by the fuzz target (`fuzz/fuzz_targets/crm_webhook.rs`, nightly) and the stable replay of
// its seeds and corpus (`worker/tests/fuzz_corpora.rs`); included, so no inner attributes.

use aurora_crm_worker::crm::demo::webhook::{Delivery, headers, verify};
use hmac::{Hmac, Mac};

const SECRET: &[u8] = b"fuzz-demo-crm-client-secret-0123456789abcdef";
const NOW: i64 = 1_790_000_000;

/// One input, as the fuzzer and the stable replay give it.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    // The first line: the timestamp header as sent; the rest: the body.
    let split = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let (timestamp, body) = (&rest[..split], rest.get(split + 1..).unwrap_or_default());
    let mut map = http::HeaderMap::new();
    let timestamp = if mode & 1 == 0 { timestamp.to_vec() } else { NOW.to_string().into_bytes() };
    if let Ok(value) = http::HeaderValue::from_bytes(&timestamp) {
        map.insert(headers::TIMESTAMP, value.clone());
        let signature = if mode & 2 == 0 {
            let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(SECRET).expect("any key length");
            mac.update(&timestamp);
            mac.update(b".");
            mac.update(body);
            format!("v1={}", hex::encode(mac.finalize().into_bytes()))
        } else {
            format!("v1={}", hex::encode(body.get(..32).unwrap_or_default()))
        };
        if let Ok(value) = http::HeaderValue::from_str(&signature) {
            map.insert(headers::SIGNATURE, value);
        }
    }
    if let Ok(value) = http::HeaderValue::from_bytes(body.get(..20).unwrap_or(body)) {
        map.insert(headers::DELIVERY, value);
    }
    if let Ok(verified) = verify(SECRET, &map, body, NOW) {
        let _ = Delivery::read(&verified, body);
    }
}
