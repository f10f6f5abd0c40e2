//! The admin's session on the settings pages: a signed cookie (HS256 under its own derived
//! key) naming one installation, with the CSRF value its forms must echo.

use crate::{
    AppState,
    crm::Crm,
    crypto::{self, Purpose, jwt},
    installations::InstallError,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use subtle::ConstantTimeEq;

/// How long an admin session of the settings page lasts.
pub const ADMIN_SESSION_SECONDS: i64 = 60 * 60;

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
    /// Echoed by the settings forms.
    pub csrf: String,
    /// Expiry, unix seconds.
    pub exp: i64,
}

/// Signs `claims` under the key of `purpose`.
pub(crate) fn sign<T: Serialize>(state: &AppState, purpose: Purpose, claims: &T) -> String {
    jwt::sign(claims, &crypto::derive_key(state.config.signing_secret.expose_secret().as_bytes(), purpose))
}

/// The claims of `token` signed under the key of `purpose`, unless expired (`exp_of`).
pub(crate) fn verify<T: DeserializeOwned>(
    state: &AppState,
    purpose: Purpose,
    token: &str,
    exp_of: impl Fn(&T) -> i64,
) -> Option<T> {
    let key = crypto::derive_key(state.config.signing_secret.expose_secret().as_bytes(), purpose);
    jwt::verify(token, &key).filter(|claims| exp_of(claims) > state.now())
}

/// The admin session cookie's value.
pub fn cookie_value(state: &AppState, session: &AdminSession) -> String {
    sign(state, Purpose::AdminSession, session)
}

/// The admin session of a cookie, checked: signature, expiry, and the account of the page.
pub fn check(state: &AppState, cookie: Option<&str>, crm: Crm, account_id: &str) -> Result<AdminSession, InstallError> {
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
