//! The typed client of our worker: the only place the widget does HTTP.
//!
//! Bodies are parsed by the browser's own JSON parser and read into widget-api's types by
//! [`crate::decode`], which keeps a JSON parser and serde's error formatting out of the
//! wasm (see there for the measurement).

use crate::decode::{Decode, decode};
use gloo_net::http::Request;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::RequestCache;
use widget_api::{ErrorBody, ScreenAnswer, SessionKeys};

/// Why a call to the worker did not give the widget what it asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The worker answered with our JSON error body.
    #[error("{message}")]
    Worker {
        /// HTTP status of the answer.
        status: u16,
        /// Our stable error code, e.g. `invalid_context`.
        code: String,
        /// What the worker says went wrong.
        message: String,
    },
    /// No usable answer: offline, blocked, or not our JSON.
    #[error("Could not reach the Aurora Solar service ({0}). Check your connection and try again.")]
    Network(String),
}

impl ApiError {
    /// Our error code, when the worker gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Worker { code, .. } => Some(code),
            ApiError::Network(_) => None,
        }
    }

    /// Whether the same request may work a little later: network trouble, Aurora or the
    /// worker briefly unavailable, rate limits.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Network(_) => true,
            ApiError::Worker { status, .. } => *status == 429 || *status >= 500,
        }
    }

    /// Whether the widget token ran out (or was refused) and a new session is needed.
    pub fn needs_new_session(&self) -> bool {
        matches!(self.code(), Some("token_expired" | "invalid_token"))
    }
}

fn network(error: impl ToString) -> ApiError {
    ApiError::Network(error.to_string())
}

/// What polling the screen gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Polled {
    /// The screen changed since the ETag we sent (or we sent none).
    Changed {
        /// The screen now, as the worker rendered it.
        screen: ScreenAnswer,
        /// Its ETag, for the next poll.
        etag: Option<String>,
    },
    /// `304 Not Modified`: nothing new.
    Unchanged,
}

/// The calls a session's widget token allows, for its one opportunity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerClient {
    /// `Bearer ...`: in memory only.
    authorization: String,
    /// `/v1/opportunities/{id}`, id escaped.
    opportunity_path: String,
}

impl WorkerClient {
    /// A client for the session the worker opened.
    pub fn new(session: &SessionKeys) -> Self {
        let id = String::from(js_sys::encode_uri_component(&session.opportunity_id));
        WorkerClient {
            authorization: format!("Bearer {}", session.token),
            opportunity_path: format!("/v1/opportunities/{id}"),
        }
    }

    /// Creates the opportunity's Aurora project (`POST .../project`). Safe to repeat: the
    /// worker creates at most one project per opportunity. What it became is read from
    /// the screen ([`WorkerClient::poll_screen`]), which the worker renders. Answers
    /// whether the project exists now (200), rather than being created still (202).
    pub async fn create_project(&self) -> Result<bool, ApiError> {
        let url = format!("{}/project", self.opportunity_path);
        let request = Request::post(&url).header("Authorization", &self.authorization).build().map_err(network)?;
        send(request).await.map(|response| response.status() == 200)
    }

    /// The opportunity's screen (`GET /v1/opportunities/{id}/screen`), for the room the
    /// page has (`<html data-surface>`, as the worker named it), or `Unchanged` when it
    /// still matches `etag`.
    pub async fn poll_screen(&self, etag: Option<&str>) -> Result<Polled, ApiError> {
        // Our own If-None-Match, and the browser's cache kept out of it: the 304 is ours.
        let url = format!("{}/screen?surface={}", self.opportunity_path, crate::page::surface().as_str());
        let mut builder = Request::get(&url).header("Authorization", &self.authorization).cache(RequestCache::NoStore);
        if let Some(etag) = etag {
            builder = builder.header("If-None-Match", etag);
        }
        let response = send(builder.build().map_err(network)?).await?;
        if response.status() == 304 {
            return Ok(Polled::Unchanged);
        }
        let etag = response.headers().get("etag");
        Ok(Polled::Changed { screen: read_json(response).await?, etag })
    }
}

/// A CRM's proof that vouches for the rep again, as the page's door takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// The page's URL with a new signed value in its query: a GET.
    Url(String),
    /// The page's form (Salesforce's `signed_request`): a POST to the page's path.
    Form(String),
}

/// A new session from a CRM's fresh proof, presented at the page's own door (see
/// [`crate::renew`]) with `Accept: application/json`.
pub async fn open_session(proof: &Proof) -> Result<SessionKeys, ApiError> {
    let builder = match proof {
        Proof::Url(url) => Request::get(url),
        Proof::Form(_) => {
            let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
            Request::post(&path).header("Content-Type", "application/x-www-form-urlencoded")
        }
    }
    .header("Accept", "application/json")
    .cache(RequestCache::NoStore);
    let request = match proof {
        Proof::Form(form) => builder.body(form.as_str()),
        Proof::Url(_) => builder.build(),
    };
    read_json(send(request.map_err(network)?).await?).await
}

/// Sends `request`; any answer but a 2xx or 304 becomes an [`ApiError`].
async fn send(request: Request) -> Result<gloo_net::http::Response, ApiError> {
    checked(request.send().await.map_err(network)?).await
}

/// `response` when a 2xx or 304; else its error, as an [`ApiError`].
async fn checked(response: gloo_net::http::Response) -> Result<gloo_net::http::Response, ApiError> {
    if response.ok() || response.status() == 304 {
        return Ok(response);
    }
    let status = response.status();
    Err(match read_json::<ErrorBody>(response).await {
        Ok(ErrorBody { error }) => ApiError::Worker { status, code: error.code, message: error.message },
        Err(_) => ApiError::Network(format!("HTTP {status}")),
    })
}

/// The body as `T`, parsed by the browser.
async fn read_json<T: Decode>(response: gloo_net::http::Response) -> Result<T, ApiError> {
    let raw = web_sys::Response::from(response);
    let promise = raw.json().map_err(|_| network("the answer could not be read"))?;
    let value: JsValue = JsFuture::from(promise).await.map_err(|_| network("the answer was not JSON"))?;
    decode(value).map_err(network)
}
