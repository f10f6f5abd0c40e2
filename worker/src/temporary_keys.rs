//! Temporary Aurora keys, per tenant: minted with the application key, cached until a few
//! minutes before `expires_at`, one mint at a time per tenant however many requests wait
//! (single-flight), and re-minted once when Aurora answers 401.

use aurora_api::{AuroraClient, AuroraError, BearerToken, SessionToken, TenantId};
use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
};

/// Refresh this long before Aurora's `expires_at`, so a key never expires mid-call.
pub const REFRESH_MARGIN_SECONDS: i64 = 5 * 60;

#[derive(Clone)]
struct CachedKey {
    token: BearerToken,
    expires_at: i64,
}

/// Where a session token for a tenant comes from when minting (the webhook handler keeps
/// the newest unused one); `None` mints without one.
#[async_trait::async_trait]
pub trait SessionTokenSource: Send + Sync {
    /// Takes (and so uses up) a session token for `tenant`, if one is held.
    async fn take(&self, tenant: TenantId) -> Option<SessionToken>;
}

/// Holds no session tokens.
pub struct NoSessionTokens;

#[async_trait::async_trait]
impl SessionTokenSource for NoSessionTokens {
    async fn take(&self, _: TenantId) -> Option<SessionToken> {
        None
    }
}

/// Aurora documents a session token as good for an hour; we use one only while comfortably
/// younger.
pub const SESSION_TOKEN_MAX_AGE_SECONDS: i64 = 50 * 60;

fn session_token_aad(tenant: &str) -> String {
    format!("session-token/{tenant}")
}

/// `token`, of `tenant`, sealed for storage: a session token is also what proves a user of
/// the tenant to `/connect/aurora` (`tenant_links`), so a database reader must not find
/// usable ones.
pub fn seal_session_token(
    state: &crate::AppState,
    tenant: &str,
    token: &str,
) -> Result<String, crate::crypto::CryptoError> {
    state.sealer().seal(token.as_bytes(), &session_token_aad(tenant))
}

/// A held session token of `tenant`, opened; `None` when it does not open (sealed under an
/// earlier secret, or copied from another tenant's row), which is as good as none.
pub fn open_session_token(state: &crate::AppState, tenant: &str, sealed: &str) -> Option<String> {
    state.sealer().open(sealed, &session_token_aad(tenant)).ok().and_then(|plain| String::from_utf8(plain).ok())
}

/// Session tokens held in storage (Aurora's webhooks bring them), taken (and so used up)
/// when a key is minted.
pub struct StoredSessionTokens<'a>(pub &'a crate::AppState);

#[async_trait::async_trait]
impl SessionTokenSource for StoredSessionTokens<'_> {
    async fn take(&self, tenant: TenantId) -> Option<SessionToken> {
        let (db, now) = (self.0.db(), self.0.now());
        let tenant = tenant.to_string();
        match crate::storage::session_tokens::take(db, &tenant, now, SESSION_TOKEN_MAX_AGE_SECONDS).await {
            Ok(sealed) => sealed.and_then(|sealed| open_session_token(self.0, &tenant, &sealed)).map(SessionToken::new),
            Err(error) => {
                tracing::warn!(%error, "could not read held session tokens; minting without one");
                None
            }
        }
    }
}

/// The cache. One slot per tenant; the slot's async lock is the single flight.
#[derive(Default)]
pub struct TemporaryKeyCache {
    slots: Mutex<HashMap<TenantId, Arc<tokio::sync::Mutex<Option<CachedKey>>>>>,
}

impl TemporaryKeyCache {
    fn slot(&self, tenant: TenantId) -> Arc<tokio::sync::Mutex<Option<CachedKey>>> {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        slots.entry(tenant).or_default().clone()
    }

    /// A key for `tenant` valid for at least [`REFRESH_MARGIN_SECONDS`] from `now`.
    pub async fn key(
        &self,
        aurora: &AuroraClient,
        sessions: &dyn SessionTokenSource,
        tenant: TenantId,
        now: i64,
    ) -> Result<BearerToken, AuroraError> {
        let slot = self.slot(tenant);
        // Everyone asking for this tenant queues here; the first mints, the rest find the
        // fresh key when their turn comes.
        let mut cached = slot.lock().await;
        if let Some(key) = cached.as_ref().filter(|k| k.expires_at - REFRESH_MARGIN_SECONDS > now) {
            return Ok(key.token.clone());
        }
        let session = sessions.take(tenant).await;
        let minted = match aurora.create_token(tenant, session.as_ref()).await {
            // A session token already spent (a duplicate delivery brought it back) or
            // expired costs only itself: the key is minted without one.
            Err(AuroraError::Unauthorized(_)) if session.is_some() => {
                tracing::warn!(%tenant, "Aurora refused a held session token; minting without one");
                aurora.create_token(tenant, None).await?
            }
            result => result?,
        };
        tracing::info!(%tenant, expires_at = minted.expires_at.as_str(), "minted a temporary Aurora key");
        let key = CachedKey { token: minted.bearer_token, expires_at: minted.expires_at.unix_seconds() };
        *cached = Some(key.clone());
        Ok(key.token)
    }

    /// Drops `tenant`'s slot (its installation unlinked it): the cache holds keys only for
    /// tenants someone links, so it stays as small as the list of linked tenants.
    pub fn drop_tenant(&self, tenant: TenantId) {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&tenant);
    }

    /// How many tenants have a slot.
    pub fn len(&self) -> usize {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }

    /// Whether no tenant has a slot.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets `token` for `tenant` (Aurora refused it), unless it was already replaced.
    pub async fn forget(&self, tenant: TenantId, token: &BearerToken) {
        let slot = self.slot(tenant);
        let mut cached = slot.lock().await;
        if cached.as_ref().is_some_and(|k| &k.token == token) {
            *cached = None;
        }
    }

    /// Runs `call` with a key for `tenant`; on a 401, forgets the key, mints a new one and
    /// runs `call` once more (a key can be revoked before its `expires_at`).
    pub async fn with_key<T, F, Fut>(
        &self,
        aurora: &AuroraClient,
        sessions: &dyn SessionTokenSource,
        tenant: TenantId,
        now: i64,
        call: F,
    ) -> Result<T, AuroraError>
    where
        F: Fn(BearerToken) -> Fut,
        Fut: Future<Output = Result<T, AuroraError>>,
    {
        let key = self.key(aurora, sessions, tenant, now).await?;
        match call(key.clone()).await {
            Err(AuroraError::Unauthorized(_)) => {
                self.forget(tenant, &key).await;
                let fresh = self.key(aurora, sessions, tenant, now).await?;
                call(fresh).await
            }
            other => other,
        }
    }
}
