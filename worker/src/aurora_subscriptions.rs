//! Subscribing Aurora's partner webhooks to this worker, idempotently: list what exists,
//! then create what is missing and update what differs. Running it twice changes nothing.

use crate::Config;
use aurora_api::{
    AuroraClient, AuroraError, HeaderAuthValue, PartnerWebhook, PartnerWebhookRequest, TenantId, WebhookEvent,
    webhooks::placeholders,
};

/// What happened to one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It did not exist.
    Created,
    /// It existed with other settings.
    Updated,
    /// It existed as wanted.
    Unchanged,
    /// Aurora refused it (and it is not one the product needs): why.
    Refused(String),
}

/// Whether Aurora refusing `event` leaves the product working. Aurora says "not every app
/// type has access to every event" and lists `app_status_changed` among the events of some
/// kinds of partner app only (https://partners.aurorasolar.com/docs/webhooks), so a CRM
/// app may be refused it: tenants that disable the app are then noticed when their keys
/// stop minting, rather than at once. The sale's events (agreements, lenders, milestones)
/// are documented for tenant webhooks (https://docs.aurorasolar.com/reference/events) and
/// not in the partner list: refused, the sale is read with each design instead (see
/// `CONTRACT.md`, "After the design"). The simulation webhook is what designs arrive by.
fn optional(event: &WebhookEvent, error: &AuroraError) -> bool {
    *event != WebhookEvent::PerformanceSimulationJobCompleted && !error.is_transient()
}

/// Why the subscriptions could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The public URL is not one Aurora may call.
    #[error(
        "--public-url {0}: use the worker's public https:// origin (http only to 127.0.0.1 with AURORA_ALLOW_LOOPBACK=true)"
    )]
    BadPublicUrl(String),
    /// Aurora refused or failed.
    #[error(transparent)]
    Aurora(#[from] AuroraError),
}

/// Why a check of the subscription could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Aurora has no simulation subscription pointing at a worker.
    #[error("Aurora has no performance_simulation_job_completed subscription for this app: run setup-webhooks")]
    NotSubscribed,
    /// Aurora refused or failed.
    #[error(transparent)]
    Aurora(#[from] AuroraError),
}

/// The value a test delivery carries as its `<STATUS>`: no simulation ends so, so the
/// receiver records it and does nothing else.
pub const CHECK_STATUS: &str = "check";

/// Our simulation subscription, as Aurora lists it.
async fn simulation_subscription(aurora: &AuroraClient) -> Result<PartnerWebhook, CheckError> {
    aurora
        .list_webhooks()
        .await?
        .into_iter()
        .find(|w| {
            w.settings.event == WebhookEvent::PerformanceSimulationJobCompleted
                && w.settings.url_template.contains("/webhooks/aurora/")
        })
        .ok_or(CheckError::NotSubscribed)
}

/// Asks Aurora to send our simulation subscription a test delivery now, its job id
/// `marker` (for `tenant`, or the nil tenant). The receiver records it like any delivery:
/// finding `marker` recorded proves Aurora reaches us with the right auth header.
pub async fn trigger_check(aurora: &AuroraClient, tenant: Option<TenantId>, marker: &str) -> Result<(), CheckError> {
    let subscription = simulation_subscription(aurora).await?;
    let tenant = tenant.map_or_else(|| uuid::Uuid::nil().to_string(), |t| t.to_string());
    let nil = uuid::Uuid::nil().to_string();
    let values = [
        (placeholders::TENANT_ID, tenant.as_str()),
        (placeholders::DESIGN_ID, nil.as_str()),
        (placeholders::JOB_ID, marker),
        (placeholders::STATUS, CHECK_STATUS),
    ];
    aurora.trigger_webhook(&subscription.id, &values).await?;
    Ok(())
}

