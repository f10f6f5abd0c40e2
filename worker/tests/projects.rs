//! Creating an opportunity's Aurora project through the Router, against the sandbox Aurora
//! over real HTTP, with a real SQLite database.

mod common;

use aurora_crm_worker::router;
use axum::http::StatusCode;
use common::{CRM_CLIENT_SECRET, call, create_project_request, demo_context, open_session, state_request, unix_now};
use serde_json::{Value, json};
use std::time::Duration;

fn address() -> Value {
    json!({"property_address": "901 Mears Ct, Stanford, CA 94305"})
}

#[tokio::test]
async fn a_click_creates_one_project_and_repeated_clicks_return_the_same_one() {
    let (aurora, sandbox) = common::start_sandbox(&["--design-delay-ms", "60000"]).await;
    let now = unix_now();
    let (state, _, _) = common::state(&aurora, now).await;
    let app = router(state);
    let (token, session) =
        open_session(&app, &demo_context("acct-a", "opp-1", address(), CRM_CLIENT_SECRET, now)).await;
    assert_eq!(session["state"], json!({"state": "no_project"}), "the session carries the state");

    let (status, _, first) = call(&app, create_project_request(&token, "opp-1")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["state"], "awaiting_design");
    let project_id = first["project_id"].as_str().expect("project id").to_owned();
    assert!(
        first["aurora_url"].as_str().expect("url").ends_with(&format!("/projects/{project_id}/overview/dashboard"))
    );

    let (status, _, again) = call(&app, create_project_request(&token, "opp-1")).await;
    assert_eq!((status, &again), (StatusCode::OK, &first), "a second click answers the same project");
    let projects = common::project_count(&sandbox);
    assert_eq!(projects, 1);
    let stored = sandbox
        .state()
        .tenants
        .values()
        .flat_map(|t| t.projects.values())
        .map(|p| p.project.clone())
        .next()
        .expect("one");
    assert_eq!(stored.external_provider_id.as_deref(), Some("demo:acct-a:opp-1"));
    assert_eq!(stored.name.as_deref(), Some("Opportunity opp-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_clicks_with_timeouts_create_exactly_one_project() {
    let (aurora, sandbox) = common::start_sandbox(&["--design-delay-ms", "60000"]).await;
    let now = unix_now();
    // Every Aurora call times out (200 ms) while Aurora takes 400 ms and still acts.
    let (state, clock) = common::impatient_state(&aurora, now, 200).await;
    let app = router(state);
    let (token, _) = open_session(&app, &demo_context("acct-a", "opp-2", address(), CRM_CLIENT_SECRET, now)).await;
    common::set_faults(&aurora, json!({"slow": 1.0, "slow_ms": 400})).await;
    let clicks: Vec<_> = (0..20)
        .map(|_| {
            let (app, token) = (app.clone(), token.clone());
            tokio::spawn(async move { call(&app, create_project_request(&token, "opp-2")).await })
        })
        .collect();
    for click in clicks {
        let (status, _, body) = click.await.expect("joined");
        assert_eq!((status, body["state"].as_str()), (StatusCode::ACCEPTED, Some("creating")), "{body}");
    }
    common::eventually("the one slow POST lands in Aurora", async || common::project_count(&sandbox) == 1).await;
    common::set_faults(&aurora, json!({})).await;
    clock.advance(aurora_crm_worker::projects::CLAIM_TIMEOUT_SECONDS as u64 + 1);
    let (status, _, body) = call(&app, create_project_request(&token, "opp-2")).await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::OK, Some("awaiting_design")), "{body}");
    assert_eq!(common::project_count(&sandbox), 1, "exactly one project");
}

#[tokio::test]
async fn a_rate_limited_aurora_is_waited_out_not_failed() {
    let (aurora, sandbox) = common::start_sandbox(&["--design-delay-ms", "60000"]).await;
    let now = unix_now();
    let (state, transport) = common::state_recording_sleeps(&aurora, now).await;
    let app = router(state);
    let (token, _) = open_session(&app, &demo_context("acct-a", "opp-429", address(), CRM_CLIENT_SECRET, now)).await;
    common::set_faults(&aurora, json!({"rate_limited": 1.0})).await;
    let healer = aurora.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        common::set_faults(&healer, json!({})).await;
    });
    let (status, _, body) = call(&app, create_project_request(&token, "opp-429")).await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::OK, Some("awaiting_design")), "{body}");
    let waits = transport.sleeps.lock().expect("sleeps").clone();
    assert!(waits.contains(&Duration::from_secs(1)), "Retry-After: 1 was honoured: {waits:?}");
    assert_eq!(common::project_count(&sandbox), 1);
}

