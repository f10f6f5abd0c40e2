//! Widget tokens: what the widget shows the worker after `POST /v1/sessions`, as an
//! `Authorization: Bearer` header (never a cookie: third-party iframes lose cookies). An
//! HS256 JWT signed with a key derived from the worker's secret for this purpose alone
//! (`AppState::widget_token_key`), short-lived, naming exactly one CRM
//! account, user and opportunity, so a token of account A can never reach account B.

use crate::{crm::Crm, crypto::jwt};
use serde::{Deserialize, Serialize};

/// How long a widget token is good for: long enough for a rep's look at an opportunity,
/// short enough that a leaked one is soon worthless (15 minutes at most, by design).
pub const LIFETIME_SECONDS: i64 = 10 * 60;
const _: () = assert!(LIFETIME_SECONDS <= 15 * 60, "widget tokens live at most 15 minutes");

/// What a widget token vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetClaims {
    /// The CRM.
    pub crm: Crm,
    /// The CRM account: the unit of isolation.
    pub account_id: String,
    /// The rep.
    pub user_id: String,
    /// The one opportunity this token may read and act on.
    pub opportunity_id: String,
    /// Issued at, unix seconds.
    pub iat: i64,
    /// Expires at, unix seconds.
    pub exp: i64,
}

/// Why a widget token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WidgetTokenError {
    /// Missing, malformed, wrongly signed or of another algorithm.
    #[error("the widget token is not valid: reload the opportunity page")]
    Invalid,
    /// Past its `exp`.
    #[error("the widget token has expired: reload the opportunity page")]
    Expired,
}

/// Signs claims for `LIFETIME_SECONDS` from `now`.
pub fn mint(crm: Crm, account_id: &str, user_id: &str, opportunity_id: &str, secret: &[u8], now: i64) -> String {
    let claims = WidgetClaims {
        crm,
        account_id: account_id.to_owned(),
        user_id: user_id.to_owned(),
        opportunity_id: opportunity_id.to_owned(),
        iat: now,
        exp: now + LIFETIME_SECONDS,
    };
    jwt::sign(&claims, secret)
}

/// Verifies a token: HS256 only, our secret, not expired at `now` (no leeway: we issued it).
pub fn verify(token: &str, secret: &[u8], now: i64) -> Result<WidgetClaims, WidgetTokenError> {
    unexpired(signed(token, secret)?, now)
}

/// The claims of a token signed with `secret`, expired or not.
fn signed(token: &str, secret: &[u8]) -> Result<WidgetClaims, WidgetTokenError> {
    jwt::verify(token, secret).ok_or(WidgetTokenError::Invalid)
}

fn unexpired(claims: WidgetClaims, now: i64) -> Result<WidgetClaims, WidgetTokenError> {
    if claims.exp <= now { Err(WidgetTokenError::Expired) } else { Ok(claims) }
}

/// Tokens this process (or isolate) has verified, by their exact text. A widget shows the
/// same token every few seconds for ten minutes, and checking its signature again (base64,
/// two JSON documents, an HMAC) was an eighth of the poll's time. Only a token that
/// verified is kept, with its claims and the secret it verified under; its expiry is
/// checked at every use. A full cache is emptied: bounded memory, no bookkeeping.
#[derive(Default)]
pub struct VerifiedTokens {
    /// Token text -> a fingerprint of the key it verified under (never the key), its claims.
    entries: std::sync::Mutex<std::collections::HashMap<String, ([u8; 16], WidgetClaims)>>,
}

/// What tells keys apart without keeping them.
fn fingerprint(key: &[u8]) -> [u8; 16] {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key);
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

impl VerifiedTokens {
    const CAPACITY: usize = 4096;

    /// [`verify`], remembering what verified.
    pub fn verify(&self, token: &str, secret: &[u8], now: i64) -> Result<WidgetClaims, WidgetTokenError> {
        let entries = || self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let under = fingerprint(secret);
        let kept = entries().get(token).filter(|(seen, _)| *seen == under).map(|(_, claims)| claims.clone());
        if let Some(claims) = kept {
            return unexpired(claims, now);
        }
        let claims = signed(token, secret)?;
        let mut entries = entries();
        if entries.len() >= Self::CAPACITY {
            entries.clear();
        }
        entries.insert(token.to_owned(), (under, claims.clone()));
        drop(entries);
        unexpired(claims, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"dev-only-worker-signing-secret-0123456789";

    #[test]
    fn tokens_verify_for_their_lifetime_only_and_only_with_our_secret() {
        let token = mint(Crm::Demo, "acct-a", "rep-1", "opp-1", SECRET, 1000);
        let claims = verify(&token, SECRET, 1000 + LIFETIME_SECONDS - 1).expect("valid");
        assert_eq!((claims.account_id.as_str(), claims.opportunity_id.as_str()), ("acct-a", "opp-1"));
        assert_eq!(verify(&token, SECRET, 1000 + LIFETIME_SECONDS), Err(WidgetTokenError::Expired));
        assert_eq!(verify(&token, b"another-secret-another-secret-xx", 1001), Err(WidgetTokenError::Invalid));
        let mut tampered = token.clone();
        tampered.push('x');
        assert_eq!(verify(&tampered, SECRET, 1001), Err(WidgetTokenError::Invalid));
    }

    /// What the cache remembers changes nothing a token can do: the same answers as
    /// [`verify`], before and after a token was seen.
    #[test]
    fn remembered_tokens_still_expire_and_never_open_under_another_secret() {
        let tokens = VerifiedTokens::default();
        let token = mint(Crm::Demo, "acct-a", "rep-1", "opp-1", SECRET, 1000);
        for _ in 0..2 {
            assert_eq!(tokens.verify(&token, SECRET, 1001).map(|c| c.opportunity_id), Ok("opp-1".to_owned()));
        }
        assert_eq!(tokens.verify(&token, SECRET, 1000 + LIFETIME_SECONDS), Err(WidgetTokenError::Expired));
        let other = b"another-secret-another-secret-xx";
        assert_eq!(tokens.verify(&token, other, 1001), Err(WidgetTokenError::Invalid));
        let mut tampered = token.clone();
        tampered.pop();
        assert_eq!(tokens.verify(&tampered, SECRET, 1001), Err(WidgetTokenError::Invalid));
        assert_eq!(tokens.verify("", SECRET, 1001), Err(WidgetTokenError::Invalid));
    }
}
