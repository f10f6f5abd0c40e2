//! Calling the demo CRM as an installation: its sealed tokens are opened, the access
//! token refreshed when it is about to expire (or was refused), and the new tokens sealed
//! and stored again.

use super::client::{CrmTokens, DemoCrmClient};
use crate::{
    AppState,
    crm::{AccessError, Crm, CrmError},
    storage::installations::{self, Installation},
};
use std::future::Future;

/// Refresh this long before the access token's expiry.
const REFRESH_MARGIN_SECONDS: i64 = 60;

/// The demo CRM client of this worker.
pub fn client(state: &AppState) -> Result<DemoCrmClient, AccessError> {
    let config = super::settings(state).ok_or(AccessError::NotConfigured)?;
    Ok(DemoCrmClient::new(state.http.clone(), config))
}

/// Seals `tokens` for the installation of `account_id`.
pub fn seal(state: &AppState, account_id: &str, tokens: &CrmTokens) -> Result<String, AccessError> {
    crate::crm::seal_tokens(state, Crm::Demo, account_id, tokens)
}

/// The tokens sealed in `installation`.
pub fn open(state: &AppState, installation: &Installation) -> Result<CrmTokens, AccessError> {
    crate::crm::open_tokens(state, installation)
}

async fn refreshed(
    state: &AppState,
    client: &DemoCrmClient,
    account_id: &str,
    tokens: &CrmTokens,
) -> Result<CrmTokens, AccessError> {
    let now = state.now();
    let fresh = client.refresh(&tokens.refresh_token, now).await?;
    installations::store_tokens(state.db(), Crm::Demo, account_id, &seal(state, account_id, &fresh)?, now).await?;
    Ok(fresh)
}

/// Runs `call` with a valid access token of `account_id`'s installation: refreshed first
/// when about to expire, and once more if the CRM refuses it anyway.
pub async fn with_access_token<T, F, Fut>(state: &AppState, account_id: &str, call: F) -> Result<T, AccessError>
where
    F: Fn(DemoCrmClient, String) -> Fut,
    Fut: Future<Output = Result<T, CrmError>>,
{
    let client = client(state)?;
    let installation =
        installations::find(state.db(), Crm::Demo, account_id).await?.ok_or(AccessError::NotAuthorized)?;
    let mut tokens = open(state, &installation)?;
    if tokens.expires_at - REFRESH_MARGIN_SECONDS <= state.now() {
        tokens = refreshed(state, &client, account_id, &tokens).await?;
    }
    match call(client.clone(), tokens.access_token.clone()).await {
        Err(CrmError::Unauthorized) => {
            let tokens = refreshed(state, &client, account_id, &tokens).await?;
            Ok(call(client, tokens.access_token).await?)
        }
        other => Ok(other?),
    }
}
