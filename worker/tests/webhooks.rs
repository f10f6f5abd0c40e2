//! Aurora's webhooks end to end: the sandbox's designer delivers GETs to the worker's
//! Router on a real socket; the worker records, acknowledges and processes them.

mod common;

use aurora_crm_worker::{
    AppState,
    aurora_subscriptions::{self as subscriptions, Outcome},
    jobs, router, storage,
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
    assert_eq!(ready["design"]["designed_at"], generated.created_at.as_ref().expect("dated").rfc3339());
    assert_eq!(ready["design"]["system_size_stc"], json!(generated.system_size_stc.expect("sized").0));
    let production = generated.energy_production.as_ref().expect("production");
    assert_eq!(ready["design"]["production"]["annual"], json!(production.annual.expect("annual").0));
    assert_eq!(ready["design"]["production"]["monthly"][6], json!(production.monthly[6].expect("july").0));
    // Its price, as Aurora prices it: the total, and the parts in Aurora's order.
    let price = &ready["design"]["price"];
    let parts: Vec<&str> =
        price["components"].as_array().expect("parts").iter().map(|p| p["name"].as_str().expect("name")).collect();
    assert_eq!(parts, ["starting_cost", "base_cost", "adders_without_discounts", "adders", "incentives"], "{price}");
    let sum: f64 = price["components"]
        .as_array()
        .expect("parts")
        .iter()
        .chain(price["storage_components"].as_array().expect("storage"))
        .map(|p| p["amount"].as_f64().expect("amount"))
        .sum();
    assert!((price["system_cost"].as_f64().expect("a total") - sum).abs() < 0.01, "{price}");
    assert_eq!(price["price_per_watt"], 2.85);

    // Both copies were acknowledged; one event was recorded.
    let deliveries =
        sandbox.state().deliveries.iter().filter(|d| d.event == "performance_simulation_job_completed").count();
    assert_eq!(deliveries, 2);
    use storage::Database;
    let events = db.query("SELECT COUNT(*) AS n FROM aurora_events", &[]).await.expect("count");
    assert_eq!(events[0]["n"], 1);
}

