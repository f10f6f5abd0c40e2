//! `GET /connect/aurora`: the page Aurora opens when a user of a tenant opens our app from
//! Aurora's Apps page. It shows the one-time code that links the tenant to a CRM account
//! (see [`crate::tenant_links`]).

use super::Query;
use crate::{AppState, admin_pages, error::ApiError, tenant_links};
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
pub async fn connect(State(state): State<AppState>, Query(query): Query<Connect>) -> Response {
    let tenant = query.aurora_tenant_id.or(query.tenant_id);
    let session = query.aurora_session_token.or(query.session_token);
    let (status, page) = match tenant_links::connect(&state, tenant.as_deref(), session.as_deref()).await {
        Ok(code) => (axum::http::StatusCode::OK, admin_pages::link_code(&code)),
        Err(error) => {
            let error = ApiError::from(error);
            let (status, code) = error.status_and_code();
            if status.is_server_error() {
                tracing::error!(%error, code, "connect page failed");
            }
            let message = if status == axum::http::StatusCode::INTERNAL_SERVER_ERROR {
                "Something went wrong on our side; please try again.".to_owned()
            } else {
                error.to_string()
            };
            (status, admin_pages::message("Cannot link this Aurora tenant", &message, None))
        }
    };
    let aurora = aurora_api::hosts::web_app_origin(&state.config.aurora.base_url);
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; frame-ancestors 'self' {aurora}"
    );
    let headers = [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::CACHE_CONTROL, "no-store".to_owned()),
        (header::REFERRER_POLICY, "no-referrer".to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
    ];
    (status, headers, Html(page)).into_response()
}
