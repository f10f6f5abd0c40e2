//! `cargo xtask test`: every suite, then one `N passed, N failed` line; non-zero exit
//! when anything failed.

use crate::{
    build,
    local_system::{self, Host},
    processes::{self, Running},
    tools::{self, cargo},
};
use anyhow::{Context, Result};
use std::{
    io::{BufRead, BufReader},
    process::{Command, ExitCode, Stdio},
    time::{Duration, Instant},
};

/// What the suites added up to.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    failed_suites: Vec<String>,
}

impl Tally {
    /// Records a suite that ran `cargo test`-style, from its own counts and exit status.
    fn add(&mut self, suite: &str, outcome: Result<Counts>) {
        match outcome {
            Ok(counts) => {
                self.passed += counts.passed;
                self.failed += counts.failed;
                // A runner that failed without reporting a failed test (a compile error,
                // a crash) still counts as one failure.
                if !counts.success && counts.failed == 0 {
                    self.failed += 1;
                }
                if !counts.success || counts.failed > 0 {
                    self.failed_suites.push(suite.to_owned());
                }
            }
            Err(error) => {
                eprintln!("{suite}: {error:#}");
                self.failed += 1;
                self.failed_suites.push(suite.to_owned());
            }
        }
    }
}

/// Counts parsed from `test result:` lines, and whether the runner exited 0.
#[derive(Default)]
struct Counts {
    passed: usize,
    failed: usize,
    success: bool,
}

/// The suites, by the names `--only` takes.
pub const SUITES: [&str; 11] =
    ["native", "clippy", "hubspot", "wasm32", "widget", "budget", "e2e", "conformance", "edge", "fuzz", "chaos"];

/// The chaos run's small version in `cargo xtask test` (the full one is `cargo xtask chaos`).
const CHAOS_OPPORTUNITIES: usize = 30;

/// How long `cargo xtask test` runs each fuzz target: a smoke run (the long runs are
/// `cargo xtask fuzz`).
const FUZZ_SECONDS: u64 = 5;

