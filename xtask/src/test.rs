//! `cargo xtask test`: every suite, then one `N passed, N failed` line; non-zero exit
//! when anything failed.

use crate::{
    build, local_system,
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
pub const SUITES: [&str; 7] = ["native", "clippy", "wasm32", "widget", "budget", "e2e", "edge"];

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
        banner("lints (cargo clippy -D warnings)");
        tally.add(
            "clippy",
            run_counted(cargo().args(["clippy", "--workspace", "--all-targets", "--color", "always", "--", "-D", "warnings"]))
                .map(|c| Counts { passed: usize::from(c.success), ..c }),
        );
    }

    if selected("wasm32") {
        // Clippy includes a full check: the worker (and the Aurora crate it uses) must build
        // for the Workers target from the start, lint-clean.
        banner("worker compiles for wasm32 (cargo clippy --target wasm32-unknown-unknown)");
        tally.add(
            "worker wasm32 check",
            run_counted(cargo().args([
                "clippy", "--package", "aurora-crm-worker", "--package", "aurora-api", "--target", "wasm32-unknown-unknown",
                "--color", "always", "--", "-D", "warnings",
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
        tally.add("end to end", end_to_end());
    }

    if selected("edge") {
        banner("edge smoke test (worker-build + wrangler dev --local)");
        tally.add("edge smoke", edge_smoke());
    }

    println!();
    println!("suites took {:.0} s", started.elapsed().as_secs_f64());
    if !tally.failed_suites.is_empty() {
        println!("failed suites: {}", tally.failed_suites.join(", "));
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    Ok(if tally.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
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
fn end_to_end() -> Result<Counts> {
    build::widget()?;
    let gallery = build::gallery()?;
    local_system::build_binaries()?;
    let ports = local_system::Ports {
        worker: processes::free_port()?,
        aurora: processes::free_port()?,
        crm: processes::free_port()?,
    };
    let database = tools::root().join(format!("target/e2e/worker-{}.sqlite3", ports.worker));
    let system = local_system::start(ports, &local_system::Secrets::random()?, &database)?;
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
    let screenshots = tools::root().join("target/e2e-screenshots");
    run_counted(
        cargo()
            // The same feature set as the native step, so nothing is rebuilt; `#[ignore]` is
            // reserved for tests that need the running system, and only those run here.
            .args(["test", "--workspace", "--no-fail-fast", "--color", "always", "--", "--ignored", "--test-threads", "1"])
            .env("E2E_WEBDRIVER_URL", format!("http://127.0.0.1:{driver_port}"))
            .env("E2E_CRM_URL", &system.crm_url)
            .env("E2E_WORKER_URL", &system.worker_url)
            .env("E2E_AURORA_URL", &system.aurora_url)
            .env("E2E_TENANT", local_system::DEV_TENANT)
            .env("E2E_GALLERY_DIR", &gallery)
            .env("E2E_SCREENSHOT_DIR", &screenshots),
    )
}

/// Builds the Workers bundle and checks that `wrangler dev --local` (workerd) serves the
/// same Router: `/health` answers.
fn edge_smoke() -> Result<Counts> {
    build::edge_bundle()?;
    let port = processes::free_port()?;
    let state = tools::root().join("target/wrangler-state");
    let secrets = local_system::Secrets::random()?;
    // The same migration files as the native host, applied to local D1 by wrangler: proves
    // the schema is D1's dialect too.
    tools::run(
        Command::new(tools::npm_bin("wrangler"))
            .args(["d1", "migrations", "apply", "DB", "--local"])
            .arg("--persist-to")
            .arg(&state)
            .current_dir(tools::root().join("worker"))
            .env("PATH", tools::path_with_tools())
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("CI", "true")
            .stdin(Stdio::null()),
    )?;
    let mut wrangler = Running::spawn(
        "wrangler dev",
        Command::new(tools::npm_bin("wrangler"))
            .args(["dev", "--local", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .args(["--show-interactive-dev-session=false", "--log-level", "warn"])
            .arg("--persist-to")
            .arg(&state)
            // Wrangler's --var takes NAME:VALUE; the worker reads vars and secrets alike.
            .args(
                local_system::worker_env(&secrets, &local_system::DEV_PORTS.urls())
                    .into_iter()
                    .flat_map(|(name, value)| ["--var".to_owned(), format!("{name}:{value}")]),
            )
            .current_dir(tools::root().join("worker"))
            .env("PATH", tools::path_with_tools())
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_SEND_ERROR_REPORTS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .stdin(Stdio::null()),
    )?;
    let url = format!("http://127.0.0.1:{port}/health");
    processes::wait_for_http("wrangler dev", &url, Duration::from_secs(90), &mut wrangler)?;
    let body = ureq::get(&url).call()?.body_mut().read_to_string()?;
    let health_ok = body.contains("\"status\":\"ok\"");
    println!("edge /health -> {body}");

    // A validly signed context of an account with no installation: the Router must look
    // it up in D1 and answer 403 not_installed, which proves the D1 storage seam works on
    // workerd.
    use base64::Engine;
    use hmac::Mac;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let signed = format!(
        "{}.{}",
        b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64.encode(
            br#"{"account_id":"acct-not-installed","user_id":"u","opportunity_id":"o","opportunity_name":"n","property_address":"1 Main St","exp":4102444800}"#
        )
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secrets.crm_client_secret.as_bytes())?;
    mac.update(signed.as_bytes());
    let context = format!("{signed}.{}", b64.encode(mac.finalize().into_bytes()));
    let session = ureq::post(&format!("http://127.0.0.1:{port}/v1/sessions"))
        .config()
        .http_status_as_error(false)
        .build()
        .header("content-type", "application/json")
        .send(format!(r#"{{"crm":"demo","context":"{context}"}}"#))?;
    let status = session.status().as_u16();
    let answer = session.into_body().read_to_string()?;
    let d1_ok = status == 403 && answer.contains("not_installed");
    println!("edge POST /v1/sessions (unknown account) -> {status} {answer}");

    let passed = usize::from(health_ok) + usize::from(d1_ok);
    let failed = 2 - passed;
    println!("test result: {}. {passed} passed; {failed} failed", if failed == 0 { "ok" } else { "FAILED" });
    Ok(Counts { passed, failed, success: failed == 0 })
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
