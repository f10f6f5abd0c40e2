//! Linking an Aurora tenant to a CRM installation, with proof from both sides, so that
//! one company's admin cannot take another's tenant by its id. A tenant id is no secret: it shows on Aurora's Apps page and is known to
//! integrators and ex-employees. So the link is made only when
//!
//! 1. a user of the tenant opens our app from Aurora, which hands us a session token: the
//!    worker exchanges it (`create_token` for that tenant), which only a user acting in
//!    the tenant can make Aurora issue, and shows a one-time link code (10 minutes);
//! 2. an admin of the CRM account, signed in to the app's settings, enters the code.
//!
//! The exchange proves something only if Aurora refuses session tokens it did not issue
//! for that tenant, which Aurora does not document: [`session_rules`] tries it before any
//! code is issued, and while Aurora is not seen refusing, a redeemed code makes a link that
//! waits for the operator's approval (`aurora-crm-worker approve-link`).
//!
//! A tenant is linked to one installation at a time, and never moves silently: while one
//! installation holds it, a code for it links nothing else, and the holder's admin is told
//! of the attempt. It moves once its admin releases it (settings, "Release tenant") or the
//! operator does (`release-tenant`, logged). Attempts are limited per installation, and
//! exchanges per client, per tenant and overall, so neither guessing codes nor opening the
//! connect page in a loop can block linking or spend the application key's budget, which
//! every customer shares.

pub mod session_rules;

use crate::{
    AppState,
    crypto::{self, CryptoError},
    ids::Crm,
    storage::{
        StorageError,
        installations::{self, Linked, TenantLink},
        one_time,
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
/// Session-token exchanges from the connect page per client address: a person opens the
/// app from Aurora a few times at most.
pub const CONNECTS_PER_CLIENT: Limit = Limit { hits: 10, window_seconds: 60 };
/// ... and per tenant.
pub const CONNECTS_PER_TENANT: Limit = Limit { hits: 10, window_seconds: 10 * 60 };
/// ... and overall: a backstop well above normal use, and still a small share of Aurora's
/// 90 requests a minute per key.
pub const CONNECTS_OVERALL: Limit = Limit { hits: 30, window_seconds: 60 };

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
    #[error("too many link requests right now: try again {}", crate::wording::wait(*.0))]
    Busy(i64),
    /// Aurora's check of forged session tokens could not be made.
    #[error("Aurora could not be asked whether it checks session tokens ({0}); try again in a minute")]
    RulesUnknown(String),
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
    #[error("too many link attempts: try again {}", crate::wording::wait(*.0))]
    TooManyAttempts(i64),
    /// The installation does not exist (any more).
    #[error("the app is not installed for this CRM account: install it from the CRM's marketplace")]
    NotInstalled,
    /// Another installation holds the tenant.
    #[error(
        "this Aurora tenant is linked to another {0} account: its admin releases it in the app's settings \
         (Release tenant) before it can be linked here; they have been told of this attempt"
    )]
    HeldElsewhere(&'static str),
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
    /// Why the link it makes waits for the operator, if it does.
    pub awaits_operator: Option<&'static str>,
}

/// What [`link`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The tenant linked.
    pub tenant: TenantId,
    /// How: proven, or awaiting the operator.
    pub made: TenantLink,
}

