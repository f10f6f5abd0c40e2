//! The one way we call Aurora: typed calls over a small [`HttpTransport`] (reqwest on the
//! native host, `fetch` on Workers) with one retry policy.
//!
//! The policy [doc, int]: honour `Retry-After` on 429; exponential backoff with jitter on
//! 5xx, timeouts and dropped connections, bounded; 409 ("operation in progress") retried
//! shortly; 400/401/403/404/422 never retried. A call that creates a project is never
//! retried when its outcome is unknown: Aurora has no idempotency keys, so a retried POST
//! can create a second project [int].

use crate::{
    ApplicationId, ApplicationKey, BearerToken, DesignId, ProjectId, SessionToken, TenantId, WebhookId,
    designs::{DesignList, DesignListItem, reading::ReadSummary},
    error::{AuroraError, TransportError},
    projects::{Project, ProjectEnvelope, ProjectPage, ProjectRequest},
    tokens::{CreateTokenResponse, TemporaryKey},
    webhooks::{
        PartnerWebhook, PartnerWebhookEnvelope, PartnerWebhookList, PartnerWebhookRequest, TriggerRequest,
        TriggerValues, UrlParameter,
    },
};
use async_trait::async_trait;
use backon::{BackoffBuilder, ExponentialBuilder};
use http::{HeaderValue, Method, Request, Response, header};
use serde::{Serialize, de::DeserializeOwned};
use std::{sync::Arc, time::Duration};

/// What the client needs from its host: send one request, and wait.
///
/// Implementations must never put the request's URL or headers into their errors: the
/// URL of create_token carries a session token, and headers carry keys.
#[async_trait]
pub trait HttpTransport: Send + Sync + 'static {
    /// Sends `request` and reads the whole answer, giving up after `timeout`.
    async fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Result<Response<Vec<u8>>, TransportError>;
    /// Waits `duration` on the host's timer (retry backoff).
    async fn sleep(&self, duration: Duration);
    /// The host's real time, milliseconds since the Unix epoch: what [`Self::sleep`] sleeps
    /// against. Callers that schedule real calls (pacing) read it here, not from a clock a
    /// test may have frozen.
    fn now_ms(&self) -> i64;
}

/// Projects asked for per page when looking one up (Aurora's largest page [doc]).
pub const PROJECTS_PER_PAGE: usize = 250;
/// Pages looked through before concluding a project is not there (2,000 projects, newest
/// first: a project we just created is on the first).
pub const MAX_PROJECT_PAGES: usize = 8;

/// Bounds of the retry policy. Defaults suit a request a rep is waiting on.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: usize,
    /// First backoff delay (then doubling, with jitter).
    pub base_delay: Duration,
    /// Longest backoff delay.
    pub max_delay: Duration,
    /// Wait before retrying a 409.
    pub conflict_delay: Duration,
    /// Longest `Retry-After` we wait; longer ones end the call with `RateLimited`.
    pub max_retry_after: Duration,
    /// Per-attempt timeout.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            conflict_delay: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(60),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// Whether repeating a call can do harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, updates of a known object, token minting: repeating is harmless.
    Repeatable,
    /// Creates an object Aurora cannot deduplicate: repeat only when it surely did not happen.
    CreatesObject,
}

impl RetryPolicy {
    /// Whether `error` is worth another attempt.
    pub fn is_retryable(&self, error: &AuroraError, idempotency: Idempotency) -> bool {
        match error {
            AuroraError::RateLimited { retry_after } => retry_after.is_none_or(|d| d <= self.max_retry_after),
            AuroraError::Transport(TransportError::Connect(_)) => true,
            // Waiting here would hold the caller as long as the pacing refused to.
            AuroraError::Transport(TransportError::Throttled(_)) => false,
            // A 409 means "operation in progress", possibly "partially processed" [doc]: a
            // create may have happened, so it is an unknown outcome, never a blind retry.
            AuroraError::Conflict(_) | AuroraError::Server { .. } | AuroraError::Transport(_) => {
                idempotency == Idempotency::Repeatable
            }
            _ => false,
        }
    }

