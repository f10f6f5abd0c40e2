//! The portal API our app calls, answering as HubSpot does: `{status: "error", message,
//! correlationId, category}` errors (401 for a missing or expired token, 404 for an
//! object that is not the portal's, 400 `PROPERTY_DOESNT_EXIST` for a property the portal
//! lacks, 409 for one that exists), property values as strings, and a 429 once a
//! portal's app passes its 10-second rolling limit.

use super::{
    HubSpot, now,
    portal::{Delivery, Grant, deal_json},
    signing,
};
use crate::kit;
use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The waits before each retry of a webhook request. HubSpot retries up to 10 times over 24
/// hours (<https://developers.hubspot.com/docs/api/webhooks#retries>); the stand-in keeps
/// the first three, shortened, so a test sees a retry.
const RETRIES: [Duration; 3] = [Duration::from_secs(3), Duration::from_secs(30), Duration::from_secs(150)];

fn failure(status: StatusCode, category: &str, message: &str) -> Response {
    let body = json!({
        "status": "error", "message": message, "correlationId": uuid::Uuid::new_v4().to_string(), "category": category,
    });
    (status, Json(body)).into_response()
}

/// The grant of a request's bearer token, within the portal's rate limit.
fn authorized(hs: &HubSpot, headers: &HeaderMap) -> Result<Grant, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let mut data = hs.data();
    let grant = match data.access_tokens.get(token) {
        Some(grant) if grant.expires > now() => grant.clone(),
        Some(_) => {
            return Err(failure(
                StatusCode::UNAUTHORIZED,
                "EXPIRED_AUTHENTICATION",
                "The OAuth token used to make this call expired.",
            ));
        }
        None => {
            return Err(failure(
                StatusCode::UNAUTHORIZED,
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found.",
            ));
        }
    };
    let calls = data.calls.entry(grant.portal_id).or_default();
    let window = Instant::now() - Duration::from_secs(10);
    while calls.front().is_some_and(|at| *at < window) {
        calls.pop_front();
    }
    if calls.len() >= hs.settings.requests_per_10s {
        let body = json!({
            "status": "error", "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT", "correlationId": uuid::Uuid::new_v4().to_string(), "policyName": "TEN_SECONDLY_ROLLING",
        });
        return Err((StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response());
    }
    calls.push_back(Instant::now());
    Ok(grant)
}

