//! `/install/{crm}/*` and `/settings/{crm}/{account}`: the admin's pages; and the same
//! settings inside a CRM's own settings surface (`/crm-settings/{crm}`: Pipedrive's custom
//! UI for app settings), where the admin's session travels in the page's forms.

use super::SharedState;
use super::{ClientAddress, Form, Path, Query};
use crate::{
    AppState, admin_pages,
    admin_session::{self, AdminSession, AdminSessionError},
    crm::{Crm, embed::Theme},
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
    admin_pages::settings_base(crm, account, false)
}

/// Where a settings page is shown, as the request's path says: on a tab of its own
/// (`/settings/...`: the admin's session is a cookie), or inside the CRM's own settings
/// surface (`/crm-settings/...`: the session is echoed by the page's forms, since a cookie
/// of ours in the CRM's frame is a third party's, which browsers keep from it).
pub struct SettingsPlace {
    jar: CookieJar,
    /// In the CRM: the frame's query to keep (its runtime id, the user's theme).
    in_crm: Option<(String, Theme)>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for SettingsPlace {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_request_parts(parts, state).await?;
        let in_crm = parts.uri.path().starts_with("/crm-settings/").then(|| {
            let query = parts.uri.query().unwrap_or_default();
            let kept: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .filter(|(name, value)| (name == "id" || name == "theme") && value.len() <= 128)
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect();
            let theme = Theme::from_param(kept.iter().find(|(name, _)| name == "theme").map(|(_, v)| v.as_str()));
            (form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish(), theme)
        });
        Ok(SettingsPlace { jar, in_crm })
    }
}

impl SettingsPlace {
    /// The page's CRM and the admin session for its account: from the cookie on a tab of
    /// its own, from the form (`admin_session`) in the CRM.
    async fn session(
        &self,
        state: &AppState,
        form_session: Option<&str>,
        crm: &str,
        account: &str,
    ) -> Result<AdminSession, HtmlError> {
        let crm = Crm::parse(crm)?;
        let token = match self.in_crm {
            Some(_) => form_session,
            None => self.jar.get(ADMIN_COOKIE).map(|c| c.value()),
        };
        admin_session::check(state, token, crm, account).await.map_err(HtmlError::of_crm(crm))
    }

    /// What the settings page is shown with in the CRM, for `session_token`.
    fn frame(&self, crm: Crm, session_token: Option<&str>) -> Option<admin_pages::InCrm> {
        let (frame_query, theme) = self.in_crm.clone()?;
        Some(admin_pages::InCrm {
            crm,
            session_token: session_token.unwrap_or_default().to_owned(),
            frame_query,
            theme,
        })
    }

    /// The settings page after a change (`notice`, a key of `admin_pages::notice`): on a
    /// tab, a redirect to the page (a reload does not post again); in the CRM, the page
    /// itself, since its session is in its forms and not in the URL.
    async fn changed(
        &self,
        state: &AppState,
        session: &AdminSession,
        form_session: Option<&str>,
        notice: &str,
    ) -> Result<Response, HtmlError> {
        if self.in_crm.is_none() {
            let target = format!("{}?notice={notice}", settings_path(session.crm, &session.account_id));
            return Ok(Redirect::to(&target).into_response());
        }
        let notice = admin_pages::notice(Some(notice), session.crm);
        Ok(Html(self.page(state, session, form_session, notice.as_deref(), None).await?).into_response())
    }

    /// The settings page, where it is shown.
    async fn page(
        &self,
        state: &AppState,
        session: &AdminSession,
        form_session: Option<&str>,
        notice: Option<&str>,
        error: Option<&str>,
    ) -> Result<String, InstallError> {
        let health = installations::health(state, session.crm, &session.account_id).await?;
        let frame = self.frame(session.crm, form_session);
        Ok(admin_pages::settings(session, &health, notice, error, frame.as_ref()))
    }
}

#[derive(Deserialize)]
pub struct SettingsQuery {
    notice: Option<String>,
}

/// `GET /settings/{crm}/{account}`: the installation's settings and health.
pub async fn settings_page(
    State(state): State<SharedState>,
    place: SettingsPlace,
    Path((crm, account)): Path<(String, String)>,
    Query(query): Query<SettingsQuery>,
) -> Result<Html<String>, HtmlError> {
    let session = place.session(&state, None, &crm, &account).await?;
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
    Ok(Html(place.page(&state, &session, None, notice.as_deref(), unconfirmed.as_deref()).await?))
}

#[derive(Deserialize)]
pub struct TenantForm {
    csrf: String,
    code: String,
    /// The admin's session, in the CRM's settings surface.
    #[serde(default)]
    admin_session: Option<String>,
}

