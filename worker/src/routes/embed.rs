use crate::{AppState, error::ApiError};
use axum::{
    extract::{Path, State},
    http::header,
    response::{Html, IntoResponse},
};

/// The page a CRM puts in its iframe. Static: the signed context stays in the URL and
/// the widget reads it from there, so nothing from the query is ever echoed into HTML.
const EMBED_PAGE: &str = include_str!("../../../www/embed.html");

/// `GET /embed/{crm}?context=...`: the widget's host page, frameable only by the
/// configured CRM origins.
pub async fn embed_page(State(state): State<AppState>, Path(crm): Path<String>) -> Result<impl IntoResponse, ApiError> {
    if !crate::crm::KNOWN_CRMS.contains(&crm.as_str()) {
        return Err(crate::crm::ContextError::UnknownCrm(crm.chars().take(40).collect()).into());
    }
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors {}",
        state.config.allowed_crm_origins.join(" ")
    );
    Ok((
        [
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        // Both are safe in an attribute: the CRM is one of KNOWN_CRMS, and the config
        // refuses origins with quotes or markup. The widget posts its height to these.
        Html(
            EMBED_PAGE
                .replace("{{CRM}}", &crm)
                .replace("{{HOST_ORIGINS}}", &state.config.allowed_crm_origins.join(" ")),
        ),
    ))
}
