//! `cargo xtask dev`: the whole product locally until Ctrl-C; `--edge` runs the worker on
//! workerd (`wrangler dev --local`, local D1) instead of the native binary.

use crate::{
    local_system::{self, Host},
    processes,
    stand_ins::STAND_INS,
};
use anyhow::Result;
use std::time::{Duration, Instant};

/// How often the edge host's Cron Trigger is fired locally (workerd does not fire crons
/// by itself under `wrangler dev`); the native binary sweeps on its own timer.
const LOCAL_CRON: Duration = Duration::from_secs(10);

pub fn run(edge: bool) -> Result<()> {
    processes::stop_children_on_signal();
    let host = if edge { Host::Edge } else { Host::Native };
    crate::build::run(edge)?;
    local_system::build_binaries()?;
    let secrets = local_system::Secrets::for_dev()?;
    let data = crate::tools::root().join(if edge { "target/dev-edge" } else { "target/dev" });
    // Fixed ports, so bookmarks keep working between runs.
    let mut system = local_system::start(host, local_system::DEV_PORTS, &secrets, &data)?;
    println!();
    for (n, stand_in) in STAND_INS.iter().enumerate() {
        for (i, line) in (stand_in.dev_steps)(system.url_of(stand_in.key), &system.aurora_url).iter().enumerate() {
            let number = if i == 0 { format!("{}.", n + 1) } else { String::new() };
            println!("  {number:<3}{line}");
        }
    }
    println!();
    match host {
        Host::Native => println!(
            "  Worker (native):  {}/health, database {}",
            system.worker_url,
            data.join("worker.sqlite3").display()
        ),
        Host::Edge => println!(
            "  Worker (workerd):  {}/health, local D1 in {}",
            system.worker_url,
            data.join("wrangler-state").display()
        ),
    }
    println!();
    println!("Press Ctrl-C to stop everything.");
    let mut last_cron = Instant::now();
    loop {
        std::thread::sleep(Duration::from_secs(1));
        system.check_alive()?;
        if let Some(url) = &system.sweep_url
            && last_cron.elapsed() >= LOCAL_CRON
        {
            last_cron = Instant::now();
            if let Err(error) = ureq::get(url).call() {
                eprintln!("local cron: {error}");
            }
        }
    }
}
