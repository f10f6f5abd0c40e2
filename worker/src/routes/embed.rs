//! `GET /embed/{crm}`: the page a CRM puts in its iframe.

use super::Path;
use crate::{AppState, crm::Crm, error::ApiError};
use axum::{
    extract::State,
    http::header,
    response::{Html, IntoResponse},
};

/// The widget's host page. Static but for three attribute values the worker chooses: the
/// signed context stays in the URL and the widget reads it from there, so nothing from
/// the query is ever echoed into HTML.
const EMBED_PAGE: &str = include_str!("../../../www/embed.html");

/// `GET /embed/{crm}?context=...`: the widget's host page, frameable only by the CRM's
/// origins, telling the widget which host adapter speaks to its frame.
pub async fn embed_page(State(state): State<AppState>, Path(crm): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let crm = Crm::parse(&crm)?;
    let integration = crm.integration();
    let origins = integration.frame_origins(&state).join(" ");
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors {origins}"
    );
    // All three are safe in an attribute: the CRM's name and adapter are our constants,
    // and the config refuses origins with quotes or markup.
    let page = EMBED_PAGE
        .replace("{{CRM}}", crm.as_str())
        .replace("{{HOST_ADAPTER}}", integration.host_adapter())
        .replace("{{HOST_ORIGINS}}", &origins);
    Ok((
        [
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Html(page),
    ))
}
