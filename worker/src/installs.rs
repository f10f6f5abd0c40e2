//! Installing the app from a CRM's marketplace, and the admin's settings.
//!
//! The install is OAuth 2.0's authorization code flow: `/install/demo/start` sends the
//! admin to the CRM's consent page with a `state` that is signed, expires in 10 minutes
//! and is bound to the admin's browser by a cookie; the callback checks both, exchanges
//! the code server-side with our client secret, asks the CRM who consented (admins
//! only), seals the tokens, subscribes the CRM's `opportunity.created` webhook, and opens
//! an admin session for the settings page. The CRM's tokens never leave the worker.

use crate::{
    AppState,
    crm::demo::{
        access::{self, AccessError},
        client::CrmWebhook,
    },
    crypto::{self, Purpose},
    storage::{StorageError, installations},
};
use aurora_api::TenantId;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// How long an install may take from the marketplace click to the callback.
pub const STATE_LIFETIME_SECONDS: u64 = 10 * 60;
/// How long an admin session of the settings page lasts.
pub const ADMIN_SESSION_SECONDS: u64 = 60 * 60;
/// The CRM event that creates projects automatically.
pub const OPPORTUNITY_CREATED: &str = "opportunity.created";
/// What we ask the demo CRM for.
pub const SCOPES: &str = "opportunities.read opportunities.write webhooks";

/// Why an install or a settings change failed; each says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// This worker has no such CRM configured.
    #[error("installing from this CRM is not configured on this worker")]
    NotConfigured,
    /// `state` missing, expired, forged, or from another browser.
    #[error(
        "this install link has expired or was opened in another browser: start the install again from the CRM's marketplace"
    )]
    StateMismatch,
    /// The admin cancelled on the CRM's consent screen (or the CRM refused).
    #[error("the install was cancelled in the CRM ({0}); nothing was installed")]
    Declined(String),
    /// The consenting user is not an admin of the account.
    #[error("only an admin of {0} can install the app or change its settings")]
    NotAdmin(String),
    /// The settings need an admin session, which comes from signing in through the CRM.
    #[error("sign in through your CRM to see these settings")]
    SessionRequired,
    /// The session is for another account than the page.
    #[error("these settings belong to another CRM account")]
    WrongAccount,
    /// A settings form without this session's CSRF token.
    #[error("this form has expired: reload the settings page and try again")]
    Csrf,
    /// The account has no installation (any more).
    #[error("the app is not installed for this CRM account: install it from the CRM's marketplace")]
    NotInstalled,
    /// Not an Aurora tenant id.
    #[error(
        "`{0}` is not an Aurora tenant id: copy it from Aurora (Settings > Apps), it looks like 7e57a000-0000-4000-8000-000000000001"
    )]
    InvalidTenant(String),
    /// Aurora would not mint a key for the tenant.
    #[error(
        "Aurora refused access to tenant {tenant}: check the id, and that the tenant's admin enabled the app in Aurora ({reason})"
    )]
    TenantRefused {
        /// The tenant.
        tenant: String,
        /// Aurora's answer.
        reason: String,
    },
    /// Aurora did not answer.
    #[error("Aurora is not answering right now ({0}); try again in a minute")]
    AuroraUnavailable(String),
    /// The CRM refused or failed.
    #[error(transparent)]
    Crm(#[from] AccessError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What the `state` parameter carries.
#[derive(Serialize, Deserialize)]
struct InstallState {
    /// Equals the browser's install cookie.
    nonce: String,
    exp: u64,
}

/// An admin signed in to the settings of one installation (a cookie, HS256).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSession {
    /// The CRM.
    pub crm: String,
    /// The account the admin administers.
    pub account_id: String,
    /// Its name, for the page.
    pub account_name: String,
    /// The admin.
    pub user_id: String,
    /// Their name, for the page.
    pub user_name: String,
    /// Echoed by the settings forms.
    pub csrf: String,
    /// Expiry, unix seconds.
    pub exp: u64,
}

fn sign<T: Serialize>(state: &AppState, purpose: Purpose, claims: &T) -> String {
    let key = crypto::derive_key(state.config.signing_secret.expose_secret().as_bytes(), purpose);
    // HMAC over our own serializable claims cannot fail.
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(&key)).unwrap_or_default()
}

