//! CONTRACT.md, both sides at once: our `aurora-api` client against the sandbox, over real
//! HTTP on 127.0.0.1. Each test names the contract line it shows.

use aurora_api::{
    ApplicationKey, AuroraClient, AuroraError, BearerToken, HttpTransport, PartnerWebhookRequest, ProjectLocation,
    ProjectRequest, RetryPolicy, SessionToken, TenantId, TransportError, WebhookEvent,
    reqwest_transport::ReqwestTransport,
};
use axum::{Router, extract::Query, http::HeaderMap, routing::get};
use clap::Parser;
use sandbox::aurora::{self, Sandbox};
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

const TENANT: &str = "7e57a000-0000-4000-8000-000000000001";
const OTHER_TENANT: &str = "7e57a000-0000-4000-8000-000000000002";
const APP_KEY: &str = "sandbox-application-key-not-a-secret";

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    settings: aurora::Settings,
}

/// Which Aurora the sandbox plays: as the seed shows it, or with the variance its public
/// record allows (`--variance`). The contract holds in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Exact,
    Variance,
}

impl Mode {
    /// The `Retry-After` of an injected 429.
    fn retry_after(self) -> Duration {
        match self {
            Mode::Exact => Duration::from_secs(1),
            Mode::Variance => Duration::from_millis(500),
        }
    }
}

