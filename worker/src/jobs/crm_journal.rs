//! Reading a CRM's app-wide journal (HubSpot's Webhooks Journal) for what it tells of our
//! app: a portal that uninstalled us in the CRM, which no one calls us about, is forgotten
//! here as an uninstall from the settings page would (its installation, its tokens and its
//! pending work). The offset moves only once everything read is acted on (a crash reads it
//! again; forgetting twice is harmless). Done for now, the reading is due again a poll
//! interval later (`CRM_POLL_INTERVAL_SECONDS`); a failing one backs off and dies like all
//! background work, shown on every installation's health section of that CRM.

use super::Outcome;
use crate::{
    AppState,
    ids::Crm,
    storage::{crm_journals, installations as installations_store},
};

/// Reads the journal of the CRM under `key` (`crm`) once.
pub async fn run(state: &AppState, key: &[String]) -> Outcome {
    let [crm] = key else { return Outcome::GiveUp(format!("not a journal's key: {key:?}")) };
    let Ok(crm) = Crm::parse(crm) else { return Outcome::GiveUp(format!("not a CRM: {crm}")) };
    if !crm.integration().reads_app_journal() || !crm.integration().is_configured(state) {
        return Outcome::Done;
    }
    let now = state.now();
    match read(state, crm, now).await {
        Ok(()) => Outcome::Again(now + state.config.crm_poll_interval_seconds),
        Err(reason) => {
            tracing::warn!(crm = crm.as_str(), %reason, "reading the CRM's app journal failed");
            Outcome::Retry(reason)
        }
    }
}

async fn read(state: &AppState, crm: Crm, now: i64) -> Result<(), String> {
    let db = state.db();
    let offset = crm_journals::offset(db, crm).await.map_err(|e| e.to_string())?;
    let read = crm.integration().read_app_journal(state, offset.as_deref()).await.map_err(|e| e.to_string())?;
    for gone in &read.uninstalled {
        // Installed again since (or changed by its admin): the uninstall is not its news.
        let since = installations_store::changed_since(db, crm, &gone.account_id, gone.at).await;
        if since.map_err(|e| e.to_string())? {
            continue;
        }
        if super::forget_installation(state, crm, &gone.account_id).await.map_err(|e| e.to_string())? {
            tracing::info!(crm = crm.as_str(), account = %gone.account_id, "uninstalled in the CRM: forgotten");
        }
    }
    if let Some(reached) = read.offset {
        crm_journals::advance(db, crm, &reached, now).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}