/// The subscriptions this worker wants, for its public origin.
pub fn wanted(config: &Config, public_url: &str) -> Result<Vec<PartnerWebhookRequest>, SetupError> {
    let base = public_url.trim().trim_end_matches('/');
    let loopback = base.starts_with("http://127.0.0.1:") || base.starts_with("http://localhost:");
    let allowed_http = loopback && config.aurora.base_url.starts_with("http://");
    if !(base.starts_with("https://") || allowed_http) || base.contains(['?', '#', ' ']) {
        return Err(SetupError::BadPublicUrl(base.to_owned()));
    }
    let request = |event: WebhookEvent, description: &str, url_template: String| PartnerWebhookRequest {
        event,
        url_template,
        description: Some(description.to_owned()),
        enabled: true,
        header_auth_key: Some(config.aurora.webhook_header.clone()),
        header_auth_value: Some(HeaderAuthValue::new(config.aurora.webhook_token.expose())),
    };
    Ok(vec![
        request(
            WebhookEvent::PerformanceSimulationJobCompleted,
            "Aurora Solar for CRMs: design finished",
            format!(
                "{base}/webhooks/aurora/performance-simulation?design_id=<DESIGN_ID>&job_id=<JOB_ID>&status=<STATUS>\
                 &tenant_id=<TENANT_ID>&session_token=<SESSION_TOKEN>"
            ),
        ),
        request(
            WebhookEvent::AppStatusChanged,
            "Aurora Solar for CRMs: app enabled or disabled",
            format!(
                "{base}/webhooks/aurora/app-status?app_id=<APP_ID>&status=<STATUS>&tenant_id=<TENANT_ID>&session_token=<SESSION_TOKEN>"
            ),
        ),
        request(
            WebhookEvent::AgreementStatusChanged,
            "Aurora Solar for CRMs: agreement sent, viewed or signed",
            format!(
                "{base}/webhooks/aurora/agreement-status?project_id=<PROJECT_ID>&design_id=<DESIGN_ID>\
                 &agreement_id=<AGREEMENT_ID>&financing_id=<FINANCING_ID>&status=<STATUS>\
                 &tenant_id=<TENANT_ID>&session_token=<SESSION_TOKEN>"
            ),
        ),
        request(
            WebhookEvent::FinancierContractStatusChanged,
            "Aurora Solar for CRMs: lender status changed",
            format!(
                "{base}/webhooks/aurora/financing-status?design_id=<DESIGN_ID>&financing_id=<FINANCING_ID>\
                 &status=<EXTERNAL_PROVIDER_STATUS>&tenant_id=<TENANT_ID>&session_token=<SESSION_TOKEN>"
            ),
        ),
        request(
            WebhookEvent::ProjectStatusChanged,
            "Aurora Solar for CRMs: project status",
            format!(
                "{base}/webhooks/aurora/project-status?project_id=<PROJECT_ID>&status=<STATUS>\
                 &tenant_id=<TENANT_ID>&session_token=<SESSION_TOKEN>"
            ),
        ),
        request(
            WebhookEvent::MilestoneCreated,
            "Aurora Solar for CRMs: project milestone",
            format!(
                "{base}/webhooks/aurora/milestone?project_id=<PROJECT_ID>&design_id=<DESIGN_ID>&status=<STAGE>\
                 &source=<SOURCE>&tenant_id=<TENANT_ID>&session_token=<SESSION_TOKEN>"
            ),
        ),
    ])
}

/// Creates or updates each wanted subscription; answers what happened to each event.
pub async fn setup(
    aurora: &AuroraClient,
    config: &Config,
    public_url: &str,
) -> Result<Vec<(String, Outcome)>, SetupError> {
    let existing = aurora.list_webhooks().await?;
    let mut outcomes = Vec::new();
    for want in wanted(config, public_url)? {
        // Ours: same event, pointing at our webhook paths (whatever origin it had before).
        let ours = existing
            .iter()
            .find(|w| w.settings.event == want.event && w.settings.url_template.contains("/webhooks/aurora/"));
        let done = match ours {
            Some(found) if found.settings == want => Ok(Outcome::Unchanged),
            Some(found) => aurora.update_webhook(&found.id, &want).await.map(|_| Outcome::Updated),
            None => aurora.create_webhook(&want).await.map(|_| Outcome::Created),
        };
        let outcome = match done {
            Ok(outcome) => outcome,
            Err(error) if optional(&want.event, &error) => Outcome::Refused(error.to_string()),
            Err(error) => return Err(error.into()),
        };
        outcomes.push((want.event.as_str().to_owned(), outcome));
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aurora_api::error::Messages;

    #[test]
    fn only_the_simulation_webhook_may_not_be_refused() {
        let refused = AuroraError::Unprocessable(Messages::default());
        let down = AuroraError::Server { status: 503, messages: Messages::default() };
        assert!(optional(&WebhookEvent::AppStatusChanged, &refused));
        assert!(optional(&WebhookEvent::AgreementStatusChanged, &refused), "the sale is also read with each design");
        assert!(!optional(&WebhookEvent::AppStatusChanged, &down), "Aurora down is an error, not a refusal");
        assert!(!optional(&WebhookEvent::PerformanceSimulationJobCompleted, &refused), "designs arrive by this one");
    }
}
