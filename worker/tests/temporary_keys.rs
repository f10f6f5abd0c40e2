//! Temporary keys against the sandbox Aurora over real HTTP: single-flight minting,
//! refresh before expiry, and one re-mint after a 401.

mod common;

use aurora_api::TenantId;
use aurora_crm_worker::temporary_keys::NoSessionTokens;
use std::sync::Arc;

fn tenant() -> TenantId {
    TenantId::parse(common::TENANT).expect("uuid")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_callers_cause_one_mint() {
    let (url, sandbox) = common::start_sandbox(&[]).await;
    let (state, _, _) = common::state(&url, 1_790_000_000).await;
    let state = Arc::new(state);
    let now = chrono_now();
    let callers: Vec<_> = (0..200)
        .map(|_| {
            let state = state.clone();
            tokio::spawn(async move { state.caches.keys.key(&state.aurora, &NoSessionTokens, tenant(), now).await })
        })
        .collect();
    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(caller.await.expect("joined").expect("a key"));
    }
    assert!(tokens.windows(2).all(|w| w[0] == w[1]), "everyone got the same key");
    assert_eq!(sandbox.state().temporary_keys.len(), 1, "exactly one create_token reached Aurora");
}

/// Figure 6 of `cargo xtask bench`: 500 concurrent callers of one tenant, and the keys
/// Aurora minted for them (goal 1). Prints one `BENCH {json}` line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by `cargo xtask bench`"]
#[allow(clippy::print_stdout)] // its output is what the bench reads
async fn bench_key_mints_for_concurrent_callers() {
    const CALLERS: usize = 500;
    let (url, sandbox) = common::start_sandbox(&[]).await;
    let (state, _, _) = common::state(&url, 1_790_000_000).await;
    let state = Arc::new(state);
    let now = chrono_now();
    let started = std::time::Instant::now();
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let state = state.clone();
            tokio::spawn(async move { state.caches.keys.key(&state.aurora, &NoSessionTokens, tenant(), now).await })
        })
        .collect();
    for caller in callers {
        caller.await.expect("joined").expect("a key");
    }
    let mints = sandbox.state().temporary_keys.len();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    println!("BENCH {}", serde_json::json!({ "figure": "mints", "callers": CALLERS, "mints": mints, "ms": ms }));
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64
}

#[tokio::test]
async fn keys_are_reused_until_a_few_minutes_before_they_expire() {
    // 13 hours / 100 = 7.8 minutes: fresh now, inside the 5-minute margin 3 minutes later.
    let (url, sandbox) = common::start_sandbox(&["--time-scale", "100"]).await;
    let (state, _, _) = common::state(&url, 0).await;
    let now = chrono_now();
    let first = state.caches.keys.key(&state.aurora, &NoSessionTokens, tenant(), now).await.expect("key");
    let again = state.caches.keys.key(&state.aurora, &NoSessionTokens, tenant(), now + 60).await.expect("key");
    assert_eq!(first, again, "reused while fresh");
    assert_eq!(sandbox.state().temporary_keys.len(), 1);
    let later = state.caches.keys.key(&state.aurora, &NoSessionTokens, tenant(), now + 180).await.expect("key");
    assert_ne!(first, later, "refreshed before expiry");
    assert_eq!(sandbox.state().temporary_keys.len(), 2);
}

#[tokio::test]
async fn a_revoked_key_is_replaced_once_on_401() {
    let (url, sandbox) = common::start_sandbox(&[]).await;
    let (state, _, _) = common::state(&url, 0).await;
    let now = chrono_now();
    state.caches.keys.key(&state.aurora, &NoSessionTokens, tenant(), now).await.expect("key");
    // Aurora forgets every key (as a revocation would).
    sandbox.state().temporary_keys.clear();
    let attempts = std::sync::atomic::AtomicUsize::new(0);
    let projects = state
        .caches
        .keys
        .with_key(&state.aurora, &NoSessionTokens, tenant(), now, |key| {
            attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let aurora = state.aurora.clone();
            async move { aurora.find_project(&key, tenant(), "none").await }
        })
        .await
        .expect("works after one re-mint");
    assert!(projects.is_none());
    assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2, "the call ran twice: 401, then success");
    assert_eq!(sandbox.state().temporary_keys.len(), 1, "one new key");
}
