//! A CRM installation's OAuth tokens, one type for every CRM: sealed with the installation
//! (bound to it: moved to another row, they do not open), and used through
//! [`with_fresh_tokens`], which renews them before they expire (when the CRM says when) and
//! once more when the CRM refuses them anyway, one renewal at a time per installation.

use super::{AccessError, Crm, CrmError};
use crate::{
    AppState,
    storage::{
        StorageError,
        installations::{self, Installation},
    },
};
use serde::{Deserialize, Serialize};
use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
};

/// An installation's OAuth tokens. `Debug` shows neither token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthTokens {
    /// The bearer for the CRM's API.
    pub access_token: String,
    /// Gets new tokens (a CRM may rotate it).
    pub refresh_token: String,
    /// When the access token expires, unix seconds; `None` when the CRM states no lifetime
    /// (Salesforce: the org's session settings decide, and a 401 is the sign to renew).
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Where this account's API is, when the CRM says so per account (Salesforce's
    /// instance URL, Pipedrive's company domain); empty when the API has one address.
    /// Tokens sealed before this type existed named it after their CRM.
    #[serde(default, alias = "instance_url", alias = "api_domain")]
    pub api_base: String,
}

impl std::fmt::Debug for OAuthTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthTokens")
            .field("expires_at", &self.expires_at)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

impl OAuthTokens {
    /// Whether the access token expires within `margin` seconds of `now`.
    fn expiring(&self, margin: i64, now: i64) -> bool {
        self.expires_at.is_some_and(|expires_at| expires_at - margin <= now)
    }
}

/// Seals `tokens` for the installation of `account_id`.
pub fn seal(state: &AppState, crm: Crm, account_id: &str, tokens: &OAuthTokens) -> Result<String, AccessError> {
    let json = serde_json::to_vec(tokens).map_err(|e| StorageError::Decode(e.to_string()))?;
    Ok(sealer(state).seal(&json, &Installation::seal_context(crm, account_id))?)
}

/// The tokens sealed in `installation`.
pub fn open(state: &AppState, installation: &Installation) -> Result<OAuthTokens, AccessError> {
    let sealed = installation.crm_tokens_sealed.as_deref().ok_or(AccessError::NotAuthorized)?;
    let json = sealer(state).open(sealed, &Installation::seal_context(installation.crm, &installation.account_id))?;
    serde_json::from_slice(&json).map_err(|e| AccessError::Storage(StorageError::Decode(e.to_string())))
}

fn sealer(state: &AppState) -> crate::crypto::Sealer {
    state.sealer()
}

/// One lock per installation whose tokens are being renewed, so that concurrent callers
/// renew once (a CRM that rotates its refresh token would otherwise see the second renewal
/// spend a token the first replaced). Per process, or per isolate on Workers: across them,
/// the renewal reads what another stored before spending anything.
#[derive(Default)]
pub struct RenewalLocks(Mutex<HashMap<(Crm, String), RenewalLock>>);

/// The turn of one installation's renewal.
type RenewalLock = Arc<tokio::sync::Mutex<()>>;

impl RenewalLocks {
    fn of(&self, crm: Crm, account: &str) -> RenewalLock {
        let mut locks = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Only installations being renewed right now keep a lock.
        locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        locks.entry((crm, account.to_owned())).or_default().clone()
    }
}

