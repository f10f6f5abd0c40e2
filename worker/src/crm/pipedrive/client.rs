//! Our calls to Pipedrive: OAuth on its OAuth host (the client authenticates with HTTP
//! Basic, as Pipedrive requires), and the company's API on the `api_domain` its token
//! names: who installed us, deals with their organization or person, deal fields (found
//! by name: their keys differ per company), writing the figures, webhooks.

use crate::crm::tokens::OAuthTokens;
use crate::{
    crm::pipedrive::settings::PipedriveSettings,
    crm::{
        CrmError,
        http::{Auth, Body, CrmHttp, Part},
    },
};
use aurora_api::HttpTransport;
use http::Method;
use secrecy::ExposeSecret;
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::Value;
use std::sync::Arc;

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: String,
    expires_in: i64,
    api_domain: String,
}

/// Pipedrive's envelope: `{success, data}`.
#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

/// The user a token belongs to, from `GET /api/v1/users/me`.
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    /// The user.
    pub id: u64,
    /// For people.
    #[serde(default)]
    pub name: String,
    /// The company: the installation's account.
    pub company_id: u64,
    /// For people.
    #[serde(default)]
    pub company_name: String,
    /// What the user may do in each of Pipedrive's apps (`sales`, `global`, ...), as
    /// `users/me` answers since 2022
    /// (<https://developers.pipedrive.com/changelog/post/improvements-to-permissionsets-api-and-users-api>).
    #[serde(default)]
    pub access: Vec<Access>,
    /// The admin flag Pipedrive removed on 2023-08-09
    /// (<https://developers.pipedrive.com/changelog/post/removal-of-the-codeis_admincode-response-field-from-users-api>):
    /// read only from an answer without `access`.
    #[serde(default, deserialize_with = "flag")]
    is_admin: bool,
}

/// A user's rights in one of Pipedrive's apps.
#[derive(Debug, Clone, Deserialize)]
pub struct Access {
    /// `sales`, `global`, `projects`, `campaigns`, `account_settings`.
    #[serde(default)]
    pub app: String,
    /// An admin of that app.
    #[serde(default)]
    pub admin: bool,
}

impl Me {
    /// Whether the user administers the company's deals: an admin of Pipedrive's `global`
    /// app (the whole company) or of its `sales` app (deals, their fields and webhooks).
    pub fn is_admin(&self) -> bool {
        if self.access.is_empty() {
            return self.is_admin;
        }
        self.access.iter().any(|a| a.admin && matches!(a.app.as_str(), "global" | "sales"))
    }
}

fn flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Bool(flag) => flag,
        Value::Number(number) => number.as_u64() == Some(1),
        _ => false,
    })
}

/// A deal (API v2).
#[derive(Debug, Clone, Deserialize)]
pub struct Deal {
    /// Its id.
    pub id: u64,
    /// Its title.
    #[serde(default)]
    pub title: String,
    /// Its organization.
    #[serde(default)]
    pub org_id: Option<u64>,
    /// Its contact person.
    #[serde(default)]
    pub person_id: Option<u64>,
    /// Custom fields by key.
    #[serde(default)]
    pub custom_fields: serde_json::Map<String, Value>,
    /// Its stage.
    #[serde(default)]
    pub stage_id: Option<u64>,
    /// `open`, `won`, `lost` (or `deleted`).
    #[serde(default)]
    pub status: Option<String>,
}

/// A stage of a pipeline (`GET /api/v2/stages`).
#[derive(Debug, Clone, Deserialize)]
pub struct Stage {
    /// Its id (what a deal's `stage_id` holds).
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its place in its pipeline.
    #[serde(default)]
    pub order_nr: i64,
    /// Its pipeline.
    pub pipeline_id: u64,
}

/// A pipeline (`GET /api/v2/pipelines`).
#[derive(Debug, Clone, Deserialize)]
pub struct Pipeline {
    /// Its id.
    pub id: u64,
    /// Its name.
    pub name: String,
}

