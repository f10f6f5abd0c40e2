//! Aurora's webhook deliveries: any query string is recorded (never a panic, never a 4xx
//! after the auth check) and read for what it asks.
#![no_main]

use aurora_crm_worker::jobs::aurora_event::{app_status_delivery, simulation_delivery};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let query = String::from_utf8_lossy(data);
    let simulation = simulation_delivery(&query);
    assert!(simulation.event.dedupe_key.len() < 4 * 1024, "dedupe keys stay short");
    let status = app_status_delivery(&query, 1_790_000_000);
    assert!(status.event.dedupe_key.len() < 4 * 1024, "dedupe keys stay short");
});
