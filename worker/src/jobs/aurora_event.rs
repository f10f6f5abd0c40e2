//! Running one of Aurora's events. A finished simulation re-reads the design summary (the
//! design is updated before the webhook fires), maps it to the opportunity whose project
//! it is, and stores it so that the newest simulation wins whatever the arrival order; a
//! successful one queues its figures for the CRM. An app status change is recorded on
//! every installation linked to the tenant.

use super::{Kind, Outcome};
use crate::{
    AppState,
    crm::DesignFigures,
    ids::OpportunityKey,
    storage::{
        StorageError,
        aurora_events::{self, AuroraEvent},
        designs::{self, NewDesign, SimulationStatus},
        installations, projects,
        write_backs::{self, WriteBack},
    },
    temporary_keys::StoredSessionTokens,
};
use aurora_api::{AuroraError, DesignId, TenantId};

/// Aurora's event names.
pub mod events {
    /// A performance simulation finished.
    pub const SIMULATION_COMPLETED: &str = "performance_simulation_job_completed";
    /// A tenant enabled or disabled the app.
    pub const APP_STATUS_CHANGED: &str = "app_status_changed";
}

/// Runs the event recorded under `key` (its dedupe key).
pub async fn run(state: &AppState, key: &[String]) -> Outcome {
    let event = match aurora_events::find(state.db(), key.first().map(String::as_str).unwrap_or_default()).await {
        Ok(Some(event)) => event,
        Ok(None) => return Outcome::GiveUp("the event's record is gone".into()),
        Err(error) => return Outcome::Retry(error.to_string()),
    };
    let result = match event.event.as_str() {
        events::APP_STATUS_CHANGED => app_status_changed(state, &event).await,
        events::SIMULATION_COMPLETED => simulation_completed(state, &event).await,
        other => return Outcome::GiveUp(format!("unknown Aurora event {other}")),
    };
    match result {
        Ok(outcome) => outcome,
        Err(StorageError::Backend(error)) => Outcome::Retry(error),
        Err(error @ StorageError::Decode(_)) => Outcome::GiveUp(error.to_string()),
    }
}

async fn app_status_changed(state: &AppState, event: &AuroraEvent) -> Result<Outcome, StorageError> {
    let enabled = event.status == "enabled";
    let changed = installations::set_app_enabled(state.db(), &event.aurora_tenant_id, enabled, state.now()).await?;
    tracing::info!(tenant = %event.aurora_tenant_id, enabled, installations = changed, "app status changed");
    Ok(Outcome::Done)
}

/// Whether an Aurora failure is worth another attempt later. A design Aurora does not
/// have, or a tenant that refused us, is not: repeating cannot help. A 401 is (after the
/// key cache's own re-mint): a wrong application key is fixed by the operator, and the
/// events then go through.
fn outcome_of(error: &AuroraError) -> Outcome {
    match error {
        AuroraError::Unauthorized(_) => Outcome::Retry(error.to_string()),
        _ if error.is_transient() => Outcome::Retry(error.to_string()),
        _ => Outcome::GiveUp(error.to_string()),
    }
}

async fn simulation_completed(state: &AppState, event: &AuroraEvent) -> Result<Outcome, StorageError> {
    let (Ok(tenant), Some(Ok(design_id)), Some(status)) = (
        TenantId::parse(&event.aurora_tenant_id),
        event.design_id.as_deref().map(DesignId::parse),
        SimulationStatus::parse(&event.status),
    ) else {
        return Ok(Outcome::GiveUp("the event's tenant, design or status is not usable".into()));
    };
    let sessions = StoredSessionTokens(state);
    let fetched = state
        .keys
        .with_key(&state.aurora, &sessions, tenant, state.now(), |bearer| {
            let aurora = state.aurora.clone();
            async move { aurora.get_design_summary(&bearer, tenant, design_id).await }
        })
        .await;
    let summary = match fetched {
        Ok(summary) => summary,
        Err(error) => return Ok(outcome_of(&error)),
    };
    let Some(key) = projects::opportunity_of(
        state.db(),
        &event.aurora_tenant_id,
        &summary.project_id.to_string(),
        summary.external_provider_id.as_deref(),
    )
    .await?
    else {
        // A project of the tenant that no opportunity of ours created: nothing to show.
        tracing::info!(%tenant, project = %summary.project_id, "simulation of a project we did not create; ignored");
        return Ok(Outcome::Done);
    };
    let json = serde_json::to_string(&summary).map_err(|e| StorageError::Decode(e.to_string()))?;
    let design = NewDesign {
        design_id: &design_id.to_string(),
        simulation_status: status,
        designed_at_ms: summary.created_at.utc().timestamp_millis(),
        summary_json: &json,
    };
    let stored = designs::store(state.db(), &key, &design, state.now()).await?;
    tracing::info!(opportunity = %key.external_provider_id(), design = %design_id, status = status.as_str(), stored, "design summary processed");
    if stored && status == SimulationStatus::Succeeded {
        let aurora_url =
            aurora_api::hosts::project_app_url(&state.config.aurora.base_url, &summary.project_id.to_string());
        queue_figures(state, &key, design.design_id, &DesignFigures::of(&summary, &aurora_url)).await?;
    }
    Ok(Outcome::Done)
}

/// Queues the figures of a ready design for the opportunity's CRM and writes them now.
/// Installations without a CRM authorization (added from the command line) have nowhere
/// to write.
async fn queue_figures(
    state: &AppState,
    key: &OpportunityKey,
    design_id: &str,
    figures: &DesignFigures,
) -> Result<(), StorageError> {
    let installation = installations::find(state.db(), key.crm, &key.account_id).await?;
    if !key.crm.integration().is_configured(state) || installation.is_none_or(|i| i.crm_tokens_sealed.is_none()) {
        return Ok(());
    }
    let write = WriteBack {
        key: key.clone(),
        aurora_design_id: design_id.to_owned(),
        fields_json: serde_json::to_string(figures).map_err(|e| StorageError::Decode(e.to_string()))?,
    };
    write_backs::enqueue(state.db(), &write, state.now()).await?;
    // Already in the background: written now, and retried by the sweep if that fails.
    // Boxed: a job that runs a job is a recursive future.
    Box::pin(super::run_now(state, Kind::WriteBack, key.job_key())).await;
    Ok(())
}
