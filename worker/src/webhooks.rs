//! Aurora's webhooks: record, acknowledge, then process in the background from the durable
//! record. Processing re-reads the design summary (the object is updated before the
//! webhook fires), maps it to the opportunity, and stores it so that the newest
//! simulation wins whatever the arrival order. A periodic sweeper retries what failed,
//! so a crash between acknowledgement and processing loses nothing.

use crate::{
    AppState,
    storage::{StorageError, webhooks as store},
    temporary_keys::SessionTokenSource,
};
use async_trait::async_trait;
use aurora_api::{DesignId, SessionToken, TenantId};

/// Aurora's event names.
pub mod events {
    /// A performance simulation finished.
    pub const SIMULATION_COMPLETED: &str = "performance_simulation_job_completed";
    /// A tenant enabled or disabled the app.
    pub const APP_STATUS_CHANGED: &str = "app_status_changed";
}

/// How many due events one sweep processes.
pub const SWEEP_BATCH: i64 = 50;

/// A session token is good for an hour [doc]; we use one only while comfortably younger.
const SESSION_TOKEN_MAX_AGE_SECONDS: i64 = 50 * 60;

/// Session tokens held in storage, taken (and so used up) when a key is minted.
pub struct StoredSessionTokens<'a>(pub &'a AppState);

#[async_trait]
impl SessionTokenSource for StoredSessionTokens<'_> {
    async fn take(&self, tenant: TenantId) -> Option<SessionToken> {
        let now = self.0.now() as i64;
        match store::take_session_token(self.0.db.as_ref(), &tenant.to_string(), now, SESSION_TOKEN_MAX_AGE_SECONDS)
            .await
        {
            Ok(token) => token.map(SessionToken::new),
            Err(error) => {
                tracing::warn!(%error, "could not read held session tokens; minting without one");
                None
            }
        }
    }
}

/// Why processing an event failed (it is retried later).
#[derive(Debug, thiserror::Error)]
pub enum ProcessingError {
    /// Aurora could not give us the design.
    #[error(transparent)]
    Aurora(#[from] aurora_api::AuroraError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The event's recorded ids are not usable.
    #[error("malformed event: {0}")]
    Malformed(String),
}

/// Processes one recorded event; records the outcome (done, or failed with a retry time).
pub async fn process(state: &AppState, event: &store::WebhookEvent) {
    let now = state.now() as i64;
    let result = match event.event.as_str() {
        events::APP_STATUS_CHANGED => app_status_changed(state, event).await,
        events::SIMULATION_COMPLETED => simulation_completed(state, event).await,
        other => Err(ProcessingError::Malformed(format!("unknown event {other}"))),
    };
    let recorded = match result {
        Ok(()) => store::mark_processed(state.db.as_ref(), &event.dedupe_key, now).await,
        Err(error) => {
            let delay = crate::sweeper::retry_delay_seconds(event.attempts);
            tracing::warn!(event = %event.dedupe_key, %error, delay, "webhook processing failed; will retry");
            store::mark_failed(state.db.as_ref(), &event.dedupe_key, &error.to_string(), now + delay).await
        }
    };
    if let Err(error) = recorded {
        tracing::error!(event = %event.dedupe_key, %error, "could not record the processing outcome");
    }
}

async fn app_status_changed(state: &AppState, event: &store::WebhookEvent) -> Result<(), ProcessingError> {
    let enabled = event.status == "enabled";
    let changed =
        store::set_app_enabled(state.db.as_ref(), &event.aurora_tenant_id, enabled, state.now() as i64).await?;
    tracing::info!(tenant = %event.aurora_tenant_id, enabled, installations = changed, "app status changed");
    Ok(())
}

async fn simulation_completed(state: &AppState, event: &store::WebhookEvent) -> Result<(), ProcessingError> {
    let tenant = TenantId::parse(&event.aurora_tenant_id).map_err(|e| ProcessingError::Malformed(e.to_string()))?;
    let design_id = DesignId::parse(event.design_id.as_deref().unwrap_or_default())
        .map_err(|e| ProcessingError::Malformed(e.to_string()))?;
    let now = state.now() as i64;
    let sessions = StoredSessionTokens(state);
    let summary = state
        .keys
        .with_key(&state.aurora, &sessions, tenant, now, |bearer| {
            let aurora = state.aurora.clone();
            async move { aurora.get_design_summary(&bearer, tenant, design_id).await }
        })
        .await?;
    let Some(key) = store::opportunity_of_project(
        state.db.as_ref(),
        &event.aurora_tenant_id,
        &summary.project_id.to_string(),
        summary.external_provider_id.as_deref(),
    )
    .await?
    else {
        // A project of the tenant that no opportunity of ours created: nothing to show.
        tracing::info!(%tenant, project = %summary.project_id, "simulation of a project we did not create; ignored");
        return Ok(());
    };
    let json = serde_json::to_string(&summary).map_err(|e| ProcessingError::Malformed(e.to_string()))?;
    let stored = store::store_design(
        state.db.as_ref(),
        &key,
        &design_id.to_string(),
        &event.status,
        summary.created_at.utc().timestamp_millis(),
        &json,
        now,
    )
    .await?;
    tracing::info!(opportunity = %key.external_provider_id(), design = %design_id, status = %event.status, stored, "design summary processed");
    if stored && event.status == "succeeded" {
        let aurora_url =
            aurora_api::hosts::project_app_url(&state.config.aurora.base_url, &summary.project_id.to_string());
        crate::write_back::design_ready(
            state,
            &key,
            &design_id.to_string(),
            &crate::write_back::fields_for(&summary, &aurora_url),
        )
        .await?;
    }
    Ok(())
}

/// Processes every due event once. Returns how many it looked at.
pub async fn sweep(state: &AppState) -> Result<usize, StorageError> {
    let due = store::due_events(state.db.as_ref(), state.now() as i64, SWEEP_BATCH).await?;
    for event in &due {
        process(state, event).await;
    }
    Ok(due.len())
}
