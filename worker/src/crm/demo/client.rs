//! Our calls to the demo CRM: the OAuth code exchange and refresh (server-side, with the
//! client secret), who installed us, webhook subscriptions, and writing opportunity
//! fields. Every call is idempotent and retried the way Aurora calls are: `Retry-After`
//! on 429, jittered backoff on 5xx and transport failures, never on other 4xx.

use super::webhook::CrmOpportunity;
use crate::crm::tokens::OAuthTokens;
use crate::{
    crm::demo::settings::DemoCrmSettings,
    crm::{
        CrmError,
        http::{Auth, Body, CrmHttp, encode_segment},
    },
};
use aurora_api::HttpTransport;
use http::Method;
use secrecy::ExposeSecret;
use serde::Deserialize;
use std::sync::Arc;

/// The token endpoint's answer.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: String,
    expires_in: i64,
    account_id: String,
}

/// One of the demo CRM's stages.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoStage {
    /// Its id.
    pub id: String,
    /// Its name.
    pub label: String,
    /// Its place: later stages have larger numbers.
    pub order: i64,
    /// Won or lost.
    pub closed: bool,
}

/// The account and the installing user, from `GET /api/v1/me`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Me {
    pub account: MeAccount,
    /// The user whose consent the token carries.
    pub user: MeUser,
}

/// The account part of [`Me`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MeAccount {
    pub id: String,
    pub name: String,
}

/// The user part of [`Me`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MeUser {
    pub id: String,
    pub name: String,
    /// `admin` or `rep`.
    pub role: String,
}

impl MeUser {
    /// Admins may install and configure apps.
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

/// A webhook subscription in the CRM.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CrmWebhook {
    pub id: String,
    pub event: String,
    /// Where it is delivered.
    pub target_url: String,
}

#[derive(Deserialize)]
struct WebhookList {
    webhooks: Vec<CrmWebhook>,
}

#[derive(Deserialize)]
struct WebhookEnvelope {
    webhook: CrmWebhook,
}

/// The demo CRM's API for our app. Cheap to clone.
#[derive(Clone)]
pub struct DemoCrmClient {
    http: CrmHttp,
    base_url: String,
    client_id: String,
    client_secret: secrecy::SecretString,
    redirect_uri: String,
}

impl DemoCrmClient {
    /// A client for `config` over the host's transport.
    pub fn new(http: Arc<dyn HttpTransport>, config: &DemoCrmSettings) -> Self {
        DemoCrmClient {
            http: CrmHttp::new(http, classify),
            base_url: config.base_url.clone(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            redirect_uri: config.redirect_uri(),
        }
    }

    /// Where the admin's browser goes to consent, with the install's PKCE S256 challenge.
    pub fn authorize_url(&self, state: &str, scope: &str, code_challenge: &str) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("state", state)
            .append_pair("scope", scope)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        format!("{}/oauth/authorize?{query}", self.base_url)
    }