/// Each named test, once against each [`Mode`].
macro_rules! in_both_modes {
    ($($test:ident),* $(,)?) => {
        mod exact {
            $(#[tokio::test] async fn $test() { super::$test(super::Mode::Exact).await })*
        }
        mod variance {
            $(#[tokio::test] async fn $test() { super::$test(super::Mode::Variance).await })*
        }
    };
}

in_both_modes!(
    application_key_mints_temporary_keys_and_each_key_has_its_own_endpoints,
    session_tokens_are_single_use_and_expire,
    strict_mode_requires_a_session_token,
    temporary_keys_expire,
    projects_validate_like_aurora_and_are_found_by_external_id,
    the_designer_fires_a_get_webhook_whose_session_token_mints_a_key_and_whose_design_is_plausible,
    rate_limit_answers_429_with_retry_after_and_the_client_honours_it,
    server_errors_are_retried_with_backoff_for_reads_but_a_project_post_is_not,
    a_dropped_connection_leaves_the_outcome_unknown_and_the_project_is_found_by_its_external_id,
    slow_answers_time_out_and_reads_recover,
    keys_and_tokens_never_reach_debug_output_errors_or_logs,
    one_subscription_hears_every_tenant_and_faults_duplicate_strip_auth_and_fail_simulations,
);

/// A sandbox on a free port, playing `mode`; `flags` as on the command line.
async fn start_sandbox(mode: Mode, flags: &[&str]) -> (String, Sandbox) {
    let mut argv = vec!["sandbox", "--tenant", TENANT, "--tenant", OTHER_TENANT, "--design-delay-ms", "100"];
    argv.extend_from_slice(flags);
    if mode == Mode::Variance {
        argv.push("--variance");
    }
    let settings = Args::parse_from(argv).settings.validated().expect("valid settings");
    let sandbox = Sandbox::new(settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = aurora::router(sandbox.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, sandbox)
}

/// Counts attempts, so tests can see what was (not) retried.
struct Counting {
    inner: ReqwestTransport,
    attempts: AtomicUsize,
}

#[async_trait::async_trait]
impl HttpTransport for Counting {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        self.inner.send(request, timeout).await
    }
    async fn sleep(&self, duration: Duration) {
        self.inner.sleep(duration).await;
    }
    fn now_ms(&self) -> i64 {
        self.inner.now_ms()
    }
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        conflict_delay: Duration::from_millis(20),
        request_timeout: Duration::from_secs(2),
        ..RetryPolicy::default()
    }
}

fn client_with(url: &str, key: &str) -> (AuroraClient, Arc<Counting>) {
    let transport = Arc::new(Counting { inner: ReqwestTransport::default(), attempts: AtomicUsize::new(0) });
    let app_id = aurora_api::ApplicationId::parse("5a2d8e1c-0000-4000-8000-00000000a991").expect("uuid");
    let client =
        AuroraClient::new(transport.clone(), url, app_id, ApplicationKey::new(key)).with_retry_policy(fast_policy());
    (client, transport)
}

fn tenant() -> TenantId {
    TenantId::parse(TENANT).expect("uuid")
}

fn address_project(external: &str) -> ProjectRequest {
    ProjectRequest::builder(ProjectLocation::address("901 Mears Ct, Stanford, CA 94305").expect("valid"))
        .external_provider_id(Some(external))
        .and_then(|b| b.name(Some("Rivera residence")))
        .expect("valid")
        .build()
}

async fn set_faults(url: &str, faults: serde_json::Value) {
    let response =
        reqwest::Client::new().put(format!("{url}/sandbox/faults")).json(&faults).send().await.expect("faults");
    assert!(response.status().is_success(), "set faults: {}", response.status());
}

async fn application_key_mints_temporary_keys_and_each_key_has_its_own_endpoints(mode: Mode) {
    let (url, _) = start_sandbox(mode, &[]).await;
    let (client, _) = client_with(&url, APP_KEY);
    let key = client.create_token(tenant(), None).await.expect("create_token");
    let lifetime = key.expires_at.unix_seconds() - chrono::Utc::now().timestamp();
    assert!((13 * 3600 - 60..=13 * 3600 + 5).contains(&lifetime), "13 hours, got {lifetime} s");

    // The temporary key works on its tenant's endpoints...
    let project = client.create_project(&key.bearer_token, tenant(), &address_project("k-1")).await.expect("project");
    // ...and the project has a page in Aurora's web app, where "Open in Aurora" leads.
    let page = reqwest::get(format!("{url}/projects/{}/overview/dashboard", project.id)).await.expect("project page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("data-testid=aurora-project-name"));
    let missing = reqwest::get(format!("{url}/projects/nope/overview/dashboard")).await.expect("page");
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.expect("html").contains("Project not found"));
    // ...the application key does not (403), nor does the temporary key on partner endpoints (403).
    let as_app = BearerToken::new(APP_KEY);
    assert!(matches!(client.get_project(&as_app, tenant(), project.id).await, Err(AuroraError::Forbidden(_))));
    let (as_tenant_key, _) = client_with(&url, key.bearer_token.expose());
    assert!(matches!(as_tenant_key.list_webhooks().await, Err(AuroraError::Forbidden(_))));
    // A wrong key is 401, and a key of one tenant does not open another.
    let (wrong, attempts) = client_with(&url, "not-the-key");
    assert!(matches!(wrong.create_token(tenant(), None).await, Err(AuroraError::Unauthorized(_))));
    assert_eq!(attempts.attempts.load(Ordering::SeqCst), 1, "401 is never retried");
    let other = TenantId::parse(OTHER_TENANT).expect("uuid");
    assert!(matches!(
        client.get_project(&key.bearer_token, other, project.id).await,
        Err(AuroraError::Unauthorized(_))
    ));
}

async fn session_tokens_are_single_use_and_expire(mode: Mode) {
    let (url, _) = start_sandbox(mode, &["--time-scale", "7200"]).await; // an hour is half a second
    let (client, _) = client_with(&url, APP_KEY);
    let issue = || async {
        let body: serde_json::Value = reqwest::Client::new()
            .post(format!("{url}/sandbox/tenants/{TENANT}/session-tokens"))
            .send()
            .await
            .expect("issue")
            .json()
            .await
            .expect("json");
        SessionToken::new(body["session_token"].as_str().expect("token"))
    };
    let session = issue().await;
    client.create_token(tenant(), Some(&session)).await.expect("first exchange");
    let again = client.create_token(tenant(), Some(&session)).await;
    assert!(matches!(&again, Err(AuroraError::Unauthorized(m)) if m.0[0].contains("already used")), "{again:?}");
    let stale = issue().await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(matches!(client.create_token(tenant(), Some(&stale)).await, Err(AuroraError::Unauthorized(_))));
}

async fn strict_mode_requires_a_session_token(mode: Mode) {
    let (url, _) = start_sandbox(mode, &["--strict-session-tokens"]).await;
    let (client, _) = client_with(&url, APP_KEY);
    assert!(matches!(client.create_token(tenant(), None).await, Err(AuroraError::Unauthorized(_))));
}

async fn temporary_keys_expire(mode: Mode) {
    let (url, _) = start_sandbox(mode, &["--time-scale", "93600"]).await; // 13 hours = 0.5 s
    let (client, _) = client_with(&url, APP_KEY);
    let key = client.create_token(tenant(), None).await.expect("create_token");
    client.create_project(&key.bearer_token, tenant(), &address_project("e-1")).await.expect("fresh key works");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let expired = client.create_project(&key.bearer_token, tenant(), &address_project("e-2")).await;
    assert!(matches!(expired, Err(AuroraError::Unauthorized(_))), "{expired:?}");
}

async fn projects_validate_like_aurora_and_are_found_by_external_id(mode: Mode) {
    let (url, _) = start_sandbox(mode, &[]).await;
    let (client, attempts) = client_with(&url, APP_KEY);
    let key = client.create_token(tenant(), None).await.expect("key");
    let coords = ProjectRequest::builder(ProjectLocation::coordinates(37.7796, -122.3953).expect("valid")).build();
    let project = client.create_project(&key.bearer_token, tenant(), &coords).await.expect("coordinates project");
    assert!(!project.id.to_string().is_empty());

    // What our builder would refuse, sent raw: Aurora's 422 with a message naming the field.
    let raw = |body: serde_json::Value| {
        let url = format!("{url}/tenants/{TENANT}/projects");
        let token = key.bearer_token.expose().to_owned();
        async move {
            let response = reqwest::Client::new().post(url).bearer_auth(token).json(&body).send().await.expect("send");
            (response.status().as_u16(), response.text().await.expect("body"))
        }
    };
    let (status, body) = raw(serde_json::json!({"project": {"location": {"latitude": 91.0, "longitude": 0.0}}})).await;
    assert_eq!(status, 422);
    assert!(body.contains("latitude"), "{body}");
    let (status, body) =
        raw(serde_json::json!({"project": {"location": {"property_address": "1 Main St"}, "name": null}})).await;
    assert_eq!(status, 422);
    assert!(body.contains("name") && body.contains("null"), "{body}");
    let (status, body) = raw(serde_json::json!({"project": {"name": "x"}})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.starts_with(r#"{"errors":[{"message":"#), "{body}");

    let before = attempts.attempts.load(Ordering::SeqCst);
    client.create_project(&key.bearer_token, tenant(), &address_project("opp-77")).await.expect("project");
    let found = client.find_project(&key.bearer_token, tenant(), "opp-77").await.expect("find");
    assert_eq!(found.and_then(|p| p.external_provider_id).as_deref(), Some("opp-77"));
    assert_eq!(attempts.attempts.load(Ordering::SeqCst) - before, 2, "no retries on success");
}

/// A webhook receiver: records each GET's query and auth header; answers with the
/// statuses in `script`, then 200.
async fn start_receiver(script: Vec<u16>) -> (String, Arc<Mutex<Vec<(HashMap<String, String>, Option<String>)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(script));
    let (seen2, script2) = (seen.clone(), script.clone());
    let app = Router::new().route(
        "/hook",
        get(move |Query(query): Query<HashMap<String, String>>, headers: HeaderMap| {
            let (seen, script) = (seen2.clone(), script2.clone());
            async move {
                let auth = headers.get("x-aurora-webhook-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
                seen.lock().expect("lock").push((query, auth));
                let mut script = script.lock().expect("lock");
                let status = if script.is_empty() { 200 } else { script.remove(0) };
                axum::http::StatusCode::from_u16(status).expect("status")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn subscription(receiver: &str, event: WebhookEvent) -> PartnerWebhookRequest {
    PartnerWebhookRequest {
        url_template: format!(
            "{receiver}/hook?design_id=<DESIGN_ID>&job_id=<JOB_ID>&status=<STATUS>&tenant_id=<TENANT_ID>&session_token=<SESSION_TOKEN>&app_id=<APP_ID>"
        ),
        event,
        description: Some("test".into()),
        enabled: true,
        header_auth_key: Some("X-Aurora-Webhook-Token".into()),
        header_auth_value: Some(aurora_api::HeaderAuthValue::new("dev-webhook-token")),
    }
}

async fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn the_designer_fires_a_get_webhook_whose_session_token_mints_a_key_and_whose_design_is_plausible(mode: Mode) {
    let (url, _) = start_sandbox(mode, &[]).await;
    let (receiver, seen) = start_receiver(vec![]).await;
    let (client, _) = client_with(&url, APP_KEY);
    // Aurora's rules for templates are enforced by the sandbox too.
    let mut bad = subscription(&receiver, WebhookEvent::PerformanceSimulationJobCompleted);
    bad.url_template = bad.url_template.replace("&session_token=<SESSION_TOKEN>", "");
    assert!(matches!(client.create_webhook(&bad).await, Err(AuroraError::Unprocessable(_))));
    let created = client
        .create_webhook(&subscription(&receiver, WebhookEvent::PerformanceSimulationJobCompleted))
        .await
        .expect("subscribe");
    assert_eq!(client.list_webhooks().await.expect("list").len(), 1);
    assert_eq!(
        client.get_webhook(&created.id).await.expect("get").settings.url_template,
        created.settings.url_template
    );

    let key = client.create_token(tenant(), None).await.expect("key");
    let project =
        client.create_project(&key.bearer_token, tenant(), &address_project("opp-web-1")).await.expect("project");
    let (query, auth) = wait_for("the simulation's final webhook", || {
        seen.lock().expect("lock").iter().find(|(query, _)| query["status"] != "in-progress").cloned()
    })
    .await;
    assert_eq!(auth.as_deref(), Some("dev-webhook-token"));
    assert_eq!(query["status"], "succeeded");
    assert_eq!(query["tenant_id"], TENANT);
    assert_eq!(query["app_id"], "5a2d8e1c-0000-4000-8000-00000000a991");
    let job = aurora_api::JobId::parse(&query["job_id"]).expect("a job id");
    // Aurora types job ids as strings [doc]: a UUID as the seed shows, or not.
    assert_eq!(uuid::Uuid::try_parse(job.as_str()).is_ok(), mode == Mode::Exact, "{job}");

    let session = SessionToken::new(query["session_token"].clone());
    let fresh = client.create_token(tenant(), Some(&session)).await.expect("the webhook's session token mints a key");
    let design_id = aurora_api::DesignId::parse(&query["design_id"]).expect("design id");
    let read = client.get_design_summary(&fresh.bearer_token, tenant(), design_id).await.expect("summary");
    assert_eq!(read.unread, Vec::<String>::new(), "every shape the sandbox writes is one Aurora may write");
    let summary = read.summary;
    assert_eq!(summary.project_id, project.id);
    assert_eq!(summary.created_at.is_some(), mode == Mode::Exact, "undated under variance, as Aurora's examples are");
    assert_eq!(summary.system_size_ptc.is_some(), mode == Mode::Exact);
    assert!(summary.arrays.iter().all(|a| a.module.as_ref().and_then(|m| m.count).is_some()), "counts read");
    assert_eq!(summary.external_provider_id.as_deref(), Some("opp-web-1"));
    let yield_per_kw = summary.specific_yield().expect("production present");
    assert!((700.0..=2100.0).contains(&yield_per_kw), "{yield_per_kw}");
    let designs = client.list_designs(&fresh.bearer_token, tenant(), project.id).await.expect("designs");
    assert_eq!(designs.iter().map(|d| d.id).collect::<Vec<_>>(), vec![design_id]);
    // Another tenant's key cannot read it (404 for other tenants' ids).
    let other = TenantId::parse(OTHER_TENANT).expect("uuid");
    let other_key = client.create_token(other, None).await.expect("other key");
    assert!(matches!(
        client.get_design_summary(&other_key.bearer_token, other, design_id).await,
        Err(AuroraError::NotFound(_))
    ));
}

#[tokio::test]
async fn failed_deliveries_are_retried_on_a_compressed_schedule_and_app_status_changes_are_delivered() {
    // 30 s -> 10 ms, 5 min -> 100 ms.
    // Exact only: under variance, Aurora refuses `app_status_changed` for a CRM app.
    let (url, sandbox) = start_sandbox(Mode::Exact, &["--time-scale", "3000"]).await;
    let (receiver, seen) = start_receiver(vec![500, 503]).await;
    let (client, _) = client_with(&url, APP_KEY);
    let created =
        client.create_webhook(&subscription(&receiver, WebhookEvent::AppStatusChanged)).await.expect("subscribe");
    client
        .update_webhook(&created.id, &subscription(&receiver, WebhookEvent::AppStatusChanged))
        .await
        .expect("update keeps it");
    let response = reqwest::Client::new()
        .post(format!("{url}/sandbox/tenants/{TENANT}/app-status"))
        .json(&serde_json::json!({"enabled": false}))
        .send()
        .await
        .expect("disable");
    assert!(response.status().is_success());
    wait_for("three attempts", || (seen.lock().expect("lock").len() >= 3).then_some(())).await;
    let deliveries = sandbox.state().deliveries.clone();
    assert_eq!(deliveries.iter().map(|d| d.status).collect::<Vec<_>>(), vec![Some(500), Some(503), Some(200)]);
    assert_eq!(deliveries.iter().map(|d| d.attempt).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(seen.lock().expect("lock")[2].0["status"], "disabled");
    // A disabled tenant gets no new keys.
    assert!(matches!(client.create_token(tenant(), None).await, Err(AuroraError::Forbidden(_))));
}

async fn rate_limit_answers_429_with_retry_after_and_the_client_honours_it(mode: Mode) {
    let (url, _) = start_sandbox(mode, &["--rate-limit-per-minute", "3"]).await;
    let (client, attempts) = client_with(&url, APP_KEY);
    for _ in 0..3 {
        client.list_webhooks().await.expect("within the limit");
    }
    // Retry-After is ~60 s, longer than this policy waits: the call ends RateLimited.
    let limited =
        client.clone().with_retry_policy(RetryPolicy { max_retry_after: Duration::from_secs(5), ..fast_policy() });
    let result = limited.list_webhooks().await;
    assert!(
        matches!(result, Err(AuroraError::RateLimited { retry_after: Some(d) }) if d > Duration::from_secs(5)),
        "{result:?}"
    );
    assert_eq!(attempts.attempts.load(Ordering::SeqCst), 4, "no retry when Retry-After exceeds the policy");

    // Injected 429s carry Retry-After: 1; the client waits that long, then succeeds.
    let (url, _) = start_sandbox(mode, &[]).await;
    let (client, _) = client_with(&url, APP_KEY);
    set_faults(&url, serde_json::json!({"rate_limited": 1.0})).await;
    let url2 = url.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        set_faults(&url2, serde_json::json!({})).await;
    });
    let started = Instant::now();
    client.list_webhooks().await.expect("succeeds after Retry-After");
    assert!(started.elapsed() >= mode.retry_after(), "waited {:?}", started.elapsed());
}

async fn server_errors_are_retried_with_backoff_for_reads_but_a_project_post_is_not(mode: Mode) {
    let (url, _) = start_sandbox(mode, &[]).await;
    let (client, attempts) = client_with(&url, APP_KEY);
    let key = client.create_token(tenant(), None).await.expect("key");
    set_faults(&url, serde_json::json!({"server_error": 1.0})).await;
    let url2 = url.clone();
    let healer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        set_faults(&url2, serde_json::json!({})).await;
    });
    let before = attempts.attempts.load(Ordering::SeqCst);
    client.find_project(&key.bearer_token, tenant(), "none").await.expect("read retried until healthy");
    assert!(attempts.attempts.load(Ordering::SeqCst) - before >= 2);
    healer.await.expect("healer");

    set_faults(&url, serde_json::json!({"server_error": 1.0})).await;
    let before = attempts.attempts.load(Ordering::SeqCst);
    let outcome = client.create_project(&key.bearer_token, tenant(), &address_project("p-5xx")).await;
    assert!(matches!(outcome, Err(AuroraError::OutcomeUnknown(_))), "{outcome:?}");
    assert_eq!(attempts.attempts.load(Ordering::SeqCst) - before, 1, "a project POST is never repeated blindly");

    // Bounded: a read against a permanently failing Aurora gives up after max_attempts.
    let before = attempts.attempts.load(Ordering::SeqCst);
    let result = client.find_project(&key.bearer_token, tenant(), "none").await;
    assert!(matches!(result, Err(AuroraError::Server { status: 503, .. })), "{result:?}");
    assert_eq!(attempts.attempts.load(Ordering::SeqCst) - before, fast_policy().max_attempts);
}

async fn a_dropped_connection_leaves_the_outcome_unknown_and_the_project_is_found_by_its_external_id(mode: Mode) {
    let (url, _) = start_sandbox(mode, &[]).await;
    let (client, _) = client_with(&url, APP_KEY);
    let key = client.create_token(tenant(), None).await.expect("key");
    set_faults(&url, serde_json::json!({"dropped": 1.0})).await;
    let outcome = client.create_project(&key.bearer_token, tenant(), &address_project("opp-drop")).await;
    assert!(matches!(outcome, Err(AuroraError::OutcomeUnknown(_))), "{outcome:?}");
    set_faults(&url, serde_json::json!({})).await;
    let found = client.find_project(&key.bearer_token, tenant(), "opp-drop").await.expect("find");
    assert!(found.is_some(), "the POST took effect although its answer was lost");
}

async fn slow_answers_time_out_and_reads_recover(mode: Mode) {
    let (url, _) = start_sandbox(mode, &[]).await;
    let (client, _) = client_with(&url, APP_KEY);
    let client = client.with_retry_policy(RetryPolicy { request_timeout: Duration::from_millis(300), ..fast_policy() });
    set_faults(&url, serde_json::json!({"slow": 1.0, "slow_ms": 1000})).await;
    let url2 = url.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        set_faults(&url2, serde_json::json!({})).await;
    });
    client.list_webhooks().await.expect("a timed-out read is retried");
}

/// A slow Aurora acts even when its caller gave up waiting: the create that timed out
/// leaves its project behind, to be found by its external id (as a real server would).
#[tokio::test]
async fn a_create_the_client_gave_up_on_still_lands() {
    let (url, sandbox) = start_sandbox(Mode::Exact, &[]).await;
    let (client, _) = client_with(&url, APP_KEY);
    let key = client.create_token(tenant(), None).await.expect("create_token");
    let client = client.with_retry_policy(RetryPolicy { request_timeout: Duration::from_millis(200), ..fast_policy() });
    set_faults(&url, serde_json::json!({"slow": 1.0, "slow_ms": 600})).await;
    let created = client.create_project(&key.bearer_token, tenant(), &address_project("late-1")).await;
    assert!(created.is_err(), "the caller gave up");
    set_faults(&url, serde_json::json!({})).await;
    wait_for("the project to land", || {
        let state = sandbox.state();
        let found = state
            .tenants
            .get(&tenant())?
            .projects
            .values()
            .any(|p| p.project.external_provider_id.as_deref() == Some("late-1"));
        found.then_some(())
    })
    .await;
}

/// The other reading, behind its switch: Aurora abandons a slow request its caller gave up
/// on, and the create leaves nothing behind.
#[tokio::test]
async fn under_the_other_reading_a_create_the_client_gave_up_on_never_lands() {
    let (url, sandbox) = start_sandbox(Mode::Exact, &[]).await;
    let (client, _) = client_with(&url, APP_KEY);
    let key = client.create_token(tenant(), None).await.expect("create_token");
    let client = client.with_retry_policy(RetryPolicy { request_timeout: Duration::from_millis(200), ..fast_policy() });
    set_faults(&url, serde_json::json!({"slow": 1.0, "slow_ms": 400, "slow_abandoned": true})).await;
    assert!(client.create_project(&key.bearer_token, tenant(), &address_project("gone-1")).await.is_err());
    tokio::time::sleep(Duration::from_millis(800)).await; // past when it would have landed
    let landed = sandbox
        .state()
        .tenants
        .get(&tenant())
        .is_some_and(|t| t.projects.values().any(|p| p.project.external_provider_id.as_deref() == Some("gone-1")));
    assert!(!landed, "an abandoned request acts on nothing");
}

/// A tracing writer into memory, to read what was logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn keys_and_tokens_never_reach_debug_output_errors_or_logs(mode: Mode) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber =
        tracing_subscriber::fmt().with_writer(move || writer.clone()).with_max_level(tracing::Level::TRACE).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (url, _) = start_sandbox(mode, &["--time-scale", "7200"]).await;
    let (client, _) = client_with(&url, APP_KEY);
    let key = client.create_token(tenant(), None).await.expect("key");
    set_faults(&url, serde_json::json!({"server_error": 1.0})).await;
    let session = SessionToken::new("st_made_up_session_value");
    let errors = [
        client.create_token(tenant(), Some(&session)).await.expect_err("503s"),
        client.find_project(&key.bearer_token, tenant(), "x").await.expect_err("503s"),
    ];
    let printed = format!(
        "{client:?} {key:?} {errors:?} {}",
        errors.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
    );
    let logs = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf8");
    assert!(logs.contains("retrying"), "the retries were logged: {logs}");
    for secret in [APP_KEY, key.bearer_token.expose(), "st_made_up_session_value"] {
        assert!(!printed.contains(secret), "Debug/Display leaks {secret}: {printed}");
        assert!(!logs.contains(secret), "logs leak {secret}");
    }
}

async fn one_subscription_hears_every_tenant_and_faults_duplicate_strip_auth_and_fail_simulations(mode: Mode) {
    let (url, _) = start_sandbox(mode, &["--simulation-failure-share", "1"]).await;
    let (receiver, seen) = start_receiver(vec![]).await;
    let (client, _) = client_with(&url, APP_KEY);
    client
        .create_webhook(&subscription(&receiver, WebhookEvent::PerformanceSimulationJobCompleted))
        .await
        .expect("subscribe");
    set_faults(&url, serde_json::json!({"duplicate_webhooks": 1.0, "skip_webhook_auth": 1.0})).await;
    let other = TenantId::parse(OTHER_TENANT).expect("uuid");
    for (tenant, external) in [(tenant(), "t1-opp"), (other, "t2-opp")] {
        let key = client.create_token(tenant, None).await.expect("key");
        client.create_project(&key.bearer_token, tenant, &address_project(external)).await.expect("project");
    }
    let deliveries = wait_for("two final deliveries per tenant", || {
        let seen = seen.lock().expect("lock");
        let finals: Vec<_> = seen.iter().filter(|(query, _)| query["status"] != "in-progress").cloned().collect();
        (finals.len() >= 4).then_some(finals)
    })
    .await;
    let mut tenants: Vec<&str> = deliveries.iter().map(|(q, _)| q["tenant_id"].as_str()).collect();
    tenants.sort_unstable();
    assert_eq!(
        tenants,
        vec![TENANT, TENANT, OTHER_TENANT, OTHER_TENANT],
        "each event delivered twice, from both tenants"
    );
    assert!(deliveries.iter().all(|(_, auth)| auth.is_none()), "the auth header was stripped");
    assert!(deliveries.iter().all(|(q, _)| q["status"] == "failed"), "every simulation failed");
    // A failed simulation's design has no production.
    let design = aurora_api::DesignId::parse(&deliveries[0].0["design_id"]).expect("id");
    let tenant_of = TenantId::parse(&deliveries[0].0["tenant_id"]).expect("tenant");
    let key = client.create_token(tenant_of, None).await.expect("key");
    let summary = client.get_design_summary(&key.bearer_token, tenant_of, design).await.expect("summary");
    assert!(summary.summary.energy_production.is_none());
}

#[tokio::test]
async fn the_api_version_header_is_sent_when_configured() {
    let seen = Arc::new(Mutex::new(None));
    let seen2 = seen.clone();
    let app = Router::new().route(
        "/partner_applications/{app}/webhooks",
        get(move |headers: HeaderMap| {
            let seen = seen2.clone();
            async move {
                *seen.lock().expect("lock") =
                    headers.get("aurora-api-version").and_then(|v| v.to_str().ok()).map(str::to_owned);
                axum::Json(serde_json::json!({"partner_application_webhooks": []}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (client, _) = client_with(&url, APP_KEY);
    assert!(client.with_api_version("2024.05").list_webhooks().await.expect("list").is_empty());
    assert_eq!(seen.lock().expect("lock").as_deref(), Some("2024.05"));
}

/// Aurora's variance (`--variance`): the client reads every shape the sandbox then answers in.
#[tokio::test]
async fn under_variance_the_client_reads_each_shape_aurora_may_answer_in() {
    let (url, sandbox) = start_sandbox(Mode::Variance, &[]).await;
    let (receiver, seen) = start_receiver(vec![]).await;
    let (client, _) = client_with(&url, APP_KEY);

    // The list of subscriptions comes under another key; app_status_changed is refused.
    client
        .create_webhook(&subscription(&receiver, WebhookEvent::PerformanceSimulationJobCompleted))
        .await
        .expect("subscribe");
    assert_eq!(client.list_webhooks().await.expect("list under `webhooks`").len(), 1);
    let refused = client.create_webhook(&subscription(&receiver, WebhookEvent::AppStatusChanged)).await;
    assert!(matches!(refused, Err(AuroraError::Unprocessable(_))), "{refused:?}");

    // Every third create is processed and answered 409: an unknown outcome, never retried,
    // and the project is found (the list ignores its filter; the client filters itself).
    let key = client.create_token(tenant(), None).await.expect("key");
    for external in ["opp-v-1", "opp-v-2"] {
        client.create_project(&key.bearer_token, tenant(), &address_project(external)).await.expect("created");
    }
    let third = client.create_project(&key.bearer_token, tenant(), &address_project("opp-v-3")).await;
    assert!(matches!(third, Err(AuroraError::OutcomeUnknown(_))), "{third:?}");
    let found = client.find_project(&key.bearer_token, tenant(), "opp-v-3").await.expect("find");
    assert_eq!(found.and_then(|p| p.external_provider_id).as_deref(), Some("opp-v-3"));
    assert_eq!(sandbox.state().tenants[&tenant()].projects.len(), 3, "no second project for the 409");

    // Simulations report their progress first; their job ids are not UUIDs.
    let deliveries = wait_for("in-progress and final deliveries of three designs", || {
        let seen = seen.lock().expect("lock");
        (seen.len() >= 6).then(|| seen.clone())
    })
    .await;
    let statuses: Vec<&str> = deliveries.iter().map(|(query, _)| query["status"].as_str()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "in-progress").count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == "succeeded").count(), 3, "{statuses:?}");
    for (query, _) in &deliveries {
        assert!(query["job_id"].starts_with("job_"), "{query:?}");
        assert!(aurora_api::JobId::parse(&query["job_id"]).is_ok(), "an opaque id: {query:?}");
    }

    // A 429's Retry-After is fractional seconds.
    set_faults(&url, serde_json::json!({"rate_limited": 1.0})).await;
    let answer = reqwest::Client::new()
        .get(format!("{url}/tenants/{TENANT}/projects"))
        .bearer_auth(key.bearer_token.expose())
        .send()
        .await
        .expect("list");
    set_faults(&url, serde_json::json!({})).await;
    assert_eq!(answer.status(), 429);
    assert_eq!(answer.headers()["retry-after"], "0.5");
    assert_eq!(aurora_api::client::retry_after(answer.headers()), Some(Duration::from_millis(500)));

    // Switched off at runtime, the sandbox answers exactly again.
    let off = reqwest::Client::new()
        .put(format!("{url}/sandbox/variance"))
        .json(&serde_json::json!({"enabled": false}))
        .send()
        .await
        .expect("variance off");
    assert!(off.status().is_success());
    client.create_webhook(&subscription(&receiver, WebhookEvent::AppStatusChanged)).await.expect("accepted again");
}

/// A redirect is never followed: a 307 would send the body (a CRM token request carries our
/// client secret) to wherever the answer points. The client reports it as an error.
#[tokio::test]
async fn redirects_are_answered_as_they_are_and_never_followed() {
    let followed = Arc::new(AtomicUsize::new(0));
    let counter = followed.clone();
    let app = Router::new()
        .route(
            "/partner_applications/{app}/webhooks",
            axum::routing::any(|| async { (axum::http::StatusCode::TEMPORARY_REDIRECT, [("location", "/elsewhere")]) }),
        )
        .route(
            "/elsewhere",
            axum::routing::any(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { axum::Json(serde_json::json!({"partner_application_webhooks": []})) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (client, _) = client_with(&url, APP_KEY);
    let result = client.list_webhooks().await;
    assert!(matches!(result, Err(AuroraError::UnexpectedStatus { status: 307, .. })), "{result:?}");
    let body = http::Request::post(format!("{url}/partner_applications/x/webhooks"))
        .body(b"client_secret=s3cret".to_vec())
        .expect("request");
    let answer = ReqwestTransport::default().send(body, Duration::from_secs(2)).await.expect("an answer");
    assert_eq!(answer.status(), 307, "the redirect itself is the answer");
    assert_eq!(followed.load(Ordering::SeqCst), 0, "the redirect was not followed");
}

/// The sandbox answers only requests addressed to loopback by name, so
/// a page that rebinds its domain to 127.0.0.1 cannot drive its control endpoints.
#[tokio::test]
async fn only_requests_addressed_to_loopback_are_answered() {
    let (url, _) = start_sandbox(Mode::Exact, &[]).await;
    let put = |host: &'static str| {
        let url = format!("{url}/sandbox/faults");
        async move {
            let response = reqwest::Client::new()
                .put(url)
                .header("host", host)
                .json(&serde_json::json!({"server_error": 1.0}))
                .send()
                .await
                .expect("send");
            response.status().as_u16()
        }
    };
    assert_eq!(put("rebound.evil.example:8790").await, 421);
    assert_eq!(put("localhost:8790").await, 200);
    assert_eq!(put("127.0.0.1").await, 200);
}