pub fn run(only: &[String]) -> Result<ExitCode> {
    let selected = |suite: &str| only.is_empty() || only.iter().any(|o| o == suite);
    processes::stop_children_on_signal();
    let started = Instant::now();
    if !crate::setup::is_complete() {
        crate::setup::run()?;
    }
    let mut tally = Tally::default();

    if selected("native") {
        banner("native tests (cargo test --workspace)");
        tally.add("native", run_counted(cargo().args(["test", "--workspace", "--color", "always"])));
    }

    if selected("clippy") {
        banner("formatting (cargo fmt --all --check, rustfmt.toml)");
        tally.add(
            "rustfmt",
            run_counted(cargo().args(["fmt", "--all", "--check"]))
                .map(|c| Counts { passed: usize::from(c.success), ..c }),
        );
        banner("lints (cargo clippy -D warnings)");
        tally.add(
            "clippy",
            run_counted(cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--color",
                "always",
                "--",
                "-D",
                "warnings",
            ]))
            .map(|c| Counts { passed: usize::from(c.success), ..c }),
        );
    }

    if selected("hubspot") {
        banner(
            "HubSpot app card: type-checked against @hubspot/ui-extensions (tsc --noEmit), bundled for the local HubSpot",
        );
        let checked = crate::hubspot_card::type_check().and_then(|()| crate::hubspot_card::bundle().map(|_| ()));
        if let Err(error) = &checked {
            eprintln!("{error:#}");
        }
        let ok = checked.is_ok();
        tally.add("hubspot card", Ok(Counts { passed: usize::from(ok), failed: usize::from(!ok), success: ok }));
    }

    if selected("wasm32") {
        // Clippy includes a full check: the worker (and the Aurora crate it uses) must build
        // for the Workers target from the start, lint-clean.
        banner("worker compiles for wasm32 (cargo clippy --target wasm32-unknown-unknown)");
        tally.add(
            "worker wasm32 check",
            run_counted(cargo().args([
                "clippy",
                "--package",
                "aurora-crm-worker",
                "--package",
                "aurora-api",
                "--target",
                "wasm32-unknown-unknown",
                "--color",
                "always",
                "--",
                "-D",
                "warnings",
            ]))
            .map(|c| Counts { passed: usize::from(c.success), ..c }),
        );
    }

    if selected("widget") {
        banner("widget tests in headless Chromium (wasm-bindgen-test)");
        tally.add(
            "widget in Chromium",
            run_counted(
                cargo()
                    .args(["test", "--package", "aurora-crm-widget", "--target", "wasm32-unknown-unknown"])
                    .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", tools::cargo_bin("wasm-bindgen-test-runner"))
                    .env("CHROMEDRIVER", "/usr/bin/chromedriver")
                    .env("WASM_BINDGEN_TEST_TIMEOUT", "60")
                    // The tests read dates and numbers as a rep in en-US on UTC would.
                    .env("TZ", "UTC"),
            ),
        );
    }

    if selected("budget") {
        banner("widget size budget (brotli, wasm + JS + CSS)");
        tally.add("widget size budget", widget_budget());
    }

    if selected("e2e") {
        banner("end to end in Chromium (demo CRM -> iframe -> worker -> widget)");
        tally.add("end to end", end_to_end(Host::Native));
    }

    if selected("conformance") {
        banner("conformance suite against the native host (binary + SQLite)");
        tally.add("conformance native", conformance(Host::Native));
    }

    if selected("edge") {
        banner("Workers bundle size budget (gzip)");
        tally.add("edge size budget", edge_budget());
        banner("conformance suite against the edge host (workerd + local D1, via wrangler dev --local)");
        tally.add("conformance edge", conformance(Host::Edge));
        banner("end to end in Chromium against the edge host");
        tally.add("end to end (edge)", end_to_end(Host::Edge));
    }

    if selected("chaos") {
        banner("chaos run, small (30 opportunities, faults everywhere, the worker killed once)");
        tally.add(
            "chaos",
            crate::chaos::run_once(CHAOS_OPPORTUNITIES, 1).map(|held| Counts {
                passed: usize::from(held),
                failed: usize::from(!held),
                success: held,
            }),
        );
    }

    if selected("fuzz") {
        banner("fuzz targets, a few seconds each (cargo-fuzz on nightly)");
        tally.add("fuzz", fuzz_smoke());
    }

    println!();
    println!("suites took {:.0} s", started.elapsed().as_secs_f64());
    if !tally.failed_suites.is_empty() {
        println!("failed suites: {}", tally.failed_suites.join(", "));
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    Ok(if tally.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Each fuzz target for [`FUZZ_SECONDS`]: one passed test per target that ends without a
/// crash and ran inputs.
fn fuzz_smoke() -> Result<Counts> {
    crate::setup::fuzz_tools()?;
    let mut counts = Counts { success: true, ..Counts::default() };
    for target in crate::fuzz::TARGETS {
        let run = crate::fuzz::run_target(target, FUZZ_SECONDS, crate::fuzz::Build::Quick)?;
        println!("fuzz {target}: {} executions, {}", run.executions, if run.clean { "no crash" } else { "CRASHED" });
        if run.clean && run.executions > 0 {
            counts.passed += 1;
        } else {
            counts.failed += 1;
            counts.success = false;
        }
    }
    Ok(counts)
}

fn banner(title: &str) {
    println!("\n=== {title}");
}

/// Runs a test command, echoing its output and summing its `test result:` lines.
fn run_counted(command: &mut Command) -> Result<Counts> {
    println!("$ {}", tools::describe(command));
    let mut child = command.stdout(Stdio::piped()).spawn().with_context(|| tools::describe(command))?;
    let mut counts = Counts::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            println!("{line}");
            if let Some((passed, failed)) = parse_test_result(&line) {
                counts.passed += passed;
                counts.failed += failed;
            }
        }
    }
    counts.success = child.wait()?.success();
    Ok(counts)
}

