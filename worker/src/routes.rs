//! All endpoints, merged into one [`Router`] here and nowhere else.

mod aurora_connect;
mod aurora_webhooks;
mod crm_webhooks;
mod docs;
mod embed;
mod health;
mod installations;
mod opportunities;
mod sessions;

use crate::{
    AppState,
    error::ApiError,
    widget_token::{WidgetClaims, WidgetTokenError},
};
use axum::{
    Router,
    extract::{DefaultBodyLimit, FromRequest, FromRequestParts},
    http::{header, request::Parts},
    routing::{get, post},
};
use std::sync::Arc;
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
};

/// Who is calling, as far as the host can tell, for per-client limits: what the host
/// recorded in the request's extensions (the native host: the connecting socket), else
/// Cloudflare's `CF-Connecting-IP`, which Cloudflare sets on every request to a Worker,
/// overwriting any the client sent
/// (https://developers.cloudflare.com/fundamentals/reference/http-headers/#cf-connecting-ip).
/// Natively behind a proxy every client is the proxy: per-tenant and overall limits still
/// hold.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

/// The connecting socket's address, as a host that knows it records it in a request's
/// extensions: an address, not text, so that requests which never ask who called (the
/// widget's poll) pay nothing to format it.
#[derive(Debug, Clone, Copy)]
pub struct ConnectedFrom(pub std::net::IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(ConnectedFrom(address)) = parts.extensions.get::<ConnectedFrom>() {
            return Ok(ClientAddress(address.to_string()));
        }
        let edge = parts.headers.get("cf-connecting-ip").and_then(|v| v.to_str().ok());
        Ok(ClientAddress(edge.map_or_else(|| "unknown".into(), |v| v.chars().take(64).collect())))
    }
}

/// Largest request body we read. Our bodies are small JSON; anything bigger is a mistake
/// or an attack.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The Router's state: the [`AppState`] behind one `Arc`, so a request (whose service,
/// handler and extractors each clone the state) moves one reference count, not one per
/// service in it. Measured on the widget's poll (BENCHMARKS.md).
pub(crate) type SharedState = Arc<AppState>;

/// The worker's one Router: the same on Cloudflare Workers and on the native host.
///
/// Request logging is the host's: it needs a clock for latency, which wasm32 lacks (the
/// native host adds a trace layer; Workers logs every request itself).
pub fn router(state: AppState) -> Router {
    let cors = cors(&state);
    let sensitive = sensitive_headers(&state);
    let state = Arc::new(state);
    Router::new()
        .route("/health", get(health::health))
        .route("/embed/{crm}", get(embed::page).post(embed::page))
        .route("/embed/{crm}/{door}", get(embed::door).post(embed::door))
        .route("/v1/sessions", post(sessions::create_session))
        .route("/v1/opportunities/{id}", get(opportunities::state))
        .route("/v1/opportunities/{id}/screen", get(opportunities::screen))
        .route("/v1/opportunities/{id}/project", post(opportunities::create_project))
        .route("/webhooks/aurora/performance-simulation", get(aurora_webhooks::performance_simulation))
        .route("/webhooks/aurora/app-status", get(aurora_webhooks::app_status))
        .route("/webhooks/aurora/agreement-status", get(aurora_webhooks::agreement_status))
        .route("/webhooks/aurora/financing-status", get(aurora_webhooks::financing_status))
        .route("/webhooks/aurora/milestone", get(aurora_webhooks::milestone))
        .route("/webhooks/aurora/project-status", get(aurora_webhooks::project_status))
        .route("/webhooks/aurora/checks/{marker}", get(aurora_webhooks::check))
        .route("/connect/aurora", get(aurora_connect::connect))
        .route("/webhooks/crm/{crm}", post(crm_webhooks::receive))
        .merge(admin_pages())
        .merge(settings_in_crm(state.clone()))
        .merge(public_pages())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(cors)
        // Credentials are marked sensitive before any layer of the Router sees them; a host
        // that logs requests marks them again outside its log (see `hosts::native`).
        .layer(SetSensitiveRequestHeadersLayer::new(sensitive))
        .with_state(state)
}

/// The pages an admin sees (install and settings), with the headers such pages need: they
/// hold a CSRF token and account data, so they are never framed (clickjacking "Uninstall"),
/// cached, or allowed to run or load anything but their own inline style.
fn admin_pages() -> Router<SharedState> {
    let pages = Router::new()
        .route("/install/{crm}/start", get(installations::start))
        .route("/install/{crm}/callback", get(installations::callback).delete(installations::uninstalled_by_crm))
        .route("/settings/{crm}/{account}", get(installations::settings_page))
        .route("/settings/{crm}/{account}/tenant", post(installations::link_tenant))
        .route("/settings/{crm}/{account}/tenant/release", post(installations::release_tenant))
        .route("/settings/{crm}/{account}/auto-create", post(installations::auto_create))
        .route("/settings/{crm}/{account}/site-source", post(installations::site_source))
        .route("/settings/{crm}/{account}/stages", post(installations::stages))
        .route("/settings/{crm}/{account}/amount", post(installations::amount))
        .route("/settings/{crm}/{account}/uninstall", post(installations::uninstall))
        .route("/settings/{crm}/{account}/check-webhooks", post(installations::check_webhooks));
    with_page_headers(pages, "no-store")
}

