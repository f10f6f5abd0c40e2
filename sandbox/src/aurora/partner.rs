//! Partner application endpoints: create_token and partner webhook subscriptions.

use super::{
    Sandbox, aurora_error, auth::require_application, settings::SessionTokenCheck, state::TemporaryKeyRecord, webhooks,
};
use aurora_api::{
    ApplicationId, BearerToken, CreateTokenResponse, PartnerWebhook, PartnerWebhookRequest, TemporaryKey, TenantId,
    Timestamp, WebhookId,
    webhooks::WebhookEvent,
    webhooks::{PartnerWebhookEnvelope, PartnerWebhookList},
};
use axum::{
    Json,
    extract::{Path, Query, State, rejection::JsonRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use std::time::{Duration, Instant};

/// Temporary keys live 13 hours [doc].
const TEMPORARY_KEY_LIFETIME: Duration = Duration::from_secs(13 * 3600);

/// The application key, on our own application's path; else Aurora's error.
fn authorized_application(sandbox: &Sandbox, headers: &HeaderMap, app_id: &str) -> Result<(), Response> {
    require_application(sandbox, headers)?;
    match ApplicationId::parse(app_id) {
        Ok(id) if id == sandbox.settings.application_id => Ok(()),
        _ => Err(aurora_error(StatusCode::NOT_FOUND, "Partner application not found")),
    }
}

type Answer = Result<Response, Response>;

#[derive(Deserialize)]
pub struct CreateTokenQuery {
    session_token: Option<String>,
}

/// `POST /partner_applications/{app}/tenants/{tenant}/create_token?session_token=...`
pub async fn create_token(
    State(sandbox): State<Sandbox>,
    Path((app_id, tenant_id)): Path<(String, String)>,
    Query(query): Query<CreateTokenQuery>,
    headers: HeaderMap,
) -> Answer {
    authorized_application(&sandbox, &headers, &app_id)?;
    let Ok(tenant) = TenantId::parse(&tenant_id) else {
        return Err(aurora_error(StatusCode::NOT_FOUND, "Tenant not found"));
    };
    let mut state = sandbox.state();
    match state.tenants.get(&tenant) {
        None => return Err(aurora_error(StatusCode::NOT_FOUND, "Tenant not found")),
        Some(t) if !t.app_enabled => {
            return Err(aurora_error(StatusCode::FORBIDDEN, "The app is not enabled for this tenant"));
        }
        Some(_) => {}
    }
    match query.session_token.as_deref().filter(|s| !s.is_empty()) {
        Some(session) => match state.session_tokens.get_mut(session) {
            // One exchange per session token, within its hour, for its tenant [doc].
            Some(record) if !record.used && record.expires > Instant::now() && record.tenant == tenant => {
                record.used = true
            }
            Some(record)
                if !record.used
                    && record.expires > Instant::now()
                    && sandbox.settings.session_token_check == SessionTokenCheck::AnyTenant =>
            {
                record.used = true
            }
            Some(record) if record.used => {
                return Err(aurora_error(StatusCode::UNAUTHORIZED, "Session token already used"));
            }
            Some(_) => {
                return Err(aurora_error(
                    StatusCode::UNAUTHORIZED,
                    "Session token expired or not valid for this tenant",
                ));
            }
            None if sandbox.settings.session_token_check == SessionTokenCheck::IgnoresUnknown => {}
            None => return Err(aurora_error(StatusCode::UNAUTHORIZED, "Invalid session token")),
        },
        None if sandbox.settings.strict_session_tokens => {
            return Err(aurora_error(StatusCode::UNAUTHORIZED, "A session_token is required"));
        }
        None => {}
    }
    let lifetime = sandbox.settings.scaled(TEMPORARY_KEY_LIFETIME);
    let token = Sandbox::new_token("tk_sandbox_");
    state.temporary_keys.insert(token.clone(), TemporaryKeyRecord { tenant, expires: Instant::now() + lifetime });
    drop(state);
    let expires_at = chrono::Utc::now() + chrono::Duration::from_std(lifetime).unwrap_or_default();
    Ok(Json(CreateTokenResponse {
        token: TemporaryKey { bearer_token: BearerToken::new(token), expires_at: Timestamp::aurora_format(expires_at) },
    })
    .into_response())
}

/// `POST /application_partners/{app}/webhooks/{id}/trigger` (Aurora's own spelling of the
/// path and wrapper here [doc]): one test delivery of the subscription, now.
pub async fn trigger_webhook(
    State(sandbox): State<Sandbox>,
    Path((app_id, webhook_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Json<aurora_api::webhooks::TriggerRequest>, JsonRejection>,
) -> Answer {
    authorized_application(&sandbox, &headers, &app_id)?;
    let Json(request) = body.map_err(|e| aurora_error(StatusCode::BAD_REQUEST, e.body_text()))?;
    let webhook = WebhookId::parse(&webhook_id)
        .ok()
        .and_then(|id| sandbox.state().webhooks.iter().find(|w| w.id == id).cloned())
        .ok_or_else(|| aurora_error(StatusCode::NOT_FOUND, "Webhook not found"))?;
    let values: Vec<(String, String)> =
        request.application_partner_webhook.url_parameters.into_iter().map(|p| (p.name, p.value)).collect();
    tracing::info!("aurora webhook {} triggered for a test", webhook.id);
    webhooks::trigger(&sandbox, webhook, &values);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /partner_applications/{app}/webhooks`
pub async fn list_webhooks(State(sandbox): State<Sandbox>, Path(app_id): Path<String>, headers: HeaderMap) -> Answer {
    authorized_application(&sandbox, &headers, &app_id)?;
    let (partner_application_webhooks, variance) = {
        let state = sandbox.state();
        (state.webhooks.clone(), state.variance.enabled)
    };
    if variance {
        return Ok(Json(serde_json::json!({ "webhooks": partner_application_webhooks })).into_response());
    }
    Ok(Json(PartnerWebhookList { partner_application_webhooks }).into_response())
}

fn parse_request(
    body: Result<Json<PartnerWebhookEnvelope<PartnerWebhookRequest>>, JsonRejection>,
) -> Result<PartnerWebhookRequest, Response> {
    let Json(envelope) = body.map_err(|e| aurora_error(StatusCode::BAD_REQUEST, e.body_text()))?;
    let request = envelope.partner_application_webhook;
    // Loopback http is allowed here only because this is the sandbox [doc].
    request.validate(true).map_err(|e| aurora_error(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok(request)
}

/// `POST /partner_applications/{app}/webhooks`
pub async fn create_webhook(
    State(sandbox): State<Sandbox>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<PartnerWebhookEnvelope<PartnerWebhookRequest>>, JsonRejection>,
) -> Answer {
    authorized_application(&sandbox, &headers, &app_id)?;
    let request = parse_request(body)?;
    if sandbox.state().variance.enabled && request.event == WebhookEvent::AppStatusChanged {
        // Aurora documents this event for some kinds of partner app only [doc].
        let message = "Event app_status_changed is not available for this application type";
        return Err(aurora_error(StatusCode::UNPROCESSABLE_ENTITY, message));
    }
    let sale_event = matches!(
        request.event,
        WebhookEvent::AgreementStatusChanged
            | WebhookEvent::FinancierContractStatusChanged
            | WebhookEvent::MilestoneCreated
            | WebhookEvent::ProjectStatusChanged
    );
    if sandbox.settings.refuse_sale_webhooks && sale_event {
        let message = format!("Event {} is not available for this application type", request.event.as_str());
        return Err(aurora_error(StatusCode::UNPROCESSABLE_ENTITY, message));
    }
    let webhook = PartnerWebhook { id: WebhookId::from(uuid::Uuid::new_v4()), settings: request };
    sandbox.state().webhooks.push(webhook.clone());
    tracing::info!("aurora webhook subscribed: {} {}", webhook.id, webhook.settings.event.as_str());
    Ok(Json(PartnerWebhookEnvelope { partner_application_webhook: webhook }).into_response())
}

/// `GET /partner_applications/{app}/webhooks/{id}`
pub async fn get_webhook(
    State(sandbox): State<Sandbox>,
    Path((app_id, webhook_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorized_application(&sandbox, &headers, &app_id)?;
    let found =
        WebhookId::parse(&webhook_id).ok().and_then(|id| sandbox.state().webhooks.iter().find(|w| w.id == id).cloned());
    match found {
        Some(webhook) => Ok(Json(PartnerWebhookEnvelope { partner_application_webhook: webhook }).into_response()),
        None => Err(aurora_error(StatusCode::NOT_FOUND, "Webhook not found")),
    }
}

/// `PUT /partner_applications/{app}/webhooks/{id}`
pub async fn update_webhook(
    State(sandbox): State<Sandbox>,
    Path((app_id, webhook_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Json<PartnerWebhookEnvelope<PartnerWebhookRequest>>, JsonRejection>,
) -> Answer {
    authorized_application(&sandbox, &headers, &app_id)?;
    let Ok(id) = WebhookId::parse(&webhook_id) else {
        return Err(aurora_error(StatusCode::NOT_FOUND, "Webhook not found"));
    };
    let request = parse_request(body)?;
    let mut state = sandbox.state();
    let Some(slot) = state.webhooks.iter_mut().find(|w| w.id == id) else {
        return Err(aurora_error(StatusCode::NOT_FOUND, "Webhook not found"));
    };
    slot.settings = request;
    Ok(Json(PartnerWebhookEnvelope { partner_application_webhook: slot.clone() }).into_response())
}
