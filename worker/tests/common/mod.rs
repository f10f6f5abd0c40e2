//! Shared test setup: a sandbox Aurora on a free port, and the worker's state against it
//! with a real SQLite database (in memory).
#![allow(dead_code)] // each test binary uses a part

use aurora_crm_worker::{AppState, Config, hosts::native::sqlite::SqliteDatabase, storage};
use clap::Parser;
use sandbox::aurora::{self, Sandbox};
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

pub const TENANT: &str = "7e57a000-0000-4000-8000-000000000001";
pub const OTHER_TENANT: &str = "7e57a000-0000-4000-8000-000000000002";
pub const APP_ID: &str = "5a2d8e1c-0000-4000-8000-00000000a991";
pub const APP_KEY: &str = "sandbox-application-key-not-a-secret";
pub const SIGNING: &str = "test-worker-signing-secret-0123456789abcdef";
pub const WEBHOOK_TOKEN: &str = "test-webhook-token-0123456789abcdef";
/// The client secret the demo CRM issued our app: it signs contexts and webhooks.
pub const CRM_CLIENT_SECRET: &str = "test-demo-crm-client-secret-0123456789abcdef";
pub const CRM_CLIENT_ID: &str = "aurora-solar-for-crms";
/// A secret that is not the CRM's: what a forger would sign with.
pub const FORGED_SECRET: &str = "forged-not-the-crms-client-secret-0123456789";

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    settings: aurora::Settings,
}

