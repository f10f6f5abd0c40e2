// The CRM's signed context (the iframe URL's `context`), as `POST /v1/sessions` verifies
// it: any token is refused or read, never a panic. Half the inputs are signed with the
// right secret, so the claims reader (the opportunity's site) is reached too.
//
// Shared by the fuzz target (`fuzz/fuzz_targets/crm_context.rs`, nightly) and the stable replay of
// its seeds and corpus (`worker/tests/fuzz_corpora.rs`); included, so no inner attributes.

use aurora_crm_worker::crm::demo::verify_demo_context;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use hmac::{Hmac, Mac};

const SECRET: &[u8] = b"fuzz-demo-crm-client-secret-0123456789abcdef";
const NOW: i64 = 1_790_000_000;

/// One input, as the fuzzer and the stable replay give it.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode & 1 == 0 {
        // Any text as the token.
        if let Ok(token) = std::str::from_utf8(rest) {
            let _ = verify_demo_context(token, SECRET, NOW);
        }
    } else {
        // Any bytes as the claims, correctly signed: only the claims can be wrong.
        let signing_input = format!("{}.{}", B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#), B64.encode(rest));
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(SECRET).expect("any key length");
        mac.update(signing_input.as_bytes());
        let token = format!("{signing_input}.{}", B64.encode(mac.finalize().into_bytes()));
        let _ = verify_demo_context(&token, SECRET, NOW);
    }
}
