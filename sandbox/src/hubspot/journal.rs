//! HubSpot's Webhooks Journal (2026-03), as far as our app reads it: the app's own token
//! from OAuth's client credentials grant (`POST /oauth/v1/token`, the journal's scopes),
//! its subscriptions (`/webhooks-journal/subscriptions/2026-03`: an `APP_LIFECYCLE_EVENT`
//! subscription to `APP_UNINSTALL`), and the journal (`/webhooks-journal/journal/2026-03/`
//! `earliest`, `latest`, `offset/{offset}/next`: `{url, expiresAt, currentOffset}`, or 204
//! when there is nothing after the offset, 404 for an offset it does not know), each entry's
//! events in a file at its `url` (`{offset, journalEvents, publishedAt}`).
//! https://developers.hubspot.com/docs/api-reference/latest/webhooks-journal/guide and
//! .../journal-entries/guide. What the docs do not show, an `APP_UNINSTALL` event's fields,
//! is a switch: `--hubspot-journal-events` (see [`super::JournalEvents`]).

use super::{HubSpot, JournalEvents};
use crate::kit::oauth::random_token;
use axum::{
    Form, Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

/// The scopes an app token may be given.
const JOURNAL_SCOPES: [&str; 3] = [
    "developer.webhooks_journal.read",
    "developer.webhooks_journal.subscriptions.read",
    "developer.webhooks_journal.subscriptions.write",
];

/// What the journal keeps for the app.
#[derive(Debug, Default)]
pub struct Journal {
    /// App tokens (client credentials) and their scopes.
    pub app_tokens: Vec<(String, Vec<String>)>,
    /// The app's subscriptions.
    pub subscriptions: Vec<Value>,
    /// The entries, oldest first: (offset, events).
    pub entries: Vec<(String, Vec<Value>)>,
}

impl Journal {
    /// Whether the app subscribed to its uninstalls.
    fn wants_uninstalls(&self) -> bool {
        self.subscriptions.iter().any(|s| {
            s["subscriptionType"] == "APP_LIFECYCLE_EVENT"
                && s["actions"].as_array().is_some_and(|a| a.iter().any(|x| x == "APP_UNINSTALL"))
        })
    }

    /// Writes a portal's uninstall of the app, when the app subscribed to it, in `style`.
    pub fn record_uninstall(&mut self, portal: u64, app_id: u64, style: JournalEvents) {
        if !self.wants_uninstalls() {
            return;
        }
        let now = chrono::Utc::now();
        let event = match style {
            JournalEvents::ObjectStyle => json!({
                "type": "APP_LIFECYCLE_EVENT", "action": "APP_UNINSTALL", "portalId": portal, "appId": app_id,
                "occurredAt": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            }),
            JournalEvents::WebhookStyle => json!({
                "subscriptionType": "APP_LIFECYCLE_EVENT", "eventType": "APP_UNINSTALL",
                "portalId": portal.to_string(), "appId": app_id, "occurredAt": now.timestamp_millis(),
            }),
        };
        self.entries.push((uuid::Uuid::new_v4().to_string(), vec![event]));
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    scope: String,
}

/// `POST /oauth/v1/token` with `grant_type=client_credentials`: the app's own token.
pub async fn app_token(State(hs): State<HubSpot>, Form(form): Form<TokenForm>) -> Response {
    if form.grant_type != "client_credentials" {
        return refusal(StatusCode::BAD_REQUEST, "BAD_GRANT_TYPE", "only client_credentials is taken here");
    }
    if form.client_id != hs.settings.client_id || form.client_secret != *hs.client_secret {
        return refusal(StatusCode::BAD_REQUEST, "BAD_CLIENT_ID", "client credentials are not valid");
    }
    let scopes: Vec<String> = form.scope.split_whitespace().map(str::to_owned).collect();
    if scopes.is_empty() || scopes.iter().any(|s| !JOURNAL_SCOPES.contains(&s.as_str())) {
        return refusal(StatusCode::BAD_REQUEST, "BAD_SCOPES", "scopes must be among the webhooks journal's");
    }
    let token = random_token(32);
    hs.data().journal.app_tokens.push((token.clone(), scopes));
    Json(json!({ "access_token": token, "token_type": "bearer", "expires_in": 1800 })).into_response()
}

/// HubSpot's error body.
fn refusal(status: StatusCode, category: &str, message: &str) -> Response {
    (status, Json(json!({ "status": "error", "category": category, "message": message }))).into_response()
}

/// The app token's scopes, or the refusal.
fn authorized(hs: &HubSpot, headers: &HeaderMap, scope: &str) -> Result<(), Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let data = hs.data();
    match data.journal.app_tokens.iter().find(|(t, _)| t == token) {
        None => Err(refusal(StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION", "not an app token")),
        Some((_, scopes)) if !scopes.iter().any(|s| s == scope) => {
            Err(refusal(StatusCode::FORBIDDEN, "MISSING_SCOPES", &format!("this call needs {scope}")))
        }
        Some(_) => Ok(()),
    }
}

/// `GET /webhooks-journal/subscriptions/2026-03`.
pub async fn subscriptions(State(hs): State<HubSpot>, headers: HeaderMap) -> Response {
    if let Err(refused) = authorized(&hs, &headers, "developer.webhooks_journal.subscriptions.read") {
        return refused;
    }
    Json(json!({ "results": hs.data().journal.subscriptions })).into_response()
}

/// `POST /webhooks-journal/subscriptions/2026-03`: `subscriptionType` and `actions` required.
pub async fn subscribe(State(hs): State<HubSpot>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if let Err(refused) = authorized(&hs, &headers, "developer.webhooks_journal.subscriptions.write") {
        return refused;
    }
    let kind = body["subscriptionType"].as_str().unwrap_or_default();
    let actions = body["actions"].as_array().cloned().unwrap_or_default();
    if kind.is_empty() || actions.is_empty() {
        return refusal(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "subscriptionType and actions are required");
    }
    let mut data = hs.data();
    let id = data.journal.subscriptions.len() + 1;
    let now = chrono::Utc::now().to_rfc3339();
    let subscription = json!({
        "id": id, "appId": hs.settings.app_id, "subscriptionType": kind,
        "actions": actions, "createdAt": now, "updatedAt": now, "deletedAt": null,
    });
    data.journal.subscriptions.push(subscription.clone());
    (StatusCode::CREATED, Json(subscription)).into_response()
}

/// `GET /webhooks-journal/journal/2026-03/{earliest|latest}` and `.../offset/{offset}/next`.
pub async fn entry(State(hs): State<HubSpot>, headers: HeaderMap, Path(at): Path<String>) -> Response {
    if let Err(refused) = authorized(&hs, &headers, "developer.webhooks_journal.read") {
        return refused;
    }
    let data = hs.data();
    let entries = &data.journal.entries;
    let found = match at.as_str() {
        "earliest" => entries.first(),
        "latest" => entries.last(),
        _ => {
            let Some(offset) = at.strip_prefix("offset/").and_then(|rest| rest.strip_suffix("/next")) else {
                return refusal(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", "no such journal path");
            };
            let Some(at) = entries.iter().position(|(o, _)| o == offset) else {
                return refusal(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", "the offset has expired or doesn't exist");
            };
            entries.get(at + 1)
        }
    };
    match found {
        None => StatusCode::NO_CONTENT.into_response(),
        Some((offset, _)) => Json(json!({
            "url": format!("{}/sandbox/journal-files/{offset}", hs.origin),
            "expiresAt": (chrono::Utc::now() + chrono::Duration::minutes(5)).to_rfc3339(),
            "currentOffset": offset,
        }))
        .into_response(),
    }
}

/// `GET /sandbox/journal-files/{offset}`: an entry's file (the signed URL of real HubSpot).
pub async fn file(State(hs): State<HubSpot>, Path(offset): Path<String>) -> Response {
    let data = hs.data();
    match data.journal.entries.iter().find(|(o, _)| *o == offset) {
        Some((offset, events)) => Json(json!({
            "offset": offset, "journalEvents": events, "publishedAt": chrono::Utc::now().to_rfc3339(),
        }))
        .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /sandbox/journal`: the app's subscriptions and the journal's entries, for tests.
pub async fn peek(State(hs): State<HubSpot>) -> Json<Value> {
    let data = hs.data();
    let entries: Vec<Value> =
        data.journal.entries.iter().map(|(offset, events)| json!({ "offset": offset, "events": events })).collect();
    Json(json!({ "subscriptions": data.journal.subscriptions, "entries": entries }))
}
