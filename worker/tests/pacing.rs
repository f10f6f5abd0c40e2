//! Every call to Aurora is paced per key, so the worker waits its turn
//! instead of collecting 429s. Against the sandbox with Aurora's limit compressed (10
//! requests per 3 seconds instead of 90 per minute), over real HTTP and SQLite.

mod common;

use aurora_crm_worker::{AppState, aurora_pacing::RateLimit, router};
use axum::http::StatusCode;
use common::{CRM_CLIENT_SECRET, call, create_project_request, demo_context, open_session, unix_now};
use serde_json::json;

/// What a burst of creates met at the sandbox.
struct Met {
    /// Requests answered 429 for Aurora's rate limit.
    rate_limited: u64,
    /// Project listings (lookups before a retried create).
    listings: u64,
    /// Creates the worker turned away unsent (503 `aurora_busy`), each tried again.
    turned_away: usize,
}

/// `projects` creates at once by one tenant's reps, against a sandbox started with
/// `sandbox_flags`: more calls than the limit allows at once. Answers what the sandbox
/// met, after checking every project was made once.
async fn burst_of_creates(pacing: RateLimit, projects: usize, sandbox_flags: &[&str]) -> Met {
    let (aurora, sandbox) = common::start_sandbox(sandbox_flags).await;
    let now = unix_now();
    let (mut state, _, _): (AppState, _, _) = common::state(&aurora, now).await;
    let mut config = common::config(&aurora);
    config.aurora.rate_limit = pacing;
    state = AppState::new(
        config,
        state.db.clone(),
        std::sync::Arc::new(aurora_api::reqwest_transport::ReqwestTransport::default()),
        std::sync::Arc::default(),
        state.background.clone(),
        state.clock.clone(),
    );
    let app = router(state);
    let opportunities: Vec<String> = (0..projects).map(|i| format!("opp-pace-{i}")).collect();
    let mut tokens = Vec::new();
    for opportunity in &opportunities {
        let context =
            demo_context("acct-a", opportunity, json!({"latitude": 37.4, "longitude": -122.1}), CRM_CLIENT_SECRET, now);
        tokens.push(open_session(&app, &context).await.0);
    }
    // A create the pacing turned away at once (the key is booked past its ceiling) says
    // so (503 `aurora_busy`): the rep clicks Try again a moment later.
    let turned_away = std::sync::atomic::AtomicUsize::new(0);
    let creates = opportunities.iter().zip(&tokens).map(|(opportunity, token)| {
        let (app, turned_away) = (app.clone(), &turned_away);
        async move {
            loop {
                let (status, headers, body) = call(&app, create_project_request(token, opportunity)).await;
                let busy = status == StatusCode::SERVICE_UNAVAILABLE && body["error"]["code"] == "aurora_busy";
                if busy {
                    turned_away.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                } else {
                    return (status, headers, body);
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    });
    for (status, _, body) in futures_util::future::join_all(creates).await {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(common::project_count(&sandbox), opportunities.len(), "one project each");
    let state = sandbox.state();
    Met {
        rate_limited: state.rate_limited_answers,
        listings: state.project_listings,
        turned_away: turned_away.into_inner(),
    }
}

/// `--time-scale 20`: the sandbox's minute lasts 3 s, and allows 10 requests.
const COMPRESSED: [&str; 4] = ["--time-scale", "20", "--rate-limit-per-minute", "10"];

#[tokio::test]
async fn paced_calls_meet_no_429_where_unpaced_ones_do() {
    let limit = RateLimit { requests: 10, window_ms: 3_000, ceiling_ms: 20_000 };
    assert_eq!(burst_of_creates(limit, 12, &COMPRESSED).await.rate_limited, 0, "paced: every call waited its turn");
    let unpaced = burst_of_creates(RateLimit { requests: 0, ..limit }, 12, &COMPRESSED).await;
    assert!(unpaced.rate_limited > 0, "the same burst unpaced meets Aurora's limit (the test can fail)");
}

/// More creates at once than fit within the pacing's ceiling (2 s of turns here): the rest are
/// turned away unsent, and their reps' "Try again" creates without looking the project up
/// first (nothing was sent, so Aurora holds nothing), so lookups never eat the turns the
/// creates are waiting for.
#[tokio::test]
async fn creates_turned_away_unsent_are_retried_without_lookups() {
    // 10 requests per 3 s: a turn every 429 ms, so about 5 within a 2-s ceiling (Aurora's is
    // 20 s); 15 creates overflow it.
    let limit = RateLimit { requests: 10, window_ms: 3_000, ceiling_ms: 2_000 };
    let met = burst_of_creates(limit, 15, &COMPRESSED).await;
    assert!(met.turned_away > 0, "the burst overflowed the ceiling (the test can fail)");
    assert_eq!(met.rate_limited, 0, "every call waited its turn");
    assert_eq!(met.listings, 0, "a retry of a create that was never sent looks nothing up");
}

/// A benchmark (a figure, not a test: it takes minutes of real time):
/// `BENCH_PROJECTS` (300) projects created at once against the sandbox at Aurora's real 90
/// requests a minute. Prints the 429s met and the time taken against the floor of
/// (requests / 90) minutes. Run: `cargo test -p aurora-crm-worker --release --test pacing
/// -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a benchmark: minutes of real time"]
#[allow(clippy::print_stdout)] // a benchmark's report is its output
async fn bench_projects_created_at_auroras_real_rate() {
    let projects: usize = std::env::var("BENCH_PROJECTS").ok().and_then(|n| n.parse().ok()).unwrap_or(300);
    let started = std::time::Instant::now();
    let rate_limited = burst_of_creates(RateLimit::AURORA, projects, &[]).await.rate_limited;
    let taken = started.elapsed().as_secs_f64();
    // One create per project and one key minted, on the tenant's key.
    let requests = projects + 1;
    let floor = requests as f64 / 90.0 * 60.0;
    println!(
        "pacing: {projects} projects, {requests} requests on one key: {rate_limited} Aurora 429s, {taken:.1} s against a floor of {floor:.1} s at 90/min ({:+.1} %)",
        (taken / floor - 1.0) * 100.0
    );
    // The line `cargo xtask bench` reads.
    let figure = serde_json::json!({ "figure": "pacing", "projects": projects, "requests": requests,
                                     "rate_limited": rate_limited, "seconds": taken, "floor_seconds": floor });
    println!("BENCH {figure}");
    assert_eq!(rate_limited, 0);
}

/// A call abandoned while it waits for its turn (the rep closed the page, the isolate was
/// cut off) gives its slot back: the next call does not wait for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_wait_gives_its_slot_back() {
    use aurora_api::HttpTransport;
    use aurora_crm_worker::{aurora_pacing::PacedTransport, storage::Database};
    let db = aurora_crm_worker::hosts::native::sqlite::SqliteDatabase::in_memory().expect("db");
    aurora_crm_worker::storage::migrate(&db, 0).await.expect("migrate");
    let db: std::sync::Arc<dyn Database> = std::sync::Arc::new(db);
    let paced = PacedTransport::new(
        std::sync::Arc::new(aurora_api::reqwest_transport::ReqwestTransport::default()),
        db.clone(),
        RateLimit { requests: 10, window_ms: 3_000, ceiling_ms: 20_000 },
        std::sync::Arc::new(aurora_crm_worker::hosts::native::TokioBackground),
    );
    let request = || {
        // Nothing listens on port 9: each call that is sent fails at once, unanswered.
        http::Request::get("http://127.0.0.1:9/").header("authorization", "Bearer k").body(Vec::new()).expect("request")
    };
    let standing = || {
        let db = db.clone();
        async move { db.query("SELECT tat_ms FROM aurora_pacing", &[]).await.expect("read")[0]["tat_ms"].as_i64() }
    };
    // The burst goes at once; the next call waits its turn...
    for _ in 0..3 {
        let _ = paced.send(request(), std::time::Duration::from_secs(1)).await;
    }
    let before = standing().await;
    let abandoned = tokio::time::timeout(
        std::time::Duration::from_millis(50),
        paced.send(request(), std::time::Duration::from_secs(1)),
    );
    assert!(abandoned.await.is_err(), "the fourth call was still waiting");
    // ...and, abandoned, leaves the schedule where it stood.
    common::eventually("the slot given back", async || standing().await == before).await;
}