#[tokio::test]
async fn a_timed_out_create_is_reconciled_by_external_id_and_never_duplicated() {
    let (aurora, sandbox) = common::start_sandbox(&["--design-delay-ms", "60000"]).await;
    let now = unix_now();
    // Our requests give up after 300 ms; Aurora takes 1 s, and still creates the project.
    let (state, clock) = common::impatient_state(&aurora, now, 300).await;
    let app = router(state);
    let (token, _) = open_session(&app, &demo_context("acct-a", "opp-3", address(), CRM_CLIENT_SECRET, now)).await;
    common::set_faults(&aurora, json!({"slow": 1.0, "slow_ms": 1000})).await;
    let (status, _, body) = call(&app, create_project_request(&token, "opp-3")).await;
    // The outcome is unknown and the lookup timed out too: the claim stays, nothing is retried.
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["state"], "creating");
    // A click within the claim timeout does not start a second attempt.
    let (_, _, body) = call(&app, create_project_request(&token, "opp-3")).await;
    assert_eq!(body["state"], "creating");

    common::eventually("the slow POST lands in Aurora", async || common::project_count(&sandbox) == 1).await;
    common::set_faults(&aurora, json!({})).await;
    clock.advance(aurora_crm_worker::projects::CLAIM_TIMEOUT_SECONDS as u64 + 1);
    let (status, _, body) = call(&app, create_project_request(&token, "opp-3")).await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::OK, Some("awaiting_design")), "{body}");
    assert_eq!(common::project_count(&sandbox), 1, "found, not created again");
}

/// The poll keeps each rendered state (see `rendered_states`): whatever changes the rows a
/// state is made of shows at the next poll, and two processes over one database (or two
/// isolates) give the same state the same ETag.
#[tokio::test]
async fn a_kept_rendering_never_outlives_its_rows_and_etags_agree_across_processes() {
    use aurora_crm_worker::{AppState, storage};
    let (aurora, _) = common::start_sandbox(&["--design-delay-ms", "60000"]).await;
    let now = unix_now();
    let (state, db, _) = common::state(&aurora, now).await;
    let other_process = AppState::new(
        common::config(&aurora),
        state.db.clone(),
        std::sync::Arc::new(aurora_api::reqwest_transport::ReqwestTransport::default()),
        std::sync::Arc::default(),
        state.background.clone(),
        state.clock.clone(),
    );
    let (app, other) = (router(state), router(other_process));
    let (token, _) = open_session(&app, &demo_context("acct-a", "opp-7", address(), CRM_CLIENT_SECRET, now)).await;
    call(&app, create_project_request(&token, "opp-7")).await;
    let poll = |app: &axum::Router, etag: Option<String>| {
        let (app, token) = (app.clone(), token.clone());
        async move {
            let (status, headers, body) = call(&app, state_request(&token, "opp-7", etag.as_deref())).await;
            (status, headers["etag"].to_str().expect("etag").to_owned(), body)
        }
    };
    let (status, etag, body) = poll(&app, None).await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::OK, Some("awaiting_design")), "{body}");
    let (_, same, other_body) = poll(&other, None).await;
    assert_eq!((&same, &other_body), (&etag, &body), "another process renders the same state with the same ETag");

    let key = storage::projects::OpportunityKey {
        crm: aurora_crm_worker::crm::Crm::Demo,
        account_id: "acct-a".into(),
        opportunity_id: "opp-7".into(),
    };
    let project = body["project_id"].as_str().expect("project").to_owned();
    let store = |design: &'static str, size: f64, order: i64| {
        let (db, key, project) = (db.clone(), key.clone(), project.clone());
        async move {
            let summary = json!({"design_id": design, "project_id": project, "system_size_stc": size}).to_string();
            let design = storage::designs::NewDesign {
                design_id: design,
                simulation_status: storage::designs::SimulationStatus::Succeeded,
                designed_at_ms: 1_000,
                simulation_order: order,
                summary_json: &summary,
                pricing_json: None,
            };
            assert!(storage::designs::store(&db, &key, &design, 0).await.expect("store"));
        }
    };
    store("8c1c1a52-0000-4000-8000-000000000001", 6000.0, 1).await;
    let (status, first_design, body) = poll(&app, Some(etag.clone())).await;
    assert_eq!((status, body["design"]["system_size_stc"].as_f64()), (StatusCode::OK, Some(6000.0)), "{body}");
    // The same design, simulated again with other figures: same ids, same date, new rows.
    store("8c1c1a52-0000-4000-8000-000000000001", 7200.0, 2).await;
    let (status, second_design, body) = poll(&app, Some(first_design.clone())).await;
    assert_eq!((status, body["design"]["system_size_stc"].as_f64()), (StatusCode::OK, Some(7200.0)), "{body}");
    assert_ne!(first_design, second_design);
    let (status, _, _) = poll(&other, Some(second_design.clone())).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED, "the other process agrees on the new version");

    // The installation's row is part of the state too: an unlinked tenant shows at once.
    storage::installations::upsert(&db, aurora_crm_worker::crm::Crm::Demo, "acct-a", None, 2).await.expect("unlink");
    let (status, _, body) = poll(&app, Some(second_design)).await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::OK, Some("not_linked")), "{body}");
}

