//! `cargo xtask chaos [--opportunities N] [--kills K]`: the chaos run. Starts the local
//! system (sandbox and the native worker on SQLite), runs `tests/conformance/tests/chaos.rs`
//! against it (opportunities over three CRM accounts with Aurora and CRM faults, webhooks
//! three times and shuffled), and meanwhile kills the worker with SIGKILL `K` times, spread
//! over the creation of the opportunities, restarting it on the same database each time.
//! Ends with the test's one line and fails on any loss, duplicate or dead work.

use crate::{
    build,
    local_system::{self, Host},
    test_binaries::TestBinaries,
    tools,
};
use anyhow::{Context, Result};
use std::{
    io::{BufRead, BufReader, Write},
    process::{ExitCode, Stdio},
};

/// Runs the chaos run with the test executables already built, writing what it prints to
/// `out`; answers whether it held.
pub fn run_once(binaries: &TestBinaries, opportunities: usize, kills: usize, out: &mut dyn Write) -> Result<bool> {
    let ports = local_system::Ports::free()?;
    let data = tools::root().join(format!("target/chaos/{}", ports.worker));
    let secrets = local_system::Secrets::random()?;
    let mut system = local_system::start(Host::Native, ports, &secrets, &data)?;
    // Kill points: evenly spread over the opportunities' creation.
    let kill_at: Vec<usize> = (1..=kills).map(|k| k * opportunities / (kills + 1)).filter(|n| *n > 0).collect();
    let mut command = binaries.command("conformance", "chaos")?;
    command
        .args(["--ignored", "--nocapture", "--exact", "chaos_run"])
        .env("CHAOS_OPPORTUNITIES", opportunities.to_string())
        .envs(local_system::conformance_env(&system, &secrets, Host::Native))
        .stdout(Stdio::piped());
    writeln!(out, "$ {}", tools::describe(&command))?;
    let mut child = command.spawn().context("starting the chaos test")?;
    let mut killed = 0;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            writeln!(out, "{line}")?;
            let created = line.strip_prefix("chaos: created ").and_then(|rest| rest.split('/').next()?.parse().ok());
            if let Some(created) = created
                && kill_at.get(killed) == Some(&created)
            {
                killed += 1;
                writeln!(
                    out,
                    "chaos: SIGKILL to the worker ({killed} of {}), restarting it on the same database",
                    kill_at.len()
                )?;
                system.kill_and_restart_worker()?;
            }
        }
    }
    Ok(child.wait()?.success())
}

/// `cargo xtask chaos`.
pub fn run(opportunities: usize, kills: usize) -> Result<ExitCode> {
    crate::processes::stop_children_on_signal();
    build::widget()?;
    local_system::build_binaries()?;
    let binaries = TestBinaries::build()?;
    let held = run_once(&binaries, opportunities, kills, &mut std::io::stdout())?;
    Ok(if held { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
