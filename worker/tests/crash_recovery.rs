//! The native worker binary: killed while it processes a webhook it already acknowledged,
//! restarted on the same SQLite file, the design still arrives, and its logs and answers
//! never contain the application key, a temporary key, a session token or the webhook
//! token. And its `check-webhooks` command.

mod common;

use aurora_crm_worker::aurora_subscriptions as subscriptions;
use common::{APP_ID, APP_KEY, CRM_CLIENT_SECRET, SIGNING, TENANT, WEBHOOK_TOKEN, demo_context, unix_now};
use serde_json::{Value, json};
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const BINARY: &str = env!("CARGO_BIN_EXE_aurora-crm-worker");

fn worker_command(database: &Path, aurora: &str) -> Command {
    let mut command = Command::new(BINARY);
    command
        .arg("--database")
        .arg(database)
        .env("WORKER_SIGNING_SECRET", SIGNING)
        .env("ALLOWED_CRM_ORIGINS", "http://127.0.0.1:8791")
        .env("AURORA_BASE_URL", aurora)
        .env("AURORA_ALLOW_LOOPBACK", "true")
        .env("AURORA_APPLICATION_ID", APP_ID)
        .env("AURORA_APPLICATION_KEY", APP_KEY)
        .env("AURORA_WEBHOOK_TOKEN", WEBHOOK_TOKEN)
        .env("DEMO_CRM_BASE_URL", "http://127.0.0.1:9")
        .env("DEMO_CRM_CLIENT_ID", common::CRM_CLIENT_ID)
        .env("DEMO_CRM_CLIENT_SECRET", CRM_CLIENT_SECRET)
        .env("WORKER_PUBLIC_URL", "http://127.0.0.1:8787")
        .env("RUST_LOG", "debug");
    command
}