#[tokio::test]
async fn bad_locations_are_422_naming_the_field_and_unlinked_accounts_are_told() {
    let (aurora, sandbox) = common::start_sandbox(&[]).await;
    let now = unix_now();
    let (state, db, _) = common::state(&aurora, now).await;
    let app = router(state);
    let (token, _) = open_session(
        &app,
        &demo_context("acct-a", "opp-7", json!({"latitude": 95.0, "longitude": 10.0}), CRM_CLIENT_SECRET, now),
    )
    .await;
    let (status, _, body) = call(&app, create_project_request(&token, "opp-7")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_location");
    assert!(body["error"]["message"].as_str().expect("message").to_lowercase().contains("latitude"), "{body}");
    assert_eq!(common::project_count(&sandbox), 0, "nothing sent");

    // An opportunity id too long for Aurora's external id is not the rep's address to fix.
    let long = "o".repeat(300);
    let (token, _) = open_session(
        &app,
        &demo_context("acct-a", &long, json!({"property_address": "1 Main St, Fresno, CA"}), CRM_CLIENT_SECRET, now),
    )
    .await;
    let (status, _, body) = call(&app, create_project_request(&token, &long)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("opportunity_id_too_long"))
    );
    assert!(
        body["error"]["message"].as_str().expect("message").to_lowercase().contains("external_provider_id"),
        "{body}"
    );
    assert_eq!(common::project_count(&sandbox), 0, "nothing sent");

    aurora_crm_worker::storage::installations::upsert(&db, aurora_crm_worker::crm::Crm::Demo, "acct-new", None, 1)
        .await
        .expect("unlinked");
    let (token, session) =
        open_session(&app, &demo_context("acct-new", "opp-8", address(), CRM_CLIENT_SECRET, now)).await;
    assert_eq!(session["state"], json!({"state": "not_linked"}));
    let (status, _, body) = call(&app, create_project_request(&token, "opp-8")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("not_linked")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_stuck_behind_429s_past_the_claim_timeout_keeps_its_claim_and_makes_one_project() {
    use aurora_crm_worker::{jobs, projects::CLAIM_TIMEOUT_SECONDS};
    let (aurora, sandbox) = common::start_sandbox(&["--design-delay-ms", "60000"]).await;
    let now = unix_now();
    let (state, clock) = common::patient_state(&aurora, now).await;
    let app = router(state.clone());
    let (token, _) = open_session(&app, &demo_context("acct-a", "opp-fence", address(), CRM_CLIENT_SECRET, now)).await;
    common::set_faults(&aurora, json!({"rate_limited": 1.0})).await;
    let first = {
        let (app, token) = (app.clone(), token.clone());
        tokio::spawn(async move { call(&app, create_project_request(&token, "opp-fence")).await })
    };
    // The first attempt waits out 429 after 429 while its claim ages past the timeout; its
    // heartbeat renews the claim as the clock moves.
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        clock.advance(40);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    const { assert!(160 > CLAIM_TIMEOUT_SECONDS, "the clock moved past the claim timeout") };
    // Meanwhile a second click, and a sweep with the claim's recheck due: neither takes over.
    let (status, _, body) = call(&app, create_project_request(&token, "opp-fence")).await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::ACCEPTED, Some("creating")), "{body}");
    assert_eq!(jobs::sweep(&state).await, 1, "the recheck ran");
    assert_eq!(common::project_count(&sandbox), 0, "nobody created a project behind the first attempt's back");
    common::set_faults(&aurora, json!({})).await;
    let (status, _, body) = first.await.expect("joined");
    assert_eq!((status, body["state"].as_str()), (StatusCode::OK, Some("awaiting_design")), "{body}");
    assert_eq!(common::project_count(&sandbox), 1, "exactly one Aurora project");
    let (_, _, shown) = call(&app, state_request(&token, "opp-fence", None)).await;
    assert_eq!(shown["project_id"], body["project_id"]);
}

