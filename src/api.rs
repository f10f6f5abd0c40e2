//! The typed client of our worker: the only place the widget does HTTP.

use gloo_net::http::Request;
use widget_api::{ErrorBody, SessionRequest, SessionResponse};

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
    #[error("Could not reach the Aurora service ({0}). Check your connection and try again.")]
    Network(String),
}

/// Exchanges the CRM's signed context for a session (`POST /v1/sessions`).
pub async fn create_session(crm: &str, context: &str) -> Result<SessionResponse, ApiError> {
    let body = SessionRequest { crm: crm.to_owned(), context: context.to_owned() };
    let response = Request::post("/v1/sessions")
        .json(&body)
        .map_err(|e| ApiError::Network(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if response.ok() {
        return response.json().await.map_err(|e| ApiError::Network(e.to_string()));
    }
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(ErrorBody { error }) => {
            Err(ApiError::Worker { status, code: error.code, message: error.message })
        }
        Err(_) => Err(ApiError::Network(format!("HTTP {status}"))),
    }
}
