//! Whether Aurora enforces the session-token rules the link proof rests on. Aurora documents that a session token is good for one exchange (the
//! record of what is public: `aurora/CONTRACT.md`, "session token" [doc]), not that
//! `create_token` *refuses* a token it never issued, or one issued for another tenant
//! (its `session_token` parameter is optional: the worker mints keys without one). If it
//! does not refuse them, exchanging a token proves nothing, so the worker tries both and
//! records Aurora's answers (`aurora_checks`); links then need the operator's approval
//! until Aurora is seen refusing.
//!
//! - A made-up token, on the tenant asking to link: before any code is issued, and again
//!   a day later (Aurora may change).
//! - A held token of another tenant (one Aurora put in a webhook delivery), whenever one is
//!   held and the last answer is older than a week: a deployment with one tenant cannot
//!   try it, and says so.

use crate::{
    AppState,
    storage::{StorageError, aurora_checks, session_tokens},
    temporary_keys::{SESSION_TOKEN_MAX_AGE_SECONDS, open_session_token},
};
use aurora_api::{AuroraError, SessionToken, TenantId};

/// The check with a made-up session token.
pub const FORGED: &str = "forged_session_token";
/// The check with a session token of another tenant.
pub const OTHER_TENANT: &str = "other_tenant_session_token";
/// How long a made-up token's answer is trusted before it is asked again.
pub const FORGED_RECHECK_SECONDS: i64 = 24 * 3600;
/// How long another tenant's token's answer is trusted.
pub const OTHER_TENANT_RECHECK_SECONDS: i64 = 7 * 24 * 3600;

/// What Aurora did with a token it should refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 401: as the link proof needs.
    Refused,
    /// A key: the token proves nothing.
    Accepted,
}

impl Answer {
    fn as_str(self) -> &'static str {
        match self {
            Answer::Refused => "refused",
            Answer::Accepted => "accepted",
        }
    }
}

/// One check's latest answer, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The answer.
    pub answer: Answer,
    /// When (unix seconds).
    pub at: i64,
}

/// What the deployment knows of Aurora's session-token rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionRules {
    /// A made-up token.
    pub forged: Option<Seen>,
    /// A token of another tenant.
    pub other_tenant: Option<Seen>,
}

/// How links are made, given what Aurora was seen to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMode {
    /// A code proves the tenant: Aurora refused a made-up token (and, if tried, another
    /// tenant's). A tenant already linked still moves only when released.
    Proof,
    /// A code makes a link that waits for the operator's approval; why.
    OperatorApproval(&'static str),
}

impl SessionRules {
    /// What storage holds.
    pub async fn load(state: &AppState) -> Result<SessionRules, StorageError> {
        let mut rules = SessionRules::default();
        for record in aurora_checks::all(state.db()).await? {
            let answer = if record.outcome == "refused" { Answer::Refused } else { Answer::Accepted };
            let seen = Some(Seen { answer, at: record.checked_at });
            match record.check_name.as_str() {
                FORGED => rules.forged = seen,
                OTHER_TENANT => rules.other_tenant = seen,
                _ => {}
            }
        }
        Ok(rules)
    }

    /// How a link code redeemed now is made.
    pub fn mode(&self) -> LinkMode {
        match (self.forged.map(|s| s.answer), self.other_tenant.map(|s| s.answer)) {
            (Some(Answer::Accepted), _) => {
                LinkMode::OperatorApproval("Aurora accepted a made-up session token, so a link code proves nothing")
            }
            (_, Some(Answer::Accepted)) => LinkMode::OperatorApproval(
                "Aurora accepted another tenant's session token, so a link code proves nothing",
            ),
            (None, _) => LinkMode::OperatorApproval("Aurora's answer to a made-up session token is not known yet"),
            (Some(Answer::Refused), _) => LinkMode::Proof,
        }
    }
}

