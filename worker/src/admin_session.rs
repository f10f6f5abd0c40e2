//! The admin's session on the settings pages: a signed cookie (HS256 under its own derived
//! key) naming one installation, with the CSRF value its forms must echo.

use crate::{
    AppState,
    crypto::{Purpose, jwt},
    ids::Crm,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// Why a settings request was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminSessionError {
    /// The settings need an admin session, which comes from signing in through the CRM.
    #[error("sign in through your CRM to see these settings")]
    SessionRequired,
    /// The session is for another account than the page.
    #[error("these settings belong to another CRM account")]
    WrongAccount,
    /// A settings form without this session's CSRF token.
    #[error("this form has expired: reload the settings page and try again")]
    Csrf,
    /// The CRM says the session's user is no longer an admin of the account.
    #[error("you are no longer an admin of this CRM account: ask an admin to change these settings")]
    NoLongerAdmin,
    /// The CRM could not say whether the user is still an admin.
    #[error("your CRM did not confirm that you are still an admin ({0}); try again in a minute")]
    RoleUnknown(String),
    /// The CRM no longer accepts the installation's authorization (the app was removed or
    /// revoked in the CRM): nobody's role can be asked any more.
    #[error(
        "your CRM no longer accepts this app's authorization (it was removed or revoked there): uninstall it here, or install it again from the CRM's marketplace"
    )]
    AuthorizationGone,
    /// The installation could not be read.
    #[error(transparent)]
    Storage(crate::storage::StorageError),
}

/// How long an admin session of the settings page lasts. Short: a role taken away in the
/// CRM ends the session at the latest then (signing in again checks the role with the CRM).
pub const ADMIN_SESSION_SECONDS: i64 = 15 * 60;

/// An admin signed in to the settings of one installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSession {
    /// The CRM.
    pub crm: Crm,
    /// The account the admin administers.
    pub account_id: String,
    /// Its name, for the page.
    pub account_name: String,
    /// The admin.
    pub user_id: String,
    /// Their name, for the page.
    pub user_name: String,
    /// The installation's session epoch when the session began: a reinstall or uninstall
    /// changes it, and so ends the session.
    pub epoch: String,
    /// Echoed by the settings forms.
    pub csrf: String,
    /// Expiry, unix seconds.
    pub exp: i64,
}

/// The admin session cookie's value.
pub fn cookie_value(state: &AppState, session: &AdminSession) -> String {
    jwt::sign_for(state.config.signing_secret.expose_secret().as_bytes(), Purpose::AdminSession, session)
}

/// The admin session of a cookie, checked: signature, expiry, the account of the page, and
/// the installation as it is now (its epoch: not reinstalled or uninstalled since).
pub async fn check(
    state: &AppState,
    cookie: Option<&str>,
    crm: Crm,
    account_id: &str,
) -> Result<AdminSession, AdminSessionError> {
    let master = state.config.signing_secret.expose_secret();
    let session: AdminSession = cookie
        .and_then(|c| {
            jwt::verify_for(master.as_bytes(), Purpose::AdminSession, c, state.now(), |s: &AdminSession| s.exp)
        })
        .ok_or(AdminSessionError::SessionRequired)?;
    if session.crm != crm || session.account_id != account_id {
        return Err(AdminSessionError::WrongAccount);
    }
    let installation = crate::storage::installations::find(state.db(), crm, account_id)
        .await
        .map_err(AdminSessionError::Storage)?
        .ok_or(AdminSessionError::SessionRequired)?;
    let current = bool::from(installation.session_epoch.as_bytes().ct_eq(session.epoch.as_bytes()));
    if !current || session.epoch.is_empty() {
        return Err(AdminSessionError::SessionRequired);
    }
    Ok(session)
}

/// Before a change to the settings: the form's CSRF field, and the admin's role as the CRM
/// has it now (taken away since the session began: refused). An installation without CRM
/// tokens (made by the operator's CLI) has no CRM to ask.
pub async fn check_change(state: &AppState, session: &AdminSession, csrf: &str) -> Result<(), AdminSessionError> {
    check_csrf(session, csrf)?;
    check_role(state, session).await
}

/// The admin's role as the CRM has it now: taken away since the session began, refused.
/// Reading the settings asks too, so a demoted admin does not keep reading them for the
/// rest of the session.
pub async fn check_role(state: &AppState, session: &AdminSession) -> Result<(), AdminSessionError> {
    let installation = crate::storage::installations::find(state.db(), session.crm, &session.account_id)
        .await
        .map_err(AdminSessionError::Storage)?
        .ok_or(AdminSessionError::SessionRequired)?;
    if installation.crm_tokens_sealed.is_none() {
        return Ok(());
    }
    match session.crm.integration().still_admin(state, &session.account_id, &session.user_id).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(AdminSessionError::NoLongerAdmin),
        Err(
            crate::crm::AccessError::NotAuthorized
            | crate::crm::AccessError::Crm(crate::crm::CrmError::InvalidGrant | crate::crm::CrmError::Unauthorized),
        ) => Err(AdminSessionError::AuthorizationGone),
        Err(error) => Err(AdminSessionError::RoleUnknown(error.to_string())),
    }
}

/// Checks a settings form's CSRF field against the session.
pub fn check_csrf(session: &AdminSession, csrf: &str) -> Result<(), AdminSessionError> {
    if bool::from(session.csrf.as_bytes().ct_eq(csrf.as_bytes())) { Ok(()) } else { Err(AdminSessionError::Csrf) }
}
