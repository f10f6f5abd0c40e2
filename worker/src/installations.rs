//! Installing the app from a CRM's marketplace, and what its admin does afterwards: link
//! the Aurora tenant, read the installation's health, uninstall.
//!
//! The install is OAuth 2.0's authorization code flow, the same for every CRM: the start
//! sends the admin to the CRM's consent page with a `state` that is signed, expires in 10
//! minutes and is bound to the admin's browser by a cookie; the callback checks both and
//! hands the code to the CRM's integration, which exchanges it server-side, asks the CRM
//! who consented (admins only) and seals the tokens. The CRM's webhooks are then
//! subscribed, and the admin gets a session for the settings page. The CRM's tokens never
//! leave the worker.

use crate::storage::rate_limits::{self, Limit};
use crate::{
    AppState,
    admin_session::{ADMIN_SESSION_SECONDS, AdminSession},
    crm::{AccessError, Crm, InstallRefusal, InstalledAccount, embed::SettingsOpened},
    crypto::{self, Purpose, jwt},
    jobs::{self, Kind},
    storage::{StorageError, installations, jobs::DeadWork},
};
use aurora_api::TenantId;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// How long an install may take from the marketplace click to the callback.
pub const STATE_LIFETIME_SECONDS: i64 = 10 * 60;

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
    /// The account has no installation (any more).
    #[error("the app is not installed for this CRM account: install it from the CRM's marketplace")]
    NotInstalled,
    /// Linking the Aurora tenant with a code from Aurora failed.
    #[error(transparent)]
    Link(#[from] crate::tenant_links::LinkError),
    /// Aurora did not answer.
    #[error("Aurora is not answering right now ({0}); try again in a minute")]
    AuroraUnavailable(String),
    /// Aurora would not send a test delivery.
    #[error("Aurora could not send a test webhook: {0}")]
    WebhookCheck(String),
    /// A stage chosen for a step of the sale is not among the CRM's stages (any more).
    #[error("the CRM has no stage `{0}` now: reload the settings and choose again")]
    UnknownStage(String),
    /// "Uninstall" was pressed without its confirmation ticked.
    #[error("nothing was removed: tick \"Yes, uninstall it\" beside the button to confirm, then press Uninstall")]
    UninstallNotConfirmed,
    /// Too many install steps from one client.
    #[error("too many installs started from here: try again {}", crate::wording::wait(*.0))]
    TooManyInstalls(i64),
    /// Too many test webhooks asked for (this installation's, or everyone's).
    #[error("too many test webhooks asked for: try again {}", crate::wording::wait(*.0))]
    TooManyChecks(i64),
    /// The CRM refused or failed.
    #[error(transparent)]
    Crm(#[from] AccessError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<InstallRefusal> for InstallError {
    fn from(refusal: InstallRefusal) -> Self {
        match refusal {
            InstallRefusal::NotAdmin(account) => InstallError::NotAdmin(account),
            InstallRefusal::Access(error) => InstallError::Crm(error),
        }
    }
}

/// What the `state` parameter carries.
#[derive(Serialize, Deserialize)]
struct InstallState {
    /// Equals the browser's install cookie.
    nonce: String,
    exp: i64,
}

fn configured(state: &AppState, crm: Crm) -> Result<(), InstallError> {
    if crm.integration().is_configured(state) { Ok(()) } else { Err(InstallError::NotConfigured) }
}

/// Where to send the admin's browser, and the nonce for its install cookie.
pub fn start(state: &AppState, crm: Crm) -> Result<(String, String), InstallError> {
    configured(state, crm)?;
    let nonce = crypto::random_token(16).map_err(AccessError::from)?;
    let claims = InstallState { nonce: nonce.clone(), exp: state.now() + STATE_LIFETIME_SECONDS };
    let master = state.config.signing_secret.expose_secret().as_bytes();
    let signed = jwt::sign_for(master, Purpose::InstallState, &claims);
    let (_, challenge) = crypto::pkce(master, &nonce);
    let url = crm.integration().authorize_url(state, &signed, &challenge).map_err(|_| InstallError::NotConfigured)?;
    Ok((url, nonce))
}

/// Installs one client address may start or complete: a person installs a few times at
/// most, and each completion costs a call to the CRM's token endpoint with our client
/// credentials.
pub const INSTALL_STEPS_PER_CLIENT: Limit = Limit { hits: 60, window_seconds: 10 * 60 };

/// Counts an install step (start or callback) of `client`; the wait when over its limit.
pub async fn limit_install_steps(state: &AppState, client: &str) -> Result<(), InstallError> {
    let key = format!("install:client:{client}");
    match rate_limits::hit(state.db(), &key, INSTALL_STEPS_PER_CLIENT, state.now()).await? {
        Some(wait) => Err(InstallError::TooManyInstalls(wait)),
        None => Ok(()),
    }
}

/// Asks the CRM to tell us about new opportunities from now on (its webhook, or the poll's
/// starting point). A failure is the admin's to see on the health section, not an error
/// of the install or the save that asked.
pub async fn listen_for_new_opportunities(state: &AppState, crm: Crm, account: &str) -> Result<(), StorageError> {
    if let Err(error) = crm.integration().start_listening(state, account).await {
        tracing::warn!(account, %error, "could not subscribe the CRM webhook");
        let message = format!("Subscribing the CRM webhook failed: {error}");
        installations::record_error(state.db(), crm, account, &message, state.now()).await?;
    }
    Ok(())
}

/// The nonce of a callback's `state` (signed by us under `master`, unexpired at `now`) when
/// it is the browser's install cookie's: the pure half of [`complete`], which the fuzz
/// target `oauth_callback` drives with any query and cookie.
pub fn install_state_nonce(
    master: &[u8],
    state_param: &str,
    cookie_nonce: Option<&str>,
    now: i64,
) -> Result<String, InstallError> {
    let claims: InstallState =
        jwt::verify_for(master, Purpose::InstallState, state_param, now, |s: &InstallState| s.exp)
            .ok_or(InstallError::StateMismatch)?;
    let bound = cookie_nonce.is_some_and(|nonce| bool::from(nonce.as_bytes().ct_eq(claims.nonce.as_bytes())));
    if bound { Ok(claims.nonce) } else { Err(InstallError::StateMismatch) }
}

/// The callback: `state` checked against the browser's cookie, the code exchanged, the
/// installation stored, the webhooks subscribed. Answers the admin's session.
pub async fn complete(
    state: &AppState,
    crm: Crm,
    code: &str,
    state_param: &str,
    cookie_nonce: Option<&str>,
) -> Result<Completed, InstallError> {
    let master = state.config.signing_secret.expose_secret().as_bytes();
    let nonce = install_state_nonce(master, state_param, cookie_nonce, state.now())?;
    configured(state, crm)?;
    let now = state.now();
    // A state works once: a replayed callback never reaches the CRM's token endpoint.
    if !crate::storage::one_time::spend_install_nonce(state.db(), &nonce, now, STATE_LIFETIME_SECONDS).await? {
        return Err(InstallError::StateMismatch);
    }
    let (verifier, _) = crypto::pkce(master, &nonce);
    let installed = match complete_install(state, crm, code, &verifier, now).await? {
        Install::Account(installed) => installed,
        Install::ForUser { account_name, user_name } => return Ok(Completed::ForUser { account_name, user_name }),
    };
    let account = installed.account_id.as_str();
    // A new epoch ends every earlier admin session of this installation.
    let epoch = crypto::random_token(12).map_err(AccessError::from)?;
    installations::install(state.db(), crm, account, &installed.user_id, &installed.tokens_sealed, &epoch, now).await?;
    tracing::info!(crm = crm.as_str(), account, user = %installed.user_id, "installed");
    listen_for_new_opportunities(state, crm, account).await?;
    let admin = SettingsOpened {
        account_id: installed.account_id,
        account_name: installed.account_name,
        user_id: installed.user_id,
        user_name: installed.user_name,
    };
    Ok(Completed::Admin(admin_session(state, crm, epoch, admin)?))
}

/// A new settings session of `admin`, under the installation's `epoch`.
fn admin_session(
    state: &AppState,
    crm: Crm,
    epoch: String,
    admin: SettingsOpened,
) -> Result<AdminSession, InstallError> {
    Ok(AdminSession {
        crm,
        epoch,
        csrf: crypto::random_token(16).map_err(AccessError::from)?,
        exp: state.now() + ADMIN_SESSION_SECONDS,
        account_id: admin.account_id,
        account_name: admin.account_name,
        user_id: admin.user_id,
        user_name: admin.user_name,
    })
}

/// The settings session of the admin `opened` names, who opened them inside the CRM (its
/// integration verified that, and that they are the account's admin now).
pub async fn session_in_crm(state: &AppState, crm: Crm, opened: SettingsOpened) -> Result<AdminSession, InstallError> {
    let installation =
        installations::find(state.db(), crm, &opened.account_id).await?.ok_or(InstallError::NotInstalled)?;
    admin_session(state, crm, installation.session_epoch, opened)
}

/// How an install ended.
#[derive(Debug)]
pub enum Completed {
    /// An admin installed (or reinstalled) for the account: their settings session.
    Admin(AdminSession),
    /// A user installed for themself, where the CRM shows the app only to users who did
    /// (see [`crate::crm::CrmIntegration::installs_per_user`]); the account's link, tokens
    /// and settings stay the admin's.
    ForUser { account_name: String, user_name: String },
}

/// What the CRM's consent amounts to.
enum Install {
    Account(InstalledAccount),
    ForUser { account_name: String, user_name: String },
}

/// The install's OAuth, the same for every CRM, each supplying only what differs: the code
/// exchanged once, the CRM asked who consented (the account and user the exchange named,
/// when it named them; admins only), the tokens sealed for the installation. Tokens that
/// end in no install are given back to the CRM.
async fn complete_install(
    state: &AppState,
    crm: Crm,
    code: &str,
    code_verifier: &str,
    now: i64,
) -> Result<Install, InstallRefusal> {
    let integration = crm.integration();
    let exchanged = integration.exchange_code(state, code, code_verifier, now).await?;
    let refuse = |refusal: InstallRefusal| async {
        if let Err(error) = integration.give_back(state, &exchanged.tokens).await {
            tracing::warn!(crm = crm.as_str(), %error, "could not give a refused install's tokens back");
        }
        Err(refusal)
    };
    let consent = match integration.consent(state, &exchanged.tokens).await {
        Ok(consent) if exchanged.names(&consent) => consent,
        Ok(_) => return refuse(AccessError::NotAuthorized.into()).await,
        Err(error) => return refuse(error.into()).await,
    };
    if !consent.may_install {
        // A user of an installed account installing for themself: nothing of the account
        // changes, and their tokens are not kept. They are not given back either: revoking
        // them would uninstall the app for that user in the CRM.
        let account_installed = installations::find(state.db(), crm, &consent.account_id).await;
        if integration.installs_per_user() && matches!(account_installed, Ok(Some(_))) {
            return Ok(Install::ForUser { account_name: consent.account_name, user_name: consent.user_name });
        }
        return refuse(InstallRefusal::NotAdmin(consent.account_name)).await;
    }
    Ok(Install::Account(InstalledAccount {
        tokens_sealed: crate::crm::tokens::seal(state, crm, &consent.account_id, &exchanged.tokens)?,
        account_id: consent.account_id,
        account_name: consent.account_name,
        user_id: consent.user_id,
        user_name: consent.user_name,
    }))
}

/// How long the settings page waits for Aurora's test delivery.
pub const CHECK_WAIT_SECONDS: u64 = 10;

/// Test webhooks an installation may ask for: each costs two application-key calls, which
/// every customer shares.
pub const CHECKS_PER_INSTALLATION: Limit = Limit { hits: 3, window_seconds: 10 * 60 };
/// ... and every installation together.
pub const CHECKS_OVERALL: Limit = Limit { hits: 10, window_seconds: 60 };

/// Asks Aurora for a test delivery of our simulation webhook (for the installation's
/// tenant) and waits for the receiver to record it. `Ok(false)`: it did not arrive in time.
pub async fn check_webhooks(state: &AppState, crm: Crm, account_id: &str) -> Result<bool, InstallError> {
    let installation = installations::find(state.db(), crm, account_id).await?.ok_or(InstallError::NotInstalled)?;
    let now = state.now();
    for (key, limit) in [
        (format!("check-webhooks:{}:{account_id}", crm.as_str()), CHECKS_PER_INSTALLATION),
        ("check-webhooks".to_owned(), CHECKS_OVERALL),
    ] {
        if let Some(wait) = rate_limits::hit(state.db(), &key, limit, now).await? {
            return Err(InstallError::TooManyChecks(wait));
        }
    }
    let tenant = installation.aurora_tenant_id.as_deref().and_then(|t| TenantId::parse(t).ok());
    let marker = format!("check-{}", crypto::random_token(9).map_err(AccessError::from)?);
    crate::aurora_subscriptions::trigger_check(&state.aurora, tenant, &marker).await.map_err(|error| match error {
        crate::aurora_subscriptions::CheckError::NotSubscribed => InstallError::WebhookCheck(error.to_string()),
        crate::aurora_subscriptions::CheckError::Aurora(error) if error.is_transient() => {
            InstallError::AuroraUnavailable(error.to_string())
        }
        crate::aurora_subscriptions::CheckError::Aurora(error) => InstallError::WebhookCheck(error.to_string()),
    })?;
    let key = crate::jobs::aurora_event::check_key(&marker);
    let step = std::time::Duration::from_millis(250);
    for _ in 0..(CHECK_WAIT_SECONDS * 4) {
        if crate::storage::aurora_events::find(state.db(), &key).await?.is_some() {
            tracing::info!(account = account_id, "Aurora's test delivery arrived");
            return Ok(true);
        }
        state.http.sleep(step).await;
    }
    tracing::warn!(account = account_id, "Aurora's test delivery did not arrive in time");
    Ok(false)
}

/// What the settings page shows about an installation's health.
pub struct Health {
    /// The installation.
    pub installation: installations::Installation,
    /// Whether the CRM will tell us about new opportunities, or why that could not be read.
    pub webhooks_subscribed: Result<bool, String>,
    /// Background work that died, per kind that has any.
    pub dead_work: Vec<(Kind, DeadWork)>,
    /// Opportunities for which Aurora may hold a second project (a late attempt's).
    pub late_projects: Vec<crate::storage::late_projects::LateProject>,
    /// What this deployment's traffic has shown of the CRM's behaviour.
    pub observations: Vec<crate::storage::vendor_observations::Observation>,
    /// What Aurora answered to session tokens it should refuse (deployment-wide).
    pub session_rules: crate::tenant_links::session_rules::SessionRules,
    /// The CRM's stages for opportunities (to map the sale's steps to), or why they could
    /// not be read.
    pub stages: Result<Vec<crate::stages::CrmStage>, String>,
}

/// Turns automatic projects on or off for the account's new opportunities. On, the CRM is
/// listened to from now (a polled CRM starts from here, a subscription that went missing
/// comes back).
pub async fn set_auto_create(state: &AppState, crm: Crm, account: &str, enabled: bool) -> Result<(), InstallError> {
    if !installations::set_auto_create(state.db(), crm, account, enabled, state.now()).await? {
        return Err(InstallError::NotInstalled);
    }
    if enabled {
        listen_for_new_opportunities(state, crm, account).await?;
    }
    Ok(())
}

/// Keeps the admin's choice of stage for each step of the sale: only stages the CRM has
/// (read now) are kept; a step left empty moves nothing.
pub async fn set_stage_map(
    state: &AppState,
    crm: Crm,
    account: &str,
    chosen: &[(String, String)],
) -> Result<(), InstallError> {
    use crate::stages::{SaleStep, StageMap};
    let stages = crm.integration().stages(state, account).await?;
    let mut map = StageMap::default();
    for (step, stage) in chosen {
        let (Some(step), false) = (SaleStep::parse(step), stage.is_empty()) else { continue };
        if !stages.iter().any(|s| &s.id == stage) {
            return Err(InstallError::UnknownStage(stage.clone()));
        }
        map.0.insert(step, stage.clone());
    }
    let json = serde_json::to_string(&map).map_err(|e| StorageError::Decode(e.to_string()))?;
    if !installations::set_stage_map(state.db(), crm, account, &json, state.now()).await? {
        return Err(InstallError::NotInstalled);
    }
    Ok(())
}

/// The installation and its live health.
pub async fn health(state: &AppState, crm: Crm, account_id: &str) -> Result<Health, InstallError> {
    let installation = installations::find(state.db(), crm, account_id).await?.ok_or(InstallError::NotInstalled)?;
    let webhooks_subscribed = crm.integration().is_listening(state, account_id).await.map_err(|e| e.to_string());
    let dead_work = jobs::dead_work(state, &installation).await?;
    let late_projects = crate::storage::late_projects::of_installation(state.db(), crm, account_id, 10).await?;
    let observations = crate::storage::vendor_observations::of_crm(state.db(), crm.as_str()).await?;
    let session_rules = crate::tenant_links::session_rules::SessionRules::load(state).await?;
    let stages = crm.integration().stages(state, account_id).await.map_err(|e| e.to_string());
    Ok(Health { installation, webhooks_subscribed, dead_work, late_projects, observations, session_rules, stages })
}

/// Uninstalls: the CRM revokes our tokens (and so drops our webhooks), and the
/// installation and its tokens are deleted here. A CRM that cannot be reached does not
/// keep the admin from uninstalling; its tokens then simply expire unused.
pub async fn uninstall(state: &AppState, crm: Crm, account_id: &str) -> Result<(), InstallError> {
    let installation = installations::find(state.db(), crm, account_id).await?.ok_or(InstallError::NotInstalled)?;
    if let Err(error) = crm.integration().revoke(state, &installation).await {
        tracing::warn!(account = %account_id, %error, "the CRM did not confirm the revocation; uninstalling anyway");
    }
    crate::jobs::forget_installation(state, crm, account_id).await?;
    Ok(())
}
