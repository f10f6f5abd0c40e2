//! `cargo xtask <command>`: the project's dev commands.
//!
//! - `setup`: install every tool the project needs, idempotently (seconds when present).
//! - `build`: the widget (wasm-bindgen + wasm-opt into `dist/`), with its sizes.
//! - `dev`:   build, then run the sandbox and the native worker until Ctrl-C.
//! - `test`:  every suite, ending with one `N passed, N failed` line.
//! - `fuzz`:  the fuzz targets (nightly, cargo-fuzz), each for a while.
//! - `chaos`: the chaos run: faults everywhere and the worker killed, nothing lost.
//! - `bench`: the performance figures against their goals, into `BENCHMARKS.md`.
#![allow(clippy::print_stdout)] // a CLI: printing is its job

mod bench;
mod build;
mod chaos;
mod dev;
mod fuzz;
mod hubspot_card;
mod local_system;
#[cfg(test)]
mod module_graph;
mod processes;
mod setup;
mod stand_ins;
mod test;
mod test_binaries;
#[cfg(test)]
mod tidy;
mod tools;
mod vendor_checks;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "The Aurora CRM project's dev commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install the wasm target, wasm-bindgen-cli, worker-build, Chromium + driver and the
    /// npm tools (Node 22, wasm-opt, wrangler, esbuild, the HubSpot card's packages) into
    /// .tools/, then nightly with cargo-fuzz and wrk for `fuzz` and `bench`. Skips what is
    /// present.
    Setup {
        /// Only what `cargo xtask test` needs (no nightly, cargo-fuzz or wrk).
        #[arg(long)]
        for_tests: bool,
    },
    /// Build the widget into dist/ and report its sizes; `--edge` also builds the
    /// Cloudflare Workers bundle.
    Build {
        /// Also build the Workers bundle (worker/build/) with worker-build.
        #[arg(long)]
        edge: bool,
    },
    /// Set up and build when needed, then run the sandbox (Aurora and every CRM's stand-in)
    /// and the worker on 127.0.0.1 until Ctrl-C.
    Dev {
        /// Run the worker on workerd (`wrangler dev --local`, local D1, the Cron Trigger
        /// fired every 10 s) instead of the native binary.
        #[arg(long)]
        edge: bool,
    },
    /// Set up when needed, then run every suite: native tests (the fuzz corpora replayed
    /// among them), formatting and lints, the HubSpot card's type check, the widget in
    /// headless Chromium, both size budgets, and, side by side, the suites that start a
    /// system: the e2e journeys, conformance on both hosts, a small chaos run.
    Test {
        /// Run only these suites (repeatable): native, clippy, hubspot, vendor (the vendors' own tooling), wasm32, widget,
        /// budget, e2e (native host), conformance (native host), edge (Workers budget,
        /// conformance and the demo journey on workerd), chaos. CI always runs them all.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(test::SUITES))]
        only: Vec<String>,
    },
    /// The chaos run: opportunities over three CRM accounts while Aurora and the CRM fail,
    /// webhooks come three times, shuffled, and the native worker is killed with SIGKILL
    /// and restarted; ends with one line and fails on any loss or duplicate.
    Chaos {
        /// How many opportunities.
        #[arg(long, default_value_t = 200)]
        opportunities: usize,
        /// How many times the worker is killed.
        #[arg(long, default_value_t = 2)]
        kills: usize,
    },
    /// Run the fuzz targets in fuzz/ (every parser of outside input) on nightly with
    /// cargo-fuzz, each for `--seconds`; a crash fails and leaves its input in fuzz/artifacts/.
    Fuzz {
        /// How long each target runs.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Run only these targets (repeatable).
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(fuzz::TARGETS))]
        target: Vec<String>,
    },
    /// Measure what reps and Aurora feel (widget size, boot to data, poll throughput,
    /// webhook acknowledgements, pacing, key mints, the Workers bundle and cold start,
    /// memory), each against its goal, with release builds, wrk and headless Chromium;
    /// prints the table and writes BENCHMARKS.md.
    Bench {
        /// A short run (a few seconds per figure; writes target/BENCHMARKS.quick.md).
        #[arg(long)]
        quick: bool,
        /// Measure only these groups of figures (repeatable): widget, poll, webhooks, boot,
        /// pacing, keys, edge; the table goes to target/BENCHMARKS.partial.md.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(bench::GROUPS))]
        only: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Setup { for_tests: true } => setup::run().map(|_| ExitCode::SUCCESS),
        Command::Setup { for_tests: false } => {
            setup::run().and_then(|_| setup::fuzz_tools()).and_then(|_| setup::bench_tools()).map(|_| ExitCode::SUCCESS)
        }
        Command::Build { edge } => build::run(edge).map(|_| ExitCode::SUCCESS),
        Command::Dev { edge } => dev::run(edge).map(|()| ExitCode::SUCCESS),
        Command::Test { only } => test::run(&only),
        Command::Fuzz { seconds, target } => fuzz::run(seconds, &target),
        Command::Chaos { opportunities, kills } => chaos::run(opportunities, kills),
        Command::Bench { quick, only } => bench::run(quick, &only),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