    /// The wait before the next attempt: Aurora's `Retry-After` on 429, a short fixed wait
    /// on 409, else the jittered backoff. `None` when the attempts are used up.
    pub fn delay(&self, error: &AuroraError, backoff: Option<Duration>) -> Option<Duration> {
        let backoff = backoff?;
        Some(match error {
            AuroraError::RateLimited { retry_after: Some(after) } => *after,
            AuroraError::Conflict(_) => self.conflict_delay,
            _ => backoff,
        })
    }

    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1))
            .with_jitter()
    }
}

/// The largest document fetched from a download link (a signed agreement is a few
/// hundred kilobytes; CRMs take files well above this).
pub const MAX_DOCUMENT_BYTES: usize = 25 * 1024 * 1024;

/// Typed calls to Aurora's partner and tenant endpoints.
#[derive(Clone)]
pub struct AuroraClient {
    transport: Arc<dyn HttpTransport>,
    base_url: String,
    application_id: ApplicationId,
    application_key: ApplicationKey,
    api_version: Option<String>,
    policy: RetryPolicy,
}

impl std::fmt::Debug for AuroraClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuroraClient")
            .field("base_url", &self.base_url)
            .field("application_id", &self.application_id)
            .field("application_key", &self.application_key)
            .finish_non_exhaustive()
    }
}

/// Who a request authenticates as.
#[derive(Clone)]
enum Auth {
    Application,
    Tenant(BearerToken),
}

impl AuroraClient {
    /// `/partner_applications/{application_id}`, the id percent-encoded (it is opaque).
    fn application_path(&self) -> String {
        format!("/partner_applications/{}", encode(self.application_id.as_str()))
    }

    /// A client for `base_url` (checked with [`crate::hosts::checked_base_url`] by the caller).
    pub fn new(
        transport: Arc<dyn HttpTransport>,
        base_url: &str,
        application_id: ApplicationId,
        application_key: ApplicationKey,
    ) -> Self {
        AuroraClient {
            transport,
            base_url: base_url.trim_end_matches('/').to_owned(),
            application_id,
            application_key,
            api_version: None,
            policy: RetryPolicy::default(),
        }
    }

    /// Sends `Aurora-API-Version: {version}` on every call.
    pub fn with_api_version(mut self, version: &str) -> Self {
        self.api_version = Some(version.to_owned());
        self
    }

    /// Replaces the retry policy.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Mints a temporary key for `tenant`, with the application key. A session token is
    /// single-use: pass one only if it was never exchanged.
    pub async fn create_token(
        &self,
        tenant: TenantId,
        session_token: Option<&SessionToken>,
    ) -> Result<TemporaryKey, AuroraError> {
        let mut path = format!("{}/tenants/{tenant}/create_token", self.application_path());
        if let Some(session) = session_token {
            path.push_str("?session_token=");
            path.push_str(&crate::webhooks::percent_encode_component(session.expose()));
        }
        let answer: CreateTokenResponse = self
            .call("create_token", Method::POST, &path, Auth::Application, None::<&()>, Idempotency::Repeatable)
            .await?;
        Ok(answer.token)
    }

    /// Every partner webhook subscription of the application.
    pub async fn list_webhooks(&self) -> Result<Vec<PartnerWebhook>, AuroraError> {
        let path = format!("{}/webhooks", self.application_path());
        let list: PartnerWebhookList = self
            .call("list_webhooks", Method::GET, &path, Auth::Application, None::<&()>, Idempotency::Repeatable)
            .await?;
        Ok(list.partner_application_webhooks)
    }

    /// Subscribes a partner webhook.
    pub async fn create_webhook(&self, request: &PartnerWebhookRequest) -> Result<PartnerWebhook, AuroraError> {
        let path = format!("{}/webhooks", self.application_path());
        let body = PartnerWebhookEnvelope { partner_application_webhook: request };
        // A duplicate subscription is harmless to delivery (we dedupe events) and is
        // found and reused by the next list-then-create, so retrying is acceptable here.
        let created: PartnerWebhookEnvelope<PartnerWebhook> = self
            .call("create_webhook", Method::POST, &path, Auth::Application, Some(&body), Idempotency::Repeatable)
            .await?;
        Ok(created.partner_application_webhook)
    }

    /// One subscription.
    pub async fn get_webhook(&self, id: &WebhookId) -> Result<PartnerWebhook, AuroraError> {
        let path = format!("{}/webhooks/{}", self.application_path(), encode(id.as_str()));
        let found: PartnerWebhookEnvelope<PartnerWebhook> = self
            .call("get_webhook", Method::GET, &path, Auth::Application, None::<&()>, Idempotency::Repeatable)
            .await?;
        Ok(found.partner_application_webhook)
    }

