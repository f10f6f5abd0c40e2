//! The company API our app calls, answering as Pipedrive does: `{success, data}`, a 401
//! `{success: false, error, errorCode}` for a missing or expired token, custom fields by
//! their per-company 40-character keys, addresses as objects.

use super::{
    Pipedrive,
    company::{DealField, Grant, Webhook, field_key},
    now,
};
use crate::kit;
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// The waits before each retry of a webhook: Pipedrive retries a failed delivery after 3,
/// 30 and 150 seconds (<https://pipedrive.readme.io/docs/guide-for-webhooks-v2>).
const RETRIES: [Duration; 3] = [Duration::from_secs(3), Duration::from_secs(30), Duration::from_secs(150)];

fn failure(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "success": false, "error": error, "errorCode": status.as_u16() }))).into_response()
}

fn ok(data: Value) -> Response {
    Json(json!({ "success": true, "data": data })).into_response()
}

/// The grant of a request's bearer token.
fn authorized(pd: &Pipedrive, headers: &HeaderMap) -> Result<Grant, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    match pd.data().access_tokens.get(token) {
        Some(grant) if grant.expires > now() => Ok(grant.clone()),
        _ => Err(failure(StatusCode::UNAUTHORIZED, "unauthorized access")),
    }
}

/// A user's `access[]`, as `users/me` answers it since `is_admin` was removed on 2023-08-09
/// (https://developers.pipedrive.com/changelog/post/removal-of-the-codeis_admincode-response-field-from-users-api):
/// a right per Pipedrive app, admin or not, with its permission set.
fn access_of(user: &super::company::PdUser) -> Value {
    let set = |app: &str| format!("{:08x}-0000-4000-8000-{:012x}", user.id, app.len());
    json!([
        { "app": "sales", "admin": user.is_admin, "permission_set_id": set("sales") },
        { "app": "global", "admin": user.is_admin, "permission_set_id": set("global") },
        { "app": "account_settings", "admin": user.is_admin, "permission_set_id": set("account_settings") },
    ])
}

