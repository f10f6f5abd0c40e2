//! Our calls to HubSpot: OAuth v3 (every parameter in the form body, never the query:
//! `/oauth/v3/token`, `/oauth/v3/token/introspect`, `/oauth/v3/token/revoke`), and the
//! portal's CRM API: deals with their associated contact or company, the user's super
//! admin flag, deal properties (created when missing), and writing the figures.

use crate::crm::tokens::OAuthTokens;
use crate::{
    crm::hubspot::settings::HubSpotSettings,
    crm::{
        CrmError,
        http::{Auth, Body, CrmHttp, Part, encode_segment},
    },
};
use aurora_api::HttpTransport;
use http::Method;
use secrecy::ExposeSecret;
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Value, json};
use std::sync::Arc;

/// A deal pipeline and its stages.
#[derive(Debug, Clone, Deserialize)]
pub struct Pipeline {
    /// Its id (`default` for the portal's first).
    pub id: String,
    /// Its name.
    pub label: String,
    /// Its stages.
    #[serde(default)]
    pub stages: Vec<PipelineStage>,
}

/// A stage of a deal pipeline.
#[derive(Debug, Clone, Deserialize)]
pub struct PipelineStage {
    /// Its id (what `dealstage` holds).
    pub id: String,
    /// Its name.
    pub label: String,
    /// Its place in the pipeline.
    #[serde(rename = "displayOrder", default)]
    pub display_order: i64,
    /// `isClosed` (`"true"` for won and lost stages), among others.
    #[serde(default)]
    pub metadata: serde_json::Map<String, Value>,
}

impl PipelineStage {
    /// Whether the stage closes the deal (HubSpot writes `isClosed` as a string).
    pub fn is_closed(&self) -> bool {
        matches!(self.metadata.get("isClosed"), Some(Value::String(s)) if s == "true")
            || matches!(self.metadata.get("isClosed"), Some(Value::Bool(true)))
    }
}

/// The scopes the app asks for, as `app-hsmeta.json` lists them (a test checks both agree).
pub const REQUIRED_SCOPES: [&str; 6] = [
    "oauth",
    "crm.objects.deals.read",
    "crm.objects.deals.write",
    "crm.objects.contacts.read",
    "crm.objects.companies.read",
    "settings.users.read",
];

/// Asked for, not required: creating our deal properties (an admin may create them
/// instead), and logging notes on the deal's timeline (the notes API lists
/// `crm.objects.contacts.write`: https://developers.hubspot.com/docs/api-reference/latest/crm/activities/notes/guide),
/// and uploading the signed agreement to attach to a note (`files`:
/// https://developers.hubspot.com/docs/api-reference/files-files-v3/guide).
pub const OPTIONAL_SCOPES: [&str; 3] = ["crm.schemas.deals.write", "crm.objects.contacts.write", "files"];

/// HubSpot's association type of a note to a deal.
pub const NOTE_TO_DEAL: u32 = 214;

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    expires_in: i64,
}

/// A token's metadata (`/oauth/v3/token/introspect`).
#[derive(Debug, Clone, Deserialize)]
pub struct TokenInfo {
    /// Whether the token is alive.
    #[serde(default)]
    pub active: bool,
    /// The portal.
    pub hub_id: u64,
    /// Its domain, for people (`acme.hubspot.com`).
    #[serde(default)]
    pub hub_domain: String,
    /// The user who installed.
    pub user_id: u64,
    /// Their email.
    #[serde(default)]
    pub user: String,
    /// Our app's id in HubSpot.
    #[serde(default)]
    pub app_id: Option<u64>,
}

/// A CRM object as the v3 API answers it: its id, properties as strings, associations.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CrmObject {
    /// Its id (a string of digits).
    pub id: String,
    /// Property values, all strings (or null).
    #[serde(default)]
    pub properties: serde_json::Map<String, Value>,
    /// Associated objects by type: `{contacts: {results: [{id, type}]}}`.
    #[serde(default)]
    pub associations: serde_json::Map<String, Value>,
}

