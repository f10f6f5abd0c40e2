// An install's OAuth callback (`GET /install/{crm}/callback?code&state&error`) with the
// browser's install cookie: the query read as the route reads it, the `state` checked
// (our signature, unexpired, bound to the cookie). Any input is refused or read, never a
// panic. Half the inputs carry a state we signed, bound or not to the cookie.
//
// Shared by the fuzz target (`fuzz/fuzz_targets/oauth_callback.rs`, nightly) and the
// stable replay of its seeds (`worker/tests/fuzz_corpora.rs`); included, so no inner
// attributes.

use aurora_crm_worker::{
    crypto::{Purpose, jwt},
    installations::install_state_nonce,
};

const MASTER: &[u8] = b"fuzz-worker-signing-secret-0123456789abcdef";
const NOW: i64 = 1_790_000_000;

/// One input, as the fuzzer and the stable replay give it.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    // The first line: the callback's query; the rest: the install cookie.
    let split = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let query = &rest[..split];
    let cookie = std::str::from_utf8(rest.get(split + 1..).unwrap_or_default()).ok();
    let mut state = None;
    for (key, value) in form_urlencoded::parse(query) {
        if key == "state" {
            state = Some(value.into_owned());
        }
    }
    let state = if mode & 1 == 1 {
        // A state we signed, for the cookie's nonce or another, alive or expired.
        let nonce = if mode & 2 == 2 { cookie.unwrap_or_default().to_owned() } else { state.unwrap_or_default() };
        let exp = if mode & 4 == 4 { NOW - 1 } else { NOW + 600 };
        jwt::sign_for(MASTER, Purpose::InstallState, &serde_json::json!({ "nonce": nonce, "exp": exp }))
    } else {
        state.unwrap_or_default()
    };
    let _ = install_state_nonce(MASTER, &state, cookie, NOW);
}
