//! Figure 2 of `cargo xtask bench`: from navigation to the design on screen, in headless
//! Chromium with a fresh browser each time, for the widget's embed page and for a static
//! page with the same figures served by the same worker (the reference), and how many API
//! requests the widget made before it showed the design. Both pages set the user-timing
//! mark `aurora-design-shown` when the design is in the page (the widget when it mounts the
//! design; the static page at the end of its body). Prints one `BENCH {json}` line.
//! Not a test of behaviour: run by `cargo xtask bench` only.

use e2e::{chromium, env};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The mark's time (ms since navigation), the `/v1/` requests that started before it, and
/// when the wasm and the session's answer had arrived (ms; 0 for a page without them).
async fn load(url: &str) -> (f64, usize, f64, f64) {
    let client = chromium().await;
    client.goto(url).await.expect("navigate");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen: Value = client
            .execute(
                "const m = performance.getEntriesByName('aurora-design-shown')[0]; if (!m) return null;\
                 const all = performance.getEntriesByType('resource');\
                 const api = all.filter((e) => e.name.includes('/v1/') && e.startTime < m.startTime);\
                 const end = (suffix) => { const e = all.find((r) => r.name.endsWith(suffix)); return e ? e.responseEnd : 0; };\
                 return [m.startTime, api.length, end('.wasm'), end('/v1/sessions')];",
                vec![],
            )
            .await
            .expect("read the mark");
        if let Some(pair) = seen.as_array() {
            let at = pair[0].as_f64().expect("time");
            let requests = pair[1].as_u64().expect("count") as usize;
            let (wasm, session) = (pair[2].as_f64().unwrap_or(0.0), pair[3].as_f64().unwrap_or(0.0));
            client.close().await.expect("close");
            return (at, requests, wasm, session);
        }
        assert!(Instant::now() < deadline, "{url} never showed the design");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
#[ignore = "run by `cargo xtask bench` against the system it starts"]
#[allow(clippy::print_stdout)] // its output is what the bench reads
async fn bench_boot_to_data() {
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(6);
    let (embed, reference) = (env("BENCH_EMBED_URL"), env("BENCH_STATIC_URL"));
    // One load of each first, not counted: the worker's and the disk's caches warm alike.
    load(&embed).await;
    load(&reference).await;
    let (mut embed_ms, mut static_ms, mut requests, mut wasm_ms, mut session_ms) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let (at, api, wasm, session) = load(&embed).await;
        embed_ms.push(at);
        requests.push(api);
        wasm_ms.push(wasm);
        session_ms.push(session);
        static_ms.push(load(&reference).await.0);
    }
    let figure = json!({ "figure": "boot", "embed_ms": embed_ms, "static_ms": static_ms, "api_requests": requests,
                         "wasm_arrived_ms": wasm_ms, "session_answered_ms": session_ms });
    println!("BENCH {figure}");
}
