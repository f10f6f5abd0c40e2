//! The API apps call with their access token: who installed them, webhook
//! subscriptions, and opportunities (read, and write the custom fields).

use super::{
    signing::site_claims,
    state::{CUSTOM_FIELDS, Crm, Opportunity, Subscription, new_token},
};
use axum::{
    Json,
    extract::{FromRequestParts, Path, State, rejection::JsonRejection},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

/// Events apps may subscribe to.
pub const EVENTS: &[&str] = &["opportunity.created"];

/// The CRM's API error: `{"error": code, "message": ...}`.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

/// The account (and installing user) an access token speaks for.
pub struct AppToken {
    pub account_id: String,
    pub user_id: String,
}

impl FromRequestParts<Crm> for AppToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, crm: &Crm) -> Result<Self, Response> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let grant = token.and_then(|t| crm.state().access_tokens.get(t).cloned());
        match grant {
            Some(grant) if grant.expires_ms > crm.clock.now_ms() => {
                Ok(AppToken { account_id: grant.account_id, user_id: grant.user_id })
            }
            found => {
                let message =
                    if found.is_some() { "the access token expired" } else { "missing or unknown access token" };
                let mut response = error(StatusCode::UNAUTHORIZED, "invalid_token", message);
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
                Err(response)
            }
        }
    }
}

/// `GET /api/v1/me`: the account, and the user who installed the app (with their role).
pub async fn me(State(crm): State<Crm>, token: AppToken) -> Response {
    let state = crm.state();
    match (state.account(&token.account_id), state.user(&token.user_id)) {
        (Some(account), Some(user)) => Json(json!({ "account": account, "user": user })).into_response(),
        _ => error(StatusCode::NOT_FOUND, "not_found", "the installing user no longer exists"),
    }
}

pub async fn list_webhooks(State(crm): State<Crm>, token: AppToken) -> Json<Value> {
    let mine: Vec<Subscription> =
        crm.state().subscriptions.iter().filter(|s| s.account_id == token.account_id).cloned().collect();
    Json(json!({ "webhooks": mine }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    event: String,
    target_url: String,
}

/// `POST /api/v1/webhooks`: subscribes; the same event and URL again answers the existing
/// subscription (200), so apps may call it on every install.
pub async fn create_webhook(
    State(crm): State<Crm>,
    token: AppToken,
    body: Result<Json<NewSubscription>, JsonRejection>,
) -> Response {
    let Ok(Json(request)) = body else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", "send {\"event\": ..., \"target_url\": ...}");
    };
    if !EVENTS.contains(&request.event.as_str()) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_event", &format!("events are {}", EVENTS.join(", ")));
    }
    // Deliveries go only to the app's own registered origin.
    if !request.target_url.starts_with(&format!("{}/", crm.settings.worker_url)) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_target_url",
            "target_url must be on the app's registered origin",
        );
    }
    let mut state = crm.state();
    if let Some(existing) = state
        .subscriptions
        .iter()
        .find(|s| s.account_id == token.account_id && s.event == request.event && s.target_url == request.target_url)
    {
        return Json(json!({ "webhook": existing })).into_response();
    }
    let subscription = Subscription {
        id: new_token("wh_"),
        account_id: token.account_id.clone(),
        event: request.event,
        target_url: request.target_url,
    };
    state.subscriptions.push(subscription.clone());
    (StatusCode::CREATED, Json(json!({ "webhook": subscription }))).into_response()
}

pub async fn delete_webhook(State(crm): State<Crm>, token: AppToken, Path(id): Path<String>) -> Response {
    let mut state = crm.state();
    let before = state.subscriptions.len();
    state.subscriptions.retain(|s| !(s.id == id && s.account_id == token.account_id));
    if state.subscriptions.len() == before {
        return error(StatusCode::NOT_FOUND, "not_found", "no such webhook");
    }
    StatusCode::NO_CONTENT.into_response()
}

/// An opportunity as the API shows it.
pub fn opportunity_json(opportunity: &Opportunity) -> Value {
    let mut body = json!({
        "id": opportunity.id,
        "account_id": opportunity.account_id,
        "owner_user_id": opportunity.owner_user_id,
        "name": opportunity.name,
        "customer": opportunity.customer,
        "fields": opportunity.fields,
        "activities": opportunity.activities,
        "stage": opportunity.stage,
        "amount": opportunity.amount,
        "attachments": opportunity.attachments,
    });
    if let (Some(body), Some(site)) = (body.as_object_mut(), site_claims(&opportunity.site).as_object()) {
        body.extend(site.clone());
    }
    body
}

