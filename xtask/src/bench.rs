//! `cargo xtask bench [--quick]`: the figures reps and Aurora feel, each with its goal,
//! timings as ratios to a reference measured in the same run (these machines are noisy).
//! Builds the native binaries with the `native` profile (optimized for speed), starts the
//! local system on 127.0.0.1 (sandbox and the native worker on SQLite), an axum
//! hello-world beside it, wrk (Debian's) and headless Chromium, prints the table and
//! writes it to `BENCHMARKS.md`.
//!
//! The figures that need the running system's state (a design ready for a rep, events
//! recorded, keys minted, projects paced) come from ignored `bench_` tests, which print one
//! `BENCH {json}` line each; everything else is measured here.

use crate::{
    build,
    local_system::{self, Host},
    processes::{Running, free_port, wait_for_http},
    tools::{self, cargo},
};
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::{
    fmt::Write as _,
    fs,
    process::{Command, ExitCode, Stdio},
    time::{Duration, Instant},
};

/// How long each wrk throughput run lasts.
fn wrk_seconds(quick: bool) -> u32 {
    if quick { 3 } else { 6 }
}

/// One row of the table.
struct Figure {
    name: String,
    value: String,
    goal: String,
    /// `Some(true)` met, `Some(false)` missed, `None` reported only.
    met: Option<bool>,
    /// How to reproduce this line alone.
    how: String,
}

#[derive(Default)]
struct Report {
    figures: Vec<Figure>,
    notes: Vec<String>,
}

impl Report {
    fn add(&mut self, name: &str, value: String, goal: &str, met: Option<bool>, how: &str) {
        let mark = match met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "reported",
        };
        println!("bench: {name}: {value} (goal {goal}: {mark})");
        self.figures.push(Figure { name: name.into(), value, goal: goal.into(), met, how: how.into() });
    }

    fn table(&self) -> String {
        let mut out = String::from("| # | figure | measured | goal | |\n|---|---|---|---|---|\n");
        for (i, f) in self.figures.iter().enumerate() {
            let mark = match f.met {
                Some(true) => "met",
                Some(false) => "**missed**",
                None => "reported",
            };
            let _ = writeln!(out, "| {} | {} | {} | {} | {mark} |", i + 1, f.name, f.value, f.goal);
        }
        out
    }
}

/// The `BENCH {json}` lines of a test run's output.
fn bench_lines(output: &str) -> Vec<Value> {
    output
        .lines()
        .filter_map(|l| l.trim().strip_prefix("BENCH "))
        .filter_map(|j| serde_json::from_str(j).ok())
        .collect()
}

/// Runs the ignored test `name` (exactly) across the workspace's test binaries, with `env`;
/// answers its output. The workspace's feature set, as `cargo xtask test` builds it.
fn bench_test<K: AsRef<std::ffi::OsStr>>(name: &str, env: &[(K, String)]) -> Result<String> {
    let mut command = cargo();
    command
        .args(["test", "--workspace", "--", "--ignored", "--nocapture", "--exact", name])
        .envs(env.iter().map(|(k, v)| (k, v.as_str())))
        .stderr(Stdio::inherit());
    println!("$ {}", tools::describe(&command));
    let output = command.output().with_context(|| format!("running {name}"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        println!("{text}");
        bail!("{name} failed");
    }
    Ok(text)
}

/// wrk's summary of one run.
#[derive(Debug, Default)]
struct WrkRun {
    requests_per_second: f64,
    requests: u64,
    non_2xx: u64,
    mean_ms: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn milliseconds(text: &str) -> Option<f64> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (text, 1.0)
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

fn parse_wrk(output: &str) -> WrkRun {
    let mut run = WrkRun::default();
    for line in output.lines().map(str::trim) {
        if let Some(rate) = line.strip_prefix("Requests/sec:") {
            run.requests_per_second = rate.trim().parse().unwrap_or(0.0);
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            run.non_2xx = rest.trim().parse().unwrap_or(0);
        } else if line.contains(" requests in ") {
            run.requests = line.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0);
        } else if let Some(mean) =
            line.strip_prefix("Latency ").and_then(|s| s.split_whitespace().next()).and_then(milliseconds)
        {
            // The thread stats' line (`Latency Distribution` reads as no number).
            run.mean_ms = mean;
        } else if let Some(p) = line.strip_prefix("50%") {
            run.p50_ms = milliseconds(p).unwrap_or(0.0);
        } else if let Some(p) = line.strip_prefix("99%") {
            run.p99_ms = milliseconds(p).unwrap_or(0.0);
        }
    }
    run
}

/// One wrk run: 2 threads, `connections`, for `seconds`, with `extra` arguments.
fn wrk(url: &str, connections: u32, seconds: u32, extra: &[&str], env: &[(&str, String)]) -> Result<WrkRun> {
    let mut command = Command::new("wrk");
    command
        .args(["-t2", &format!("-c{connections}"), &format!("-d{seconds}s"), "--latency"])
        .args(extra)
        .arg(url)
        .envs(env.iter().map(|(k, v)| (k, v.as_str())));
    println!("$ {}", tools::describe(&command));
    let output = command.output().context("running wrk (cargo xtask setup installs it)")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!("wrk failed: {text}{}", String::from_utf8_lossy(&output.stderr));
    }
    print!("{text}");
    Ok(parse_wrk(&text))
}

