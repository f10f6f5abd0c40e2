//! See `fuzz/bodies/hubspot_request.rs`, which the stable test suite replays over the seeds.
#![no_main]

mod body {
    include!("../bodies/hubspot_request.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
