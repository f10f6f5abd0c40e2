//! Linking an Aurora tenant to a CRM installation, with proof from both sides, so that
//! one company's admin cannot take another's tenant by its id. A tenant id is no secret: it shows on Aurora's Apps page and is known to
//! integrators and ex-employees. So the link is made only when
//!
//! 1. a user of the tenant opens our app from Aurora, which hands us a session token: the
//!    worker exchanges it (`create_token` for that tenant), which only a user acting in
//!    the tenant can make Aurora issue, and shows a one-time link code (10 minutes);
//! 2. an admin of the CRM account, signed in to the app's settings, enters the code.
//!
//! A tenant is linked to one installation at a time: linking it elsewhere takes the same
//! proof again and unlinks the first, whose admin sees it on the health section.
//! Attempts are limited per installation, and exchanges overall, so neither guessing
//! codes nor opening the connect page in a loop can spend the application key's budget,
//! which every customer shares.

use crate::{
    AppState,
    crypto::{self, CryptoError},
    ids::Crm,
    storage::{
        StorageError, installations, one_time,
        rate_limits::{self, Limit},
    },
};
use aurora_api::{AuroraError, SessionToken, TenantId};

/// How long a link code works.
pub const CODE_LIFETIME_SECONDS: i64 = 10 * 60;
/// Symbols in a code: 8 of base32, 40 bits; with [`LINK_ATTEMPTS`], guessing one of the
/// codes alive at a time is hopeless.
pub const CODE_SYMBOLS: usize = 8;
/// Codes an installation may try.
pub const LINK_ATTEMPTS: Limit = Limit { hits: 10, window_seconds: 10 * 60 };
/// Session-token exchanges from the connect page, overall: a small share of Aurora's 90
/// requests a minute per key.
pub const CONNECTS: Limit = Limit { hits: 20, window_seconds: 60 };

/// Why Aurora's side of a link did not produce a code. Each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Aurora opened the page without a tenant or a session token.
    #[error(
        "Aurora opened this page without a tenant and a session token: open the app again from Aurora (Settings > Apps)"
    )]
    Incomplete,
    /// Aurora refused the session token (expired, used, or of another tenant).
    #[error("this link from Aurora has expired or was used already: open the app again from Aurora (Settings > Apps)")]
    SessionRefused,
    /// The tenant has not enabled the app.
    #[error("the app is not enabled for this Aurora tenant: enable it in Aurora (Settings > Apps), then open it again")]
    AppDisabled,
    /// Too many exchanges right now.
    #[error("too many link requests right now: try again in {0} seconds")]
    Busy(i64),
    /// Aurora did not answer.
    #[error("Aurora is not answering right now ({0}); try again in a minute")]
    AuroraUnavailable(String),
    /// No randomness for the code.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why the CRM side of a link failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The code is wrong, used, or expired.
    #[error(
        "this link code does not work (mistyped, used already, or older than 10 minutes): open the app in Aurora (Settings > Apps) for a new one"
    )]
    InvalidCode,
    /// Too many attempts for this installation.
    #[error("too many link attempts: try again in {0} seconds")]
    TooManyAttempts(i64),
    /// The installation does not exist (any more).
    #[error("the app is not installed for this CRM account: install it from the CRM's marketplace")]
    NotInstalled,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A code shown to the Aurora user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCode {
    /// `ABCD-EFGH`.
    pub code: String,
    /// The tenant it links.
    pub tenant: TenantId,
    /// When it stops working (unix seconds).
    pub expires_at: i64,
}

/// Aurora's side: `tenant` and `session_token` as Aurora passed them when it opened our
/// app. The token is exchanged once, which proves the user acts in the tenant; the key it
/// mints is not kept (the worker mints its own when it needs one).
pub async fn connect(
    state: &AppState,
    tenant: Option<&str>,
    session_token: Option<&str>,
) -> Result<LinkCode, ConnectError> {
    let tenant = tenant.and_then(|t| TenantId::parse(t).ok()).ok_or(ConnectError::Incomplete)?;
    let session = session_token.map(str::trim).filter(|t| !t.is_empty()).ok_or(ConnectError::Incomplete)?;
    let now = state.now();
    if let Some(wait) = rate_limits::hit(state.db(), "connect", CONNECTS, now).await? {
        return Err(ConnectError::Busy(wait));
    }
    match state.aurora.create_token(tenant, Some(&SessionToken::new(session))).await {
        Ok(_) => {}
        Err(AuroraError::Unauthorized(_)) => return Err(ConnectError::SessionRefused),
        Err(AuroraError::Forbidden(_)) => return Err(ConnectError::AppDisabled),
        Err(error) => return Err(ConnectError::AuroraUnavailable(error.to_string())),
    }
    let symbols = crypto::random_code(CODE_SYMBOLS)?;
    let expires_at = now + CODE_LIFETIME_SECONDS;
    one_time::store_link_code(state.db(), &symbols, &tenant.to_string(), now, expires_at).await?;
    tracing::info!(%tenant, "a user of the tenant asked for a link code");
    let code = format!("{}-{}", &symbols[..CODE_SYMBOLS / 2], &symbols[CODE_SYMBOLS / 2..]);
    Ok(LinkCode { code, tenant, expires_at })
}

/// The code as typed: case, spaces and dashes do not matter, and the letters Crockford's
/// base32 leaves out read as the digits they look like.
fn normalized(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// The CRM side: an admin of the installation (checked by the caller) enters `code`.
/// Answers the tenant now linked.
pub async fn link(state: &AppState, crm: Crm, account_id: &str, code: &str) -> Result<TenantId, LinkError> {
    let now = state.now();
    let key = format!("link:{}:{account_id}", crm.as_str());
    if let Some(wait) = rate_limits::hit(state.db(), &key, LINK_ATTEMPTS, now).await? {
        return Err(LinkError::TooManyAttempts(wait));
    }
    let code = normalized(code);
    let tenant = match one_time::redeem_link_code(state.db(), &code, now).await? {
        Some(tenant) => TenantId::parse(&tenant).map_err(|_| LinkError::InvalidCode)?,
        None => return Err(LinkError::InvalidCode),
    };
    let previous = installations::link_tenant(state.db(), crm, account_id, &tenant.to_string(), now)
        .await?
        .ok_or(LinkError::NotInstalled)?;
    if let Some(previous) = previous {
        tracing::warn!(%tenant, account = account_id, from = %previous.account_id, "Aurora tenant moved to another installation, with proof");
    }
    tracing::info!(account = %account_id, %tenant, "Aurora tenant linked, proven with Aurora");
    Ok(tenant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_typed() {
        assert_eq!(normalized("abcd-efgh"), "ABCDEFGH");
        assert_eq!(normalized(" 0o1I-lL23 "), "00111123");
    }

    #[test]
    fn codes_are_eight_readable_symbols() {
        let code = crypto::random_code(CODE_SYMBOLS).expect("random");
        assert_eq!(code.len(), 8);
        assert!(code.chars().all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)), "{code}");
        assert_ne!(code, crypto::random_code(CODE_SYMBOLS).expect("random"));
    }
}