/// The settings inside a CRM's own settings surface (Pipedrive's custom UI for app
/// settings): the same pages and forms as on a tab of their own, but framed by the CRM
/// (`frame-ancestors` its origins) and running its boot script, which says `initialize`.
fn settings_in_crm(state: SharedState) -> Router<SharedState> {
    let pages = Router::new()
        .route("/crm-settings/{crm}", get(installations::settings_in_crm).post(installations::settings_call_in_crm))
        .route("/crm-settings/{crm}/{account}/tenant", post(installations::link_tenant))
        .route("/crm-settings/{crm}/{account}/tenant/release", post(installations::release_tenant))
        .route("/crm-settings/{crm}/{account}/auto-create", post(installations::auto_create))
        .route("/crm-settings/{crm}/{account}/site-source", post(installations::site_source))
        .route("/crm-settings/{crm}/{account}/stages", post(installations::stages))
        .route("/crm-settings/{crm}/{account}/amount", post(installations::amount))
        .route("/crm-settings/{crm}/{account}/uninstall", post(installations::uninstall))
        .route("/crm-settings/{crm}/{account}/check-webhooks", post(installations::check_webhooks));
    pages.layer(axum::middleware::from_fn_with_state(state, in_crm_page_headers))
}

/// The headers of a settings page in a CRM's frame: as an admin page's, but framed by the
/// CRM's origins only (configured per CRM), and running our own scripts (the CRM's boot
/// script).
async fn in_crm_page_headers(
    axum::extract::State(state): axum::extract::State<SharedState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let crm = request.uri().path().split('/').nth(2).and_then(|name| crate::crm::Crm::parse(name).ok());
    let origins = crm.map(|crm| crm.integration().frame_origins(&state).join(" ")).unwrap_or_default();
    let ancestors = if origins.is_empty() { "'none'".to_owned() } else { origins };
    let mut response = next.run(request).await;
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; form-action 'self'; \
         frame-ancestors {ancestors}; base-uri 'none'"
    );
    let headers = response.headers_mut();
    if let Ok(csp) = header::HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    response
}

/// The public pages the marketplaces' listings link to (setup guide, support): no session
/// and nothing private, so the admin pages' headers but cacheable for an hour.
fn public_pages() -> Router<SharedState> {
    let pages = Router::new()
        .route("/docs", get(docs::index))
        .route("/docs/{crm}", get(docs::guide))
        .route("/support", get(docs::support));
    with_page_headers(pages, "public, max-age=3600")
}

/// The headers of a page a person reads in a tab of its own: never framed, no script, its
/// own inline style only, cached as `cache` says.
fn with_page_headers(pages: Router<SharedState>, cache: &'static str) -> Router<SharedState> {
    use tower_http::set_header::SetResponseHeaderLayer;
    let header = |name: header::HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, header::HeaderValue::from_static(value))
    };
    pages
        .layer(header(header::CONTENT_SECURITY_POLICY, ADMIN_PAGE_CSP))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::CACHE_CONTROL, cache))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
}

/// The admin pages' Content-Security-Policy: their own inline style, forms to this origin.
pub const ADMIN_PAGE_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Headers that carry credentials: the widget token and Aurora's webhook header.
pub fn sensitive_headers(state: &AppState) -> Vec<header::HeaderName> {
    let mut names = vec![header::AUTHORIZATION, header::COOKIE];
    names.extend(header::HeaderName::try_from(state.config.aurora.webhook_header.as_str()).ok());
    names
}

/// CORS for the configured CRM origins only, for a widget mounted straight into a CRM
/// page (the iframe is same-origin and needs none).
fn cors(state: &AppState) -> CorsLayer {
    let origins: Vec<header::HeaderValue> =
        state.config.allowed_crm_origins.iter().filter_map(|o| header::HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG])
        .max_age(std::time::Duration::from_secs(600))
}

/// `axum::extract::Path`, but its rejections become our JSON error body.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(crate) struct Path<T>(pub T);

/// `axum::extract::Query`, but its rejections become our JSON error body.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub(crate) struct Query<T>(pub T);

/// `axum::Form`, but its rejections become our JSON error body.
#[derive(FromRequest)]
#[from_request(via(axum::Form), rejection(ApiError))]
pub(crate) struct Form<T>(pub T);

/// `axum::Json`, but its rejections become our JSON error body.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub(crate) struct Json<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// The fallback for unknown paths, for hosts that do not serve static files there.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// A known path asked with a method it does not take.
async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The verified widget token of a request (`Authorization: Bearer ...`).
pub(crate) struct WidgetSession(pub WidgetClaims);

impl FromRequestParts<SharedState> for WidgetSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(WidgetTokenError::Invalid)?;
        let claims = state.caches.widget_tokens.verify(token.trim(), &state.widget_token_key(), state.now())?;
        Ok(WidgetSession(claims))
    }
}