/// Starts `serve` on `port`, logging into `log`; waits for /health.
async fn start_worker(database: &Path, aurora: &str, port: u16, static_dir: &Path, log: &Path) -> Child {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log file");
    let child = worker_command(database, aurora)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--static-dir")
        .arg(static_dir)
        .stdout(Stdio::from(log.try_clone().expect("log")))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start the worker");
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(format!("http://127.0.0.1:{port}/health")).await.is_err() {
        assert!(Instant::now() < deadline, "the worker did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child
}

/// A fresh folder for one test's database, log and static files.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aurora-crm-{test}-{}-{}", std::process::id(), unix_now()));
    std::fs::create_dir_all(dir.join("static/widget")).expect("scratch dir");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_after_acknowledging_a_webhook_still_delivers_the_design() {
    let (aurora, sandbox) = common::start_sandbox(&["--design-delay-ms", "500"]).await;
    let dir = scratch_dir("crash");
    let (database, log, static_dir) = (dir.join("worker.sqlite3"), dir.join("worker.log"), dir.join("static"));
    let status = worker_command(&database, &aurora)
        .args(["add-installation", "--crm", "demo", "--account", "acct-a", "--aurora-tenant", TENANT])
        .status()
        .expect("add-installation");
    assert!(status.success());

    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let worker = format!("http://127.0.0.1:{port}");
    let mut first = start_worker(&database, &aurora, port, &static_dir, &log).await;
    let (state, _, _) = common::state(&aurora, unix_now()).await;
    subscriptions::setup(&state.aurora, &state.config, &worker).await.expect("subscribe");

    let http = reqwest::Client::new();
    let mut answers = String::new();
    let context = demo_context(
        "acct-a",
        "opp-crash",
        json!({"property_address": "500 Sun Ave, Austin, TX"}),
        CRM_CLIENT_SECRET,
        unix_now(),
    );
    let session = http
        .post(format!("{worker}/v1/sessions"))
        .json(&json!({"crm": "demo", "context": context}))
        .send()
        .await
        .expect("session");
    let session: Value = session.json().await.expect("json");
    answers.push_str(&session.to_string());
    let token = session["token"].as_str().expect("token").to_owned();
    // Aurora turns slow: the worker will acknowledge the webhook but hang fetching the summary.
    let created = http
        .post(format!("{worker}/v1/opportunities/opp-crash/project"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 200);
    answers.push_str(&format!("{:?}", created.headers()));
    answers.push_str(&created.text().await.expect("body"));
    common::set_faults(&aurora, json!({"slow": 1.0, "slow_ms": 8000})).await;

    let deadline = Instant::now() + Duration::from_secs(15);
    while !sandbox
        .state()
        .deliveries
        .iter()
        .any(|d| d.event == "performance_simulation_job_completed" && d.status == Some(200))
    {
        assert!(Instant::now() < deadline, "the webhook was never acknowledged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Processing is under way or about to be: Aurora answers in 8 s, so wherever the kill
    // lands after the acknowledgement, the event is recorded and not yet processed.
    first.kill().expect("kill -9 the worker");
    first.wait().expect("reaped");
    {
        // The kill landed mid-processing: the event is recorded and not processed.
        use aurora_crm_worker::storage::Database;
        let db = aurora_crm_worker::hosts::native::sqlite::SqliteDatabase::open(&database).expect("open");
        let rows = db.query("SELECT done_at FROM aurora_events", &[]).await.expect("rows");
        assert_eq!(rows.len(), 1, "the acknowledged event was recorded");
        assert!(rows[0]["done_at"].is_null(), "and not processed before the kill");
    }

    common::set_faults(&aurora, json!({})).await;
    let mut second = start_worker(&database, &aurora, port, &static_dir, &log).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let ready = loop {
        let state: Value = http
            .get(format!("{worker}/v1/opportunities/opp-crash"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("state")
            .json()
            .await
            .expect("json");
        if state["state"] == "design_ready" {
            break state;
        }
        assert!(Instant::now() < deadline, "the design never arrived after the restart: {state}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    answers.push_str(&ready.to_string());
    assert_eq!(sandbox.state().designs.len(), 1);
    second.kill().expect("stop");
    second.wait().expect("reaped");

    // Secrets in nothing we logged or answered.
    let logs = std::fs::read_to_string(&log).expect("logs");
    assert!(logs.contains("minted a temporary Aurora key"), "the logs are the worker's: {logs}");
    let mut secrets: Vec<String> = sandbox.state().temporary_keys.keys().cloned().collect();
    secrets.extend(sandbox.state().session_tokens.keys().cloned());
    secrets.extend([APP_KEY.to_owned(), WEBHOOK_TOKEN.to_owned(), CRM_CLIENT_SECRET.to_owned(), SIGNING.to_owned()]);
    assert!(secrets.len() >= 6, "keys and session tokens were issued");
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a secret is in the logs");
        assert!(!answers.contains(secret.as_str()), "a secret is in an answer");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_webhooks_reports_a_test_delivery_that_arrived_and_one_that_could_not() {
    let (aurora, sandbox) = common::start_sandbox(&[]).await;
    let dir = scratch_dir("check");
    let (database, log, static_dir) = (dir.join("worker.sqlite3"), dir.join("worker.log"), dir.join("static"));
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let worker = format!("http://127.0.0.1:{port}");
    let mut serving = start_worker(&database, &aurora, port, &static_dir, &log).await;
    let (state, _, _) = common::state(&aurora, unix_now()).await;
    let check = |public_url: String, wait: &'static str| {
        let output = worker_command(&database, &aurora)
            .args(["check-webhooks", "--public-url", &public_url, "--wait-seconds", wait])
            .output()
            .expect("check-webhooks");
        (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    // Nothing subscribed yet: the command says what to run.
    let (ok, said) = check(worker.clone(), "2");
    assert!(!ok && said.contains("run setup-webhooks"), "{said}");
    subscriptions::setup(&state.aurora, &state.config, &worker).await.expect("subscribe");
    let (ok, said) = check(worker.clone(), "10");
    assert!(ok, "the test delivery arrived: {said}");
    let delivered = sandbox.state().deliveries.iter().filter(|d| d.path.contains("/webhooks/aurora/")).count();
    assert_eq!(delivered, 1, "one test delivery");
    // A public URL where no worker answers: reported, with what to check.
    let (ok, said) = check("http://127.0.0.1:9".into(), "2");
    assert!(!ok && said.contains("did not reach"), "{said}");
    serving.kill().expect("stop");
    serving.wait().expect("reaped");
    let _ = std::fs::remove_dir_all(&dir);
}