#[tokio::test]
async fn a_claim_whose_attempt_died_is_finished_by_the_sweep_without_a_click() {
    use aurora_crm_worker::{
        crm::Crm,
        jobs,
        projects::CLAIM_TIMEOUT_SECONDS,
        storage::{project_rechecks, projects},
    };
    let (aurora, sandbox) = common::start_sandbox(&["--design-delay-ms", "60000"]).await;
    let now = unix_now();
    let (state, db, clock) = common::state(&aurora, now).await;
    let app = router(state.clone());
    let (token, _) = open_session(&app, &demo_context("acct-a", "opp-died", address(), CRM_CLIENT_SECRET, now)).await;
    // What a click leaves behind when the process dies before Aurora answers: the claim
    // and its recheck, and no project.
    let key =
        projects::OpportunityKey { crm: Crm::Demo, account_id: "acct-a".into(), opportunity_id: "opp-died".into() };
    let at = now as i64;
    projects::claim(&db, &key, common::TENANT, at).await.expect("claim").expect("claimed");
    project_rechecks::schedule(&db, &key, at, at + CLAIM_TIMEOUT_SECONDS + 5).await.expect("schedule");
    assert_eq!(jobs::sweep(&state).await, 0, "not due while the claim may be alive");
    clock.advance(CLAIM_TIMEOUT_SECONDS as u64 + 10);
    assert_eq!(jobs::sweep(&state).await, 1);
    let (_, _, body) = call(&app, state_request(&token, "opp-died", None)).await;
    assert_eq!(body["state"], "awaiting_design", "{body}");
    assert_eq!(common::project_count(&sandbox), 1);
    clock.advance(3600);
    assert_eq!(jobs::sweep(&state).await, 0, "settled: nothing more to do");
}

#[tokio::test]
async fn an_opportunity_whose_creation_event_is_still_pending_reads_as_creating() {
    use aurora_crm_worker::storage::Database;
    let (aurora, _) = common::start_sandbox(&["--design-delay-ms", "60000"]).await;
    let now = unix_now();
    let (state, db, _) = common::state(&aurora, now).await;
    let app = router(state);
    // The CRM reported the opportunity's creation; automatic projects will get to it.
    db.execute(
        "INSERT INTO crm_events (crm, delivery_id, account_id, event, payload_json, received_at, next_attempt_at) \
         VALUES ('demo', 'dlv-1', 'acct-a', '{\"kind\":\"opportunity_created\",\"opportunity_id\":\"opp-new\"}', '{}', ?1, ?1)",
        &[(now as i64).into()],
    )
    .await
    .expect("insert");
    let (token, body) = open_session(&app, &demo_context("acct-a", "opp-new", address(), CRM_CLIENT_SECRET, now)).await;
    assert_eq!(body["state"]["state"], "creating", "the widget waits and watches: {body}");
    db.execute("UPDATE crm_events SET done_at = 1", &[]).await.expect("done");
    let (_, _, body) = call(&app, state_request(&token, "opp-new", None)).await;
    assert_eq!(body["state"], "no_project", "nothing came of it: the rep may create it: {body}");
}

#[tokio::test]
async fn when_aurora_will_not_list_projects_an_unknown_outcome_waits_for_a_reps_check_then_creates() {
    let (aurora, sandbox) = common::start_sandbox(&["--design-delay-ms", "60000", "--forbid-project-listing"]).await;
    let now = unix_now();
    let (state, clock) = common::impatient_state(&aurora, now, 300).await;
    let app = router(state.clone());
    let (token, _) = open_session(&app, &demo_context("acct-a", "opp-403", address(), CRM_CLIENT_SECRET, now)).await;
    // Aurora fails the create (a 5xx: maybe it happened, maybe not): the outcome is unknown.
    common::set_faults(&aurora, json!({"server_error": 1.0})).await;
    let (status, _, body) = call(&app, create_project_request(&token, "opp-403")).await;
    common::set_faults(&aurora, json!({})).await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::ACCEPTED, Some("creating")), "{body}");
    // The recheck looks the project up, and Aurora will not let it (403).
    clock.advance(aurora_crm_worker::projects::RECHECK_AFTER_UNKNOWN_SECONDS as u64 + 5);
    assert_eq!(aurora_crm_worker::jobs::sweep(&state).await, 1);
    // The rep is told what to check, and may try again; the admin's health says so too.
    let (_, _, shown) = call(&app, state_request(&token, "opp-403", None)).await;
    assert_eq!((shown["state"].as_str(), shown["retryable"].as_bool()), (Some("create_failed"), Some(true)), "{shown}");
    assert!(shown["message"].as_str().is_some_and(|m| m.contains("Look for it in Aurora")), "{shown}");
    let installation =
        aurora_crm_worker::storage::installations::find(state.db(), aurora_crm_worker::crm::Crm::Demo, "acct-a")
            .await
            .expect("find")
            .expect("installed");
    assert!(installation.last_error.is_some_and(|e| e.contains("403")));
    assert_eq!(common::project_count(&sandbox), 0);
    // Nothing retries it behind the rep's back; their "Try again" creates it, unlisted.
    assert_eq!(aurora_crm_worker::jobs::sweep(&state).await, 0);
    let (status, _, body) = call(&app, create_project_request(&token, "opp-403")).await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::OK, Some("awaiting_design")), "{body}");
    assert_eq!(common::project_count(&sandbox), 1);
}

