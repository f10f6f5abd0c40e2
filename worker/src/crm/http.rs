//! Calling a CRM's HTTP API, for every CRM: bearer or form requests, JSON answers, and one
//! retry policy (the one Aurora calls follow): `Retry-After` on 429, jittered backoff on
//! 5xx and transport failures, never on other 4xx. Each CRM says how its error answers
//! read ([`Classify`]); nothing here logs a token, a body or a query string.

use crate::crm::CrmError;
use aurora_api::HttpTransport;
use backon::BackoffBuilder;
use http::{Method, Request, header};
use serde::de::DeserializeOwned;
use std::{sync::Arc, time::Duration};

/// Attempts per call, the first included.
const MAX_ATTEMPTS: usize = 4;
/// Longest `Retry-After` we wait.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// Per-attempt timeout.
const TIMEOUT: Duration = Duration::from_secs(10);

/// How a CRM's non-2xx answer (status, body) reads as a [`CrmError`].
pub type Classify = fn(u16, &[u8]) -> CrmError;

/// How a request is authorized.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// Not at all (or by the body, as OAuth client credentials in a form).
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(&'a str),
    /// `Authorization: Basic base64(user:password)` (RFC 7617).
    Basic {
        /// The user (an OAuth client id).
        user: &'a str,
        /// The password (its secret).
        password: &'a str,
    },
}

impl Auth<'_> {
    /// The `Authorization` header's value, marked sensitive; `None` for [`Auth::None`].
    fn header(self) -> Result<Option<header::HeaderValue>, header::InvalidHeaderValue> {
        use base64::Engine;
        let value = match self {
            Auth::None => return Ok(None),
            Auth::Bearer(token) => format!("Bearer {token}"),
            Auth::Basic { user, password } => {
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
            }
        };
        let mut value = header::HeaderValue::try_from(value)?;
        value.set_sensitive(true);
        Ok(Some(value))
    }
}