    /// Replaces a subscription's settings.
    pub async fn update_webhook(
        &self,
        id: &WebhookId,
        request: &PartnerWebhookRequest,
    ) -> Result<PartnerWebhook, AuroraError> {
        let path = format!("{}/webhooks/{}", self.application_path(), encode(id.as_str()));
        let body = PartnerWebhookEnvelope { partner_application_webhook: request };
        let updated: PartnerWebhookEnvelope<PartnerWebhook> = self
            .call("update_webhook", Method::PUT, &path, Auth::Application, Some(&body), Idempotency::Repeatable)
            .await?;
        Ok(updated.partner_application_webhook)
    }

    /// Asks Aurora to deliver subscription `id` now, with `values` for its placeholders
    /// (Aurora's test trigger [doc]: `POST /application_partners/{app}/webhooks/{id}/trigger`).
    pub async fn trigger_webhook(&self, id: &WebhookId, values: &[(&str, &str)]) -> Result<(), AuroraError> {
        let path = format!(
            "/application_partners/{}/webhooks/{}/trigger",
            encode(self.application_id.as_str()),
            encode(id.as_str())
        );
        let url_parameters =
            values.iter().map(|(name, value)| UrlParameter { name: (*name).to_owned(), value: (*value).to_owned() });
        let body =
            TriggerRequest { application_partner_webhook: TriggerValues { url_parameters: url_parameters.collect() } };
        // A repeat only sends one more test delivery.
        self.call::<_, serde::de::IgnoredAny>(
            "trigger_webhook",
            Method::POST,
            &path,
            Auth::Application,
            Some(&body),
            Idempotency::Repeatable,
        )
        .await
        .map(|_| ())
    }

    /// Creates a project. Never retried once it may have reached Aurora: an unknown
    /// outcome is [`AuroraError::OutcomeUnknown`], to be reconciled by the caller.
    pub async fn create_project(
        &self,
        key: &BearerToken,
        tenant: TenantId,
        request: &ProjectRequest,
    ) -> Result<Project, AuroraError> {
        let path = format!("/tenants/{tenant}/projects");
        let body = ProjectEnvelope { project: request };
        let created: ProjectEnvelope<Project> = self
            .call(
                "create_project",
                Method::POST,
                &path,
                Auth::Tenant(key.clone()),
                Some(&body),
                Idempotency::CreatesObject,
            )
            .await?;
        Ok(created.project)
    }

    /// One project.
    pub async fn get_project(
        &self,
        key: &BearerToken,
        tenant: TenantId,
        id: ProjectId,
    ) -> Result<Project, AuroraError> {
        let path = format!("/tenants/{tenant}/projects/{id}");
        let found: ProjectEnvelope<Project> = self
            .call("get_project", Method::GET, &path, Auth::Tenant(key.clone()), None::<&()>, Idempotency::Repeatable)
            .await?;
        Ok(found.project)
    }

    /// The project whose `external_provider_id` is `external_provider_id`, if Aurora lists
    /// one. Pages through the tenant's projects ([`PROJECTS_PER_PAGE`] a page, Aurora's
    /// newest first [guess]) up to [`MAX_PROJECT_PAGES`], matching on our side (the filter
    /// parameter is sent, but not relied on); a project that cannot be read is skipped.
    pub async fn find_project(
        &self,
        key: &BearerToken,
        tenant: TenantId,
        external_provider_id: &str,
    ) -> Result<Option<Project>, AuroraError> {
        for page in 1..=MAX_PROJECT_PAGES {
            let path = format!(
                "/tenants/{tenant}/projects?external_provider_id={}&page={page}&per_page={PROJECTS_PER_PAGE}",
                encode(external_provider_id)
            );
            let auth = Auth::Tenant(key.clone());
            let list: ProjectPage =
                self.call("find_project", Method::GET, &path, auth, None::<&()>, Idempotency::Repeatable).await?;
            for shape in &list.unreadable {
                tracing::warn!(operation = "find_project", page, shape, "a listed project could not be read; skipped");
            }
            let ours =
                list.projects.into_iter().find(|p| p.external_provider_id.as_deref() == Some(external_provider_id));
            if ours.is_some() || list.listed < PROJECTS_PER_PAGE {
                return Ok(ours);
            }
        }
        Ok(None)
    }