impl CrmObject {
    /// A property's value, trimmed, when present and not empty.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty())
    }

    /// The associated object of `kind` (`contacts`, `companies`) to read a site from: the
    /// primary one where HubSpot marks one, else the first.
    pub fn first_associated(&self, kind: &str) -> Option<String> {
        let results = self.associations.get(kind)?.get("results")?.as_array()?;
        // v3 lists every company as `deal_to_company_unlabeled` and the primary one again as
        // `deal_to_company` (https://community.hubspot.com/t5/APIs-Integrations/Object-data-fetch-sorting-out-associations/td-p/658333);
        // contacts have no primary.
        let primary = results.iter().find(|r| r.get("type").and_then(Value::as_str) == Some("deal_to_company"));
        let id = primary.or(results.first())?.get("id")?;
        id.as_str().map(str::to_owned).or_else(|| id.as_u64().map(|n| n.to_string()))
    }

    /// `address, city, state zip, country` of a contact or company, when it has a street.
    pub fn address_line(&self) -> Option<String> {
        let street = self.property("address")?;
        let region = [self.property("state"), self.property("zip")].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let line = [
            Some(street),
            self.property("city"),
            Some(region.as_str()).filter(|r| !r.is_empty()),
            self.property("country"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        Some(line.replace(['\n', '\r'], " "))
    }
}

/// A HubSpot user (`/settings/v3/users/{id}`).
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// Their id.
    pub id: String,
    /// Their email.
    #[serde(default)]
    pub email: String,
    /// Whether they are a Super Admin (a boolean, or `"true"`/`"false"` as HubSpot's own
    /// example answers it).
    #[serde(default, rename = "superAdmin", deserialize_with = "flag")]
    pub super_admin: bool,
}

fn flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Bool(flag) => flag,
        Value::String(text) => text.eq_ignore_ascii_case("true"),
        _ => false,
    })
}

/// HubSpot for our app. Cheap to clone.
#[derive(Clone)]
pub struct HubSpotClient {
    http: CrmHttp,
    oauth_url: String,
    api_url: String,
    client_id: String,
    client_secret: secrecy::SecretString,
    redirect_uri: String,
}