pub async fn get_opportunity(State(crm): State<Crm>, token: AppToken, Path(id): Path<String>) -> Response {
    match crm.state().opportunity_of(&token.account_id, &id) {
        Some(opportunity) => Json(json!({ "opportunity": opportunity_json(opportunity) })).into_response(),
        None => error(StatusCode::NOT_FOUND, "not_found", "no such opportunity"),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldUpdate {
    #[serde(default)]
    fields: serde_json::Map<String, Value>,
    /// A stage id of [`super::state::STAGES`].
    #[serde(default)]
    stage: Option<String>,
    /// The opportunity's amount.
    #[serde(default)]
    amount: Option<f64>,
}

/// `GET /api/v1/stages`: the pipeline's stages, in order.
pub async fn stages(_token: AppToken) -> Response {
    let stages: Vec<Value> = super::state::STAGES
        .iter()
        .map(|s| json!({ "id": s.id, "label": s.label, "order": s.order, "closed": s.closed }))
        .collect();
    Json(json!({ "stages": stages })).into_response()
}

/// `PATCH /api/v1/opportunities/{id}`: sets custom fields (absolute values: idempotent).
pub async fn patch_opportunity(
    State(crm): State<Crm>,
    token: AppToken,
    Path(id): Path<String>,
    body: Result<Json<FieldUpdate>, JsonRejection>,
) -> Response {
    let Ok(Json(update)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send {\"fields\": {name: value}} or {\"stage\": id}",
        );
    };
    if let Some(stage) = &update.stage
        && !super::state::STAGES.iter().any(|s| s.id == stage)
    {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "unknown_stage", &format!("no stage {stage}"));
    }
    for (name, value) in &update.fields {
        let Some(field) = CUSTOM_FIELDS.iter().find(|f| f.name == name) else {
            return error(StatusCode::UNPROCESSABLE_ENTITY, "unknown_field", &format!("no custom field {name}"));
        };
        let fits = value.is_null() || if field.numeric { value.is_number() } else { value.is_string() };
        if !fits {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                &format!("{name} takes a {}", if field.numeric { "number" } else { "string" }),
            );
        }
    }
    let mut state = crm.state();
    let Some(opportunity) = state.opportunities.iter_mut().find(|o| o.id == id && o.account_id == token.account_id)
    else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such opportunity");
    };
    if let Some(stage) = update.stage {
        opportunity.stage = stage;
    }
    if update.amount.is_some() {
        opportunity.amount = update.amount;
    }
    for (name, value) in update.fields {
        if value.is_null() {
            opportunity.fields.remove(&name);
        } else {
            opportunity.fields.insert(name, value);
        }
    }
    Json(json!({ "opportunity": opportunity_json(opportunity) })).into_response()
}

/// An activity as apps send it.
#[derive(Deserialize)]
pub struct NewActivity {
    subject: String,
    #[serde(default)]
    body: String,
}

/// `POST /api/v1/opportunities/{id}/activities`: logs an entry on the opportunity's
/// timeline (201). A subject is required, at most 255 characters; the body at most 10,000.
pub async fn add_activity(
    State(crm): State<Crm>,
    token: AppToken,
    Path(id): Path<String>,
    body: Result<Json<NewActivity>, JsonRejection>,
) -> Response {
    let Ok(Json(activity)) = body else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", "send {\"subject\": \"...\", \"body\": \"...\"}");
    };
    if activity.subject.trim().is_empty()
        || activity.subject.chars().count() > 255
        || activity.body.chars().count() > 10_000
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            "subject: 1 to 255 characters; body: at most 10,000",
        );
    }
    let mut state = crm.state();
    let Some(opportunity) = state.opportunities.iter_mut().find(|o| o.id == id && o.account_id == token.account_id)
    else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such opportunity");
    };
    opportunity.activities.push(super::state::Activity { subject: activity.subject, body: activity.body });
    (StatusCode::CREATED, Json(json!({ "activities": opportunity.activities.len() }))).into_response()
}

/// A file as apps send it.
#[derive(Deserialize)]
pub struct NewAttachment {
    name: String,
    #[serde(default)]
    content_type: String,
    data_base64: String,
}

/// `POST /api/v1/opportunities/{id}/attachments`: a file on the opportunity (201).
pub async fn add_attachment(
    State(crm): State<Crm>,
    token: AppToken,
    Path(id): Path<String>,
    body: Result<Json<NewAttachment>, JsonRejection>,
) -> Response {
    use base64::Engine;
    let Ok(Json(file)) = body else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", "send {\"name\", \"content_type\", \"data_base64\"}");
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(file.data_base64.as_bytes()) else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", "data_base64 is not base64");
    };
    if file.name.trim().is_empty() || file.content_type.is_empty() || bytes.len() > 25 * 1024 * 1024 {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", "a name, a content type, at most 25 MB");
    }
    let mut state = crm.state();
    let Some(opportunity) = state.opportunities.iter_mut().find(|o| o.id == id && o.account_id == token.account_id)
    else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such opportunity");
    };
    opportunity.attachments.push((file.name, bytes.len()));
    (StatusCode::CREATED, Json(json!({ "attachments": opportunity.attachments.len() }))).into_response()
}

/// `GET /sandbox/opportunities/{id}`: any opportunity, for tests (not part of the API).
pub async fn peek_opportunity(State(crm): State<Crm>, Path(id): Path<String>) -> Response {
    match crm.state().opportunities.iter().find(|o| o.id == id) {
        Some(opportunity) => Json(opportunity_json(opportunity)).into_response(),
        None => error(StatusCode::NOT_FOUND, "not_found", "no such opportunity"),
    }
}
