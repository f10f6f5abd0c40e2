//! Stage moves waiting to be made in opportunities' CRMs (`stage_moves`): one per
//! opportunity and step of the sale, run by [`crate::jobs`].

use super::{
    Database, StorageError,
    jobs::{Owner, Queue},
};
use crate::ids::OpportunityKey;

/// The queue's lifecycle columns (see [`super::jobs`]).
pub const QUEUE: Queue = Queue {
    table: "stage_moves",
    key: &["crm", "account_id", "opportunity_id", "step"],
    enqueued_at: "created_at",
    owner: Owner::Installation,
};

/// Queues the move of `key` for `step`, due at once; false when that step's move was
/// queued before (a step of the sale happens once).
pub async fn enqueue(db: &dyn Database, key: &OpportunityKey, step: &str, now: i64) -> Result<bool, StorageError> {
    let [crm, account, opportunity] = key.params();
    let changed = db
        .execute(
            "INSERT INTO stage_moves (crm, account_id, opportunity_id, step, created_at, next_attempt_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT DO NOTHING",
            &[crm, account, opportunity, step.into(), now.into()],
        )
        .await?;
    Ok(changed == 1)
}
