//! The widget's reader of the worker's JSON (`widget_api::decode`, the same code the widget
//! runs over the browser's parsed values), over any JSON: read or refused with the field it
//! names, never a panic; and what it reads, written again by serde as the worker writes
//! it, reads back the same.
//! The body is `fuzz/bodies/widget_decode.rs`, which the stable test suite replays over the seeds.
#![no_main]

mod body {
    include!("../bodies/widget_decode.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
