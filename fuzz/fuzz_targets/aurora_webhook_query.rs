//! Aurora's webhook deliveries: any query string is recorded (never a panic, never a 4xx
//! after the auth check) and read for what it asks.
//! The body is `fuzz/bodies/aurora_webhook_query.rs`, which the stable test suite replays over the seeds.
#![no_main]

mod body {
    include!("../bodies/aurora_webhook_query.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
