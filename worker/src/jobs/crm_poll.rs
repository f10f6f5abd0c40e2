//! Polling one installation of a CRM that has no new-opportunity webhooks (Salesforce): the
//! opportunities created since the cursor are recorded as a webhook's deliveries would be
//! ([`super::crm_event::record_delivery`]: the same dedupe, the same work), then the cursor
//! moves. Done for now, the poll is due again a poll interval later
//! (`CRM_POLL_INTERVAL_SECONDS`); a failing one backs off, is said on the installation's
//! health section, and dies after too many failures in a row, like all background work.

use super::{Outcome, crm_event::record_delivery};
use crate::{
    AppState,
    ids::Crm,
    storage::{crm_polls, installations},
};

/// Polls the installation under `key` (`crm`, `account_id`) once.
pub async fn run(state: &AppState, key: &[String]) -> Outcome {
    let [crm, account] = key else { return Outcome::GiveUp(format!("not a poll's key: {key:?}")) };
    let Ok(crm) = Crm::parse(crm) else { return Outcome::GiveUp(format!("not a CRM: {crm}")) };
    let now = state.now();
    match poll(state, crm, account, now).await {
        Ok(Polled::Continue) => Outcome::Again(now + state.config.crm_poll_interval_seconds),
        // Switching automatic projects on again, or installing again, starts it afresh.
        Ok(Polled::Stopped) => Outcome::Done,
        Err(reason) => {
            tracing::warn!(crm = crm.as_str(), account, %reason, "polling new opportunities failed");
            let message = format!("Reading new opportunities failed: {reason}");
            let _ = installations::record_error(state.db(), crm, account, &message, now).await;
            Outcome::Retry(reason)
        }
    }
}

/// Whether the installation is still to be polled.
enum Polled {
    Continue,
    Stopped,
}

async fn poll(state: &AppState, crm: Crm, account: &str, now: i64) -> Result<Polled, String> {
    let db = state.db();
    let installation = installations::find(db, crm, account).await.map_err(|e| e.to_string())?;
    let wanted = installation.is_some_and(|i| i.auto_create && i.crm_tokens_sealed.is_some());
    let cursor = crm_polls::cursor(db, crm, account).await.map_err(|e| e.to_string())?;
    let (Some(cursor), true) = (cursor, wanted && crm.integration().polls_new_opportunities()) else {
        return Ok(Polled::Stopped);
    };
    let (deliveries, next) =
        crm.integration().poll_new_opportunities(state, account, &cursor).await.map_err(|e| e.to_string())?;
    for delivery in deliveries {
        record_delivery(state, crm, delivery, now).await.map_err(|e| e.to_string())?;
    }
    // Only once every delivery is recorded does the cursor move: a crash re-reads them.
    crm_polls::advance(db, crm, account, &next, now).await.map_err(|e| e.to_string())?;
    Ok(Polled::Continue)
}
