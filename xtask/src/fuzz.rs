//! `cargo xtask fuzz [--seconds N] [--target T]`: the cargo-fuzz targets in `fuzz/` (every
//! parser of outside input), each run for N seconds on nightly with its seeds from
//! `fuzz/seeds/` and its growing corpus in `fuzz/corpus/` (not committed). Prints each
//! target's executions; a crash fails the run and leaves its input in `fuzz/artifacts/`,
//! to become a regression test.

use crate::tools;
use anyhow::{Context, Result};
use std::{
    io::{BufRead, BufReader},
    process::{Command, ExitCode, Stdio},
};

/// The targets, in `fuzz/fuzz_targets/`.
pub const TARGETS: [&str; 9] = [
    "crm_context",
    "crm_webhook",
    "aurora_webhook_query",
    "aurora_json",
    "widget_decode",
    "salesforce_signed_request",
    "hubspot_request",
    "pipedrive_request",
    "oauth_callback",
];

/// One target's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The target.
    pub target: String,
    /// Inputs tried.
    pub executions: u64,
    /// Whether it ended without a crash.
    pub clean: bool,
}

/// How a target is built: optimized for long runs (`cargo xtask fuzz`: more inputs a
/// second), unoptimized for the smoke runs of `cargo xtask test` (minutes less to build).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// `cargo fuzz run` (release, one codegen unit).
    Optimized,
    /// `cargo fuzz run --dev`.
    Quick,
}

/// Runs `targets` (all when empty) for `seconds` each.
pub fn run(seconds: u64, targets: &[String]) -> Result<ExitCode> {
    crate::setup::fuzz_tools()?;
    let chosen: Vec<&str> =
        TARGETS.iter().copied().filter(|t| targets.is_empty() || targets.iter().any(|c| c == t)).collect();
    let runs = chosen.iter().map(|target| run_target(target, seconds, Build::Optimized)).collect::<Result<Vec<_>>>()?;
    println!();
    for run in &runs {
        let verdict = if run.clean { "no crash" } else { "CRASHED: see fuzz/artifacts/" };
        println!("fuzz {:<22} {:>12} executions in {seconds} s, {verdict}", run.target, run.executions);
    }
    Ok(if runs.iter().all(|r| r.clean) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `cargo fuzz run` on nightly: builds the target (instrumented) and runs it.
pub fn run_target(target: &str, seconds: u64, build: Build) -> Result<Run> {
    let root = tools::root();
    let corpus = root.join("fuzz/corpus").join(target);
    let seeds = root.join("fuzz/seeds").join(target);
    std::fs::create_dir_all(&corpus).with_context(|| format!("creating {}", corpus.display()))?;
    let mut command = Command::new("rustup");
    command
        .current_dir(&root)
        .env("PATH", tools::path_with_tools())
        // Safe Rust throughout: what the targets look for is a panic, an overflow (debug
        // assertions on: `-a`) or an abort, not memory errors, so no sanitizer (which also
        // makes the build and every run several times faster).
        .args(["run", "nightly", "cargo", "fuzz", "run", "--sanitizer", "none", "-a"])
        .args((build == Build::Quick).then_some("--dev"))
        .arg(target)
        .arg(&corpus)
        .args(seeds.is_dir().then_some(&seeds))
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .args(["-print_final_stats=1", "-rss_limit_mb=2048", "-max_len=65536"])
        .stderr(Stdio::piped());
    println!("$ {}", tools::describe(&command));
    let mut child = command.spawn().context("starting cargo fuzz")?;
    let mut executions = 0;
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let line = line?;
            if let Some(count) = line.strip_prefix("stat::number_of_executed_units:") {
                executions = count.trim().parse().unwrap_or(0);
            }
            // libFuzzer's progress lines are many: keep the ones that matter.
            if !line.starts_with('#') || line.contains("DONE") {
                eprintln!("{line}");
            }
        }
    }
    let clean = child.wait()?.success();
    Ok(Run { target: target.to_owned(), executions, clean })
}
