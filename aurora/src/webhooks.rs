//! Partner webhooks: `POST|GET /partner_applications/{application_id}/webhooks`,
//! `GET|PUT .../webhooks/{webhook_id}`, bodies wrapped in `partner_application_webhook`
//! [doc]. Deliveries are GETs of the rendered `url_template`, with the configured header.

use crate::{HeaderAuthValue, WebhookId, validation::ValidationError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Placeholders Aurora fills in when it renders a `url_template` [doc].
pub mod placeholders {
    /// The tenant whose event this is (every template must have it).
    pub const TENANT_ID: &str = "<TENANT_ID>";
    /// A fresh session token (every partner template must have it).
    pub const SESSION_TOKEN: &str = "<SESSION_TOKEN>";
    /// `performance_simulation_job_completed`: the design.
    pub const DESIGN_ID: &str = "<DESIGN_ID>";
    /// `performance_simulation_job_completed`: the simulation job.
    pub const JOB_ID: &str = "<JOB_ID>";
    /// `succeeded` | `failed`, or `enabled` | `disabled`.
    pub const STATUS: &str = "<STATUS>";
    /// `app_status_changed`: the app.
    pub const APP_ID: &str = "<APP_ID>";
    /// `agreement_status_changed`, `milestone_created`: the project.
    pub const PROJECT_ID: &str = "<PROJECT_ID>";
    /// `agreement_status_changed`: the agreement.
    pub const AGREEMENT_ID: &str = "<AGREEMENT_ID>";
    /// `agreement_status_changed`, `financier_contract_status_changed`: the financing
    /// (empty when no financing option was selected [int]).
    pub const FINANCING_ID: &str = "<FINANCING_ID>";
    /// `financier_contract_status_changed`: the lender's own word for the application.
    pub const EXTERNAL_PROVIDER_STATUS: &str = "<EXTERNAL_PROVIDER_STATUS>";
    /// `milestone_created`: the milestone (`sold`, `installed`, ...).
    pub const STAGE: &str = "<STAGE>";
    /// `milestone_created`: where it was made (`app` | `api`).
    pub const SOURCE: &str = "<SOURCE>";
}

/// The events we subscribe to; others Aurora may add are kept by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WebhookEvent {
    /// A performance simulation finished (`succeeded` or `failed`): our proxy for "design done".
    PerformanceSimulationJobCompleted,
    /// A tenant enabled or disabled our app.
    AppStatusChanged,
    /// An agreement was sent, viewed, signed, declined or canceled.
    AgreementStatusChanged,
    /// A lender's application for a financing moved.
    FinancierContractStatusChanged,
    /// A project reached a milestone (sold, installed, ...).
    MilestoneCreated,
    /// A project's status changed (a tenant's own words, e.g. "Project Sold").
    ProjectStatusChanged,
    /// An event we do not use.
    Other(String),
}

impl WebhookEvent {
    /// The event's name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            WebhookEvent::PerformanceSimulationJobCompleted => "performance_simulation_job_completed",
            WebhookEvent::AppStatusChanged => "app_status_changed",
            WebhookEvent::AgreementStatusChanged => "agreement_status_changed",
            WebhookEvent::FinancierContractStatusChanged => "financier_contract_status_changed",
            WebhookEvent::MilestoneCreated => "milestone_created",
            WebhookEvent::ProjectStatusChanged => "project_status_changed",
            WebhookEvent::Other(name) => name,
        }
    }

    fn from_name(name: &str) -> Self {
        match name {
            "performance_simulation_job_completed" => WebhookEvent::PerformanceSimulationJobCompleted,
            "app_status_changed" => WebhookEvent::AppStatusChanged,
            "agreement_status_changed" => WebhookEvent::AgreementStatusChanged,
            "financier_contract_status_changed" => WebhookEvent::FinancierContractStatusChanged,
            "milestone_created" => WebhookEvent::MilestoneCreated,
            "project_status_changed" => WebhookEvent::ProjectStatusChanged,
            other => WebhookEvent::Other(other.to_owned()),
        }
    }
}

impl Serialize for WebhookEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(WebhookEvent::from_name(&String::deserialize(deserializer)?))
    }
}