/// `test result: ok. 3 passed; 0 failed; ...` -> (3, 0). Colour codes are ignored.
fn parse_test_result(line: &str) -> Option<(usize, usize)> {
    let plain: String = strip_ansi(line);
    let rest = plain.trim().strip_prefix("test result: ")?;
    let number_before = |word: &str| -> Option<usize> {
        let end = rest.find(word)?;
        rest[..end].trim_end().rsplit([' ', '.']).next()?.parse().ok()
    };
    Some((number_before(" passed")?, number_before(" failed")?))
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Builds the widget as it ships and checks its weight against the budget.
fn widget_budget() -> Result<Counts> {
    let total = build::widget()?;
    let within = total.brotli <= build::WIDGET_BUDGET_BROTLI;
    if !within {
        eprintln!("the widget is {} bytes brotli, over its budget of {}", total.brotli, build::WIDGET_BUDGET_BROTLI);
    }
    Ok(Counts { passed: usize::from(within), failed: usize::from(!within), success: within })
}

/// Builds the widget, starts the local system and chromedriver, runs the e2e crate.
fn end_to_end(host: Host) -> Result<Counts> {
    build::widget()?;
    crate::hubspot_card::bundle()?;
    let gallery = build::gallery()?;
    local_system::build_binaries()?;
    let ports = local_system::Ports::free()?;
    let data = tools::root().join(format!("target/e2e/{}-{}", host.name(), ports.worker));
    let system = local_system::start(host, ports, &local_system::Secrets::random()?, &data)?;
    let driver_port = processes::free_port()?;
    let mut driver = Running::spawn(
        "chromedriver",
        Command::new("/usr/bin/chromedriver").arg(format!("--port={driver_port}")).stdout(Stdio::null()),
    )?;
    processes::wait_for_http(
        "chromedriver",
        &format!("http://127.0.0.1:{driver_port}/status"),
        Duration::from_secs(20),
        &mut driver,
    )?;
    // The screen gallery does not involve the worker: once, on the native run. The journey
    // plays Aurora's variance on the native run, and Aurora as the seed shows it on the edge.
    let (screenshots, skip_screens, variance) = match host {
        Host::Native => (tools::root().join("target/e2e-screenshots"), None, "on"),
        Host::Edge => (tools::root().join("target/e2e-screenshots/edge"), Some("every_screen"), "off"),
    };
    run_counted(
        cargo()
            // The same feature set as the native step, so nothing is rebuilt; `#[ignore]` is
            // reserved for tests that need a running system, and only the browser's run
            // here: the conformance suite and the chaos run have systems of their own, and
            // benchmarks (`bench_`) take minutes of real time.
            .args([
                "test",
                "--workspace",
                "--no-fail-fast",
                "--color",
                "always",
                "--",
                "--ignored",
                "--test-threads",
                "1",
            ])
            .args(["--skip", "conformance::", "--skip", "chaos_run", "--skip", "bench_"])
            .args(skip_screens.map(|name| ["--skip", name]).into_iter().flatten())
            // `E2E_ONLY=<name>`: only the browser tests whose names hold it (while working on one).
            .args(std::env::var("E2E_ONLY").ok().filter(|f| !f.is_empty()))
            .env("E2E_SWEEP_URL", system.sweep_url.clone().unwrap_or_default())
            .env("E2E_WEBDRIVER_URL", format!("http://127.0.0.1:{driver_port}"))
            .env("E2E_CRM_URL", &system.crm_url)
            .env("E2E_SALESFORCE_URL", &system.salesforce_url)
            .env("E2E_SALESFORCE_TENANT", local_system::FOURTH_TENANT)
            .env("E2E_PIPEDRIVE_URL", &system.pipedrive_url)
            .env("E2E_PIPEDRIVE_TENANT", local_system::FIFTH_TENANT)
            .env("E2E_HUBSPOT_URL", &system.hubspot_url)
            .env("E2E_HUBSPOT_TENANT", local_system::SIXTH_TENANT)
            .env("E2E_WORKER_URL", &system.worker_url)
            .env("E2E_AURORA_URL", &system.aurora_url)
            .env("E2E_TENANT", local_system::DEV_TENANT)
            .env("E2E_AURORA_VARIANCE", variance)
            .env("E2E_GALLERY_DIR", &gallery)
            .env("E2E_SCREENSHOT_DIR", &screenshots),
    )
}

/// Runs the conformance suite (`tests/conformance`) against a fresh local system whose
/// worker runs on `host`.
fn conformance(host: Host) -> Result<Counts> {
    build::widget()?;
    local_system::build_binaries()?;
    let ports = local_system::Ports::free()?;
    let data = tools::root().join(format!("target/conformance/{}-{}", host.name(), ports.worker));
    let secrets = local_system::Secrets::random()?;
    let system = local_system::start(host, ports, &secrets, &data)?;
    if host == Host::Edge {
        // Said, not skipped: what this host cannot be put through.
        println!(
            "edge host limit: workerd gives a test no way to kill the worker mid-request; the crash-recovery test runs on the native binary only (worker/tests/crash_recovery.rs)"
        );
    }
    run_counted(
        cargo()
            .args([
                "test",
                "--workspace",
                "--no-fail-fast",
                "--color",
                "always",
                "--",
                "--ignored",
                "--test-threads",
                "1",
            ])
            .arg("conformance::")
            .envs(local_system::conformance_env(&system, &secrets, host)),
    )
}

/// The Workers wasm against its gzip budget.
fn edge_budget() -> Result<Counts> {
    let wasm = build::edge_bundle()?;
    let within = wasm.gzip <= build::EDGE_BUDGET_GZIP;
    if !within {
        eprintln!("the Workers wasm is {} bytes gzip, over its budget of {}", wasm.gzip, build::EDGE_BUDGET_GZIP);
    }
    Ok(Counts { passed: usize::from(within), failed: usize::from(!within), success: within })
}

#[cfg(test)]
mod tests {
    use super::parse_test_result;

    #[test]
    fn reads_cargo_and_wasm_bindgen_test_summaries() {
        assert_eq!(parse_test_result("test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured"), Some((12, 0)));
        assert_eq!(parse_test_result("test result: FAILED. 3 passed; 2 failed; 0 ignored"), Some((3, 2)));
        assert_eq!(parse_test_result("\u{1b}[32mtest result: ok\u{1b}[0m. 1 passed; 0 failed;"), Some((1, 0)));
        assert_eq!(parse_test_result("running 3 tests"), None);
    }
}
