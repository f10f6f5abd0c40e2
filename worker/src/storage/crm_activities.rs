//! The sale's events waiting to be written to opportunities' timelines in their CRMs
//! (`crm_activities`): one row per event, however often Aurora delivered it, run by
//! [`crate::jobs`].

use super::{
    Database, StorageError,
    jobs::{Owner, Queue},
    query_as,
};
use crate::ids::OpportunityKey;
use serde::Deserialize;

/// The queue's lifecycle columns (see [`super::jobs`]).
pub const QUEUE: Queue = Queue {
    table: "crm_activities",
    key: &["crm", "account_id", "opportunity_id", "activity_key"],
    enqueued_at: "created_at",
    owner: Owner::Installation,
};

/// One activity for one opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct QueuedActivity {
    /// The opportunity.
    #[serde(flatten)]
    pub key: OpportunityKey,
    /// What happened (the row's key beside the opportunity's).
    pub activity_key: String,
    /// `crm::SaleActivity` as JSON.
    pub activity_json: String,
}

/// Queues an activity, due at once; false when this event's activity is queued already.
pub async fn enqueue(
    db: &dyn Database,
    key: &OpportunityKey,
    activity_key: &str,
    activity_json: &str,
    now: i64,
) -> Result<bool, StorageError> {
    let [crm, account, opportunity] = key.params();
    let changed = db
        .execute(
            "INSERT INTO crm_activities (crm, account_id, opportunity_id, activity_key, activity_json, created_at, \
             next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT DO NOTHING",
            &[crm, account, opportunity, activity_key.into(), activity_json.into(), now.into()],
        )
        .await?;
    Ok(changed == 1)
}

/// The activity queued under `key` and `activity_key`.
pub async fn find(
    db: &dyn Database,
    key: &OpportunityKey,
    activity_key: &str,
) -> Result<Option<QueuedActivity>, StorageError> {
    let [crm, account, opportunity] = key.params();
    let rows = query_as(
        db,
        "SELECT crm, account_id, opportunity_id, activity_key, activity_json FROM crm_activities \
         WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3 AND activity_key = ?4",
        &[crm, account, opportunity, activity_key.into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}
