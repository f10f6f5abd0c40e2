//! Webhook events, held session tokens, and the design of each opportunity.

use super::{Database, SqlValue, StorageError, projects::OpportunityKey, query_as};
use serde::Deserialize;

/// A recorded webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WebhookEvent {
    /// `event:job/tenant:...`: equal for duplicate deliveries.
    pub dedupe_key: String,
    /// Aurora's event name.
    pub event: String,
    /// The tenant it came from.
    pub aurora_tenant_id: String,
    /// The design (simulation events).
    pub design_id: Option<String>,
    /// The simulation job (simulation events).
    pub job_id: Option<String>,
    /// `succeeded` | `failed` | `enabled` | `disabled`.
    pub status: String,
    /// Processing attempts so far.
    pub attempts: i64,
}

/// Records an event; false when it was already recorded (a duplicate delivery).
pub async fn record_event(db: &dyn Database, event: &WebhookEvent, now: i64) -> Result<bool, StorageError> {
    let changed = db
        .execute(
            "INSERT INTO webhook_events (dedupe_key, event, aurora_tenant_id, design_id, job_id, status, received_at, \
             next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT DO NOTHING",
            &[
                event.dedupe_key.as_str().into(),
                event.event.as_str().into(),
                event.aurora_tenant_id.as_str().into(),
                SqlValue::from(event.design_id.as_deref()),
                SqlValue::from(event.job_id.as_deref()),
                event.status.as_str().into(),
                now.into(),
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// Events not processed yet whose next attempt is due, oldest first.
pub async fn due_events(db: &dyn Database, now: i64, limit: i64) -> Result<Vec<WebhookEvent>, StorageError> {
    query_as(
        db,
        "SELECT dedupe_key, event, aurora_tenant_id, design_id, job_id, status, attempts FROM webhook_events \
         WHERE processed_at IS NULL AND next_attempt_at <= ?1 ORDER BY received_at LIMIT ?2",
        &[now.into(), limit.into()],
    )
    .await
}

/// Marks an event done.
pub async fn mark_processed(db: &dyn Database, dedupe_key: &str, now: i64) -> Result<(), StorageError> {
    db.execute(
        "UPDATE webhook_events SET processed_at = ?2, attempts = attempts + 1, last_error = NULL WHERE dedupe_key = ?1",
        &[dedupe_key.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// Records a failed attempt and when to try again.
pub async fn mark_failed(
    db: &dyn Database,
    dedupe_key: &str,
    error: &str,
    next_attempt_at: i64,
) -> Result<(), StorageError> {
    db.execute(
        "UPDATE webhook_events SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE dedupe_key = ?1",
        &[dedupe_key.into(), error.into(), next_attempt_at.into()],
    )
    .await?;
    Ok(())
}

/// Holds the newest session token of a tenant (replacing an older one).
pub async fn hold_session_token(db: &dyn Database, tenant: &str, token: &str, now: i64) -> Result<(), StorageError> {
    db.execute(
        "INSERT INTO session_tokens (aurora_tenant_id, session_token, received_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (aurora_tenant_id) DO UPDATE SET session_token = excluded.session_token, received_at = excluded.received_at",
        &[tenant.into(), token.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// Takes the tenant's held session token if it is younger than `max_age` seconds; it is
/// deleted either way (a session token is good for one exchange).
pub async fn take_session_token(
    db: &dyn Database,
    tenant: &str,
    now: i64,
    max_age: i64,
) -> Result<Option<String>, StorageError> {
    #[derive(Deserialize)]
    struct Held {
        session_token: String,
        received_at: i64,
    }
    let held: Vec<Held> = query_as(
        db,
        "SELECT session_token, received_at FROM session_tokens WHERE aurora_tenant_id = ?1",
        &[tenant.into()],
    )
    .await?;
    let Some(held) = held.into_iter().next() else { return Ok(None) };
    // Delete exactly what we read, so a newer token that just arrived is kept.
    let taken = db
        .execute(
            "DELETE FROM session_tokens WHERE aurora_tenant_id = ?1 AND session_token = ?2",
            &[tenant.into(), held.session_token.as_str().into()],
        )
        .await?;
    Ok((taken == 1 && now - held.received_at < max_age).then_some(held.session_token))
}

/// A stored design.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DesignRecord {
    /// Aurora's design id.
    pub aurora_design_id: String,
    /// `succeeded` | `failed`.
    pub simulation_status: String,
    /// `aurora_api::DesignSummary` as JSON.
    pub summary_json: String,
}

/// Stores a design for an opportunity unless a newer simulation is already stored: the
/// newest `designed_at_ms` wins; an equal one (the same design re-read) replaces.
pub async fn store_design(
    db: &dyn Database,
    key: &OpportunityKey,
    design_id: &str,
    simulation_status: &str,
    designed_at_ms: i64,
    summary_json: &str,
    now: i64,
) -> Result<bool, StorageError> {
    let changed = db
        .execute(
            "INSERT INTO designs (crm, account_id, opportunity_id, aurora_design_id, simulation_status, designed_at_ms, \
             summary_json, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (crm, account_id, opportunity_id) DO UPDATE SET aurora_design_id = excluded.aurora_design_id, \
             simulation_status = excluded.simulation_status, designed_at_ms = excluded.designed_at_ms, \
             summary_json = excluded.summary_json, updated_at = excluded.updated_at \
             WHERE excluded.designed_at_ms >= designs.designed_at_ms",
            &[
                key.crm.as_str().into(),
                key.account_id.as_str().into(),
                key.opportunity_id.as_str().into(),
                design_id.into(),
                simulation_status.into(),
                designed_at_ms.into(),
                summary_json.into(),
                now.into(),
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// The design shown for an opportunity, if any.
pub async fn find_design(db: &dyn Database, key: &OpportunityKey) -> Result<Option<DesignRecord>, StorageError> {
    let rows: Vec<DesignRecord> = query_as(
        db,
        "SELECT aurora_design_id, simulation_status, summary_json FROM designs \
         WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3",
        &[key.crm.as_str().into(), key.account_id.as_str().into(), key.opportunity_id.as_str().into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}

/// The opportunity of a project we created, by Aurora's project id or our external id.
pub async fn opportunity_of_project(
    db: &dyn Database,
    tenant: &str,
    aurora_project_id: &str,
    external_provider_id: Option<&str>,
) -> Result<Option<OpportunityKey>, StorageError> {
    #[derive(Deserialize)]
    struct Found {
        crm: String,
        account_id: String,
        opportunity_id: String,
    }
    let rows: Vec<Found> = query_as(
        db,
        "SELECT crm, account_id, opportunity_id FROM projects WHERE aurora_tenant_id = ?1 \
         AND (external_provider_id = ?2 OR aurora_project_id = ?3) LIMIT 1",
        &[tenant.into(), SqlValue::from(external_provider_id), aurora_project_id.into()],
    )
    .await?;
    Ok(rows.into_iter().next().map(|f| OpportunityKey {
        crm: f.crm,
        account_id: f.account_id,
        opportunity_id: f.opportunity_id,
    }))
}

/// Records the tenant's app status on every installation linked to it.
pub async fn set_app_enabled(db: &dyn Database, tenant: &str, enabled: bool, now: i64) -> Result<u64, StorageError> {
    db.execute(
        "UPDATE installations SET app_enabled = ?2, updated_at = ?3 WHERE aurora_tenant_id = ?1",
        &[tenant.into(), enabled.into(), now.into()],
    )
    .await
}
