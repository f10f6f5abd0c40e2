//! `GET /connect/aurora`: the page Aurora opens when a user of a tenant opens our app from
//! Aurora's Apps page. It shows the one-time code that links the tenant to a CRM account
//! (see [`crate::tenant_links`]).

use super::SharedState;
use super::{ClientAddress, Query};
use crate::{admin_pages, error::HtmlError, tenant_links};
use axum::{
    extract::State,
    http::header,
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;

/// What Aurora passes an app it opens: the tenant and a session token (under either name
/// Aurora's documents use).
#[derive(Deserialize)]
pub struct Connect {
    aurora_tenant_id: Option<String>,
    tenant_id: Option<String>,
    aurora_session_token: Option<String>,
    session_token: Option<String>,
}

/// The page, as Aurora embeds it: framed by Aurora's web app only, never cached, and never
/// sending its URL (which carries the session token) anywhere as a referrer.
pub async fn connect(
    State(state): State<SharedState>,
    ClientAddress(client): ClientAddress,
    Query(query): Query<Connect>,
) -> Response {
    let tenant = query.aurora_tenant_id.or(query.tenant_id);
    let session = query.aurora_session_token.or(query.session_token);
    // Errors read as on every page a person sees (the same status, message and logging).
    let mut response = match tenant_links::connect(&state, &client, tenant.as_deref(), session.as_deref()).await {
        Ok(code) => Html(admin_pages::link_code(&code)).into_response(),
        Err(error) => HtmlError::from(error).into_response(),
    };
    let aurora = aurora_api::hosts::web_app_origin(&state.config.aurora.base_url);
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; frame-ancestors 'self' {aurora}"
    );
    let headers = response.headers_mut();
    // The base URL is one of Aurora's hosts or a loopback sandbox (checked at start-up);
    // should it ever not make a header, nobody may frame the page.
    let csp = header::HeaderValue::from_str(&csp)
        .unwrap_or(header::HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff"));
    response
}
