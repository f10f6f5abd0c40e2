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

/// Checks a settings form's CSRF field against the session.
pub fn check_csrf(session: &AdminSession, csrf: &str) -> Result<(), AdminSessionError> {
    if bool::from(session.csrf.as_bytes().ct_eq(csrf.as_bytes())) { Ok(()) } else { Err(AdminSessionError::Csrf) }
}
