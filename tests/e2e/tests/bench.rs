//! Figure 2 of `cargo xtask bench`: from navigation to the design on screen, in headless
//! Chromium with a fresh browser each time, for the widget's embed page, for the same page
//! saved without its script (the reference: the same screen as a static page) and for a
//! minimal static page of the main figures, all served by the same worker; and how many
//! API requests the widget made before it showed the design. Both pages have the design in
//! their HTML (the embed page as the worker rendered it), so "on screen" is the browser's
//! first contentful paint, read the same way for both. Prints one `BENCH {json}` line,
//! with a CPU profile of one more load of the embed page (where the renderer's main thread
//! went) up to the wasm's start.
//! Not a test of behaviour: run by `cargo xtask bench` only.

use e2e::{chromium, env};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// One page load, in ms since navigation (0 for a step the page does not have).
struct Load {
    /// The design on screen (the first contentful paint).
    shown: f64,
    /// `/v1/` requests that started before it.
    api_requests: usize,
    /// The wasm's last byte arrived.
    wasm_arrived: f64,
    /// Bytes transferred before the design was on screen: the page, and every resource
    /// whose last byte arrived by then.
    bytes_before: f64,
    /// Those resources, by file name.
    before: Vec<String>,
    /// The page's first byte arrived (`responseStart`).
    first_byte: f64,
    /// The page's own bytes (`transferSize`: headers and body as sent).
    page_bytes: f64,
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
                "const m = performance.getEntriesByName('first-contentful-paint')[0]; if (!m) return null;\
                 const mark = (name) => { const e = performance.getEntriesByName(name)[0]; return e ? e.startTime : 0; };\
                 if (document.querySelector('script[src$=\"embed.js\"]') && !mark('aurora-wasm-ready')) return null;\
                 const all = performance.getEntriesByType('resource');\
                 const api = all.filter((e) => e.name.includes('/v1/') && e.startTime < m.startTime);\
                 const before = all.filter((e) => e.responseEnd <= m.startTime);\
                 const nav = performance.getEntriesByType('navigation')[0];\
                 const bytes = (nav ? nav.transferSize : 0) + before.reduce((sum, e) => sum + e.transferSize, 0);\
                 const end = (suffix) => { const e = all.find((r) => r.name.endsWith(suffix)); return e ? e.responseEnd : 0; };\
                 return [m.startTime, api.length, end('.wasm'), bytes, mark('aurora-boot-start'), mark('aurora-wasm-ready'),\
                         before.map((e) => e.name.split('/').pop()), nav ? nav.responseStart : 0, nav ? nav.transferSize : 0];",
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
                bytes_before: at(3),
                before: values[6]
                    .as_array()
                    .map(|names| names.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
                first_byte: at(7),
                page_bytes: at(8),
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

/// A Chrome DevTools Protocol command, through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.0, "params": self.1 }).to_string()))
    }
}