/// What we send to create or update a subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerWebhookRequest {
    /// Which event.
    pub event: WebhookEvent,
    /// Where Aurora sends it, with placeholders.
    pub url_template: String,
    /// For people reading Aurora's settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Deliveries happen only while enabled.
    pub enabled: bool,
    /// The header Aurora sends with each delivery...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_auth_key: Option<String>,
    /// ...and its value, which we check in constant time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_auth_value: Option<HeaderAuthValue>,
}

/// A stored subscription as Aurora returns it: its id and the settings it was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerWebhook {
    /// Aurora's id of the subscription.
    pub id: WebhookId,
    /// Event, URL template, auth header: as created or last updated.
    #[serde(flatten)]
    pub settings: PartnerWebhookRequest,
}

/// `{"partner_application_webhook": {...}}`, the wrapper of single webhooks both ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerWebhookEnvelope<T> {
    /// The subscription or the request.
    pub partner_application_webhook: T,
}

/// The test trigger's body [doc]: placeholder values for one delivery Aurora sends now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerRequest {
    /// The values, by placeholder.
    pub application_partner_webhook: TriggerValues,
}

/// `{"url_parameters": [{"name": "<JOB_ID>", "value": "..."}]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerValues {
    /// One value per placeholder.
    pub url_parameters: Vec<UrlParameter>,
}

/// A placeholder and its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrlParameter {
    /// The placeholder, brackets included (`<JOB_ID>`).
    pub name: String,
    /// Its value in this delivery.
    pub value: String,
}

/// The list answer. [guess] Its wrapper key is undocumented: we write Aurora's plural
/// convention (`{"designs": [...]}`), `partner_application_webhooks`, and read that,
/// `webhooks`, or a bare array.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnerWebhookList {
    /// Every subscription of the application.
    pub partner_application_webhooks: Vec<PartnerWebhook>,
}

impl<'de> Deserialize<'de> for PartnerWebhookList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Wrapped { partner_application_webhooks: Vec<PartnerWebhook> },
            Short { webhooks: Vec<PartnerWebhook> },
            Bare(Vec<PartnerWebhook>),
        }
        let list = match Shape::deserialize(deserializer)? {
            Shape::Wrapped { partner_application_webhooks: list }
            | Shape::Short { webhooks: list }
            | Shape::Bare(list) => list,
        };
        Ok(PartnerWebhookList { partner_application_webhooks: list })
    }
}

impl PartnerWebhookRequest {
    /// Checks Aurora's rules for partner templates [doc]: `<TENANT_ID>` and
    /// `<SESSION_TOKEN>` present, HTTPS (plain http only to loopback, and only when
    /// `allow_loopback_http`, as the sandbox allows), and header-token auth set.
    pub fn validate(&self, allow_loopback_http: bool) -> Result<(), ValidationError> {
        let invalid = |reason: &str| ValidationError::Invalid { field: "url_template", reason: reason.to_owned() };
        let url = self.url_template.trim();
        for placeholder in [placeholders::TENANT_ID, placeholders::SESSION_TOKEN] {
            if !url.contains(placeholder) {
                return Err(invalid(&format!("must contain {placeholder}")));
            }
        }
        let loopback = ["http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/"];
        let allowed_loopback = allow_loopback_http && loopback.iter().any(|p| url.starts_with(p));
        if !(url.starts_with("https://") || allowed_loopback) {
            return Err(invalid("must be an https:// URL"));
        }
        let key_ok = self
            .header_auth_key
            .as_deref()
            .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let value_ok = self.header_auth_value.as_ref().is_some_and(|v| !v.expose().is_empty());
        if !key_ok || !value_ok {
            return Err(ValidationError::Invalid {
                field: "header_auth_key",
                reason: "partner webhooks need header auth: a header name and a non-empty value".into(),
            });
        }
        Ok(())
    }
}