/// `POST /settings/{crm}/{account}/tenant`: links the Aurora tenant whose user asked Aurora
/// for `code` (see [`crate::tenant_links`]).
pub async fn link_tenant(
    State(state): State<SharedState>,
    place: SettingsPlace,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<TenantForm>,
) -> Result<Response, HtmlError> {
    let form_session = form.admin_session.as_deref();
    let session = place.session(&state, form_session, &crm, &account).await?;
    admin_session::check_change(&state, &session, &form.csrf).await?;
    match tenant_links::link(&state, session.crm, &account, &form.code).await {
        Ok(link) => {
            let notice = match link.made {
                TenantLink::AwaitingOperator => "tenant_awaiting_operator",
                _ => "tenant",
            };
            place.changed(&state, &session, form_session, notice).await
        }
        // The admin stays on the page, with what to fix.
        Err(error @ (LinkError::InvalidCode | LinkError::TooManyAttempts(_) | LinkError::HeldElsewhere(_))) => {
            let error = InstallError::from(error);
            let page = place.page(&state, &session, form_session, None, Some(&error.to_string())).await?;
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
    place: SettingsPlace,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, HtmlError> {
    let form_session = form.admin_session.as_deref();
    let session = place.session(&state, form_session, &crm, &account).await?;
    admin_session::check_change(&state, &session, &form.csrf).await?;
    tenant_links::release(&state, session.crm, &account).await.map_err(InstallError::from)?;
    place.changed(&state, &session, form_session, "tenant_released").await
}

/// `POST /settings/{crm}/{account}/check-webhooks`: Aurora sends a test delivery; the page
/// says whether it arrived.
pub async fn check_webhooks(
    State(state): State<SharedState>,
    place: SettingsPlace,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, HtmlError> {
    let form_session = form.admin_session.as_deref();
    let session = place.session(&state, form_session, &crm, &account).await?;
    admin_session::check_change(&state, &session, &form.csrf).await?;
    let mut status = axum::http::StatusCode::OK;
    let failure = match installations::check_webhooks(&state, session.crm, &account).await {
        Ok(true) => return place.changed(&state, &session, form_session, "webhook_check_ok").await,
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
    let page = place.page(&state, &session, form_session, None, Some(&failure)).await?;
    Ok((status, Html(page)).into_response())
}

#[derive(Deserialize)]
pub struct ToggleForm {
    csrf: String,
    enabled: Option<String>,
    /// The admin's session, in the CRM's settings surface.
    #[serde(default)]
    admin_session: Option<String>,
}

/// `POST /settings/{crm}/{account}/auto-create`.
pub async fn auto_create(
    State(state): State<SharedState>,
    place: SettingsPlace,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<ToggleForm>,
) -> Result<Response, HtmlError> {
    let form_session = form.admin_session.as_deref();
    let session = place.session(&state, form_session, &crm, &account).await?;
    admin_session::check_change(&state, &session, &form.csrf).await?;
    let enabled = form.enabled.as_deref() == Some("on");
    installations::set_auto_create(&state, session.crm, &account, enabled).await?;
    let notice = if enabled { "auto_create_on" } else { "auto_create_off" };
    place.changed(&state, &session, form_session, notice).await
}

/// `POST /settings/{crm}/{account}/amount`: whether the design's price is written to the
/// opportunity's own amount.
pub async fn amount(
    State(state): State<SharedState>,
    place: SettingsPlace,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<ToggleForm>,
) -> Result<Response, HtmlError> {
    let form_session = form.admin_session.as_deref();
    let session = place.session(&state, form_session, &crm, &account).await?;
    admin_session::check_change(&state, &session, &form.csrf).await?;
    let enabled = form.enabled.as_deref() == Some("on");
    if !storage::installations::set_write_amount(state.db(), session.crm, &account, enabled, state.now()).await? {
        return Err(InstallError::NotInstalled.into());
    }
    place.changed(&state, &session, form_session, if enabled { "amount_on" } else { "amount_off" }).await
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
    place: SettingsPlace,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let field = |wanted: &str| form.iter().find(|(name, _)| name == wanted).map(|(_, value)| value.as_str());
    let form_session = field("admin_session");
    let session = place.session(&state, form_session, &crm, &account).await?;
    let csrf = field("csrf").unwrap_or_default();
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
    place.changed(&state, &session, form_session, "site_source").await
}

/// `POST /settings/{crm}/{account}/stages`: the CRM stage each step of the sale moves a
/// record to (one field per step, named by it; empty: leave the stage alone).
pub async fn stages(
    State(state): State<SharedState>,
    place: SettingsPlace,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, HtmlError> {
    let field = |wanted: &str| form.iter().find(|(name, _)| name == wanted).map(|(_, value)| value.as_str());
    let form_session = field("admin_session");
    let session = place.session(&state, form_session, &crm, &account).await?;
    admin_session::check_change(&state, &session, field("csrf").unwrap_or_default()).await?;
    crate::installations::set_stage_map(&state, session.crm, &account, &form).await?;
    place.changed(&state, &session, form_session, "stages").await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
    /// The admin's session, in the CRM's settings surface.
    #[serde(default)]
    admin_session: Option<String>,
}

/// The uninstall form: its CSRF token, and the admin's confirmation.
#[derive(Deserialize)]
pub struct UninstallForm {
    csrf: String,
    /// `yes` when "Yes, uninstall it" is ticked.
    #[serde(default)]
    confirm: String,
    /// The admin's session, in the CRM's settings surface.
    #[serde(default)]
    admin_session: Option<String>,
}

/// `POST /settings/{crm}/{account}/uninstall`, confirmed (one press removes the
/// installation and revokes the CRM's authorization, with no undo: WCAG 3.3.4).
pub async fn uninstall(
    State(state): State<SharedState>,
    place: SettingsPlace,
    Path((crm, account)): Path<(String, String)>,
    Form(form): Form<UninstallForm>,
) -> Result<(CookieJar, Html<String>), HtmlError> {
    let session = place.session(&state, form.admin_session.as_deref(), &crm, &account).await?;
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
    let frame = place.frame(session.crm, None);
    let page = admin_pages::message_in("Uninstalled", &message, None, frame.as_ref());
    Ok((place.jar.add(removal(ADMIN_COOKIE, "/settings".into())), Html(page)))
}

/// Who opened the settings inside `crm`'s own settings surface, as its integration
/// verifies the load (a CRM this worker has no settings for opens nothing).
async fn opened_in_crm(
    state: &AppState,
    crm: Crm,
    method: &axum::http::Method,
    uri: &axum::http::Uri,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<crate::crm::embed::SettingsOpened, ApiError> {
    let integration = crm.integration();
    if !integration.is_configured(state) {
        return Err(crate::crm::ContextError::UnknownCrm(crm.as_str().to_owned()).into());
    }
    let load = crate::crm::embed::PageLoad {
        door: None,
        method,
        path_and_query: uri.path_and_query().map(|p| p.as_str()).unwrap_or(uri.path()),
        headers,
        body,
        now: state.now(),
    };
    Ok(integration.open_settings(state, load).await?)
}

/// `GET /crm-settings/{crm}`: the settings inside the CRM's own settings surface, as the
/// CRM loads them (its proof in the URL, verified by its integration, who opened them an
/// admin of the account). The admin's session begins here and travels in the page's forms.
pub async fn settings_in_crm(
    State(state): State<SharedState>,
    place: SettingsPlace,
    Path(crm): Path<String>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> Result<Html<String>, HtmlError> {
    let crm = Crm::parse(&crm)?;
    let opened = opened_in_crm(&state, crm, &method, &uri, &headers, &[]).await.map_err(HtmlError::of_crm(crm))?;
    let session = installations::session_in_crm(&state, crm, opened).await.map_err(HtmlError::of_crm(crm))?;
    let token = admin_session::cookie_value(&state, &session);
    Ok(Html(place.page(&state, &session, Some(&token), None, None).await?))
}

/// What a CRM's own settings page asks of the worker (HubSpot's settings extension, each
/// call through `hubspot.fetch`): the settings, or one change and then the settings.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SettingsCall {
    /// Where things stand.
    Read,
    /// Link the Aurora tenant whose user asked Aurora for `code`.
    LinkTenant {
        /// The link code.
        code: String,
    },
    /// Projects for every new record, or not.
    AutoCreate {
        /// On or off.
        enabled: bool,
    },
}

/// `POST /crm-settings/{crm}`: a call of the CRM's own settings page, verified by the
/// CRM's integration as the CRM signs it (who calls must be an admin of the account now),
/// answered with the settings as data after the change it asks for. Every call carries its
/// own proof: there is no session to keep.
pub async fn settings_call_in_crm(
    State(state): State<SharedState>,
    Path(crm): Path<String>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<super::Json<admin_pages::SettingsSummary>, ApiError> {
    let crm = Crm::parse(&crm)?;
    let opened = opened_in_crm(&state, crm, &axum::http::Method::POST, &uri, &headers, &body).await?;
    let call: SettingsCall = serde_json::from_slice(&body).map_err(|e| ApiError::InvalidBody(e.to_string()))?;
    let session = installations::session_in_crm(&state, crm, opened).await?;
    let account = session.account_id.clone();
    let notice = match call {
        SettingsCall::Read => None,
        SettingsCall::LinkTenant { code } => {
            let link = tenant_links::link(&state, crm, &account, &code).await.map_err(InstallError::from)?;
            Some(if link.made == TenantLink::AwaitingOperator { "tenant_awaiting_operator" } else { "tenant" })
        }
        SettingsCall::AutoCreate { enabled } => {
            installations::set_auto_create(&state, crm, &account, enabled).await?;
            Some(if enabled { "auto_create_on" } else { "auto_create_off" })
        }
    };
    let health = installations::health(&state, crm, &account).await?;
    Ok(super::Json(admin_pages::settings_summary(&session, &health, admin_pages::notice(notice, crm))))
}