    /// Exchanges an authorization code (server-side, with our client secret and the PKCE
    /// verifier). Never repeated: the CRM spends a code on its first exchange.
    pub async fn exchange_code(
        &self,
        code: &str,
        code_verifier: &str,
        now: i64,
    ) -> Result<(OAuthTokens, String), CrmError> {
        let form = self.token_form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.redirect_uri),
            ("code_verifier", code_verifier),
        ]);
        let answer: TokenResponse =
            self.http.send_once(Method::POST, &self.url("/oauth/token"), Auth::None, Body::Form(form)).await?;
        let account = answer.account_id.clone();
        Ok((tokens_of(answer, now), account))
    }

    /// New access token from the refresh token. Not repeated within the call: on a CRM that
    /// rotates refresh tokens a repeat would spend the grant (the caller's next request
    /// refreshes again).
    pub async fn refresh(&self, refresh_token: &str, now: i64) -> Result<OAuthTokens, CrmError> {
        let form = self.token_form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]);
        let answer: TokenResponse =
            self.http.send_once(Method::POST, &self.url("/oauth/token"), Auth::None, Body::Form(form)).await?;
        Ok(tokens_of(answer, now))
    }

    /// Revokes the installation's tokens: the CRM uninstalls the app from the account.
    pub async fn revoke(&self, token: &str) -> Result<(), CrmError> {
        let form = self.token_form(&[("token", token)]);
        self.http
            .send::<serde::de::IgnoredAny>(Method::POST, &self.url("/oauth/revoke"), Auth::None, Body::Form(form))
            .await
            .map(|_| ())
    }

    /// The account and the user who consented.
    pub async fn me(&self, access_token: &str) -> Result<Me, CrmError> {
        self.http.send(Method::GET, &self.url("/api/v1/me"), Auth::Bearer(access_token), Body::None).await
    }

    /// The account's webhook subscriptions (ours).
    pub async fn list_webhooks(&self, access_token: &str) -> Result<Vec<CrmWebhook>, CrmError> {
        let list: WebhookList =
            self.http.send(Method::GET, &self.url("/api/v1/webhooks"), Auth::Bearer(access_token), Body::None).await?;
        Ok(list.webhooks)
    }

    /// Subscribes `event` to `target_url` (the CRM answers an existing equal subscription).
    pub async fn subscribe(&self, access_token: &str, event: &str, target_url: &str) -> Result<CrmWebhook, CrmError> {
        let body = serde_json::json!({ "event": event, "target_url": target_url });
        let created: WebhookEnvelope = self
            .http
            .send(Method::POST, &self.url("/api/v1/webhooks"), Auth::Bearer(access_token), Body::Json(body))
            .await?;
        Ok(created.webhook)
    }

    /// One opportunity of the account, with its site.
    pub async fn opportunity(&self, access_token: &str, opportunity_id: &str) -> Result<CrmOpportunity, CrmError> {
        #[derive(Deserialize)]
        struct Envelope {
            opportunity: CrmOpportunity,
        }
        let path = format!("/api/v1/opportunities/{}", encode_segment(opportunity_id));
        let found: Envelope =
            self.http.send(Method::GET, &self.url(&path), Auth::Bearer(access_token), Body::None).await?;
        Ok(found.opportunity)
    }

    /// Attaches a file to an opportunity (`POST .../attachments`, its bytes base64). Sent
    /// once: a repeat would attach a second copy.
    pub async fn add_attachment(
        &self,
        access_token: &str,
        opportunity_id: &str,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), CrmError> {
        use base64::Engine;
        let path = format!("/api/v1/opportunities/{}/attachments", encode_segment(opportunity_id));
        let body = serde_json::json!({
            "name": name, "content_type": content_type,
            "data_base64": base64::engine::general_purpose::STANDARD.encode(bytes),
        });
        self.http
            .send_once::<serde::de::IgnoredAny>(
                Method::POST,
                &self.url(&path),
                Auth::Bearer(access_token),
                Body::Json(body),
            )
            .await
            .map(|_| ())
    }

    /// The account's opportunity stages (`GET /api/v1/stages`): one pipeline, in order.
    pub async fn stages(&self, access_token: &str) -> Result<Vec<DemoStage>, CrmError> {
        #[derive(Deserialize)]
        struct Stages {
            stages: Vec<DemoStage>,
        }
        let found: Stages =
            self.http.send(Method::GET, &self.url("/api/v1/stages"), Auth::Bearer(access_token), Body::None).await?;
        Ok(found.stages)
    }

    /// An opportunity's stage id.
    pub async fn opportunity_stage(&self, access_token: &str, opportunity_id: &str) -> Result<String, CrmError> {
        #[derive(Deserialize)]
        struct Staged {
            stage: String,
        }
        #[derive(Deserialize)]
        struct Envelope {
            opportunity: Staged,
        }
        let path = format!("/api/v1/opportunities/{}", encode_segment(opportunity_id));
        let found: Envelope =
            self.http.send(Method::GET, &self.url(&path), Auth::Bearer(access_token), Body::None).await?;
        Ok(found.opportunity.stage)
    }

    /// Moves an opportunity to a stage (an absolute value: repeating is harmless).
    pub async fn set_stage(&self, access_token: &str, opportunity_id: &str, stage: &str) -> Result<(), CrmError> {
        let path = format!("/api/v1/opportunities/{}", encode_segment(opportunity_id));
        let body = serde_json::json!({ "stage": stage });
        self.http
            .send::<serde::de::IgnoredAny>(
                Method::PATCH,
                &self.url(&path),
                Auth::Bearer(access_token),
                Body::Json(body),
            )
            .await
            .map(|_| ())
    }

    /// Sets custom fields of an opportunity (absolute values: repeating is harmless).
    pub async fn update_opportunity_fields(
        &self,
        access_token: &str,
        opportunity_id: &str,
        fields: &serde_json::Value,
        amount: Option<f64>,
    ) -> Result<(), CrmError> {
        let path = format!("/api/v1/opportunities/{}", encode_segment(opportunity_id));
        let mut body = serde_json::json!({ "fields": fields });
        if let Some(amount) = amount {
            body["amount"] = amount.into();
        }
        self.http
            .send::<serde::de::IgnoredAny>(
                Method::PATCH,
                &self.url(&path),
                Auth::Bearer(access_token),
                Body::Json(body),
            )
            .await
            .map(|_| ())
    }

    /// Adds an activity to an opportunity's timeline (`POST .../activities`): sent once, as
    /// a repeat would add a second entry.
    pub async fn add_activity(
        &self,
        access_token: &str,
        opportunity_id: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), CrmError> {
        let path = format!("/api/v1/opportunities/{}/activities", encode_segment(opportunity_id));
        let body = serde_json::json!({ "subject": subject, "body": body });
        self.http
            .send_once::<serde::de::IgnoredAny>(
                Method::POST,
                &self.url(&path),
                Auth::Bearer(access_token),
                Body::Json(body),
            )
            .await
            .map(|_| ())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn token_form(&self, pairs: &[(&str, &str)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .append_pair("client_id", &self.client_id)
            .append_pair("client_secret", self.client_secret.expose_secret())
            .finish()
    }
}

fn tokens_of(answer: TokenResponse, now: i64) -> OAuthTokens {
    OAuthTokens {
        access_token: answer.access_token,
        refresh_token: answer.refresh_token,
        expires_at: Some(now + answer.expires_in.max(0)),
        api_base: String::new(),
    }
}

/// A non-2xx answer as a [`CrmError`], with the CRM's message when it sent one.
fn classify(status: u16, body: &[u8]) -> CrmError {
    #[derive(Deserialize, Default)]
    struct ErrorBody {
        #[serde(default)]
        error: String,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        error_description: Option<String>,
    }
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    match status {
        400 if parsed.error == "invalid_grant" => CrmError::InvalidGrant,
        401 => CrmError::Unauthorized,
        408 | 429 | 500..=599 => CrmError::Unavailable(format!("status {status}")),
        _ => CrmError::Refused {
            status,
            message: parsed.message.or(parsed.error_description).unwrap_or(parsed.error).chars().take(200).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified_for_retrying() {
        assert_eq!(classify(400, br#"{"error":"invalid_grant","error_description":"used"}"#), CrmError::InvalidGrant);
        assert_eq!(classify(401, b""), CrmError::Unauthorized);
        assert!(classify(429, b"").is_transient());
        assert!(classify(503, b"{}").is_transient());
        let refused = classify(422, br#"{"error":"unknown_field","message":"no custom field x"}"#);
        assert_eq!(refused, CrmError::Refused { status: 422, message: "no custom field x".into() });
        assert!(!refused.is_transient());
    }
}