    /// A project's designs.
    pub async fn list_designs(
        &self,
        key: &BearerToken,
        tenant: TenantId,
        project: ProjectId,
    ) -> Result<Vec<DesignListItem>, AuroraError> {
        let path = format!("/tenants/{tenant}/projects/{project}/designs");
        let list: DesignList = self
            .call("list_designs", Method::GET, &path, Auth::Tenant(key.clone()), None::<&()>, Idempotency::Repeatable)
            .await?;
        Ok(list.designs)
    }

    /// A design's summary, read leniently: what could be read, and the field paths that
    /// could not (see [`crate::designs::reading`]).
    pub async fn get_design_summary(
        &self,
        key: &BearerToken,
        tenant: TenantId,
        design: DesignId,
    ) -> Result<ReadSummary, AuroraError> {
        let operation = "get_design_summary";
        let path = format!("/tenants/{tenant}/designs/{design}/summary");
        let answer: serde_json::Value = self
            .call(operation, Method::GET, &path, Auth::Tenant(key.clone()), None::<&()>, Idempotency::Repeatable)
            .await?;
        crate::designs::reading::summary(&answer).map_err(|error| AuroraError::Decode {
            operation,
            reason: format!("{error}; the answer's shape: {}", crate::shape::of(&answer)),
        })
    }

    /// A design's price ([`crate::pricing`]): `Ok(None)` when the tenant's plan does not
    /// provide pricing (403: "not provisioned for this key"; 404 likewise, the endpoint not
    /// being there for the tenant), which is no failure of anyone's.
    pub async fn get_design_pricing(
        &self,
        key: &BearerToken,
        tenant: TenantId,
        design: DesignId,
    ) -> Result<Option<crate::DesignPricing>, AuroraError> {
        let operation = "get_design_pricing";
        let path = format!("/tenants/{tenant}/designs/{design}/pricing");
        let answer: serde_json::Value = match self
            .call(operation, Method::GET, &path, Auth::Tenant(key.clone()), None::<&()>, Idempotency::Repeatable)
            .await
        {
            Ok(answer) => answer,
            Err(AuroraError::Forbidden(_) | AuroraError::NotFound(_)) => return Ok(None),
            Err(error) => return Err(error),
        };
        crate::pricing::read(&answer).map(Some).map_err(|error| undecodable(operation, error, &answer))
    }

