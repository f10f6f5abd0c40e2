// Salesforce's Canvas signed request (the form field `POST /embed/salesforce` receives):
// any text is refused or read, never a panic. Half the inputs are signed correctly over
// their payload (in either base64 alphabet, padded or not), so the JSON reader and what
// reads the request (the record id, the host origins) are reached too.
//
// Shared by the fuzz target (`fuzz/fuzz_targets/salesforce_signed_request.rs`, nightly) and
// the stable replay of its seeds (`worker/tests/fuzz_corpora.rs`); included, so no inner
// attributes.

use aurora_crm_worker::crm::salesforce::signed_request::verify_with_mac;
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use hmac::{Hmac, Mac};

const SECRET: &[u8] = b"fuzz-salesforce-consumer-secret-0123456789";

/// One input, as the fuzzer and the stable replay give it.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let text = if mode & 1 == 0 {
        // Any text as the signed request.
        match std::str::from_utf8(rest) {
            Ok(text) => text.to_owned(),
            Err(_) => return,
        }
    } else {
        // Any bytes as the payload's JSON, correctly signed: only the payload can be wrong.
        let payload = STANDARD.encode(rest);
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(SECRET).expect("any key length");
        mac.update(payload.as_bytes());
        let mac = mac.finalize().into_bytes();
        let signature = if mode & 2 == 0 { STANDARD.encode(mac) } else { URL_SAFE_NO_PAD.encode(mac) };
        format!("{signature}.{payload}")
    };
    if let Ok(verified) = verify_with_mac(&text, SECRET) {
        let _ = verified.request.opportunity_id();
        let _ = verified.request.host_origins();
    }
}
