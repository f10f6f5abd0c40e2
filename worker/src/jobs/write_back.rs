//! Running one write-back: a ready design's figures (system size in kW DC, annual
//! production in kWh, offset in %, the project's link) written to the CRM opportunity, so
//! CRM reports can use them. Absolute values, so a repeat is harmless.

use super::Outcome;
use crate::{
    AppState,
    crm::{AccessError, CrmError, DesignFigures},
    ids::OpportunityKey,
    storage::write_backs,
};

/// What a write-back is, for the admin.
const FIGURES: &str = "Writing figures to";

/// Writes the figures queued under `key` (`crm`, `account_id`, `opportunity_id`).
pub async fn run(state: &AppState, key: &[String]) -> Outcome {
    let key = match OpportunityKey::from_job_key(key) {
        Ok(key) => key,
        Err(why) => return Outcome::GiveUp(why),
    };
    let write = match write_backs::find(state.db(), &key).await {
        Ok(Some(write)) => write,
        Ok(None) => return Outcome::GiveUp("the write's record is gone".into()),
        Err(error) => return Outcome::Retry(error.to_string()),
    };
    let figures: DesignFigures = match serde_json::from_str(&write.fields_json) {
        Ok(figures) => figures,
        Err(error) => return Outcome::GiveUp(format!("unreadable figures: {error}")),
    };
    let result = key.crm.integration().write_figures(state, &key.account_id, &key.opportunity_id, &figures).await;
    let opportunity = key.external_provider_id();
    match result {
        Ok(()) => {
            tracing::info!(%opportunity, design = %write.aurora_design_id, "figures written to the CRM");
            Outcome::Done
        }
        // The CRM refused this write itself (the opportunity is gone, a field refused):
        // repeating it cannot help. The admin sees why.
        Err(error @ AccessError::Crm(CrmError::Refused { .. })) => {
            super::tell_admin(state, &key, FIGURES, &error).await;
            Outcome::GiveUp(error.to_string())
        }
        Err(error) => {
            if !error.is_transient() {
                // Not the CRM's passing trouble (our authorization, our settings): the admin
                // can act, and the write goes through once they have.
                super::tell_admin(state, &key, FIGURES, &error).await;
            }
            Outcome::Retry(error.to_string())
        }
    }
}
