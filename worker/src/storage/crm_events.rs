//! CRM webhook deliveries (`crm_events`): recorded before we answer, one row per delivery
//! id (a retry or a replay of it does nothing), run by [`crate::jobs`].

use super::{
    Database, StorageError,
    jobs::{Owner, Queue},
    query_as,
};
use crate::ids::Crm;
use serde::Deserialize;

/// The queue's lifecycle columns (see [`super::jobs`]).
pub const QUEUE: Queue =
    Queue { table: "crm_events", key: &["crm", "delivery_id"], enqueued_at: "received_at", owner: Owner::Installation };

/// A recorded CRM webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CrmEvent {
    /// Which CRM sent it.
    pub crm: Crm,
    /// The CRM's delivery id (the same for its retries).
    pub delivery_id: String,
    /// The CRM account.
    pub account_id: String,
    /// The CRM's event name (`opportunity.created`).
    pub event: String,
    /// The event's object, as the CRM sent it (JSON).
    pub payload_json: String,
}

impl CrmEvent {
    /// Its key in [`QUEUE`].
    pub fn job_key(&self) -> Vec<String> {
        vec![self.crm.as_str().to_owned(), self.delivery_id.clone()]
    }
}

/// Records a delivery, due at once; false when its id was recorded before.
pub async fn record(db: &dyn Database, event: &CrmEvent, now: i64) -> Result<bool, StorageError> {
    let changed = db
        .execute(
            "INSERT INTO crm_events (crm, delivery_id, account_id, event, payload_json, received_at, next_attempt_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT DO NOTHING",
            &[
                event.crm.into(),
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

/// The delivery recorded under `crm`/`delivery_id`.
pub async fn find(db: &dyn Database, crm: &str, delivery_id: &str) -> Result<Option<CrmEvent>, StorageError> {
    let rows = query_as(
        db,
        "SELECT crm, delivery_id, account_id, event, payload_json FROM crm_events WHERE crm = ?1 AND delivery_id = ?2",
        &[crm.into(), delivery_id.into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}
