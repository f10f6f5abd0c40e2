//! After the design, end to end between the worker's Router and the sandbox's Aurora on
//! real sockets: the agreement, the lender and the milestones as Aurora reports them
//! (duplicated, out of order, or not at all where the tenant's plan lacks them), the
//! design kept as sold once, and a later design compared with it.

mod common;

use aurora_crm_worker::{
    AppState,
    aurora_subscriptions::{self as subscriptions, Outcome},
    router,
};
use axum::http::StatusCode;
use common::{CRM_CLIENT_SECRET, call, create_project_request, demo_context, open_session, state_request, unix_now};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = router(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Polls the widget's state until `done` holds of it.
async fn wait_for(
    app: &axum::Router,
    token: &str,
    opportunity: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, _, body) = call(app, state_request(token, opportunity, None)).await;
        if done(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "never {what}: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Acts in the sandbox's Aurora as the rep, the homeowner or the lender would.
async fn act(aurora: &str, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new().post(format!("{aurora}{path}")).json(&body).send().await.expect("sandbox");
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.expect("json")
}

/// A worker and a sandbox with `flags`, subscribed; an opportunity with its design ready.
async fn a_design_ready(flags: &[&str], opportunity: &str) -> (String, AppState, axum::Router, String, Value) {
    let mut all = vec!["--design-delay-ms", "200"];
    all.extend_from_slice(flags);
    let (aurora, _sandbox) = common::start_sandbox(&all).await;
    let now = unix_now();
    let (state, _db, _) = common::state(&aurora, now).await;
    let worker = serve(state.clone()).await;
    subscriptions::setup(&state.aurora, &state.config, &worker).await.expect("subscribe");
    let app = router(state.clone());
    let context =
        demo_context("acct-a", opportunity, json!({"property_address": "1 Solar Way"}), CRM_CLIENT_SECRET, now);
    let (token, _) = open_session(&app, &context).await;
    assert_eq!(call(&app, create_project_request(&token, opportunity)).await.0, StatusCode::OK);
    let ready = wait_for(&app, &token, opportunity, "ready", |s| s["state"] == "design_ready").await;
    (aurora, state, app, token, ready)
}

fn sale(state: &Value) -> &Value {
    &state["design"]["sale"]
}

#[tokio::test]
async fn the_sale_follows_the_design_and_a_later_design_is_compared_with_the_one_sold() {
    let (aurora, state, app, token, _) = a_design_ready(&[], "opp-s1").await;
    // The design's financings and proposal are read with it.
    let ready = wait_for(&app, &token, "opp-s1", "financed", |s| sale(s)["proposal_url"].is_string()).await;
    let financings = sale(&ready)["financings"].as_array().expect("financings");
    assert_eq!(financings.len(), 2);
    assert_eq!(financings[0]["selected"], true, "the homeowner's choice first: {ready}");
    assert_eq!(financings[0]["option"], "loans");
    assert_eq!(financings[0]["term_months"], 300);
    assert!(sale(&ready)["proposal_url"].as_str().is_some_and(|u| u.contains("/e-proposal/")), "{ready}");
    assert!(sale(&ready)["sold"].is_null());

    // Aurora's design id, as the sandbox made it.
    let designs: Value =
        reqwest::get(format!("{aurora}/sandbox/designs")).await.expect("designs").json().await.expect("json");
    let design_id = designs["designs"][0]["design"]["design_id"].as_str().expect("a design").to_owned();
    let project_id = ready["project_id"].as_str().expect("project").to_owned();

    // Each of Aurora's deliveries comes twice from now on.
    common::set_faults(&aurora, json!({"duplicate_webhooks": 1.0})).await;
    act(&aurora, &format!("/sandbox/designs/{design_id}/agreement"), json!({"status": "sent"})).await;
    wait_for(&app, &token, "opp-s1", "sent", |s| sale(s)["agreement"]["status"] == "sent").await;
    act(&aurora, &format!("/sandbox/designs/{design_id}/agreement"), json!({"status": "signed"})).await;
    let signed = wait_for(&app, &token, "opp-s1", "signed", |s| sale(s)["agreement"]["status"] == "signed").await;
    assert_eq!(sale(&signed)["agreement"]["template_name"], "Residential solar loan agreement");
    // Kept as sold: the design's figures and price as they were.
    let sold = &sale(&signed)["sold"];
    assert_eq!(sold["design_id"], design_id.as_str());
    assert_eq!(sold["system_size_stc"], signed["design"]["system_size_stc"]);
    assert_eq!(sold["price"], signed["design"]["price"]["system_cost"]);
    assert_eq!(sale(&signed)["drift"], json!([]), "nothing changed since: {signed}");

    // The lender approves; Aurora's own status and the lender's word both arrive.
    act(&aurora, &format!("/sandbox/designs/{design_id}/lender"), json!({"status": "Stips Pending"})).await;
    let stips = wait_for(&app, &token, "opp-s1", "stipulations", |s| {
        sale(s)["financings"][0]["financier"]["provider_status"] == "Stips Pending"
    })
    .await;
    assert_eq!(sale(&stips)["financings"][0]["financier"]["provider"], "sunlight");

    // The designer changes the design after the sale: the widget says what changed.
    let redesign = format!("{aurora}/sandbox/tenants/{}/projects/{project_id}/designs", common::TENANT);
    let changed = reqwest::Client::new().post(&redesign).send().await.expect("redesign");
    assert_eq!(changed.status(), StatusCode::CREATED);
    let drifted = wait_for(&app, &token, "opp-s1", "drifted", |s| {
        s["design"]["system_size_stc"] != signed["design"]["system_size_stc"]
    })
    .await;
    let drift = sale(&drifted)["drift"].as_array().expect("drift");
    assert!(drift.iter().any(|c| c["what"] == "system_size"), "{drifted}");
    assert_eq!(sale(&drifted)["sold"], *sold, "the design as sold is kept once, never replaced");

    // A late `viewed` (Aurora does not keep order) never undoes `signed`; a "sold"
    // milestone of the new design does not replace the design sold.
    let milestone = format!("/sandbox/projects/{project_id}/milestones");
    act(&aurora, &milestone, json!({"stage": "sold"})).await;
    wait_for(&app, &token, "opp-s1", "the milestone", |s| sale(s)["milestones"][0]["stage"] == "sold").await;
    // The tenant's own project status, beside the milestones, once however often it is set.
    for _ in 0..2 {
        act(&aurora, &format!("/sandbox/projects/{project_id}/status"), json!({"status": "Permit Submitted"})).await;
    }
    wait_for(&app, &token, "opp-s1", "the project's status", |s| {
        sale(s)["milestones"][1]["stage"] == "Permit Submitted"
    })
    .await;
    let url = format!(
        "/webhooks/aurora/agreement-status?project_id={project_id}&design_id={design_id}&agreement_id={}\
         &financing_id=&status=viewed&tenant_id={}",
        sale(&signed)["agreement"]["id"].as_str().expect("id"),
        common::TENANT
    );
    let late = reqwest::Client::new()
        .get(format!("{}{url}", serve(state.clone()).await))
        .header("X-Aurora-Webhook-Token", common::WEBHOOK_TOKEN)
        .send()
        .await
        .expect("late delivery");
    assert_eq!(late.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, _, after) = call(&app, state_request(&token, "opp-s1", None)).await;
    assert_eq!(sale(&after)["agreement"]["status"], "signed", "Aurora's agreement is read again: {after}");
    assert_eq!(sale(&after)["milestones"].as_array().map(Vec::len), Some(2), "each delivered twice, kept once");
    assert_eq!(sale(&after)["sold"], *sold);

    // A change order: the new design's agreement is sent. The sale stands on it (created
    // after the first); a late delivery of the first agreement does not take its place.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let designs: Value =
        reqwest::get(format!("{aurora}/sandbox/designs")).await.expect("designs").json().await.expect("json");
    let newest = designs["designs"]
        .as_array()
        .expect("designs")
        .iter()
        .map(|d| d["design"]["design_id"].as_str().expect("id").to_owned())
        .find(|id| *id != design_id)
        .expect("the new design");
    act(&aurora, &format!("/sandbox/designs/{newest}/agreement"), json!({"status": "sent"})).await;
    let resent =
        wait_for(&app, &token, "opp-s1", "the new agreement", |s| sale(s)["agreement"]["status"] == "sent").await;
    assert_ne!(sale(&resent)["agreement"]["id"], sale(&signed)["agreement"]["id"], "another agreement");
    let late = reqwest::Client::new()
        .get(format!("{}{}", serve(state.clone()).await, url.replace("status=viewed", "status=signed")))
        .header("X-Aurora-Webhook-Token", common::WEBHOOK_TOKEN)
        .send()
        .await
        .expect("late delivery");
    assert_eq!(late.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, _, after) = call(&app, state_request(&token, "opp-s1", None)).await;
    assert_eq!(sale(&after)["agreement"]["status"], "sent", "the newer agreement stands: {after}");
    no_work_given_up(&state).await;
}

/// A tenant whose plan lacks agreements, financings and web proposals (403), and Aurora
/// refusing the sale's subscriptions to a CRM app: the design shows as ever; the
/// deliveries' own words stand in for what cannot be read, and never move back.
#[tokio::test]
async fn a_tenant_without_the_sales_endpoints_sees_the_design_and_the_deliveries_words() {
    let (aurora, state, app, token, ready) =
        a_design_ready(&["--tenants-without-sales", common::TENANT], "opp-s2").await;
    assert_eq!(sale(&ready)["financings"], json!([]), "{ready}");
    assert!(sale(&ready)["proposal_url"].is_null());
    let designs: Value =
        reqwest::get(format!("{aurora}/sandbox/designs")).await.expect("designs").json().await.expect("json");
    let design_id = designs["designs"][0]["design"]["design_id"].as_str().expect("a design").to_owned();
    act(&aurora, &format!("/sandbox/designs/{design_id}/agreement"), json!({"status": "signed"})).await;
    let signed = wait_for(&app, &token, "opp-s2", "signed", |s| sale(s)["agreement"]["status"] == "signed").await;
    assert_eq!(sale(&signed)["sold"]["design_id"], design_id.as_str(), "kept from the design shown");
    act(&aurora, &format!("/sandbox/designs/{design_id}/agreement"), json!({"status": "viewed"})).await;
    act(&aurora, &format!("/sandbox/designs/{design_id}/lender"), json!({"status": "Approved"})).await;
    let approved = wait_for(&app, &token, "opp-s2", "approved", |s| {
        sale(s)["financings"][0]["financier"]["provider_status"] == "Approved"
    })
    .await;
    assert_eq!(sale(&approved)["agreement"]["status"], "signed", "a late `viewed` in the delivery's words: {approved}");
    no_work_given_up(&state).await;

    // Aurora refusing the sale's events to a CRM app: the setup goes through, saying so.
    let (aurora, _) = common::start_sandbox(&["--refuse-sale-webhooks"]).await;
    let (state, _, _) = common::state(&aurora, unix_now()).await;
    let outcomes =
        subscriptions::setup(&state.aurora, &state.config, &serve(state.clone()).await).await.expect("setup");
    let refused: Vec<&str> =
        outcomes.iter().filter(|(_, o)| matches!(o, Outcome::Refused(_))).map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        refused,
        [
            "agreement_status_changed",
            "financier_contract_status_changed",
            "project_status_changed",
            "milestone_created"
        ]
    );
}

async fn no_work_given_up(state: &AppState) {
    let rows = state.db().query("SELECT event, dead_at, last_error FROM aurora_events", &[]).await.expect("rows");
    assert!(rows.iter().all(|r| r["dead_at"].is_null()), "no work given up on: {rows:?}");
}
