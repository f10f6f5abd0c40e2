//! Aurora's JSON answers as the client reads them: the design summary (lenient, field by
//! field), a temporary key, a project, a page of projects, the partner webhooks list. Any
//! bytes are read or refused, never a panic; a summary that is read keeps its two ids.
//! The body is `fuzz/bodies/aurora_json.rs`, which the stable test suite replays over the seeds.
#![no_main]

mod body {
    include!("../bodies/aurora_json.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
