//! Writing a ready design's figures to the CRM opportunity (system size in kW DC, annual
//! production in kWh, offset in %, and the project's link), so CRM reports can use them.
//! Queued in storage first, then delivered; absolute values, so a repeat is harmless;
//! what fails is retried by the sweeper.

use crate::{
    AppState,
    crm::demo::{
        access::{self, AccessError},
        client::CrmError,
    },
    storage::{
        StorageError, installations,
        projects::OpportunityKey,
        write_backs::{self, WriteBack},
    },
    sweeper::retry_delay_seconds,
};
use aurora_api::DesignSummary;
use serde_json::{Value, json};

fn rounded(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// The fields for a design, as the CRM's API takes them.
pub fn fields_for(summary: &DesignSummary, aurora_url: &str) -> Value {
    let production = summary.energy_production.as_ref();
    json!({
        "aurora_system_size_kw": rounded(summary.system_size_stc.kilowatts(), 2),
        "aurora_annual_production_kwh": production.map(|p| p.annual.0.round() as i64),
        "aurora_offset_percent": production.and_then(|p| p.offset_percent()).map(|o| rounded(o, 1)),
        "aurora_project_url": aurora_url,
    })
}

/// Queues the figures of a ready design and tries to deliver them now. Installations
/// without a CRM authorization (added from the command line) have nowhere to write.
pub async fn design_ready(
    state: &AppState,
    key: &OpportunityKey,
    design_id: &str,
    fields: &Value,
) -> Result<(), StorageError> {
    let installation = installations::find(state.db.as_ref(), &key.crm, &key.account_id).await?;
    if state.config.demo_crm.is_none() || installation.is_none_or(|i| i.crm_tokens_sealed.is_none()) {
        return Ok(());
    }
    let write = WriteBack {
        crm: key.crm.clone(),
        account_id: key.account_id.clone(),
        opportunity_id: key.opportunity_id.clone(),
        aurora_design_id: design_id.to_owned(),
        fields_json: fields.to_string(),
        attempts: 0,
    };
    write_backs::enqueue(state.db.as_ref(), &write, state.now() as i64).await?;
    deliver(state, &write).await
}

/// Writes one queued set of figures; records done, or when to try again.
pub async fn deliver(state: &AppState, write: &WriteBack) -> Result<(), StorageError> {
    let db = state.db.as_ref();
    let fields: Value = serde_json::from_str(&write.fields_json).map_err(|e| StorageError::Decode(e.to_string()))?;
    let opportunity = write.opportunity_id.clone();
    let result = access::with_access_token(state, &write.account_id, |client, token| {
        let (fields, opportunity) = (fields.clone(), opportunity.clone());
        async move { client.update_opportunity_fields(&token, &opportunity, &fields).await }
    })
    .await;
    let now = state.now() as i64;
    match result {
        Ok(()) => {
            tracing::info!(opportunity = %write.key().external_provider_id(), design = %write.aurora_design_id, "figures written to the CRM");
            write_backs::mark_done(db, write, now).await
        }
        Err(AccessError::Storage(error)) => Err(error),
        // The CRM refused this write itself (the opportunity is gone, a field refused):
        // repeating it cannot help. The admin sees why.
        Err(error @ AccessError::Crm(CrmError::Refused { .. })) => {
            tracing::warn!(opportunity = %write.key().external_provider_id(), %error, "the CRM refused the figures; not retried");
            let message = format!("Writing figures to opportunity {} failed: {error}", write.opportunity_id);
            installations::record_error(db, &write.crm, &write.account_id, &message, now).await?;
            write_backs::abandon(db, write, &error.to_string(), now).await
        }
        Err(error) => {
            tracing::warn!(opportunity = %write.key().external_provider_id(), %error, "writing figures to the CRM failed; will retry");
            if !error.is_transient() {
                let message = format!("Writing figures to opportunity {} failed: {error}", write.opportunity_id);
                installations::record_error(db, &write.crm, &write.account_id, &message, now).await?;
            }
            write_backs::mark_failed(db, write, &error.to_string(), now + retry_delay_seconds(write.attempts)).await
        }
    }
}

/// Delivers every due write once. Returns how many it looked at.
pub async fn sweep(state: &AppState, batch: i64) -> Result<usize, StorageError> {
    let due = write_backs::due(state.db.as_ref(), state.now() as i64, batch).await?;
    for write in &due {
        deliver(state, write).await?;
    }
    Ok(due.len())
}
