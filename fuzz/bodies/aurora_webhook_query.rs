// Aurora's webhook deliveries: any query string is recorded (never a panic, never a 4xx
// after the auth check) and read for what it asks.
//
// Shared by the fuzz target (`fuzz/fuzz_targets/aurora_webhook_query.rs`, nightly) and the stable replay of
// its seeds and corpus (`worker/tests/fuzz_corpora.rs`); included, so no inner attributes.

use aurora_crm_worker::jobs::aurora_event::{app_status_delivery, simulation_delivery};

/// One input, as the fuzzer and the stable replay give it.
pub fn run(data: &[u8]) {
    let query = String::from_utf8_lossy(data);
    let simulation = simulation_delivery(&query);
    assert!(simulation.event.dedupe_key.len() < 4 * 1024, "dedupe keys stay short");
    let status = app_status_delivery(&query, 1_790_000_000);
    assert!(status.event.dedupe_key.len() < 4 * 1024, "dedupe keys stay short");
}
