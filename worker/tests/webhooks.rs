//! Aurora's webhooks end to end: the sandbox's designer delivers GETs to the worker's
//! Router on a real socket; the worker records, acknowledges and processes them.

mod common;

use aurora_crm_worker::{
    AppState, jobs, router, storage,
    subscriptions::{self, Outcome},
};
use axum::http::StatusCode;
use common::{
    CRM_CLIENT_SECRET, WEBHOOK_TOKEN, call, create_project_request, demo_context, open_session, state_request, unix_now,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The worker's Router on a free port; answers its base URL.
async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = router(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Subscribes both events to the worker, as `setup-webhooks` does.
async fn subscribe(state: &AppState, worker: &str) {
    subscriptions::setup(&state.aurora, &state.config, worker).await.expect("subscribe");
}

async fn wait_for_state(app: &axum::Router, token: &str, opportunity: &str, want: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, _, body) = call(app, state_request(token, opportunity, None)).await;
        if body["state"] == want {
            return body;
        }
        assert!(Instant::now() < deadline, "state never became {want}: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_finished_design_reaches_the_opportunity_even_when_delivered_twice() {
    let (aurora, sandbox) = common::start_sandbox(&["--design-delay-ms", "200"]).await;
    let now = unix_now();
    let (state, db, _) = common::state(&aurora, now).await;
    let worker = serve(state.clone()).await;
    subscribe(&state, &worker).await;
    common::set_faults(&aurora, json!({"duplicate_webhooks": 1.0})).await;
    let app = router(state);
    let (token, _) = open_session(
        &app,
        &demo_context(
            "acct-a",
            "opp-w1",
            json!({"property_address": "1 Solar Way, Fresno, CA"}),
            CRM_CLIENT_SECRET,
            now,
        ),
    )
    .await;
    assert_eq!(call(&app, create_project_request(&token, "opp-w1")).await.0, StatusCode::OK);

    let ready = wait_for_state(&app, &token, "opp-w1", "design_ready").await;
    let generated = sandbox.state().designs.values().next().expect("the designer made one").summary.clone();
    // The widget's view of exactly that design: its time, size and production.
    assert_eq!(ready["design"]["designed_at"], generated.created_at.rfc3339());
    assert_eq!(ready["design"]["system_size_stc"], json!(generated.system_size_stc.0));
    let production = generated.energy_production.as_ref().expect("production");
    assert_eq!(ready["design"]["production"]["annual"], json!(production.annual.0));
    assert_eq!(ready["design"]["production"]["monthly"][6], json!(production.monthly[6].0));

    // Both copies were acknowledged; one event was recorded.
    let deliveries =
        sandbox.state().deliveries.iter().filter(|d| d.event == "performance_simulation_job_completed").count();
    assert_eq!(deliveries, 2);
    use storage::Database;
    let events = db.query("SELECT COUNT(*) AS n FROM aurora_events", &[]).await.expect("count");
    assert_eq!(events[0]["n"], 1);
}

#[tokio::test]
async fn deliveries_without_the_auth_header_or_with_a_bad_query_are_refused_and_do_nothing() {
    let (aurora, _) = common::start_sandbox(&[]).await;
    let (state, db, _) = common::state(&aurora, unix_now()).await;
    let worker = serve(state).await;
    let client = reqwest::Client::new();
    let good_query = format!(
        "design_id=3fa85f64-5717-4562-b3fc-2c963f66afa6&job_id=1bc85f64-5717-4562-b3fc-2c963f66aab9&status=succeeded&tenant_id={}",
        common::TENANT
    );
    for (header, query, status, code) in [
        (None, good_query.clone(), 401, "webhook_unauthorized"),
        (Some("wrong-token-wrong-token-wrong"), good_query.clone(), 401, "webhook_unauthorized"),
        (Some(WEBHOOK_TOKEN), good_query.replace("status=succeeded", "status=maybe"), 400, "invalid_webhook"),
        (Some(WEBHOOK_TOKEN), good_query.replace("design_id=3fa85f64", "design_id=zz"), 400, "invalid_webhook"),
        (Some(WEBHOOK_TOKEN), "status=succeeded".to_owned(), 400, "invalid_webhook"),
    ] {
        let mut request = client.get(format!("{worker}/webhooks/aurora/performance-simulation?{query}"));
        if let Some(value) = header {
            request = request.header("X-Aurora-Webhook-Token", value);
        }
        let response = request.send().await.expect("send");
        assert_eq!(response.status().as_u16(), status, "{query}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], code, "{body}");
    }
    use storage::Database;
    let events = db.query("SELECT COUNT(*) AS n FROM aurora_events", &[]).await.expect("count");
    assert_eq!(events[0]["n"], 0, "no work for refused deliveries");
}

#[tokio::test]
async fn events_that_fail_to_process_are_kept_and_the_sweeper_finishes_them() {
    let (aurora, _) = common::start_sandbox(&["--design-delay-ms", "200"]).await;
    let now = unix_now();
    let (state, db, clock) = common::state(&aurora, now).await;
    let worker = serve(state.clone()).await;
    subscribe(&state, &worker).await;
    let app = router(state.clone());
    let (token, _) = open_session(
        &app,
        &demo_context("acct-a", "opp-w2", json!({"latitude": 47.6, "longitude": -122.3}), CRM_CLIENT_SECRET, now),
    )
    .await;
    assert_eq!(call(&app, create_project_request(&token, "opp-w2")).await.0, StatusCode::OK);
    // Aurora fails every call while the webhook arrives: the summary cannot be fetched.
    common::set_faults(&aurora, json!({"server_error": 1.0})).await;
    use storage::Database;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = db.query("SELECT attempts, done_at FROM aurora_events", &[]).await.expect("rows");
        if rows.first().is_some_and(|r| r["attempts"].as_i64() >= Some(1)) {
            assert!(rows[0]["done_at"].is_null(), "not processed");
            break;
        }
        assert!(Instant::now() < deadline, "the event was never attempted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(wait_for_state(&app, &token, "opp-w2", "awaiting_design").await["state"], "awaiting_design");
    common::set_faults(&aurora, json!({})).await;
    clock.advance(120); // past the first retry delay, well within the widget token's life
    assert_eq!(jobs::sweep(&state).await, 1);
    let ready = wait_for_state(&app, &token, "opp-w2", "design_ready").await;
    assert!(ready["design"]["production"]["annual"].as_f64().expect("annual") > 0.0);
}

#[tokio::test]
async fn a_tenant_disabling_the_app_shows_app_disabled() {
    let (aurora, _) = common::start_sandbox(&[]).await;
    let now = unix_now();
    let (state, _, _) = common::state(&aurora, now).await;
    let worker = serve(state.clone()).await;
    subscribe(&state, &worker).await;
    let app = router(state);
    let (token, _) = open_session(
        &app,
        &demo_context("acct-a", "opp-w3", json!({"property_address": "2 Main St"}), CRM_CLIENT_SECRET, now),
    )
    .await;
    reqwest::Client::new()
        .post(format!("{aurora}/sandbox/tenants/{}/app-status", common::TENANT))
        .json(&json!({"enabled": false}))
        .send()
        .await
        .expect("disable");
    wait_for_state(&app, &token, "opp-w3", "app_disabled").await;
    let (status, _, body) = call(&app, create_project_request(&token, "opp-w3")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("app_disabled")));
}

#[tokio::test]
async fn the_newest_simulation_wins_whatever_the_arrival_order() {
    let db = aurora_crm_worker::hosts::native::sqlite::SqliteDatabase::in_memory().expect("db");
    storage::migrate(&db, 0).await.expect("migrate");
    let key = storage::projects::OpportunityKey {
        crm: aurora_crm_worker::crm::Crm::Demo,
        account_id: "a".into(),
        opportunity_id: "o".into(),
    };
    let store = |design: &'static str, at: i64| {
        let (db, key) = (db.clone(), key.clone());
        async move {
            let design = storage::designs::NewDesign {
                design_id: design,
                simulation_status: storage::designs::SimulationStatus::Succeeded,
                designed_at_ms: at,
                summary_json: "{}",
            };
            storage::designs::store(&db, &key, &design, 0).await.expect("store")
        }
    };
    assert!(store("newer", 2_000).await);
    assert!(!store("older", 1_000).await, "an older simulation arriving late does not replace");
    assert!(store("newer", 2_000).await, "the same design re-read replaces");
    let shown = storage::designs::find(&db, &key).await.expect("find").expect("some");
    assert_eq!(shown.aurora_design_id, "newer");
}

#[tokio::test]
async fn setting_up_webhooks_twice_changes_nothing_and_a_new_url_updates_them() {
    let (aurora, _) = common::start_sandbox(&[]).await;
    let (state, _, _) = common::state(&aurora, unix_now()).await;
    let first = subscriptions::setup(&state.aurora, &state.config, "http://127.0.0.1:8787").await.expect("setup");
    assert!(first.iter().all(|(_, o)| *o == Outcome::Created), "{first:?}");
    let again = subscriptions::setup(&state.aurora, &state.config, "http://127.0.0.1:8787/").await.expect("setup");
    assert!(again.iter().all(|(_, o)| *o == Outcome::Unchanged), "{again:?}");
    let moved = subscriptions::setup(&state.aurora, &state.config, "http://127.0.0.1:9999").await.expect("setup");
    assert!(moved.iter().all(|(_, o)| *o == Outcome::Updated), "{moved:?}");
    let all = state.aurora.list_webhooks().await.expect("list");
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(
        |w| w.settings.url_template.contains("<TENANT_ID>") && w.settings.url_template.contains("<SESSION_TOKEN>")
    ));
    assert!(
        subscriptions::setup(&state.aurora, &state.config, "http://crm.example").await.is_err(),
        "plain http refused"
    );
}