/// Renders a template as Aurora does for a delivery: every `<PLACEHOLDER>` replaced by
/// its percent-encoded value.
pub fn render_url_template(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_owned(), |url, (placeholder, value)| {
        url.replace(placeholder, &percent_encode_component(value))
    })
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn percent_encode_component(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str) -> PartnerWebhookRequest {
        PartnerWebhookRequest {
            event: WebhookEvent::PerformanceSimulationJobCompleted,
            url_template: url.into(),
            description: Some("Performance Simulation Completed".into()),
            enabled: true,
            header_auth_key: Some("X-Aurora-Webhook-Token".into()),
            header_auth_value: Some(HeaderAuthValue::new("whsec_dev")),
        }
    }

    const GOOD: &str = "https://crm-app.example/webhooks/aurora/performance-simulation?design_id=<DESIGN_ID>&job_id=<JOB_ID>&status=<STATUS>&tenant_id=<TENANT_ID>&session_token=<SESSION_TOKEN>";

    #[test]
    fn partner_template_rules() {
        assert_eq!(request(GOOD).validate(false), Ok(()));
        // The tutorial's own example omits <SESSION_TOKEN>: Aurora's rules refuse it.
        let seed = "https://www.yourcompany.com/aurora_performance_simulation_webhooks?design_id=<DESIGN_ID>&tenant_id=<TENANT_ID>&status=<STATUS>";
        assert_eq!(request(seed).validate(false).map_err(|e| e.field()), Err("url_template"));
        let http = GOOD.replace("https://crm-app.example", "http://crm-app.example");
        assert!(request(&http).validate(true).is_err(), "plain http only to loopback");
        let loopback = GOOD.replace("https://crm-app.example", "http://127.0.0.1:8787");
        assert!(request(&loopback).validate(false).is_err());
        assert!(request(&loopback).validate(true).is_ok());
        let mut no_auth = request(GOOD);
        no_auth.header_auth_value = None;
        assert_eq!(no_auth.validate(false).map_err(|e| e.field()), Err("header_auth_key"));
    }

    #[test]
    fn the_seed_subscription_body_parses_and_unknown_events_survive() {
        let body = r#"{"partner_application_webhook": {"description": "Performance Simulation Completed",
            "event": "performance_simulation_job_completed",
            "url_template": "https://www.yourcompany.com/x?design_id=<DESIGN_ID>&tenant_id=<TENANT_ID>&status=<STATUS>",
            "enabled": true}}"#;
        let parsed: PartnerWebhookEnvelope<PartnerWebhookRequest> = serde_json::from_str(body).expect("parses");
        assert_eq!(parsed.partner_application_webhook.event, WebhookEvent::PerformanceSimulationJobCompleted);
        let other: WebhookEvent = serde_json::from_str(r#""project_created""#).expect("parses");
        assert_eq!(other, WebhookEvent::Other("project_created".into()));
        assert_eq!(serde_json::to_string(&other).expect("serializes"), r#""project_created""#);
    }

    #[test]
    fn the_webhook_list_is_read_under_any_of_its_likely_keys() {
        let one = r#"{"id": "wh_1", "event": "app_status_changed", "url_template": "https://x.example/?t=<TENANT_ID>&s=<SESSION_TOKEN>", "enabled": true}"#;
        for body in [
            format!(r#"{{"partner_application_webhooks": [{one}]}}"#),
            format!(r#"{{"webhooks": [{one}], "page": 1}}"#),
            format!("[{one}]"),
        ] {
            let list: PartnerWebhookList = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(list.partner_application_webhooks.len(), 1, "{body}");
            assert_eq!(list.partner_application_webhooks[0].id.as_str(), "wh_1");
        }
        let empty: PartnerWebhookList = serde_json::from_str("[]").expect("an empty list");
        assert!(empty.partner_application_webhooks.is_empty());
        assert!(serde_json::from_str::<PartnerWebhookList>(r#"{"items": 3}"#).is_err());
    }

    #[test]
    fn rendering_encodes_values() {
        let url = render_url_template(
            "https://x.example/h?t=<TENANT_ID>&s=<SESSION_TOKEN>&st=<STATUS>",
            &[
                (placeholders::TENANT_ID, "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
                (placeholders::SESSION_TOKEN, "a+b/c=&"),
                (placeholders::STATUS, "succeeded"),
            ],
        );
        assert_eq!(url, "https://x.example/h?t=3fa85f64-5717-4562-b3fc-2c963f66afa6&s=a%2Bb%2Fc%3D%26&st=succeeded");
    }
}