fn not_found() -> Response {
    failure(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.")
}

/// `DELETE /appinstalls/v3/external-install`: the app leaves the token's portal (204).
pub async fn uninstall(State(hs): State<HubSpot>, headers: HeaderMap) -> Response {
    let grant = match authorized(&hs, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let mut data = hs.data();
    data.uninstall(grant.portal_id);
    data.journal.record_uninstall(grant.portal_id, hs.settings.app_id, hs.settings.journal_events);
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /settings/v3/users/{id}`: `superAdmin` as a string, as HubSpot's example has it.
pub async fn user(State(hs): State<HubSpot>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let grant = match authorized(&hs, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let data = hs.data();
    match data.users.iter().find(|u| u.id.to_string() == id && u.portal_id == grant.portal_id) {
        Some(user) => Json(json!({
            "id": user.id.to_string(), "email": user.email, "roleId": "100", "primaryTeamId": "101",
            "secondaryTeamIds": [], "superAdmin": user.super_admin.to_string(),
        }))
        .into_response(),
        None => failure(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", "User not found"),
    }
}

#[derive(Debug, Deserialize)]
pub struct ObjectQuery {
    #[serde(default)]
    properties: String,
    #[serde(default)]
    associations: String,
}

fn list(value: &str) -> Vec<&str> {
    value.split(',').map(str::trim).filter(|v| !v.is_empty()).collect()
}

/// `GET /crm/v3/objects/deals/{id}`.
pub async fn deal(
    State(hs): State<HubSpot>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<ObjectQuery>,
) -> Response {
    let grant = match authorized(&hs, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let data = hs.data();
    match data.deals.iter().find(|d| d.id.to_string() == id && d.portal_id == grant.portal_id) {
        Some(deal) => Json(deal_json(deal, &list(&query.properties), &list(&query.associations))).into_response(),
        None => not_found(),
    }
}

/// `GET /crm/v3/objects/{companies|contacts}/{id}`: only the properties asked for.
pub async fn object(
    State(hs): State<HubSpot>,
    headers: HeaderMap,
    Path((kind, id)): Path<(String, String)>,
    Query(query): Query<ObjectQuery>,
) -> Response {
    let grant = match authorized(&hs, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let data = hs.data();
    let records = match kind.as_str() {
        "companies" => &data.companies,
        "contacts" => &data.contacts,
        _ => {
            return failure(
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                &format!("Unable to infer object type from: {kind}"),
            );
        }
    };
    let Some(record) = records.iter().find(|r| r.id.to_string() == id && r.portal_id == grant.portal_id) else {
        return not_found();
    };
    let properties: serde_json::Map<String, Value> = list(&query.properties)
        .into_iter()
        .chain(["hs_object_id"])
        .map(|name| {
            let value =
                if name == "hs_object_id" { Some(record.id.to_string()) } else { record.properties.get(name).cloned() };
            (name.to_owned(), value.map_or(Value::Null, Value::String))
        })
        .collect();
    Json(json!({ "id": record.id.to_string(), "properties": properties, "archived": false })).into_response()
}

#[derive(Debug, Deserialize)]
pub struct DealPatch {
    properties: serde_json::Map<String, Value>,
}

/// `PATCH /crm/v3/objects/deals/{id}`: every property must exist in the portal; numbers
/// must read as numbers (strings, as HubSpot's examples send them, or JSON numbers).
pub async fn patch_deal(
    State(hs): State<HubSpot>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let grant = match authorized(&hs, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let Ok(patch) = serde_json::from_slice::<DealPatch>(&body) else {
        return failure(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "Invalid input JSON on line 1");
    };
    let mut data = hs.data();
    let known = data.portal(grant.portal_id).map(|p| p.deal_properties.clone()).unwrap_or_default();
    let mut values = Vec::new();
    for (name, value) in &patch.properties {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Null => String::new(),
            _ => {
                return failure(
                    StatusCode::BAD_REQUEST,
                    "VALIDATION_ERROR",
                    &format!("Property values were not valid: {name}"),
                );
            }
        };
        let builtin = ["dealname", "dealstage", "amount", "closedate"].contains(&name.as_str());
        match known.get(name).map(String::as_str) {
            _ if builtin => {}
            None => {
                let detail = json!([{ "isValid": false, "message": format!("Property \"{name}\" does not exist"),
                                      "error": "PROPERTY_DOESNT_EXIST", "name": name }]);
                return failure(
                    StatusCode::BAD_REQUEST,
                    "VALIDATION_ERROR",
                    &format!("Property values were not valid: {detail}"),
                );
            }
            Some("number") if !text.is_empty() && text.parse::<f64>().is_err() => {
                let detail = json!([{ "isValid": false, "message": format!("{text} was not a valid number."),
                                      "error": "INVALID_FLOAT", "name": name }]);
                return failure(
                    StatusCode::BAD_REQUEST,
                    "VALIDATION_ERROR",
                    &format!("Property values were not valid: {detail}"),
                );
            }
            Some(_) => {}
        }
        if name == "dealstage" && !DEAL_STAGES.iter().any(|(stage, _, _, _)| *stage == text) {
            return failure(
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                &format!("Property values were not valid: {text} is not a valid dealstage of pipeline default"),
            );
        }
        values.push((name.clone(), text));
    }
    let Some(deal) = data.deals.iter_mut().find(|d| d.id.to_string() == id && d.portal_id == grant.portal_id) else {
        return not_found();
    };
    deal.properties.extend(values);
    let names: Vec<&str> = patch.properties.keys().map(String::as_str).collect();
    Json(deal_json(deal, &names, &[])).into_response()
}

/// A portal's default deal pipeline: stage id, label, display order, closed
/// (https://knowledge.hubspot.com/object-settings/set-up-and-customize-pipelines names them).
pub const DEAL_STAGES: &[(&str, &str, i64, bool)] = &[
    ("appointmentscheduled", "Appointment Scheduled", 0, false),
    ("qualifiedtobuy", "Qualified To Buy", 1, false),
    ("presentationscheduled", "Presentation Scheduled", 2, false),
    ("decisionmakerboughtin", "Decision Maker Bought-In", 3, false),
    ("contractsent", "Contract Sent", 4, false),
    ("closedwon", "Closed Won", 5, true),
    ("closedlost", "Closed Lost", 6, true),
];

/// `GET /crm/v3/pipelines/deals`: the portal's deal pipelines with their stages
/// (https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide); `isClosed`
/// is written as a string, as HubSpot writes stage metadata.
pub async fn deal_pipelines(State(hs): State<HubSpot>, headers: HeaderMap) -> Response {
    if let Err(refused) = authorized(&hs, &headers) {
        return refused;
    }
    let stages: Vec<Value> = DEAL_STAGES
        .iter()
        .map(|(id, label, order, closed)| {
            json!({ "id": id, "label": label, "displayOrder": order, "archived": false,
                    "metadata": { "isClosed": closed.to_string(), "probability": if *closed { "1.0" } else { "0.2" } } })
        })
        .collect();
    Json(json!({ "results": [{ "id": "default", "label": "Sales Pipeline", "displayOrder": 0, "archived": false, "stages": stages }] }))
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct NewProperty {
    name: String,
    label: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "fieldType")]
    field_type: String,
    #[serde(rename = "groupName")]
    group_name: String,
}

/// `POST /crm/v3/properties/deals`.
pub async fn create_property(State(hs): State<HubSpot>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let grant = match authorized(&hs, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let Ok(new) = serde_json::from_slice::<NewProperty>(&body) else {
        return failure(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "name, label, type, fieldType and groupName are required",
        );
    };
    let valid_name = new.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    let valid_type = matches!((new.kind.as_str(), new.field_type.as_str()), ("number", "number") | ("string", "text"));
    if !valid_name || !valid_type || new.label.is_empty() || new.group_name.is_empty() {
        return failure(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "Invalid property definition");
    }
    let mut data = hs.data();
    let Some(portal) = data.portal_mut(grant.portal_id) else { return not_found() };
    if portal.deal_properties.contains_key(&new.name) {
        return failure(
            StatusCode::CONFLICT,
            "OBJECT_ALREADY_EXISTS",
            &format!("Property named '{}' already exists.", new.name),
        );
    }
    portal.deal_properties.insert(new.name.clone(), new.kind.clone());
    (StatusCode::CREATED, Json(json!({ "name": new.name, "label": new.label, "type": new.kind, "fieldType": new.field_type, "groupName": new.group_name })))
        .into_response()
}

/// `GET /sandbox/deals/{id}`: a deal's properties, for tests.
pub async fn peek_deal(State(hs): State<HubSpot>, Path(id): Path<u64>) -> Response {
    let data = hs.data();
    match data.deals.iter().find(|d| d.id == id) {
        Some(deal) => {
            let notes: Vec<_> = data.notes.iter().filter(|n| n.deal_id == deal.id).collect();
            let files: Vec<_> =
                data.files.iter().filter(|f| notes.iter().any(|n| n.attachments.contains(&f.id))).collect();
            Json(json!({ "id": deal.id, "portal_id": deal.portal_id, "properties": deal.properties, "notes": notes,
                         "attachments": files }))
            .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Deserialize)]
pub struct NewNote {
    #[serde(default)]
    properties: std::collections::BTreeMap<String, Value>,
    #[serde(default)]
    associations: Vec<Value>,
}

/// `POST /crm/v3/objects/notes` (https://developers.hubspot.com/docs/api-reference/crm-notes-v3/guide):
/// `hs_timestamp` is required, `hs_note_body` at most 65,536 characters; each association
/// names a deal of the portal with HubSpot's note-to-deal type (214). 201 with the note.
pub async fn create_note(State(hs): State<HubSpot>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let grant = match authorized(&hs, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let Ok(new) = serde_json::from_slice::<NewNote>(&body) else {
        return failure(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "Invalid input JSON on line 1");
    };
    let text = |name: &str| {
        new.properties
            .get(name)
            .and_then(|v| v.as_str().map(str::to_owned).or_else(|| v.as_i64().map(|n| n.to_string())))
    };
    let Some(timestamp) = text("hs_timestamp") else {
        return failure(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "Property values were not valid: hs_timestamp is required",
        );
    };
    let note_body = text("hs_note_body").unwrap_or_default();
    let attachments: Vec<u64> = match text("hs_attachment_ids") {
        None => Vec::new(),
        Some(ids) => {
            match ids.split(';').filter(|id| !id.is_empty()).map(str::parse).collect::<Result<Vec<u64>, _>>() {
                Ok(ids) => ids,
                Err(_) => {
                    return failure(
                        StatusCode::BAD_REQUEST,
                        "VALIDATION_ERROR",
                        "hs_attachment_ids: ids separated by ;",
                    );
                }
            }
        }
    };
    if note_body.chars().count() > 65_536 {
        return failure(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "hs_note_body is limited to 65,536 characters");
    }
    let mut data = hs.data();
    if attachments.iter().any(|id| !data.files.iter().any(|f| f.id == *id && f.portal_id == grant.portal_id)) {
        return failure(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "hs_attachment_ids names a file this portal does not have",
        );
    }
    let mut deals = Vec::new();
    for association in &new.associations {
        let id = association["to"]["id"].as_str().and_then(|id| id.parse::<u64>().ok());
        let types = association["types"].as_array().cloned().unwrap_or_default();
        let to_deal =
            types.iter().any(|t| t["associationCategory"] == "HUBSPOT_DEFINED" && t["associationTypeId"] == 214);
        match id.filter(|id| data.deals.iter().any(|d| d.id == *id && d.portal_id == grant.portal_id)) {
            Some(id) if to_deal => deals.push(id),
            _ => {
                return failure(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "One or more associations are invalid");
            }
        }
    }
    data.next_event_id += 1;
    let id = data.next_event_id;
    for deal_id in deals {
        data.notes.push(super::portal::Note {
            id,
            portal_id: grant.portal_id,
            deal_id,
            body: note_body.clone(),
            timestamp: timestamp.clone(),
            attachments: attachments.clone(),
        });
    }
    let body = json!({ "id": id.to_string(), "properties": { "hs_note_body": note_body, "hs_timestamp": timestamp } });
    (StatusCode::CREATED, Json(body)).into_response()
}

/// `POST /files/v3/files` (multipart: `file`, and `folderPath` or `folderId`, and `options`
/// with an `access` of `PUBLIC_INDEXABLE`, `PUBLIC_NOT_INDEXABLE` or `PRIVATE`, which is
/// required: https://developers.hubspot.com/docs/api-reference/files-files-v3/guide): the
/// file, 201.
pub async fn upload_file(
    State(hs): State<HubSpot>,
    headers: HeaderMap,
    mut form: axum::extract::Multipart,
) -> Response {
    let grant = match authorized(&hs, &headers) {
        Ok(grant) => grant,
        Err(refused) => return refused,
    };
    let (mut file, mut folder, mut access) = (None, None, None);
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let Ok(bytes) = field.bytes().await else {
            return failure(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "unreadable multipart body");
        };
        match name.as_str() {
            "file" => file = Some((filename.unwrap_or_default(), bytes.len())),
            "folderPath" | "folderId" => folder = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "options" => {
                access =
                    serde_json::from_slice::<Value>(&bytes).ok().and_then(|o| o["access"].as_str().map(str::to_owned))
            }
            _ => {}
        }
    }
    let (Some((name, size)), Some(folder)) = (file, folder) else {
        return failure(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "file and folderPath (or folderId) are required");
    };
    let Some(access) = access.filter(|a| matches!(a.as_str(), "PUBLIC_INDEXABLE" | "PUBLIC_NOT_INDEXABLE" | "PRIVATE"))
    else {
        return failure(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "options.access is required");
    };
    let mut data = hs.data();
    data.next_event_id += 1;
    let id = data.next_event_id;
    data.files.push(super::portal::HsFile {
        id,
        portal_id: grant.portal_id,
        name: name.clone(),
        folder_path: folder,
        access: access.clone(),
        size,
    });
    (StatusCode::CREATED, Json(json!({ "id": id.to_string(), "name": name, "access": access, "size": size })))
        .into_response()
}

/// `GET /sandbox/deliveries`: every webhook request, for tests.
pub async fn deliveries(State(hs): State<HubSpot>) -> Json<Vec<Delivery>> {
    Json(hs.data().deliveries.clone())
}

impl HubSpot {
    /// A new deal's webhooks: one request batching its `object.creation` and its stage's
    /// `object.propertyChange`, signed v3 over the target URL, retried at +3 s, +30 s,
    /// +150 s until a 2xx; the same event ids on every attempt.
    pub fn deliver_new_deal(&self, portal_id: u64, deal_id: u64) {
        let hs = self.clone();
        tokio::spawn(async move {
            let (events, index) = {
                let mut data = hs.data();
                if !data.portal(portal_id).is_some_and(|p| p.installed) {
                    return;
                }
                let ids = [data.next_event(), data.next_event()];
                data.deliveries.push(Delivery { portal_id, event_ids: ids.to_vec(), attempts: Vec::new() });
                (ids, data.deliveries.len() - 1)
            };
            let occurred = signing::now_ms();
            // HubSpot's attemptNumber counts from 0.
            kit::deliver(&RETRIES, |attempt| {
                let hs = hs.clone();
                async move {
                    let common = json!({ "subscriptionId": 1_001, "portalId": portal_id, "appId": hs.settings.app_id,
                                         "occurredAt": occurred, "attemptNumber": attempt - 1, "objectId": deal_id,
                                         "objectTypeId": "0-3", "changeSource": "CRM_UI", "sourceId": "userId:1" });
                    let mut created = common.clone();
                    created["eventId"] = json!(events[0]);
                    created["subscriptionType"] = json!("object.creation");
                    created["changeFlag"] = json!("CREATED");
                    let mut stage = common;
                    stage["eventId"] = json!(events[1]);
                    stage["subscriptionType"] = json!("object.propertyChange");
                    stage["propertyName"] = json!("dealstage");
                    stage["propertyValue"] = json!("appointmentscheduled");
                    let body = serde_json::to_vec(&json!([created, stage])).unwrap_or_default();
                    let target = hs.target_url();
                    let (signature, timestamp) =
                        signing::sign(&hs.client_secret, "POST", &target, &body, signing::now_ms());
                    let sent = hs
                        .http
                        .post(&target)
                        .header("Content-Type", "application/json")
                        .header("X-HubSpot-Signature-v3", signature)
                        .header("X-HubSpot-Request-Timestamp", timestamp)
                        .body(body)
                        .send()
                        .await;
                    let status = sent.as_ref().map(|r| r.status().as_u16()).unwrap_or(0);
                    if let Some(delivery) = hs.data().deliveries.get_mut(index) {
                        delivery.attempts.push(status);
                    }
                    Some(status)
                }
            })
            .await;
        });
    }
}
