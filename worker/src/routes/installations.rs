//! `/install/{crm}/*` and `/settings/{crm}/{account}`: the admin's pages.

use super::SharedState;
use super::{ClientAddress, Form, Path, Query};
use crate::{
    AppState, admin_pages,
    admin_session::{self, AdminSession, AdminSessionError},
    crm::Crm,
    error::{ApiError, HtmlError},
    installations::{self, InstallError},
    storage::{self, installations::TenantLink},
    tenant_links::{self, LinkError},
};
use axum::{
    extract::State,
    response::{Html, IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

/// Binds an install's `state` to the browser that started it.
const INSTALL_COOKIE: &str = "aurora_install";
/// The admin session of the settings pages.
const ADMIN_COOKIE: &str = "aurora_admin";

/// A cookie only our server reads, for `path`; `Secure` whenever we are served over https.
fn cookie(state: &AppState, name: &'static str, value: String, path: String) -> Cookie<'static> {
    let secure = state.config.public_url.as_deref().is_some_and(|url| url.starts_with("https://"));
    Cookie::build((name, value)).path(path).http_only(true).same_site(SameSite::Lax).secure(secure).build()
}

/// A cookie that deletes `name`: empty, expired at the epoch. (`CookieJar::remove` would
/// compute "a year ago" from the system clock, which wasm32 lacks: it panics on Workers.)
fn removal(name: &'static str, path: String) -> Cookie<'static> {
    Cookie::build((name, "")).path(path).max_age(time::Duration::ZERO).expires(time::OffsetDateTime::UNIX_EPOCH).build()
}

fn install_path(crm: Crm) -> String {
    format!("/install/{}", crm.as_str())
}

/// `GET /install/{crm}/start`: off to the CRM's consent screen.
pub async fn start(
    State(state): State<SharedState>,
    ClientAddress(client): ClientAddress,
    jar: CookieJar,
    Path(crm): Path<String>,
) -> Result<(CookieJar, Redirect), HtmlError> {
    let crm = Crm::parse(&crm)?;
    installations::limit_install_steps(&state, &client).await?;
    let (authorize_url, nonce) = installations::start(&state, crm)?;
    Ok((jar.add(cookie(&state, INSTALL_COOKIE, nonce, install_path(crm))), Redirect::to(&authorize_url)))
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /install/{crm}/callback`: the CRM sends the admin back with a code (or an error).
pub async fn callback(
    State(state): State<SharedState>,
    ClientAddress(client): ClientAddress,
    jar: CookieJar,
    Path(crm): Path<String>,
    Query(query): Query<Callback>,
) -> Result<Response, HtmlError> {
    let crm = Crm::parse(&crm)?;
    installations::limit_install_steps(&state, &client).await?;
    // A code without our `state`: an install the CRM started itself (HubSpot's install URL,
    // Pipedrive's Marketplace "Install now", which send no `state`:
    // https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide,
    // https://pipedrive.readme.io/docs/marketplace-oauth-authorization). Its code proves
    // nothing about who is in this browser, so it is not exchanged: the install starts
    // again from here, where the CRM's consent (given a moment ago) comes back with our
    // state. One we started that comes back without it is refused.
    if query.code.is_some() && query.state.is_none() && jar.get(INSTALL_COOKIE).is_none() {
        crate::crm::observe(&state, crm, "install: a callback without state (an install the CRM started)").await;
        return Ok((jar, Redirect::to(&format!("{}/start", install_path(crm)))).into_response());
    }
    let (Some(code), Some(state_param)) = (query.code.as_deref(), query.state.as_deref()) else {
        let reason = query
            .error
            .as_deref()
            .filter(|e| e.len() < 64 && e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .unwrap_or("no code");
        return Err(InstallError::Declined(reason.to_owned()).into());
    };
    let nonce = jar.get(INSTALL_COOKIE).map(|c| c.value().to_owned());
    let completed = installations::complete(&state, crm, code, state_param, nonce.as_deref())
        .await
        .map_err(HtmlError::of_crm(crm))?;
    let session = match completed {
        installations::Completed::Admin(session) => session,
        installations::Completed::ForUser { account_name, user_name } => {
            let jar = jar.add(removal(INSTALL_COOKIE, install_path(crm)));
            let page = crate::admin_pages::installed_for_user(&account_name, &user_name);
            return Ok((jar, axum::response::Html(page)).into_response());
        }
    };
    let target = format!("{}?notice=installed", settings_path(crm, &session.account_id));
    let jar = jar.add(removal(INSTALL_COOKIE, install_path(crm))).add(cookie(
        &state,
        ADMIN_COOKIE,
        admin_session::cookie_value(&state, &session),
        "/settings".into(),
    ));
    Ok((jar, Redirect::to(&target)).into_response())
}

fn settings_path(crm: Crm, account: &str) -> String {
    let account: String = form_urlencoded::byte_serialize(account.as_bytes()).collect();
    format!("/settings/{}/{account}", crm.as_str())
}

/// The page's CRM and the admin session for its account.
async fn session_of(state: &AppState, jar: &CookieJar, crm: &str, account: &str) -> Result<AdminSession, HtmlError> {
    let crm = Crm::parse(crm)?;
    admin_session::check(state, jar.get(ADMIN_COOKIE).map(|c| c.value()), crm, account)
        .await
        .map_err(HtmlError::of_crm(crm))
}

#[derive(Deserialize)]
pub struct SettingsQuery {
    notice: Option<String>,
}

/// `GET /settings/{crm}/{account}`: the installation's settings and health.
pub async fn settings_page(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path((crm, account)): Path<(String, String)>,
    Query(query): Query<SettingsQuery>,
) -> Result<Html<String>, HtmlError> {
    let session = session_of(&state, &jar, &crm, &account).await?;
    // A role taken away is refused; a CRM that cannot answer (or no longer knows the app)
    // leaves the page readable, saying so, so its admin can still uninstall.
    let unconfirmed = match admin_session::check_role(&state, &session).await {
        Ok(()) => None,
        Err(error @ (AdminSessionError::RoleUnknown(_) | AdminSessionError::AuthorizationGone)) => {
            Some(error.to_string())
        }
        Err(error) => return Err(HtmlError::of_crm(session.crm)(error)),
    };
    let notice = admin_pages::notice(query.notice.as_deref(), session.crm);
    Ok(Html(render(&state, &session, notice.as_deref(), unconfirmed.as_deref()).await?))
}

async fn render(
    state: &AppState,
    session: &AdminSession,
    notice: Option<&str>,
    error: Option<&str>,
) -> Result<String, InstallError> {
    let health = installations::health(state, session.crm, &session.account_id).await?;
    Ok(admin_pages::settings(session, &health, notice, error))
}

#[derive(Deserialize)]
pub struct TenantForm {
    csrf: String,
    code: String,
}

/// `POST /settings/{crm}/{account}/tenant`: links the Aurora tenant whose user asked Aurora
/// for `code` (see [`crate::tenant_links`]).
pub async fn link_tenant(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<TenantForm>,
) -> Result<Response, HtmlError> {
    let session = session_of(&state, &jar, &crm, &account).await?;
    admin_session::check_change(&state, &session, &form.csrf).await?;
    match tenant_links::link(&state, session.crm, &account, &form.code).await {
        Ok(link) => {
            let notice = match link.made {
                TenantLink::AwaitingOperator => "tenant_awaiting_operator",
                _ => "tenant",
            };
            Ok(Redirect::to(&format!("{}?notice={notice}", settings_path(session.crm, &account))).into_response())
        }
        // The admin stays on the page, with what to fix.
        Err(error @ (LinkError::InvalidCode | LinkError::TooManyAttempts(_) | LinkError::HeldElsewhere(_))) => {
            let error = InstallError::from(error);
            let page = render(&state, &session, None, Some(&error.to_string())).await?;
            let (status, _) = ApiError::from(error).status_and_code();
            Ok((status, Html(page)).into_response())
        }
        Err(error) => Err(InstallError::from(error).into()),
    }
}

/// `POST /settings/{crm}/{account}/tenant/release`: the admin releases the account's
/// Aurora tenant, so that it can be linked to another CRM account.
pub async fn release_tenant(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, HtmlError> {
    let session = session_of(&state, &jar, &crm, &account).await?;
    admin_session::check_change(&state, &session, &form.csrf).await?;
    tenant_links::release(&state, session.crm, &account).await.map_err(InstallError::from)?;
    Ok(Redirect::to(&format!("{}?notice=tenant_released", settings_path(session.crm, &account))).into_response())
}

/// `POST /settings/{crm}/{account}/check-webhooks`: Aurora sends a test delivery; the page
/// says whether it arrived.
pub async fn check_webhooks(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, HtmlError> {
    let session = session_of(&state, &jar, &crm, &account).await?;
    admin_session::check_change(&state, &session, &form.csrf).await?;
    let mut status = axum::http::StatusCode::OK;
    let failure = match installations::check_webhooks(&state, session.crm, &account).await {
        Ok(true) => {
            let target = format!("{}?notice=webhook_check_ok", settings_path(session.crm, &account));
            return Ok(Redirect::to(&target).into_response());
        }
        Ok(false) => format!(
            "Aurora's test webhook did not reach the app within {} s: check that the worker's public URL is the one \
             setup-webhooks subscribed, and its AURORA_WEBHOOK_TOKEN",
            installations::CHECK_WAIT_SECONDS
        ),
        Err(error @ (InstallError::WebhookCheck(_) | InstallError::AuroraUnavailable(_))) => error.to_string(),
        Err(error @ InstallError::TooManyChecks(_)) => {
            status = ApiError::from(InstallError::TooManyChecks(0)).status_and_code().0;
            error.to_string()
        }
        Err(error) => return Err(error.into()),
    };
    let page = render(&state, &session, None, Some(&failure)).await?;
    Ok((status, Html(page)).into_response())
}

#[derive(Deserialize)]
pub struct AutoCreateForm {
    csrf: String,
    enabled: Option<String>,
}

/// `POST /settings/{crm}/{account}/auto-create`.
pub async fn auto_create(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<AutoCreateForm>,
) -> Result<Redirect, HtmlError> {
    let session = session_of(&state, &jar, &crm, &account).await?;
    admin_session::check_change(&state, &session, &form.csrf).await?;
    let enabled = form.enabled.as_deref() == Some("on");
    if !storage::installations::set_auto_create(state.db(), session.crm, &account, enabled, state.now()).await? {
        return Err(InstallError::NotInstalled.into());
    }
    if enabled {
        // New opportunities from now on: a CRM that is polled starts from here, one with
        // webhooks gets its subscription back if it went missing.
        installations::listen_for_new_opportunities(&state, session.crm, &account).await?;
    }
    let notice = if enabled { "auto_create_on" } else { "auto_create_off" };
    Ok(Redirect::to(&format!("{}?notice={notice}", settings_path(session.crm, &account))))
}

/// `DELETE /install/{crm}/callback`: the CRM says the app was uninstalled (Pipedrive, with
/// our client credentials). The installation and its pending work go, as with the admin's
/// Uninstall; nothing is asked of the CRM, which has let go already.
pub async fn uninstalled_by_crm(
    State(state): State<SharedState>,
    Path(crm): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let crm = crate::crm::Crm::parse(&crm)?;
    let account = match crm.integration().verify_uninstall(&state, &headers, &body) {
        Err(crate::crm::CrmWebhookError::NotConfigured) => return Err(ApiError::MethodNotAllowed),
        other => other?,
    };
    let removed = crate::jobs::forget_installation(&state, crm, &account).await?;
    Ok(axum::Json(serde_json::json!({ "uninstalled": removed })))
}

/// `POST /settings/{crm}/{account}/site-source`: where opportunities' sites are read from,
/// the places the CRM offers in the order to try them (`order`, repeated, first to last; or
/// one `source` to try first).
pub async fn site_source(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Redirect, HtmlError> {
    let session = session_of(&state, &jar, &crm, &account).await?;
    let csrf = form.iter().find(|(name, _)| name == "csrf").map(|(_, value)| value.as_str()).unwrap_or_default();
    admin_session::check_change(&state, &session, csrf).await?;
    let offered = session.crm.integration().site_sources();
    let mut order: Vec<&str> = Vec::new();
    for (_, key) in form.iter().filter(|(name, _)| name == "order" || name == "source") {
        if !offered.iter().any(|source| source.key == key) {
            let named: String = key.chars().take(40).collect();
            return Err(ApiError::InvalidForm(format!("`{named}` is not an address this CRM offers")).into());
        }
        if !order.contains(&key.as_str()) {
            order.push(key);
        }
    }
    if order.is_empty() {
        return Err(ApiError::InvalidForm("name at least one place to read addresses from".into()).into());
    }
    let stored = order.join(",");
    if !storage::installations::set_site_source(state.db(), session.crm, &account, &stored, state.now()).await? {
        return Err(InstallError::NotInstalled.into());
    }
    Ok(Redirect::to(&format!("{}?notice=site_source", settings_path(session.crm, &account))))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// The uninstall form: its CSRF token, and the admin's confirmation.
#[derive(Deserialize)]
pub struct UninstallForm {
    csrf: String,
    /// `yes` when "Yes, uninstall it" is ticked.
    #[serde(default)]
    confirm: String,
}

/// `POST /settings/{crm}/{account}/uninstall`, confirmed (one press removes the
/// installation and revokes the CRM's authorization, with no undo: WCAG 3.3.4).
pub async fn uninstall(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<UninstallForm>,
) -> Result<(CookieJar, Html<String>), HtmlError> {
    let session = session_of(&state, &jar, &crm, &account).await?;
    if form.confirm != "yes" {
        return Err(HtmlError::of_crm(session.crm)(crate::installations::InstallError::UninstallNotConfirmed));
    }
    // Uninstalling stays possible once the CRM no longer accepts the app: the admin's
    // session (15 minutes, begun as an admin) is all that is left to ask.
    match admin_session::check_change(&state, &session, &form.csrf).await {
        Ok(()) | Err(AdminSessionError::AuthorizationGone) => {}
        Err(error) => return Err(HtmlError::of_crm(session.crm)(error)),
    }
    installations::uninstall(&state, session.crm, &account).await?;
    let message = format!(
        "Aurora Solar for CRMs is uninstalled from {}. Its CRM authorization is revoked and deleted.",
        session.account_name
    );
    Ok((jar.add(removal(ADMIN_COOKIE, "/settings".into())), Html(admin_pages::message("Uninstalled", &message, None))))
}