/// `perf record` on a process for a while, when the machine allows it.
struct Profiler {
    child: std::process::Child,
    data: std::path::PathBuf,
}

impl Profiler {
    fn start(pid: u32, seconds: u32, name: &str) -> Option<Profiler> {
        let data = tools::root().join(format!("target/bench/{name}.perf.data"));
        let child = Command::new("perf")
            .args(["record", "-F", "499", "-g", "-p", &pid.to_string(), "-o"])
            .arg(&data)
            .args(["--", "sleep", &seconds.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        Some(Profiler { child, data })
    }

    /// Self time by binary, then the worker's own top symbols; nothing when perf could not
    /// record.
    fn top(mut self) -> Option<String> {
        // perf's own exit status varies with how the sampled process fared: the data decides.
        self.child.wait().ok()?;
        let report = |args: &[&str], lines: usize| -> Option<String> {
            let output = Command::new("perf")
                .args(["report", "--stdio", "--no-children", "-g", "none", "-i"])
                .arg(&self.data)
                .args(args)
                .output()
                .ok()?;
            let text = String::from_utf8_lossy(&output.stdout).into_owned();
            let kept: Vec<String> = text
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .take(lines)
                .map(|l| l.split_whitespace().filter(|w| *w != "-").collect::<Vec<_>>().join(" "))
                .collect();
            (!kept.is_empty()).then(|| kept.iter().map(|l| format!("{l}\n")).collect())
        };
        let by_binary = report(&["--sort", "dso"], 5)?;
        let worker = report(&["--sort", "symbol", "--dsos", "aurora-crm-worker"], 12).unwrap_or_default();
        Some(format!("{by_binary}\nthe worker's own top symbols:\n{worker}"))
    }
}

/// The boot's CPU profile (from `bench_boot_to_data`) as lines: time by kind, then the
/// functions with the most self time; nothing when the browser gave no profile.
fn boot_profile(profile: &Value) -> Option<String> {
    let rows = |key: &str, name: &str| -> Vec<(String, f64)> {
        profile[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| Some((row[name].as_str()?.to_owned(), row["ms"].as_f64()?)))
            .collect()
    };
    let kinds = rows("kinds", "kind");
    let total: f64 = kinds.iter().map(|(_, ms)| ms).sum();
    if total <= 0.0 {
        return None;
    }
    let mut out = String::new();
    for (kind, ms) in &kinds {
        let _ = writeln!(out, "{ms:6.1} ms {:5.1}% {kind}", ms * 100.0 / total);
    }
    let _ = writeln!(out, "\nfunctions, self time:");
    for (function, ms) in rows("functions", "function") {
        let _ = writeln!(out, "{ms:6.1} ms {function}");
    }
    Some(out)
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

/// The embed page as the worker rendered it, saved without its script and served by the
/// worker from `dist/`: the same bytes, the same screen, nothing to load after it. The
/// reference "as fast as a static page" is measured against.
fn write_static_screen(embed_url: &str) -> Result<()> {
    let mut answer = ureq::get(embed_url).call().context("fetching the embed page")?;
    let page = answer.body_mut().read_to_string().context("reading the embed page")?;
    let script = "<script type=\"module\" src=\"/widget/embed.js\"></script>";
    anyhow::ensure!(page.contains(script), "the embed page has no boot script to leave out");
    let dir = tools::dist_dir().join("bench");
    fs::create_dir_all(&dir).context("creating dist/bench")?;
    fs::write(dir.join("screen.html"), page.replacen(script, "", 1)).context("writing dist/bench/screen.html")
}

/// A minimal static page with the design's main figures, served by the worker from
/// `dist/`: what the figures alone cost a browser to show.
fn write_static_design(state: &Value) -> Result<()> {
    let design = &state["design"];
    let kw = design["system_size_stc"].as_f64().unwrap_or(0.0) / 1000.0;
    let production = &design["production"];
    let months: String = production["monthly_kwh"]
        .as_array()
        .map(|m| m.iter().map(|v| format!("<li>{:.0} kWh</li>", v.as_f64().unwrap_or(0.0))).collect())
        .unwrap_or_default();
    let page = format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Design</title><link rel=icon href=\"data:,\">\
         <link rel=stylesheet href=/widget/widget.css></head><body><main><h1>Design ready</h1>\
         <p>System size {kw:.2} kW</p><p>Annual production {:.0} kWh</p><ol>{months}</ol></main>\
         </body></html>",
        production["annual_kwh"].as_f64().unwrap_or(0.0)
    );
    let dir = tools::dist_dir().join("bench");
    fs::create_dir_all(&dir).context("creating dist/bench")?;
    fs::write(dir.join("design.html"), page).context("writing dist/bench/design.html")
}

fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let memory = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map(|kib| format!("{:.0} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {memory}")
}

/// Rounds of the poll's measurement (hello-world, 200, 304), the median reported.
const POLL_ROUNDS: usize = 3;

/// The groups of figures `--only` can pick, in the order they run.
pub const GROUPS: &[&str] = &["widget", "poll", "webhooks", "boot", "pacing", "keys", "edge"];

pub fn run(quick: bool, only: &[String]) -> Result<ExitCode> {
    let wants = |group: &str| only.is_empty() || only.iter().any(|o| o == group);
    let needs_system = ["poll", "webhooks", "boot"].iter().any(|g| wants(g));
    crate::processes::stop_children_on_signal();
    if !crate::setup::is_complete() {
        crate::setup::run()?;
    }
    crate::setup::bench_tools()?;
    let started = Instant::now();
    let mut report = Report::default();

    // 1. What the rep's browser downloads.
    let widget = if wants("widget") || wants("boot") { Some(build::widget()?) } else { None };
    if let Some(widget) = widget.as_ref().filter(|_| wants("widget")) {
        report.add(
            "Widget transfer: wasm + JS + CSS, brotli, every CRM's host adapter in",
            format!("{} B", widget.brotli),
            "<= 45,000 B",
            Some(widget.brotli <= 45_000),
            "cargo xtask build",
        );
    }
    if needs_system {
        measure_the_running_system(quick, &wants, &mut report)?;
    }

    // 5. Pacing on the shared key, at Aurora's real rate.
    if wants("pacing") {
        let projects = if quick { 30 } else { 300 };
        let paced = bench_lines(&bench_test(
            "bench_projects_created_at_auroras_real_rate",
            &[("BENCH_PROJECTS", projects.to_string())],
        )?);
        if let Some(paced) = paced.first() {
            let (seconds, floor) =
                (paced["seconds"].as_f64().unwrap_or(0.0), paced["floor_seconds"].as_f64().unwrap_or(1.0));
            let limited = paced["rate_limited"].as_u64().unwrap_or(0);
            report.add(
                &format!("Pacing: {projects} projects at Aurora's 90 requests/minute"),
                format!(
                    "{limited} Aurora 429s; {seconds:.1} s vs a floor of {floor:.1} s ({:+.1} %)",
                    (seconds / floor - 1.0) * 100.0
                ),
                "0 429s, within 5 % of the floor",
                Some(limited == 0 && seconds <= floor * 1.05),
                "cargo test -p aurora-crm-worker --test pacing -- --ignored --nocapture bench_",
            );
        }
    }

    // 6. Temporary keys minted for concurrent callers of one tenant.
    if wants("keys") {
        let mints = bench_lines(&bench_test::<&str>("bench_key_mints_for_concurrent_callers", &[])?);
        if let Some(mints) = mints.first() {
            let minted = mints["mints"].as_u64().unwrap_or(0);
            report.add(
                "Temporary-key mints for 500 concurrent callers of one tenant",
                minted.to_string(),
                "1",
                Some(minted == 1),
                "cargo test -p aurora-crm-worker --test temporary_keys -- --ignored bench_",
            );
        }
    }

    // 7. The Workers bundle, and its cold start under workerd.
    if wants("edge") {
        let wasm = build::edge_bundle()?;
        report.add(
            "Workers bundle: wasm, gzip, every CRM in",
            format!("{} B", wasm.gzip),
            "<= 800,000 B with rendering in (budget 1,000,000 asserted)",
            Some(wasm.gzip <= 800_000),
            "cargo xtask build --edge",
        );
        let edge_ports = local_system::Ports::free()?;
        let edge_data = tools::root().join(format!("target/bench/edge-{}", edge_ports.worker));
        let spawned = Instant::now();
        let secrets = local_system::Secrets::random()?;
        let edge = local_system::start_edge_worker(edge_ports.worker, &secrets, &edge_ports.urls(), &edge_data);
        let cold = spawned.elapsed();
        match edge {
            Ok(worker) => {
                drop(worker);
                report.add(
                    "Workers cold start: `wrangler dev` (workerd, local D1 migrated) to its first answered request",
                    format!("{:.1} s", cold.as_secs_f64()),
                    "reported",
                    None,
                    "cargo xtask dev --edge",
                );
            }
            Err(error) => report.notes.push(format!("the edge worker did not start: {error:#}")),
        }
    }

    let took = started.elapsed().as_secs_f64();
    let table = report.table();
    println!("\n{table}");
    println!("bench took {took:.0} s");
    let missed = report.figures.iter().filter(|f| f.met == Some(false)).count();
    let mut how = String::new();
    for (i, f) in report.figures.iter().enumerate() {
        let _ = writeln!(how, "{}. {}: `{}`", i + 1, f.name, f.how);
    }
    let notes: String = report.notes.iter().map(|n| format!("- {n}\n")).collect();
    let document = format!(
        "{}\n\n## Latest run\n\n{} on {}, `cargo xtask bench{}`, {took:.0} s. {missed} of {} goals missed.\n\n{table}\n{notes}\n## Reproducing each line\n\n`cargo xtask bench` runs them all (`--quick` for a short run). Alone:\n\n{how}",
        BENCHMARKS_HEADER.trim_end(),
        chrono_like_now(),
        machine(),
        if quick { " --quick" } else { "" },
        report.figures.iter().filter(|f| f.met.is_some()).count(),
    );
    let path = tools::root().join(match (quick, only.is_empty()) {
        (_, false) => "target/BENCHMARKS.partial.md",
        (true, true) => "target/BENCHMARKS.quick.md",
        (false, true) => "BENCHMARKS.md",
    });
    let existing = fs::read_to_string(&path).unwrap_or_default();
    // What follows the generated part (analysis written by people) is kept.
    let kept = existing.split_once(ANALYSIS_MARKER).map(|(_, rest)| rest.to_owned());
    let document = match kept {
        Some(rest) => format!("{document}\n{ANALYSIS_MARKER}{rest}"),
        None => format!("{document}\n{ANALYSIS_MARKER}\n"),
    };
    fs::write(&path, document).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// The figures measured against the running local system: the poll (against the
/// hello-world beside it), the webhook bursts and memory, boot to data in Chromium.
fn measure_the_running_system(quick: bool, wants: &dyn Fn(&str) -> bool, report: &mut Report) -> Result<()> {
    // The system, as a server runs it, and the reference beside it.
    // The `native` profile: what a server runs (the release profile is for small wasm).
    tools::run(cargo().args([
        "build",
        "--profile",
        "native",
        "-p",
        "aurora-crm-worker",
        "-p",
        "sandbox",
        "-p",
        "bench-reference",
    ]))?;
    local_system::build_binaries()?;
    let binaries = tools::root().join("target/native");
    let ports = local_system::Ports::free()?;
    let data = tools::root().join(format!("target/bench/{}", ports.worker));
    let secrets = local_system::Secrets::random()?;
    let system = local_system::start_from(&binaries, Host::Native, ports, &secrets, &data)?;
    let hello_port = free_port()?;
    let hello_url = format!("http://127.0.0.1:{hello_port}/");
    let mut hello = Running::spawn(
        "hello-world",
        Command::new(binaries.join("hello-world")).arg(format!("127.0.0.1:{hello_port}")).stdout(Stdio::null()),
    )?;
    wait_for_http("the hello-world reference", &hello_url, Duration::from_secs(10), &mut hello)?;
    let system_env = local_system::conformance_env(&system, &secrets, Host::Native);
    let pid = system.worker_pid().context("the native worker's pid")?;

    // A rep's opportunity with its design ready.
    let prepared = bench_test("bench_prepare_a_ready_design", &system_env)?;
    let ready = prepared
        .lines()
        .find_map(|l| l.trim().strip_prefix("BENCH_STATE "))
        .and_then(|j| serde_json::from_str::<Value>(j).ok())
        .context("the preparation printed no BENCH_STATE")?;
    let text = |key: &str| ready[key].as_str().unwrap_or_default().to_owned();
    let (token, opportunity, etag) = (text("token"), text("opportunity"), text("etag"));

    // 3. The widget's poll, against the hello-world.
    if wants("poll") {
        let seconds = wrk_seconds(quick);
        let state_url = format!("{}/v1/opportunities/{opportunity}/screen", system.worker_url);
        let bearer = format!("Authorization: Bearer {token}");
        let if_none_match = format!("If-None-Match: {etag}");
        // Rounds of hello-world, 200 and 304 side by side: the machine's speed drifts by a
        // third within minutes, so each round's ratios are taken against its own reference
        // and the median round is reported.
        let (mut ok_ratios, mut unchanged_ratios) = (Vec::new(), Vec::new());
        let (mut references, mut oks, mut unchanges) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..if quick { 1 } else { POLL_ROUNDS } {
            let reference = wrk(&hello_url, 64, seconds, &[], &[])?.requests_per_second.max(1.0);
            let ok = wrk(&state_url, 64, seconds, &["-H", &bearer], &[])?.requests_per_second;
            let unchanged =
                wrk(&state_url, 64, seconds, &["-H", &bearer, "-H", &if_none_match], &[])?.requests_per_second;
            ok_ratios.push(ok / reference);
            unchanged_ratios.push(unchanged / reference);
            references.push(reference);
            oks.push(ok);
            unchanges.push(unchanged);
        }
        // Once more under `perf`, not counted: where the worker spends the 304, for the analysis.
        let profiler = Profiler::start(pid, seconds, "poll-304");
        wrk(&state_url, 64, seconds, &["-H", &bearer, "-H", &if_none_match], &[])?;
        if let Some(profile) = profiler.and_then(Profiler::top) {
            report.notes.push(format!(
                "Where the worker spends the 304 poll (`perf`, self time, top symbols):\n\n```\n{profile}```"
            ));
        }
        let ratios = |ratios: &[f64]| ratios.iter().map(|r| format!("{r:.2}")).collect::<Vec<_>>().join(", ");
        let (unchanged, ok) = (median(&unchanged_ratios), median(&ok_ratios));
        report.add(
            "Widget's poll, 304 (If-None-Match), ratio to axum hello-world (median round)",
            format!(
                "{unchanged:.2} ({:.0} req/s vs {:.0}; rounds {})",
                median(&unchanges),
                median(&references),
                ratios(&unchanged_ratios)
            ),
            ">= 0.85",
            Some(unchanged >= 0.85),
            "wrk -t2 -c64 -d6s against bench/reference, GET /v1/opportunities/{id}/screen, and with If-None-Match; three rounds",
        );
        report.add(
            "Widget's poll, 200 with the design, ratio to axum hello-world (median round)",
            format!("{ok:.2} ({:.0} req/s; rounds {})", median(&oks), ratios(&ok_ratios)),
            ">= 0.7",
            Some(ok >= 0.7),
            "as above, without If-None-Match",
        );
    }

    // 4 and 8. Aurora's webhook burst: 10,000 distinct deliveries at 64 connections, twice.
    // wrk waits out its -d whatever the threads do: the figures are the latencies, and the
    // rate by Little's law (connections / mean latency).
    if wants("webhooks") {
        let per_thread = if quick { 2_500 } else { 5_000 };
        let burst_seconds = if quick { 5 } else { 10 };
        let script = tools::root().join("bench/wrk/webhook-burst.lua");
        let script = script.to_string_lossy().into_owned();
        let database = system.database().context("the worker's database")?.to_string_lossy().into_owned();
        let (mut bursts, mut profiled_acks) = (Vec::new(), 0);
        // The hello-world just before, for the rate's ratio.
        let reference = wrk(&hello_url, 64, wrk_seconds(quick), &[], &[])?.requests_per_second.max(1.0);
        for run in 0..3 {
            let burst_env = [
                // A tenant nobody linked: recorded, nothing fetched, so the receiver alone is measured.
                ("BENCH_TENANT", "7e57a000-0000-4000-8000-0000000000b0".to_owned()),
                ("BENCH_WEBHOOK_HEADER", "X-Aurora-Webhook-Token".to_owned()),
                ("BENCH_WEBHOOK_TOKEN", secrets.webhook_token.clone()),
                ("BENCH_RUN", format!("{}{run}", std::process::id())),
                ("BENCH_DELIVERIES", per_thread.to_string()),
            ];
            // The third burst, not counted, under `perf`: where an acknowledgement's time goes.
            if run == 2 {
                let profiler = Profiler::start(pid, burst_seconds, "webhook-burst");
                let profiled = wrk(&system.worker_url, 64, burst_seconds, &["-s", &script], &burst_env)?;
                profiled_acks = profiled.requests - profiled.non_2xx;
                if let Some(profile) = profiler.and_then(Profiler::top) {
                    report.notes.push(format!(
                        "Where the worker spends a webhook burst (`perf`, self time, top symbols):\n\n```\n{profile}```"
                    ));
                }
                continue;
            }
            let run = wrk(&system.worker_url, 64, burst_seconds, &["-s", &script], &burst_env)?;
            let memory = memory_kib(pid);
            bursts.push((run, memory));
        }
        let counted = bench_lines(&bench_test("bench_count_recorded_aurora_events", &[("BENCH_DATABASE", database)])?);
        let recorded = counted.first().and_then(|c| c["aurora_events"].as_u64()).unwrap_or(0);
        // The recorded events count the prepared design's too: at least every acknowledgement.
        let acknowledged: u64 = bursts.iter().map(|(run, _)| run.requests - run.non_2xx).sum::<u64>() + profiled_acks;
        let (first, _) = &bursts[0];
        let acks_per_second = 64.0 * 1000.0 / first.mean_ms.max(0.001);
        let ratio = acks_per_second / reference;
        report.add(
            &format!(
                "Aurora webhook acks, a burst of {} distinct deliveries at 64 connections: p50 / p99, rate against axum hello-world",
                first.requests
            ),
            format!(
                "{:.1} ms / {:.1} ms; about {acks_per_second:.0} acks/s, {ratio:.2}x hello-world ({reference:.0} req/s); \
                 {recorded} recorded of {acknowledged} acknowledged",
                first.p50_ms, first.p99_ms,
            ),
            "p99 <= 10 ms, >= 0.3x hello, nothing lost",
            Some(first.p99_ms <= 10.0 && ratio >= 0.3 && recorded >= acknowledged),
            "BENCH_DELIVERIES=5000 wrk -t2 -c64 -d10s -s bench/wrk/webhook-burst.lua (twice, and once under perf)",
        );
        let ((_, (rss1, peak1)), (_, (rss2, peak2))) = (&bursts[0], &bursts[1]);
        report.add(
            "Native worker's memory around the bursts: peak RSS; RSS after the first and second",
            format!(
                "{:.1} MiB peak; {:.1} -> {:.1} MiB",
                *peak2.max(peak1) as f64 / 1024.0,
                *rss1 as f64 / 1024.0,
                *rss2 as f64 / 1024.0
            ),
            "reported; no growth across two runs",
            Some(*rss2 as f64 <= *rss1 as f64 * 1.10),
            "/proc/<pid>/status (VmHWM, VmRSS) after each burst",
        );
    }

    // 2. Boot to data in Chromium, against a static page with the same figures.
    if wants("boot") {
        write_static_design(&ready["state"])?;
        write_static_screen(&text("embed_url"))?;
        let driver_port = free_port()?;
        let mut driver = Running::spawn(
            "chromedriver",
            Command::new("/usr/bin/chromedriver").arg(format!("--port={driver_port}")).stdout(Stdio::null()),
        )?;
        wait_for_http(
            "chromedriver",
            &format!("http://127.0.0.1:{driver_port}/status"),
            Duration::from_secs(20),
            &mut driver,
        )?;
        let boot = bench_lines(&bench_test(
            "bench_boot_to_data",
            &[
                ("E2E_WEBDRIVER_URL", format!("http://127.0.0.1:{driver_port}")),
                ("BENCH_EMBED_URL", text("embed_url")),
                ("BENCH_STATIC_URL", format!("{}/bench/screen.html", system.worker_url)),
                ("BENCH_MINIMAL_URL", format!("{}/bench/design.html", system.worker_url)),
                ("BENCH_RUNS", if quick { "3" } else { "7" }.to_owned()),
            ],
        )?);
        let boot = boot.first().context("the boot benchmark printed nothing")?;
        let times = |key: &str| {
            boot[key].as_array().map(|a| a.iter().filter_map(Value::as_f64).collect::<Vec<_>>()).unwrap_or_default()
        };
        let (embed_ms, static_ms) = (median(&times("embed_ms")), median(&times("static_ms")));
        let minimal_ms = median(&times("minimal_ms"));
        let requests =
            boot["api_requests"].as_array().and_then(|a| a.iter().filter_map(Value::as_u64).max()).unwrap_or(0);
        report.add(
            "Boot to data: API requests before the design is on screen",
            requests.to_string(),
            "0",
            Some(requests == 0),
            "cargo xtask bench (bench_boot_to_data in tests/e2e)",
        );
        let before: Vec<&str> = boot["before"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        report.add(
            "Boot to data: bytes before the design is on screen (the page and what arrived by then)",
            format!("{:.0} B: the page + {}", median(&times("bytes_before")), before.join(", ")),
            "the page + CSS only",
            Some(before.iter().all(|name| name.ends_with(".css"))),
            "as above (Resource Timing's transferSize, uncompressed on the native host)",
        );
        let wasm_ms = median(&times("wasm_arrived_ms"));
        let (script_ms, ready_ms) = (median(&times("script_ran_ms")), median(&times("wasm_ready_ms")));
        report.add(
        "Boot to data: navigation to the design on screen, ratio to the same screen as a static page (median)",
        format!(
            "{:.2}x ({embed_ms:.0} ms vs {static_ms:.0} ms; {:.2}x a minimal page of the main figures, {minimal_ms:.0} ms; the page's first byte at {:.0} ms vs {:.0} ms, {:.0} B vs {:.0} B; the wasm requested at {script_ms:.0} ms, arrived at {wasm_ms:.0} ms, live at {ready_ms:.0} ms)",
            embed_ms / static_ms.max(1.0),
            embed_ms / minimal_ms.max(1.0),
            median(&times("first_byte_ms")),
            median(&times("static_first_byte_ms")),
            median(&times("page_bytes")),
            median(&times("static_page_bytes")),
        ),
        "<= 1.1x",
        Some(embed_ms / static_ms.max(1.0) <= 1.1),
        "as above: headless Chromium, a fresh browser each load",
    );
        if let Some(profile) = boot_profile(&boot["profile"]) {
            report.notes.push(format!(
                "Where the embed page's main thread went from navigation to the design on screen (one more \
                 load; V8's sampling profiler through chromedriver; the wasm's names are stripped in release):\n\n```\n{profile}```"
            ));
        }
        let pipedrive = bench_lines(&bench_test(
            "bench_pipedrive_initialize",
            &[
                ("E2E_WEBDRIVER_URL", format!("http://127.0.0.1:{driver_port}")),
                ("BENCH_PIPEDRIVE_URL", system.url_of("pipedrive").to_owned()),
                ("BENCH_RUNS", if quick { "3" } else { "6" }.to_owned()),
            ],
        )?);
        if let Some(pipedrive) = pipedrive.first() {
            let initialized = median(
                &pipedrive["initialized_ms"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_f64).collect::<Vec<_>>())
                    .unwrap_or_default(),
            );
            report.add(
                "Boot to data, Pipedrive: the panel's navigation to the SDK's `initialize` (median)",
                format!("{initialized:.0} ms"),
                "< 1,000 ms (Pipedrive's limit: 10 s)",
                Some(initialized < 1_000.0),
                "as above, in the local Pipedrive's deal page (bench_pipedrive_initialize in tests/e2e)",
            );
        }
        drop(driver);
    }
    drop(hello);
    drop(system);
    Ok(())
}

/// The top of `BENCHMARKS.md`.
const BENCHMARKS_HEADER: &str =
    "# Benchmarks\n\nWritten by `cargo xtask bench`; everything above the analysis is regenerated by each run.";

/// Where the generated part ends and people's analysis begins.
const ANALYSIS_MARKER: &str = "<!-- analysis: kept across runs -->";

/// Today's date, UTC, from the system clock (`date -u`).
fn chrono_like_now() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrks_summary() {
        let output = "Running 10s test @ http://127.0.0.1:1/\n  2 threads and 64 connections\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency   520.11us  300.00us   9.98ms   90.00%\n  Latency Distribution\n     50%  412.00us\n     75%  600.00us\n     90%    1.02ms\n     99%    2.50ms\n  1234567 requests in 10.00s, 150.00MB read\n  Non-2xx or 3xx responses: 12\nRequests/sec: 123456.78\nTransfer/sec:     15.00MB\n";
        let run = parse_wrk(output);
        assert_eq!(run.requests, 1_234_567);
        assert_eq!(run.non_2xx, 12);
        assert!((run.requests_per_second - 123_456.78).abs() < 0.01);
        assert!((run.p50_ms - 0.412).abs() < 1e-9 && (run.p99_ms - 2.5).abs() < 1e-9);
        assert!((run.mean_ms - 0.52011).abs() < 1e-9);
    }

    #[test]
    fn reads_bench_lines_only() {
        let lines =
            bench_lines("running 1 test\nBENCH {\"figure\":\"mints\",\"mints\":1}\ntest x ... ok\nBENCH not json\n");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["mints"], 1);
    }
}
