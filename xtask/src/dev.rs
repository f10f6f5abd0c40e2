//! `cargo xtask dev`: the whole product locally until Ctrl-C; `--edge` runs the worker on
//! workerd (`wrangler dev --local`, local D1) instead of the native binary.

use crate::{
    local_system::{self, Host},
    processes,
};
use anyhow::Result;
use std::time::{Duration, Instant};

/// The demo CRM's fixture password (sandbox/src/demo_crm/fixtures.rs).
const CRM_PASSWORD: &str = "demo";

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
    println!("  1. As the CRM admin, install the app:  {}", system.marketplace());
    println!("       sign in as ada@sunrise.example / {CRM_PASSWORD}, click Install, then Allow and install;");
    println!(
        "       then link the Aurora tenant: open {}/apps, click Open for tenant {}, and enter the code it shows on the settings page",
        system.aurora_url,
        local_system::DEV_TENANT
    );
    println!("       (Northwind's admin links the other tenant, {})", local_system::SECOND_TENANT);
    println!("  2. As a rep, open an opportunity:      {}/", system.crm_url);
    println!("       sign in as ana@sunrise.example / {CRM_PASSWORD}, open one, click Create Aurora Project");
    println!("       (another company's rep: ben@northwind.example; its admin: nia@northwind.example)");
    let lightning = system.salesforce_url.replace("127.0.0.1", "localhost");
    println!("  3. In Salesforce (local), install:     {lightning}/appexchange");
    println!(
        "       Get It Now, log in as alex@sunrise-solar.example / demo, Allow; link tenant {} as in 1 ({}/apps, Open)",
        local_system::SALESFORCE_TENANT,
        system.aurora_url
    );
    println!(
        "       then Sign out and log in as riley@sunrise-solar.example / demo at {lightning}/lightning/o/Opportunity/list"
    );
    println!("  4. In Pipedrive (local), install:      {}/marketplace", system.pipedrive_url);
    println!(
        "       log in as hana@helio.example / demo, Install now, Allow and install; link tenant {} as in 1",
        local_system::PIPEDRIVE_TENANT
    );
    println!("       then Sign out and log in as rui@helio.example / demo, and open {}/deal/1", system.pipedrive_url);
    println!("  5. In HubSpot (local), install:        {}/marketplace", system.hubspot_url);
    println!(
        "       log in as sam@summit.example / demo (a Super Admin), Install app, Connect app; link tenant {} as in 1",
        local_system::HUBSPOT_TENANT
    );
    println!(
        "       then Sign out and log in as sky@summit.example / demo, open {}/deal/5001, and click Create Aurora Project on the card",
        system.hubspot_url
    );
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
