//! The CRM's signed context (the iframe URL's `context`), as `POST /v1/sessions` verifies
//! it: any token is refused or read, never a panic. Half the inputs are signed with the
//! right secret, so the claims reader (the opportunity's site) is reached too.
//! The body is `fuzz/bodies/crm_context.rs`, which the stable test suite replays over the seeds.
#![no_main]

mod body {
    include!("../bodies/crm_context.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
