//! Who is calling: the application key (partner endpoints only) or a temporary key (its
//! own tenant's endpoints only), and Aurora's per-key rate limit.

use super::{Sandbox, aurora_error};
use aurora_api::TenantId;
use axum::{
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::{
    hash::{DefaultHasher, Hash, Hasher},
    time::{Duration, Instant},
};

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// Constant-time comparison, so the sandbox models what a real server should do.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Partner endpoints: the application key, or 401; a temporary key gets 403 [doc].
pub fn require_application(sandbox: &Sandbox, headers: &HeaderMap) -> Result<(), Response> {
    let Some(token) = bearer(headers) else {
        return Err(aurora_error(StatusCode::UNAUTHORIZED, "Missing bearer token"));
    };
    if same_secret(token, sandbox.settings.application_key.expose()) {
        return Ok(());
    }
    if sandbox.state().temporary_keys.contains_key(token) {
        return Err(aurora_error(StatusCode::FORBIDDEN, "A temporary key cannot call partner application endpoints"));
    }
    Err(aurora_error(StatusCode::UNAUTHORIZED, "Invalid or expired token"))
}

/// Tenant endpoints: a live temporary key of that tenant, or 401; the application key
/// gets 403 (it "cannot call tenant endpoints" [doc]).
pub fn require_tenant(sandbox: &Sandbox, headers: &HeaderMap, tenant: TenantId) -> Result<(), Response> {
    let Some(token) = bearer(headers) else {
        return Err(aurora_error(StatusCode::UNAUTHORIZED, "Missing bearer token"));
    };
    if same_secret(token, sandbox.settings.application_key.expose()) {
        return Err(aurora_error(
            StatusCode::FORBIDDEN,
            "The application key cannot call tenant endpoints; use a temporary key",
        ));
    }
    let state = sandbox.state();
    match state.temporary_keys.get(token) {
        Some(key) if key.expires <= Instant::now() => Err(aurora_error(StatusCode::UNAUTHORIZED, "Token expired")),
        Some(key) if key.tenant != tenant => {
            Err(aurora_error(StatusCode::UNAUTHORIZED, "Token is not valid for this tenant"))
        }
        Some(_) if !state.tenants.get(&tenant).is_some_and(|t| t.app_enabled) => {
            Err(aurora_error(StatusCode::FORBIDDEN, "The app is not enabled for this tenant"))
        }
        Some(_) => Ok(()),
        None => Err(aurora_error(StatusCode::UNAUTHORIZED, "Invalid or expired token")),
    }
}

/// Aurora's limit: N requests per minute per key, then 429 with `Retry-After` [doc].
pub async fn rate_limit(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let key = bearer(request.headers()).unwrap_or("anonymous");
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    let key_hash = hasher.finish();
    let limit = sandbox.settings.rate_limit_per_minute;
    let now = Instant::now();
    // A minute, compressed by --time-scale like Aurora's other durations.
    let window = sandbox.settings.scaled(Duration::from_secs(60));
    let retry_after = {
        let mut state = sandbox.state();
        let times = state.rate_windows.entry(key_hash).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
            times.pop_front();
        }
        if times.len() >= limit {
            state.rate_limited_answers += 1;
            let times = state.rate_windows.entry(key_hash).or_default();
            times.front().map(|oldest| window.saturating_sub(now.duration_since(*oldest)))
        } else {
            times.push_back(now);
            None
        }
    };
    match retry_after {
        Some(wait) => {
            let mut response = aurora_error(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded");
            let retry_after = if sandbox.state().variance.enabled {
                // Fractional seconds, as some of Aurora's integrators read it [int].
                format!("{:.1}", wait.as_secs_f64() + 0.1)
            } else {
                (wait.as_secs() + 1).to_string()
            };
            if let Ok(value) = header::HeaderValue::from_str(&retry_after) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        None => next.run(request).await.into_response(),
    }
}