    /// A tenant endpoint's answer, or `None` where the tenant's plan does not provide the
    /// endpoint (403, "not provisioned for this key") or Aurora has no such object (404).
    async fn read_if_provided(
        &self,
        operation: &'static str,
        key: &BearerToken,
        path: &str,
    ) -> Result<Option<serde_json::Value>, AuroraError> {
        match self
            .call(operation, Method::GET, path, Auth::Tenant(key.clone()), None::<&()>, Idempotency::Repeatable)
            .await
        {
            Ok(answer) => Ok(Some(answer)),
            Err(AuroraError::Forbidden(_) | AuroraError::NotFound(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// An agreement ([`crate::sale`]), as it stands now; `None` where the tenant's plan
    /// has no agreements or Aurora has no such agreement.
    pub async fn get_agreement(
        &self,
        key: &BearerToken,
        tenant: TenantId,
        agreement: crate::AgreementId,
    ) -> Result<Option<crate::Agreement>, AuroraError> {
        let operation = "get_agreement";
        let Some(answer) =
            self.read_if_provided(operation, key, &format!("/tenants/{tenant}/agreements/{agreement}")).await?
        else {
            return Ok(None);
        };
        crate::sale::read_agreement(&answer).map(Some).map_err(|e| undecodable(operation, e, &answer))
    }

    /// A design's financings ([`crate::sale`]); `None` where the tenant's plan has none.
    pub async fn list_financings(
        &self,
        key: &BearerToken,
        tenant: TenantId,
        design: DesignId,
    ) -> Result<Option<Vec<crate::Financing>>, AuroraError> {
        let operation = "list_financings";
        let path = format!("/tenants/{tenant}/designs/{design}/financings");
        let Some(answer) = self.read_if_provided(operation, key, &path).await? else { return Ok(None) };
        crate::sale::read_financings(&answer).map(Some).map_err(|e| undecodable(operation, e, &answer))
    }

    /// A design's web proposal link ([`crate::sale`]); `None` while it has none, or where
    /// the tenant's plan has no web proposals.
    pub async fn get_web_proposal(
        &self,
        key: &BearerToken,
        tenant: TenantId,
        design: DesignId,
    ) -> Result<Option<crate::WebProposal>, AuroraError> {
        let path = format!("/tenants/{tenant}/designs/{design}/web_proposal");
        Ok(self
            .read_if_provided("get_web_proposal", key, &path)
            .await?
            .as_ref()
            .and_then(crate::sale::read_web_proposal))
    }

    /// Starts the job that makes a signed agreement's download link
    /// (`POST /tenants/{t}/agreements/{a}/download_url/run`, [`crate::sale`]): its job id,
    /// or `None` where Aurora has none to make (the plan lacks it: 403; the agreement is
    /// unknown, not signed, or not signed through DocuSign: 404, 422).
    pub async fn start_agreement_download(
        &self,
        key: &BearerToken,
        tenant: TenantId,
        agreement: crate::AgreementId,
    ) -> Result<Option<String>, AuroraError> {
        let path = format!("/tenants/{tenant}/agreements/{agreement}/download_url/run");
        let started: Result<serde_json::Value, AuroraError> = self
            .call(
                "start_agreement_download",
                Method::POST,
                &path,
                Auth::Tenant(key.clone()),
                None::<&()>,
                Idempotency::Repeatable,
            )
            .await;
        match started {
            Ok(answer) => Ok(crate::sale::download_job_id(&answer)),
            Err(AuroraError::Forbidden(_) | AuroraError::NotFound(_) | AuroraError::Unprocessable(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Where the download link's job stands (`GET .../download_url/status?job_id=`).
    pub async fn agreement_download(
        &self,
        key: &BearerToken,
        tenant: TenantId,
        agreement: crate::AgreementId,
        job: &str,
    ) -> Result<crate::sale::DownloadJob, AuroraError> {
        let operation = "agreement_download";
        let job = crate::webhooks::percent_encode_component(job);
        let path = format!("/tenants/{tenant}/agreements/{agreement}/download_url/status?job_id={job}");
        let answer: serde_json::Value = self
            .call(operation, Method::GET, &path, Auth::Tenant(key.clone()), None::<&()>, Idempotency::Repeatable)
            .await?;
        crate::sale::read_download_job(&answer).map_err(|e| undecodable(operation, e, &answer))
    }

    /// The document at a download link Aurora gave (a pre-signed URL: no key is sent), at
    /// most [`MAX_DOCUMENT_BYTES`]. Only an `https` link is fetched, or an `http` one when
    /// this client's own Aurora is (a local sandbox).
    pub async fn fetch_document(&self, url: &str) -> Result<Vec<u8>, AuroraError> {
        let operation = "fetch_document";
        let allowed =
            url.starts_with("https://") || (url.starts_with("http://") && self.base_url.starts_with("http://"));
        if !allowed {
            return Err(AuroraError::InvalidRequest { operation, reason: "a download link that is not https".into() });
        }
        let request = http::Request::builder()
            .method(Method::GET)
            .uri(url)
            .body(Vec::new())
            .map_err(|e| AuroraError::InvalidRequest { operation, reason: e.to_string() })?;
        let response =
            self.transport.send(request, std::time::Duration::from_secs(30)).await.map_err(AuroraError::Transport)?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(AuroraError::from_status(status, response.body(), None));
        }
        let body = response.into_body();
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(AuroraError::Decode { operation, reason: format!("a document of {} bytes", body.len()) });
        }
        Ok(body)
    }

    /// One call with the retry policy around it.
    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        operation: &'static str,
        method: Method,
        path_and_query: &str,
        auth: Auth,
        body: Option<&B>,
        idempotency: Idempotency,
    ) -> Result<T, AuroraError> {
        let body = match body {
            Some(body) => Some(
                serde_json::to_vec(body)
                    .map_err(|e| AuroraError::InvalidRequest { operation, reason: e.to_string() })?,
            ),
            None => None,
        };
        // backon supplies the jittered exponential delays; the loop is ours, because its
        // combinator's closures make the call's future unprovably `Send` (rustc's
        // higher-ranked lifetime limits), and axum handlers need `Send` futures.
        let mut backoff = self.policy.backoff().build();
        let bytes = loop {
            let error = match self.attempt(operation, &method, path_and_query, &auth, body.as_deref()).await {
                Ok(bytes) => break bytes,
                Err(error) => error,
            };
            let delay = if self.policy.is_retryable(&error, idempotency) {
                self.policy.delay(&error, backoff.next())
            } else {
                None
            };
            let Some(delay) = delay else {
                return Err(match error {
                    AuroraError::Transport(TransportError::Timeout | TransportError::Interrupted(_))
                    | AuroraError::Server { .. }
                    | AuroraError::Conflict(_)
                        if idempotency == Idempotency::CreatesObject =>
                    {
                        AuroraError::OutcomeUnknown(error.to_string())
                    }
                    error => error,
                });
            };
            // Only the operation's name and the error: never the URL (session tokens) or headers (keys).
            tracing::warn!(operation, error = %error, ?delay, "Aurora call failed; retrying");
            self.transport.sleep(delay).await;
        };
        // An empty answer (a 204) reads as `null`: fine for answers we ignore, an error otherwise.
        let bytes = if bytes.is_empty() { b"null".to_vec() } else { bytes };
        serde_json::from_slice(&bytes).map_err(|e| AuroraError::Decode { operation, reason: unreadable(&e, &bytes) })
    }

    /// One attempt: a 2xx body, or the classified error.
    async fn attempt(
        &self,
        operation: &'static str,
        method: &Method,
        path_and_query: &str,
        auth: &Auth,
        body: Option<&[u8]>,
    ) -> Result<Vec<u8>, AuroraError> {
        let secret = match auth {
            Auth::Application => self.application_key.expose(),
            Auth::Tenant(token) => token.expose(),
        };
        let mut authorization = HeaderValue::try_from(format!("Bearer {secret}")).map_err(|_| {
            AuroraError::InvalidRequest { operation, reason: "the key is not a valid header value".into() }
        })?;
        // Sensitive headers print as "Sensitive" in Debug output.
        authorization.set_sensitive(true);
        let mut request = Request::builder()
            .method(method.clone())
            .uri(format!("{}{path_and_query}", self.base_url))
            .header(header::AUTHORIZATION, authorization)
            .header(header::ACCEPT, "application/json");
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        if let Some(version) = &self.api_version {
            request = request.header("Aurora-API-Version", version.as_str());
        }
        let request = request
            .body(body.map(<[u8]>::to_vec).unwrap_or_default())
            .map_err(|e| AuroraError::InvalidRequest { operation, reason: e.to_string() })?;
        let response =
            self.transport.send(request, self.policy.request_timeout).await.map_err(AuroraError::Transport)?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response.into_body());
        }
        Err(AuroraError::from_status(status, response.body(), retry_after(response.headers())))
    }
}

/// Why an answer could not be read, without any of its values: serde's own message may
/// quote them (a token, a customer's address), so only the kind of error, where, and the
/// answer's shape (keys and JSON types) are kept.
fn unreadable(error: &serde_json::Error, body: &[u8]) -> String {
    let shape = serde_json::from_slice::<serde_json::Value>(body)
        .map_or_else(|_| format!("not JSON, {} bytes", body.len()), |value| crate::shape::of(&value));
    format!(
        "{:?} error at line {} column {}; the answer's shape: {shape}",
        error.classify(),
        error.line(),
        error.column()
    )
}

/// One path segment or query value, percent-encoded.
fn encode(value: &str) -> String {
    crate::webhooks::percent_encode_component(value)
}

/// The wait a `Retry-After` asks for: delay-seconds, fractional ones included (`1.5`),
/// or an HTTP date, measured from the same answer's `Date` (so no local clock is needed,
/// which `wasm32` lacks). `None` when it is absent or unreadable: the backoff applies.
pub fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(86_400.0)));
    }
    let date = |text: &str| chrono::DateTime::parse_from_rfc2822(text.trim()).ok();
    let at = date(value)?;
    let now = date(headers.get(header::DATE)?.to_str().ok()?)?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// An answer that does not read: why, and its shape (paths and types, never a value).