pub async fn me(State(pd): State<Pipedrive>, headers: HeaderMap) -> Response {
    let grant = match authorized(&pd, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let data = pd.data();
    let (Some(user), Some(company)) = (data.user(grant.user_id), data.company(grant.company_id)) else {
        return failure(StatusCode::NOT_FOUND, "User not found");
    };
    ok(json!({
        "id": user.id, "name": user.name, "email": user.email, "company_id": company.id,
        "company_name": company.name, "company_domain": company.domain, "access": access_of(user),
        "active_flag": true, "lang": 1, "locale": "en_US",
    }))
}

pub async fn deal(State(pd): State<Pipedrive>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let grant = match authorized(&pd, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let data = pd.data();
    match data.deals.iter().find(|d| d.id.to_string() == id && d.company_id == grant.company_id) {
        Some(deal) => ok(json!({
            "id": deal.id, "title": deal.title, "org_id": deal.org_id, "person_id": deal.person_id,
            "status": deal.status, "stage_id": deal.stage_id, "pipeline_id": 1, "value": deal.value,
            "custom_fields": deal.custom_fields,
        })),
        None => failure(StatusCode::NOT_FOUND, "Deal not found"),
    }
}

/// `GET /api/v1/deals/{id}/permittedUsers`: the ids of the users who may see the deal
/// (https://developers.pipedrive.com/docs/api/v1/Deals, "List permitted users").
pub async fn permitted_users(State(pd): State<Pipedrive>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let grant = match authorized(&pd, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let data = pd.data();
    match data.deals.iter().find(|d| d.id.to_string() == id && d.company_id == grant.company_id) {
        Some(deal) => ok(json!(data.permitted_users(deal))),
        None => failure(StatusCode::NOT_FOUND, "Deal not found"),
    }
}

pub async fn organization(State(pd): State<Pipedrive>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let grant = match authorized(&pd, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let data = pd.data();
    match data.organizations.iter().find(|o| o.id.to_string() == id && o.company_id == grant.company_id) {
        Some(org) => ok(json!({ "id": org.id, "name": org.name, "address": org.address })),
        None => failure(StatusCode::NOT_FOUND, "Organization not found"),
    }
}

pub async fn person(State(pd): State<Pipedrive>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let grant = match authorized(&pd, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let data = pd.data();
    match data.persons.iter().find(|p| p.id.to_string() == id && p.company_id == grant.company_id) {
        // `postal_address` is only included when contact sync is on (here: when there is one).
        Some(person) if person.postal_address.is_null() => ok(json!({ "id": person.id, "name": person.name })),
        Some(person) => ok(json!({ "id": person.id, "name": person.name, "postal_address": person.postal_address })),
        None => failure(StatusCode::NOT_FOUND, "Person not found"),
    }
}

pub async fn deal_fields(State(pd): State<Pipedrive>, headers: HeaderMap) -> Response {
    let grant = match authorized(&pd, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let data = pd.data();
    let standard = [("title", "Title", "varchar"), ("value", "Value", "monetary"), ("org_id", "Organization", "org")];
    let mut fields: Vec<Value> = standard
        .iter()
        .map(|(key, name, kind)| json!({ "key": key, "name": name, "field_type": kind, "edit_flag": false }))
        .collect();
    fields.extend(
        data.deal_fields
            .iter()
            .filter(|f| f.company_id == grant.company_id)
            .map(|f| json!({ "key": f.key, "name": f.name, "field_type": f.field_type, "edit_flag": true })),
    );
    ok(Value::Array(fields))
}

#[derive(Debug, Deserialize)]
pub struct NewField {
    name: String,
    field_type: String,
}

/// `POST /api/v1/dealFields`: admins only (the `admin` scope acts as its user).
pub async fn create_deal_field(State(pd): State<Pipedrive>, headers: HeaderMap, Json(new): Json<NewField>) -> Response {
    let grant = match authorized(&pd, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let mut data = pd.data();
    if !data.user(grant.user_id).is_some_and(|u| u.is_admin) {
        return failure(StatusCode::FORBIDDEN, "You do not have permission to add fields");
    }
    if !["double", "varchar", "text", "address", "monetary"].contains(&new.field_type.as_str()) {
        return failure(StatusCode::BAD_REQUEST, "Field type is not valid");
    }
    let field =
        DealField { company_id: grant.company_id, key: field_key(), name: new.name, field_type: new.field_type };
    let answer = json!({ "key": field.key, "name": field.name, "field_type": field.field_type });
    data.deal_fields.push(field);
    (StatusCode::CREATED, Json(json!({ "success": true, "data": answer }))).into_response()
}

#[derive(Debug, Deserialize)]
pub struct DealPatch {
    #[serde(default)]
    custom_fields: serde_json::Map<String, Value>,
    #[serde(default)]
    stage_id: Option<u64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    value: Option<f64>,
}

/// `GET /api/v2/stages` (https://developers.pipedrive.com/docs/api/v1/Stages#getStages).
pub async fn stages(State(pd): State<Pipedrive>, headers: HeaderMap) -> Response {
    if let Err(refused) = authorized(&pd, &headers) {
        return refused;
    }
    let stages: Vec<Value> = super::company::STAGES
        .iter()
        .map(|(id, name, order)| json!({ "id": id, "name": name, "order_nr": order, "pipeline_id": 1, "is_deleted": false }))
        .collect();
    ok(json!(stages))
}

/// `GET /api/v2/pipelines` (https://developers.pipedrive.com/docs/api/v1/Pipelines#getPipelines).
pub async fn pipelines(State(pd): State<Pipedrive>, headers: HeaderMap) -> Response {
    if let Err(refused) = authorized(&pd, &headers) {
        return refused;
    }
    ok(json!([{ "id": 1, "name": "Pipeline", "order_nr": 1, "is_deleted": false }]))
}

/// `PATCH /api/v2/deals/{id}`: custom fields by key; an unknown key or a wrong type is a 400.
pub async fn patch_deal(
    State(pd): State<Pipedrive>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let grant = match authorized(&pd, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let Ok(patch) = serde_json::from_slice::<DealPatch>(&body) else {
        return failure(StatusCode::BAD_REQUEST, "Invalid JSON body");
    };
    let mut data = pd.data();
    for (key, value) in &patch.custom_fields {
        let Some(field) = data.deal_fields.iter().find(|f| f.company_id == grant.company_id && &f.key == key) else {
            return failure(StatusCode::BAD_REQUEST, &format!("Custom field {key} does not exist"));
        };
        let fits = match field.field_type.as_str() {
            "double" | "monetary" => value.is_number() || value.is_null(),
            _ => value.is_string() || value.is_null() || value.is_object(),
        };
        if !fits {
            return failure(StatusCode::BAD_REQUEST, &format!("Invalid value for custom field {key}"));
        }
    }
    if patch.stage_id.is_some_and(|stage| !super::company::STAGES.iter().any(|(id, _, _)| *id == stage)) {
        return failure(StatusCode::BAD_REQUEST, "Stage not found");
    }
    if patch.status.as_deref().is_some_and(|s| !matches!(s, "open" | "won" | "lost")) {
        return failure(StatusCode::BAD_REQUEST, "Invalid status");
    }
    let Some(deal) = data.deals.iter_mut().find(|d| d.id.to_string() == id && d.company_id == grant.company_id) else {
        return failure(StatusCode::NOT_FOUND, "Deal not found");
    };
    deal.custom_fields.extend(patch.custom_fields);
    if let Some(stage) = patch.stage_id {
        deal.stage_id = stage;
    }
    if let Some(status) = patch.status {
        deal.status = status;
    }
    if patch.value.is_some() {
        deal.value = patch.value;
    }
    ok(json!({ "id": deal.id, "title": deal.title, "custom_fields": deal.custom_fields }))
}

pub async fn webhooks(State(pd): State<Pipedrive>, headers: HeaderMap) -> Response {
    let grant = match authorized(&pd, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let data = pd.data();
    let hooks: Vec<&Webhook> = data.webhooks.iter().filter(|w| w.company_id == grant.company_id).collect();
    ok(json!(hooks))
}

#[derive(Debug, Deserialize)]
pub struct NewWebhook {
    subscription_url: String,
    event_action: String,
    event_object: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    http_auth_user: String,
    #[serde(default)]
    http_auth_password: String,
}

/// `POST /api/v1/webhooks` (the admin scope).
pub async fn create_webhook(State(pd): State<Pipedrive>, headers: HeaderMap, Json(new): Json<NewWebhook>) -> Response {
    let grant = match authorized(&pd, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    // Each version has its own actions: v1 `added`, `updated`, `merged`, `deleted`; v2
    // `create`, `change`, `delete` (https://pipedrive.readme.io/docs/guide-for-webhooks-v2).
    let version = new.version.clone().unwrap_or_else(|| "1.0".into());
    let actions: &[&str] = if version == "2.0" {
        &["create", "change", "delete", "*"]
    } else {
        &["added", "updated", "merged", "deleted", "*"]
    };
    if !actions.contains(&new.event_action.as_str()) {
        let error = format!("Invalid event_action '{}' for webhooks version {version}", new.event_action);
        return failure(StatusCode::BAD_REQUEST, &error);
    }
    let mut data = pd.data();
    if data.webhooks.iter().filter(|w| w.company_id == grant.company_id).count() >= 40 {
        return failure(StatusCode::BAD_REQUEST, "Webhooks limit reached");
    }
    let id = data.next_record_id();
    let hook = Webhook {
        id,
        company_id: grant.company_id,
        subscription_url: new.subscription_url,
        event_action: new.event_action,
        event_object: new.event_object,
        version,
        http_auth_user: new.http_auth_user,
        http_auth_password: new.http_auth_password,
    };
    let answer = json!(hook);
    data.webhooks.push(hook);
    (StatusCode::CREATED, Json(json!({ "status": "ok", "success": true, "data": answer }))).into_response()
}

/// `GET /sandbox/deals/{id}` (tests): a deal's custom fields by name.
pub async fn peek_deal(State(pd): State<Pipedrive>, Path(id): Path<String>) -> Response {
    let data = pd.data();
    let Some(deal) = data.deals.iter().find(|d| d.id.to_string() == id) else {
        return failure(StatusCode::NOT_FOUND, "Deal not found");
    };
    let fields: serde_json::Map<String, Value> = deal
        .custom_fields
        .iter()
        .filter_map(|(key, value)| {
            data.deal_fields.iter().find(|f| &f.key == key).map(|f| (f.name.clone(), value.clone()))
        })
        .collect();
    let notes: Vec<_> = data.notes.iter().filter(|n| n.deal_id == deal.id).collect();
    let files: Vec<_> = data.files.iter().filter(|f| f.deal_id == deal.id).collect();
    Json(json!({ "id": deal.id, "company_id": deal.company_id, "title": deal.title, "fields": fields, "notes": notes,
                 "stage_id": deal.stage_id, "status": deal.status, "value": deal.value, "files": files }))
    .into_response()
}

#[derive(Deserialize)]
pub struct NewNote {
    #[serde(default)]
    content: String,
    #[serde(default)]
    deal_id: Option<u64>,
}

/// `POST /api/v1/notes` (https://developers.pipedrive.com/docs/api/v1/Notes#addNote): a
/// note on a deal of the company; `content` (HTML) is required, as is one of the records
/// to attach it to (here: `deal_id`).
pub async fn add_note(State(pd): State<Pipedrive>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let grant = match authorized(&pd, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let Ok(new) = serde_json::from_slice::<NewNote>(&body) else {
        return failure(StatusCode::BAD_REQUEST, "Invalid JSON body");
    };
    if new.content.trim().is_empty() {
        return failure(StatusCode::BAD_REQUEST, "Note content is required");
    }
    let mut data = pd.data();
    let Some(deal_id) =
        new.deal_id.filter(|id| data.deals.iter().any(|d| d.id == *id && d.company_id == grant.company_id))
    else {
        return failure(
            StatusCode::BAD_REQUEST,
            "The deal, person, organization or lead to attach the note to is required",
        );
    };
    data.next_id += 1;
    let note = super::company::Note { id: data.next_id, company_id: grant.company_id, deal_id, content: new.content };
    data.notes.push(note.clone());
    (StatusCode::CREATED, Json(json!({ "success": true, "data": note }))).into_response()
}

/// `POST /api/v1/files` (multipart `file` and the record to attach it to, here `deal_id`:
/// https://developers.pipedrive.com/docs/api/v1/Files#addFile): 201 with the file.
pub async fn add_file(State(pd): State<Pipedrive>, headers: HeaderMap, mut form: axum::extract::Multipart) -> Response {
    let grant = match authorized(&pd, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let (mut file, mut deal) = (None, None);
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let Ok(bytes) = field.bytes().await else {
            return failure(StatusCode::BAD_REQUEST, "Unreadable multipart body");
        };
        match name.as_str() {
            "file" => file = Some((filename.unwrap_or_default(), bytes.len())),
            "deal_id" => deal = String::from_utf8_lossy(&bytes).trim().parse::<u64>().ok(),
            _ => {}
        }
    }
    let Some((name, size)) = file.filter(|(name, _)| !name.is_empty()) else {
        return failure(StatusCode::BAD_REQUEST, "A file is required");
    };
    let mut data = pd.data();
    let Some(deal_id) = deal.filter(|id| data.deals.iter().any(|d| d.id == *id && d.company_id == grant.company_id))
    else {
        return failure(
            StatusCode::BAD_REQUEST,
            "The deal, person, organization, activity, product or lead to attach the file to is required",
        );
    };
    data.next_id += 1;
    let file =
        super::company::PdFile { id: data.next_id, company_id: grant.company_id, deal_id, name, file_size: size };
    data.files.push(file.clone());
    (StatusCode::CREATED, Json(json!({ "success": true, "data": file }))).into_response()
}

pub async fn deliveries(State(pd): State<Pipedrive>) -> Json<Value> {
    Json(json!({ "deliveries": pd.data().deliveries }))
}

impl Pipedrive {
    /// Delivers a new deal to the company's webhooks (v2), each retried at +3 s, +30 s and
    /// +150 s while it fails, as Pipedrive does.
    pub fn deliver_new_deal(&self, company_id: u64, deal_id: u64, user_id: u64) {
        let hooks: Vec<Webhook> = self
            .data()
            .webhooks
            .iter()
            .filter(|w| w.company_id == company_id)
            .filter(|w| {
                let created = if w.version == "2.0" { "create" } else { "added" };
                matches!(w.event_object.as_str(), "deal" | "*") && [created, "*"].contains(&w.event_action.as_str())
            })
            .cloned()
            .collect();
        for hook in hooks {
            let pd = self.clone();
            tokio::spawn(async move {
                let event_id = uuid::Uuid::new_v4().to_string();
                let index = {
                    let mut data = pd.data();
                    data.deliveries.push(super::company::Delivery {
                        event_id: event_id.clone(),
                        company_id,
                        subscription_url: hook.subscription_url.clone(),
                        attempts: Vec::new(),
                    });
                    data.deliveries.len() - 1
                };
                kit::deliver(&RETRIES, |attempt| {
                    let (pd, hook, event_id) = (pd.clone(), hook.clone(), event_id.clone());
                    async move {
                        let body = json!({
                            "meta": {
                                "action": "create", "entity": "deal", "company_id": company_id.to_string(),
                                "correlation_id": uuid::Uuid::new_v4().to_string(), "entity_id": deal_id.to_string(),
                                "id": event_id, "is_bulk_edit": false, "timestamp": chrono::Utc::now().to_rfc3339(),
                                "type": "general", "user_id": user_id.to_string(), "version": "2.0",
                                "webhook_id": hook.id.to_string(), "webhook_owner_id": user_id.to_string(),
                                "change_source": "app", "attempt": attempt, "host": "sandbox.pipedrive.local",
                            },
                            "data": { "id": deal_id, "title": "", "status": "open" },
                            "previous": null,
                        });
                        let sent = pd
                            .http
                            .post(&hook.subscription_url)
                            .basic_auth(&hook.http_auth_user, Some(&hook.http_auth_password))
                            .json(&body)
                            .send()
                            .await;
                        let status = sent.as_ref().map(|r| r.status().as_u16()).unwrap_or(0);
                        if let Some(delivery) = pd.data().deliveries.get_mut(index) {
                            delivery.attempts.push(status);
                        }
                        Some(status)
                    }
                })
                .await;
            });
        }
    }
}