/// A request body.
pub enum Body {
    /// None (GET, DELETE).
    None,
    /// JSON.
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded`, already encoded.
    Form(String),
    /// `multipart/form-data`: a file and the fields beside it (file uploads).
    Multipart(Vec<Part>),
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct Part {
    /// The form field's name.
    pub name: String,
    /// A file's name, for a file part.
    pub filename: Option<String>,
    /// Its content type, for a file part.
    pub content_type: Option<String>,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl Part {
    /// A text field.
    pub fn text(name: &str, value: &str) -> Self {
        Part { name: name.to_owned(), filename: None, content_type: None, bytes: value.as_bytes().to_vec() }
    }

    /// A file.
    pub fn file(name: &str, filename: &str, content_type: &str, bytes: Vec<u8>) -> Self {
        Part {
            name: name.to_owned(),
            filename: Some(filename.to_owned()),
            content_type: Some(content_type.to_owned()),
            bytes,
        }
    }
}

/// `parts` as a `multipart/form-data` body (RFC 7578) with `boundary`. Names and file
/// names are ours (never a user's): quotes and line breaks are dropped from them.
fn multipart(parts: &[Part], boundary: &str) -> Vec<u8> {
    let clean = |value: &str| value.chars().filter(|c| !matches!(c, '"' | '\r' | '\n')).collect::<String>();
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"", clean(&part.name)).as_bytes(),
        );
        if let Some(filename) = &part.filename {
            body.extend_from_slice(format!("; filename=\"{}\"", clean(filename)).as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        if let Some(content_type) = &part.content_type {
            body.extend_from_slice(format!("Content-Type: {}\r\n", clean(content_type)).as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// One CRM's HTTP client. Cheap to clone.
#[derive(Clone)]
pub struct CrmHttp {
    transport: Arc<dyn HttpTransport>,
    classify: Classify,
}

impl CrmHttp {
    /// A client over `transport` (which follows no redirects) reading errors with `classify`.
    pub fn new(transport: Arc<dyn HttpTransport>, classify: Classify) -> Self {
        CrmHttp { transport, classify }
    }

    /// One call, one attempt: for calls that must not be repeated (an OAuth code exchange,
    /// a refresh that may rotate the token).
    pub async fn send_once<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        auth: Auth<'_>,
        body: Body,
    ) -> Result<T, CrmError> {
        let bytes = self.attempt(&method, url, auth, &body).await.map_err(|(error, _)| error)?;
        read_json(bytes)
    }

    /// One call, with the retry policy around it: for calls that may be repeated.
    pub async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        auth: Auth<'_>,
        body: Body,
    ) -> Result<T, CrmError> {
        let mut backoff = backon::ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(Duration::from_secs(4))
            .with_max_times(MAX_ATTEMPTS - 1)
            .with_jitter()
            .build();
        loop {
            let (error, retry_after) = match self.attempt(&method, url, auth, &body).await {
                Ok(bytes) => return read_json(bytes),
                Err(failure) => failure,
            };
            let delay = match (&error, backoff.next()) {
                (CrmError::Unavailable(_), Some(delay)) => {
                    retry_after.filter(|d| *d <= MAX_RETRY_AFTER).unwrap_or(delay)
                }
                _ => return Err(error),
            };
            // The path only: the query may carry record ids, never worth a log line.
            tracing::warn!(path = path_of(url), %error, ?delay, "CRM call failed; retrying");
            self.transport.sleep(delay).await;
        }
    }

    async fn attempt(
        &self,
        method: &Method,
        url: &str,
        auth: Auth<'_>,
        body: &Body,
    ) -> Result<Vec<u8>, (CrmError, Option<Duration>)> {
        let local = |reason: String| (CrmError::Decode(reason), None);
        let mut request = Request::builder().method(method.clone()).uri(url).header(header::ACCEPT, "application/json");
        if let Some(value) = auth.header().map_err(|e| local(e.to_string()))? {
            request = request.header(header::AUTHORIZATION, value);
        }
        let bytes = match body {
            Body::None => Vec::new(),
            Body::Json(value) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                serde_json::to_vec(value).map_err(|e| local(e.to_string()))?
            }
            Body::Form(form) => {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                form.clone().into_bytes()
            }
            Body::Multipart(parts) => {
                // A boundary that cannot occur in a PDF by chance: random, long.
                let boundary =
                    format!("aurora-crm-{}", crate::crypto::random_token(24).map_err(|e| local(e.to_string()))?);
                request = request.header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"));
                multipart(parts, &boundary)
            }
        };
        let request = request.body(bytes).map_err(|e| local(e.to_string()))?;
        let response =
            self.transport.send(request, TIMEOUT).await.map_err(|e| (CrmError::Unavailable(e.to_string()), None))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response.into_body());
        }
        Err(((self.classify)(status, response.body()), aurora_api::client::retry_after(response.headers())))
    }
}

/// A 2xx answer's body; an empty one (a 204) reads as `null`.
fn read_json<T: DeserializeOwned>(bytes: Vec<u8>) -> Result<T, CrmError> {
    let bytes = if bytes.is_empty() { b"null".to_vec() } else { bytes };
    serde_json::from_slice(&bytes).map_err(|e| CrmError::Decode(e.to_string()))
}

/// `segment` percent-encoded for a URL path.
pub fn encode_segment(segment: &str) -> String {
    form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

/// The path of `url`, without its origin or query.
fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split(['?', '#']).next().unwrap_or("/")
}

#[cfg(test)]
mod tests {
    #[test]
    fn basic_auth_is_rfc_7617() {
        // RFC 7617 section 2's example.
        let value =
            super::Auth::Basic { user: "Aladdin", password: "open sesame" }.header().expect("valid").expect("some");
        assert_eq!(value, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(value.is_sensitive());
        assert!(super::Auth::None.header().expect("valid").is_none());
    }

    #[test]
    fn only_the_path_is_logged() {
        assert_eq!(
            super::path_of("https://x.my.salesforce.com/services/data/v62.0/query?q=SELECT"),
            "/services/data/v62.0/query"
        );
        assert_eq!(super::path_of("http://127.0.0.1:1"), "/");
    }
}
