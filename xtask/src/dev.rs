//! `cargo xtask dev`: the whole product locally until Ctrl-C.

use crate::{local_system, processes};
use anyhow::Result;
use std::time::Duration;

/// Fixed ports so bookmarks keep working between runs.
const PORTS: local_system::Ports = local_system::Ports { worker: 8787, aurora: 8790, crm: 8791 };

pub fn run() -> Result<()> {
    processes::stop_children_on_signal();
    crate::build::run(false)?;
    local_system::build_binaries()?;
    let secrets = local_system::Secrets::for_dev()?;
    let database = crate::tools::root().join("target/dev/worker.sqlite3");
    let mut system = local_system::start(PORTS, &secrets, &database)?;
    println!();
    println!("  Demo CRM opportunity:  {}", system.opportunity_page());
    println!("  All opportunities:     {}/", system.crm_url);
    println!("  Worker:                {}/health", system.worker_url);
    println!("  Aurora sandbox:        {}", system.aurora_url);
    println!("  Worker database:       {}", database.display());
    println!();
    println!("Press Ctrl-C to stop everything.");
    loop {
        std::thread::sleep(Duration::from_secs(1));
        system.check_alive()?;
    }
}
