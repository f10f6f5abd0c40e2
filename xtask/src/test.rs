//! `cargo xtask test`: every suite, then one `N passed, N failed` line; non-zero exit
//! when anything failed.

use crate::{
    build,
    local_system::{self, Host},
    processes::{self, Running},
    stand_ins::STAND_INS,
    test_binaries::TestBinaries,
    tools::{self, cargo},
};
use anyhow::{Context, Result};
use std::{
    io::{BufRead, BufReader, Write},
    path::PathBuf,
    process::{Command, ExitCode, Stdio},
    sync::{Arc, Condvar, Mutex},
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
    ["native", "clippy", "hubspot", "vendor", "wasm32", "widget", "budget", "e2e", "conformance", "edge", "chaos"];

/// The chaos run's small version in `cargo xtask test` (the full one is `cargo xtask chaos`).
const CHAOS_OPPORTUNITIES: usize = 30;

/// How many suites that start a system run at once (`XTASK_SYSTEMS` overrides): each is
/// mostly waiting (on the designer, the sweep, the browser), so more than the machine's
/// cores fit; too many and a busy machine makes their deadlines tight.
const SYSTEMS_AT_ONCE: usize = 4;

/// How many native test executables run at once: most of each one's time is waiting on
/// timers and sockets, and tests within one already share the two cores.
const NATIVE_AT_ONCE: usize = 3;

pub fn run(only: &[String]) -> Result<ExitCode> {
    let selected = |suite: &str| only.is_empty() || only.iter().any(|o| o == suite);
    processes::stop_children_on_signal();
    let started = Instant::now();
    since_start();
    // What is missing installs beside the native tests, which need none of it (on a fresh
    // machine: minutes of compiling wasm-bindgen-cli and worker-build, apt and npm).
    let setup = Setup::start_when_needed()?;
    let mut tally = Tally::default();
    // The lints ride on the builds: each build below compiles the workspace's crates
    // through clippy, warnings denied, so a lint fails the build that has it, and no
    // separate `cargo clippy` compiles the workspace again (minutes on two cores).
    let linted = selected("clippy");
    if linted {
        tools::lint_builds();
    }

    // First what compiles the most: every test executable of the workspace, linted, built
    // once for the native tests and the suites that start a system. The native tests then
    // run in the background beside the builds below: most of their time is waiting
    // (Aurora's pacing, a stand-in's timers), not compiling.
    let systems = Systems::new();
    let needs_system = ["e2e", "conformance", "edge", "chaos"].iter().any(|s| selected(s));
    let mut binaries = None;
    if selected("native") || needs_system {
        banner("test executables, linted (cargo test --workspace --no-run)");
        binaries = Some(Arc::new(TestBinaries::build()?));
    }
    if let Some(b) = binaries.clone().filter(|_| selected("native")) {
        // Doctests are compiled by rustdoc, not among the executables above.
        banner("doctests (cargo test --workspace --doc)");
        tally.add("doctests", run_counted(cargo().args(["test", "--workspace", "--doc", "--color", "always"])));
        systems.start("native tests (every test executable of the workspace)", move |log| native_tests(&b, log));
    }
    setup.finish()?;

    // Then the builds the systems need, once, and the suites that start a system, in the
    // background, side by side: each has its own ports, data and browser.

    // The Workers bundle builds from here on, beside everything else (in a target folder of
    // its own, so neither waits for the other's cargo lock; its single-threaded LTO runs
    // while the other core builds or tests): it is the longest single step, and the edge
    // host's systems start as soon as it and the test binaries are built.
    let (binaries_for_edge, edge_binaries) = std::sync::mpsc::channel::<Arc<TestBinaries>>();
    let edge = selected("edge").then(|| {
        let systems = systems.clone();
        std::thread::spawn(move || {
            let mut log = Vec::new();
            let built = edge_budget(&mut log);
            if let Ok(binaries) = edge_binaries.recv() {
                // Conformance proves the two hosts equal; the browser journey on workerd is
                // the demo CRM's (the other CRMs' journeys differ from it only behind the seam).
                let b = binaries.clone();
                systems.start("conformance (edge host: workerd + local D1, via wrangler dev --local)", move |log| {
                    conformance(&b, Host::Edge, log)
                });
                systems.start("end to end, demo CRM (edge host)", move |log| {
                    end_to_end(&binaries, Host::Edge, &["journey", "embed"], std::path::Path::new(""), log)
                });
            }
            (built, log)
        })
    });
    let mut widget = None;
    if let Some(binaries) = binaries.filter(|_| needs_system) {
        banner("builds for the suites that start a system (widget, HubSpot card, binaries, test executables)");
        widget = Some(build::widget()?);
        crate::hubspot_card::bundle()?;
        local_system::build_binaries()?;
        let gallery = if selected("e2e") { Some(build::gallery()?) } else { None };
        if selected("e2e") {
            let gallery = gallery.unwrap_or_default();
            let (b, g) = (binaries.clone(), gallery.clone());
            systems.start("end to end, demo CRM (native)", move |log| {
                end_to_end(&b, Host::Native, &["journey", "embed", "screens"], &g, log)
            });
            let (b, g) = (binaries.clone(), gallery);
            systems.start("end to end, Salesforce, Pipedrive, HubSpot (native)", move |log| {
                end_to_end(&b, Host::Native, &["salesforce", "pipedrive", "hubspot"], &g, log)
            });
        }
        if selected("conformance") {
            let b = binaries.clone();
            systems.start("conformance (native host: binary + SQLite)", move |log| conformance(&b, Host::Native, log));
        }
        if selected("chaos") {
            let b = binaries.clone();
            systems.start(
                "chaos run, small (30 opportunities, faults everywhere, the worker killed once)",
                move |log| {
                    let held = crate::chaos::run_once(&b, CHAOS_OPPORTUNITIES, 1, log)?;
                    Ok(Counts { passed: usize::from(held), failed: usize::from(!held), success: held })
                },
            );
        }
        let _ = binaries_for_edge.send(binaries);
    }
    drop(binaries_for_edge);

    // Meanwhile, in the foreground: what only compiles and checks.
    if selected("clippy") {
        banner("formatting (cargo fmt --all --check, rustfmt.toml)");
        tally.add(
            "rustfmt",
            run_counted(cargo().args(["fmt", "--all", "--check"]))
                .map(|c| Counts { passed: usize::from(c.success), ..c }),
        );
        // The fuzz targets are a workspace of their own: its lock file must be the one a
        // build would write, or a clean clone's `cargo xtask fuzz` leaves it changed.
        banner("fuzz/Cargo.lock is current (cargo metadata --locked)");
        let current = cargo()
            .args(["metadata", "--locked", "--format-version", "1", "--manifest-path", "fuzz/Cargo.toml"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !current {
            eprintln!("fuzz/Cargo.lock is stale: run `cargo metadata --manifest-path fuzz/Cargo.toml` and commit it");
        }
        tally.add(
            "fuzz lock file",
            Ok(Counts { passed: usize::from(current), failed: usize::from(!current), success: current }),
        );
    }
    // Natively the lints ran in the native tests' build (every target of every crate);
    // alone, they are clippy's own run.
    if selected("clippy") && !selected("native") {
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

    if selected("vendor") {
        banner("the vendors' own tooling: HubSpot's project parser, Salesforce's source-deploy-retrieve (offline)");
        let checked = crate::vendor_checks::run();
        if let Err(error) = &checked {
            eprintln!("{error:#}");
        }
        let ok = checked.is_ok();
        tally.add("vendor tooling", Ok(Counts { passed: usize::from(ok), failed: usize::from(!ok), success: ok }));
    }

    // The worker (and the crates it uses) must build for the Workers target, lint-clean: the
    // Workers build checks it where it runs (linted); alone, clippy's own check.
    if selected("wasm32") && !(linted && selected("edge")) {
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
        tally.add("widget size budget", widget_budget(widget.take()));
    }

    if let Some(edge) = edge {
        let (built, log) =
            edge.join().unwrap_or_else(|_| (Err(anyhow::anyhow!("the build's thread panicked")), Vec::new()));
        banner("Workers bundle size budget (gzip, built in the background)");
        print!("{}", String::from_utf8_lossy(&log));
        tally.add("edge size budget", built);
    }
    for (suite, outcome) in systems.finish() {
        tally.add(&suite, outcome);
    }

    println!();
    println!("suites took {:.0} s", started.elapsed().as_secs_f64());
    if !tally.failed_suites.is_empty() {
        println!("failed suites: {}", tally.failed_suites.join(", "));
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    Ok(if tally.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `cargo xtask setup --for-tests` in the background, its output in a log.
struct Setup(Option<(std::process::Child, PathBuf)>);

impl Setup {
    fn start_when_needed() -> Result<Setup> {
        if crate::setup::is_complete() {
            return Ok(Setup(None));
        }
        let log = tools::root().join("target/xtask-test/setup.log");
        std::fs::create_dir_all(log.parent().unwrap_or(&log))?;
        let file = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        println!("setup: installing what is missing beside the native tests (log: {})", log.display());
        let child = Command::new(std::env::current_exe().context("the running xtask")?)
            .args(["setup", "--for-tests"])
            .stdout(file.try_clone()?)
            .stderr(file)
            .spawn()
            .context("starting cargo xtask setup")?;
        Ok(Setup(Some((child, log))))
    }

    /// Waits for the installs; their log is shown either way, and a failure ends the run.
    fn finish(self) -> Result<()> {
        let Some((mut child, log)) = self.0 else { return Ok(()) };
        let status = child.wait()?;
        banner("setup (ran beside the native tests)");
        print!("{}", std::fs::read_to_string(&log).unwrap_or_default());
        anyhow::ensure!(status.success(), "setup failed ({status}): see above");
        Ok(())
    }
}

/// A suite started in the background: its name, its log, its thread.
type Started = (String, PathBuf, std::thread::JoinHandle<Result<Counts>>);

/// The suites that start a system, each on a thread of its own writing to its own log;
/// at most [`SYSTEMS_AT_ONCE`] at a time.
#[derive(Clone)]
struct Systems {
    running: Arc<Mutex<Vec<Started>>>,
    slots: Arc<(Mutex<usize>, Condvar)>,
    logs: PathBuf,
}

impl Systems {
    fn new() -> Self {
        let at_once = std::env::var("XTASK_SYSTEMS").ok().and_then(|v| v.parse().ok()).unwrap_or(SYSTEMS_AT_ONCE);
        let logs = tools::root().join("target/xtask-test");
        Systems { running: Arc::default(), slots: Arc::new((Mutex::new(at_once.max(1)), Condvar::new())), logs }
    }

    /// Starts `suite` in the background once a slot is free; what it prints goes to its log.
    fn start(&self, name: &str, suite: impl FnOnce(&mut dyn Write) -> Result<Counts> + Send + 'static) {
        let file_name: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
        let log = self.logs.join(format!("{file_name}.log"));
        println!("\n=== [{}] started in the background: {name} (log: {})", since_start(), log.display());
        let (slots, title, path) = (self.slots.clone(), name.to_owned(), log.clone());
        let handle = std::thread::spawn(move || {
            let (free, freed) = &*slots;
            {
                let mut free = free.lock().unwrap_or_else(|e| e.into_inner());
                while *free == 0 {
                    free = freed.wait(free).unwrap_or_else(|e| e.into_inner());
                }
                *free -= 1;
            }
            let begun = Instant::now();
            let outcome = (|| {
                std::fs::create_dir_all(path.parent().unwrap_or(&path))?;
                let mut file = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
                local_system::log_this_thread_to(path.with_extension("system.log"));
                let counts = suite(&mut file)?;
                // A suite that ran nothing proved nothing: a filter or a target went wrong.
                if counts.passed + counts.failed == 0 {
                    anyhow::bail!("it ran no test");
                }
                Ok(counts)
            })();
            *free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            freed.notify_one();
            let verdict = match &outcome {
                Ok(counts) => format!("{} passed, {} failed", counts.passed, counts.failed),
                Err(error) => format!("failed to run: {error:#}"),
            };
            println!(
                "=== [{}] finished in the background: {title} in {:.0} s: {verdict}",
                since_start(),
                begun.elapsed().as_secs_f64()
            );
            outcome
        });
        self.running.lock().unwrap_or_else(|e| e.into_inner()).push((name.to_owned(), log, handle));
    }

    /// Waits for every suite, prints each one's log, and answers their outcomes.
    fn finish(self) -> Vec<(String, Result<Counts>)> {
        std::mem::take(&mut *self.running.lock().unwrap_or_else(|e| e.into_inner()))
            .into_iter()
            .map(|(name, log, handle)| {
                let outcome = handle.join().unwrap_or_else(|_| Err(anyhow::anyhow!("the suite's thread panicked")));
                banner(&name);
                print!("{}", std::fs::read_to_string(&log).unwrap_or_default());
                (name, outcome)
            })
            .collect()
    }
}

fn banner(title: &str) {
    println!("\n=== [{}] {title}", since_start());
}

/// Minutes and seconds since `cargo xtask test` started, for the banners.
fn since_start() -> String {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let seconds = START.get_or_init(Instant::now).elapsed().as_secs();
    format!("{:02}:{:02}", seconds / 60, seconds % 60)
}

/// Runs a test command, echoing its output and summing its `test result:` lines.
fn run_counted(command: &mut Command) -> Result<Counts> {
    run_counted_to(command, &mut std::io::stdout())
}

/// [`run_counted`], writing what the command prints to `out`.
fn run_counted_to(command: &mut Command, out: &mut dyn Write) -> Result<Counts> {
    writeln!(out, "$ {}", tools::describe(command))?;
    let mut child =
        command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().with_context(|| tools::describe(command))?;
    // stderr joins stdout in order of arrival, through one channel.
    let (lines, received) = std::sync::mpsc::channel::<String>();
    let readers: Vec<_> = [
        child.stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child.stderr.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        })
    })
    .collect();
    drop(lines);
    let mut counts = Counts::default();
    for line in received {
        writeln!(out, "{line}")?;
        if let Some((passed, failed)) = parse_test_result(&line) {
            counts.passed += passed;
            counts.failed += failed;
        }
    }
    for reader in readers {
        let _ = reader.join();
    }
    counts.success = child.wait()?.success();
    Ok(counts)
}

/// The native tests: every test executable, [`NATIVE_AT_ONCE`] at a time, as `cargo test
/// --workspace` runs them one after another (the conformance suite's in-process run aside:
/// the same body runs against the native binary and workerd). Each one's output is kept
/// together in the log.
fn native_tests(binaries: &TestBinaries, out: &mut dyn Write) -> Result<Counts> {
    let queue = Mutex::new(binaries.every().map(|(name, command)| (name.to_owned(), command)).collect::<Vec<_>>());
    queue.lock().unwrap_or_else(|e| e.into_inner()).reverse();
    let done = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..NATIVE_AT_ONCE {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop();
                    let Some((name, mut command)) = next else { break };
                    command.args(["--color", "always", "--skip", "conformance::"]);
                    let mut log = Vec::new();
                    let counts = run_counted_to(&mut command, &mut log);
                    done.lock().unwrap_or_else(|e| e.into_inner()).push((name, log, counts));
                }
            });
        }
    });
    let mut total = Counts { success: true, ..Counts::default() };
    for (name, log, counts) in done.into_inner().unwrap_or_else(|e| e.into_inner()) {
        writeln!(out, "\n--- {name}")?;
        out.write_all(&log)?;
        match counts {
            Ok(counts) => {
                total.passed += counts.passed;
                total.failed += counts.failed;
                total.success &= counts.success;
            }
            Err(error) => {
                writeln!(out, "could not run it: {error:#}")?;
                total.success = false;
            }
        }
    }
    Ok(total)
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