/// A sandbox on a free port; `flags` as on its command line.
pub async fn start_sandbox(flags: &[&str]) -> (String, Sandbox) {
    let mut argv = vec!["sandbox", "--tenant", TENANT, "--tenant", OTHER_TENANT];
    if !flags.contains(&"--design-delay-ms") {
        argv.extend(["--design-delay-ms", "100"]);
    }
    argv.extend_from_slice(flags);
    let sandbox = Sandbox::new(Args::parse_from(argv).settings.validated().expect("valid settings"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = aurora::router(sandbox.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, sandbox)
}

/// A settable clock, seconds since the epoch.
#[derive(Clone)]
pub struct TestClock(pub Arc<AtomicU64>);

impl TestClock {
    pub fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
    pub fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

pub fn config(aurora_url: &str) -> Config {
    config_with_crm(aurora_url, "http://127.0.0.1:9", "http://127.0.0.1:8787")
}

/// The config with the demo CRM at `crm_url` and this worker public at `public_url`.
pub fn config_with_crm(aurora_url: &str, crm_url: &str, public_url: &str) -> Config {
    Config::from_lookup(|name| {
        Some(
            match name {
                "WORKER_SIGNING_SECRET" => SIGNING,
                "ALLOWED_CRM_ORIGINS" => "http://127.0.0.1:8791",
                "AURORA_BASE_URL" => aurora_url,
                "AURORA_ALLOW_LOOPBACK" => "true",
                "AURORA_APPLICATION_ID" => APP_ID,
                "AURORA_APPLICATION_KEY" => APP_KEY,
                "AURORA_WEBHOOK_TOKEN" => WEBHOOK_TOKEN,
                "DEMO_CRM_BASE_URL" => crm_url,
                "DEMO_CRM_CLIENT_ID" => CRM_CLIENT_ID,
                "DEMO_CRM_CLIENT_SECRET" => CRM_CLIENT_SECRET,
                "WORKER_PUBLIC_URL" => public_url,
                _ => return None,
            }
            .to_owned(),
        )
    })
    .expect("config")
}

/// The worker's state against `aurora_url`, with accounts `acct-a` (linked to [`TENANT`])
/// and `acct-b` (linked to [`OTHER_TENANT`]) installed.
pub async fn state(aurora_url: &str, now: u64) -> (AppState, SqliteDatabase, TestClock) {
    let db = SqliteDatabase::in_memory().expect("db");
    storage::migrate(&db, now as i64).await.expect("migrate");
    storage::installations::upsert(&db, aurora_crm_worker::crm::Crm::Demo, "acct-a", Some(TENANT), 1).await.expect("a");
    storage::installations::upsert(&db, aurora_crm_worker::crm::Crm::Demo, "acct-b", Some(OTHER_TENANT), 1)
        .await
        .expect("b");
    let clock = TestClock(Arc::new(AtomicU64::new(now)));
    let tick = clock.clone();
    let transport = aurora_api::reqwest_transport::ReqwestTransport::default();
    let state = AppState::new(
        config(aurora_url),
        Arc::new(db.clone()),
        Arc::new(transport),
        Arc::default(),
        Arc::new(aurora_crm_worker::hosts::native::TokioBackground),
        Arc::new(move || tick.now()),
    );
    (state, db, clock)
}

/// A demo CRM context for `account` (signed with `secret`), valid for 5 minutes after `now`.
pub fn demo_context(account: &str, opportunity: &str, location: serde_json::Value, secret: &str, now: u64) -> String {
    let mut claims = serde_json::json!({
        "account_id": account, "user_id": "rep-1", "opportunity_id": opportunity,
        "opportunity_name": format!("Opportunity {opportunity}"), "exp": now + 300
    });
    if let (Some(claims), Some(location)) = (claims.as_object_mut(), location.as_object()) {
        claims.extend(location.clone());
    }
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

/// Sends one request through the Router; answers status, headers and JSON body.
pub async fn call(
    app: &axum::Router,
    request: axum::http::Request<axum::body::Body>,
) -> (axum::http::StatusCode, axum::http::HeaderMap, serde_json::Value) {
    use tower::ServiceExt;
    let response = app.clone().oneshot(request).await.expect("response");
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    (status, headers, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

/// Opens a session; answers the widget token and the session body.
pub async fn open_session(app: &axum::Router, context: &str) -> (String, serde_json::Value) {
    let request = axum::http::Request::post("/v1/sessions")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(serde_json::json!({"crm": "demo", "context": context}).to_string()))
        .expect("request");
    let (status, _, body) = call(app, request).await;
    assert_eq!(status, axum::http::StatusCode::OK, "session: {body}");
    (body["token"].as_str().expect("token").to_owned(), body)
}

/// `POST /v1/opportunities/{id}/project` with a widget token.
pub fn create_project_request(token: &str, opportunity: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::post(format!("/v1/opportunities/{opportunity}/project"))
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .expect("request")
}

/// `GET /v1/opportunities/{id}` with a widget token and an optional `If-None-Match`.
pub fn state_request(token: &str, opportunity: &str, etag: Option<&str>) -> axum::http::Request<axum::body::Body> {
    let mut request = axum::http::Request::get(format!("/v1/opportunities/{opportunity}"))
        .header("authorization", format!("Bearer {token}"));
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    request.body(axum::body::Body::empty()).expect("request")
}

/// Seconds since the epoch, now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs()
}

/// A fresh session token of `tenant`, as Aurora hands one to an app it opens or puts in a
/// webhook delivery.
pub async fn session_token(aurora: &str, tenant: &str) -> String {
    let issued: serde_json::Value = reqwest::Client::new()
        .post(format!("{aurora}/sandbox/tenants/{tenant}/session-tokens"))
        .send()
        .await
        .expect("issue")
        .json()
        .await
        .expect("json");
    issued["session_token"].as_str().expect("token").to_owned()
}

/// Waits until `ready` holds (polling, 20 s at most): tests wait for what they need to
/// have happened, never for a fixed time.
pub async fn eventually(what: &str, mut ready: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !ready().await {
        assert!(std::time::Instant::now() < deadline, "{what} did not happen within 20 s");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// Aurora's transport, recording how long each wait it was asked for was (retry backoff,
/// `Retry-After`, pacing): what a test asserts instead of the wall clock.
#[derive(Default)]
pub struct RecordingSleeps {
    inner: aurora_api::reqwest_transport::ReqwestTransport,
    /// Every wait, in order.
    pub sleeps: std::sync::Mutex<Vec<std::time::Duration>>,
}

#[async_trait::async_trait]
impl aurora_api::HttpTransport for RecordingSleeps {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: std::time::Duration,
    ) -> Result<http::Response<Vec<u8>>, aurora_api::TransportError> {
        self.inner.send(request, timeout).await
    }

    async fn sleep(&self, duration: std::time::Duration) {
        self.sleeps.lock().expect("sleeps").push(duration);
        self.inner.sleep(duration).await;
    }

    fn now_ms(&self) -> i64 {
        self.inner.now_ms()
    }
}

/// [`state`], with Aurora's transport recording its waits.
pub async fn state_recording_sleeps(aurora_url: &str, now: u64) -> (AppState, Arc<RecordingSleeps>) {
    let (state, db, clock) = state(aurora_url, now).await;
    let transport = Arc::new(RecordingSleeps::default());
    let recorded = AppState::new(
        config(aurora_url),
        Arc::new(db),
        transport.clone(),
        state.caches.clone(),
        state.background.clone(),
        Arc::new(move || clock.now()),
    );
    (recorded, transport)
}

/// Switches the sandbox's faults (`{}` clears them).
pub async fn set_faults(aurora: &str, faults: serde_json::Value) {
    let response =
        reqwest::Client::new().put(format!("{aurora}/sandbox/faults")).json(&faults).send().await.expect("faults");
    assert!(response.status().is_success(), "set faults: {}", response.status());
}

/// How many projects the sandbox Aurora holds, across tenants.
pub fn project_count(sandbox: &Sandbox) -> usize {
    sandbox.state().tenants.values().map(|t| t.projects.len()).sum()
}

/// Worker state whose Aurora calls follow `policy`, with the tenant's key already minted
/// (so only the calls under test meet the faults).
pub async fn state_with_policy(aurora_url: &str, now: u64, policy: aurora_api::RetryPolicy) -> (AppState, TestClock) {
    let (mut state, _, clock) = state(aurora_url, now).await;
    state.aurora = std::sync::Arc::new(state.aurora.as_ref().clone().with_retry_policy(policy));
    let tenant = aurora_api::TenantId::parse(TENANT).expect("uuid");
    state
        .caches
        .keys
        .key(&state.aurora, &aurora_crm_worker::temporary_keys::NoSessionTokens, tenant, now as i64)
        .await
        .expect("key");
    (state, clock)
}

/// Worker state whose Aurora calls give up after `timeout_ms`.
pub async fn impatient_state(aurora_url: &str, now: u64, timeout_ms: u64) -> (AppState, TestClock) {
    let policy = aurora_api::RetryPolicy {
        request_timeout: std::time::Duration::from_millis(timeout_ms),
        base_delay: std::time::Duration::from_millis(10),
        max_attempts: 2,
        ..aurora_api::RetryPolicy::default()
    };
    state_with_policy(aurora_url, now, policy).await
}

/// Worker state whose Aurora calls wait out 429s for as long as Aurora sends them (a
/// `Retry-After: 1` each).
pub async fn patient_state(aurora_url: &str, now: u64) -> (AppState, TestClock) {
    state_with_policy(
        aurora_url,
        now,
        aurora_api::RetryPolicy { max_attempts: 120, ..aurora_api::RetryPolicy::default() },
    )
    .await
}

/// A browser for the tests: keeps cookies, follows redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).timeout(std::time::Duration::from_secs(20)).build().expect("client")
}

/// The text after `marker` in `page`, up to the next `"`, HTML entities decoded (an
/// attribute's value: `value_of(page, "name=csrf value=\"")`).
pub fn value_of(page: &str, marker: &str) -> String {
    let start = page.find(marker).unwrap_or_else(|| panic!("no {marker} in {page}")) + marker.len();
    html_unescape(&page[start..start + page[start..].find('"').expect("closing quote")])
}

/// `browser`'s signed-in user installs from the marketplace of the CRM at `origin`: its
/// install link, which is the CRM's own consent with no `state`, then Allow. Answers the
/// response the browser lands on (after the worker starts its own install and the CRM,
/// remembering the consent, calls back with our state).
pub async fn install_from_marketplace(browser: &reqwest::Client, origin: &str) -> reqwest::Response {
    let marketplace = browser.get(format!("{origin}/marketplace")).send().await.expect("marketplace");
    let marketplace = marketplace.text().await.expect("page");
    let link = format!("/oauth/authorize?{}", value_of(&marketplace, "<a href=\"/oauth/authorize?"));
    assert!(!link.contains("state="), "the CRM's own install carries no state: {link}");
    let consent = browser.get(format!("{origin}{link}")).send().await.expect("install link");
    let page = consent.text().await.expect("consent");
    browser.post(format!("{origin}/oauth/authorize")).form(&allowed_consent(&page)).send().await.expect("allow")
}

/// What a browser posts from a consent page's form when the user allows.
pub fn allowed_consent(page: &str) -> Vec<(String, String)> {
    sandbox::kit::oauth::allowed_consent(page).unwrap_or_else(|| panic!("no consent form in {page}"))
}

/// What HTML escaping of an attribute value turned into entities, back.
pub fn html_unescape(value: &str) -> String {
    value
        .replace("&#x2F;", "/")
        .replace("&#x3D;", "=")
        .replace("&#x2B;", "+")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The worker's config against the Aurora sandbox at `aurora_url`, public at `public_url`,
/// with a CRM's `settings` (name, value) on top.
pub fn config_with(aurora_url: &str, public_url: &str, settings: &[(&str, &str)]) -> Config {
    Config::from_lookup(|name| {
        let base = match name {
            "WORKER_SIGNING_SECRET" => Some(SIGNING),
            "ALLOWED_CRM_ORIGINS" => Some("http://127.0.0.1:8791"),
            "AURORA_BASE_URL" => Some(aurora_url),
            "AURORA_ALLOW_LOOPBACK" => Some("true"),
            "AURORA_APPLICATION_ID" => Some(APP_ID),
            "AURORA_APPLICATION_KEY" => Some(APP_KEY),
            "AURORA_WEBHOOK_TOKEN" => Some(WEBHOOK_TOKEN),
            "WORKER_PUBLIC_URL" => Some(public_url),
            _ => None,
        };
        base.or_else(|| settings.iter().find(|(key, _)| *key == name).map(|(_, value)| *value)).map(str::to_owned)
    })
    .expect("config")
}

/// The session an embed page was rendered from, as it inlines it for the widget.
/// The site the embed page's screen shows (the opportunity's location, as rendered).
pub fn site_on_embed(embed: &str) -> String {
    let marker = "data-testid=\"opportunity-location\"";
    let at = embed.find(marker).unwrap_or_else(|| panic!("no site on {embed}")) + marker.len();
    let start = at + embed[at..].find('>').expect("the element's end") + 1;
    embed[start..start + embed[start..].find('<').expect("the site's end")].trim().to_owned()
}

pub fn session_from_embed(embed: &str) -> serde_json::Value {
    let marker = "<script type=\"application/json\" id=\"aurora-session\">";
    let start = embed.find(marker).unwrap_or_else(|| panic!("no session in {embed}")) + marker.len();
    let json = &embed[start..start + embed[start..].find("</script>").expect("the session's end")];
    serde_json::from_str(json).expect("the page's session is JSON")
}
