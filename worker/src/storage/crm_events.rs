//! CRM webhook deliveries: recorded before we answer, processed from the record.

use super::{Database, StorageError, query_as};
use serde::Deserialize;

/// A recorded CRM webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CrmEvent {
    /// Which CRM sent it.
    pub crm: String,
    /// The CRM's delivery id (the same for its retries).
    pub delivery_id: String,
    /// The CRM account.
    pub account_id: String,
    /// The CRM's event name (`opportunity.created`).
    pub event: String,
    /// The event's object, as the CRM sent it (JSON).
    pub payload_json: String,
    /// Processing attempts so far.
    pub attempts: i64,
}

/// Records a delivery; false when its id was recorded before (a retry or a replay).
pub async fn record(db: &dyn Database, event: &CrmEvent, now: i64) -> Result<bool, StorageError> {
    let changed = db
        .execute(
            "INSERT INTO crm_webhook_events (crm, delivery_id, account_id, event, payload_json, received_at, next_attempt_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT DO NOTHING",
            &[
                event.crm.as_str().into(),
                event.delivery_id.as_str().into(),
                event.account_id.as_str().into(),
                event.event.as_str().into(),
                event.payload_json.as_str().into(),
                now.into(),
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// Deliveries not processed yet whose next attempt is due, oldest first.
pub async fn due(db: &dyn Database, now: i64, limit: i64) -> Result<Vec<CrmEvent>, StorageError> {
    query_as(
        db,
        "SELECT crm, delivery_id, account_id, event, payload_json, attempts FROM crm_webhook_events \
         WHERE processed_at IS NULL AND next_attempt_at <= ?1 ORDER BY received_at LIMIT ?2",
        &[now.into(), limit.into()],
    )
    .await
}

/// Marks a delivery done.
pub async fn mark_processed(db: &dyn Database, crm: &str, delivery_id: &str, now: i64) -> Result<(), StorageError> {
    db.execute(
        "UPDATE crm_webhook_events SET processed_at = ?3, attempts = attempts + 1, last_error = NULL \
         WHERE crm = ?1 AND delivery_id = ?2",
        &[crm.into(), delivery_id.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// Records a failed attempt and when to try again.
pub async fn mark_failed(
    db: &dyn Database,
    crm: &str,
    delivery_id: &str,
    error: &str,
    next_attempt_at: i64,
) -> Result<(), StorageError> {
    db.execute(
        "UPDATE crm_webhook_events SET attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4 \
         WHERE crm = ?1 AND delivery_id = ?2",
        &[crm.into(), delivery_id.into(), error.into(), next_attempt_at.into()],
    )
    .await?;
    Ok(())
}