impl HubSpotClient {
    /// The client for `config` over `transport`.
    pub fn new(transport: Arc<dyn HttpTransport>, config: &HubSpotSettings) -> Self {
        HubSpotClient {
            http: CrmHttp::new(transport, classify),
            oauth_url: config.oauth_url.clone(),
            api_url: config.api_url.clone(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            redirect_uri: config.redirect_uri(),
        }
    }

    /// The consent page, with PKCE (HubSpot's token endpoint takes `code_verifier`).
    pub fn authorize_url(&self, state: &str, code_challenge: &str) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.client_id)
            .append_pair("scope", &REQUIRED_SCOPES.join(" "))
            .append_pair("optional_scope", &OPTIONAL_SCOPES.join(" "))
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("state", state)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        format!("{}/oauth/authorize?{query}", self.oauth_url)
    }

    fn form(&self) -> form_urlencoded::Serializer<'static, String> {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("client_id", &self.client_id).append_pair("client_secret", self.client_secret.expose_secret());
        form
    }

    /// Exchanges an authorization code, once. Whose the tokens are is asked of
    /// [`Self::introspect`], which also names the portal's domain.
    pub async fn exchange_code(&self, code: &str, code_verifier: &str, now: i64) -> Result<OAuthTokens, CrmError> {
        let form = self
            .form()
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("code_verifier", code_verifier)
            .finish();
        let url = format!("{}/oauth/v3/token", self.api_url);
        let answer: TokenResponse = self.http.send_once(Method::POST, &url, Auth::None, Body::Form(form)).await?;
        let refresh_token = answer.refresh_token.clone().ok_or_else(|| CrmError::Decode("no refresh_token".into()))?;
        Ok(tokens_of(answer, refresh_token, now))
    }

    /// A new access token, once (HubSpot keeps the refresh token unless it sends another).
    pub async fn refresh(&self, refresh_token: &str, now: i64) -> Result<OAuthTokens, CrmError> {
        let form = self
            .form()
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", refresh_token)
            .append_pair("redirect_uri", &self.redirect_uri)
            .finish();
        let url = format!("{}/oauth/v3/token", self.api_url);
        let answer: TokenResponse = self.http.send_once(Method::POST, &url, Auth::None, Body::Form(form)).await?;
        let refresh_token = answer.refresh_token.clone().unwrap_or_else(|| refresh_token.to_owned());
        Ok(tokens_of(answer, refresh_token, now))
    }

    /// Whose an access token is.
    pub async fn introspect(&self, access_token: &str) -> Result<TokenInfo, CrmError> {
        let form =
            self.form().append_pair("token", access_token).append_pair("token_type_hint", "access_token").finish();
        let url = format!("{}/oauth/v3/token/introspect", self.api_url);
        self.http.send(Method::POST, &url, Auth::None, Body::Form(form)).await
    }

    /// Revokes the refresh token: the portal's authorization ends.
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), CrmError> {
        let form =
            self.form().append_pair("token", refresh_token).append_pair("token_type_hint", "refresh_token").finish();
        let url = format!("{}/oauth/v3/token/revoke", self.api_url);
        self.http.send::<serde::de::IgnoredAny>(Method::POST, &url, Auth::None, Body::Form(form)).await.map(|_| ())
    }

    /// Uninstalls the app from the token's portal (HubSpot removes its card and webhook
    /// subscriptions there and tells the portal's Super Admins by email).
    pub async fn uninstall(&self, tokens: &OAuthTokens) -> Result<(), CrmError> {
        let url = format!("{}/appinstalls/v3/external-install", self.api_url);
        self.http
            .send::<serde::de::IgnoredAny>(Method::DELETE, &url, Auth::Bearer(&tokens.access_token), Body::None)
            .await
            .map(|_| ())
    }

    /// A user of the portal.
    pub async fn user(&self, tokens: &OAuthTokens, id: &str) -> Result<User, CrmError> {
        self.get(tokens, &format!("/settings/v3/users/{}", encode_segment(id))).await
    }

    /// A deal with its name and its associated contacts and companies.
    pub async fn deal(&self, tokens: &OAuthTokens, id: &str) -> Result<CrmObject, CrmError> {
        self.get(
            tokens,
            &format!(
                "/crm/v3/objects/deals/{}?properties=dealname&associations=contacts,companies",
                encode_segment(id)
            ),
        )
        .await
    }

    /// A deal's pipeline and stage (`dealstage`).
    pub async fn deal_stage(&self, tokens: &OAuthTokens, id: &str) -> Result<CrmObject, CrmError> {
        self.get(tokens, &format!("/crm/v3/objects/deals/{}?properties=dealstage,pipeline", encode_segment(id))).await
    }

    /// The portal's deal pipelines and their stages (`GET /crm/v3/pipelines/deals`:
    /// https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide).
    pub async fn deal_pipelines(&self, tokens: &OAuthTokens) -> Result<Vec<Pipeline>, CrmError> {
        #[derive(Deserialize)]
        struct Pipelines {
            results: Vec<Pipeline>,
        }
        let found: Pipelines = self.get(tokens, "/crm/v3/pipelines/deals").await?;
        Ok(found.results)
    }

    /// A contact's or company's (`kind`: `contacts`, `companies`) address properties.
    pub async fn address_of(&self, tokens: &OAuthTokens, kind: &str, id: &str) -> Result<CrmObject, CrmError> {
        self.get(
            tokens,
            &format!("/crm/v3/objects/{kind}/{}?properties=address,city,state,zip,country", encode_segment(id)),
        )
        .await
    }

    /// Creates a deal property in our group (the `crm.schemas.deals.write` scope). One that
    /// exists already (409) is as good.
    pub async fn create_deal_property(
        &self,
        tokens: &OAuthTokens,
        name: &str,
        label: &str,
        kind: PropertyKind,
    ) -> Result<(), CrmError> {
        let (property_type, field_type) = match kind {
            PropertyKind::Number => ("number", "number"),
            PropertyKind::Text => ("string", "text"),
        };
        let body = json!({
            "name": name, "label": label, "type": property_type, "fieldType": field_type,
            "groupName": "dealinformation", "description": "Written by Aurora Solar for CRMs",
        });
        let url = format!("{}/crm/v3/properties/deals", self.api_url);
        match self
            .http
            .send::<serde::de::IgnoredAny>(Method::POST, &url, Auth::Bearer(&tokens.access_token), Body::Json(body))
            .await
        {
            Ok(_) | Err(CrmError::Refused { status: 409, .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Writes `properties` (values as strings, as HubSpot's examples send them) onto a deal.
    pub async fn update_deal(&self, tokens: &OAuthTokens, id: &str, properties: Value) -> Result<(), CrmError> {
        let url = format!("{}/crm/v3/objects/deals/{}", self.api_url, encode_segment(id));
        self.http
            .send::<serde::de::IgnoredAny>(
                Method::PATCH,
                &url,
                Auth::Bearer(&tokens.access_token),
                Body::Json(json!({ "properties": properties })),
            )
            .await
            .map(|_| ())
    }

    /// Logs a note on a deal's timeline (`POST /crm/v3/objects/notes`, associated with the
    /// deal by HubSpot's note-to-deal type 214:
    /// https://developers.hubspot.com/docs/api-reference/crm-notes-v3/guide and
    /// https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide).
    /// Sent once: a repeat would log a second note.
    pub async fn log_note(&self, tokens: &OAuthTokens, deal_id: &str, html: &str, at_ms: i64) -> Result<(), CrmError> {
        let url = format!("{}/crm/v3/objects/notes", self.api_url);
        let body = json!({
            "properties": { "hs_timestamp": at_ms.to_string(), "hs_note_body": html },
            "associations": [{
                "to": { "id": deal_id },
                "types": [{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_DEAL }],
            }],
        });
        self.http
            .send_once::<serde::de::IgnoredAny>(
                Method::POST,
                &url,
                Auth::Bearer(&tokens.access_token),
                Body::Json(body),
            )
            .await
            .map(|_| ())
    }

    /// Uploads a private file to the portal's file manager (`POST /files/v3/files`,
    /// multipart: `file`, `folderPath`, `options` `{"access": "PRIVATE"}`:
    /// https://developers.hubspot.com/docs/api-reference/files-files-v3/guide): its id.
    pub async fn upload_file(
        &self,
        tokens: &OAuthTokens,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<String, CrmError> {
        #[derive(Deserialize)]
        struct Uploaded {
            id: String,
        }
        let url = format!("{}/files/v3/files", self.api_url);
        let parts = vec![
            Part::file("file", file_name, content_type, bytes),
            Part::text("folderPath", "/Aurora Solar"),
            Part::text("options", r#"{"access":"PRIVATE"}"#),
        ];
        let uploaded: Uploaded =
            self.http.send_once(Method::POST, &url, Auth::Bearer(&tokens.access_token), Body::Multipart(parts)).await?;
        Ok(uploaded.id)
    }

    /// Logs a note on a deal with files attached (`hs_attachment_ids`, `;`-separated).
    pub async fn log_note_with_files(
        &self,
        tokens: &OAuthTokens,
        deal_id: &str,
        html: &str,
        file_ids: &[String],
        at_ms: i64,
    ) -> Result<(), CrmError> {
        let url = format!("{}/crm/v3/objects/notes", self.api_url);
        let body = json!({
            "properties": { "hs_timestamp": at_ms.to_string(), "hs_note_body": html, "hs_attachment_ids": file_ids.join(";") },
            "associations": [{
                "to": { "id": deal_id },
                "types": [{ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_DEAL }],
            }],
        });
        self.http
            .send_once::<serde::de::IgnoredAny>(
                Method::POST,
                &url,
                Auth::Bearer(&tokens.access_token),
                Body::Json(body),
            )
            .await
            .map(|_| ())
    }

    /// The app's own token for the Webhooks Journal: OAuth's client credentials grant
    /// ("The webhooks journal API uses a client credentials token to authorize actions on
    /// behalf of your app … https://api.hubapi.com/oauth/v1/token",
    /// https://developers.hubspot.com/docs/api-reference/latest/webhooks-journal/guide),
    /// asked for the journal's scopes only.
    pub async fn app_token(&self) -> Result<String, CrmError> {
        let form = self
            .form()
            .append_pair("grant_type", "client_credentials")
            .append_pair("scope", &JOURNAL_SCOPES.join(" "))
            .finish();
        let url = format!("{}/oauth/v1/token", self.api_url);
        let answer: TokenResponse = self.http.send_once(Method::POST, &url, Auth::None, Body::Form(form)).await?;
        Ok(answer.access_token)
    }

    /// Whether the app subscribes to its lifecycle events (`APP_LIFECYCLE_EVENT`) in the
    /// journal, and subscribes it to `APP_UNINSTALL` when it does not.
    pub async fn subscribe_to_uninstalls(&self, app_token: &str) -> Result<(), CrmError> {
        let url = format!("{}/webhooks-journal/subscriptions/{JOURNAL_VERSION}", self.api_url);
        let current: Subscriptions = self.http.send(Method::GET, &url, Auth::Bearer(app_token), Body::None).await?;
        if current.results.iter().any(|s| s.subscription_type == LIFECYCLE && s.deleted_at.is_none()) {
            return Ok(());
        }
        let body = serde_json::json!({ "subscriptionType": LIFECYCLE, "actions": [UNINSTALL] });
        self.http
            .send::<serde::de::IgnoredAny>(Method::POST, &url, Auth::Bearer(app_token), Body::Json(body))
            .await
            .map(|_| ())
    }

    /// The journal's entry after `offset` (`Some("")`: the earliest; `None`: the latest), or
    /// none yet (204). Each entry names a file of events ([`Self::journal_file`]).
    pub async fn journal_entry(&self, app_token: &str, offset: Option<&str>) -> Result<Option<JournalEntry>, CrmError> {
        let at = match offset {
            None => "latest".to_owned(),
            Some("") => "earliest".to_owned(),
            Some(offset) => format!("offset/{}/next", encode_segment(offset)),
        };
        let url = format!("{}/webhooks-journal/journal/{JOURNAL_VERSION}/{at}", self.api_url);
        self.http.send(Method::GET, &url, Auth::Bearer(app_token), Body::None).await
    }

    /// The events of a journal entry: the file its `url` names (no token: the URL is signed).
    pub async fn journal_file(&self, entry: &JournalEntry) -> Result<JournalFile, CrmError> {
        self.http.send(Method::GET, &entry.url, Auth::None, Body::None).await
    }

    async fn get<T: DeserializeOwned>(&self, tokens: &OAuthTokens, path: &str) -> Result<T, CrmError> {
        let url = format!("{}{path}", self.api_url);
        self.http.send(Method::GET, &url, Auth::Bearer(&tokens.access_token), Body::None).await
    }
}

/// The Webhooks Journal's version in its paths (the dated API, GA since 2026-03-30).
const JOURNAL_VERSION: &str = "2026-03";
/// What the app token may do: read the journal, read and make its subscriptions.
const JOURNAL_SCOPES: [&str; 3] = [
    "developer.webhooks_journal.read",
    "developer.webhooks_journal.subscriptions.read",
    "developer.webhooks_journal.subscriptions.write",
];
/// The subscription type of the app's own lifecycle, and its uninstall action.
const LIFECYCLE: &str = "APP_LIFECYCLE_EVENT";
const UNINSTALL: &str = "APP_UNINSTALL";

#[derive(Debug, Deserialize)]
struct Subscriptions {
    #[serde(default)]
    results: Vec<Subscription>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Subscription {
    #[serde(default)]
    subscription_type: String,
    #[serde(default)]
    deleted_at: Option<String>,
}

/// A journal entry: where its events are, and its offset (to read on from).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// The events' file (signed, short-lived).
    pub url: String,
    /// This entry's offset.
    pub current_offset: String,
}

/// A journal entry's file: `{offset, journalEvents: [...], publishedAt}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalFile {
    /// Its events, of every subscription of the app; read leniently ([`Self::uninstalls`]).
    #[serde(default)]
    pub journal_events: Vec<Value>,
}

impl JournalFile {
    /// The portals that uninstalled the app, with when (unix seconds): events whose
    /// `action` (or `type`, `eventType`) is `APP_UNINSTALL`, their `portalId` a number or a
    /// string of digits, `occurredAt` RFC 3339 or epoch milliseconds (missing: `now`).
    pub fn uninstalls(&self, now: i64) -> Vec<(String, i64)> {
        self.journal_events
            .iter()
            .filter(|event| {
                ["action", "type", "eventType"].iter().any(|field| {
                    event.get(*field).and_then(Value::as_str).is_some_and(|v| v.eq_ignore_ascii_case(UNINSTALL))
                })
            })
            .filter_map(|event| {
                let portal = match event.get("portalId")? {
                    Value::Number(n) => n.as_u64()?.to_string(),
                    Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.clone(),
                    _ => return None,
                };
                let at = match event.get("occurredAt") {
                    Some(Value::String(text)) => chrono::DateTime::parse_from_rfc3339(text).map(|t| t.timestamp()).ok(),
                    Some(Value::Number(ms)) => ms.as_i64().map(|ms| ms / 1000),
                    _ => None,
                };
                Some((portal, at.unwrap_or(now)))
            })
            .collect()
    }
}

/// What a deal property holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyKind {
    /// A number.
    Number,
    /// A single line of text.
    Text,
}

fn tokens_of(answer: TokenResponse, refresh_token: String, now: i64) -> OAuthTokens {
    OAuthTokens {
        access_token: answer.access_token,
        refresh_token,
        expires_at: Some(now + answer.expires_in.max(0)),
        api_base: String::new(),
    }
}

/// A non-2xx answer from HubSpot: OAuth's `{status: "BAD_AUTH_CODE", message}` or
/// `{error, error_description}`, the API's `{status: "error", category, message}`.
fn classify(status: u16, body: &[u8]) -> CrmError {
    let parsed: Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |name: &str| parsed.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let oauth_error = [text("error"), text("status")];
    match status {
        400 if oauth_error
            .iter()
            .any(|e| matches!(e.as_str(), "invalid_grant" | "BAD_AUTH_CODE" | "BAD_REFRESH_TOKEN")) =>
        {
            CrmError::InvalidGrant
        }
        401 => CrmError::Unauthorized,
        408 | 429 | 500..=599 => CrmError::Unavailable(format!("status {status}")),
        _ => {
            let message = [text("message"), text("error_description"), text("category"), text("error")]
                .into_iter()
                .find(|m| !m.is_empty())
                .unwrap_or_default();
            CrmError::Refused { status, message: message.chars().take(200).collect() }
        }
    }
}

/// Whether a refusal says that a property we wrote does not exist in the portal.
pub fn is_missing_property(error: &CrmError) -> bool {
    matches!(error, CrmError::Refused { status: 400, message } if message.contains("does not exist"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_answers_are_classified() {
        assert_eq!(
            classify(400, br#"{"status":"BAD_AUTH_CODE","message":"missing or unknown auth code"}"#),
            CrmError::InvalidGrant
        );
        assert_eq!(
            classify(401, br#"{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}"#),
            CrmError::Unauthorized
        );
        assert!(
            classify(
                429,
                br#"{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT"}"#
            )
            .is_transient()
        );
        let missing = classify(
            400,
            br#"{"status":"error","message":"Property values were not valid: [{\"isValid\":false,\"message\":\"Property \\\"aurora_system_size_kw\\\" does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\",\"name\":\"aurora_system_size_kw\"}]","category":"VALIDATION_ERROR"}"#,
        );
        assert!(is_missing_property(&missing), "{missing:?}");
    }

    #[test]
    fn addresses_read_from_the_default_properties() {
        let company: CrmObject = serde_json::from_value(json!({
            "id": "9", "properties": { "address": "901 Mears Ct", "city": "Stanford", "state": "CA", "zip": "94305", "country": "United States" }
        }))
        .expect("company");
        assert_eq!(company.address_line().as_deref(), Some("901 Mears Ct, Stanford, CA 94305, United States"));
        let no_street: CrmObject =
            serde_json::from_value(json!({ "id": "9", "properties": { "address": "  ", "city": "Stanford" } }))
                .expect("company");
        assert_eq!(no_street.address_line(), None);
    }

    /// A deal with two companies, as v3 answers it (the community thread's capture).
    #[test]
    fn associations_prefer_the_primary_company() {
        let deal: CrmObject = serde_json::from_value(json!({
            "id": "1", "properties": { "dealname": "Rivera" },
            "associations": {
                "companies": { "results": [
                    { "id": "11", "type": "deal_to_company_unlabeled" }, { "id": "12", "type": "deal_to_company_unlabeled" },
                    { "id": "12", "type": "deal_to_company" }
                ] },
                "contacts": { "results": [{ "id": "21", "type": "deal_to_contact" }, { "id": "22", "type": "deal_to_contact" }] }
            }
        }))
        .expect("deal");
        assert_eq!(deal.first_associated("companies").as_deref(), Some("12"));
        assert_eq!(deal.first_associated("contacts").as_deref(), Some("21"), "no primary contact: the first");
        assert_eq!(deal.first_associated("line_items"), None);
    }

    #[test]
    fn super_admin_flags_read_as_booleans_or_strings() {
        let user: User = serde_json::from_value(json!({ "id": "1", "superAdmin": "false" })).expect("user");
        assert!(!user.super_admin);
        let user: User = serde_json::from_value(json!({ "id": "1", "superAdmin": true })).expect("user");
        assert!(user.super_admin);
    }
}