/// Checks the widget as it ships (built already, or now) against its budget.
fn widget_budget(built: Option<build::Sizes>) -> Result<Counts> {
    let total = match built {
        Some(total) => total,
        None => build::widget()?,
    };
    let within = total.brotli <= build::WIDGET_BUDGET_BROTLI;
    if !within {
        eprintln!("the widget is {} bytes brotli, over its budget of {}", total.brotli, build::WIDGET_BUDGET_BROTLI);
    }
    Ok(Counts { passed: usize::from(within), failed: usize::from(!within), success: within })
}

/// Starts a local system on `host` and chromedriver, and runs the e2e crate's `targets`
/// (test files) against it, one test at a time (a journey turns faults on in the sandbox).
fn end_to_end(
    binaries: &TestBinaries,
    host: Host,
    targets: &[&str],
    gallery: &std::path::Path,
    out: &mut dyn Write,
) -> Result<Counts> {
    let ports = local_system::Ports::free()?;
    let data = tools::root().join(format!("target/e2e/{}-{}", host.name(), ports.worker));
    let system = local_system::start(host, ports, &local_system::Secrets::random()?, &data)?;
    let driver_port = processes::free_port()?;
    let mut driver = Running::spawn(
        "chromedriver",
        Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )?;
    processes::wait_for_http(
        "chromedriver",
        &format!("http://127.0.0.1:{driver_port}/status"),
        Duration::from_secs(20),
        &mut driver,
    )?;
    // The journey plays Aurora's variance on the native run, and Aurora as the seed shows
    // it on the edge.
    let (screenshots, variance) = match host {
        Host::Native => (tools::root().join("target/e2e-screenshots"), "on"),
        Host::Edge => (tools::root().join("target/e2e-screenshots/edge"), "off"),
    };
    let mut total = Counts { success: true, ..Counts::default() };
    for target in targets {
        let mut command = binaries.command("e2e", target)?;
        command
            .args(["--ignored", "--test-threads", "1", "--color", "always"])
            // `E2E_ONLY=<name>`: only the browser tests whose names hold it (while working on one).
            .args(std::env::var("E2E_ONLY").ok().filter(|f| !f.is_empty()))
            .env("E2E_SWEEP_URL", system.sweep_url.clone().unwrap_or_default())
            .env("E2E_WEBDRIVER_URL", format!("http://127.0.0.1:{driver_port}"))
            .env("E2E_WORKER_URL", &system.worker_url)
            .env("E2E_AURORA_URL", &system.aurora_url)
            .env("E2E_TENANT", local_system::DEV_TENANT)
            .env("E2E_AURORA_VARIANCE", variance)
            .env("E2E_GALLERY_DIR", gallery)
            .env("E2E_AXE_JS", tools::tools_dir().join("node_modules/axe-core/axe.min.js"))
            .env("E2E_SCREENSHOT_DIR", &screenshots);
        for stand_in in &STAND_INS {
            let key = stand_in.key.to_uppercase().replace('-', "_");
            command.env(format!("E2E_{key}_URL"), system.url_of(stand_in.key));
            command.env(format!("E2E_{key}_TENANT"), stand_in.tenant);
        }
        let counts = run_counted_to(&mut command, out)?;
        total.passed += counts.passed;
        total.failed += counts.failed;
        total.success &= counts.success;
    }
    Ok(total)
}

