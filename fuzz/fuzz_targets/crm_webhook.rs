//! The CRM's webhook: headers and raw body as `POST /webhooks/crm/demo` checks them
//! (timestamp window, HMAC over the raw body) and then reads the body. Half the inputs
//! are signed correctly, so the body reader is reached too.
//! The body is `fuzz/bodies/crm_webhook.rs`, which the stable test suite replays over the seeds.
#![no_main]

mod body {
    include!("../bodies/crm_webhook.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
