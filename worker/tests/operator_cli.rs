//! The native binary's operator commands, as an operator runs them.

use aurora_crm_worker::{hosts::native::sqlite::SqliteDatabase, storage};

const BINARY: &str = env!("CARGO_BIN_EXE_aurora-crm-worker");

/// `observations` lists, per CRM, what traffic has shown of it across every installation.
#[tokio::test]
async fn the_operator_reads_what_each_crm_has_shown() {
    let dir = std::env::temp_dir().join(format!("aurora-crm-observations-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let database = dir.join("worker.sqlite3");
    let db = SqliteDatabase::open(&database).expect("open");
    storage::migrate(&db, 1_790_000_000).await.expect("migrate");
    storage::vendor_observations::record(
        &db,
        "hubspot",
        "card calls: HubSpot appended portalId and userId",
        1_790_000_000,
    )
    .await
    .expect("record");
    storage::vendor_observations::record(
        &db,
        "hubspot",
        "card calls: HubSpot appended portalId and userId",
        1_790_000_600,
    )
    .await
    .expect("record again");
    drop(db);
    let output = std::process::Command::new(BINARY)
        .arg("--database")
        .arg(&database)
        .arg("observations")
        .output()
        .expect("run observations");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed} {}", String::from_utf8_lossy(&output.stderr));
    assert!(
        printed.contains(
            "hubspot:\n  card calls: HubSpot appended portalId and userId (first 2026-09-21 14:13 UTC, last 2026-09-21 14:23 UTC)"
        ),
        "{printed}"
    );
    assert!(printed.contains("salesforce:\n  nothing yet"), "{printed}");
    let _ = std::fs::remove_dir_all(&dir);
}