#[tokio::test]
async fn only_a_missing_or_wrong_auth_header_is_refused_and_every_other_delivery_is_recorded() {
    let (aurora, _) = common::start_sandbox(&[]).await;
    let (state, db, _) = common::state(&aurora, unix_now()).await;
    let worker = serve(state.clone()).await;
    let client = reqwest::Client::new();
    let good_query = format!(
        "design_id=3fa85f64-5717-4562-b3fc-2c963f66afa6&job_id=1bc85f64-5717-4562-b3fc-2c963f66aab9&status=succeeded&tenant_id={}",
        common::TENANT
    );
    let send = |header: Option<&'static str>, query: String| {
        let mut request = client.get(format!("{worker}/webhooks/aurora/performance-simulation?{query}"));
        if let Some(value) = header {
            request = request.header("X-Aurora-Webhook-Token", value);
        }
        async move {
            let response = request.send().await.expect("send");
            (response.status().as_u16(), response.json::<Value>().await.expect("json"))
        }
    };
    use storage::Database;
    let count =
        || async { db.query("SELECT COUNT(*) AS n FROM aurora_events", &[]).await.expect("count")[0]["n"].clone() };
    for header in [None, Some("wrong-token-wrong-token-wrong")] {
        let (status, body) = send(header, good_query.clone()).await;
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("webhook_unauthorized")), "{body}");
    }
    assert_eq!(count().await, 0, "nothing recorded without the header");
    // Aurora's odd shapes are acknowledged (a 4xx would make Aurora retry, then disable
    // the subscription) and recorded; what cannot be used is given up on, visibly.
    for query in [
        good_query.replace("status=succeeded", "status=in-progress"),
        good_query.replace("status=succeeded", "status=maybe"),
        good_query.replace("job_id=1bc85f64-5717-4562-b3fc-2c963f66aab9", "job_id=job_42"),
        good_query.replace("design_id=3fa85f64", "design_id=zz"),
        format!("{good_query}&unexpected=1").replace("job_id=1bc85f64-5717-4562-b3fc-2c963f66aab9", "job_id="),
        "status=succeeded".to_owned(),
    ] {
        let (status, body) = send(Some(WEBHOOK_TOKEN), query.clone()).await;
        assert_eq!((status, body["received"].as_bool()), (200, Some(true)), "{query}: {body}");
    }
    assert_eq!(count().await, 6);
    // In progress and unknown statuses: done, nothing fetched. The odd job ids name a design
    // Aurora does not know (404), and `zz` is no design id: those three are given up on,
    // counted on the health section of the tenant's installation.
    let installation = storage::installations::find(&db, aurora_crm_worker::crm::Crm::Demo, "acct-a")
        .await
        .expect("find")
        .expect("installed");
    // Each delivery is worked on in the background after its 200: wait for all of them.
    let rows_now =
        || async { db.query("SELECT status, done_at, last_error FROM aurora_events", &[]).await.expect("rows") };
    let settled = |rows: &[storage::Row]| {
        rows.iter().filter(|r| r["done_at"].is_i64() || r["last_error"].is_string()).count() == rows.len()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while jobs::dead_work(&state, &installation).await.expect("dead").first().map(|(_, d)| d.count) != Some(3)
        || !settled(&rows_now().await)
    {
        assert!(Instant::now() < deadline, "the unusable deliveries were never given up on: {:?}", rows_now().await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rows = rows_now().await;
    let done: Vec<&str> = rows.iter().filter(|r| r["done_at"].is_i64()).filter_map(|r| r["status"].as_str()).collect();
    assert_eq!(done.len(), 2, "{rows:?}");
    assert!(done.contains(&"in-progress") && done.contains(&"maybe"), "{rows:?}");
    let reasons: Vec<&str> = rows.iter().filter_map(|r| r["last_error"].as_str()).collect();
    assert!(reasons.iter().any(|e| e.contains("design_id `zz-5717") && e.contains("is not a UUID")), "{reasons:?}");
    assert!(reasons.iter().any(|e| e.contains("tenant_id `` is not a UUID")), "no tenant: kept, logged: {reasons:?}");
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
async fn the_simulation_reported_last_wins_whatever_order_the_work_runs_in() {
    let db = aurora_crm_worker::hosts::native::sqlite::SqliteDatabase::in_memory().expect("db");
    storage::migrate(&db, 0).await.expect("migrate");
    let key = storage::projects::OpportunityKey {
        crm: aurora_crm_worker::crm::Crm::Demo,
        account_id: "a".into(),
        opportunity_id: "o".into(),
    };
    let store = |design: &'static str, order: i64| {
        let (db, key) = (db.clone(), key.clone());
        async move {
            let design = storage::designs::NewDesign {
                design_id: design,
                simulation_status: storage::designs::SimulationStatus::Succeeded,
                // The design's own date does not order: a re-simulated design keeps it.
                designed_at_ms: 1_000 - order,
                simulation_order: order,
                summary_json: "{}",
                pricing_json: None,
            };
            storage::designs::store(&db, &key, &design, 0).await.expect("store")
        }
    };
    assert!(store("newer", 20).await);
    assert!(!store("older", 10).await, "a simulation reported earlier, run late, does not replace");
    assert!(store("newer", 20).await, "the same simulation processed again replaces");
    assert!(store("older", 30).await, "an older design simulated again replaces");
    assert!(store("newer", 40).await);
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
    assert_eq!(
        all.len(),
        6,
        "the design, the app's status, the agreement, the lender, the project's status, milestones"
    );
    assert!(all.iter().all(
        |w| w.settings.url_template.contains("<TENANT_ID>") && w.settings.url_template.contains("<SESSION_TOKEN>")
    ));
    assert!(
        subscriptions::setup(&state.aurora, &state.config, "http://crm.example").await.is_err(),
        "plain http refused"
    );
}

#[tokio::test]
async fn under_auroras_variance_setup_succeeds_and_designs_arrive() {
    let (aurora, sandbox) = common::start_sandbox(&["--variance", "--design-delay-ms", "200"]).await;
    let now = unix_now();
    let (state, db, _) = common::state(&aurora, now).await;
    let worker = serve(state.clone()).await;
    // The list comes under another key, and app_status_changed is refused: said, not fatal.
    let outcomes = subscriptions::setup(&state.aurora, &state.config, &worker).await.expect("setup");
    assert_eq!(outcomes[0], ("performance_simulation_job_completed".to_owned(), Outcome::Created));
    assert!(
        matches!(&outcomes[1], (event, Outcome::Refused(why)) if event == "app_status_changed" && why.contains("not available"))
    );
    let again = subscriptions::setup(&state.aurora, &state.config, &worker).await.expect("setup again");
    assert_eq!(again[0].1, Outcome::Unchanged);

    let app = router(state.clone());
    let (token, _) = open_session(
        &app,
        &demo_context("acct-a", "opp-var", json!({"property_address": "9 Elm St"}), CRM_CLIENT_SECRET, now),
    )
    .await;
    assert_eq!(call(&app, create_project_request(&token, "opp-var")).await.0, StatusCode::OK);
    // In-progress first, then succeeded, with a job id that is no UUID: the design arrives.
    let ready = wait_for_state(&app, &token, "opp-var", "design_ready").await;
    assert!(ready["design"]["production"]["annual"].as_f64().expect("annual") > 0.0);
    // The price, its money written as text: read all the same.
    assert!(ready["design"]["price"]["system_cost"].as_f64().expect("a total") > 0.0, "{ready}");
    // Aurora dated the summary nowhere: the design is dated when it reached us.
    let designed_at = ready["design"]["designed_at"].as_str().expect("a date");
    let designed = chrono::DateTime::parse_from_rfc3339(designed_at).expect("RFC 3339");
    assert!((designed.timestamp() - now as i64).abs() < 60, "{designed_at}");
    let deliveries: Vec<Option<u16>> = sandbox.state().deliveries.iter().map(|d| d.status).collect();
    assert!(deliveries.len() >= 2 && deliveries.iter().all(|s| *s == Some(200)), "all acknowledged: {deliveries:?}");
    use storage::Database;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let rows = db.query("SELECT status, job_id, done_at FROM aurora_events", &[]).await.expect("rows");
        let done = |r: &serde_json::Map<String, Value>| {
            r["done_at"].is_i64() && r["job_id"].as_str().is_some_and(|j| j.starts_with("job_"))
        };
        if rows.len() == 2 && rows.iter().all(done) {
            break;
        }
        assert!(Instant::now() < deadline, "both deliveries recorded and done: {rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends an app-status delivery straight to the worker, as Aurora would; answers the body.
async fn app_status(worker: &str, status: &str, session_token: Option<&str>) -> Value {
    let token = session_token.map(|t| format!("&session_token={t}")).unwrap_or_default();
    let url = format!("{worker}/webhooks/aurora/app-status?status={status}&tenant_id={}{token}", common::TENANT);
    let response =
        reqwest::Client::new().get(url).header("X-Aurora-Webhook-Token", WEBHOOK_TOKEN).send().await.expect("send");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

async fn app_enabled_here(db: &dyn storage::Database) -> bool {
    let installation =
        storage::installations::find(db, aurora_crm_worker::crm::Crm::Demo, "acct-a").await.expect("find").expect("a");
    installation.app_enabled
}

/// A late or repeated app-status delivery never leaves the state
/// other than Aurora has it, and toggles without a session token are not duplicates.
#[tokio::test]
async fn app_status_deliveries_late_or_without_tokens_leave_the_state_aurora_has() {
    let (aurora, _) = common::start_sandbox(&[]).await;
    let (state, db, clock) = common::state(&aurora, unix_now()).await;
    let worker = serve(state.clone()).await;
    let set_in_aurora = |enabled: bool| {
        let url = format!("{aurora}/sandbox/tenants/{}/app-status", common::TENANT);
        async move {
            let answer = reqwest::Client::new().post(url).json(&json!({"enabled": enabled})).send().await.expect("set");
            assert!(answer.status().is_success());
        }
    };
    use storage::Database;
    // Every delivery recorded so far has been run (at once, in the background), then a
    // sweep for good measure.
    let settle = || async {
        common::eventually("the app-status deliveries ran", async || {
            let rows = db.query("SELECT 1 FROM aurora_events WHERE done_at IS NULL AND dead_at IS NULL", &[]);
            rows.await.expect("pending events").is_empty()
        })
        .await;
        jobs::sweep(&state).await;
    };
    // A "disabled" that arrives after the app was enabled again changes nothing.
    assert_eq!(app_status(&worker, "disabled", None).await["duplicate"], false);
    settle().await;
    assert!(app_enabled_here(&db).await, "Aurora has it enabled");
    set_in_aurora(false).await;
    clock.advance(1);
    assert_eq!(app_status(&worker, "disabled", None).await["duplicate"], false, "a second toggle, not a repeat");
    settle().await;
    assert!(!app_enabled_here(&db).await);
    clock.advance(1);
    assert_eq!(app_status(&worker, "enabled", None).await["duplicate"], false);
    settle().await;
    assert!(!app_enabled_here(&db).await, "a stale `enabled` does not enable what Aurora disabled");
}

/// A repeated delivery does not bring back a spent session token, and a
/// held token Aurora refuses costs only itself.
#[tokio::test]
async fn a_spent_session_token_never_breaks_the_next_key() {
    let (aurora, sandbox) = common::start_sandbox(&[]).await;
    let now = unix_now();
    let (state, db, _) = common::state(&aurora, now).await;
    let worker = serve(state.clone()).await;
    let app = router(state.clone());
    let session = common::session_token(&aurora, common::TENANT).await;
    assert_eq!(app_status(&worker, "enabled", Some(&session)).await["duplicate"], false);
    // Processing the delivery asks Aurora for the tenant's state with a fresh key: the
    // token is spent now.
    let deadline = Instant::now() + Duration::from_secs(10);
    while sandbox.state().session_tokens.values().any(|t| !t.used) {
        assert!(Instant::now() < deadline, "the session token was never used");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app_status(&worker, "enabled", Some(&session)).await["duplicate"], true);
    use storage::Database;
    let held = db.query("SELECT COUNT(*) AS n FROM session_tokens", &[]).await.expect("count");
    assert_eq!(held[0]["n"], 0, "the repeat did not store the spent token again");

    // Even a spent token held by other means is only skipped: the key is minted without it.
    let sealed = aurora_crm_worker::temporary_keys::seal_session_token(&state, common::TENANT, &session).expect("seal");
    storage::session_tokens::hold(&db, common::TENANT, &sealed, now as i64).await.expect("hold");
    state.caches.keys.drop_tenant(common::TENANT.parse().expect("tenant"));
    let (token, _) = open_session(
        &app,
        &demo_context("acct-a", "opp-m2", json!({"property_address": "3 Main St"}), CRM_CLIENT_SECRET, now),
    )
    .await;
    let (status, _, body) = call(&app, create_project_request(&token, "opp-m2")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Aurora delivers every tenant's events to us; one that no installation
/// links is recorded, and nothing is fetched with the shared application key.
#[tokio::test]
async fn deliveries_for_tenants_nobody_linked_spend_nothing_of_the_application_key() {
    let (aurora, sandbox) = common::start_sandbox(&[]).await;
    let (state, db, _) = common::state(&aurora, unix_now()).await;
    use storage::Database;
    db.execute("UPDATE installations SET aurora_tenant_id = NULL WHERE account_id = 'acct-b'", &[])
        .await
        .expect("unlink");
    let worker = serve(state.clone()).await;
    let query = format!(
        "design_id=3fa85f64-5717-4562-b3fc-2c963f66afa6&job_id=j-1&status=succeeded&tenant_id={}",
        common::OTHER_TENANT
    );
    let answer = reqwest::Client::new()
        .get(format!("{worker}/webhooks/aurora/performance-simulation?{query}"))
        .header("X-Aurora-Webhook-Token", WEBHOOK_TOKEN)
        .send()
        .await
        .expect("send");
    assert_eq!(answer.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while db.query("SELECT 1 FROM aurora_events WHERE done_at IS NOT NULL", &[]).await.expect("rows").is_empty() {
        assert!(Instant::now() < deadline, "the delivery was never run");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let other: aurora_api::TenantId = common::OTHER_TENANT.parse().expect("tenant");
    assert_eq!(sandbox.state().temporary_keys.values().filter(|k| k.tenant == other).count(), 0, "no key minted");
    assert_eq!(state.caches.keys.len(), 0, "no cache slot for it either");
}

/// A burst of deliveries larger than the worker's turns for running work at once: each is
/// acknowledged, and every one is worked through promptly by the runs that hold the turns
/// (no sweep runs here), none of them waiting in memory for a turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_deliveries_is_worked_through_without_the_sweep() {
    let (aurora, _) = common::start_sandbox(&[]).await;
    let (state, db, _) = common::state(&aurora, unix_now()).await;
    let worker = serve(state.clone()).await;
    let client = reqwest::Client::new();
    // A tenant nobody linked: each delivery is recorded, then done without a call.
    let tenant = "7e57a000-0000-4000-8000-0000000000b0";
    let sends = (0..40).map(|i| {
        let url = format!(
            "{worker}/webhooks/aurora/performance-simulation?design_id=d{i}&job_id=job_burst_{i}&status=succeeded&tenant_id={tenant}"
        );
        client.get(url).header("X-Aurora-Webhook-Token", WEBHOOK_TOKEN).send()
    });
    for response in futures_util::future::join_all(sends).await {
        assert_eq!(response.expect("delivered").status(), StatusCode::OK);
    }
    use storage::Database;
    let recorded = db.query("SELECT COUNT(*) AS n FROM aurora_events", &[]).await.expect("count");
    assert_eq!(recorded[0]["n"], 40);
    common::eventually("every delivery worked through", async || {
        let open = db.query("SELECT 1 FROM aurora_events WHERE done_at IS NULL AND dead_at IS NULL", &[]);
        open.await.expect("rows").is_empty()
    })
    .await;
}

/// A tenant whose Aurora plan provides no pricing (Retrieve Design Pricing answers 403):
/// the design shows all the same, without a price and without any error; the parts of a
/// price written keyed by component read as well as a list.
#[tokio::test]
async fn a_design_without_a_price_from_aurora_shows_all_the_same() {
    for (flags, priced) in [(["--unpriced-tenants", common::TENANT], false), (["--pricing-breakdown", "keyed"], true)] {
        let (aurora, _) = common::start_sandbox(&[flags[0], flags[1], "--design-delay-ms", "200"]).await;
        let now = unix_now();
        let (state, db, _) = common::state(&aurora, now).await;
        let worker = serve(state.clone()).await;
        subscribe(&state, &worker).await;
        let app = router(state);
        let context = demo_context("acct-a", "opp-np", json!({"property_address": "2 Sun St"}), CRM_CLIENT_SECRET, now);
        let (token, _) = open_session(&app, &context).await;
        assert_eq!(call(&app, create_project_request(&token, "opp-np")).await.0, StatusCode::OK);
        let ready = wait_for_state(&app, &token, "opp-np", "design_ready").await;
        assert_eq!(ready["design"]["price"]["system_cost"].is_number(), priced, "{ready}");
        if priced {
            assert_eq!(ready["design"]["price"]["components"].as_array().map(Vec::len), Some(5), "{ready}");
        }
        use storage::Database;
        let rows = db.query("SELECT dead_at FROM aurora_events", &[]).await.expect("rows");
        assert!(rows.iter().all(|r| r["dead_at"].is_null()), "no work given up on: {rows:?}");
    }
}
