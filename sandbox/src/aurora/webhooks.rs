//! Webhook delivery as Aurora does it: an HTTP GET of the rendered `url_template` with the
//! configured auth header, no body, no signature [doc]; a delivery that fails (no 2xx in
//! 10 s) is retried on Aurora's schedule (30 s, 5 min, 30 min, 3 h, 20 h) [int],
//! compressed by `--time-scale`. Faults can duplicate, delay or strip the auth header.

use super::{Faults, Sandbox, state::DeliveryRecord};
use aurora_api::{
    PartnerWebhook, TenantId,
    webhooks::{WebhookEvent, placeholders, render_url_template},
};
use rand::Rng;
use std::time::Duration;

/// Waits before each retry of a failed delivery [int].
pub const RETRY_SCHEDULE: [Duration; 5] = [
    Duration::from_secs(30),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(3 * 3600),
    Duration::from_secs(20 * 3600),
];

/// Delivers `event` for `tenant` to every enabled subscription of that event.
/// `values` fill the event's own placeholders; `<TENANT_ID>`, `<SESSION_TOKEN>` and
/// `<APP_ID>` are filled here.
pub fn fire(sandbox: &Sandbox, event: WebhookEvent, tenant: TenantId, values: &[(&str, &str)]) {
    let subscriptions: Vec<PartnerWebhook> =
        sandbox.state().webhooks.iter().filter(|w| w.settings.enabled && w.settings.event == event).cloned().collect();
    for webhook in subscriptions {
        // Each delivery carries a fresh session token, good for one create_token [doc].
        let session = sandbox.issue_session_token(tenant);
        let tenant_id = tenant.to_string();
        let app_id = sandbox.settings.application_id.to_string();
        let mut all: Vec<(&str, &str)> = values.to_vec();
        all.extend([
            (placeholders::TENANT_ID, tenant_id.as_str()),
            (placeholders::SESSION_TOKEN, session.as_str()),
            (placeholders::APP_ID, app_id.as_str()),
        ]);
        let url = render_url_template(&webhook.settings.url_template, &all);
        let faults = sandbox.state().faults.clone();
        let copies = if Faults::draw(faults.duplicate_webhooks) { faults.duplicate_copies.max(2) } else { 1 };
        for _ in 0..copies {
            tokio::spawn(deliver_with_retries(sandbox.clone(), webhook.clone(), url.clone()));
        }
    }
}

/// Aurora's test trigger: delivers `webhook` once now (with Aurora's retries), its
/// placeholders filled from `values`, a fresh session token for `<SESSION_TOKEN>` unless
/// given, and the application's id for `<APP_ID>`.
pub fn trigger(sandbox: &Sandbox, webhook: PartnerWebhook, values: &[(String, String)]) {
    let mut all: Vec<(String, String)> = values.to_vec();
    let given = |name: &str| values.iter().any(|(n, _)| n == name);
    if !given(placeholders::SESSION_TOKEN) {
        let tenant = values
            .iter()
            .find(|(n, _)| n == placeholders::TENANT_ID)
            .and_then(|(_, v)| TenantId::parse(v).ok())
            .or_else(|| sandbox.settings.tenants.first().copied());
        let session = tenant.map(|t| sandbox.issue_session_token(t)).unwrap_or_default();
        all.push((placeholders::SESSION_TOKEN.to_owned(), session));
    }
    all.push((placeholders::APP_ID.to_owned(), sandbox.settings.application_id.to_string()));
    let pairs: Vec<(&str, &str)> = all.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let url = render_url_template(&webhook.settings.url_template, &pairs);
    tokio::spawn(deliver_with_retries(sandbox.clone(), webhook, url));
}

async fn deliver_with_retries(sandbox: Sandbox, webhook: PartnerWebhook, url: String) {
    let jitter = sandbox.state().faults.webhook_jitter_ms;
    if jitter > 0 {
        let hold = rand::rng().random_range(0..=jitter);
        tokio::time::sleep(Duration::from_millis(hold)).await;
    }
    for attempt in 0..=RETRY_SCHEDULE.len() {
        if attempt > 0 {
            tokio::time::sleep(sandbox.settings.scaled(RETRY_SCHEDULE[attempt - 1])).await;
        }
        if deliver_once(&sandbox, &webhook, &url, attempt as u32 + 1).await {
            return;
        }
    }
    tracing::warn!(
        "aurora webhook {} gave up on {} after {} attempts",
        webhook.id,
        path_of(&url),
        RETRY_SCHEDULE.len() + 1
    );
}

/// One GET; true on a 2xx answer within the timeout.
async fn deliver_once(sandbox: &Sandbox, webhook: &PartnerWebhook, url: &str, attempt: u32) -> bool {
    let skip_auth = Faults::draw(sandbox.state().faults.skip_webhook_auth);
    let mut request = sandbox.http.get(url).timeout(Duration::from_secs_f64(sandbox.settings.webhook_timeout_seconds));
    let auth = Sandbox::header_auth(webhook).filter(|_| !skip_auth);
    if let Some((name, value)) = &auth {
        request = request.header(name.as_str(), value.expose());
    }
    let outcome = request.send().await;
    let (status, error) = match &outcome {
        Ok(response) => (Some(response.status().as_u16()), None),
        Err(e) => (None, Some(e.without_url_string())),
    };
    let ok = status.is_some_and(|s| (200..300).contains(&s));
    tracing::info!(
        "aurora webhook {} {} attempt {attempt} -> {}{}",
        webhook.settings.event.as_str(),
        path_of(url),
        status.map_or_else(|| error.clone().unwrap_or_default(), |s| s.to_string()),
        if auth.is_none() { " (no auth header)" } else { "" }
    );
    sandbox.state().deliveries.push(DeliveryRecord {
        webhook_id: webhook.id.to_string(),
        event: webhook.settings.event.as_str().to_owned(),
        path: path_of(url),
        attempt,
        status,
        error,
        auth_header_sent: auth.is_some(),
    });
    ok
}

/// The URL without its query, which carries a session token.
fn path_of(url: &str) -> String {
    url.split('?').next().unwrap_or_default().to_owned()
}

trait WithoutUrl {
    fn without_url_string(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    /// The error's text without the URL (which holds a session token).
    fn without_url_string(&self) -> String {
        if self.is_timeout() {
            "timed out".into()
        } else if self.is_connect() {
            "connection refused".into()
        } else {
            "request failed".into()
        }
    }
}
