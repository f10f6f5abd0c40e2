//! For `cargo xtask bench`: how many Aurora webhook deliveries a running native worker
//! recorded (figure 4 counts them against the acknowledgements, so nothing is lost),
//! read from its SQLite file (`BENCH_DATABASE`; WAL lets a reader in beside the worker).
//! Prints one `BENCH {json}` line. Not a test of behaviour: run by `cargo xtask bench`.

use aurora_crm_worker::{hosts::native::sqlite::SqliteDatabase, storage::Database};

#[tokio::test]
#[ignore = "run by `cargo xtask bench` against the worker it started"]
#[allow(clippy::print_stdout)] // its output is what the bench reads
async fn bench_count_recorded_aurora_events() {
    let path = std::env::var("BENCH_DATABASE").expect("BENCH_DATABASE");
    let db = SqliteDatabase::open(std::path::Path::new(&path)).expect("open");
    let rows = db.query("SELECT COUNT(*) AS n FROM aurora_events", &[]).await.expect("count");
    let recorded = rows.first().and_then(|r| r.get("n")).and_then(serde_json::Value::as_i64).unwrap_or(0);
    println!("BENCH {}", serde_json::json!({ "figure": "recorded", "aurora_events": recorded }));
}
