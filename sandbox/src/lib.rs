//! Local stand-ins of the outside world, so the product runs and is tested on one machine
//! with no internet: [`aurora`] (Aurora's partner API, a simulated designer, faults, the
//! tenant's "Apps" page), [`demo_crm`] (a CRM with a marketplace, OAuth install, an API,
//! signed webhooks, and opportunity pages that embed our widget), and the local
//! [`salesforce`], [`pipedrive`] and [`hubspot`], each as its vendor documents it.
//! [`kit`] is what the CRM stand-ins do the same way (OAuth, sign-in, sessions, webhook
//! retries, escaping);
//! [`listing`] is our app's marketplace listing, which the Aurora and demo CRM pages show.

// Handler helpers return `Result<_, Response>` so handlers can use `?`; the large error
// variant is an HTTP answer on its way out, not a hot path.
#![allow(clippy::result_large_err)]

pub mod aurora;
pub mod demo_crm;
pub mod hubspot;
pub mod kit;
pub mod listing;
pub mod pipedrive;
pub mod salesforce;

use axum::{
    extract::Request,
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The value of the cookie `name` in a request's headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('=').map(str::to_owned))
}

/// Middleware: answers only requests addressed to this machine by name (`127.0.0.1`,
/// `localhost`, `[::1]`, any port). The sandbox listens on loopback, but a web page the
/// developer visits could rebind its own domain to 127.0.0.1 (DNS rebinding) and drive the
/// sandbox's control endpoints; such requests carry that domain in `Host`.
pub async fn loopback_host_only(request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let name = if host.starts_with('[') {
        host.split_once(']').map_or(host, |(name, _)| name).trim_start_matches('[')
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    if matches!(name, "127.0.0.1" | "localhost" | "::1") {
        next.run(request).await
    } else {
        (StatusCode::MISDIRECTED_REQUEST, "the sandbox answers requests to 127.0.0.1 or localhost only").into_response()
    }
}