/// Runs the conformance suite (`tests/conformance`) against a fresh local system whose
/// worker runs on `host`.
fn conformance(binaries: &TestBinaries, host: Host, out: &mut dyn Write) -> Result<Counts> {
    let ports = local_system::Ports::free()?;
    let data = tools::root().join(format!("target/conformance/{}-{}", host.name(), ports.worker));
    let secrets = local_system::Secrets::random()?;
    let system = local_system::start(host, ports, &secrets, &data)?;
    if host == Host::Edge {
        // Said, not skipped: what this host cannot be put through.
        writeln!(
            out,
            "edge host limit: workerd gives a test no way to kill the worker mid-request; the crash-recovery test runs on the native binary only (worker/tests/crash_recovery.rs)"
        )?;
    }
    let mut command = binaries.command("conformance", "conformance")?;
    command
        .args(["--test-threads", "1", "--color", "always"])
        .envs(local_system::conformance_env(&system, &secrets, host));
    run_counted_to(&mut command, out)
}

/// The Workers wasm against its gzip budget; what the build prints goes to `log`.
fn edge_budget(log: &mut Vec<u8>) -> Result<Counts> {
    let wasm = build::edge_bundle_logged(log)?;
    let within = wasm.gzip <= build::EDGE_BUDGET_GZIP;
    if !within {
        writeln!(log, "the Workers wasm is {} bytes gzip, over its budget of {}", wasm.gzip, build::EDGE_BUDGET_GZIP)?;
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
