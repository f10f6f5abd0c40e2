//! The one place where errors become HTTP: every area's error converts into
//! [`ApiError`], and [`ApiError`]'s `IntoResponse` writes our JSON error body.

use crate::crm::ContextError;
use axum::{
    Json,
    extract::rejection::JsonRejection,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use widget_api::{ErrorBody, ErrorDetail};

/// Everything a request can fail with, as the client sees it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The CRM context did not verify.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// The request body is not the JSON we expect.
    #[error("invalid request body: {0}")]
    InvalidBody(String),
    /// The request body is larger than we accept.
    #[error("request body too large")]
    BodyTooLarge,
    /// No route for this path.
    #[error("no such endpoint")]
    NotFound,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Context(ContextError::UnknownCrm(_)) => (StatusCode::BAD_REQUEST, "unknown_crm"),
            ApiError::Context(ContextError::Expired) => (StatusCode::UNAUTHORIZED, "context_expired"),
            ApiError::Context(ContextError::BadSignature) => (StatusCode::UNAUTHORIZED, "invalid_context"),
            ApiError::Context(ContextError::Incomplete(_)) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "incomplete_context")
            }
            ApiError::InvalidBody(_) => (StatusCode::BAD_REQUEST, "invalid_body"),
            ApiError::BodyTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = ErrorBody { error: ErrorDetail { code: code.to_owned(), message: self.to_string() } };
        (status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::BodyTooLarge
        } else {
            ApiError::InvalidBody(rejection.body_text())
        }
    }
}