fn undecodable(operation: &'static str, error: impl std::fmt::Display, answer: &serde_json::Value) -> AuroraError {
    AuroraError::Decode { operation, reason: format!("{error}; the answer's shape: {}", crate::shape::of(answer)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Messages;

    #[test]
    fn retry_after_reads_seconds_fractions_and_dates() {
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut map = http::HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, value.parse().expect("value"));
            }
            map
        };
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        let cases = [
            (headers(&[("retry-after", "3")]), Some(Duration::from_secs(3))),
            (headers(&[("retry-after", " 1.5 ")]), Some(Duration::from_millis(1500))),
            (headers(&[("retry-after", "0")]), Some(Duration::ZERO)),
            (
                headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT"), ("date", date)]),
                Some(Duration::from_secs(30)),
            ),
            (headers(&[("retry-after", "Wed, 21 Oct 2015 07:27:00 GMT"), ("date", date)]), Some(Duration::ZERO)),
            (headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")]), None),
            (headers(&[("retry-after", "-1")]), None),
            (headers(&[("retry-after", "soon")]), None),
            (headers(&[]), None),
        ];
        for (given, expected) in cases {
            assert_eq!(retry_after(&given), expected, "{given:?}");
        }
    }

    /// Handlers on a multi-threaded runtime need `Send` futures: prove the client's are.
    #[allow(dead_code)]
    fn client_futures_are_send(client: &AuroraClient, tenant: crate::TenantId, key: &BearerToken) {
        fn is_send<T: Send>(_: T) {}
        is_send(client.create_token(tenant, None));
        is_send(client.find_project(key, tenant, "x"));
    }

    /// Answers `GET .../projects?...&page=N` from a script of pages; counts the pages asked.
    struct ScriptedPages {
        pages: Vec<serde_json::Value>,
        asked: std::sync::Mutex<Vec<usize>>,
    }

    #[async_trait]
    impl HttpTransport for ScriptedPages {
        async fn send(&self, request: Request<Vec<u8>>, _: Duration) -> Result<Response<Vec<u8>>, TransportError> {
            let query = request.uri().query().unwrap_or_default().to_owned();
            let page: usize = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("page="))
                .and_then(|n| n.parse().ok())
                .expect("a page parameter");
            self.asked.lock().expect("lock").push(page);
            let body = self.pages.get(page - 1).cloned().unwrap_or(serde_json::json!({"projects": []}));
            Ok(Response::new(serde_json::to_vec(&body).expect("json")))
        }

        async fn sleep(&self, _: Duration) {}

        fn now_ms(&self) -> i64 {
            0
        }
    }

    fn project(n: usize, external: &str) -> serde_json::Value {
        serde_json::json!({"id": format!("3fa85f64-5717-4562-b3fc-{n:012}"), "external_provider_id": external})
    }

    async fn look_up(pages: Vec<serde_json::Value>, external: &str) -> (Option<Project>, Vec<usize>) {
        let transport = Arc::new(ScriptedPages { pages, asked: Default::default() });
        let client = AuroraClient::new(
            transport.clone(),
            "http://127.0.0.1:9",
            ApplicationId::parse("app").expect("id"),
            ApplicationKey::new("key"),
        );
        let tenant = crate::TenantId::parse("7e57a000-0000-4000-8000-000000000001").expect("uuid");
        let found = client.find_project(&BearerToken::new("tk"), tenant, external).await.expect("looked up");
        let asked = transport.asked.lock().expect("lock").clone();
        (found, asked)
    }

    #[tokio::test]
    async fn a_project_is_found_on_a_later_page_past_unreadable_ones_and_the_filter_is_not_trusted() {
        let full_page = |offset: usize| {
            let mut projects: Vec<_> = (0..PROJECTS_PER_PAGE).map(|n| project(offset + n, "someone-else")).collect();
            projects[3] = serde_json::json!({"id": 42, "location": null});
            serde_json::json!({ "projects": projects })
        };
        let ours = serde_json::json!({ "projects": [project(9_999, "demo:acct:opp"), project(1, "other")] });
        let (found, asked) = look_up(vec![full_page(0), full_page(1_000), ours], "demo:acct:opp").await;
        assert_eq!(found.map(|p| p.id.to_string()), Some("3fa85f64-5717-4562-b3fc-000000009999".to_owned()));
        assert_eq!(asked, vec![1, 2, 3]);

        let (found, asked) = look_up(vec![serde_json::json!({"projects": [project(1, "other")]})], "mine").await;
        assert_eq!((found, asked), (None, vec![1]), "a short page is the last");
        let endless: Vec<_> = (0..20).map(|n| full_page(n * 1_000)).collect();
        let (found, asked) = look_up(endless, "mine").await;
        assert_eq!((found, asked.len()), (None, MAX_PROJECT_PAGES), "a bounded number of pages");
        let (found, _) = look_up(vec![serde_json::json!({})], "mine").await;
        assert_eq!(found, None, "no projects key: nothing found, nothing failed");
    }

    #[test]
    fn an_unreadable_answer_is_described_by_its_shape_never_its_values() {
        let body = br#"{"token": {"bearer_token": 42, "expires_at": "secret-looking-value"}}"#;
        let error = serde_json::from_slice::<crate::tokens::CreateTokenResponse>(body).expect_err("unreadable");
        assert!(error.to_string().contains("42") || error.to_string().contains("integer"), "serde quotes values");
        let reason = unreadable(&error, body);
        assert!(reason.contains("{token: {bearer_token: number, expires_at: string}}"), "{reason}");
        assert!(!reason.contains("secret-looking-value") && !reason.contains("42"), "{reason}");
        assert!(unreadable(&error, b"<html>oops</html>").contains("not JSON, 17 bytes"));
    }

    #[test]
    fn which_errors_are_retried() {
        let policy = RetryPolicy::default();
        let cases = [
            (AuroraError::RateLimited { retry_after: Some(Duration::from_secs(3)) }, true, true),
            (AuroraError::RateLimited { retry_after: Some(Duration::from_secs(3600)) }, false, false),
            (AuroraError::Conflict(Messages::default()), true, false),
            (AuroraError::Server { status: 503, messages: Messages::default() }, true, false),
            (AuroraError::Transport(TransportError::Timeout), true, false),
            (AuroraError::Transport(TransportError::Interrupted("reset".into())), true, false),
            (AuroraError::Transport(TransportError::Connect("refused".into())), true, true),
            (AuroraError::Transport(TransportError::Throttled(20)), false, false),
            (AuroraError::BadRequest(Messages::default()), false, false),
            (AuroraError::Unauthorized(Messages::default()), false, false),
            (AuroraError::Forbidden(Messages::default()), false, false),
            (AuroraError::NotFound(Messages::default()), false, false),
            (AuroraError::Unprocessable(Messages::default()), false, false),
        ];
        for (error, repeatable, creating) in cases {
            assert_eq!(policy.is_retryable(&error, Idempotency::Repeatable), repeatable, "{error:?} repeatable");
            assert_eq!(policy.is_retryable(&error, Idempotency::CreatesObject), creating, "{error:?} creating");
        }
    }

    #[test]
    fn delays_follow_retry_after_and_stop_when_attempts_are_used() {
        let policy = RetryPolicy::default();
        let backoff = Some(Duration::from_millis(300));
        let limited = AuroraError::RateLimited { retry_after: Some(Duration::from_secs(2)) };
        assert_eq!(policy.delay(&limited, backoff), Some(Duration::from_secs(2)));
        assert_eq!(policy.delay(&limited, None), None, "Retry-After never extends the attempts");
        assert_eq!(policy.delay(&AuroraError::Conflict(Messages::default()), backoff), Some(policy.conflict_delay));
        let server = AuroraError::Server { status: 502, messages: Messages::default() };
        assert_eq!(policy.delay(&server, backoff), backoff);
    }

    #[test]
    fn statuses_map_to_typed_errors_with_auroras_messages() {
        let body = br#"{"errors":[{"message":"Latitude must be between -90 and 90"}]}"#;
        let error = AuroraError::from_status(422, body, None);
        assert_eq!(error.messages(), ["Latitude must be between -90 and 90"]);
        assert!(error.to_string().contains("Latitude must be between -90 and 90"));
        assert!(matches!(AuroraError::from_status(403, b"", None), AuroraError::Forbidden(_)));
        assert!(matches!(
            AuroraError::from_status(418, b"not json", None),
            AuroraError::UnexpectedStatus { status: 418, .. }
        ));
    }
}