/// A deal field (API v1 `dealFields`).
#[derive(Debug, Clone, Deserialize)]
pub struct DealField {
    /// The key deals carry it under (a 40-character hash for custom fields).
    pub key: String,
    /// Its name.
    pub name: String,
    /// `double`, `varchar`, `address`, ...
    #[serde(default)]
    pub field_type: String,
}

/// A webhook subscription.
#[derive(Debug, Clone, Deserialize)]
pub struct Webhook {
    /// Where it delivers.
    pub subscription_url: String,
    /// `added`, `*`, ...
    #[serde(default)]
    pub event_action: String,
    /// `deal`, `*`, ...
    #[serde(default)]
    pub event_object: String,
    /// The Basic password it delivers with, when Pipedrive lists it (its reference lists
    /// `http_auth_password`: https://developers.pipedrive.com/docs/api/v1/Webhooks#getWebhooks).
    #[serde(default)]
    pub http_auth_password: Option<String>,
}

/// An address as Pipedrive's v2 answers carry it: the formatted `value` and its parts.
pub fn address_line(address: &Value) -> Option<String> {
    if let Some(value) = address.get("value").and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty()) {
        return Some(value.replace(['\n', '\r'], " "));
    }
    let part = |name: &str| address.get(name).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty());
    let street = [part("street_number"), part("route")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let region = [part("admin_area_level_1"), part("postal_code")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let line = [Some(street.as_str()), part("locality"), Some(region.as_str()), part("country")]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    (!street.is_empty()).then_some(line)
}

/// Pipedrive for our app. Cheap to clone.
#[derive(Clone)]
pub struct PipedriveClient {
    http: CrmHttp,
    oauth_url: String,
    client_id: String,
    client_secret: secrecy::SecretString,
    redirect_uri: String,
}

impl PipedriveClient {
    /// The client for `config` over `transport`.
    pub fn new(transport: Arc<dyn HttpTransport>, config: &PipedriveSettings) -> Self {
        PipedriveClient {
            http: CrmHttp::new(transport, classify),
            oauth_url: config.oauth_url.clone(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            redirect_uri: config.redirect_uri(),
        }
    }

    /// The consent page. Pipedrive ignores the PKCE parameters it does not use (RFC 7636
    /// servers without PKCE do): the state, single-use and cookie-bound, is the guard.
    pub fn authorize_url(&self, state: &str, code_challenge: &str) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("state", state)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        format!("{}/oauth/authorize?{query}", self.oauth_url)
    }

    fn client_auth(&self) -> Auth<'_> {
        Auth::Basic { user: &self.client_id, password: self.client_secret.expose_secret() }
    }

    /// Exchanges an authorization code, once.
    pub async fn exchange_code(&self, code: &str, code_verifier: &str, now: i64) -> Result<OAuthTokens, CrmError> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("code_verifier", code_verifier)
            .finish();
        let url = format!("{}/oauth/token", self.oauth_url);
        let answer: TokenResponse =
            self.http.send_once(Method::POST, &url, self.client_auth(), Body::Form(form)).await?;
        Ok(tokens_of(answer, now))
    }

    /// A new token pair, once (the old refresh token may stop working).
    pub async fn refresh(&self, refresh_token: &str, now: i64) -> Result<OAuthTokens, CrmError> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", refresh_token)
            .finish();
        let url = format!("{}/oauth/token", self.oauth_url);
        let answer: TokenResponse =
            self.http.send_once(Method::POST, &url, self.client_auth(), Body::Form(form)).await?;
        Ok(tokens_of(answer, now))
    }

    /// Revokes the refresh token: Pipedrive marks the app uninstalled for the company.
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), CrmError> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("token", refresh_token)
            .append_pair("token_type_hint", "refresh_token")
            .finish();
        let url = format!("{}/oauth/revoke", self.oauth_url);
        self.http
            .send::<serde::de::IgnoredAny>(Method::POST, &url, self.client_auth(), Body::Form(form))
            .await
            .map(|_| ())
    }

    /// Who the token belongs to.
    pub async fn me(&self, tokens: &OAuthTokens) -> Result<Me, CrmError> {
        self.get(tokens, "/api/v1/users/me").await
    }

    /// A deal.
    pub async fn deal(&self, tokens: &OAuthTokens, id: u64) -> Result<Deal, CrmError> {
        self.get(tokens, &format!("/api/v2/deals/{id}")).await
    }

    /// An organization's `address` (an object, or null).
    pub async fn organization_address(&self, tokens: &OAuthTokens, id: u64) -> Result<Value, CrmError> {
        let organization: Value = self.get(tokens, &format!("/api/v2/organizations/{id}")).await?;
        Ok(organization.get("address").cloned().unwrap_or(Value::Null))
    }

    /// A person's `postal_address` (present only when contact sync is on).
    pub async fn person_address(&self, tokens: &OAuthTokens, id: u64) -> Result<Value, CrmError> {
        let person: Value = self.get(tokens, &format!("/api/v2/persons/{id}")).await?;
        Ok(person.get("postal_address").cloned().unwrap_or(Value::Null))
    }

    /// The ids of the users who may see deal `id`, as its visibility decides
    /// (https://developers.pipedrive.com/docs/api/v1/Deals, "List permitted users":
    /// `GET /v1/deals/{id}/permittedUsers`, `data` an array of user ids).
    pub async fn permitted_users(&self, tokens: &OAuthTokens, id: u64) -> Result<Vec<u64>, CrmError> {
        let ids: Option<Vec<Value>> = self.get(tokens, &format!("/api/v1/deals/{id}/permittedUsers")).await?;
        // Ids as integers (Pipedrive's OpenAPI types them as numbers, so 7.0 counts too).
        let id = |value: &Value| {
            super::panel_token::id(value)
                .or_else(|| value.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1e15).map(|f| f as u64))
        };
        Ok(ids.unwrap_or_default().iter().filter_map(id).collect())
    }

    /// The company's deal fields.
    pub async fn deal_fields(&self, tokens: &OAuthTokens) -> Result<Vec<DealField>, CrmError> {
        self.get(tokens, "/api/v1/dealFields?limit=500").await
    }

    /// Creates a deal field (the `admin` scope).
    pub async fn create_deal_field(
        &self,
        tokens: &OAuthTokens,
        name: &str,
        field_type: &str,
    ) -> Result<DealField, CrmError> {
        let url = format!("{}/api/v1/dealFields", tokens.api_base);
        let body = serde_json::json!({ "name": name, "field_type": field_type });
        let created: Envelope<DealField> =
            self.http.send(Method::POST, &url, Auth::Bearer(&tokens.access_token), Body::Json(body)).await?;
        Ok(created.data)
    }

    /// Writes `custom_fields` (by key) onto a deal, and its `value` (its amount) when given.
    pub async fn update_deal(
        &self,
        tokens: &OAuthTokens,
        id: u64,
        custom_fields: Value,
        value: Option<f64>,
    ) -> Result<(), CrmError> {
        let url = format!("{}/api/v2/deals/{id}", tokens.api_base);
        let mut body = serde_json::json!({ "custom_fields": custom_fields });
        if let Some(value) = value {
            body["value"] = value.into();
        }
        self.http
            .send::<serde::de::IgnoredAny>(Method::PATCH, &url, Auth::Bearer(&tokens.access_token), Body::Json(body))
            .await
            .map(|_| ())
    }

    /// Adds a note to a deal (`POST /api/v1/notes` with `deal_id`; the content is HTML:
    /// https://developers.pipedrive.com/docs/api/v1/Notes#addNote; scope `deals:full`).
    /// Sent once: a repeat would add a second note.
    pub async fn add_note(&self, tokens: &OAuthTokens, deal_id: u64, html: &str) -> Result<(), CrmError> {
        let url = format!("{}/api/v1/notes", tokens.api_base);
        let body = serde_json::json!({ "deal_id": deal_id, "content": html });
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

    /// Attaches a file to a deal (`POST /api/v1/files`, multipart `file` and `deal_id`:
    /// https://developers.pipedrive.com/docs/api/v1/Files#addFile). Sent once: a repeat
    /// would attach a second copy.
    pub async fn add_file(
        &self,
        tokens: &OAuthTokens,
        deal_id: u64,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<(), CrmError> {
        let url = format!("{}/api/v1/files", tokens.api_base);
        let parts =
            vec![Part::file("file", file_name, content_type, bytes), Part::text("deal_id", &deal_id.to_string())];
        self.http
            .send_once::<serde::de::IgnoredAny>(
                Method::POST,
                &url,
                Auth::Bearer(&tokens.access_token),
                Body::Multipart(parts),
            )
            .await
            .map(|_| ())
    }

    /// Every stage of the company's pipelines (https://developers.pipedrive.com/docs/api/v1/Stages#getStages).
    pub async fn stages(&self, tokens: &OAuthTokens) -> Result<Vec<Stage>, CrmError> {
        self.get(tokens, "/api/v2/stages").await
    }

    /// The company's pipelines (https://developers.pipedrive.com/docs/api/v1/Pipelines#getPipelines).
    pub async fn pipelines(&self, tokens: &OAuthTokens) -> Result<Vec<Pipeline>, CrmError> {
        self.get(tokens, "/api/v2/pipelines").await
    }

    /// Moves a deal to a stage (`PATCH /api/v2/deals/{id}` with `stage_id`).
    pub async fn set_stage(&self, tokens: &OAuthTokens, id: u64, stage_id: u64) -> Result<(), CrmError> {
        let url = format!("{}/api/v2/deals/{id}", tokens.api_base);
        let body = serde_json::json!({ "stage_id": stage_id });
        self.http
            .send::<serde::de::IgnoredAny>(Method::PATCH, &url, Auth::Bearer(&tokens.access_token), Body::Json(body))
            .await
            .map(|_| ())
    }

    /// The company's webhooks.
    pub async fn webhooks(&self, tokens: &OAuthTokens) -> Result<Vec<Webhook>, CrmError> {
        self.get(tokens, "/api/v1/webhooks").await
    }

    /// Subscribes `url` to new deals (webhooks v2, whose actions are `create`, `change`,
    /// `delete` and `*`: <https://pipedrive.readme.io/docs/guide-for-webhooks-v2>), with HTTP
    /// Basic credentials.
    pub async fn subscribe(&self, tokens: &OAuthTokens, url: &str, user: &str, password: &str) -> Result<(), CrmError> {
        let endpoint = format!("{}/api/v1/webhooks", tokens.api_base);
        let body = serde_json::json!({
            "subscription_url": url, "event_action": "create", "event_object": "deal", "version": "2.0",
            "http_auth_user": user, "http_auth_password": password,
        });
        self.http
            .send::<serde::de::IgnoredAny>(
                Method::POST,
                &endpoint,
                Auth::Bearer(&tokens.access_token),
                Body::Json(body),
            )
            .await
            .map(|_| ())
    }

    async fn get<T: DeserializeOwned>(&self, tokens: &OAuthTokens, path: &str) -> Result<T, CrmError> {
        let url = format!("{}{path}", tokens.api_base);
        let answer: Envelope<T> =
            self.http.send(Method::GET, &url, Auth::Bearer(&tokens.access_token), Body::None).await?;
        Ok(answer.data)
    }
}

fn tokens_of(answer: TokenResponse, now: i64) -> OAuthTokens {
    OAuthTokens {
        access_token: answer.access_token,
        refresh_token: answer.refresh_token,
        expires_at: Some(now + answer.expires_in.max(0)),
        api_base: answer.api_domain.trim_end_matches('/').to_owned(),
    }
}

/// A non-2xx answer from Pipedrive: OAuth's `{error, error_description}`, the API's
/// `{success: false, error, error_info}`.
fn classify(status: u16, body: &[u8]) -> CrmError {
    let parsed: Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |name: &str| parsed.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    match status {
        400 if text("error") == "invalid_grant" => CrmError::InvalidGrant,
        401 => CrmError::Unauthorized,
        408 | 429 | 500..=599 => CrmError::Unavailable(format!("status {status}")),
        _ => {
            let message = [text("error_description"), text("error"), text("error_info")]
                .into_iter()
                .find(|m| !m.is_empty())
                .unwrap_or_default();
            CrmError::Refused { status, message: message.chars().take(200).collect() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pipedrive_answers_are_classified() {
        assert_eq!(
            classify(
                400,
                br#"{"error":"invalid_grant","error_description":"Invalid grant: authorization code is invalid"}"#
            ),
            CrmError::InvalidGrant
        );
        assert_eq!(
            classify(401, br#"{"success":false,"error":"unauthorized access","errorCode":401}"#),
            CrmError::Unauthorized
        );
        assert!(classify(429, b"").is_transient());
        assert_eq!(
            classify(403, br#"{"success":false,"error":"Scope and URL mismatch","error_info":"Please check developers.pipedrive.com"}"#),
            CrmError::Refused { status: 403, message: "Scope and URL mismatch".into() }
        );
    }

    #[test]
    fn addresses_read_from_their_value_or_their_parts() {
        assert_eq!(
            address_line(&json!({ "value": "901 Mears Ct, Stanford, CA 94305, USA" })).as_deref(),
            Some("901 Mears Ct, Stanford, CA 94305, USA")
        );
        let parts = json!({ "value": null, "street_number": "901", "route": "Mears Ct", "locality": "Stanford",
                            "admin_area_level_1": "CA", "postal_code": "94305", "country": "United States" });
        assert_eq!(address_line(&parts).as_deref(), Some("901 Mears Ct, Stanford, CA 94305, United States"));
        assert_eq!(address_line(&json!({ "locality": "Stanford" })), None);
        assert_eq!(address_line(&Value::Null), None);
    }

    /// `users/me` as Pipedrive answers today: `access[]`, no `is_admin` (the changelog's
    /// example, https://developers.pipedrive.com/changelog/post/improvements-to-permissionsets-api-and-users-api).
    #[test]
    fn admins_are_read_from_access_and_the_removed_flag_only_without_it() {
        let admin: Me = serde_json::from_value(json!({ "id": 1, "company_id": 2, "access": [
            { "app": "sales", "admin": false, "permission_set_id": "f07d229d-088a-4144-a40f-1fe64295d180" },
            { "app": "global", "admin": true, "permission_set_id": "233b7976-39bd-43a9-b305-ef3a2b0998e5" },
        ] }))
        .expect("me");
        assert!(admin.is_admin());
        let rep: Me = serde_json::from_value(json!({ "id": 1, "company_id": 2, "access": [
            { "app": "sales", "admin": false }, { "app": "global", "admin": false }, { "app": "projects", "admin": true },
        ] }))
        .expect("me");
        assert!(!rep.is_admin(), "an admin of projects only does not administer deals");
        let contradicted: Me = serde_json::from_value(
            json!({ "id": 1, "company_id": 2, "is_admin": true, "access": [{ "app": "sales" }] }),
        )
        .expect("me");
        assert!(!contradicted.is_admin(), "access wins over the removed flag");
        let older: Me = serde_json::from_value(json!({ "id": 1, "company_id": 2, "is_admin": 1 })).expect("me");
        assert!(older.is_admin());
        let older: Me = serde_json::from_value(json!({ "id": 1, "company_id": 2, "is_admin": false })).expect("me");
        assert!(!older.is_admin());
    }
}
