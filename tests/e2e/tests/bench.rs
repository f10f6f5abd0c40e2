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

/// One page load, in ms since navigation (0 for a step the page does not have).
struct Load {
    /// The design on screen (the `aurora-design-shown` mark).
    shown: f64,
    /// `/v1/` requests that started before it.
    api_requests: usize,
    /// The wasm's last byte arrived.
    wasm_arrived: f64,
    /// The session's answer arrived.
    session_answered: f64,
    /// The boot script began to run (`aurora-boot-start`).
    script_ran: f64,
    /// The wasm was compiled and instantiated (`aurora-wasm-ready`).
    wasm_ready: f64,
}

async fn load(url: &str) -> Load {
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
                 const mark = (name) => { const e = performance.getEntriesByName(name)[0]; return e ? e.startTime : 0; };\
                 return [m.startTime, api.length, end('.wasm'), end('/v1/sessions'), mark('aurora-boot-start'), mark('aurora-wasm-ready')];",
                vec![],
            )
            .await
            .expect("read the mark");
        if let Some(values) = seen.as_array() {
            let at = |i: usize| values[i].as_f64().unwrap_or(0.0);
            let loaded = Load {
                shown: at(0),
                api_requests: values[1].as_u64().expect("count") as usize,
                wasm_arrived: at(2),
                session_answered: at(3),
                script_ran: at(4),
                wasm_ready: at(5),
            };
            client.close().await.expect("close");
            return loaded;
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
    let (mut embeds, mut static_ms) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        embeds.push(load(&embed).await);
        static_ms.push(load(&reference).await.shown);
    }
    let each = |step: fn(&Load) -> f64| embeds.iter().map(step).collect::<Vec<_>>();
    let figure = json!({ "figure": "boot", "embed_ms": each(|l| l.shown), "static_ms": static_ms,
                         "api_requests": embeds.iter().map(|l| l.api_requests).collect::<Vec<_>>(),
                         "wasm_arrived_ms": each(|l| l.wasm_arrived), "session_answered_ms": each(|l| l.session_answered),
                         "script_ran_ms": each(|l| l.script_ran), "wasm_ready_ms": each(|l| l.wasm_ready) });
    println!("BENCH {figure}");
}

/// Pipedrive's part of figure 2: from the panel's navigation to the SDK's `initialize`
/// (posted by `www/pipedrive-init.js`, which records when), in the local Pipedrive's deal
/// page, a fresh browser each time. Installs the app (OAuth) first: the panel opens only
/// for an installed company. Prints one `BENCH {json}` line.
#[tokio::test]
#[ignore = "run by `cargo xtask bench` against the system it starts"]
#[allow(clippy::print_stdout)] // its output is what the bench reads
async fn bench_pipedrive_initialize() {
    use e2e::{click_to_navigate, fill, wait_for};
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(6);
    let pipedrive = env("BENCH_PIPEDRIVE_URL");
    let log_in = |client: fantoccini::Client, email: &'static str| async move {
        fill(&client, "[data-testid=pd-email]", email).await;
        fill(&client, "[data-testid=pd-password]", "demo").await;
        click_to_navigate(&client, "[data-testid=pd-login]").await;
        client
    };
    let admin = chromium().await;
    admin.goto(&format!("{pipedrive}/marketplace")).await.expect("marketplace");
    let admin = log_in(admin, "hana@helio.example").await;
    click_to_navigate(&admin, "[data-testid=pd-install]").await;
    click_to_navigate(&admin, "[data-testid=pd-allow]").await;
    admin.close().await.expect("close");
    let mut initialized_ms = Vec::new();
    // One load first, not counted, as for the embed page.
    for run in 0..=runs {
        let client = chromium().await;
        client.goto(&format!("{pipedrive}/deal/1")).await.expect("deal");
        let client = log_in(client, "rui@helio.example").await;
        wait_for(&client, "iframe[data-testid=pd-panel-frame]").await.enter_frame().await.expect("enter the panel");
        let deadline = Instant::now() + Duration::from_secs(30);
        let at = loop {
            let at = client.execute("return window.__auroraPanelInitializedAt ?? null;", vec![]).await.expect("read");
            if let Some(at) = at.as_f64() {
                break at;
            }
            assert!(Instant::now() < deadline, "the panel never posted initialize");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        client.close().await.expect("close");
        if run > 0 {
            initialized_ms.push(at);
        }
    }
    println!("BENCH {}", json!({ "figure": "pipedrive_initialize", "initialized_ms": initialized_ms }));
}