/// Why a check could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Aurora answered neither a refusal nor a key (unavailable, app disabled, ...).
    #[error("Aurora gave no answer to the check: {0}")]
    Aurora(AuroraError),
    /// No randomness for the made-up token.
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Asks `create_token` on `tenant` with `token`, which it should refuse.
async fn try_token(state: &AppState, tenant: TenantId, token: &str) -> Result<(Answer, String), CheckError> {
    match state.aurora.create_token(tenant, Some(&SessionToken::new(token))).await {
        Ok(_) => Ok((Answer::Accepted, "create_token answered a key".into())),
        Err(AuroraError::Unauthorized(why)) => Ok((Answer::Refused, format!("create_token answered 401 ({why})"))),
        Err(other) => Err(CheckError::Aurora(other)),
    }
}

async fn record(state: &AppState, check: &str, answer: Answer, detail: &str) -> Result<Seen, StorageError> {
    let now = state.now();
    aurora_checks::record(state.db(), check, answer.as_str(), detail, now).await?;
    match answer {
        Answer::Refused => tracing::info!(check, detail, "Aurora refused a session token it should refuse"),
        Answer::Accepted => {
            tracing::error!(check, detail, "Aurora ACCEPTED a session token it should refuse: links need the operator")
        }
    }
    Ok(Seen { answer, at: now })
}

/// Tries a made-up session token on `tenant` and records the answer.
pub async fn check_forged(state: &AppState, tenant: TenantId) -> Result<Seen, CheckError> {
    // Random, so no earlier answer (or cache) of Aurora's stands in for this one.
    let nonce = crate::crypto::random_token(12)?;
    let forged = format!("st_made_up_{nonce}");
    let (answer, detail) = try_token(state, tenant, &forged).await?;
    Ok(record(state, FORGED, answer, &detail).await?)
}

/// Tries a held session token of another tenant on `tenant`, if one is held, and records
/// the answer. The token is used up either way.
pub async fn check_other_tenant(state: &AppState, tenant: TenantId) -> Result<Option<Seen>, CheckError> {
    let now = state.now();
    let held =
        session_tokens::take_of_another_tenant(state.db(), &tenant.to_string(), now, SESSION_TOKEN_MAX_AGE_SECONDS)
            .await?;
    let Some(token) = held.and_then(|(theirs, sealed)| open_session_token(state, &theirs, &sealed)) else {
        return Ok(None);
    };
    let (answer, detail) = try_token(state, tenant, &token).await?;
    Ok(Some(record(state, OTHER_TENANT, answer, &detail).await?))
}

/// The rules as known before a link code for `tenant` is issued: checks that are missing
/// or stale are made now (one or two application-key calls, at most daily).
pub async fn before_issuing_code(state: &AppState, tenant: TenantId) -> Result<SessionRules, CheckError> {
    let mut rules = SessionRules::load(state).await?;
    let now = state.now();
    if rules.forged.is_none_or(|seen| now - seen.at >= FORGED_RECHECK_SECONDS) {
        rules.forged = Some(check_forged(state, tenant).await?);
    }
    if rules.other_tenant.is_none_or(|seen| now - seen.at >= OTHER_TENANT_RECHECK_SECONDS) {
        // Only possible while a token of another tenant is held; not having one is no error.
        match check_other_tenant(state, tenant).await {
            Ok(Some(seen)) => rules.other_tenant = Some(seen),
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "could not try another tenant's session token"),
        }
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(answer: Answer) -> Option<Seen> {
        Some(Seen { answer, at: 1 })
    }

    #[test]
    fn codes_prove_a_tenant_only_once_aurora_is_seen_refusing_made_up_tokens() {
        let rules = |forged, other_tenant| SessionRules { forged, other_tenant }.mode();
        assert_eq!(rules(seen(Answer::Refused), None), LinkMode::Proof);
        assert_eq!(rules(seen(Answer::Refused), seen(Answer::Refused)), LinkMode::Proof);
        assert!(matches!(rules(None, None), LinkMode::OperatorApproval(_)));
        assert!(matches!(rules(seen(Answer::Accepted), seen(Answer::Refused)), LinkMode::OperatorApproval(_)));
        assert!(matches!(rules(seen(Answer::Refused), seen(Answer::Accepted)), LinkMode::OperatorApproval(_)));
    }
}
