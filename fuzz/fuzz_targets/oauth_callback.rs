//! See `fuzz/bodies/oauth_callback.rs`, which the stable test suite replays over the seeds.
#![no_main]

mod body {
    include!("../bodies/oauth_callback.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
