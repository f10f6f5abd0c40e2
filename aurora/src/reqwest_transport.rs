//! [`HttpTransport`] over reqwest and tokio, for native hosts.

use crate::{client::HttpTransport, error::TransportError};
use async_trait::async_trait;
use http::{Request, Response};
use std::time::Duration;

/// Sends requests with a shared reqwest client (connection pooling) and sleeps on tokio.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport over an existing client. Give it one that follows no redirects: a 307
    /// or 308 would send a request's body (a CRM token request carries our client secret)
    /// wherever the answer points.
    pub fn new(client: reqwest::Client) -> Self {
        ReqwestTransport { client }
    }
}

impl Default for ReqwestTransport {
    /// A client that follows no redirects: a 3xx is answered as it is, an error to callers.
    fn default() -> Self {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build();
        // Building fails only when the TLS backend cannot start; the plain client then.
        ReqwestTransport { client: client.unwrap_or_default() }
    }
}

/// Classifies a reqwest error without its URL: create_token URLs carry session tokens.
fn classify(error: &reqwest::Error) -> TransportError {
    if error.is_timeout() {
        TransportError::Timeout
    } else if error.is_connect() {
        TransportError::Connect("connection refused or unreachable".into())
    } else {
        TransportError::Interrupted(
            if error.is_body() || error.is_decode() { "the answer broke off" } else { "the connection failed" }.into(),
        )
    }
}

#[async_trait]
impl HttpTransport for ReqwestTransport {
    async fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Result<Response<Vec<u8>>, TransportError> {
        let (parts, body) = request.into_parts();
        let response = self
            .client
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(|e| classify(&e))?;
        let mut answer = Response::new(bytes.to_vec());
        *answer.status_mut() = status;
        *answer.headers_mut() = headers;
        Ok(answer)
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}
