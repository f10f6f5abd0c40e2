// What Pipedrive sends: the custom panel's JWT (`?token=` on the panel's URL) and a
// webhooks v2 delivery (Basic credentials and its JSON body). Any input is refused or
// read, never a panic. Half the inputs carry a correctly signed token and the right
// password for the company their body names, so the claims and the event are read too.
//
// Shared by the fuzz target (`fuzz/fuzz_targets/pipedrive_request.rs`, nightly) and the
// stable replay of its seeds (`worker/tests/fuzz_corpora.rs`); included, so no inner
// attributes.

use aurora_crm_worker::crm::pipedrive::{panel_token, webhook};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64},
};
use hmac::{Hmac, Mac};

const SECRET: &[u8] = b"fuzz-pipedrive-client-secret-0123456789ab";
const NOW: i64 = 1_790_000_000;

/// One input, as the fuzzer and the stable replay give it.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    // The panel's token: any text, or any claims correctly signed.
    let token = if mode & 1 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        let signing_input = format!("{}.{}", B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#), B64.encode(rest));
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(SECRET).expect("any key length");
        mac.update(signing_input.as_bytes());
        format!("{signing_input}.{}", B64.encode(mac.finalize().into_bytes()))
    };
    let _ = panel_token::verify(&token, SECRET, NOW);
    // A webhook: the body as sent, with the right password for the company it names, or
    // with whatever the input's first bytes say.
    let company = serde_json::from_slice::<serde_json::Value>(rest)
        .ok()
        .and_then(|event| event.get("meta").and_then(|meta| meta.get("company_id")).and_then(panel_token::id));
    let credentials = match (mode & 2 == 2, company) {
        (true, Some(company)) => format!("{}:{}", webhook::USER, webhook::password(SECRET, company)),
        _ => String::from_utf8_lossy(rest.get(..40).unwrap_or(rest)).into_owned(),
    };
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_str(&format!("Basic {}", STANDARD.encode(credentials))) {
        headers.insert(http::header::AUTHORIZATION, value);
    }
    let _ = webhook::verify(SECRET, &headers, rest);
}
