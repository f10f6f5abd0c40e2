//! Aurora's error body and the typed errors of every Aurora call.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `{"errors": [{"message": "..."}]}` [int].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuroraErrorBody {
    /// One entry per problem.
    pub errors: Vec<AuroraErrorMessage>,
}

/// One problem Aurora reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuroraErrorMessage {
    /// For people.
    pub message: String,
}

impl AuroraErrorBody {
    /// A body with one message.
    pub fn new(message: impl Into<String>) -> Self {
        AuroraErrorBody { errors: vec![AuroraErrorMessage { message: message.into() }] }
    }
}

/// Aurora's messages, joined for display.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Messages(pub Vec<String>);

impl std::fmt::Display for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() { f.write_str("no message") } else { f.write_str(&self.0.join("; ")) }
    }
}

/// Why an Aurora call failed, after the retry policy had its say. Messages are Aurora's;
/// no variant ever holds a key or token.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuroraError {
    /// 400: malformed request.
    #[error("Aurora rejected the request as malformed: {0}")]
    BadRequest(Messages),
    /// 401: bad or expired key.
    #[error("Aurora did not accept the key: {0}")]
    Unauthorized(Messages),
    /// 403: endpoint not provisioned for this key. Never retried.
    #[error("Aurora refused: the endpoint is not provisioned for this key: {0}")]
    Forbidden(Messages),
    /// 404: unknown id, or another tenant's.
    #[error("Aurora does not know it: {0}")]
    NotFound(Messages),
    /// 409 still, after the short retries.
    #[error("Aurora is busy with another operation on it: {0}")]
    Conflict(Messages),
    /// 422: invalid payload.
    #[error("Aurora rejected the data: {0}")]
    Unprocessable(Messages),
    /// 429 still, after honouring `Retry-After`.
    #[error("Aurora's rate limit was hit and did not clear in time")]
    RateLimited {
        /// Aurora's last `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// 5xx still, after backing off.
    #[error("Aurora failed ({status}): {messages}")]
    Server {
        /// The status.
        status: u16,
        /// Aurora's messages.
        messages: Messages,
    },
    /// A status Aurora does not document.
    #[error("Aurora answered with unexpected status {status}: {messages}")]
    UnexpectedStatus {
        /// The status.
        status: u16,
        /// Aurora's messages.
        messages: Messages,
    },
    /// Could not talk to Aurora, after backing off.
    #[error("could not reach Aurora: {0}")]
    Transport(TransportError),
    /// A call that creates something failed in a way that leaves its outcome unknown
    /// (timeout, dropped connection, 5xx): it is NOT retried, because a second POST can
    /// create a second project. The caller reconciles (by `external_provider_id`).
    #[error("the outcome of the call is unknown ({0}); look it up before trying again")]
    OutcomeUnknown(String),
    /// We could not build the request (a body that does not serialize, a key that is not
    /// a valid header value). Nothing was sent.
    #[error("could not build the {operation} request: {reason}")]
    InvalidRequest {
        /// Which call.
        operation: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A 2xx body we could not read.
    #[error("Aurora's answer to {operation} could not be read: {reason}")]
    Decode {
        /// Which call.
        operation: &'static str,
        /// What was wrong.
        reason: String,
    },
}

impl AuroraError {
    /// The error for a non-2xx answer.
    pub fn from_status(status: u16, body: &[u8], retry_after: Option<Duration>) -> Self {
        let messages = Messages(
            serde_json::from_slice::<AuroraErrorBody>(body)
                .map(|b| b.errors.into_iter().map(|e| e.message).collect())
                .unwrap_or_default(),
        );
        match status {
            400 => AuroraError::BadRequest(messages),
            401 => AuroraError::Unauthorized(messages),
            403 => AuroraError::Forbidden(messages),
            404 => AuroraError::NotFound(messages),
            409 => AuroraError::Conflict(messages),
            422 => AuroraError::Unprocessable(messages),
            429 => AuroraError::RateLimited { retry_after },
            500..=599 => AuroraError::Server { status, messages },
            _ => AuroraError::UnexpectedStatus { status, messages },
        }
    }

    /// Whether Aurora was unavailable rather than refusing: throttled, failing, out of
    /// reach, busy (409), or answering in a way we could not read. A later attempt may
    /// succeed without anyone changing anything; a refusal (400, 401, 403, 404, 422, or a
    /// request we would not send) will not.
    pub fn is_transient(&self) -> bool {
        !matches!(
            self,
            AuroraError::BadRequest(_)
                | AuroraError::Unauthorized(_)
                | AuroraError::Forbidden(_)
                | AuroraError::NotFound(_)
                | AuroraError::Unprocessable(_)
                | AuroraError::InvalidRequest { .. }
        )
    }

    /// Aurora's messages, for showing a rep why a project was refused.
    pub fn messages(&self) -> &[String] {
        match self {
            AuroraError::BadRequest(m)
            | AuroraError::Unauthorized(m)
            | AuroraError::Forbidden(m)
            | AuroraError::NotFound(m)
            | AuroraError::Conflict(m)
            | AuroraError::Unprocessable(m)
            | AuroraError::Server { messages: m, .. }
            | AuroraError::UnexpectedStatus { messages: m, .. } => &m.0,
            _ => &[],
        }
    }
}

/// Why a request got no HTTP answer. The variants matter to the retry policy: only
/// [`TransportError::Connect`] proves the request was never sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No connection was made; nothing was sent.
    #[error("could not connect: {0}")]
    Connect(String),
    /// No answer in time; the request may have been processed.
    #[error("timed out")]
    Timeout,
    /// The connection broke after sending; the request may have been processed.
    #[error("connection interrupted: {0}")]
    Interrupted(String),
    /// Not sent: the key's calls are booked further ahead than a caller may wait (a pacing
    /// transport's refusal). Seconds until a call would fit.
    #[error("not sent: Aurora's request budget for this key is booked for the next {0} s; try again then")]
    Throttled(u64),
}