/// Storage that dies, as the process would under SIGKILL, right after a statement matching
/// `fatal` ran: that statement is written, nothing after it is.
struct DiesAfter {
    inner: aurora_crm_worker::hosts::native::sqlite::SqliteDatabase,
    fatal: &'static str,
    dead: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl aurora_crm_worker::storage::Database for DiesAfter {
    async fn execute(
        &self,
        sql: &str,
        params: &[aurora_crm_worker::storage::SqlValue],
    ) -> Result<u64, aurora_crm_worker::storage::StorageError> {
        use std::sync::atomic::Ordering;
        if self.dead.load(Ordering::SeqCst) {
            return Err(aurora_crm_worker::storage::StorageError::Backend("the process is gone".into()));
        }
        let done = self.inner.execute(sql, params).await;
        if sql.contains(self.fatal) {
            self.dead.store(true, Ordering::SeqCst);
        }
        done
    }

    async fn execute_together(
        &self,
        statements: &[(&str, &[aurora_crm_worker::storage::SqlValue])],
    ) -> Result<Vec<u64>, aurora_crm_worker::storage::StorageError> {
        use std::sync::atomic::Ordering;
        if self.dead.load(Ordering::SeqCst) {
            return Err(aurora_crm_worker::storage::StorageError::Backend("the process is gone".into()));
        }
        let done = self.inner.execute_together(statements).await;
        if statements.iter().any(|(sql, _)| sql.contains(self.fatal)) {
            self.dead.store(true, Ordering::SeqCst);
        }
        done
    }

    async fn query(
        &self,
        sql: &str,
        params: &[aurora_crm_worker::storage::SqlValue],
    ) -> Result<Vec<aurora_crm_worker::storage::Row>, aurora_crm_worker::storage::StorageError> {
        if self.dead.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(aurora_crm_worker::storage::StorageError::Backend("the process is gone".into()));
        }
        self.inner.query(sql, params).await
    }
}

/// Found by the chaos run: a click whose process died right after writing its claim left
/// a claim nothing would ever recheck (the recheck was scheduled after the claim), and the
/// opportunity showed "creating" forever. The recheck now comes first.
#[tokio::test]
async fn a_process_killed_right_after_claiming_leaves_work_the_sweep_finishes() {
    use aurora_crm_worker::{jobs, projects::CLAIM_TIMEOUT_SECONDS};
    let (aurora, sandbox) = common::start_sandbox(&["--design-delay-ms", "60000"]).await;
    let now = unix_now();
    let (state, db, clock) = common::state(&aurora, now).await;
    let app = router(state.clone());
    let (token, _) = open_session(&app, &demo_context("acct-a", "opp-killed", address(), CRM_CLIENT_SECRET, now)).await;
    // The click, on a process that dies the moment its claim is written.
    let mut dying = state.clone();
    dying.db = std::sync::Arc::new(DiesAfter {
        inner: db.clone(),
        fatal: "INSERT INTO projects",
        dead: std::sync::atomic::AtomicBool::new(false),
    });
    let (status, _, _) = call(&router(dying), create_project_request(&token, "opp-killed")).await;
    assert!(status.is_server_error(), "the click's process died: {status}");
    // (The stand-in process keeps running past its storage's death, so Aurora may have
    // created the project before the answer could be recorded: the recheck finds it.)
    // The restarted worker (the same database) finishes it once the claim is stale.
    clock.advance(CLAIM_TIMEOUT_SECONDS as u64 + 10);
    assert_eq!(jobs::sweep(&state).await, 1, "the recheck is there to run");
    let (_, _, body) = call(&app, state_request(&token, "opp-killed", None)).await;
    assert_eq!(body["state"], "awaiting_design", "{body}");
    assert_eq!(common::project_count(&sandbox), 1);
}
