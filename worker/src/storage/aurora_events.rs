//! Aurora's webhook deliveries (`aurora_events`): recorded before we answer 200, one row per
//! event whatever the number of deliveries, run by [`crate::jobs`].

use super::{
    Database, SqlValue, StorageError,
    jobs::{Owner, Queue},
    query_as,
};
use serde::Deserialize;

/// The queue's lifecycle columns (see [`super::jobs`]).
pub const QUEUE: Queue =
    Queue { table: "aurora_events", key: &["dedupe_key"], enqueued_at: "received_at", owner: Owner::Tenant };

/// A recorded delivery.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuroraEvent {
    /// `event:job:status` or `event:tenant:status:delivery`: equal for duplicate deliveries.
    pub dedupe_key: String,
    /// Aurora's event name.
    pub event: String,
    /// The tenant it came from.
    pub aurora_tenant_id: String,
    /// The design (simulation events).
    pub design_id: Option<String>,
    /// The simulation job (simulation events).
    pub job_id: Option<String>,
    /// `succeeded` | `failed` | `enabled` | `disabled`, an agreement's, a lender's or a
    /// milestone's word.
    pub status: String,
    /// The project (the sale's events).
    #[serde(default)]
    pub project_id: Option<String>,
    /// The agreement or financing the event is about (the sale's events).
    #[serde(default)]
    pub object_id: Option<String>,
}

/// Records an event, due at once, and holds the session token it came with (sealed), if
/// any, for its tenant; one commit for both. False when the event was already recorded (a
/// duplicate delivery): then nothing changes, as a repeat brings back a token a mint may
/// have spent already.
pub async fn record(
    db: &dyn Database,
    event: &AuroraEvent,
    sealed_session_token: Option<&str>,
    now: i64,
) -> Result<bool, StorageError> {
    const RECORD: &str = "INSERT INTO aurora_events (dedupe_key, event, aurora_tenant_id, design_id, job_id, \
         status, received_at, next_attempt_at, project_id, object_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9) \
         ON CONFLICT DO NOTHING";
    let recorded = [
        event.dedupe_key.as_str().into(),
        event.event.as_str().into(),
        event.aurora_tenant_id.as_str().into(),
        SqlValue::from(event.design_id.as_deref()),
        SqlValue::from(event.job_id.as_deref()),
        event.status.as_str().into(),
        now.into(),
        SqlValue::from(event.project_id.as_deref()),
        SqlValue::from(event.object_id.as_deref()),
    ];
    let changed = match sealed_session_token {
        None => db.execute(RECORD, &recorded).await?,
        Some(sealed) => {
            let held = [event.aurora_tenant_id.as_str().into(), sealed.into(), now.into()];
            let together: [(&str, &[SqlValue]); 2] =
                [(RECORD, &recorded), (super::session_tokens::HOLD_AFTER_A_CHANGE, &held)];
            db.execute_together(&together).await?.first().copied().unwrap_or(0)
        }
    };
    Ok(changed == 1)
}

/// An event as recorded: the delivery, and when it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RecordedEvent {
    /// The delivery.
    #[serde(flatten)]
    pub event: AuroraEvent,
    /// Its place in the order deliveries arrived in (the row's rowid: it only grows, as
    /// rows of this table are never deleted). Orders simulations by when they finished.
    pub arrival: i64,
    /// When it arrived, unix seconds.
    pub received_at: i64,
}

/// The event recorded under `dedupe_key`.
pub async fn find(db: &dyn Database, dedupe_key: &str) -> Result<Option<RecordedEvent>, StorageError> {
    let rows = query_as(
        db,
        "SELECT dedupe_key, event, aurora_tenant_id, design_id, job_id, status, project_id, object_id, \
         rowid AS arrival, received_at \
         FROM aurora_events WHERE dedupe_key = ?1",
        &[dedupe_key.into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}