fn verify<T: serde::de::DeserializeOwned>(
    state: &AppState,
    purpose: Purpose,
    token: &str,
    exp_of: impl Fn(&T) -> u64,
) -> Option<T> {
    let key = crypto::derive_key(state.config.signing_secret.expose_secret().as_bytes(), purpose);
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false; // against the host's clock, below
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<T>(token, &DecodingKey::from_secret(&key), &validation).ok()?.claims;
    (exp_of(&claims) > state.now()).then_some(claims)
}

/// Where to send the admin's browser, and the nonce for its install cookie.
pub fn start(state: &AppState) -> Result<(String, String), InstallError> {
    let client = access::client(state).map_err(|_| InstallError::NotConfigured)?;
    let nonce = crypto::random_token(16).map_err(|e| InstallError::Crm(e.into()))?;
    let signed = sign(
        state,
        Purpose::InstallState,
        &InstallState { nonce: nonce.clone(), exp: state.now() + STATE_LIFETIME_SECONDS },
    );
    Ok((client.authorize_url(&signed, SCOPES), nonce))
}

/// The callback: `state` checked against the browser's cookie, the code exchanged, the
/// installation stored, the webhook subscribed. Answers the admin's session.
pub async fn complete(
    state: &AppState,
    code: &str,
    state_param: &str,
    cookie_nonce: Option<&str>,
) -> Result<AdminSession, InstallError> {
    let claims: InstallState = verify(state, Purpose::InstallState, state_param, |s: &InstallState| s.exp)
        .ok_or(InstallError::StateMismatch)?;
    let bound = cookie_nonce.is_some_and(|nonce| bool::from(nonce.as_bytes().ct_eq(claims.nonce.as_bytes())));
    if !bound {
        return Err(InstallError::StateMismatch);
    }
    let client = access::client(state).map_err(|_| InstallError::NotConfigured)?;
    let now = state.now() as i64;
    let (tokens, account_id) = client.exchange_code(code, now).await.map_err(AccessError::from)?;
    let me = client.me(&tokens.access_token).await.map_err(AccessError::from)?;
    if me.account.id != account_id {
        return Err(InstallError::Crm(AccessError::NotAuthorized));
    }
    if !me.user.is_admin() {
        // Give the CRM its tokens back: nothing is installed on a refused install.
        let _ = client.revoke(&tokens.refresh_token).await;
        return Err(InstallError::NotAdmin(me.account.name));
    }
    installations::install(
        state.db.as_ref(),
        "demo",
        &account_id,
        &me.user.id,
        &access::seal(state, &account_id, &tokens)?,
        now,
    )
    .await?;
    tracing::info!(account = %account_id, user = %me.user.id, "installed from the demo CRM");
    if let Err(error) = subscribe_webhook(state, &account_id).await {
        tracing::warn!(account = %account_id, %error, "could not subscribe the CRM webhook");
        installations::record_error(
            state.db.as_ref(),
            "demo",
            &account_id,
            &format!("Subscribing the CRM webhook failed: {error}"),
            now,
        )
        .await?;
    }
    Ok(AdminSession {
        crm: "demo".into(),
        account_id,
        account_name: me.account.name,
        user_id: me.user.id,
        user_name: me.user.name,
        csrf: crypto::random_token(16).map_err(|e| InstallError::Crm(e.into()))?,
        exp: state.now() + ADMIN_SESSION_SECONDS,
    })
}

/// Subscribes the CRM's `opportunity.created` webhook to this worker (idempotent).
pub async fn subscribe_webhook(state: &AppState, account_id: &str) -> Result<CrmWebhook, AccessError> {
    let target = state.config.demo_crm.as_ref().ok_or(AccessError::NotConfigured)?.webhook_url();
    access::with_access_token(state, account_id, |client, token| {
        let target = target.clone();
        async move { client.subscribe(&token, OPPORTUNITY_CREATED, &target).await }
    })
    .await
}

/// The admin session cookie's value.
pub fn session_cookie_value(state: &AppState, session: &AdminSession) -> String {
    sign(state, Purpose::AdminSession, session)
}