/// Runs `call` with the tokens of `account`'s installation: renewed first when they expire
/// within `margin` seconds, and renewed once more when the CRM refuses them anyway (a 401).
/// `renew` asks the CRM for new tokens; they are sealed and stored here.
pub async fn with_fresh_tokens<T, Fut, RenewFut>(
    state: &AppState,
    crm: Crm,
    account: &str,
    margin: i64,
    renew: impl Fn(OAuthTokens) -> RenewFut,
    call: impl Fn(OAuthTokens) -> Fut,
) -> Result<T, AccessError>
where
    Fut: Future<Output = Result<T, CrmError>>,
    RenewFut: Future<Output = Result<OAuthTokens, CrmError>>,
{
    let current = stored(state, crm, account).await?.0;
    let renew = &renew;
    // Renews `used`, unless someone renewed it while we waited our turn: then theirs.
    let renewed = move |used: OAuthTokens| async move {
        let lock = state.caches.token_renewals.of(crm, account);
        let _turn = lock.lock().await;
        let (now_stored, sealed_before) = stored(state, crm, account).await?;
        if now_stored != used {
            return Ok::<OAuthTokens, AccessError>(now_stored);
        }
        let fresh = match renew(used.clone()).await {
            Ok(fresh) => fresh,
            // Another process (a Workers isolate) renewed with the same refresh token first,
            // and the CRM, rotating it, refused ours: theirs is stored, or about to be.
            Err(error) => return renewed_elsewhere(state, crm, account, &used).await?.ok_or(error.into()),
        };
        let sealed = seal(state, crm, account, &fresh)?;
        // Stored only over what we renewed: a pair another process stored meanwhile wins
        // (its refresh token is the one the CRM keeps).
        let db = state.db();
        if !installations::replace_tokens(db, crm, account, &sealed_before, &sealed, state.now()).await? {
            return Ok(stored(state, crm, account).await?.0);
        }
        Ok(fresh)
    };
    let tokens = if current.expiring(margin, state.now()) { renewed(current).await? } else { current };
    match call(tokens.clone()).await {
        Err(CrmError::Unauthorized) => Ok(call(renewed(tokens).await?).await?),
        other => Ok(other?),
    }
}

/// The tokens another process stored in place of `used`, waiting a moment for its write
/// (it renewed just before us); `None` when none came.
async fn renewed_elsewhere(
    state: &AppState,
    crm: Crm,
    account: &str,
    used: &OAuthTokens,
) -> Result<Option<OAuthTokens>, AccessError> {
    for _ in 0..10 {
        let (latest, _) = stored(state, crm, account).await?;
        if latest != *used {
            return Ok(Some(latest));
        }
        state.http.sleep(std::time::Duration::from_millis(200)).await;
    }
    Ok(None)
}

/// The tokens `account`'s installation holds now, and their sealed text.
async fn stored(state: &AppState, crm: Crm, account: &str) -> Result<(OAuthTokens, String), AccessError> {
    let installation = installations::find(state.db(), crm, account).await?.ok_or(AccessError::NotAuthorized)?;
    let tokens = open(state, &installation)?;
    Ok((tokens, installation.crm_tokens_sealed.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_sealed_before_one_type_existed_still_open() {
        let salesforce: OAuthTokens = serde_json::from_str(
            r#"{"access_token":"a","refresh_token":"r","instance_url":"https://x.my.salesforce.com"}"#,
        )
        .expect("Salesforce's shape");
        assert_eq!(salesforce.api_base, "https://x.my.salesforce.com");
        assert_eq!(salesforce.expires_at, None);
        let pipedrive: OAuthTokens = serde_json::from_str(
            r#"{"access_token":"a","refresh_token":"r","expires_at":5,"api_domain":"https://c.pipedrive.com"}"#,
        )
        .expect("Pipedrive's shape");
        assert_eq!((pipedrive.expires_at, pipedrive.api_base.as_str()), (Some(5), "https://c.pipedrive.com"));
        let hubspot: OAuthTokens =
            serde_json::from_str(r#"{"access_token":"a","refresh_token":"r","expires_at":5}"#).expect("HubSpot's");
        assert_eq!(hubspot.api_base, "");
        assert!(!format!("{hubspot:?}").contains("\"a\""));
    }

    #[test]
    fn only_tokens_that_say_when_they_expire_are_renewed_ahead() {
        let tokens = |expires_at| OAuthTokens {
            access_token: "a".into(),
            refresh_token: "r".into(),
            expires_at,
            api_base: String::new(),
        };
        assert!(tokens(Some(1_060)).expiring(60, 1_000));
        assert!(!tokens(Some(1_061)).expiring(60, 1_000));
        assert!(!tokens(None).expiring(60, 1_000));
    }
}
