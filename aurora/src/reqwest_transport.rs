//! [`HttpTransport`] over reqwest and tokio, for native hosts.

use crate::{client::HttpTransport, error::TransportError};
use async_trait::async_trait;
use http::{Request, Response};
use std::time::Duration;

/// Sends requests with a shared reqwest client (connection pooling) and sleeps on tokio.
#[derive(Debug, Clone, Default)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport over an existing client.
    pub fn new(client: reqwest::Client) -> Self {
        ReqwestTransport { client }
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
}