/// The admin session of a cookie, checked: signature, expiry, and the account of the page.
pub fn admin_session(
    state: &AppState,
    cookie: Option<&str>,
    crm: &str,
    account_id: &str,
) -> Result<AdminSession, InstallError> {
    let session: AdminSession = cookie
        .and_then(|c| verify(state, Purpose::AdminSession, c, |s: &AdminSession| s.exp))
        .ok_or(InstallError::SessionRequired)?;
    if session.crm != crm || session.account_id != account_id {
        return Err(InstallError::WrongAccount);
    }
    Ok(session)
}

/// Checks a settings form's CSRF field against the session.
pub fn check_csrf(session: &AdminSession, csrf: &str) -> Result<(), InstallError> {
    if bool::from(session.csrf.as_bytes().ct_eq(csrf.as_bytes())) { Ok(()) } else { Err(InstallError::Csrf) }
}

/// Links the Aurora tenant, after Aurora minted a temporary key for it (which proves the
/// tenant exists and enabled our app).
pub async fn link_tenant(state: &AppState, account_id: &str, raw: &str) -> Result<TenantId, InstallError> {
    let tenant =
        TenantId::parse(raw.trim()).map_err(|_| InstallError::InvalidTenant(raw.trim().chars().take(60).collect()))?;
    let now = state.now() as i64;
    match state.keys.key(&state.aurora, &crate::temporary_keys::NoSessionTokens, tenant, now).await {
        Ok(_) => {}
        Err(error)
            if matches!(
                error,
                aurora_api::AuroraError::RateLimited { .. }
                    | aurora_api::AuroraError::Server { .. }
                    | aurora_api::AuroraError::Transport(_)
            ) =>
        {
            return Err(InstallError::AuroraUnavailable(error.to_string()));
        }
        Err(error) => {
            return Err(InstallError::TenantRefused { tenant: tenant.to_string(), reason: error.to_string() });
        }
    }
    if !installations::link_tenant(state.db.as_ref(), "demo", account_id, &tenant.to_string(), now).await? {
        return Err(InstallError::NotInstalled);
    }
    tracing::info!(account = %account_id, %tenant, "Aurora tenant linked");
    Ok(tenant)
}

/// What the settings page shows about an installation's health.
pub struct Health {
    /// The installation.
    pub installation: installations::Installation,
    /// Our webhook subscriptions in the CRM, or why they could not be read.
    pub subscriptions: Result<Vec<CrmWebhook>, String>,
}

impl Health {
    /// Whether the CRM will tell us about new opportunities.
    pub fn subscribed(&self, state: &AppState) -> bool {
        let target = state.config.demo_crm.as_ref().map(|c| c.webhook_url());
        self.subscriptions.as_ref().is_ok_and(|subs| {
            subs.iter().any(|s| s.event == OPPORTUNITY_CREATED && Some(&s.target_url) == target.as_ref())
        })
    }
}

/// The installation and its live health.
pub async fn health(state: &AppState, account_id: &str) -> Result<Health, InstallError> {
    let installation =
        installations::find(state.db.as_ref(), "demo", account_id).await?.ok_or(InstallError::NotInstalled)?;
    let subscriptions =
        access::with_access_token(state, account_id, |client, token| async move { client.list_webhooks(&token).await })
            .await
            .map_err(|e| e.to_string());
    Ok(Health { installation, subscriptions })
}

/// Uninstalls: the CRM revokes our tokens (and so drops our webhooks), and the
/// installation and its tokens are deleted here. A CRM that cannot be reached does not
/// keep the admin from uninstalling; its tokens then simply expire unused.
pub async fn uninstall(state: &AppState, account_id: &str) -> Result<(), InstallError> {
    let installation =
        installations::find(state.db.as_ref(), "demo", account_id).await?.ok_or(InstallError::NotInstalled)?;
    if let (Ok(client), Ok(tokens)) = (access::client(state), access::open(state, &installation))
        && let Err(error) = client.revoke(&tokens.refresh_token).await
    {
        tracing::warn!(account = %account_id, %error, "the CRM did not confirm the revocation; uninstalling anyway");
    }
    installations::remove(state.db.as_ref(), "demo", account_id).await?;
    tracing::info!(account = %account_id, "uninstalled");
    Ok(())
}
