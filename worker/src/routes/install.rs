//! `/install/demo/*` and `/settings/{crm}/{account}`: the admin's pages.

use crate::{
    AppState, admin_pages,
    error::HtmlError,
    installs::{self, AdminSession, InstallError},
};
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

/// Binds an install's `state` to the browser that started it.
const INSTALL_COOKIE: &str = "aurora_install";
/// The admin session of the settings pages.
const ADMIN_COOKIE: &str = "aurora_admin";

/// A cookie only our server reads, for `path`; `Secure` whenever we are served over https.
fn cookie(state: &AppState, name: &'static str, value: String, path: &'static str) -> Cookie<'static> {
    let secure = state.config.demo_crm.as_ref().is_some_and(|c| c.public_url.starts_with("https://"));
    Cookie::build((name, value)).path(path).http_only(true).same_site(SameSite::Lax).secure(secure).build()
}

/// A cookie that deletes `name`: empty, expired at the epoch. (`CookieJar::remove` would
/// compute "a year ago" from the system clock, which wasm32 lacks: it panics on Workers.)
fn removal(name: &'static str, path: &'static str) -> Cookie<'static> {
    Cookie::build((name, "")).path(path).max_age(time::Duration::ZERO).expires(time::OffsetDateTime::UNIX_EPOCH).build()
}

/// `GET /install/demo/start`: off to the CRM's consent screen.
pub async fn start(State(state): State<AppState>, jar: CookieJar) -> Result<(CookieJar, Redirect), HtmlError> {
    let (authorize_url, nonce) = installs::start(&state)?;
    Ok((jar.add(cookie(&state, INSTALL_COOKIE, nonce, "/install/demo")), Redirect::to(&authorize_url)))
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /install/demo/callback`: the CRM sends the admin back with a code (or an error).
pub async fn callback(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<Callback>,
) -> Result<(CookieJar, Redirect), HtmlError> {
    let (Some(code), Some(state_param)) = (query.code.as_deref(), query.state.as_deref()) else {
        let reason = query
            .error
            .as_deref()
            .filter(|e| e.len() < 64 && e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .unwrap_or("no code");
        return Err(InstallError::Declined(reason.to_owned()).into());
    };
    let nonce = jar.get(INSTALL_COOKIE).map(|c| c.value().to_owned());
    let session = installs::complete(&state, code, state_param, nonce.as_deref()).await?;
    let target = format!("/settings/{}/{}?notice=installed", session.crm, encode(&session.account_id));
    let jar = jar.add(removal(INSTALL_COOKIE, "/install/demo")).add(cookie(
        &state,
        ADMIN_COOKIE,
        installs::session_cookie_value(&state, &session),
        "/settings",
    ));
    Ok((jar, Redirect::to(&target)))
}

fn encode(segment: &str) -> String {
    form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

fn session_of(state: &AppState, jar: &CookieJar, crm: &str, account: &str) -> Result<AdminSession, InstallError> {
    installs::admin_session(state, jar.get(ADMIN_COOKIE).map(|c| c.value()), crm, account)
}

#[derive(Deserialize)]
pub struct SettingsQuery {
    notice: Option<String>,
}

/// `GET /settings/{crm}/{account}`: the installation's settings and health.
pub async fn settings_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Path((crm, account)): Path<(String, String)>,
    Query(query): Query<SettingsQuery>,
) -> Result<Html<String>, HtmlError> {
    let session = session_of(&state, &jar, &crm, &account)?;
    Ok(Html(render(&state, &session, admin_pages::notice(query.notice.as_deref()), None).await?))
}

async fn render(
    state: &AppState,
    session: &AdminSession,
    notice: Option<&str>,
    error: Option<&str>,
) -> Result<String, InstallError> {
    let health = installs::health(state, &session.account_id).await?;
    Ok(admin_pages::settings(session, &health, health.subscribed(state), notice, error))
}

#[derive(Deserialize)]
pub struct TenantForm {
    csrf: String,
    tenant_id: String,
}

/// `POST /settings/{crm}/{account}/tenant`: links the Aurora tenant (validated with Aurora).
pub async fn link_tenant(
    State(state): State<AppState>,
    jar: CookieJar,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<TenantForm>,
) -> Result<Response, HtmlError> {
    let session = session_of(&state, &jar, &crm, &account)?;
    installs::check_csrf(&session, &form.csrf)?;
    match installs::link_tenant(&state, &account, &form.tenant_id).await {
        Ok(_) => Ok(Redirect::to(&format!("/settings/{crm}/{}?notice=tenant", encode(&account))).into_response()),
        // The admin stays on the page, with what to fix.
        Err(
            error @ (InstallError::InvalidTenant(_)
            | InstallError::TenantRefused { .. }
            | InstallError::AuroraUnavailable(_)),
        ) => {
            let status = if matches!(error, InstallError::AuroraUnavailable(_)) {
                StatusCode::BAD_GATEWAY
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((status, Html(render(&state, &session, None, Some(&error.to_string())).await?)).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Deserialize)]
pub struct AutoCreateForm {
    csrf: String,
    enabled: Option<String>,
}

/// `POST /settings/{crm}/{account}/auto-create`.
pub async fn auto_create(
    State(state): State<AppState>,
    jar: CookieJar,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<AutoCreateForm>,
) -> Result<Redirect, HtmlError> {
    let session = session_of(&state, &jar, &crm, &account)?;
    installs::check_csrf(&session, &form.csrf)?;
    let enabled = form.enabled.as_deref() == Some("on");
    if !crate::storage::installations::set_auto_create(state.db.as_ref(), &crm, &account, enabled, state.now() as i64)
        .await?
    {
        return Err(InstallError::NotInstalled.into());
    }
    let notice = if enabled { "auto_create_on" } else { "auto_create_off" };
    Ok(Redirect::to(&format!("/settings/{crm}/{}?notice={notice}", encode(&account))))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /settings/{crm}/{account}/uninstall`.
pub async fn uninstall(
    State(state): State<AppState>,
    jar: CookieJar,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<(CookieJar, Html<String>), HtmlError> {
    let session = session_of(&state, &jar, &crm, &account)?;
    installs::check_csrf(&session, &form.csrf)?;
    installs::uninstall(&state, &account).await?;
    let message = format!(
        "Aurora Solar for CRMs is uninstalled from {}. Its CRM authorization is revoked and deleted.",
        session.account_name
    );
    Ok((jar.add(removal(ADMIN_COOKIE, "/settings")), Html(admin_pages::message("Uninstalled", &message, None))))
}
