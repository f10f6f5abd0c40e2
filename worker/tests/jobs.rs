//! The background-work lifecycle through the real sweep, with a real SQLite database:
//! one sweep runs every kind, and a job that fails, or cannot even be read, never stops
//! the others.

mod common;

use aurora_crm_worker::{
    crm::Crm,
    jobs::{self, Kind},
    storage::{self, Database, installations},
};
use common::unix_now;
use serde_json::Value;

async fn rows(db: &dyn Database, sql: &str) -> Vec<Value> {
    db.query(sql, &[]).await.expect("query").into_iter().map(Value::Object).collect()
}

#[tokio::test]
async fn one_sweep_runs_every_kind_past_failing_and_unreadable_jobs() {
    let (aurora, _) = common::start_sandbox(&[]).await;
    let now = unix_now() as i64;
    let (state, db, _) = common::state(&aurora, now as u64).await;
    let earlier = now - 100;
    // Due first: an Aurora event nobody knows, and a CRM event whose row cannot be read
    // (a CRM this worker does not have).
    for sql in [
        format!(
            "INSERT INTO aurora_events (dedupe_key, event, aurora_tenant_id, status, received_at, next_attempt_at) \
             VALUES ('mystery', 'mystery_event', '{}', 'x', {earlier}, {earlier})",
            common::TENANT
        ),
        format!(
            "INSERT INTO crm_events (crm, delivery_id, account_id, event, payload_json, received_at, next_attempt_at) \
             VALUES ('nosuchcrm', 'd-1', 'acct-a', '{{}}', '{{}}', {earlier}, {earlier})"
        ),
        // Due after them: work that succeeds.
        format!(
            "INSERT INTO aurora_events (dedupe_key, event, aurora_tenant_id, status, received_at, next_attempt_at) \
             VALUES ('status-1', 'app_status_changed', '{}', 'disabled', {now}, {now})",
            common::TENANT
        ),
        format!(
            "INSERT INTO crm_events (crm, delivery_id, account_id, event, payload_json, received_at, next_attempt_at) \
             VALUES ('demo', 'd-2', 'acct-a', '{{\"kind\":\"other\",\"name\":\"opportunity.updated\"}}', '{{}}', {now}, {now})"
        ),
    ] {
        db.execute(&sql, &[]).await.expect("insert");
    }
    // The event is a prompt: the worker asks Aurora, where the app is now disabled.
    let disable = reqwest::Client::new()
        .post(format!("{aurora}/sandbox/tenants/{}/app-status", common::TENANT))
        .json(&serde_json::json!({"enabled": false}))
        .send()
        .await
        .expect("disable");
    assert!(disable.status().is_success());
    assert_eq!(jobs::sweep(&state).await, 4, "every due job ran");

    let installation = installations::find(&db, Crm::Demo, "acct-a").await.expect("find").expect("installed");
    assert!(!installation.app_enabled, "the event after the failing one was done");
    let aurora_events =
        rows(&db, "SELECT dedupe_key, done_at, dead_at, last_error FROM aurora_events ORDER BY dedupe_key").await;
    assert!(aurora_events[0]["dead_at"].is_i64(), "an unknown event is dead at once: {aurora_events:?}");
    assert!(aurora_events[0]["last_error"].as_str().is_some_and(|e| e.contains("mystery_event")));
    assert!(aurora_events[1]["done_at"].is_i64(), "{aurora_events:?}");
    let crm_events = rows(
        &db,
        "SELECT delivery_id, attempts, done_at, dead_at, next_attempt_at FROM crm_events ORDER BY delivery_id",
    )
    .await;
    // The unreadable row is kept and retried later (storage may recover), not lost.
    assert_eq!(crm_events[0]["attempts"], 1);
    assert!(crm_events[0]["done_at"].is_null() && crm_events[0]["dead_at"].is_null(), "{crm_events:?}");
    assert!(crm_events[0]["next_attempt_at"].as_i64() > Some(now), "{crm_events:?}");
    assert!(crm_events[1]["done_at"].is_i64(), "{crm_events:?}");

    // Dead work is counted for the installation whose tenant it came from.
    let dead = jobs::dead_work(&state, &installation).await.expect("dead work");
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].0, dead[0].1.count), (Kind::AuroraEvent, 1));
    assert_eq!(jobs::sweep(&state).await, 0, "nothing else is due yet");
}