/// Aurora's side: `tenant` and `session_token` as Aurora passed them when it opened our
/// app, to `client` (its address). The token is exchanged once, which proves the user acts
/// in the tenant if Aurora is seen refusing forged ones (see [`session_rules`]); the key
/// it mints is not kept (the worker mints its own when it needs one).
pub async fn connect(
    state: &AppState,
    client: &str,
    tenant: Option<&str>,
    session_token: Option<&str>,
) -> Result<LinkCode, ConnectError> {
    let tenant = tenant.and_then(|t| TenantId::parse(t).ok()).ok_or(ConnectError::Incomplete)?;
    let session = session_token.map(str::trim).filter(|t| !t.is_empty()).ok_or(ConnectError::Incomplete)?;
    let now = state.now();
    // The client's own budget first: a caller with junk tokens uses up its own, never the
    // tenant's or everyone's.
    for (key, limit) in [
        (format!("connect:client:{client}"), CONNECTS_PER_CLIENT),
        (format!("connect:tenant:{tenant}"), CONNECTS_PER_TENANT),
        ("connect".to_owned(), CONNECTS_OVERALL),
    ] {
        if let Some(wait) = rate_limits::hit(state.db(), &key, limit, now).await? {
            return Err(ConnectError::Busy(wait));
        }
    }
    let rules = session_rules::before_issuing_code(state, tenant).await.map_err(|error| match error {
        session_rules::CheckError::Aurora(AuroraError::Forbidden(_)) => ConnectError::AppDisabled,
        session_rules::CheckError::Aurora(error) => ConnectError::RulesUnknown(error.to_string()),
        session_rules::CheckError::Crypto(error) => ConnectError::Crypto(error),
        session_rules::CheckError::Storage(error) => ConnectError::Storage(error),
    })?;
    match state.aurora.create_token(tenant, Some(&SessionToken::new(session))).await {
        Ok(_) => {}
        Err(AuroraError::Unauthorized(_)) => return Err(ConnectError::SessionRefused),
        Err(AuroraError::Forbidden(_)) => return Err(ConnectError::AppDisabled),
        Err(error) => return Err(ConnectError::AuroraUnavailable(error.to_string())),
    }
    let symbols = crypto::random_code(CODE_SYMBOLS)?;
    let expires_at = now + CODE_LIFETIME_SECONDS;
    one_time::store_link_code(state.db(), &digest(state, &symbols), &tenant.to_string(), now, expires_at).await?;
    tracing::info!(%tenant, "a user of the tenant asked for a link code");
    let code = format!("{}-{}", &symbols[..CODE_SYMBOLS / 2], &symbols[CODE_SYMBOLS / 2..]);
    let awaits_operator = match rules.mode() {
        session_rules::LinkMode::Proof => None,
        session_rules::LinkMode::OperatorApproval(why) => Some(why),
    };
    Ok(LinkCode { code, tenant, expires_at, awaits_operator })
}

/// What storage keeps of a code: an HMAC under a key of its own, so a database reader
/// cannot recover live codes by hashing the 2^40 candidates.
fn digest(state: &AppState, code: &str) -> String {
    use hmac::Mac;
    use secrecy::ExposeSecret;
    let key = crypto::derive_key(state.config.signing_secret.expose_secret().as_bytes(), crypto::Purpose::LinkCode);
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).expect("HMAC key");
    mac.update(code.as_bytes());
    hex::encode(mac.finalize().into_bytes())
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
/// Answers the tenant now linked, and how.
pub async fn link(state: &AppState, crm: Crm, account_id: &str, code: &str) -> Result<Link, LinkError> {
    let now = state.now();
    let key = format!("link:{}:{account_id}", crm.as_str());
    if let Some(wait) = rate_limits::hit(state.db(), &key, LINK_ATTEMPTS, now).await? {
        return Err(LinkError::TooManyAttempts(wait));
    }
    let code = normalized(code);
    let tenant = match one_time::redeem_link_code(state.db(), &digest(state, &code), now).await? {
        Some(tenant) => TenantId::parse(&tenant).map_err(|_| LinkError::InvalidCode)?,
        None => return Err(LinkError::InvalidCode),
    };
    // Decided now, not when the code was shown: a check made since counts.
    let made = match session_rules::SessionRules::load(state).await?.mode() {
        session_rules::LinkMode::Proof => TenantLink::Proven,
        session_rules::LinkMode::OperatorApproval(_) => TenantLink::AwaitingOperator,
    };
    match installations::link_tenant(state.db(), crm, account_id, &tenant.to_string(), made, now).await? {
        Linked::Done => {}
        Linked::NotInstalled => return Err(LinkError::NotInstalled),
        Linked::HeldBy(holder) => {
            tracing::warn!(%tenant, account = account_id, holder = %holder.account_id, "a link of a tenant held elsewhere was refused");
            return Err(LinkError::HeldElsewhere(holder.crm.display_name()));
        }
    }
    match made {
        TenantLink::AwaitingOperator => {
            tracing::warn!(account = %account_id, %tenant, "Aurora tenant linked, awaiting the operator's approval")
        }
        _ => tracing::info!(account = %account_id, %tenant, "Aurora tenant linked, proven with Aurora"),
    }
    Ok(Link { tenant, made })
}

/// The admin of `crm`/`account_id` (checked by the caller) releases its tenant, which can
/// then be linked elsewhere. Answers the tenant released.
pub async fn release(state: &AppState, crm: Crm, account_id: &str) -> Result<Option<String>, LinkError> {
    let released = installations::release_tenant(state.db(), crm, account_id, state.now()).await?;
    if let Some(tenant) = &released {
        tracing::warn!(account = %account_id, %tenant, "Aurora tenant released by the installation's admin");
    }
    Ok(released)
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
