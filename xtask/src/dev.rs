//! `cargo xtask dev`: the whole product locally until Ctrl-C.

use crate::{local_system, processes};
use anyhow::Result;
use std::time::Duration;


/// The demo CRM's fixture password (sandbox/src/demo_crm/fixtures.rs).
fn sandbox_password() -> &'static str {
    "demo"
}

pub fn run() -> Result<()> {
    processes::stop_children_on_signal();
    crate::build::run(false)?;
    local_system::build_binaries()?;
    let secrets = local_system::Secrets::for_dev()?;
    let database = crate::tools::root().join("target/dev/worker.sqlite3");
    // Fixed ports, so bookmarks keep working between runs.
    let mut system = local_system::start(local_system::DEV_PORTS, &secrets, &database)?;
    let password = sandbox_password();
    println!();
    println!("  1. As the CRM admin, install the app:  {}", system.marketplace());
    println!("       sign in as ada@sunrise.example / {password}, click Install, then Allow;");
    println!("       on the settings page link Aurora tenant {}", local_system::DEV_TENANT);
    println!("       (Aurora's Apps page lists it: {}/apps)", system.aurora_url);
    println!("  2. As a rep, open an opportunity:      {}/", system.crm_url);
    println!("       sign in as ana@sunrise.example / {password}, open one, click Create Aurora Project");
    println!("       (another company's rep: ben@northwind.example; its admin: nia@northwind.example)");
    println!();
    println!("  Worker:           {}/health", system.worker_url);
    println!("  Worker database:  {}", database.display());
    println!();
    println!("Press Ctrl-C to stop everything.");
    loop {
        std::thread::sleep(Duration::from_secs(1));
        system.check_alive()?;
    }
}