#[tokio::test]
async fn work_that_keeps_failing_dies_after_its_last_attempt_and_is_never_taken_again() {
    let (aurora, _) = common::start_sandbox(&[]).await;
    let now = unix_now() as i64;
    let (state, db, clock) = common::state(&aurora, now as u64).await;
    db.execute(
        &format!(
            "INSERT INTO crm_events (crm, delivery_id, account_id, event, payload_json, received_at, next_attempt_at, \
             attempts) VALUES ('nosuchcrm', 'd-1', 'acct-a', '{{}}', '{{}}', {now}, {now}, {})",
            jobs::MAX_ATTEMPTS - 1
        ),
        &[],
    )
    .await
    .expect("insert");
    assert_eq!(jobs::sweep(&state).await, 1);
    let row = rows(&db, "SELECT attempts, dead_at, last_error FROM crm_events").await.remove(0);
    assert_eq!(row["attempts"], jobs::MAX_ATTEMPTS);
    assert!(row["dead_at"].is_i64(), "{row}");
    assert!(row["last_error"].as_str().is_some_and(|e| e.starts_with("gave up after")), "{row}");
    clock.advance(30 * 24 * 3600);
    assert_eq!(jobs::sweep(&state).await, 0, "dead work is kept, never run again");
    let _ = storage::MIGRATIONS; // the schema these rows follow
}

/// A job whose call to Aurora waits (Aurora slow, or its turn on the pacing schedule) keeps
/// its lease while it waits: a sweep in the meantime does not run it a second time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_still_waiting_on_aurora_keeps_its_lease() {
    let (aurora, _) = common::start_sandbox(&[]).await;
    let now = unix_now() as i64;
    let (state, db, clock) = common::state(&aurora, now as u64).await;
    db.execute(
        &format!(
            "INSERT INTO aurora_events (dedupe_key, event, aurora_tenant_id, status, received_at, next_attempt_at) \
             VALUES ('status-slow', 'app_status_changed', '{}', 'disabled', {now}, {now})",
            common::TENANT
        ),
        &[],
    )
    .await
    .expect("insert");
    common::set_faults(&aurora, serde_json::json!({"slow": 1.0, "slow_ms": 3000})).await;
    let first = tokio::spawn({
        let state = state.clone();
        async move { jobs::run_due(&state, Kind::AuroraEvent).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    // Long past the lease the job took, by the worker's clock, while Aurora still answers.
    clock.advance(jobs::LEASE_SECONDS as u64 + 60);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(jobs::run_due(&state, Kind::AuroraEvent).await, 0, "the waiting job's lease was extended");
    assert_eq!(first.await.expect("first run"), 1);
    let done = rows(&db, "SELECT done_at FROM aurora_events WHERE dedupe_key = 'status-slow'").await;
    assert!(!done[0]["done_at"].is_null(), "{done:?}");
}

/// The Aurora events that died under a tenant's previous owner are not shown to the
/// installation that links the tenant now: only those since it linked.
#[tokio::test]
async fn a_tenants_dead_events_are_shown_only_since_the_installation_linked_it() {
    let (aurora, _) = common::start_sandbox(&[]).await;
    let now = unix_now() as i64;
    let (state, db, _) = common::state(&aurora, now as u64).await;
    // acct-a had the tenant; it moves to acct-b, which links it now.
    installations::release_tenant(&db, Crm::Demo, "acct-a", now).await.expect("released");
    installations::release_tenant(&db, Crm::Demo, "acct-b", now).await.expect("released");
    let linked =
        installations::link_tenant(&db, Crm::Demo, "acct-b", common::TENANT, installations::TenantLink::Proven, now);
    assert_eq!(linked.await.expect("linked"), installations::Linked::Done);
    for (key, received) in [("before-the-move", now - 3600), ("after-the-move", now + 1)] {
        db.execute(
            &format!(
                "INSERT INTO aurora_events (dedupe_key, event, aurora_tenant_id, status, received_at, next_attempt_at, \
                 dead_at, last_error) VALUES ('{key}', 'mystery_event', '{}', 'x', {received}, {received}, {received}, '{key}')",
                common::TENANT
            ),
            &[],
        )
        .await
        .expect("insert");
    }
    let installation = installations::find(&db, Crm::Demo, "acct-b").await.expect("find").expect("installed");
    let dead = jobs::dead_work(&state, &installation).await.expect("dead work");
    let (_, aurora) = dead.iter().find(|(kind, _)| *kind == Kind::AuroraEvent).expect("dead Aurora events");
    assert_eq!((aurora.count, aurora.last_error.as_deref()), (1, Some("after-the-move")));
}