/// One more load of `url` (not counted) under V8's sampling profiler, from the navigation
/// to the design on screen: the main thread's time by kind (waiting, the browser's own
/// work, wasm, JavaScript, garbage collection) and the functions with the most self time.
async fn main_thread_profile(url: &str) -> Value {
    let client = chromium().await;
    // The page's origin first: the profiler runs in the page's renderer, which a navigation
    // to another site would replace.
    let origin = url::Url::parse(url).expect("url").join("/health").expect("url");
    client.goto(origin.as_str()).await.expect("navigate");
    for (command, params) in
        [("Profiler.enable", json!({})), ("Profiler.setSamplingInterval", json!({ "interval": 200 }))]
    {
        client.issue_cmd(Cdp(command, params)).await.expect(command);
    }
    client.issue_cmd(Cdp("Profiler.start", json!({}))).await.expect("Profiler.start");
    client.goto(url).await.expect("navigate");
    let deadline = Instant::now() + Duration::from_secs(30);
    while client
        .execute("return performance.getEntriesByName('first-contentful-paint').length;", vec![])
        .await
        .expect("read the mark")
        .as_u64()
        == Some(0)
    {
        assert!(Instant::now() < deadline, "{url} never showed the design");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stopped = client.issue_cmd(Cdp("Profiler.stop", json!({}))).await.expect("Profiler.stop");
    client.close().await.expect("close");
    summarize(&stopped["profile"])
}

/// Self time per node of a CDP `Profiler.Profile`, grouped.
fn summarize(profile: &Value) -> Value {
    use std::collections::HashMap;
    let nodes: HashMap<u64, &Value> =
        profile["nodes"].as_array().into_iter().flatten().filter_map(|n| Some((n["id"].as_u64()?, n))).collect();
    let samples = profile["samples"].as_array().cloned().unwrap_or_default();
    let deltas = profile["timeDeltas"].as_array().cloned().unwrap_or_default();
    let (mut kinds, mut functions) = (HashMap::<&str, f64>::new(), HashMap::<String, f64>::new());
    // A sample's time is the gap to the next one (timeDeltas[i] precedes samples[i]).
    for (i, sample) in samples.iter().enumerate() {
        let ms = deltas.get(i + 1).and_then(Value::as_f64).unwrap_or(0.0) / 1000.0;
        let Some(frame) = sample.as_u64().and_then(|id| nodes.get(&id)).map(|n| &n["callFrame"]) else { continue };
        let (name, script) = (frame["functionName"].as_str().unwrap_or(""), frame["url"].as_str().unwrap_or(""));
        let kind = match name {
            "(idle)" => "idle (waiting for the network)",
            "(program)" => "the browser's own work (parsing, style, layout, paint, compiling)",
            "(garbage collector)" => "garbage collection",
            _ if script.ends_with(".wasm") || name.starts_with("wasm-function") || name.starts_with('$') => "wasm",
            _ => "JavaScript",
        };
        *kinds.entry(kind).or_default() += ms;
        if !name.starts_with('(') {
            let file = script.rsplit('/').next().unwrap_or(script);
            *functions
                .entry(format!("{} ({file})", if name.is_empty() { "(anonymous)" } else { name }))
                .or_default() += ms;
        }
    }
    let mut kinds: Vec<(&str, f64)> = kinds.into_iter().collect();
    kinds.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut functions: Vec<(String, f64)> = functions.into_iter().collect();
    functions.sort_by(|a, b| b.1.total_cmp(&a.1));
    functions.truncate(8);
    json!({
        "kinds": kinds.iter().map(|(k, ms)| json!({ "kind": k, "ms": ms })).collect::<Vec<_>>(),
        "functions": functions.iter().map(|(f, ms)| json!({ "function": f, "ms": ms })).collect::<Vec<_>>(),
    })
}

#[tokio::test]
#[ignore = "run by `cargo xtask bench` against the system it starts"]
#[allow(clippy::print_stdout)] // its output is what the bench reads
async fn bench_boot_to_data() {
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(7);
    let (embed, reference, minimal) = (env("BENCH_EMBED_URL"), env("BENCH_STATIC_URL"), env("BENCH_MINIMAL_URL"));
    // One load of each first, not counted: the worker's and the disk's caches warm alike.
    for url in [&embed, &reference, &minimal] {
        load(url).await;
    }
    let (mut embeds, mut statics, mut minimal_ms) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        embeds.push(load(&embed).await);
        statics.push(load(&reference).await);
        minimal_ms.push(load(&minimal).await.shown);
    }
    let static_ms: Vec<f64> = statics.iter().map(|l| l.shown).collect();
    let each = |step: fn(&Load) -> f64| embeds.iter().map(step).collect::<Vec<_>>();
    let profile = main_thread_profile(&embed).await;
    let figure = json!({ "figure": "boot", "profile": profile, "embed_ms": each(|l| l.shown), "static_ms": static_ms,
                         "minimal_ms": minimal_ms,
                         "api_requests": embeds.iter().map(|l| l.api_requests).collect::<Vec<_>>(),
                         "wasm_arrived_ms": each(|l| l.wasm_arrived), "bytes_before": each(|l| l.bytes_before),
                         "before": embeds.first().map(|l| l.before.clone()).unwrap_or_default(),
                         "first_byte_ms": each(|l| l.first_byte), "page_bytes": each(|l| l.page_bytes),
                         "static_first_byte_ms": statics.iter().map(|l| l.first_byte).collect::<Vec<_>>(),
                         "static_page_bytes": statics.iter().map(|l| l.page_bytes).collect::<Vec<_>>(),
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
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(7);
    let pipedrive = env("BENCH_PIPEDRIVE_URL");
    let log_in = |client: fantoccini::Client, email: &'static str| async move {
        fill(&client, "[data-testid=pd-email]", email).await;
        fill(&client, "[data-testid=pd-password]", "demo").await;
        click_to_navigate(&client, "[data-testid=pd-login]").await;
        client
    };
    // The admin installs for the company, then the rep for themself: Pipedrive shows a
    // panel only to users who installed its app.
    for user in ["hana@helio.example", "rui@helio.example"] {
        let client = chromium().await;
        client.goto(&format!("{pipedrive}/marketplace")).await.expect("marketplace");
        let client = log_in(client, user).await;
        click_to_navigate(&client, "[data-testid=pd-install]").await;
        click_to_navigate(&client, "[data-testid=pd-allow]").await;
        client.close().await.expect("close");
    }
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
