//! Project claims to look at again (`project_rechecks`), run by [`crate::jobs`]: scheduled
//! when an attempt takes a claim, so that an attempt that dies (a crash, an isolate cut
//! off) or ends with an unknown outcome is finished without anyone clicking again.

use super::{
    Database, StorageError,
    jobs::{Owner, Queue},
};
use crate::ids::OpportunityKey;

/// The queue's lifecycle columns (see [`super::jobs`]).
pub const QUEUE: Queue = Queue {
    table: "project_rechecks",
    key: &["crm", "account_id", "opportunity_id"],
    enqueued_at: "created_at",
    owner: Owner::Installation,
};

/// (Re)schedules the recheck of `key` at `at`, as fresh pending work.
pub async fn schedule(db: &dyn Database, key: &OpportunityKey, now: i64, at: i64) -> Result<(), StorageError> {
    let [crm, account, opportunity] = key.params();
    db.execute(
        "INSERT INTO project_rechecks (crm, account_id, opportunity_id, created_at, next_attempt_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (crm, account_id, opportunity_id) DO UPDATE SET created_at = excluded.created_at, \
         next_attempt_at = excluded.next_attempt_at, attempts = 0, done_at = NULL, dead_at = NULL, \
         last_error = NULL, lease_id = NULL, lease_expires_at = NULL",
        &[crm, account, opportunity, now.into(), at.into()],
    )
    .await?;
    Ok(())
}

/// Settles a pending recheck that nobody holds: the attempt recorded its outcome itself.
pub async fn settle(db: &dyn Database, key: &OpportunityKey, now: i64) -> Result<(), StorageError> {
    let [crm, account, opportunity] = key.params();
    db.execute(
        "UPDATE project_rechecks SET done_at = ?4 WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3 \
         AND done_at IS NULL AND dead_at IS NULL AND lease_id IS NULL",
        &[crm, account, opportunity, now.into()],
    )
    .await?;
    Ok(())
}
